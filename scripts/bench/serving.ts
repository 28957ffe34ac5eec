/**
 * Bench section "serving": the HTTP API under concurrent load (autocannon, programmatic) on
 * 127.0.0.1 against `npm run serve` in its own process, serving the reference DCGAN generator
 * (`dcgan()`, 28x28x1, float32 export; untrained: speed does not depend on the weights).
 *
 * - requests/s and p50/p97.5/p99 latency for `count: 1` and `count: 64` PNG requests
 *   (8 connections, `--serving-duration` seconds each, default 10);
 * - memory over `--serving-requests` (default 10,000) `count: 1` requests: the server's RSS
 *   and tensor count (from /healthz) before, halfway and after.
 *
 * Standalone: `ts-node --transpile-only scripts/bench/serving.ts [--json]`
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

export interface ServingBenchOptions { json?: boolean; servingDuration?: number; servingRequests?: number; connections?: number }

interface Health { numTensors: number; rssMB: number; requests: number }

/* eslint-disable @typescript-eslint/no-explicit-any */
type Autocannon = (opts: Record<string, unknown>) => Promise<any>;

function startChild(modelDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/serve.ts', '--model', modelDir, '--port', '0', '--quiet'], {
    cwd: root, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => { out += d; });
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before listening:\n${out}`)));
  });
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/healthz`)).json()) as Health;
}

function summarize(r: any): Record<string, number> {
  return {
    requestsPerSecond: +r.requests.average.toFixed(1),
    imagesPerSecond: 0,
    p50ms: r.latency.p50, p97_5ms: r.latency.p97_5, p99ms: r.latency.p99, maxMs: r.latency.max,
    requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
    throughputMBps: +(r.throughput.average / 2 ** 20).toFixed(2),
  };
}

/** Runs the section; prints a report unless `json`. */
export async function run(opts: ServingBenchOptions = {}): Promise<Record<string, unknown>> {
  const duration = Number(opts.servingDuration ?? 10);
  const total = Number(opts.servingRequests ?? 10_000);
  const connections = Number(opts.connections ?? 8);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const autocannon = require('autocannon') as Autocannon;
  const { exportGenerator } = await import('../../lib/serve/export');
  const { buildGenerator } = await import('../../lib/models/build');
  const { dcgan } = await import('../../lib/models/config');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-bench-serving-'));
  const config = dcgan();
  const g = buildGenerator(config);
  await exportGenerator(g, dir, { meta: { config: config as unknown as Record<string, unknown>, dataset: 'mnist' } });
  g.dispose();

  const { child, url } = await startChild(dir);
  const load = (count: number, extra: Record<string, unknown>) => autocannon({
    url: `${url}/v1/generate`, method: 'POST', connections,
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count, seed: 1, format: 'png' }), ...extra,
  });
  try {
    await load(1, { amount: 200 }); // warm-up
    const results: Record<string, unknown> = { url: '127.0.0.1', connections, generator: 'dcgan() 28x28x1 float32', durationSeconds: duration };
    for (const count of [1, 64]) {
      const s = summarize(await load(count, { duration }));
      s.imagesPerSecond = +(s.requestsPerSecond * count).toFixed(1);
      results[`count${count}`] = s;
    }
    const before = await health(url);
    const first = summarize(await load(1, { amount: Math.floor(total / 2) }));
    const half = await health(url);
    const second = summarize(await load(1, { amount: total - Math.floor(total / 2) }));
    const after = await health(url);
    results.memory = {
      requests: total, rssMBBefore: before.rssMB, rssMBHalfway: half.rssMB, rssMBAfter: after.rssMB,
      tensorsBefore: before.numTensors, tensorsHalfway: half.numTensors, tensorsAfter: after.numTensors,
      non2xx: first.non2xx + second.non2xx, errors: first.errors + second.errors,
      requestsPerSecond: +((first.requestsPerSecond + second.requestsPerSecond) / 2).toFixed(1),
    };
    if (!opts.json) {
      const c1 = results.count1 as Record<string, number>;
      const c64 = results.count64 as Record<string, number>;
      const m = results.memory as Record<string, number>;
      console.log(`\n== serving (POST /v1/generate, PNG, ${connections} connections, ${duration} s each, ${os.cpus().length} CPUs) ==`);
      console.log('count  req/s    images/s  p50 ms  p97.5 ms  p99 ms  non-2xx  errors');
      for (const [n, r] of [[1, c1], [64, c64]] as const) {
        console.log(`${String(n).padStart(5)}  ${String(r.requestsPerSecond).padStart(7)}  ${String(r.imagesPerSecond).padStart(8)}  ${String(r.p50ms).padStart(6)}  ${String(r.p97_5ms).padStart(8)}  ${String(r.p99ms).padStart(6)}  ${String(r.non2xx).padStart(7)}  ${String(r.errors).padStart(6)}`);
      }
      console.log(`memory over ${m.requests} requests: RSS ${m.rssMBBefore} → ${m.rssMBHalfway} → ${m.rssMBAfter} MB; tensors ${m.tensorsBefore} → ${m.tensorsHalfway} → ${m.tensorsAfter}; non-2xx ${m.non2xx}, errors ${m.errors}`);
    }
    return results;
  } finally {
    await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run({ json: process.argv.includes('--json') }).then((r) => {
    if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  }, (e: Error) => { console.error(e); process.exit(1); });
}
