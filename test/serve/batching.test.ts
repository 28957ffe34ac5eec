import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { tf } from '../../lib/backend';
import { buildGenerator } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { exportGenerator } from '../../lib/serve/export';
import { createServer } from '../../lib/serve/server';
import { tinyGenerator, tmpDir } from './fixtures';

function post(app: FastifyInstance, body: unknown) {
  return app.inject({ method: 'POST', url: '/v1/generate', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
}

async function batches(app: FastifyInstance): Promise<number> {
  return ((await app.inject({ url: '/healthz' })).json() as { batching: { batches: number } }).batching.batches;
}

async function exported(conditional?: number): Promise<string> {
  const dir = tmpDir();
  const g = tinyGenerator({ conditional, size: 28 });
  await exportGenerator(g, dir);
  g.dispose();
  return dir;
}

describe('dynamic batching over HTTP', () => {
  let dir: string;
  let batched: FastifyInstance;
  let unbatched: FastifyInstance;
  beforeAll(async () => {
    dir = await exported();
    batched = await createServer({ modelDir: dir, batchTimeoutMs: 20 });
    // The reference: one image per generator call, never waiting for others.
    unbatched = await createServer({ modelDir: dir, maxBatchSize: 1, batchTimeoutMs: 0 });
  });
  afterAll(async () => { await batched?.close(); await unbatched?.close(); });

  it('coalesces 16 concurrent count=1 requests into one or two generator calls, each byte-identical to its unbatched answer', async () => {
    const bodies = Array.from({ length: 16 }, (_, i) => ({ count: 1, seed: 100 + i, format: 'png' }));
    const before = await batches(batched);
    const together = await Promise.all(bodies.map((b) => post(batched, b)));
    const calls = (await batches(batched)) - before;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(2);
    for (const [i, body] of bodies.entries()) {
      const alone = await post(unbatched, body);
      expect(together[i].statusCode).toBe(200);
      expect(together[i].headers['x-ganbook-seed']).toBe(String(body.seed));
      expect(together[i].rawPayload.equals(alone.rawPayload)).toBe(true);
    }
  });

  it('mixes counts, formats and truncation in one batch without changing any answer', async () => {
    const bodies = [
      { count: 1, seed: 1, format: 'json' }, { count: 7, seed: 2, format: 'png' }, { count: 64, seed: 3, format: 'png' },
      { count: 3, seed: 4, format: 'json', truncation: 0.5 }, { count: 100, seed: 5, format: 'png', truncation: 1.5 }, { count: 2, seed: 1, format: 'png' },
    ];
    const together = await Promise.all(bodies.map((b) => post(batched, b)));
    const alone = [];
    for (const b of bodies) alone.push(await post(unbatched, b));
    for (let i = 0; i < bodies.length; i++) {
      expect(together[i].statusCode).toBe(200);
      expect(together[i].rawPayload.equals(alone[i].rawPayload)).toBe(true);
    }
    // The PNG grid of count 7 holds the same pixels as the JSON answer (3 columns, 2 px padding).
    const json = (await post(batched, { count: 7, seed: 2, format: 'json' })).json() as { pixels: number[]; shape: number[] };
    expect(json.shape).toEqual([7, 28, 28, 1]);
    const png = tf.node.decodePng(together[1].rawPayload, 1);
    expect(png.shape).toEqual([3 * 28 + 4, 3 * 28 + 4, 1]);
    const grid = png.arraySync() as number[][][];
    png.dispose();
    const tile = (i: number, y: number, x: number) => grid[Math.floor(i / 3) * 30 + y][(i % 3) * 30 + x][0];
    for (const i of [0, 4, 6]) {
      for (const [y, x] of [[0, 0], [13, 17], [27, 27]]) expect(tile(i, y, x)).toBe(json.pixels[i * 784 + y * 28 + x]);
    }
    expect(grid[28][0][0] + grid[29][5][0] + grid[87][87][0]).toBe(0); // padding and the unused tiles are black
  });

  it('gives the reference DCGAN generator (dense, batch norm, transposed convolutions) the same bytes batched as alone', async () => {
    const ddir = tmpDir();
    const g = buildGenerator(dcgan());
    await exportGenerator(g, ddir);
    g.dispose();
    const a = await createServer({ modelDir: ddir, batchTimeoutMs: 20 });
    const b = await createServer({ modelDir: ddir, maxBatchSize: 1, batchTimeoutMs: 0 });
    const bodies = Array.from({ length: 12 }, (_, i) => ({ count: 1 + (i % 4) * 5, seed: 300 + i, format: i % 2 ? 'png' : 'json' }));
    const before = await batches(a);
    const together = await Promise.all(bodies.map((x) => post(a, x)));
    expect((await batches(a)) - before).toBeLessThanOrEqual(2);
    for (const [i, x] of bodies.entries()) expect(together[i].rawPayload.equals((await post(b, x)).rawPayload)).toBe(true);
    await a.close();
    await b.close();
  });

  it('generates per label in a batch of a conditional model as it does alone', async () => {
    const cdir = await exported(3);
    const a = await createServer({ modelDir: cdir, batchTimeoutMs: 20 });
    const b = await createServer({ modelDir: cdir, maxBatchSize: 1, batchTimeoutMs: 0 });
    const bodies = [0, 1, 2, 1].map((label, i) => ({ count: 2, seed: 9 + i, label, format: 'json' }));
    const before = await batches(a);
    const together = await Promise.all(bodies.map((x) => post(a, x)));
    expect((await batches(a)) - before).toBe(1);
    for (const [i, x] of bodies.entries()) expect(together[i].body).toBe((await post(b, x)).body);
    expect(together[0].body).not.toBe(together[1].body);
    await a.close();
    await b.close();
  });

  it('answers 503 with Retry-After past the queue cap, and says why', async () => {
    const app = await createServer({ modelDir: dir, maxCount: 8, maxQueuedImages: 10, batchTimeoutMs: 20 });
    const [a, b] = await Promise.all([post(app, { count: 8, seed: 1 }), post(app, { count: 4, seed: 2 })]);
    const statuses = [a.statusCode, b.statusCode].sort();
    expect(statuses).toEqual([200, 503]);
    const refused = a.statusCode === 503 ? a : b;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(refused.json().message).toMatch(/^The generation queue is full \(\d+ of 10 images waiting; this request adds \d\)\. Retry after the Retry-After seconds, or ask for fewer images\.$/);
    expect(((await app.inject({ url: '/healthz' })).json() as { batching: { rejected: number } }).batching.rejected).toBe(1);
    await app.close();
    await expect(createServer({ modelDir: dir, maxCount: 64, maxQueuedImages: 32 })).rejects.toThrow(
      'Expected maxQueuedImages (32) to be at least maxCount (64): a request of maxCount images could never be queued. Raise maxQueuedImages or lower maxCount.');
  });

  it('answers 503 with Retry-After when a request times out in the queue', async () => {
    // A batch waits 200 ms to fill; the request may wait 20 ms: it times out, deterministically.
    const app = await createServer({ modelDir: dir, batchTimeoutMs: 200, timeoutMs: 20 });
    const res = await post(app, { count: 2, seed: 1 });
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.json()).toEqual({
      statusCode: 503, error: 'Service Unavailable',
      message: 'Generation did not finish within 20 ms (the server is busy; 0 of 2 images were done). Retry after the Retry-After seconds, or ask for fewer images.',
    });
    const health = (await app.inject({ url: '/healthz' })).json() as { inFlight: number; batching: { timedOut: number; queuedImages: number } };
    expect(health).toMatchObject({ inFlight: 0, batching: { timedOut: 1, queuedImages: 0 } });
    await app.close();
  });

  it('leaks no tensors over a burst of batched requests, and reports the batching options', async () => {
    await post(batched, { count: 2, seed: 1 });
    const before = tf.memory().numTensors;
    const results = await Promise.all(Array.from({ length: 48 }, (_, i) => post(batched, { count: 1 + (i % 9), seed: i, format: i % 3 ? 'png' : 'json' })));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect((await batched.inject({ url: '/v1/model' })).json().batching).toEqual({ maxBatchSize: 64, batchTimeoutMs: 20, maxQueuedImages: 4096, timeoutMs: 10_000 });
    expect((await batched.inject({ url: '/healthz' })).headers['x-ganbook-replica']).toBe(String(process.pid));
  });
});
