/**
 * Bench section "presets": every shipped GAN preset trained through the project's `GanTrainer`
 * (random data in [-1, 1], no run folder, no samples, no checkpoints, no live view), timed per
 * GENERATOR step (one `trainer.step()` = nCritic critic updates + 1 generator update): wall ms and
 * CPU ms (process.cpuUsage), the tensor count before/after the timed steps, `trainer.stepMode`
 * (`fast` or `reference`: shows when a preset falls back) and the trainable parameter counts.
 * With `--with-python` the same networks in Keras 3 (`tf.function`) and PyTorch (CPU) run in the
 * same rounds; ratios are ganbook / framework within a round (> 1 = ganbook slower), medians over
 * rounds. Every measurement runs in its own fresh child process; the rounds interleave presets
 * and implementations (the implementation order rotates per round) so that a busy machine slows
 * all of them alike.
 *
 * Presets (lib/models/config.ts):
 *   - `fc`          fcGan() (dropout 0.3 in D)
 *   - `dcgan`       dcgan()
 *   - `strong`      notebook 03's recipe (wide ReLU G with a 7x7 refine conv, three-layer batch-norm D
 *                   with a 4x4 refine conv) with the notebook's trainer options (ema 0.9975, lrDecay
 *                   epochs 3-5) at the bench batch (64), so it compares with the other rows
 *   - `strong-b16`  the same at the notebook's own batch 16 (not in the default list; `--presets all`)
 *   - `conditional` conditionalGan() (random labels 0..9)
 *   - `wgan-gp`     wganGp() (trainer defaults: nCritic 5, gpWeight 10; `--wgan-steps`, default 5)
 *   - `sngan`       sngan() (lib/models/sngan.ts: hinge loss, spectral norm on every D layer) when
 *                   lib/models exports it; skipped with a note otherwise
 *   - `upsample`    a network built by hand from tf.layers, as a what-if edit: G upsamples and
 *                   convolves (UpSampling2D nearest, then bilinear) instead of transposed convs, D
 *                   pads, average-pools and ends in global average pooling ({@link handBuilt};
 *                   python/keras_upsample.py, python/torch_upsample.py)
 * Keras / PyTorch scripts: `../shared/reference/` where they match ganbook's networks (dcgan,
 * conditional, wgan-gp), `scripts/bench/python/` for the others (each prints one JSON line, and
 * its G/D trainable parameter counts, which the table checks against ganbook's).
 *
 * Usage: `npm run bench -- --only presets [--with-python] [--json]` or standalone:
 *   ts-node --transpile-only scripts/bench/presets.ts [--json] [--with-python] [--batch 64] [--steps 30]
 *     [--wgan-steps 5] [--warmup 3] [--rounds 3] [--presets fc,dcgan,...|all] [--impls ganbook,keras,pytorch]
 * Internal: `--worker <preset> <batch> <steps> <warmup>` runs one ganbook measurement, prints one JSON line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { GanConfig } from '../../lib/models/config';
import type { TrainerOptions } from '../../lib/train/trainer';

const root = path.resolve(__dirname, '..', '..');

export interface PresetsOptions {
  json?: boolean;
  batch?: number;
  /** Timed generator steps per measurement (all presets but WGAN-GP). */
  steps?: number;
  /** Timed generator steps for WGAN-GP (each = 5 critic + 1 generator update). */
  wganSteps?: number;
  /** Untimed steps before the timed ones (ganbook; WGAN-GP at most 2, as the reference scripts). */
  warmup?: number;
  rounds?: number;
  withPython?: boolean;
  /** Comma-separated presets (default: all but `strong-b16`; `all` = every one). */
  presets?: string;
  /** Comma-separated implementations: ganbook, keras, pytorch (default: all available). */
  impls?: string;
}

export type Impl = 'ganbook' | 'keras' | 'pytorch';
export const IMPLS: Impl[] = ['ganbook', 'keras', 'pytorch'];

/** A framework script: in the shared reference dir or in scripts/bench/python/. */
interface Script { file: string; shared?: boolean; extra?: string[] }

export interface PresetSpec {
  name: string;
  what: string;
  /** Trainer options on top of the bench's common ones. */
  trainer?: Partial<TrainerOptions>;
  /** A fixed batch (else the bench's `--batch`). */
  batch?: number;
  /** Timed with `wganSteps` / one warm-up step. */
  slow?: boolean;
  /** Not in the default list. */
  optional?: boolean;
  keras?: Script;
  pytorch?: Script;
}

const STRONG_TRAINER: Partial<TrainerOptions> = { ema: 0.9975, lrDecay: { start: 3, end: 5 } };

export const PRESETS: PresetSpec[] = [
  { name: 'fc', what: 'fcGan(), dropout 0.3 in D', keras: { file: 'keras_fc.py' }, pytorch: { file: 'torch_fc.py' } },
  { name: 'dcgan', what: 'dcgan()', keras: { file: 'keras_dcgan.py', shared: true }, pytorch: { file: 'torch_dcgan.py', shared: true } },
  { name: 'strong', what: 'notebook 03 strong recipe, ema 0.9975, lrDecay 3-5', trainer: STRONG_TRAINER,
    keras: { file: 'keras_strong.py', extra: ['0.9975'] }, pytorch: { file: 'torch_strong.py', extra: ['0.9975'] } },
  { name: 'strong-b16', what: 'the strong recipe at the notebook\'s batch 16', trainer: STRONG_TRAINER, batch: 16, optional: true,
    keras: { file: 'keras_strong.py', extra: ['0.9975'] }, pytorch: { file: 'torch_strong.py', extra: ['0.9975'] } },
  { name: 'conditional', what: 'conditionalGan(), random labels 0..9', keras: { file: 'keras_cgan.py', shared: true }, pytorch: { file: 'torch_cgan.py' } },
  { name: 'wgan-gp', what: 'wganGp(), nCritic 5, gpWeight 10', slow: true,
    keras: { file: 'keras_wgan_gp.py', shared: true }, pytorch: { file: 'torch_wgan_gp.py', shared: true } },
  { name: 'sngan', what: 'sngan(): hinge loss, spectral norm in D', keras: { file: 'keras_sngan.py' }, pytorch: { file: 'torch_sngan.py' } },
  { name: 'upsample', what: 'hand-built: upsample + conv G, pooling D (tf.layers)', keras: { file: 'keras_upsample.py' }, pytorch: { file: 'torch_upsample.py' } },
];

/**
 * The `upsample` preset's networks, built by hand as a user would in a cell (the same in
 * `python/keras_upsample.py`). G: Dense 7·7·128, BN, LeakyReLU 0.2, UpSampling2D x2 (nearest),
 * Conv2D 64 k3, BN, LeakyReLU 0.2, UpSampling2D x2 (bilinear), Conv2D 1 k3 tanh. D: ZeroPadding2D 2,
 * Conv2D 64 k3, LeakyReLU 0.2, AveragePooling2D 2, Conv2D 128 k3 s2, LeakyReLU 0.2,
 * GlobalAveragePooling2D, Dense 1.
 */
export function handBuilt(tf: typeof import('../../lib/backend').tf): { generator: import('../../lib/backend').LayersModel; discriminator: import('../../lib/backend').LayersModel } {
  const L = tf.layers;
  const generator = tf.sequential({ layers: [
    L.dense({ inputShape: [100], units: 7 * 7 * 128 }), L.batchNormalization(), L.leakyReLU({ alpha: 0.2 }), L.reshape({ targetShape: [7, 7, 128] }),
    L.upSampling2d({ size: [2, 2] }), L.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }), L.batchNormalization(), L.leakyReLU({ alpha: 0.2 }),
    L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), L.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'tanh' }),
  ] });
  const discriminator = tf.sequential({ layers: [
    L.zeroPadding2d({ inputShape: [28, 28, 1], padding: 2 }), L.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }), L.leakyReLU({ alpha: 0.2 }),
    L.averagePooling2d({ poolSize: 2 }), L.conv2d({ filters: 128, kernelSize: 3, strides: 2, padding: 'same' }), L.leakyReLU({ alpha: 0.2 }),
    L.globalAveragePooling2d({}), L.dense({ units: 1 }),
  ] });
  return { generator, discriminator };
}

/** One measurement, normalised: ms and CPU ms per generator step. */
export interface Measurement {
  impl: Impl;
  msPerGStep: number;
  cpuMs: number | null;
  stepMode?: string;
  tensorsBefore?: number;
  tensorsAfter?: number;
  params?: number[];
  nCritic?: number;
  version?: string;
}

/** One child-process result of a round. */
export interface RoundRecord { round: number; preset: string; impl: Impl; m?: Measurement; error?: string }

// --------------------------------------------------------------------------- sngan detection

type ConfigFn = (o?: Record<string, unknown>) => GanConfig;

/** `sngan` from lib/models/sngan, lib/models/config or lib/models/presets (whichever exports it), else null. */
export function findSngan(): ConfigFn | null {
  const mods = ['sngan', 'config', 'presets'].map((m) => path.join(root, 'lib', 'models', m));
  for (const m of mods) {
    if (!['.ts', '.js', '/index.ts'].some((e) => fs.existsSync(m + e))) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const fn = (require(m) as Record<string, unknown>).sngan;
      if (typeof fn === 'function') return fn as ConfigFn;
    } catch { /* a module mid-rewrite: treat as absent */ }
  }
  return null;
}

// --------------------------------------------------------------------------- worker (ganbook)

async function presetConfig(name: string): Promise<GanConfig> {
  const { fcGan, dcgan, conditionalGan, wganGp } = await import('../../lib/models/config');
  switch (name) {
    case 'fc': return fcGan();
    case 'dcgan': return dcgan();
    case 'strong': case 'strong-b16':
      return dcgan({ generator: { widths: [256, 128], activation: 'relu', refine: 1 }, discriminator: { widths: [64, 128, 256], norm: 'batch', refine: 1 } });
    case 'conditional': return conditionalGan();
    case 'wgan-gp': return wganGp();
    case 'upsample': return dcgan(); // its networks are replaced by handBuilt's
    case 'sngan': {
      const fn = findSngan();
      if (!fn) throw new Error('sngan() is not exported by lib/models yet');
      return fn();
    }
    default: throw new Error(`Unknown preset ${name}; known: ${PRESETS.map((p) => p.name).join(', ')}`);
  }
}

/** A tiny seeded generator for the random labels (the same labels in every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

/** One ganbook measurement in this process (the `--worker` mode). */
async function worker(preset: string, batch: number, steps: number, warmup: number): Promise<Measurement & Record<string, unknown>> {
  const spec = PRESETS.find((p) => p.name === preset);
  if (!spec) throw new Error(`Unknown preset ${preset}`);
  const { tf } = await import('../../lib/backend');
  const { buildGan } = await import('../../lib/models/build');
  const { GanTrainer } = await import('../../lib/train/trainer');
  const config = await presetConfig(preset);
  let gan = buildGan(config);
  if (preset === 'upsample') {
    gan.generator.dispose(); gan.discriminator.dispose();
    gan = { ...gan, ...handBuilt(tf) };
  }
  const n = Math.max(batch * 10, 640);
  const images = tf.randomUniform([n, ...gan.imageShape], -1, 1, 'float32', 1) as import('../../lib/backend').Tensor4D;
  const rnd = lcg(7);
  const data = gan.numClasses
    ? { images, labels: Int32Array.from({ length: n }, () => Math.floor(rnd() * gan.numClasses)), numClasses: gan.numClasses, name: 'random' }
    : images;
  const options: TrainerOptions = {
    ...(spec.trainer ?? {}), batchSize: batch, runsDir: null, sampleEvery: 0, checkpointEvery: 0, live: false, range: '[-1,1]',
  };
  const t = new GanTrainer(gan, data, options);
  for (let i = 0; i < warmup; i++) await t.step();
  const tensorsBefore = tf.memory().numTensors;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await t.step(); // step() reads both losses back: synchronous at the end
  const ms = (performance.now() - t0) / steps;
  const c = process.cpuUsage(c0);
  const count = (m: import('../../lib/backend').LayersModel) => m.trainableWeights.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0);
  const resolved = (t as unknown as { options?: { nCritic?: number } }).options;
  return {
    impl: 'ganbook', preset, batch, steps, loss: config.loss, nCritic: resolved?.nCritic,
    // '+fn': the timed steps ran compiled, as one TensorFlow function each (the `compile` option)
    stepMode: `${t.stepMode}${t.compileStats && t.compileStats.replayed >= steps ? '+fn' : ''}`, msPerGStep: +ms.toFixed(2), cpuMs: +((c.user + c.system) / 1000 / steps).toFixed(2),
    tensorsBefore, tensorsAfter: tf.memory().numTensors, params: [count(gan.generator), count(gan.discriminator)],
  };
}

// --------------------------------------------------------------------------- child processes

function lastJsonLine(out: string): Record<string, unknown> | null {
  for (const l of out.trim().split('\n').reverse()) {
    if (l.startsWith('{')) { try { return JSON.parse(l) as Record<string, unknown>; } catch { /* keep looking */ } }
  }
  return null;
}

/** Reads a framework script's or the worker's JSON line into a {@link Measurement}. */
export function normalise(impl: Impl, j: Record<string, unknown>): Measurement {
  const num = (...keys: string[]) => { for (const k of keys) if (typeof j[k] === 'number') return j[k] as number; return null; };
  const ms = num('msPerGStep', 'msPerStep');
  if (ms === null) throw new Error(`no msPerGStep/msPerStep in ${JSON.stringify(j)}`);
  const m: Measurement = { impl, msPerGStep: ms, cpuMs: num('cpuMs', 'cpuMsPerStep') };
  if (typeof j.stepMode === 'string') m.stepMode = j.stepMode;
  if (typeof j.tensorsBefore === 'number') m.tensorsBefore = j.tensorsBefore;
  if (typeof j.tensorsAfter === 'number') m.tensorsAfter = j.tensorsAfter;
  if (Array.isArray(j.params)) m.params = j.params as number[];
  if (typeof j.nCritic === 'number') m.nCritic = j.nCritic;
  if (typeof j.impl === 'string' && impl !== 'ganbook') m.version = j.impl;
  return m;
}

function runChild(impl: Impl, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Measurement | { error: string } {
  const r = spawnSync(cmd, args, {
    cwd: root, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
  });
  const j = lastJsonLine(r.stdout ?? '');
  if (r.status !== 0 || !j) {
    const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    return { error: `${path.basename(args[0] ?? cmd)} exited ${r.status ?? r.signal}: ${tail.slice(0, 400)}` };
  }
  try { return normalise(impl, j); } catch (e) { return { error: (e as Error).message }; }
}

// --------------------------------------------------------------------------- summary and table

const median = (xs: number[]) => { const s = xs.slice().sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
const r2 = (x: number) => +x.toFixed(2);

export interface ImplSummary {
  msPerGStep: number;
  cpuMs: number | null;
  all: number[];
  stepMode?: string;
  nCritic?: number;
  tensorsBefore?: number;
  tensorsAfter?: number;
  params?: number[];
  version?: string;
}

export interface PresetSummary {
  what: string;
  batch: number;
  steps: number;
  skipped?: string;
  results: Partial<Record<Impl, ImplSummary>>;
  /** Median over rounds of ganbook / framework in the same round (> 1: ganbook slower). */
  ratios: Partial<Record<Exclude<Impl, 'ganbook'>, { wall: number; cpu: number | null }>>;
  /** False when a framework script's trainable parameter counts differ from ganbook's. */
  paramsMatch?: Partial<Record<Exclude<Impl, 'ganbook'>, boolean>>;
}

export interface PresetsResult {
  section: 'presets';
  batch: number;
  steps: number;
  wganSteps: number;
  rounds: number;
  impls: Impl[];
  presets: Record<string, PresetSummary>;
  load: number;
  notes: string[];
}

/** Medians and within-round ratios from the raw round records (pure; tested). */
export function summarize(records: RoundRecord[], meta: {
  batch: number; steps: number; wganSteps: number; rounds: number; impls: Impl[];
  presets: { spec: PresetSpec; batch: number; steps: number; skipped?: string }[]; load: number; notes: string[];
}): PresetsResult {
  const presets: Record<string, PresetSummary> = {};
  for (const { spec, batch, steps, skipped } of meta.presets) {
    const mine = records.filter((r) => r.preset === spec.name && r.m);
    const results: PresetSummary['results'] = {};
    for (const impl of meta.impls) {
      const ms = mine.filter((r) => r.impl === impl).map((r) => r.m!);
      if (!ms.length) continue;
      const cpus = ms.map((m) => m.cpuMs).filter((c): c is number => c !== null);
      const mid = ms.slice().sort((a, b) => a.msPerGStep - b.msPerGStep)[Math.floor((ms.length - 1) / 2)];
      results[impl] = {
        msPerGStep: median(ms.map((m) => m.msPerGStep)), cpuMs: cpus.length ? median(cpus) : null, all: ms.map((m) => m.msPerGStep),
        ...(mid.stepMode ? { stepMode: mid.stepMode } : {}),
        ...(mid.nCritic !== undefined ? { nCritic: mid.nCritic } : {}),
        ...(mid.tensorsBefore !== undefined ? { tensorsBefore: mid.tensorsBefore, tensorsAfter: mid.tensorsAfter } : {}),
        ...(mid.params ? { params: mid.params } : {}),
        ...(mid.version ? { version: mid.version } : {}),
      };
    }
    const ratios: PresetSummary['ratios'] = {};
    const paramsMatch: NonNullable<PresetSummary['paramsMatch']> = {};
    for (const other of ['keras', 'pytorch'] as const) {
      const wall: number[] = [], cpu: number[] = [];
      for (let round = 0; round < meta.rounds; round++) {
        const g = mine.find((r) => r.round === round && r.impl === 'ganbook')?.m;
        const o = mine.find((r) => r.round === round && r.impl === other)?.m;
        if (!g || !o) continue;
        wall.push(g.msPerGStep / o.msPerGStep);
        if (g.cpuMs !== null && o.cpuMs) cpu.push(g.cpuMs / o.cpuMs);
      }
      if (wall.length) ratios[other] = { wall: r2(median(wall)), cpu: cpu.length ? r2(median(cpu)) : null };
      const gp = results.ganbook?.params, op = results[other]?.params;
      if (gp && op) paramsMatch[other] = gp.length === op.length && gp.every((x, i) => x === op[i]);
    }
    presets[spec.name] = {
      what: spec.what, batch, steps, ...(skipped ? { skipped } : {}), results, ratios,
      ...(Object.keys(paramsMatch).length ? { paramsMatch } : {}),
    };
  }
  return { section: 'presets', batch: meta.batch, steps: meta.steps, wganSteps: meta.wganSteps, rounds: meta.rounds, impls: meta.impls, presets, load: meta.load, notes: meta.notes };
}

/** The human-readable table of a {@link PresetsResult}. */
export function formatTable(out: PresetsResult): string {
  const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  const others = out.impls.filter((i): i is 'keras' | 'pytorch' => i !== 'ganbook');
  const lines: string[] = [];
  lines.push(`\nGAN presets through GanTrainer, ms per generator step (nCritic critic + 1 G update), CPU; medians over ${out.rounds} round(s);`
    + ' ratio = ganbook / framework in the same round (> 1: ganbook slower)');
  const head = [
    'preset'.padEnd(12), 'batch'.padStart(5), 'nC'.padStart(2), 'mode'.padEnd(10), 'tensors'.padStart(9),
    ...out.impls.flatMap((i) => [`${i} ms`.padStart(11), 'cpu-ms'.padStart(8)]),
    ...others.flatMap((o) => [`/${o} wall`.padStart(13), 'cpu'.padStart(5)]),
    'params',
  ];
  lines.push(head.join(' '));
  for (const [name, p] of Object.entries(out.presets)) {
    if (p.skipped) { lines.push(`${name.padEnd(12)} skipped: ${p.skipped}`); continue; }
    const g = p.results.ganbook;
    const tensors = g?.tensorsBefore !== undefined ? `${g.tensorsBefore}→${g.tensorsAfter}` : '-';
    const params = Object.entries(p.paramsMatch ?? {}).map(([o, ok]) => `${o} ${ok ? 'same' : 'DIFFER'}`).join(', ')
      || (g?.params ? `G ${g.params[0]}, D ${g.params[1]}` : '-');
    lines.push([
      name.padEnd(12), String(p.batch).padStart(5), String(g?.nCritic ?? '-').padStart(2), (g?.stepMode ?? '-').padEnd(10), tensors.padStart(9),
      ...out.impls.flatMap((i) => [f(p.results[i]?.msPerGStep).padStart(11), f(p.results[i]?.cpuMs).padStart(8)]),
      ...others.flatMap((o) => [f(p.ratios[o]?.wall, 2).padStart(13), f(p.ratios[o]?.cpu, 2).padStart(5)]),
      params,
    ].join(' '));
  }
  for (const n of out.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

// --------------------------------------------------------------------------- section

/** Chooses the presets of `--presets` (default: all but the optional ones). */
export function choosePresets(list?: string): { specs: PresetSpec[]; unknown: string[] } {
  if (!list) return { specs: PRESETS.filter((p) => !p.optional), unknown: [] };
  if (list === 'all') return { specs: PRESETS.slice(), unknown: [] };
  const want = list.split(',').map((x) => x.trim()).filter(Boolean);
  return { specs: PRESETS.filter((p) => want.includes(p.name)), unknown: want.filter((w) => !PRESETS.some((p) => p.name === w)) };
}

/** The bench section (see the file comment); returns a {@link PresetsResult}. */
export async function run(opts: PresetsOptions = {}): Promise<PresetsResult> {
  const batch = opts.batch ?? 64, steps = opts.steps ?? 30, wganSteps = opts.wganSteps ?? 5;
  const warmup = opts.warmup ?? 3, rounds = opts.rounds ?? 3;
  const log = (s: string) => { if (!opts.json) process.stderr.write(`[presets] ${s}\n`); };
  const notes: string[] = [];
  const { specs, unknown } = choosePresets(opts.presets === undefined ? undefined : String(opts.presets));
  if (unknown.length) notes.push(`--presets: unknown ${unknown.join(', ')} (known: ${PRESETS.map((p) => p.name).join(', ')}, all)`);

  let impls: Impl[] = ['ganbook'];
  let python: string | undefined;
  if (opts.withPython) {
    const { pythonWithFrameworks } = await import('./speed');
    const r = pythonWithFrameworks(log);
    if (r.python) { python = r.python; impls.push('keras', 'pytorch'); } else notes.push(`Keras/PyTorch skipped: ${r.note}`);
  } else {
    notes.push('Keras/PyTorch not run (pass --with-python).');
  }
  if (opts.impls) {
    const want = String(opts.impls).split(',').map((x) => x.trim());
    const bad = want.filter((w) => !impls.includes(w as Impl));
    if (bad.length) notes.push(`--impls: ${bad.join(', ')} not available here (have ${impls.join(', ')})`);
    impls = impls.filter((i) => want.includes(i));
  }
  let refDir: string | null = null;
  if (python) {
    try { const { referenceDir } = await import('./speed'); refDir = referenceDir(); } catch (e) { notes.push((e as Error).message); }
  }
  const sngan = findSngan();
  const chosen = specs.map((spec) => {
    const b = spec.batch ?? batch, n = spec.slow ? Math.min(wganSteps, steps) : steps;
    const skipped = spec.name === 'sngan' && !sngan ? 'sngan() not exported by lib/models (sngan, config or presets) yet' : undefined;
    return { spec, batch: b, steps: n, skipped };
  });

  const tsNode = path.join(root, 'node_modules', 'ts-node', 'dist', 'bin.js');
  const command = (impl: Impl, c: (typeof chosen)[number]): { cmd: string; args: string[] } | { error: string } => {
    const { spec, batch: b, steps: n } = c;
    if (impl === 'ganbook') {
      return { cmd: process.execPath, args: [tsNode, '--transpile-only', __filename, '--worker', spec.name, String(b), String(n), String(spec.slow ? Math.min(warmup, 2) : warmup)] };
    }
    const s = spec[impl];
    if (!s || !python) return { error: `no ${impl} script` };
    const file = s.shared ? (refDir ? path.join(refDir, s.file) : null) : path.join(__dirname, 'python', s.file);
    if (!file || !fs.existsSync(file)) return { error: `${s.file} not found${s.shared ? ' in the reference dir' : ''}` };
    const args = impl === 'pytorch' ? [file, 'cpu', String(b), String(n)] : [file, String(b), String(n)];
    return { cmd: python, args: [...args, ...(s.extra ?? [])] };
  };

  const records: RoundRecord[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const c of chosen) {
      if (c.skipped) continue;
      const order = impls.map((_, i) => impls[(i + round) % impls.length]); // rotate who goes first
      for (const impl of order) {
        const cmd = command(impl, c);
        if ('error' in cmd) { if (round === 0) notes.push(`${c.spec.name}/${impl}: ${cmd.error}`); continue; }
        log(`round ${round + 1}/${rounds}: ${c.spec.name} ${impl} (batch ${c.batch}, ${c.steps} steps)...`);
        const m = runChild(impl, cmd.cmd, cmd.args);
        if ('error' in m) { notes.push(`${c.spec.name}/${impl} round ${round + 1}: ${m.error}`); records.push({ round, preset: c.spec.name, impl, error: m.error }); }
        else records.push({ round, preset: c.spec.name, impl, m });
      }
    }
  }
  const load = os.loadavg()[0];
  if (load > os.cpus().length) notes.push(`machine busy (load ${load.toFixed(1)} on ${os.cpus().length} cores): wall ms are inflated; compare the CPU ratios.`);
  const out = summarize(records, { batch, steps, wganSteps, rounds, impls, presets: chosen, load: +load.toFixed(1), notes });
  if (!opts.json) console.log(formatTable(out));
  return out;
}

/** Flags as `npm run bench` passes them (`--wgan-steps 3` → `wganSteps: 3`, a bare flag → true). */
export function parseArgs(argv: string[]): PresetsOptions & Record<string, unknown> {
  const opts: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) { opts[key] = Number.isNaN(Number(next)) ? next : Number(next); i++; } else opts[key] = true;
  }
  return opts as PresetsOptions & Record<string, unknown>;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const wi = argv.indexOf('--worker');
  if (wi >= 0) {
    worker(argv[wi + 1], Number(argv[wi + 2]), Number(argv[wi + 3]), Number(argv[wi + 4] ?? 3))
      .then((m) => console.log(JSON.stringify(m)))
      .catch((e) => { console.error(e); process.exit(1); });
  } else {
    const opts = parseArgs(argv);
    run(opts)
      .then((r) => { if (opts.json) console.log(JSON.stringify(r)); })
      .catch((e) => { console.error(`presets bench failed: ${(e as Error).message}`); process.exit(1); });
  }
}
