/**
 * The step seam: one interface for "one training update" (n_critic critic updates, then one
 * generator update), whatever computes it. {@link GanTrainer} is the loop around it; two
 * implementations ship — the native engine (`./engine/native-step`, the default) and tfjs'
 * autodiff ({@link autodiffStep}, the reference) — and `new GanTrainer(gan, data, { step })`
 * takes a user's own. Progressive disclosure, as in Keras: `fit()` → `trainer.step()` → a custom
 * step → raw `tf`, each level on the same objects (the GAN, the objective, the batches).
 */
import { tf, type LayersModel, type Optimizer, type Scalar, type Tensor, type Tensor2D, type Tensor4D, type Variable } from '../backend';
import { tfjsOps, type LossOps, type Objective } from './objectives/index';
import type { DiffAugment } from './diff-augment';
import { accumulatedBeta, type AdamParams } from './engine/adam';

/** The inputs of one step, drawn by the trainer (seeded, so a resumed run draws the same). */
export interface StepContext {
  readonly generator: LayersModel;
  readonly discriminator: LayersModel;
  readonly objective: Objective;
  /** Critic updates in this step. */
  readonly nCritic: number;
  /** Real images `[n, h, w, c]` in [-1, 1] (and labels `[n, 1]` when conditional) of critic update `k`; the step disposes them. */
  batch(k: number): { real: Tensor4D; labels?: Tensor2D };
  /**
   * Latent noise `[n, latentDim]` of update `k` (`k = nCritic`: the generator update, which with
   * one critic update reuses `noise(0)`, as the reference does); the step disposes it.
   */
  noise(k: number): Tensor2D;
  /** Seeds the dropout layers for update `k` (`k = nCritic`: the generator update). */
  seedDropout(k: number): void;
  /** Seed of the critic penalty's random numbers at critic update `k`. */
  penaltySeed(k: number): number;
  /** Differentiable augmentation of every critic input (the trainer's `diffAugment`), or none. */
  readonly augment?: DiffAugment | null;
  /**
   * Seed of the augmentation of critic input `part` (0 real, 1 generated, 2 the penalty's) at update
   * `k` (`k = nCritic`: the generator update).
   */
  augmentSeed?(k: number, part: number): number;
}

/**
 * The critic's input transform of a step context: DiffAugment with the update's seed, or the
 * identity. Steps call it on every image they give the critic.
 */
export function criticInput<T>(ctx: StepContext, o: LossOps<T>): (x: T, k: number, part: number) => T {
  const aug = ctx.augment;
  if (!aug) return (x) => x;
  if (!ctx.augmentSeed) throw new Error('Expected augmentSeed(k, part) in a step context with augment.');
  return (x, k, part) => aug.apply(o, x, ctx.augmentSeed!(k, part));
}

/** Losses of one step (the caller disposes them): the last critic update's, and the generator's. */
export interface StepResult { dLoss: Scalar; gLoss: Scalar; penalty?: Scalar }

/** Learning rates of the two networks. */
export interface LearningRates { generator: number; discriminator: number }

/** Optimizer state in tfjs Adam's `getWeights()` layout (`[iterations, m…, v…]`) per network. */
export interface OptimizerState { generator: Tensor[]; discriminator: Tensor[] }

/**
 * One training update, however it is computed. Only `name` and `run` are required; without
 * `optimizerState`/`loadOptimizerState` checkpoints hold weights only (a resume restarts Adam and
 * says so), without `setLearningRates` the trainer refuses `lrDecay`.
 *
 * @example
 * ```ts
 * // A custom step on the same objects: one critic and one generator update with tfjs autodiff.
 * const mine: StepFactory = ({ adam }) => {
 *   const opt = { generator: tf.train.adam(adam.generator.learningRate, 0.5), discriminator: tf.train.adam(adam.discriminator.learningRate, 0.5) };
 *   return { name: 'mine', run: (ctx) => autodiffUpdate(ctx, opt) };   // ctx.objective: the trainer's
 * };
 * new GanTrainer(gan, data, { step: mine });
 * ```
 */
export interface TrainStep {
  /** Shown by `trainer.stepMode` (`'native'`, `'autodiff'`, or the user's). */
  readonly name: string;
  /** Why a faster step was not used, when this one is a fallback. */
  readonly fallbackReason?: string;
  run(ctx: StepContext): StepResult;
  /**
   * Takes in state changed from outside the step (weights restored or set by hand) before `run`.
   * The trainer calls it outside a compiled step, so that every compiled step issues the same
   * kernels. Optional.
   */
  prepare?(): void;
  /** Changes the learning rates of the updates that follow (schedules). Absent: schedules are refused. */
  setLearningRates?(lr: LearningRates): void;
  /** The optimizer state for a checkpoint (new tensors; the caller disposes). Absent: checkpoints hold weights only. */
  optimizerState?(): Promise<OptimizerState>;
  /** Continues from a checkpoint's optimizer state (reads, does not dispose, the tensors). */
  loadOptimizerState?(s: OptimizerState): Promise<void>;
  dispose?(): void;
}

/** What a step is built from. */
export interface StepInit {
  generator: LayersModel;
  discriminator: LayersModel;
  objective: Objective;
  nCritic: number;
  adam: { generator: AdamParams; discriminator: AdamParams };
}

/** Builds a step for a GAN (the trainer calls it once, and again after replacing the objective). */
export type StepFactory = (init: StepInit) => TrainStep;

const varCache = new WeakMap<LayersModel, Variable[]>();
/** The trainable `tf.Variable`s of a model (cached). */
export function trainableVars(m: LayersModel): Variable[] {
  let v = varCache.get(m);
  if (!v) {
    v = m.trainableWeights.map((w) => w.read() as Variable);
    varCache.set(m, v);
  }
  return v;
}

/**
 * One step with tfjs autodiff (`optimizer.minimize`): the reference formulation every other
 * step is tested against. Critic update k: G(z_k), D(real), D(fake) and the penalty at D(x̂);
 * generator update: D(G(z)) with the updated critic.
 *
 * @example
 * ```ts
 * const r = autodiffUpdate(ctx, { generator: optG, discriminator: optD });
 * ```
 */
export function autodiffUpdate(ctx: StepContext, opt: { generator: Optimizer; discriminator: Optimizer }): StepResult {
  const o = tfjsOps, obj = ctx.objective, A = criticInput(ctx, o);
  const G = (z: Tensor, labels?: Tensor) => ctx.generator.apply(labels ? [z, labels] : z, { training: true }) as Tensor;
  const D = (x: Tensor, labels?: Tensor) => ctx.discriminator.apply(labels ? [x, labels] : x, { training: true }) as Tensor;
  let dLoss: Scalar | undefined, penalty: Scalar | undefined, labels: Tensor2D | undefined, z!: Tensor2D;
  for (let k = 0; k < ctx.nCritic; k++) {
    ctx.seedDropout(k);
    const b = ctx.batch(k);
    z = ctx.noise(k);
    dLoss?.dispose(); penalty?.dispose(); labels?.dispose();
    penalty = undefined;
    const seed = ctx.penaltySeed(k);
    dLoss = tf.tidy(() => opt.discriminator.minimize(() => {
      const fake = G(z, b.labels);
      const l = obj.discriminatorLoss(o, D(A(b.real, k, 0), b.labels), D(A(fake, k, 1), b.labels)) as Scalar;
      if (!obj.penalty) return l;
      const p = obj.penalty.value(o, (x) => D(A(x, k, 2), b.labels), b.real, fake, seed) as Scalar;
      penalty = tf.keep(p);
      return tf.add(l, tf.mul(p, obj.penalty.weight)) as Scalar;
    }, true, trainableVars(ctx.discriminator)) as Scalar);
    labels = b.labels;
    b.real.dispose();
    if (k < ctx.nCritic - 1) z.dispose();
  }
  ctx.seedDropout(ctx.nCritic);
  if (ctx.nCritic > 1) { z.dispose(); z = ctx.noise(ctx.nCritic); }
  const gLoss = tf.tidy(() => opt.generator.minimize(() => obj.generatorLoss(o, D(A(G(z, labels), ctx.nCritic, 1), labels)) as Scalar,
    true, trainableVars(ctx.generator)) as Scalar);
  z.dispose(); labels?.dispose();
  return penalty ? { dLoss: dLoss!, gLoss, penalty } : { dLoss: dLoss!, gLoss };
}

/** tfjs Adam's bias-correction accumulators (protected fields). */
interface AdamInternals { accBeta1: Variable; accBeta2: Variable; beta1: number; beta2: number }

/**
 * Loads a tfjs Adam from a checkpoint's state so that it continues exactly: tfjs' `setWeights`
 * recomputes β^t as a power, while training builds it by multiplication (0.9598098993 vs
 * 0.9598099589 after 40 steps of β₂ 0.999); this sets the product.
 */
async function loadAdam(opt: Optimizer, ws: Tensor[]): Promise<void> {
  if (!ws.length) return;
  await opt.setWeights(ws.map((tensor, i) => ({ name: `w${i}`, tensor })));
  const a = opt as unknown as AdamInternals, t = ws[0].dataSync()[0];
  tf.tidy(() => {
    a.accBeta1.assign(tf.scalar(accumulatedBeta(a.beta1, t + 1)));
    a.accBeta2.assign(tf.scalar(accumulatedBeta(a.beta2, t + 1)));
  });
}

/**
 * tfjs' "Cannot compute gradient: gradient function not found for AvgPoolGrad" said in the user's
 * terms: which op, that a penalty differentiates the critic twice, and why the native engine
 * (which differentiates twice where tfjs cannot) did not run. Other errors pass through unchanged.
 */
function explainMissingGradient(err: unknown, penalty: string | undefined, fallbackReason: string | undefined): unknown {
  const m = /gradient function not found for (\w+)/.exec(String((err as Error)?.message ?? err));
  if (!m) return err;
  const twice = penalty && /Grad$/.test(m[1]) ? ` (the ${penalty} differentiates the critic twice: ${m[1]} is the gradient of an op in it)` : '';
  const engine = fallbackReason
    ? ` The native engine, which has its own gradients, is not running this network: ${fallbackReason}.`
    : ' Try the native engine (fastStep: true, the default on native TensorFlow), which has its own gradients.';
  return new Error(`Expected a network tfjs' autodiff can differentiate; got the op ${m[1]}, which has no gradient in tfjs${twice}.${engine}`);
}

/** The autodiff step with its own tfjs Adam pair (see {@link autodiffUpdate}). */
export interface AutodiffStep extends TrainStep {
  /** The tfjs optimizers it steps with (replaced when a checkpoint is loaded). */
  readonly optimizers: { generator: Optimizer; discriminator: Optimizer };
}

/**
 * The reference step as a {@link StepFactory}: tfjs autodiff and tfjs Adam. Runs any network,
 * any objective, on any backend; slower than the native engine.
 *
 * @example
 * ```ts
 * new GanTrainer(gan, data, { step: autodiffStep });   // same as { fastStep: false }
 * ```
 */
export function autodiffStep(init: StepInit, fallbackReason?: string): AutodiffStep {
  const make = () => ({
    generator: tf.train.adam(init.adam.generator.learningRate, init.adam.generator.beta1, init.adam.generator.beta2, init.adam.generator.epsilon),
    discriminator: tf.train.adam(init.adam.discriminator.learningRate, init.adam.discriminator.beta1, init.adam.discriminator.beta2, init.adam.discriminator.epsilon),
  });
  let opt = make();
  return {
    name: 'autodiff', fallbackReason,
    get optimizers() { return opt; },
    run(ctx) {
      try {
        return autodiffUpdate(ctx, opt);
      } catch (err) {
        throw explainMissingGradient(err, ctx.objective.penalty?.name, fallbackReason);
      }
    },
    setLearningRates(lr) {
      (opt.generator as unknown as { learningRate: number }).learningRate = lr.generator;
      (opt.discriminator as unknown as { learningRate: number }).learningRate = lr.discriminator;
    },
    async optimizerState() {
      const read = async (o: Optimizer) => (await o.getWeights()).map((w) => (w.tensor instanceof tf.Variable ? w.tensor.clone() : w.tensor));
      return { generator: await read(opt.generator), discriminator: await read(opt.discriminator) };
    },
    async loadOptimizerState(s) {
      const lrs = { generator: (opt.generator as unknown as { learningRate: number }).learningRate, discriminator: (opt.discriminator as unknown as { learningRate: number }).learningRate };
      opt.generator.dispose(); opt.discriminator.dispose();
      opt = make();
      this.setLearningRates!(lrs);
      await loadAdam(opt.generator, s.generator);
      await loadAdam(opt.discriminator, s.discriminator);
    },
    dispose() { opt.generator.dispose(); opt.discriminator.dispose(); },
  };
}
