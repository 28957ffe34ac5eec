/**
 * `GanTrainer`'s options: their documentation, and their resolution (the objective's defaults,
 * then the user's values, each checked as typed — `lib/options.ts`).
 */
import type { GanConfig } from '../models/config';
import { checkOptions, TRAINER_OPTIONS } from '../options';
import { parseDiffAugmentPolicy } from './diff-augment';
import type { TrainerCallbacks } from './callbacks';
import { assertObjective, objectiveFor, type Objective, type ObjectiveOptions } from './objectives/index';
import { resolveLrDecay, type LrDecay } from './schedule';
import type { StepFactory } from './train-step';

/** Hyper-parameters and bookkeeping of a {@link GanTrainer}. Every field has a default. */
export interface TrainerOptions {
  /** Images per batch (default 64). */
  batchSize?: number;
  /**
   * The objective (default: the config's `loss` from the objective registry, e.g.
   * `nonSaturating()`, `hinge()`, `wassersteinGp()`). Its defaults set lrG/lrD, betas and nCritic.
   */
  objective?: Objective;
  /**
   * How one update is computed (default: the native engine, falling back to tfjs autodiff where
   * it cannot run, with a printed reason). `autodiffStep` forces the reference; any
   * {@link StepFactory} plugs in a custom step.
   */
  step?: StepFactory;
  /** Generator / discriminator learning rates (default: the objective's, 2e-4; WGAN-GP 1e-4). */
  lrG?: number;
  lrD?: number;
  /** Adam betas (default 0.5, 0.999; WGAN-GP 0, 0.9). */
  beta1?: number;
  beta2?: number;
  /** One-sided label smoothing of real targets (non-saturating loss; default 0). */
  labelSmoothing?: number;
  /** Critic updates per generator update (default 1; WGAN-GP 5). */
  nCritic?: number;
  /** Gradient-penalty weight (default 0; WGAN-GP 10). */
  gpWeight?: number;
  /** γ of the R1 penalty on real images (default 0 = none; Mescheder et al. 2018 use 10). */
  r1Gamma?: number;
  /**
   * Linear learning-rate decay over an epoch range, applied to both networks, e.g.
   * `{ start: 3, end: 5 }`: full rates for three epochs, then down to 1% at epoch 5. Default: none.
   */
  lrDecay?: LrDecay;
  /**
   * EMA decay of generator weights for samples and evaluation (`trainer.emaGenerator`; 0 = off,
   * e.g. 0.999). With {@link emaWarmup} (the default) the decay at step t is
   * min(ema, (1 + t) / (10 + t)), so the average follows the generator early on.
   */
  ema?: number;
  /**
   * Ramp the EMA's decay up from the start, as TensorFlow's `tf.train.ExponentialMovingAverage`
   * does with `num_updates`: min(ema, (1 + t) / (10 + t)) at step t (0.18 at step 1, 0.94 at step
   * 150, 0.999 from step 8,990). Without it an EMA of 0.999 still holds ~86% of the initial
   * random weights after 150 steps, and a short run's EMA samples are flat grey. Default true;
   * runs recorded before the option (no `emaWarmup` in their config.json) resume without it.
   */
  emaWarmup?: boolean;
  /**
   * Differentiable augmentation of every critic input (Zhao et al. 2020, DiffAugment): a policy of
   * `'color'`, `'translation'`, `'cutout'`, comma-separated (the paper's: `'color,translation,cutout'`).
   * For small datasets, where the critic memorizes the real images. Default `''` (off). See
   * `lib/train/diff-augment.ts`.
   */
  diffAugment?: string;
  /**
   * How often each class's images are drawn, for labelled data whose classes differ in size: each
   * image is drawn in proportion to (images in its class)^−classBalance, so `0` (default) draws
   * every image equally often (big classes dominate), `1` every class equally often (small
   * classes' images repeat), `0.5` in between (class shares ∝ √size). An epoch stays `n` images;
   * the order stays seeded and resumable. Throws for unlabelled data.
   */
  classBalance?: number;
  /** Seed of noise, batch order and dropout (default 0). */
  seed?: number;
  /** Value range of a plain image tensor (Datasets are [0,1]); detected when omitted. */
  range?: '[0,1]' | '[-1,1]';
  /** Folder holding run folders (default 'runs'); null = no files at all. */
  runsDir?: string | null;
  /** Run name (default from the config, e.g. 'dcgan'). */
  name?: string;
  /** Steps between checkpoints (default 500; 0 = only at the end/interrupt). */
  checkpointEvery?: number;
  /** Checkpoints to keep (default 3). */
  keepCheckpoints?: number;
  /** Steps between fixed-noise samples (PNG, GIF frame, live grid, histograms; default 200). */
  sampleEvery?: number;
  /** Images in the fixed-noise grid (default 36). */
  numSamples?: number;
  /** Steps between metric rows / TensorBoard scalars (default 10). Losses are read every step. */
  logEvery?: number;
  /** Write TensorBoard events (default true with a run folder). */
  tensorboard?: boolean;
  /** Price of the machine per hour for the cost ledger (default 0). */
  pricePerHour?: number;
  /** Live view in the notebook (default: when running in a kernel). */
  live?: boolean;
  /** Steps between live-view refreshes of the progress bar (default 10). */
  liveEvery?: number;
  /** Callbacks (see {@link TrainerCallbacks}). */
  callbacks?: TrainerCallbacks[];
  /**
   * Use the native engine (`./engine`: same update as tfjs autodiff on raw TensorFlow kernels,
   * every shipped network and objective) when it can run this setup; otherwise, and with `false`,
   * the autodiff reference step. On a backend other than native TensorFlow (WebGPU, pure JS) the
   * engine runs its plan on ordinary tfjs ops (`'native (portable ops)'`); `'portable'` asks for
   * that anywhere. `trainer.stepMode` says which runs. Default true.
   */
  fastStep?: boolean | 'portable';
  /**
   * Run each step's TensorFlow kernels as one TensorFlow function, as Keras' `tf.function` does
   * (`./engine/compiled`): the first step is traced, the rest replay the trace in TensorFlow's
   * graph executor, which runs independent kernels side by side and skips
   * JavaScript's per-kernel dispatch. Steps compute what the eager step computes; a step that
   * leaves the trace (another op, a value read mid-step) finishes eagerly and is traced again.
   * `trainer.compileStats` counts them. Native TensorFlow on the CPU only (the binding patch of
   * `npm run setup`); ignored elsewhere. Default true (`GANBOOK_COMPILE=0` makes it false).
   */
  compile?: boolean;
}

type Required2<T> = { [K in keyof T]-?: T[K] };
export type Resolved = Required2<Omit<TrainerOptions, 'range' | 'name' | 'callbacks' | 'live' | 'lrDecay' | 'objective' | 'step'>> & Pick<TrainerOptions, 'range' | 'name' | 'live' | 'step'> & { callbacks: TrainerCallbacks[]; lrDecay?: Required<LrDecay>; objective: Objective };

/** The objective of a config and options: `options.objective`, or the registry's for `config.loss`. */
function objectiveOf(config: GanConfig, o: TrainerOptions): Objective {
  if (o.objective) {
    for (const k of ['labelSmoothing', 'gpWeight', 'r1Gamma'] as const) {
      if (o[k] !== undefined) {
        throw new Error(`Expected ${k} as an option of the objective when one is given (e.g. nonSaturating({ ${k}: ${o[k]} })); got it beside objective "${o.objective.name}", where it would be ignored.`);
      }
    }
    assertObjective(o.objective, 'objective');
    return o.objective;
  }
  const opts: ObjectiveOptions = {};
  if (o.labelSmoothing !== undefined) opts.labelSmoothing = o.labelSmoothing;
  if (o.gpWeight !== undefined) opts.gpWeight = o.gpWeight;
  if (o.r1Gamma !== undefined) opts.r1Gamma = o.r1Gamma;
  return objectiveFor(config.loss, opts);
}

export function resolve(config: GanConfig, o: TrainerOptions): Resolved {
  checkOptions(o, TRAINER_OPTIONS, 'GanTrainer option');
  const objective = objectiveOf(config, o);
  const d = objective.defaults;
  const r: Resolved = {
    batchSize: 64, lrG: d.lrG, lrD: d.lrD, beta1: d.beta1, beta2: d.beta2,
    labelSmoothing: 0, nCritic: d.nCritic, gpWeight: 0, r1Gamma: 0, ema: 0, emaWarmup: true, seed: 0, runsDir: 'runs',
    checkpointEvery: 500, keepCheckpoints: 3, sampleEvery: 200, numSamples: 36, logEvery: 10,
    tensorboard: true, pricePerHour: 0, liveEvery: 10, fastStep: true, compile: process.env.GANBOOK_COMPILE !== '0', diffAugment: '', classBalance: 0,
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    callbacks: o.callbacks ?? [],
    objective,
  } as Resolved;
  // Recorded in config.json as what ran (a resume rebuilds the same objective from them).
  if (objective.penalty?.name === 'gradient penalty') r.gpWeight = objective.penalty.weight;
  if (objective.penalty?.name === 'R1') r.r1Gamma = objective.penalty.weight * 2;
  const pos = (k: keyof Resolved, int = false, allowZero = false) => {
    const v = r[k] as number;
    const ok = Number.isFinite(v) && (allowZero ? v >= 0 : v > 0) && (!int || Number.isInteger(v));
    if (!ok) throw new Error(`Expected ${k} ${int ? 'an integer ' : ''}${allowZero ? '>= 0' : '> 0'}; got ${v}.`);
  };
  pos('lrG'); pos('lrD'); pos('batchSize', true); pos('nCritic', true); pos('numSamples', true);
  pos('sampleEvery', true, true); pos('checkpointEvery', true, true); pos('logEvery', true); pos('keepCheckpoints', true);
  pos('gpWeight', false, true); pos('pricePerHour', false, true); pos('liveEvery', true);
  if (!(r.beta1 >= 0 && r.beta1 < 1)) throw new Error(`Expected beta1 in [0, 1); got ${r.beta1}.`);
  if (!(r.beta2 >= 0 && r.beta2 < 1)) throw new Error(`Expected beta2 in [0, 1); got ${r.beta2}.`);
  if (!(r.ema >= 0 && r.ema < 1)) throw new Error(`Expected ema (decay) in [0, 1), 0 = off; got ${r.ema}.`);
  if (r.lrDecay) r.lrDecay = resolveLrDecay(r.lrDecay);
  if (!Number.isInteger(r.seed)) throw new Error(`Expected seed an integer; got ${r.seed}.`);
  if (r.diffAugment) r.diffAugment = parseDiffAugmentPolicy(r.diffAugment).join(',');
  return r;
}

/** Options a resumed run may change (the rest come from its config.json). */
export const RESUME_OVERRIDES = ['callbacks', 'live', 'pricePerHour', 'fastStep', 'compile', 'sampleEvery', 'checkpointEvery', 'objective', 'step'] as const;
export type ResumeOverride = typeof RESUME_OVERRIDES[number];
