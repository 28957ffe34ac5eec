import { spawn } from 'child_process';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { exportGenerator } from '../../lib/serve/export';
import { mulberry32 } from '../../lib/serve/latent';
import { createServer, startServer } from '../../lib/serve/server';
import { startServeProcess, tinyGenerator, tmpDir } from './fixtures';

const root = path.resolve(__dirname, '..', '..');

async function exported(conditional?: number): Promise<string> {
  const dir = tmpDir();
  const g = tinyGenerator({ conditional });
  await exportGenerator(g, dir);
  g.dispose();
  return dir;
}

function generateRequest(url: string, body: unknown) {
  return fetch(`${url}/v1/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('server lifecycle', () => {
  it('binds 127.0.0.1 on a free port, finishes the request in flight on close, then disposes the model', async () => {
    const dir = await exported();
    const baseline = tf.memory().numTensors;
    const server = await startServer({ modelDir: dir });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBeGreaterThan(baseline); // the model's weights

    let closed: Promise<void> | null = null;
    server.app.server.once('request', () => { setImmediate(() => { closed = server.close(); }); });
    const res = await generateRequest(server.url, { count: 256, seed: 1 });
    expect(res.status).toBe(200);
    const png = Buffer.from(await res.arrayBuffer());
    const img = tf.node.decodePng(png, 1);
    expect(img.shape).toEqual([16 * 10 - 2, 16 * 10 - 2, 1]); // 256 tiles of 8 px, 16x16 grid, 2 px padding
    img.dispose();
    expect(closed).not.toBeNull();
    await closed;
    expect(tf.memory().numTensors).toBe(baseline); // model disposed, nothing leaked
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('never crashes on 300 random malformed bodies (seeded fuzz): only 2xx/4xx, health OK, no leaked tensors', async () => {
    const dir = await exported(4);
    const app = await createServer({ modelDir: dir, maxCount: 32, bodyLimit: 2048 });
    const rand = mulberry32(20261128);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const values = (): unknown => pick<() => unknown>([
      () => Math.floor(rand() * 600) - 300, () => rand() * 10 - 5, () => 2 ** 53 + 2, () => -0, () => 1e308,
      () => pick(['png', 'json', 'PNG', '', 'gif', '4', '\u0000', 'x'.repeat(50)]), () => null, () => true,
      () => [1, 2, 3], () => ({ nested: { a: 1 } }), () => pick([0, 1, 3, 4, 31, 32, 33, 4294967295, 4294967296]),
    ])();
    const keys = ['count', 'seed', 'label', 'format', 'truncation', 'extra', 'constructor', ''];
    const bodies = (): { payload: string | Buffer; type: string } => {
      const kind = Math.floor(rand() * 10);
      if (kind <= 4) {
        const o: Record<string, unknown> = {};
        const n = Math.floor(rand() * 5);
        for (let i = 0; i < n; i++) o[pick(keys)] = values();
        const json = JSON.stringify(o);
        // Setting o.__proto__ changes the prototype instead of adding a key: splice one in as text.
        return { payload: rand() < 0.2 ? json.replace('{', '{"__proto__":{"count":3},') : json, type: 'application/json' };
      }
      if (kind === 5) return { payload: JSON.stringify(values()), type: 'application/json' };
      if (kind === 6) {
        const s = JSON.stringify({ count: values(), seed: values(), label: values() });
        return { payload: s.slice(0, Math.floor(rand() * s.length)), type: 'application/json' };
      }
      if (kind === 7) return { payload: Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256))), type: pick(['application/json', 'application/octet-stream']) };
      if (kind === 8) return { payload: JSON.stringify({ count: 1, pad: 'y'.repeat(1500 + Math.floor(rand() * 2000)) }), type: 'application/json' };
      return { payload: '{"count": 2}', type: pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16']) };
    };
    await app.inject({ method: 'POST', url: '/v1/generate', payload: { count: 2, label: 1 } }); // warm-up
    const before = tf.memory().numTensors;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const { payload, type } = bodies();
      const res = await app.inject({ method: pick(['POST', 'POST', 'POST', 'PUT', 'GET']), url: '/v1/generate', headers: { 'content-type': type }, payload });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect([200, 400, 404, 413, 415]).toContain(res.statusCode);
      if (res.statusCode !== 200) expect(typeof res.json().message).toBe('string');
    }
    expect(statuses.get(400)).toBeGreaterThan(100); // the fuzz mostly hits validation
    expect((await app.inject({ url: '/healthz' })).json()).toMatchObject({ status: 'ok', inFlight: 0 });
    expect(tf.memory().numTensors).toBe(before);
    await app.close();
  });

  it('npm run serve: starts from the CLI on port 0, answers, and exits 0 on SIGTERM', async () => {
    const dir = await exported();
    const { child, url, output, exited } = await startServeProcess(['--model', dir]);
    expect(((await (await fetch(`${url}/healthz`)).json()) as { status: string }).status).toBe('ok');
    const res = await generateRequest(url, { count: 2, seed: 9 });
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('server closed, model disposed.');
  });

  it('the CLI explains a bad option', async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/serve.ts', '--port', 'abc'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('Expected --port to be an integer from 0 to 65535; got "abc".');
  });
});
