/**
 * `createFastGanStep`: the native engine (`./engine`) as a standalone step for a pair of networks
 * with the non-saturating objective and their tfjs Adam optimizers — what the speed bench and
 * `npm run gpu-check` time against the reference formulation ({@link referenceGanStep}, the
 * step of `../shared/reference/tfjs_dcgan.js`). `GanTrainer` uses the engine directly
 * (`./engine/native-step`); see `docs/speed.md` for what makes it fast.
 *
 * @example
 * ```ts
 * const optG = tf.train.adam(2e-4, 0.5), optD = tf.train.adam(2e-4, 0.5);
 * const fast = createFastGanStep({ generator: g, discriminator: d }, { generator: optG, discriminator: optD });
 * const { dLoss, gLoss } = fast.step({ real, z });   // z: [batch, latentDim]
 * console.log(fast.mode, dLoss.dataSync()[0], gLoss.dataSync()[0]);
 * dLoss.dispose(); gLoss.dispose();
 * fast.dispose(); // frees its Adam state and helper constants (not the models)
 * ```
 */
import { tf, type LayersModel, type Optimizer, type Scalar, type Tensor, type Variable } from '../backend';
import { nativeStep } from './engine/native-step';
import { Unsupported } from './engine/tape';
import type { AdamParams } from './engine/adam';
import { nonSaturating } from './objectives/index';
import type { StepContext, TrainStep } from './train-step';

/** The two networks (same field names as `StepModels` in `./step`). */
export interface FastStepModels { generator: LayersModel; discriminator: LayersModel }
/** Their optimizers (same field names as `StepOptimizers` in `./step`). */
export interface FastStepOptimizers { generator: Optimizer; discriminator: Optimizer }

export interface FastStepOptions {
  /** Force the reference formulation (for comparisons). Default false. */
  forceReference?: boolean;
  /**
   * Run the engine with ordinary tfjs ops (`portableOps`) instead of raw TensorFlow kernels, so it
   * works on any backend (WebGPU, pure JS). Default: false (non-native backends get the
   * reference formulation). Unmeasured on WebGPU: `npm run gpu-check` times it.
   */
  portable?: boolean;
}

/** One step's inputs: real images `[n, h, w, c]` in [-1, 1] and latent noise `[n, latentDim]`. */
export interface FastStepBatch { real: Tensor; z: Tensor }

/** The step object returned by {@link createFastGanStep}. */
export interface FastGanStep {
  /** `'fast'` (the native engine) or `'reference'` (the fallback). */
  readonly mode: 'fast' | 'reference';
  /** Why the fallback was taken (undefined in fast mode). */
  readonly reason?: string;
  /** Number of updates done so far. */
  readonly iterations: number;
  /**
   * One discriminator update then one generator update (non-saturating BCE on logits, same z).
   * Returns the two losses (D's before its update, G's with the updated D); the caller disposes them.
   */
  step(batch: FastStepBatch): { dLoss: Scalar; gLoss: Scalar };
  /**
   * Fast mode keeps its own Adam moments. This writes them into the optimizers given at creation
   * (`optimizer.setWeights`, tfjs' slot layout: iterations, then every m, then every v, in
   * `model.trainableWeights` order). No-op in reference mode.
   */
  exportToOptimizers(): Promise<void>;
  /** Sets the Adam learning rates of the updates that follow. */
  setLearningRates(lr: { generator: number; discriminator: number }): void;
  /** The reverse of {@link exportToOptimizers}: continues from the optimizers' state. No-op in reference mode. */
  importFromOptimizers(): Promise<void>;
  /** Frees the optimizer state and kept constants (the models are left alone). */
  dispose(): void;
}

function adamParams(opt: Optimizer | undefined, what: string): AdamParams {
  const defaults = { learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };
  if (!opt) return defaults;
  if (opt.getClassName() !== 'Adam') throw new Unsupported(`${what} optimizer is ${opt.getClassName()}, not Adam`);
  const c = opt.getConfig() as Partial<AdamParams>;
  return {
    learningRate: c.learningRate ?? defaults.learningRate, beta1: c.beta1 ?? defaults.beta1,
    beta2: c.beta2 ?? defaults.beta2, epsilon: c.epsilon ?? tf.backend().epsilon(),
  };
}

// ---------------------------------------------------------------------------------------------
// The reference formulation (fallback, and what the fast step is tested against).

/**
 * The reference GAN step of `../shared/reference/tfjs_dcgan.js` with explicit inputs: D update
 * (`optD.minimize` over D's weights; G(z), then D on real, then D on fake, in training mode), then G update
 * (`optG.minimize` over G's weights), non-saturating BCE on logits.
 *
 * @example
 * ```ts
 * const { dLoss, gLoss } = referenceGanStep({ generator: g, discriminator: d }, { generator: optG, discriminator: optD }, { real, z });
 * ```
 */
export function referenceGanStep(m: FastStepModels, opt: FastStepOptimizers, b: FastStepBatch): { dLoss: Scalar; gLoss: Scalar } {
  const bce = (labels: Tensor, logits: Tensor) => tf.losses.sigmoidCrossEntropy(labels, logits) as Scalar;
  const G = (z: Tensor) => m.generator.apply(z, { training: true }) as Tensor;
  const D = (x: Tensor) => m.discriminator.apply(x, { training: true }) as Tensor;
  const vars = (net: LayersModel) => net.trainableWeights.map((w) => w.read() as Variable);
  const dLoss = tf.tidy(() => opt.discriminator.minimize(() => {
    const fake = G(b.z), rr = D(b.real), fr = D(fake);
    return tf.add(bce(tf.onesLike(rr), rr), bce(tf.zerosLike(fr), fr)) as Scalar;
  }, true, vars(m.discriminator)) as Scalar);
  const gLoss = tf.tidy(() => opt.generator.minimize(() => {
    const fr = D(G(b.z));
    return bce(tf.onesLike(fr), fr);
  }, true, vars(m.generator)) as Scalar);
  return { dLoss, gLoss };
}

// ---------------------------------------------------------------------------------------------

/**
 * Builds a GAN training step for `models` on the native engine when the backend, models and
 * optimizers allow it, else the reference formulation (`mode`, `reason` say which and why).
 *
 * The optimizers' hyper-parameters are read once (`getConfig()`); in fast mode their internal
 * state is NOT used or advanced (see {@link FastGanStep.exportToOptimizers}).
 *
 * @param models G (`z → image`) and D (`image → logits`, no final sigmoid).
 * @param optimizers Adam optimizers (default: `tf.train.adam(2e-4, 0.5)` for both).
 * @throws Error (from `step`) when real and z disagree in batch size or a shape does not fit the models.
 * @example
 * ```ts
 * const fast = createFastGanStep({ generator: g, discriminator: d });
 * for (let i = 0; i < 100; i++) {
 *   const z = tf.randomNormal([64, 100]);
 *   const { dLoss, gLoss } = fast.step({ real: batch, z });
 *   z.dispose(); dLoss.dispose(); gLoss.dispose();
 * }
 * ```
 */
export function createFastGanStep(models: FastStepModels, optimizers?: Partial<FastStepOptimizers>, options: FastStepOptions = {}): FastGanStep {
  const own: Optimizer[] = [];
  const mk = () => { const o = tf.train.adam(2e-4, 0.5); own.push(o); return o; };
  const opt = { generator: optimizers?.generator ?? mk(), discriminator: optimizers?.discriminator ?? mk() };
  let engine: TrainStep | null = null, reason: string | undefined;
  const objective = nonSaturating();
  try {
    if (options.forceReference) throw new Unsupported('forceReference');
    if (models.generator.inputs.length !== 1 || models.discriminator.inputs.length !== 1) {
      throw new Unsupported('conditional models (labels are not part of FastStepBatch: train them with GanTrainer, whose native step takes labels)');
    }
    engine = nativeStep({
      generator: models.generator, discriminator: models.discriminator, objective, nCritic: 1,
      adam: { generator: adamParams(optimizers?.generator, 'generator'), discriminator: adamParams(optimizers?.discriminator, 'discriminator') },
    }, { portable: options.portable });
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    reason = err.message;
  }
  let iterations = 0;
  const check = ({ real, z }: FastStepBatch) => {
    if (real.shape[0] !== z.shape[0]) throw new Error(`Expected real and z with the same batch size; got ${real.shape[0]} and ${z.shape[0]}.`);
    const zShape = models.generator.inputs[0].shape, xShape = models.discriminator.inputs[0].shape;
    const mismatch = (t: Tensor, want: (number | null)[]) => t.rank !== want.length || want.some((d, i) => i > 0 && d != null && d !== t.shape[i]);
    if (mismatch(z, zShape)) throw new Error(`Expected z of shape [n, ${zShape.slice(1).join(', ')}]; got [${z.shape.join(', ')}].`);
    if (mismatch(real, xShape)) throw new Error(`Expected real images of shape [n, ${xShape.slice(1).join(', ')}]; got [${real.shape.join(', ')}].`);
  };
  return {
    mode: engine ? 'fast' : 'reference', reason,
    get iterations() { return iterations; },
    step(b) {
      check(b);
      iterations++;
      if (!engine) return referenceGanStep(models, opt, b);
      const ctx: StepContext = {
        generator: models.generator, discriminator: models.discriminator, objective, nCritic: 1,
        batch: () => ({ real: b.real as never }), noise: () => b.z as never, seedDropout: () => undefined, penaltySeed: () => 0,
      };
      const { dLoss, gLoss } = engine.run(ctx);
      return { dLoss, gLoss };
    },
    async exportToOptimizers() {
      if (!engine) return;
      const s = await engine.optimizerState!();
      for (const which of ['generator', 'discriminator'] as const) {
        const o = opt[which];
        const slots = o as unknown as AdamSlots;
        for (const x of [...(slots.accumulatedFirstMoment ?? []), ...(slots.accumulatedSecondMoment ?? [])]) x.variable.dispose();
        await o.setWeights(s[which].map((tensor, i) => ({ name: `${which}/${i}`, tensor })));
        tf.dispose(s[which]);
      }
    },
    async importFromOptimizers() {
      if (!engine) return;
      const read = async (o: Optimizer) => (await o.getWeights()).map((w) => w.tensor);
      const s = { generator: await read(opt.generator), discriminator: await read(opt.discriminator) };
      if (s.generator.length < 2) { tf.dispose([s.generator[0], s.discriminator[0]]); return; } // no state yet
      await engine.loadOptimizerState!(s);
      iterations = s.generator[0].dataSync()[0];
      tf.dispose([s.generator[0], s.discriminator[0]]); // the iteration counts are fresh tensors; the moments are the optimizers'
    },
    setLearningRates(lr) { if (engine) engine.setLearningRates!(lr); else setAdamLearningRates(opt, lr); },
    dispose() { engine?.dispose?.(); own.forEach((o) => o.dispose()); },
  };
}

/** tfjs Adam's private slots (to dispose the old ones before `setWeights`, which would leak them). */
interface AdamSlots { accumulatedFirstMoment?: { variable: Tensor }[]; accumulatedSecondMoment?: { variable: Tensor }[] }

/**
 * Changes the learning rates of a pair of tfjs Adam optimizers in place. tfjs reads its (protected)
 * `learningRate` field on every `applyGradients`, so this keeps the moments and iteration count.
 */
export function setAdamLearningRates(opt: FastStepOptimizers, lr: { generator: number; discriminator: number }): void {
  for (const which of ['generator', 'discriminator'] as const) {
    const o = opt[which];
    if (o.getClassName() !== 'Adam') throw new Error(`Expected an Adam ${which} optimizer for a learning-rate schedule; got ${o.getClassName()}.`);
    (o as unknown as { learningRate: number }).learningRate = lr[which];
  }
}
