/**
 * `GanTrainer`: train a GAN cell by cell (`await trainer.step()`) or as a loop
 * (`await trainer.fit({ epochs: 5 })`), with a live view, a run folder, checkpoints that resume
 * exactly, NaN protection and interrupts. The pieces underneath stay reachable:
 * `trainer.objective` (what is optimised, `./objectives`) and `trainer.trainStep` (how one update
 * is computed, `./train-step`: the native engine by default, tfjs autodiff, or your own).
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, backendInfo, type LayersModel, type Optimizer, type Tensor, type Tensor2D, type Tensor4D } from '../backend';
import { inKernel } from '../display/sink';
import { interruptSignal } from '../display/interrupt';
import type { LossPoint } from '../plot/charts-train';
import { architectureOf, type Gan } from '../models/build';
import { checkpointPart, cloneArchitecture, readRunConfig, runNetwork, saveNetworks } from './run-artifacts';
import { withCompactView } from './fit-view';
import { saveGenerator, type GeneratorMeta } from '../models/io';
import type { GanConfig } from '../models/config';
import { trainStepFlops } from '../models/flops';
import { CheckpointWriteError, RunWriteError, latestCheckpoint, loadCheckpoint, pruneCheckpoints, saveCheckpoint, type NamedTensors } from './checkpoint';
import { BatchSource, type TrainData } from './data';
import { costLedger, type CostLedger } from './ledger';
import { LiveView } from './live';
import { mixSeed } from './rng';
import { diffAugment, type DiffAugment } from './diff-augment';
import { RunTracker } from './run';
import { assertObjective, type Objective } from './objectives/index';
import { autodiffStep, type AutodiffStep, type StepContext, type StepInit, type TrainStep } from './train-step';
import { nativeStep } from './engine/native-step';
import { CompiledStep, compiledStepsAvailable, type CompileStats } from './engine/compiled';
import { nativeOpsAvailable } from './fast-ops';
import { Unsupported } from './engine/tape';
import { defaultCallbacks, NonFiniteLossError, type TrainerCallbacks } from './callbacks';
import { checkOptions, FIT_OPTIONS, TRAINER_OPTIONS } from '../options';
import { resolve, RESUME_OVERRIDES, type Resolved, type ResumeOverride, type TrainerOptions } from './trainer-options';
import { scaleAt } from './schedule';

/** One step's numbers. */
export interface StepLog extends LossPoint {
  epoch: number;
  /** Seconds the step took (wall clock). */
  seconds: number;
}

export type { TrainerCallbacks } from './callbacks';
export type { TrainerOptions } from './trainer-options';
export { NonFiniteLossError } from './callbacks';

/** What `fit()` returns. */
export interface FitResult {
  runDir: string | null;
  /** Total steps of the trainer after this fit. */
  step: number;
  /** Steps done by this fit. */
  steps: number;
  history: StepLog[];
  /** Mean losses over the last 10% of this fit's steps. */
  final: { dLoss: number; gLoss: number };
  ledger: CostLedger;
  /**
   * Why the fit ended; `'checkpoint-failed'` / `'write-failed'`: a checkpoint / another run file
   * could not be written (disk full, …), `message` says what to do.
   */
  stopped: 'completed' | 'interrupted' | 'nan' | 'callback' | 'checkpoint-failed' | 'write-failed';
  message?: string;
  lastCheckpoint: string | null;
  gif: string | null;
}

/** Training state stored in checkpoints. */
interface TrainState {
  step: number;
  batchesDrawn: number;
  rng: { seed: number; step: number };
  wallSeconds: number;
  history: LossPoint[];
}

/** Seed tag of the fixed sample noise (distinct from every step's noise). */
const FIXED_NOISE_TAG = 0xf1;


/**
 * Trains a GAN. Cell by cell:
 *
 * @example
 * ```ts
 * const gan = buildGan(dcgan());
 * const trainer = new GanTrainer(gan, await loadDataset('mnist'), { batchSize: 64 });
 * await trainer.step();                    // { step: 1, dLoss: 1.38, gLoss: 0.69, ... }
 * await show(trainer.samples());           // the fixed-noise grid
 * const result = await trainer.fit({ epochs: 5 }); // live grid + loss chart + progress bar
 * show(result.ledger);
 * ```
 */
export class GanTrainer {
  readonly gan: Gan;
  /**
   * What trains: the config's `arch` when `buildGan` built both networks, else which are hand-built
   * (`'custom G + dcgan D'`, `'custom'`; {@link architectureOf}). Run names, summaries and the
   * runs table show it; a resumed run keeps the one it recorded.
   */
  readonly architecture: string;
  readonly options: Resolved;
  private currentObjective: Objective;
  private readonly warned = new Set<string>();
  /** How one update is computed (`trainer.stepMode` names it). */
  trainStep: TrainStep;
  /** The step's kernels as one TensorFlow function (`compile` option), or null. */
  private compiled: CompiledStep | null = null;
  /** Loss of every step so far (also restored from checkpoints). */
  history: LossPoint[] = [];
  /** Generator with exponentially averaged weights (when `ema > 0`). */
  readonly emaGenerator: LayersModel | null = null;
  /** Set from a callback to stop `fit()` after the current step. */
  stopTraining = false;
  /**
   * Everything around the loop, in the order it runs: the built-ins of `./callbacks` by name
   * ('nan-guard', 'ema', 'lr-decay', 'run-log', 'samples', 'checkpoints'), then `options.callbacks`.
   * Remove, replace or add entries.
   */
  callbacks: TrainerCallbacks[];
  readonly run: RunTracker | null;
  readonly data: BatchSource;
  private stepCount = 0;
  private batchesDrawn = 0;
  private wallSeconds = 0;
  private readonly fixedNoise: Tensor2D;
  private readonly fixedLabels: Tensor2D | null;
  private readonly noiseLayers: { seed?: number }[];
  private readonly augment: DiffAugment | null;
  private lastCheckpoint: string | null = null;
  private stepFor: Objective;

  constructor(gan: Gan, data: TrainData, options: TrainerOptions = {}) {
    this.gan = gan;
    this.architecture = architectureOf(gan);
    this.options = resolve(gan.config, options);
    const o = this.options;
    this.data = new BatchSource(data, o.batchSize, o.seed, o.range, o.classBalance);
    const want = gan.imageShape.join('x'), got = this.data.imageShape.join('x');
    if (want !== got) throw new Error(`Expected images of shape ${want} for this GAN's config; got ${got}. Change config.imageShape or the data.`);
    if (gan.numClasses && !this.data.labels) throw new Error('Expected labelled data for a conditional GAN; got no labels. Pass a Dataset with labels.');
    if (gan.numClasses && this.data.labels) {
      let lo = Infinity, hi = -Infinity;
      for (const l of this.data.labels) { if (l < lo) lo = l; if (l > hi) hi = l; }
      if (lo < 0 || hi >= gan.numClasses) {
        throw new Error(`The data's labels run from ${lo} to ${hi}, but the conditional GAN has numClasses ${gan.numClasses} (labels 0-${gan.numClasses - 1}); `
          + `build it with conditional: { numClasses: ${hi + 1} } (e.g. conditionalGan({ conditional: { numClasses: dataset.classNames.length } })).`);
      }
      // More classes than the data has (conditionalGan()'s default 10 on 9 emoji categories): the
      // extra classes are never trained, and every sample grid shows noise for them.
      const named = data instanceof tf.Tensor ? null : data;
      const dataClasses = named?.numClasses;
      if (dataClasses !== undefined && dataClasses < gan.numClasses) {
        console.warn(`ganbook: the conditional GAN has numClasses ${gan.numClasses} but ${named?.name ?? 'the data'} has ${dataClasses} classes: `
          + `labels ${dataClasses}-${gan.numClasses - 1} are never trained and their samples stay noise. `
          + `Build it with conditional: { numClasses: ${dataClasses} } (dataset.classNames.length).`);
      }
    }
    this.callbacks = [...defaultCallbacks(), ...o.callbacks];
    this.augment = o.diffAugment ? diffAugment(o.diffAugment) : null;
    this.currentObjective = o.objective;
    this.stepFor = o.objective;
    this.trainStep = this.makeStep();
    this.compiled = this.makeCompiled();
    if (o.lrDecay && !this.trainStep.setLearningRates) {
      throw new Error(`Expected a step with setLearningRates for lrDecay; the ${this.trainStep.name} step has none. Add setLearningRates to it, or drop lrDecay.`);
    }
    this.fixedNoise = tf.randomNormal([o.numSamples, gan.latentDim], 0, 1, 'float32', mixSeed(o.seed, FIXED_NOISE_TAG)) as Tensor2D;
    this.fixedLabels = gan.numClasses
      ? tf.tensor2d(Float32Array.from({ length: o.numSamples }, (_, i) => i % gan.numClasses), [o.numSamples, 1])
      : null;
    if (o.ema > 0) {
      this.emaGenerator = cloneArchitecture(gan.generator); // any network: hand-built, custom layers
      this.emaGenerator.setWeights(gan.generator.getWeights());
    }
    this.noiseLayers = [...allLayers(gan.generator), ...allLayers(gan.discriminator)]
      .filter((l) => NOISE_LAYERS.includes(l.getClassName())) as unknown as { seed?: number }[];
    this.run = o.runsDir === null ? null : new RunTracker({
      root: o.runsDir, name: o.name ?? defaultName(gan.config, this.architecture), tensorboard: o.tensorboard,
      config: { gan: gan.config, architecture: this.architecture, train: { ...o, callbacks: undefined, objective: undefined, step: undefined, objectiveName: o.objective.name }, dataset: this.data.name ?? null, backend: backendInfo().backend },
    });
    if (this.run) saveNetworks(this.run.dir, gan); // resume rebuilds these exact networks
  }

  /**
   * Re-opens a run folder and continues from its latest checkpoint: the losses that follow
   * equal those of an uninterrupted run (same backend). The run's own networks come back
   * (networks.json), with its recorded options; `overrides` may change only `callbacks`, `live`,
   * `pricePerHour`, `fastStep`, `sampleEvery`, `checkpointEvery`, `objective` (required when the
   * run used one that is not in the registry) and `step`. Another live process on the folder is
   * refused; a newer resume in this process takes it over from an older one.
   *
   * @example
   * ```ts
   * const trainer = await GanTrainer.resume('runs/dcgan-20261128-101500', mnist);
   * await trainer.fit({ steps: 1000 });
   * ```
   */
  static async resume(runDir: string, data: TrainData, overrides: Pick<TrainerOptions, ResumeOverride> = {}): Promise<GanTrainer> {
    checkOptions(overrides, Object.fromEntries(RESUME_OVERRIDES.map((k) => [k, TRAINER_OPTIONS[k]])), 'GanTrainer.resume() override');
    const cfg = readRunConfig(runDir) as { gan: GanConfig; architecture?: string; train: TrainerOptions & { objectiveName?: string } };
    const { objectiveName, ...recorded } = cfg.train;
    // Runs recorded before the EMA warm-up existed averaged with a constant decay: keep it so.
    if (recorded.emaWarmup === undefined) recorded.emaWarmup = false;
    // With an objective passed in, its own options replace the recorded ones.
    const train = overrides.objective ? { ...recorded, labelSmoothing: undefined, gpWeight: undefined, r1Gamma: undefined } : recorded;
    // The run's own networks (networks.json: hand-built and custom layers too; older runs: the config).
    const generator = runNetwork(runDir, 'generator'), discriminator = runNetwork(runDir, 'discriminator');
    const gan: Gan = {
      config: cfg.gan, generator, discriminator, latentDim: cfg.gan.latentDim, imageShape: [...cfg.gan.imageShape] as [number, number, number],
      numClasses: cfg.gan.conditional?.numClasses ?? 0,
    };
    const t = new GanTrainer(gan, data, { ...train, ...overrides, runsDir: null });
    if (objectiveName && t.objective.name !== objectiveName) {
      t.dispose(); generator.dispose(); discriminator.dispose();
      throw new Error(`Expected to resume with the run's objective "${objectiveName}"; the config gives "${t.objective.name}". Pass it: GanTrainer.resume(dir, data, { objective }).`);
    }
    (t as { run: RunTracker | null }).run = new RunTracker({ existing: runDir, tensorboard: cfg.train.tensorboard });
    (t as { architecture: string }).architecture = cfg.architecture ?? cfg.gan.arch; // runs before 2026-12 recorded no architecture
    const ckpt = latestCheckpoint(path.join(runDir, 'checkpoints'));
    if (ckpt) await t.restore(ckpt);
    return t;
  }

  /** Steps done so far (`step()` is the method that does one more). */
  get iteration(): number { return this.stepCount; }
  /** Epochs done so far (fractional), counted in real batches drawn. */
  get epoch(): number { return this.batchesDrawn / this.data.batchesPerEpoch; }
  /** Steps that make one epoch (each step draws nCritic batches). */
  get stepsPerEpoch(): number { return Math.max(1, Math.floor(this.data.batchesPerEpoch / this.options.nCritic)); }
  /** The objective being optimised (`nonSaturating()`, `hinge()`, …; see `./objectives`). */
  get objective(): Objective { return this.currentObjective; }

  /**
   * Replaces the objective mid-run (`trainer.objective = hinge()`): the next step rebuilds the
   * training step for it and carries the optimizer state over. Learning rates, betas and nCritic
   * stay the trainer's (an objective's defaults apply when it is given to the constructor); the
   * run's config.json and metrics.jsonl record the swap, so a resume asks for this objective.
   *
   * @throws Error when `value` is not an objective.
   */
  set objective(value: Objective) {
    assertObjective(value, 'trainer.objective');
    this.currentObjective = value;
    if (this.run) {
      this.run.log({ step: this.stepCount, event: 'objective', name: value.name });
      const cfgPath = path.join(this.run.dir, 'config.json');
      if (fs.existsSync(cfgPath)) {
        const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as { train?: Record<string, unknown> };
        cfg.train = { ...(cfg.train ?? {}), objectiveName: value.name };
        const tmp = `${cfgPath}.tmp-${process.pid}`;
        fs.writeFileSync(tmp, JSON.stringify(cfg, null, 2));
        fs.renameSync(tmp, cfgPath);
      }
    }
  }

  /** Estimated FLOPs of one step. */
  get flopsPerStep(): number {
    return trainStepFlops(this.gan, this.options.batchSize, { nCritic: this.options.nCritic, gradientPenalty: !!this.objective.penalty });
  }

  /**
   * The tfjs optimizers of the autodiff step (for custom updates at the raw-tf level).
   *
   * @throws Error when another step runs (the native engine keeps its own flat Adam state).
   */
  get optimizers(): { generator: Optimizer; discriminator: Optimizer } {
    const s = this.trainStep as Partial<AutodiffStep>;
    if (!s.optimizers) throw new Error(`Expected the autodiff step for trainer.optimizers; the ${this.trainStep.name} step keeps its own optimizer state. Use { fastStep: false } or { step: autodiffStep }.`);
    return s.optimizers;
  }

  /** The step for the current objective: the user's, else native, else autodiff (saying why, once). */
  private makeStep(): TrainStep {
    const o = this.options;
    const eps = tf.backend().epsilon();
    const init: StepInit = {
      generator: this.gan.generator, discriminator: this.gan.discriminator, objective: this.objective, nCritic: o.nCritic,
      adam: {
        generator: { learningRate: o.lrG, beta1: o.beta1, beta2: o.beta2, epsilon: eps },
        discriminator: { learningRate: o.lrD, beta1: o.beta1, beta2: o.beta2, epsilon: eps },
      },
    };
    if (o.step) return o.step(init);
    if (!o.fastStep) return autodiffStep(init);
    try {
      return nativeStep(init, { portable: o.fastStep === 'portable' || !nativeOpsAvailable() });
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      const step = autodiffStep(init, err.message);
      if (!this.warned.has(err.message)) { // once per trainer and reason
        this.warned.add(err.message);
        console.warn(`ganbook: training with the autodiff step (slower) — the native engine does not cover ${err.message}.`);
      }
      return step;
    }
  }

  /**
   * One training step: `nCritic` discriminator updates then one generator update. Reads both
   * losses; on NaN/Inf restores the last good checkpoint and throws {@link NonFiniteLossError}.
   *
   * @example
   * ```ts
   * const log = await trainer.step(); // { step: 1, dLoss: 1.39, gLoss: 0.69, epoch: 0.001, seconds: 0.15 }
   * ```
   */
  async step(): Promise<StepLog> {
    const t0 = performance.now();
    if (this.objective !== this.stepFor) await this.rebuildStep();
    await this.data.prepare();
    for (const cb of this.callbacks) await cb.onStepBegin?.(this.stepCount + 1, this);
    const ctx = this.stepContext();
    this.trainStep.prepare?.();
    const { dLoss, gLoss, penalty: gp } = this.compiled ? this.compiled.run(() => this.trainStep.run(ctx)) : this.trainStep.run(ctx);
    const [dv, gv, gpv] = await Promise.all([dLoss.data(), gLoss.data(), gp ? gp.data() : Promise.resolve(undefined)]);
    dLoss.dispose(); gLoss.dispose(); gp?.dispose();
    this.stepCount++;
    const seconds = (performance.now() - t0) / 1000;
    this.wallSeconds += seconds;
    const log: StepLog = { step: this.stepCount, dLoss: dv[0], gLoss: gv[0], epoch: this.epoch, seconds };
    if (gpv) log.gp = gpv[0];
    this.history.push(gpv ? { step: log.step, dLoss: log.dLoss, gLoss: log.gLoss, gp: log.gp } : { step: log.step, dLoss: log.dLoss, gLoss: log.gLoss });
    // The NaN guard runs first: on a bad loss it restores the last checkpoint (history included) and throws.
    for (const cb of this.callbacks) await cb.onStepEnd?.(log, this);
    return log;
  }

  /** The last checkpoint written or restored (null before the first). */
  get lastCheckpointDir(): string | null { return this.lastCheckpoint; }
  /** Real images drawn so far. */
  get imagesSeen(): number { return this.batchesDrawn * this.options.batchSize; }
  /** Wall-clock seconds spent in steps so far (restored from checkpoints). */
  get trainingSeconds(): number { return this.wallSeconds; }

  /** Multiplier of lrG / lrD at the current epoch (1 without `lrDecay`). */
  get lrScale(): number {
    return this.options.lrDecay ? scaleAt(this.options.lrDecay, this.epoch) : 1;
  }

  /** After `trainer.objective` was replaced: a step for it, continuing from the old one's optimizer state. */
  private async rebuildStep(): Promise<void> {
    const state = await this.trainStep.optimizerState?.();
    this.trainStep.dispose?.();
    this.stepFor = this.objective;
    this.trainStep = this.makeStep();
    this.compiled?.retrace(); // the new step is traced afresh; the counts go on
    if (state) {
      try { await this.trainStep.loadOptimizerState?.(state); } finally { tf.dispose([...state.generator, ...state.discriminator]); }
    }
  }

  /** The inputs of the next step: seeded batches, noise, dropout and penalty seeds (see {@link StepContext}). */
  private stepContext(): StepContext {
    const o = this.options;
    const step = this.stepCount;
    return {
      generator: this.gan.generator, discriminator: this.gan.discriminator, objective: this.objective, nCritic: o.nCritic,
      batch: () => {
        const b = this.data.batch(this.batchesDrawn++);
        if (b.labels && !this.gan.numClasses) { b.labels.dispose(); return { real: b.real }; } // labelled data, unconditional GAN
        return b;
      },
      noise: (k) => tf.randomNormal([o.batchSize, this.gan.latentDim], 0, 1, 'float32', mixSeed(o.seed, step, k)) as Tensor2D,
      seedDropout: (k) => this.seedDropout(k),
      penaltySeed: (k) => mixSeed(o.seed, step, k, 0x9b),
      augment: this.augment,
      augmentSeed: (k, part) => mixSeed(o.seed, step, k, part, 0xa6),
    };
  }

  private seedDropout(k: number): void {
    for (let i = 0; i < this.noiseLayers.length; i++) this.noiseLayers[i].seed = mixSeed(this.options.seed, this.stepCount, k, i, 0xd0);
  }

  /**
   * Images from the fixed noise (EMA generator when enabled), `[numSamples, h, w, c]` in [-1, 1].
   * The caller disposes them.
   *
   * @example
   * ```ts
   * const x = trainer.samples(); await show(x); x.dispose();
   * ```
   */
  samples(n?: number): Tensor4D {
    const g = this.emaGenerator ?? this.gan.generator;
    return tf.tidy(() => {
      const k = Math.min(n ?? this.options.numSamples, this.options.numSamples);
      const z = this.fixedNoise.slice([0, 0], [k, -1]);
      const inp = this.fixedLabels ? [z, this.fixedLabels.slice([0, 0], [k, -1])] : z;
      return g.apply(inp, { training: false }) as Tensor4D;
    });
  }

  private async tensorsForCheckpoint(): Promise<{ tensors: NamedTensors; temp: Tensor[] }> {
    const tensors: NamedTensors = {};
    const temp: Tensor[] = [];
    this.gan.generator.getWeights().forEach((t, i) => { tensors[`g/${i}`] = t; });
    this.gan.discriminator.getWeights().forEach((t, i) => { tensors[`d/${i}`] = t; });
    this.emaGenerator?.getWeights().forEach((t, i) => { tensors[`ema/${i}`] = t; });
    const state = await this.trainStep.optimizerState?.();
    if (state) {
      state.generator.forEach((t, i) => { tensors[`optG/${i}`] = t; });
      state.discriminator.forEach((t, i) => { tensors[`optD/${i}`] = t; });
      temp.push(...state.generator, ...state.discriminator);
    }
    return { tensors, temp };
  }

  /**
   * Writes a checkpoint now (atomically) into the run folder (or `dir`) and returns its path.
   *
   * @example
   * ```ts
   * const dir = await trainer.checkpoint();
   * ```
   */
  async checkpoint(dir?: string): Promise<string> {
    const root = dir ?? this.run?.checkpointsDir;
    if (!root) throw new Error('Expected a run folder or a directory for the checkpoint; got neither. Pass trainer.checkpoint(dir) or use runsDir.');
    this.run?.assertWritable();
    this.run?.flush(); // the run log reaches at least this checkpoint, whatever happens next
    const { tensors, temp } = await this.tensorsForCheckpoint();
    const state: TrainState = {
      step: this.stepCount, batchesDrawn: this.batchesDrawn, rng: { seed: this.options.seed, step: this.stepCount },
      wallSeconds: this.wallSeconds, history: this.history,
    };
    try {
      const out = await saveCheckpoint(root, this.stepCount, tensors, state);
      this.lastCheckpoint = out;
      pruneCheckpoints(root, this.options.keepCheckpoints);
      for (const cb of this.callbacks) await cb.onCheckpoint?.(out, this);
      return out;
    } finally {
      temp.forEach((t) => t.dispose());
    }
  }

  /**
   * Restores weights, optimizer state, step, RNG state and history from a checkpoint folder.
   *
   * @example
   * ```ts
   * await trainer.restore(latestCheckpoint(trainer.run!.checkpointsDir)!);
   * ```
   */
  async restore(dir: string): Promise<void> {
    const { manifest, tensors } = loadCheckpoint<TrainState>(dir);
    const take = (prefix: string) => checkpointPart(tensors, prefix);
    try {
      const g = take('g'), d = take('d'), e = take('ema');
      if (g.length !== this.gan.generator.weights.length || d.length !== this.gan.discriminator.weights.length) {
        throw new Error(`Expected a checkpoint of this architecture (${this.gan.generator.weights.length}+${this.gan.discriminator.weights.length} weight tensors); got ${g.length}+${d.length} in ${dir}.`);
      }
      this.gan.generator.setWeights(g);
      this.gan.discriminator.setWeights(d);
      if (this.emaGenerator && e.length) this.emaGenerator.setWeights(e);
      const optG = take('optG'), optD = take('optD');
      if (!optG.length && this.trainStep.loadOptimizerState && !this.warned.has('no-optimizer-state')) {
        this.warned.add('no-optimizer-state');
        console.warn(`ganbook: ${path.basename(dir)} holds no optimizer state (written by a step without optimizerState): `
          + 'Adam restarts from zero, so the losses will differ from an uninterrupted run.');
      }
      await this.trainStep.loadOptimizerState?.({ generator: optG, discriminator: optD });
    } finally {
      Object.values(tensors).forEach((t) => t.dispose());
    }
    const s = manifest.state;
    this.run?.truncateAfter(s.step); // the steps after this checkpoint will be logged again
    this.stepCount = s.step;
    this.batchesDrawn = s.batchesDrawn;
    this.wallSeconds = s.wallSeconds;
    this.history = s.history;
    this.lastCheckpoint = dir;
  }

  /**
   * Exports the generator (the EMA one when enabled) as a tf.LayersModel folder plus
   * `ganbook.json` (default: `<run>/generator`).
   *
   * @example
   * ```ts
   * const meta = await trainer.saveGenerator(); // runs/dcgan-…/generator
   * ```
   */
  async saveGenerator(dir?: string, extra: { labels?: string[] } = {}): Promise<GeneratorMeta & { dir: string }> {
    const out = dir ?? (this.run ? path.join(this.run.dir, 'generator') : null);
    if (!out) throw new Error('Expected a directory (no run folder: runsDir is null). Pass trainer.saveGenerator(dir).');
    const g = this.emaGenerator ?? this.gan.generator;
    const meta = await saveGenerator({ generator: g, config: this.gan.config }, out, { ...extra, dataset: this.data.name, step: this.stepCount });
    return { ...meta, dir: out };
  }

  /** The cost ledger of all steps so far. */
  ledger(): CostLedger {
    return costLedger({
      wallSeconds: this.wallSeconds, steps: this.stepCount, imagesSeen: this.batchesDrawn * this.options.batchSize,
      flopsPerStep: this.flopsPerStep, pricePerHour: this.options.pricePerHour, backend: backendInfo().backend,
    });
  }

  /**
   * Trains for `steps` (or `epochs`) more steps with the live view. Honours `signal` (any
   * AbortSignal; default: the kernel's interrupt, `interruptSignal()`) at step boundaries:
   * checkpoints and returns `stopped: 'interrupted'`.
   * A NaN/Inf loss returns `stopped: 'nan'` with the message (weights restored).
   *
   * @example
   * ```ts
   * const r = await trainer.fit({ epochs: 5 });            // or { steps: 1000, signal }
   * r.stopped; r.runDir; r.final.gLoss; r.ledger.estimatedCost;
   * ```
   */
  async fit(opts: { steps?: number; epochs?: number; signal?: AbortSignal; live?: boolean; callbacks?: TrainerCallbacks[] } = {}): Promise<FitResult> {
    checkOptions(opts, FIT_OPTIONS, 'fit() argument');
    if (opts.steps === undefined && opts.epochs === undefined) throw new Error('Expected fit({ steps }) or fit({ epochs }); got neither.');
    const steps = opts.steps ?? Math.ceil((opts.epochs as number) * this.stepsPerEpoch);
    if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`Expected steps a non-negative integer; got ${steps}.`);
    const extra = opts.callbacks ?? [];
    const o = this.options;
    const signal = opts.signal ?? interruptSignal();
    const startStep = this.stepCount, endStep = startStep + steps;
    const live = (opts.live ?? o.live ?? inKernel()) ? await LiveView.open(o.name ?? defaultName(this.gan.config, this.architecture), { step: startStep, endStep, done: 0, seconds: 0, imagesPerSecond: 0 }) : null;
    // The progress line moves with the grid and the chart, so the three never disagree (short runs
    // sample more often than every liveEvery steps).
    const liveCb: TrainerCallbacks | null = live ? { name: 'live', onSample: async (_s, imgs) => { await live.samples(imgs); await live.losses(this.history); await live.progress(progress()); } } : null;
    const added = [...(liveCb ? [liveCb] : []), ...extra];
    this.callbacks.push(...added);
    const history: StepLog[] = [];
    let stopped: FitResult['stopped'] = 'completed';
    let message: string | undefined;
    const t0 = performance.now();
    this.stopTraining = false;
    const progress = (note?: string) => {
      const seconds = (performance.now() - t0) / 1000, done = this.stepCount - startStep;
      const last = history[history.length - 1];
      const lr = o.lrDecay ? `lr ×${this.lrScale.toFixed(2)}` : undefined;
      return { step: this.stepCount, endStep, done, seconds, imagesPerSecond: (done * o.batchSize * o.nCritic) / Math.max(seconds, 1e-9), dLoss: last?.dLoss, gLoss: last?.gLoss, note: [lr, note].filter(Boolean).join(' · ') || undefined };
    };
    /** A run file that cannot be written (disk full, …) ends the fit with the error's advice. */
    const writeFailed = (err: RunWriteError) => {
      stopped = err instanceof CheckpointWriteError ? 'checkpoint-failed' : 'write-failed';
      message = err.message;
      try { this.run?.log({ step: this.stepCount, event: stopped, message: err.message }); } catch { /* the log itself may be what failed */ }
    };
    /** Runs one event on every callback; a run file that cannot be written ends the fit with a message. */
    const emit = async (run: (cb: TrainerCallbacks) => void | Promise<void> | undefined) => {
      try {
        for (const cb of [...this.callbacks]) await run(cb);
      } catch (err) {
        if (!(err instanceof RunWriteError)) throw err;
        writeFailed(err);
      }
    };
    try {
      await emit((cb) => cb.onFitBegin?.({ startStep, endStep }, this));
      while (this.stepCount < endStep && stopped === 'completed') {
        if (signal.aborted) {
          stopped = 'interrupted';
          await emit((cb) => cb.onInterrupt?.(this.stepCount, this));
          break;
        }
        try {
          history.push(await this.step());
        } catch (err) {
          if (err instanceof NonFiniteLossError) { stopped = 'nan'; message = err.message; break; }
          if (err instanceof RunWriteError) { writeFailed(err); break; }
          throw err;
        }
        if (live && (this.stepCount - startStep) % o.liveEvery === 0) await live.progress(progress());
        if (this.stopTraining) { stopped = 'callback'; break; }
        // Let timers, kernel messages and abort signals in between steps.
        await new Promise<void>((r) => setImmediate(r));
      }
      const why = stopped;
      await emit((cb) => cb.onFitStop?.(why, this));
      if (stopped === 'interrupted') {
        // Said where the user looks (the cell's output), not only in the result: the kernel shows the cell as interrupted.
        const rel = (p: string) => path.relative(process.cwd(), p) || '.';
        const saved = this.lastCheckpoint ? `checkpoint ${rel(this.lastCheckpoint)} written` : 'nothing saved (no run folder: runsDir null)';
        const resume = this.run ? `, or in a new kernel GanTrainer.resume('${rel(this.run.dir)}', data)` : '';
        message = `Interrupted at step ${this.stepCount}; ${saved}. Continue with await trainer.fit({ steps })${resume}.`;
        console.warn(`ganbook: ${message}`);
      }
      if (live) {
        await live.progress(progress(stopped === 'completed' ? 'done' : stopped));
        await live.losses(this.history, true);
      }
    } finally {
      for (const cb of added) this.callbacks.splice(this.callbacks.indexOf(cb), 1);
    }
    const tail = history.slice(-Math.max(1, Math.ceil(history.length / 10)));
    const mean = (k: 'dLoss' | 'gLoss') => tail.reduce((a, h) => a + h[k], 0) / Math.max(tail.length, 1);
    const gif = this.run?.writeGif({ upToStep: this.stepCount }) ?? null;
    const result: FitResult = withCompactView({
      runDir: this.run?.dir ?? null, step: this.stepCount, steps: this.stepCount - startStep, history,
      final: { dLoss: mean('dLoss'), gLoss: mean('gLoss') }, ledger: this.ledger(), stopped, message,
      lastCheckpoint: this.lastCheckpoint, gif,
    });
    if (this.run) {
      this.run.flush();
      this.run.writeSummary({
        name: path.basename(this.run.dir), arch: this.architecture, loss: this.gan.config.loss, dataset: this.data.name ?? null,
        step: result.step, final: result.final, ledger: result.ledger, stopped, message: message ?? null,
        params: { generator: this.gan.generator.countParams(), discriminator: this.gan.discriminator.countParams() },
        finishedAt: new Date().toISOString(),
      });
    }
    for (const cb of [...this.callbacks, ...added]) await cb.onFitEnd?.(result, this);
    return result;
  }

  /** Frees the trainer's tensors (data copy, fixed noise, optimizers, EMA generator); not the GAN. */
  dispose(): void {
    this.data.dispose();
    this.fixedNoise.dispose();
    this.fixedLabels?.dispose();
    this.emaGenerator?.dispose();
    this.trainStep.dispose?.();
    this.run?.close();
  }

  /**
   * How the steps ran with the `compile` option (null without it, or off this backend): `traced`
   * (the first step, and the first after one that left the trace), `replayed` as one TensorFlow
   * function, `fallbacks` (steps that left the trace and finished eagerly; `lastFallback` says
   * why), `eager` (steps run eagerly after compiling stopped; `disabled` says why).
   *
   * @example
   * ```ts
   * await trainer.fit({ steps: 100 });
   * trainer.compileStats; // { replayed: 99, traced: 1, eager: 0, fallbacks: 0, lastFallback: null, disabled: null }
   * ```
   */
  get compileStats(): CompileStats | null {
    return this.compiled ? { ...this.compiled.stats } : null;
  }

  private makeCompiled(): CompiledStep | null {
    if (!this.options.compile || !compiledStepsAvailable()) return null;
    const c = new CompiledStep();
    c.onDisabled = (reason) => console.warn(`ganbook: steps run eagerly from here on (same updates, slower): ${reason}.`);
    return c;
  }

  /** Which step computes the updates: `'native'`, `'autodiff'` or a custom step's name. */
  get stepMode(): string {
    return this.trainStep.name;
  }
}

/** Layers that draw randomness in training: the trainer seeds them each step (native runs repeat exactly). */
const NOISE_LAYERS = ['Dropout', 'GaussianNoise', 'GaussianDropout'];

/** A model's layers, those of nested models included (their dropout layers need seeds too). */
function allLayers(m: LayersModel): LayersModel['layers'] {
  return m.layers.flatMap((l) => (Array.isArray((l as unknown as { layers?: unknown }).layers) ? allLayers(l as unknown as LayersModel) : [l]));
}

function defaultName(c: GanConfig, architecture: string): string {
  return `${architecture === c.arch ? c.arch : 'custom'}${c.conditional ? '-cond' : ''}${c.loss === 'nonsaturating' ? '' : `-${c.loss}`}`;
}
