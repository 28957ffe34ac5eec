/**
 * Bench section "serving": the HTTP API under load (autocannon, programmatic) on 127.0.0.1
 * against `npm run serve` in its own process, serving the reference DCGAN generator (`dcgan()`,
 * 28x28x1, float32 export; untrained: speed does not depend on the weights). Issue 19's goals
 * are printed beside the numbers.
 *
 * - `count: 1` PNG requests alone (`--connections`, default 16): req/s, p50/p99 (goals: >= 1,000
 *   req/s, p99 <= 50 ms);
 * - the same while `count: 64` requests run at once (a second autocannon, `--large-connections`,
 *   default 8): p99 of the small ones (goal <= 200 ms), and the large ones' images/s;
 * - `count: 64` alone (images/s);
 * - memory over `--serving-requests` (default 10,000) `count: 1` requests: the server's RSS and
 *   tensor count (from /healthz) before, halfway and after (goal: flat);
 * - the batching counters (generator calls, images per call) and the load average.
 *
 * Standalone: `ts-node --transpile-only scripts/bench/serving.ts [--json]`
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

export interface ServingBenchOptions { json?: boolean; servingDuration?: number; servingRequests?: number; connections?: number; largeConnections?: number }

interface Health { numTensors: number; rssMB: number; requests: number; batching: { batches: number; images: number; largestBatch: number; rejected: number; timedOut: number } }

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
    p90ms: r.latency.p90,
    p50ms: r.latency.p50, p97_5ms: r.latency.p97_5, p99ms: r.latency.p99, maxMs: r.latency.max,
    requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
    throughputMBps: +(r.throughput.average / 2 ** 20).toFixed(2),
  };
}

const GOALS = { c1Rps: 1000, c1P99Ms: 50, besideP99Ms: 200, rssGrowthMB: 20 };

function mark(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

/** Runs the section; prints a report unless `json`. */
export async function run(opts: ServingBenchOptions = {}): Promise<Record<string, unknown>> {
  const duration = Number(opts.servingDuration ?? 10);
  const total = Number(opts.servingRequests ?? 10_000);
  const connections = Number(opts.connections ?? 16);
  const largeConnections = Number(opts.largeConnections ?? 8);
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

  const loadBefore = os.loadavg()[0];
  const { child, url } = await startChild(dir);
  const load = (count: number, extra: Record<string, unknown>) => autocannon({
    url: `${url}/v1/generate`, method: 'POST', connections,
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count, seed: 1, format: 'png' }), ...extra,
  });
  try {
    await load(1, { amount: 500 }); // warm-up
    await load(64, { amount: 20 });
    const results: Record<string, unknown> = {
      url: '127.0.0.1', connections, largeConnections, generator: 'dcgan() 28x28x1 float32', durationSeconds: duration, cpus: os.cpus().length, goals: GOALS,
    };
    const b0 = (await health(url)).batching;
    results.count1 = summarize(await load(1, { duration }));
    const b1 = (await health(url)).batching;
    results.count1Batching = { batches: b1.batches - b0.batches, imagesPerBatch: +((b1.images - b0.images) / Math.max(1, b1.batches - b0.batches)).toFixed(1) };
    const [small, large] = await Promise.all([load(1, { duration }), load(64, { duration, connections: largeConnections })]);
    results.count1BesideCount64 = summarize(small);
    const l = summarize(large);
    l.imagesPerSecond = +(l.requestsPerSecond * 64).toFixed(1);
    results.count64BesideCount1 = l;
    const c64 = summarize(await load(64, { duration, connections: largeConnections }));
    c64.imagesPerSecond = +(c64.requestsPerSecond * 64).toFixed(1);
    results.count64 = c64;
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
    results.batching = after.batching;
    results.loadAverage = { before: +loadBefore.toFixed(2), after: +os.loadavg()[0].toFixed(2) };
    if (!opts.json) {
      const c1 = results.count1 as Record<string, number>;
      const bs = results.count1BesideCount64 as Record<string, number>;
      const m = results.memory as Record<string, number>;
      const cb = results.count1Batching as Record<string, number>;
      const row = (name: string, r: Record<string, number>) => console.log(`${name.padEnd(26)}${String(r.requestsPerSecond).padStart(8)}  ${String(r.imagesPerSecond || '').padStart(8)}  ${String(r.p50ms).padStart(6)}  ${String(r.p99ms).padStart(6)}  ${String(r.non2xx).padStart(7)}  ${String(r.errors).padStart(6)}`);
      console.log(`\n== serving (POST /v1/generate, PNG, ${duration} s each, ${os.cpus().length} CPUs, load average ${loadBefore.toFixed(2)} before) ==`);
      console.log(`${''.padEnd(26)}   req/s  images/s  p50 ms  p99 ms  non-2xx  errors`);
      row(`count=1 (${connections} conn)`, c1);
      row(`count=1 beside count=64`, bs);
      row(`count=64 beside (${largeConnections} conn)`, l);
      row(`count=64 alone (${largeConnections} conn)`, c64);
      console.log(`batching, count=1 alone: ${cb.batches} generator calls, ${cb.imagesPerBatch} images per call`);
      console.log(`memory over ${m.requests} requests: RSS ${m.rssMBBefore} → ${m.rssMBHalfway} → ${m.rssMBAfter} MB; tensors ${m.tensorsBefore} → ${m.tensorsHalfway} → ${m.tensorsAfter}; non-2xx ${m.non2xx}, errors ${m.errors}`);
      console.log('goals (issue 19):');
      console.log(`  count=1 >= ${GOALS.c1Rps} req/s: ${c1.requestsPerSecond} (${mark(c1.requestsPerSecond >= GOALS.c1Rps)})`);
      console.log(`  count=1 p99 <= ${GOALS.c1P99Ms} ms alone: ${c1.p99ms} ms (${mark(c1.p99ms <= GOALS.c1P99Ms)})`);
      console.log(`  count=1 p99 <= ${GOALS.besideP99Ms} ms beside count=64: ${bs.p99ms} ms (${mark(bs.p99ms <= GOALS.besideP99Ms)})`);
      console.log(`  RSS flat (grows < ${GOALS.rssGrowthMB} MB from halfway to the end): ${m.rssMBHalfway} → ${m.rssMBAfter} MB, tensors ${m.tensorsBefore} → ${m.tensorsAfter} (${mark(m.rssMBAfter - m.rssMBHalfway < GOALS.rssGrowthMB && m.tensorsAfter === m.tensorsBefore)})`);
      console.log(`load average: ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after`);
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
