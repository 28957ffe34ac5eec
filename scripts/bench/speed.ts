/**
 * Bench section "speed": the reference DCGAN train step (batch 64 by default) side by side, each
 * implementation in its own fresh process, interleaved over several rounds so that a busy
 * machine slows all of them alike; ratios are taken within a round.
 *
 *   - `tfjs-node-ref`: `../shared/reference/tfjs_dcgan.js` (raw tfjs-node, no project code)
 *   - `ganbook-fast`: `createFastGanStep` (lib/train/fast-step.ts) on the same networks
 *   - `keras`, `pytorch`: `../shared/reference/{keras,torch}_dcgan.py`, only with `--with-python`
 *     (a throwaway venv under the cache dir: `pip install torch tensorflow-cpu==2.21.0`; skipped
 *     with a note when that fails)
 *
 * Usage: `npm run bench` (all sections) or standalone:
 *   ts-node --transpile-only scripts/bench/speed.ts [--json] [--batch 64] [--steps 20] [--rounds 3]
 *     [--with-python] [--profile] [--impls tfjs-node-ref,ganbook-fast,keras,pytorch]
 * `--profile` adds the fast step's per-op profile (ops per step, CPU ms per op kind).
 * Internal: `--worker fast <batch> <steps>` runs one measurement and prints one JSON line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

export interface SpeedOptions {
  json?: boolean;
  batch?: number;
  steps?: number;
  rounds?: number;
  withPython?: boolean;
  profile?: boolean;
  /** Comma-separated subset of implementations to run (default: all available). */
  impls?: string;
}

interface Measurement { impl: string; msPerStep: number; cpuMsPerStep?: number; [k: string]: unknown }

/** Where the shared reference scripts live: `../shared/reference` beside the repository. */
export function referenceDir(): string {
  const candidates = [process.env.GANBOOK_REFERENCE_DIR, path.resolve(root, '..', 'shared', 'reference'), '/work/shared/reference']
    .filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(path.join(p, 'tfjs_dcgan.js')));
  if (!found) {
    throw new Error(`Expected the reference scripts (tfjs_dcgan.js) in one of ${candidates.join(', ')}; `
      + 'clone shared/ beside the repository or set GANBOOK_REFERENCE_DIR.');
  }
  return found;
}

function cacheDir(): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require(path.join(root, 'scripts', 'env.js')) as { cacheDir(): string }).cacheDir();
}

function lastJsonLine(out: string): Record<string, unknown> | null {
  const lines = out.trim().split('\n').reverse();
  for (const l of lines) {
    if (l.startsWith('{')) {
      try { return JSON.parse(l) as Record<string, unknown>; } catch { /* keep looking */ }
    }
  }
  return null;
}

function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Measurement | { error: string } {
  const r = spawnSync(cmd, args, {
    cwd: root, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
  });
  const j = lastJsonLine(r.stdout ?? '');
  if (r.status !== 0 || !j) {
    const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    return { error: `${path.basename(args[0] ?? cmd)} exited ${r.status ?? r.signal}: ${tail}` };
  }
  return j as Measurement;
}

// --------------------------------------------------------------------------- python (optional)

/**
 * A throwaway venv `<cache dir>/<name>` with `packages` pip-installed, created on first use (a log
 * line says so; `.complete` marks it done). Returns its python, or a note saying why not.
 */
export function throwawayVenv(name: string, packages: string[], log: (s: string) => void, what = packages.join(' + ')): { python?: string; note?: string } {
  const venv = path.join(cacheDir(), name);
  const py = path.join(venv, 'bin', 'python');
  const stamp = path.join(venv, '.complete');
  if (fs.existsSync(stamp)) return { python: py };
  const base = [process.env.GANBOOK_PYTHON, 'python3'].filter((p): p is string => !!p)
    .find((p) => spawnSync(p, ['--version']).status === 0);
  if (!base) return { note: 'no python3 on PATH' };
  log(`creating ${venv} and installing ${what}...`);
  if (!fs.existsSync(py)) {
    const r = spawnSync(base, ['-m', 'venv', venv], { encoding: 'utf8' });
    if (r.status !== 0) return { note: `python3 -m venv failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  }
  const r = spawnSync(py, ['-m', 'pip', 'install', '--retries', '0', '--disable-pip-version-check', ...packages],
    { encoding: 'utf8', timeout: 1_800_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) return { note: `pip install ${packages.join(' ')} failed: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}` };
  fs.writeFileSync(stamp, new Date().toISOString());
  return { python: py };
}

/**
 * The throwaway venv with torch and tensorflow-cpu (`<cache dir>/bench-venv`).
 * Returns its python, or a note saying why not. (Also used by the `presets` section.)
 */
export function pythonWithFrameworks(log: (s: string) => void): { python?: string; note?: string } {
  return throwawayVenv('bench-venv', ['torch', 'tensorflow-cpu==2.21.0'], log, 'torch + tensorflow-cpu==2.21.0 (a few GB, once)');
}

// --------------------------------------------------------------------------- worker

/** One measurement of the fast step in this process (the `--worker fast` mode). */
async function worker(impl: string, batch: number, steps: number, profile: boolean): Promise<Measurement> {
  const { tf } = await import('../../lib/backend');
  const { createFastGanStep, referenceGanStep } = await import('../../lib/train/fast-step');
  const B = batch;
  const { referenceDcgan } = await import('../../lib/train/fast-reference');
  const { g, d } = referenceDcgan(); // the networks of tfjs_dcgan.js
  const opt = { generator: tf.train.adam(2e-4, 0.5), discriminator: tf.train.adam(2e-4, 0.5) };
  const models = { generator: g, discriminator: d };
  const fast = createFastGanStep(models, opt, { forceReference: impl === 'ganbook-reference' });
  const real = tf.randomUniform([B, 28, 28, 1], -1, 1);
  let last: import('../../lib/backend').Tensor | null = null;
  const step = () => {
    last?.dispose();
    const z = tf.randomNormal([B, 100]);
    const r = impl === 'ganbook-layers' ? referenceGanStep(models, opt, { real, z }) : fast.step({ real, z });
    r.dLoss.dispose(); z.dispose();
    last = r.gLoss;
  };
  for (let i = 0; i < 3; i++) step();
  last!.dataSync();
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  last!.dataSync();
  const ms = (performance.now() - t0) / steps;
  const cu = process.cpuUsage(c0);
  const out: Measurement = {
    impl, device: 'cpu', batch: B, mode: fast.mode, msPerStep: +ms.toFixed(2),
    cpuMsPerStep: +((cu.user + cu.system) / 1000 / steps).toFixed(2), tensors: tf.memory().numTensors,
  };
  if (profile && fast.mode === 'fast') out.profile = await opProfile(() => step(), B);
  return out;
}

/** Per-op profile of a few fast steps: ops per step and CPU ms per op kind. */
async function opProfile(step: () => void, _batch: number): Promise<Record<string, unknown>> {
  const { setOpProfiler } = await import('../../lib/train/fast-ops');
  const agg = new Map<string, { n: number; cpuMs: number; wallMs: number }>();
  let ops = 0;
  setOpProfiler((op, wall, cpu, inputs) => {
    ops++;
    const key = `${op}(${inputs.filter((t) => t.rank >= 2).map((t) => t.shape.join('x')).join(',')})`;
    const e = agg.get(key) ?? { n: 0, cpuMs: 0, wallMs: 0 };
    e.n++; e.cpuMs += cpu; e.wallMs += wall;
    agg.set(key, e);
  });
  const n = 3;
  try { for (let i = 0; i < n; i++) step(); } finally { setOpProfiler(null); }
  const rows = [...agg].sort((a, b) => b[1].cpuMs - a[1].cpuMs).slice(0, 15)
    .map(([op, e]) => ({ op, perStep: e.n / n, cpuMs: +(e.cpuMs / n).toFixed(2), wallMs: +(e.wallMs / n).toFixed(2) }));
  const total = [...agg.values()].reduce((a, e) => a + e.cpuMs, 0) / n;
  return { opsPerStep: ops / n, cpuMsInOps: +total.toFixed(1), top: rows };
}

// --------------------------------------------------------------------------- section

const median = (xs: number[]) => { const s = xs.slice().sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };

/**
 * The bench section: returns `{ batch, rounds, results: { impl: { msPerStep (median), ... } },
 * ratios: { impl: median per-round ratio of tfjs-node-ref time over impl time }, notes }`.
 */
export async function run(opts: SpeedOptions = {}): Promise<Record<string, unknown>> {
  const batch = opts.batch ?? 64, steps = opts.steps ?? 20, rounds = opts.rounds ?? 3;
  const log = (s: string) => { if (!opts.json) process.stderr.write(`[speed] ${s}\n`); };
  const notes: string[] = [];
  const ref = referenceDir();
  const tsNode = path.join(root, 'node_modules', 'ts-node', 'dist', 'bin.js');
  const impls: { name: string; cmd: string; args: string[]; env?: NodeJS.ProcessEnv }[] = [
    { name: 'tfjs-node-ref', cmd: process.execPath, args: ['-r', path.join(__dirname, 'speed-cpu-hook.js'), path.join(ref, 'tfjs_dcgan.js'), String(batch), String(steps)],
      env: { NODE_PATH: path.join(root, 'node_modules') } },
    { name: 'ganbook-fast', cmd: process.execPath, args: [tsNode, '--transpile-only', __filename, '--worker', 'ganbook-fast', String(batch), String(steps)] },
  ];
  if (opts.withPython) {
    const { python, note } = pythonWithFrameworks(log);
    if (python) {
      const hook = path.join(__dirname, 'speed-cpu-hook.py'), env = { GANBOOK_BENCH_STEPS: String(steps) };
      impls.push({ name: 'keras', cmd: python, args: [hook, path.join(ref, 'keras_dcgan.py'), String(batch), String(steps)], env });
      impls.push({ name: 'pytorch', cmd: python, args: [hook, path.join(ref, 'torch_dcgan.py'), 'cpu', String(batch), String(steps)], env });
    } else {
      notes.push(`Keras/PyTorch skipped: ${note}`);
    }
  } else {
    notes.push('Keras/PyTorch not run (pass --with-python; ENVIRONMENT.md measured 61 and 80-92 ms/step on the 2-core build machines).');
  }
  if (opts.impls) {
    const want = String(opts.impls).split(',').map((x) => x.trim());
    const unknown = want.filter((w) => !impls.some((i) => i.name === w));
    if (unknown.length) notes.push(`--impls: ${unknown.join(', ')} not available here (have ${impls.map((i) => i.name).join(', ')})`);
    impls.splice(0, impls.length, ...impls.filter((i) => want.includes(i.name)));
  }
  const per: Record<string, Measurement[]> = {};
  const ratios: Record<string, number[]> = {};
  const cpuRatios: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    const round: Record<string, number> = {};
    const roundCpu: Record<string, number> = {};
    for (const impl of impls) {
      log(`round ${r + 1}/${rounds}: ${impl.name}...`);
      const m = runChild(impl.cmd, impl.args, impl.env);
      if ('error' in m) { notes.push(`${impl.name}: ${m.error}`); continue; }
      (per[impl.name] ??= []).push(m);
      round[impl.name] = m.msPerStep;
      if (typeof m.cpuMsPerStep === 'number') roundCpu[impl.name] = m.cpuMsPerStep;
    }
    for (const [name, ms] of Object.entries(roundCpu)) {
      if (roundCpu['tfjs-node-ref'] && name !== 'tfjs-node-ref') (cpuRatios[name] ??= []).push(roundCpu['tfjs-node-ref'] / ms);
    }
    for (const [name, ms] of Object.entries(round)) {
      if (round['tfjs-node-ref'] && name !== 'tfjs-node-ref') (ratios[name] ??= []).push(round['tfjs-node-ref'] / ms);
    }
  }
  const results: Record<string, unknown> = {};
  for (const [name, ms] of Object.entries(per)) {
    results[name] = {
      msPerStep: median(ms.map((m) => m.msPerStep)), all: ms.map((m) => m.msPerStep),
      ...(ms[0].cpuMsPerStep != null ? { cpuMsPerStep: median(ms.map((m) => m.cpuMsPerStep as number)) } : {}),
      impl: ms[0].impl,
    };
  }
  const ratioOut = Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, +median(v).toFixed(2)]));
  const cpuRatioOut = Object.fromEntries(Object.entries(cpuRatios).map(([k, v]) => [k, +median(v).toFixed(2)]));
  let profile: unknown;
  if (opts.profile) {
    const m = runChild(process.execPath, [tsNode, '--transpile-only', __filename, '--worker', 'ganbook-fast', String(batch), '5', '--profile']);
    profile = 'error' in m ? m.error : m.profile;
  }
  const load = os.loadavg()[0];
  if (load > os.cpus().length) notes.push(`machine busy (load ${load.toFixed(1)} on ${os.cpus().length} cores): absolute ms are inflated; compare the ratios.`);
  const out = { section: 'speed', batch, steps, rounds, results, speedupVsTfjsNodeRef: ratioOut, cpuTimeSpeedupVsTfjsNodeRef: cpuRatioOut, load: +load.toFixed(1), ...(profile ? { profile } : {}), notes };
  if (!opts.json) printTable(out);
  return out;
}

function printTable(out: {
  results: Record<string, unknown>; speedupVsTfjsNodeRef: Record<string, number>; cpuTimeSpeedupVsTfjsNodeRef: Record<string, number>;
  notes: string[]; batch: number; profile?: unknown;
}) {
  console.log(`\nDCGAN train step, batch ${out.batch}, CPU (medians over rounds; speedup = tfjs-node-ref / impl, same round)`);
  console.log(`${'impl'.padEnd(16)} ${'ms/step'.padStart(9)} ${'speedup'.padStart(8)} ${'cpu-ms/step'.padStart(12)} ${'cpu speedup'.padStart(12)}`);
  for (const [name, r] of Object.entries(out.results)) {
    const { msPerStep: ms, cpuMsPerStep: cpu } = r as { msPerStep: number; cpuMsPerStep?: number };
    const s = name === 'tfjs-node-ref' ? '1.00' : out.speedupVsTfjsNodeRef[name]?.toFixed(2) ?? '-';
    const cs = name === 'tfjs-node-ref' ? '1.00' : out.cpuTimeSpeedupVsTfjsNodeRef[name]?.toFixed(2) ?? '-';
    console.log(`${name.padEnd(16)} ${ms.toFixed(1).padStart(9)} ${s.padStart(8)} ${(cpu != null ? cpu.toFixed(1) : '-').padStart(12)} ${cs.padStart(12)}`);
  }
  if (out.profile) console.log(`fast-step op profile: ${JSON.stringify(out.profile)}`);
  for (const n of out.notes) console.log(`note: ${n}`);
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const flag = (f: string) => argv.includes(f);
  const val = (f: string) => { const i = argv.indexOf(f); return i >= 0 ? Number(argv[i + 1]) : undefined; };
  if (flag('--worker')) {
    const i = argv.indexOf('--worker');
    worker(argv[i + 1], Number(argv[i + 2]), Number(argv[i + 3]), flag('--profile'))
      .then((m) => console.log(JSON.stringify(m)))
      .catch((e) => { console.error(e); process.exit(1); });
  } else {
    run({ json: flag('--json'), batch: val('--batch'), steps: val('--steps'), rounds: val('--rounds'), withPython: flag('--with-python'), profile: flag('--profile'),
      impls: argv.includes('--impls') ? argv[argv.indexOf('--impls') + 1] : undefined })
      .then((r) => { if (flag('--json')) console.log(JSON.stringify(r)); })
      .catch((e) => { console.error(`speed bench failed: ${(e as Error).message}`); process.exit(1); });
  }
}
