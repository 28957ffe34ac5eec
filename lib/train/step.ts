/**
 * The core GAN training step, small and separate so it can be read, replaced or profiled on
 * its own. Same shape as the reference step of `../shared/reference/tfjs_dcgan.js`: a critic
 * update (`optD.minimize` over D's weights), then a generator update (`optG.minimize` over G's),
 * both in `tf.tidy`; only the loss scalars survive (the caller disposes them).
 */
import { tf, type LayersModel, type Optimizer, type Scalar, type Tensor, type Variable } from '../backend';
import { gradientPenalty, type GanLosses } from './losses';

export interface StepModels { generator: LayersModel; discriminator: LayersModel }
export interface StepOptimizers { generator: Optimizer; discriminator: Optimizer }

/** Inputs of one update: real images in [-1, 1], latent noise, and (conditional) labels `[n, 1]`. */
export interface StepBatch {
  real: Tensor;
  z: Tensor;
  labels?: Tensor;
  /** Seed of the gradient penalty's interpolation weights. */
  seed?: number;
}

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

const gen = (m: StepModels, b: StepBatch) => m.generator.apply(b.labels ? [b.z, b.labels] : b.z, { training: true }) as Tensor;
const disc = (m: StepModels, x: Tensor, b: StepBatch) => m.discriminator.apply(b.labels ? [x, b.labels] : x, { training: true }) as Tensor;

/**
 * One discriminator (critic) update. Returns its loss (and the gradient penalty when
 * `gpWeight > 0`), kept outside the tidy for the caller to read and dispose.
 *
 * @example
 * ```ts
 * const { loss } = discriminatorStep(gan, optD, { real, z }, nonSaturatingLoss());
 * ```
 */
export function discriminatorStep(
  m: StepModels, opt: Optimizer, b: StepBatch, losses: GanLosses, gpWeight = 0,
): { loss: Scalar; gp?: Scalar } {
  let gp: Scalar | undefined;
  const loss = tf.tidy(() => opt.minimize(() => {
    const fake = gen(m, b);
    const l = losses.discriminator(disc(m, b.real, b), disc(m, fake, b));
    if (gpWeight <= 0) return l;
    const p = gradientPenalty(m.discriminator, b.real, fake, { seed: b.seed, labels: b.labels });
    gp = tf.keep(p);
    return tf.add(l, tf.mul(p, gpWeight)) as Scalar;
  }, true, trainableVars(m.discriminator)) as Scalar);
  return gp ? { loss, gp } : { loss };
}

/**
 * One generator update: scores fresh generated images through D.
 *
 * @example
 * ```ts
 * const gLoss = generatorStep(gan, optG, { real, z }, nonSaturatingLoss());
 * ```
 */
export function generatorStep(m: StepModels, opt: Optimizer, b: StepBatch, losses: GanLosses): Scalar {
  return tf.tidy(() => opt.minimize(() => losses.generator(disc(m, gen(m, b), b)), true, trainableVars(m.generator)) as Scalar);
}

/**
 * The reference GAN step (one critic update, one generator update, same noise), as a function
 * of plain objects: the unit a faster implementation can replace.
 *
 * @example
 * ```ts
 * const { dLoss, gLoss } = ganStep(gan, { generator: optG, discriminator: optD }, { real, z }, nonSaturatingLoss());
 * console.log(dLoss.dataSync()[0]); dLoss.dispose(); gLoss.dispose();
 * ```
 */
export function ganStep(
  m: StepModels, opt: StepOptimizers, b: StepBatch, losses: GanLosses, gpWeight = 0,
): { dLoss: Scalar; gLoss: Scalar; gp?: Scalar } {
  const d = discriminatorStep(m, opt.discriminator, b, losses, gpWeight);
  const gLoss = generatorStep(m, opt.generator, b, losses);
  return d.gp ? { dLoss: d.loss, gLoss, gp: d.gp } : { dLoss: d.loss, gLoss };
}
