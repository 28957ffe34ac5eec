/**
 * Bench section "trainer": the reference DCGAN (`dcgan()`, batch 64) trained through the
 * project's `GanTrainer` (data gather, seeded noise, loss read-back, bookkeeping included),
 * against the raw tfjs-node reference script `../shared/reference/tfjs_dcgan.js`, each in its
 * own fresh process, interleaved over rounds. Reports ms/step, CPU ms/step, images/s, GFLOP/s,
 * peak RSS and the tensor count before/after the timed steps, and the trainer/reference ratio
 * (wall and CPU time; CPU time is the robust one on a busy machine).
 *
 * Standalone: `ts-node --transpile-only scripts/bench/trainer.ts [--json] [--steps 20] [--rounds 2] [--batch 64]`
 * Internal: `--worker <batch> <steps>` runs one measurement and prints one JSON line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

export interface TrainerBenchOptions { json?: boolean; batch?: number; steps?: number; rounds?: number }

/** `../shared/reference` beside the repository (CI clones), or /work/shared/reference, or $GANBOOK_REFERENCE_DIR. */
function referenceScript(): string {
  const dirs = [process.env.GANBOOK_REFERENCE_DIR, path.resolve(root, '..', 'shared', 'reference'), '/work/shared/reference'].filter((d): d is string => !!d);
  const dir = dirs.find((d) => fs.existsSync(path.join(d, 'tfjs_dcgan.js')));
  if (!dir) throw new Error(`Expected tfjs_dcgan.js in one of ${dirs.join(', ')}; clone shared/ beside the repository or set GANBOOK_REFERENCE_DIR.`);
  return path.join(dir, 'tfjs_dcgan.js');
}

async function worker(batch: number, steps: number, fast: boolean): Promise<void> {
  const { tf } = await import('../../lib/backend');
  const { buildGan } = await import('../../lib/models/build');
  const { dcgan } = await import('../../lib/models/config');
  const { GanTrainer } = await import('../../lib/train/trainer');
  const gan = buildGan(dcgan());
  const data = tf.randomUniform([batch * 10, 28, 28, 1], -1, 1, 'float32', 1) as import('../../lib/backend').Tensor4D;
  const t = new GanTrainer(gan, data, { batchSize: batch, runsDir: null, sampleEvery: 0, checkpointEvery: 0, live: false, range: '[-1,1]', fastStep: fast });
  for (let i = 0; i < 3; i++) await t.step();
  const tensorsBefore = tf.memory().numTensors;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await t.step();
  const ms = (performance.now() - t0) / steps;
  const c = process.cpuUsage(cpu0);
  const flops = t.flopsPerStep;
  console.log(JSON.stringify({
    impl: fast ? `ganbook-trainer (default: fast step, ${t.stepMode})` : 'ganbook-trainer (fastStep: false, reference step)', batch, steps, msPerStep: +ms.toFixed(2), cpuMsPerStep: +((c.user + c.system) / 1000 / steps).toFixed(2),
    imagesPerSecond: +(batch / (ms / 1000)).toFixed(1), gflopsPerSecond: +(flops / (ms / 1000) / 1e9).toFixed(2), gflopPerStep: +(flops / 1e9).toFixed(3),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), tensorsBefore, tensorsAfter: tf.memory().numTensors,
  }));
}

type M = { msPerStep: number; cpuMsPerStep?: number; [k: string]: unknown };

function child(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): M | { error: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env }, timeout: 20 * 60e3 });
  const line = (r.stdout ?? '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) return { error: `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
  return JSON.parse(line) as M;
}

const median = (xs: number[]) => { const s = xs.slice().sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };

/** The bench section: `{ trainer, reference, ratio: { wall, cpu }, notes }`. */
export async function run(opts: TrainerBenchOptions = {}): Promise<Record<string, unknown>> {
  const batch = opts.batch ?? 64, steps = opts.steps ?? 20, rounds = opts.rounds ?? 2;
  const log = (s: string) => { if (!opts.json) process.stderr.write(`[trainer] ${s}\n`); };
  const tsNode = path.join(root, 'node_modules', 'ts-node', 'dist', 'bin.js');
  const hook = path.join(__dirname, 'speed-cpu-hook.js');
  const ref = referenceScript();
  const tr: M[] = [], rf: M[] = [], fs_: M[] = [], wall: number[] = [], cpu: number[] = [], fastCpu: number[] = [];
  const notes: string[] = [];
  for (let r = 0; r < rounds; r++) {
    log(`round ${r + 1}/${rounds}: raw tfjs-node reference...`);
    const a = child(process.execPath, [...(fs.existsSync(hook) ? ['-r', hook] : []), ref, String(batch), String(steps)], { NODE_PATH: path.join(root, 'node_modules') });
    log(`round ${r + 1}/${rounds}: GanTrainer, fastStep: false...`);
    const b = child(process.execPath, [tsNode, '--transpile-only', __filename, '--worker', String(batch), String(steps)]);
    log(`round ${r + 1}/${rounds}: GanTrainer with its default fast step...`);
    const c = child(process.execPath, [tsNode, '--transpile-only', __filename, '--worker', String(batch), String(steps), '--fast']);
    if ('error' in a) { notes.push(`reference: ${a.error}`); continue; }
    if ('error' in b) { notes.push(`trainer: ${b.error}`); continue; }
    rf.push(a); tr.push(b);
    wall.push(b.msPerStep / a.msPerStep);
    if (a.cpuMsPerStep && b.cpuMsPerStep) cpu.push(b.cpuMsPerStep / a.cpuMsPerStep);
    if ('error' in c) notes.push(`trainer fastStep: ${c.error}`);
    else { fs_.push(c); if (a.cpuMsPerStep && c.cpuMsPerStep) fastCpu.push(c.cpuMsPerStep / a.cpuMsPerStep); }
  }
  const load = os.loadavg()[0];
  if (load > os.cpus().length) notes.push(`machine busy (load ${load.toFixed(1)} on ${os.cpus().length} cores): wall-clock numbers are inflated; the CPU-time ratio is the fairer one.`);
  const pick = (ms: M[]): (M & { allMsPerStep: number[] }) | null => (ms.length ? { ...ms[ms.indexOf(ms.slice().sort((x, y) => x.msPerStep - y.msPerStep)[Math.floor((ms.length - 1) / 2)])], allMsPerStep: ms.map((m) => m.msPerStep) } : null);
  const out = {
    section: 'trainer', batch, steps, rounds,
    trainer: pick(tr), reference: pick(rf), trainerFastStep: pick(fs_),
    ratio: { wall: +median(wall).toFixed(3), cpu: cpu.length ? +median(cpu).toFixed(3) : null, goal: '<= 1.05',
      fastStepCpu: fastCpu.length ? +median(fastCpu).toFixed(3) : null },
    load: +load.toFixed(1), notes,
  };
  if (!opts.json) {
    const t = out.trainer as Record<string, unknown> | null, f = out.reference as Record<string, unknown> | null;
    console.log('\n== trainer: reference DCGAN through GanTrainer vs raw tfjs-node ==');
    if (t && f) {
      console.log(`  raw tfjs-node reference : ${f.msPerStep} ms/step (CPU ${f.cpuMsPerStep ?? '?'} ms/step), ${f.tensors} tensors`);
      console.log(`  GanTrainer, fastStep off: ${t.msPerStep} ms/step (CPU ${t.cpuMsPerStep} ms/step), ${t.imagesPerSecond} images/s, ${t.gflopsPerSecond} GFLOP/s (${t.gflopPerStep} GFLOP/step), peak RSS ${t.peakRssMB} MB, tensors ${t.tensorsBefore} → ${t.tensorsAfter}`);
      console.log(`  ratio (fastStep off)    : wall ${out.ratio.wall}, CPU ${out.ratio.cpu} (goal ≤ 1.05)`);
      const fst = out.trainerFastStep as Record<string, unknown> | null;
      if (fst) console.log(`  GanTrainer (default)    : ${fst.msPerStep} ms/step (CPU ${fst.cpuMsPerStep} ms/step, ${fst.impl}), CPU ratio to reference ${out.ratio.fastStepCpu}`);
    }
    for (const n of notes) console.log(`  note: ${n}`);
  }
  return out;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const num = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? Number(argv[i + 1]) : undefined; };
  const wi = argv.indexOf('--worker');
  if (wi >= 0) {
    worker(Number(argv[wi + 1]), Number(argv[wi + 2]), argv.includes('--fast')).catch((e) => { console.error(e); process.exit(1); });
  } else {
    run({ json: argv.includes('--json'), batch: num('--batch'), steps: num('--steps'), rounds: num('--rounds') })
      .then((r) => { if (argv.includes('--json')) console.log(JSON.stringify(r)); })
      .catch((e) => { console.error(e); process.exit(1); });
  }
}
