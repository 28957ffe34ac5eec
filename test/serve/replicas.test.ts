/**
 * Replicas: `npm run serve` processes drain on SIGTERM, and two of them behind nginx (a private
 * instance, test/helpers/nginx.ts) give byte-identical images for a seed, survive one stopped
 * replica and a rolling restart without a failed request. docs/serving.md is the recipe.
 */
import * as net from 'net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportGenerator } from '../../lib/serve/export';
import { freePort, startNginx, type PrivateNginx } from '../helpers/nginx';
import { waitFor } from '../helpers/wait';
import { startServeProcess, tinyGenerator, tmpDir, type ServeProcess } from './fixtures';

function generate(url: string, body: unknown) {
  return fetch(`${url}/v1/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(false); });
    s.on('error', () => resolve(true));
  });
}

let modelDir: string;
beforeAll(async () => {
  modelDir = tmpDir();
  const g = tinyGenerator({ size: 28 });
  await exportGenerator(g, modelDir);
  g.dispose();
});

describe('npm run serve drains on SIGTERM', () => {
  it('answers 503 (health too) during the drain delay, finishes the request in flight, closes its port and exits 0', async () => {
    // Batches wait 2 s to fill, so the first request is still in flight when SIGTERM comes.
    const server = await startServeProcess(['--model', modelDir, '--batch-timeout-ms', '2000', '--drain-delay-ms', '3000']);
    const inFlight = generate(server.url, { count: 2, seed: 5 });
    await waitFor('the request to be queued', async () =>
      ((await (await fetch(`${server.url}/healthz`)).json()) as { batching: { queuedRequests: number } }).batching.queuedRequests === 1);
    server.child.kill('SIGTERM');
    let health: Response | undefined;
    await waitFor('/healthz to answer 503', async () => {
      health = await fetch(`${server.url}/healthz`);
      return health.status === 503;
    });
    expect(await health!.json()).toMatchObject({ status: 'draining' });
    const late = await generate(server.url, { count: 1, seed: 6 });
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(late.headers.get('connection')).toBe('close');
    expect((await late.json()).message).toBe('This server is shutting down and finishing the requests in flight; retry on another replica.');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('server closed, model disposed.');
    expect(await refused(server.port)).toBe(true);
  });
});

describe('two replicas behind nginx', () => {
  const replicas: ServeProcess[] = [];
  let ports: number[];
  let nginx: PrivateNginx;
  const start = (port: number) => startServeProcess(['--model', modelDir, '--port', String(port)]);
  const stop = async (r: ServeProcess) => {
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  };

  beforeAll(async () => {
    ports = [await freePort(), await freePort()];
    replicas.push(...(await Promise.all(ports.map(start))));
    nginx = await startNginx(ports);
  });
  afterAll(async () => {
    await nginx?.stop();
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.exited));
  });

  /** Sends `body` through nginx until replica `pid` answered it; returns that answer. */
  async function answerFrom(pid: number, body: unknown): Promise<Buffer> {
    let bytes: Buffer | null = null;
    await waitFor(`nginx to route a request to replica ${pid}`, async () => {
      const res = await generate(nginx.url, body);
      expect(res.status).toBe(200);
      const b = Buffer.from(await res.arrayBuffer());
      if (res.headers.get('x-ganbook-replica') === String(pid)) bytes = b;
      return bytes !== null;
    });
    return bytes!;
  }

  it('returns byte-identical images for the same seed from either replica', async () => {
    const body = { count: 9, seed: 4242, format: 'png' };
    const [a, b] = [await answerFrom(replicas[0].child.pid!, body), await answerFrom(replicas[1].child.pid!, body)];
    expect(a.equals(b)).toBe(true);
    const direct = Buffer.from(await (await generate(replicas[1].url, body)).arrayBuffer());
    expect(direct.equals(a)).toBe(true);
    const other = Buffer.from(await (await generate(nginx.url, { ...body, seed: 4243 })).arrayBuffer());
    expect(other.equals(a)).toBe(false);
  });

  it('takes a stopped replica out: every request succeeds on the other one', async () => {
    await stop(replicas[1]);
    const seen = new Set<string | null>();
    for (let i = 0; i < 20; i++) {
      const res = await generate(nginx.url, { count: 2, seed: i });
      expect(res.status).toBe(200);
      seen.add(res.headers.get('x-ganbook-replica'));
      await res.arrayBuffer();
    }
    expect([...seen]).toEqual([String(replicas[0].child.pid)]);
    replicas[1] = await start(ports[1]);
    await answerFrom(replicas[1].child.pid!, { count: 1, seed: 1 }); // back in rotation
  });

  it('loses no request during a rolling restart of both replicas under a client loop', async () => {
    let running = true;
    const failures: string[] = [];
    const firstBytes = new Map<number, Buffer>();
    const seenPids = new Set<string>();
    let sent = 0;
    const client = async (lane: number) => {
      for (let i = 0; running; i++) {
        const seed = (lane * 1000 + i) % 24;
        sent++;
        try {
          const res = await generate(nginx.url, { count: 4, seed, format: 'png' });
          const bytes = Buffer.from(await res.arrayBuffer());
          if (res.status !== 200) { failures.push(`${res.status} ${bytes.toString().slice(0, 200)}`); continue; }
          seenPids.add(res.headers.get('x-ganbook-replica')!);
          const first = firstBytes.get(seed);
          if (!first) firstBytes.set(seed, bytes);
          else if (!first.equals(bytes)) failures.push(`seed ${seed}: different bytes from replica ${res.headers.get('x-ganbook-replica')}`);
        } catch (err) {
          failures.push(`fetch failed: ${(err as Error).message}`);
        }
      }
    };
    const lanes = [0, 1, 2, 3].map(client);
    for (const k of [0, 1]) {
      await stop(replicas[k]);
      replicas[k] = await start(ports[k]);
      const pid = String(replicas[k].child.pid);
      // nginx sends it requests again once fail_timeout (1 s) has passed since it saw it down.
      await waitFor(`restarted replica ${pid} to answer through nginx`, () => seenPids.has(pid));
    }
    running = false;
    await Promise.all(lanes);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(50);
    expect(nginx.errorLog()).not.toMatch(/no live upstreams/);
  });
});
