import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { tf } from '../../lib/backend';
import { exportGenerator } from '../../lib/serve/export';
import { createServer } from '../../lib/serve/server';
import { tinyGenerator, tmpDir } from './fixtures';

function post(app: FastifyInstance, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return app.inject({ method: 'POST', url: '/v1/generate', headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });
}

function decodePng(bytes: Buffer): number[] {
  const img = tf.node.decodePng(bytes, 0);
  const shape = img.shape;
  img.dispose();
  return shape;
}

describe('generator HTTP API (unconditional)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const dir = tmpDir();
    const g = tinyGenerator();
    await exportGenerator(g, dir, { meta: { dataset: 'tiny-test', metrics: { mse: 0.5 } } });
    g.dispose();
    app = await createServer({ modelDir: dir });
  });
  afterAll(async () => { await app?.close(); });

  it('returns byte-identical PNGs for the same seed and different ones for another', async () => {
    const a = await post(app, { count: 4, seed: 7, format: 'png' });
    const b = await post(app, { count: 4, seed: 7, format: 'png' });
    const c = await post(app, { count: 4, seed: 8, format: 'png' });
    expect(a.statusCode).toBe(200);
    expect(a.headers['content-type']).toBe('image/png');
    expect(a.headers['x-ganbook-seed']).toBe('7');
    expect(a.rawPayload.equals(b.rawPayload)).toBe(true);
    expect(a.rawPayload.equals(c.rawPayload)).toBe(false);
  });

  it('encodes a grid PNG whose size follows count (8x8 tiles, 2 px padding)', async () => {
    expect(decodePng((await post(app, { count: 1, seed: 1 })).rawPayload)).toEqual([8, 8, 1]);
    // 4 → 2x2 grid: 2*8 + 2 = 18
    expect(decodePng((await post(app, { count: 4, seed: 1 })).rawPayload)).toEqual([18, 18, 1]);
    // 5 → 3 columns, 2 rows: 3*8+2*2 = 28 wide, 2*8+2 = 18 high
    expect(decodePng((await post(app, { count: 5, seed: 1 })).rawPayload)).toEqual([18, 28, 1]);
  });

  it('returns JSON pixels that match the PNG for the same seed, defaulting count to 1', async () => {
    const res = await post(app, { seed: 3, format: 'json' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { seed: number; count: number; shape: number[]; pixels: number[] };
    expect(body.seed).toBe(3);
    expect(body.count).toBe(1);
    expect(body.shape).toEqual([1, 8, 8, 1]);
    expect(body.pixels).toHaveLength(64);
    const png = tf.node.decodePng((await post(app, { seed: 3 })).rawPayload, 1);
    expect(Array.from(png.dataSync())).toEqual(body.pixels);
    png.dispose();
    expect(new Set(body.pixels).size).toBeGreaterThan(4); // not a blank image
  });

  it('image i does not depend on count (latents are drawn in order)', async () => {
    const one = (await post(app, { count: 1, seed: 11, format: 'json' })).json() as { pixels: number[] };
    const three = (await post(app, { count: 3, seed: 11, format: 'json' })).json() as { pixels: number[] };
    expect(three.pixels.slice(0, 64)).toEqual(one.pixels);
  });

  it('applies truncation (a different image than without, still deterministic)', async () => {
    const plain = await post(app, { seed: 5, format: 'json' });
    const t1 = await post(app, { seed: 5, format: 'json', truncation: 0.5 });
    const t2 = await post(app, { seed: 5, format: 'json', truncation: 0.5 });
    expect(t1.body).toBe(t2.body);
    expect(t1.body).not.toBe(plain.body);
    expect((t1.json() as { truncation: number }).truncation).toBe(0.5);
  });

  it('picks and reports a random seed when none is given', async () => {
    const res = await post(app, { format: 'json' });
    const seed = Number(res.headers['x-ganbook-seed']);
    expect(Number.isInteger(seed)).toBe(true);
    const again = await post(app, { format: 'json', seed });
    expect(again.body).toBe(res.body);
  });

  it('serves metadata, health and an OpenAPI document', async () => {
    const meta = (await app.inject({ url: '/v1/model' })).json() as Record<string, unknown>;
    expect(meta).toMatchObject({
      format: 'ganbook-generator/1', latentDim: 8, imageShape: [8, 8, 1], numClasses: 0, conditional: false,
      dataset: 'tiny-test', metrics: { mse: 0.5 }, compression: { quantize: 'none', prune: 0 }, maxCount: 256,
    });
    const health = await app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok' });
    const doc = (await app.inject({ url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, any> };
    expect(doc.openapi).toBe('3.1.0');
    const schema = doc.paths['/v1/generate'].post.requestBody.content['application/json'].schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.count).toMatchObject({ minimum: 1, maximum: 256 });
    expect(schema.properties.label).toBeUndefined();
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.inject({ url: '/v2/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe('No route GET /v2/nope. See GET /openapi.json for the API.');
  });

  const cases: Array<[string, unknown, string]> = [
    ['count 0', { count: 0 }, 'Expected "count" to be an integer from 1 to 256; got 0.'],
    ['count 257', { count: 257 }, 'Expected "count" to be an integer from 1 to 256; got 257.'],
    ['count fractional', { count: 1.5 }, 'Expected "count" to be an integer from 1 to 256; got 1.5.'],
    ['count as a string', { count: '4' }, 'Expected "count" to be an integer from 1 to 256; got "4".'],
    ['count null', { count: null }, 'Expected "count" to be an integer from 1 to 256; got null.'],
    ['seed negative', { seed: -1 }, 'Expected "seed" to be an integer from 0 to 4294967295; got -1.'],
    ['seed too big', { seed: 2 ** 32 }, 'Expected "seed" to be an integer from 0 to 4294967295; got 4294967296.'],
    ['seed fractional', { seed: 0.5 }, 'Expected "seed" to be an integer from 0 to 4294967295; got 0.5.'],
    ['format unknown', { format: 'gif' }, 'Expected "format" to be "png" or "json"; got "gif".'],
    ['format not a string', { format: 1 }, 'Expected "format" to be "png" or "json"; got 1.'],
    ['truncation 0', { truncation: 0 }, 'Expected "truncation" to be a number > 0 and <= 10 (e.g. 0.7); got 0.'],
    ['truncation negative', { truncation: -1 }, 'Expected "truncation" to be a number > 0 and <= 10 (e.g. 0.7); got -1.'],
    ['truncation too big', { truncation: 11 }, 'Expected "truncation" to be a number > 0 and <= 10 (e.g. 0.7); got 11.'],
    ['truncation as a string', { truncation: 'x' }, 'Expected "truncation" to be a number > 0 and <= 10 (e.g. 0.7); got "x".'],
    ['label on an unconditional model', { label: 1 }, 'Unexpected field "label": this model is unconditional. Remove "label".'],
    ['an unknown field', { count: 1, size: 3 }, 'Unexpected field "size". Allowed fields: count, seed, format, truncation.'],
    ['an array body', [1, 2], 'Expected the body to be a JSON object such as {"count": 4, "format": "png"}; got [1,2].'],
    ['a number body', 5, 'Expected the body to be a JSON object such as {"count": 4, "format": "png"}; got 5.'],
    ['a null body', null, 'Expected the body to be a JSON object such as {"count": 4, "format": "png"}; got null.'],
  ];
  for (const [name, body, message] of cases) {
    it(`rejects ${name} with 400 and a clear message`, async () => {
      const res = await post(app, body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ statusCode: 400, error: 'Bad Request', message });
    });
  }

  it('rejects invalid JSON, an empty body, a wrong content type and an oversized body', async () => {
    const bad = await post(app, '{"count": 4');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^Expected a valid JSON body; got invalid JSON/);
    const empty = await post(app, '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toBe('Expected a JSON object body such as {"count": 4}; got an empty body.');
    const text = await post(app, 'count=4', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    expect(text.json().message).toBe('Expected Content-Type: application/json; got "text/plain".');
    const huge = await post(app, JSON.stringify({ count: 1, pad: 'x'.repeat(20_000) }));
    expect(huge.statusCode).toBe(413);
    expect(huge.json().message).toBe('Expected a body of at most 16384 bytes; got more. Send only the documented fields.');
    const proto = await post(app, '{"__proto__": {"count": 3}}');
    expect(proto.statusCode).toBe(400);
  });

  it('leaks no tensors across a concurrent burst', async () => {
    await post(app, { count: 2, seed: 1 }); // warm-up
    const before = tf.memory().numTensors;
    const bodies = Array.from({ length: 40 }, (_, i) => ({ count: 1 + (i % 16), seed: i, format: i % 2 ? 'json' : 'png' }));
    const results = await Promise.all(bodies.map((b) => post(app, b)));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('generator HTTP API (conditional)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const dir = tmpDir();
    const g = tinyGenerator({ conditional: 3 });
    await exportGenerator(g, dir, { meta: { labels: ['a', 'b', 'c'] } });
    g.dispose();
    app = await createServer({ modelDir: dir, maxCount: 16 });
  });
  afterAll(async () => { await app?.close(); });

  it('requires a label in range and generates per label', async () => {
    const missing = await post(app, { count: 2 });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toBe('Missing field "label": this model is conditional on 3 classes. Send "label" as an integer class index from 0 to 2.');
    const high = await post(app, { count: 2, label: 3 });
    expect(high.statusCode).toBe(400);
    expect(high.json().message).toBe('Expected "label" to be an integer class index from 0 to 2; got 3.');
    const str = await post(app, { label: 'a' });
    expect(str.json().message).toBe('Expected "label" to be an integer class index from 0 to 2; got "a".');
    const count = await post(app, { count: 17, label: 0 });
    expect(count.json().message).toBe('Expected "count" to be an integer from 1 to 16; got 17.');
    const a = await post(app, { seed: 1, label: 0, format: 'json' });
    const b = await post(app, { seed: 1, label: 2, format: 'json' });
    expect(a.statusCode).toBe(200);
    expect(a.json().label).toBe(0);
    expect(a.json().pixels).not.toEqual(b.json().pixels);
    const meta = (await app.inject({ url: '/v1/model' })).json();
    expect(meta).toMatchObject({ numClasses: 3, conditional: true, labels: ['a', 'b', 'c'], maxCount: 16 });
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const schema = doc.paths['/v1/generate'].post.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(['label']);
    expect(schema.properties.label).toMatchObject({ minimum: 0, maximum: 2 });
  });
});
