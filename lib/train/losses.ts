/**
 * GAN objectives on discriminator logits. Each is a pair of functions a custom step can call
 * directly; {@link GanTrainer} picks one from the config's `loss` field.
 */
import { tf, type LayersModel, type Scalar, type Tensor } from '../backend';

/** A GAN objective: discriminator (critic) loss and generator loss, from logits. */
export interface GanLosses {
  readonly name: string;
  /** Loss of the discriminator given its logits on real and on generated images. */
  discriminator(realLogits: Tensor, fakeLogits: Tensor): Scalar;
  /** Loss of the generator given the discriminator's logits on generated images. */
  generator(fakeLogits: Tensor): Scalar;
}

/**
 * Comparison ops are piecewise constant, so their gradient is zero; tfjs registers none, which
 * breaks second-order gradients through LeakyReLU (its gradient uses `greater`). Registered once,
 * only where tfjs has no gradient of its own.
 */
function ensureZeroGradients(): void {
  for (const kernelName of ['Greater', 'GreaterEqual', 'Less', 'LessEqual']) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName, inputsToSave: ['a', 'b'],
      gradFunc: (_dy: Tensor | Tensor[], saved: Tensor[]) => ({ a: () => tf.zerosLike(saved[0]), b: () => tf.zerosLike(saved[1]) }),
    });
  }
}

const bce = (labels: Tensor, logits: Tensor) => tf.losses.sigmoidCrossEntropy(labels, logits) as Scalar;

/**
 * The standard GAN loss with the non-saturating generator objective (G maximises log D(G(z))),
 * and optional one-sided label smoothing (real targets `1 - labelSmoothing`).
 *
 * This is the *adversarial* objective: D sees real images labelled real and generated images
 * labelled fake; G is scored only through D. (The widely copied FC-GAN tutorial code instead
 * trains G with MSE to real images and shows D noise as "real" — that is not a GAN.)
 *
 * @example
 * ```ts
 * const l = nonSaturatingLoss({ labelSmoothing: 0.1 });
 * l.discriminator(dReal, dFake); l.generator(dFake);
 * ```
 */
export function nonSaturatingLoss(opts: { labelSmoothing?: number } = {}): GanLosses {
  const s = opts.labelSmoothing ?? 0;
  if (!(s >= 0 && s < 1)) throw new Error(`Expected labelSmoothing in [0, 1); got ${s}.`);
  return {
    name: s ? `non-saturating (label smoothing ${s})` : 'non-saturating',
    discriminator(real, fake) {
      const realTarget = s ? tf.fill(real.shape, 1 - s) : tf.onesLike(real);
      return tf.add(bce(realTarget, real), bce(tf.zerosLike(fake), fake)) as Scalar;
    },
    generator(fake) {
      return bce(tf.onesLike(fake), fake);
    },
  };
}

/**
 * Wasserstein critic and generator losses (use with {@link gradientPenalty}, n_critic > 1).
 *
 * @example
 * ```ts
 * const l = wassersteinLoss();
 * l.discriminator(cReal, cFake); // mean(cFake) - mean(cReal)
 * ```
 */
export function wassersteinLoss(): GanLosses {
  return {
    name: 'wasserstein',
    discriminator: (real, fake) => tf.sub(tf.mean(fake), tf.mean(real)) as Scalar,
    generator: (fake) => tf.neg(tf.mean(fake)) as Scalar,
  };
}

/**
 * WGAN-GP gradient penalty: `mean((‖∇x D(x̂)‖₂ − 1)²)` at random interpolates x̂ of real and
 * fake images (seeded). Differentiable with respect to the critic's weights.
 *
 * @example
 * ```ts
 * const gp = gradientPenalty(critic, real, fake, { seed: 1 });
 * ```
 */
export function gradientPenalty(
  critic: LayersModel, real: Tensor, fake: Tensor, opts: { seed?: number; labels?: Tensor } = {},
): Scalar {
  ensureZeroGradients();
  const n = real.shape[0];
  const eps = tf.randomUniform([n, 1, 1, 1], 0, 1, 'float32', opts.seed);
  const xhat = tf.add(tf.mul(real, eps), tf.mul(fake, tf.sub(1, eps)));
  const grad = tf.grad((x: Tensor) => {
    const out = critic.apply(opts.labels ? [x, opts.labels] : x, { training: true }) as Tensor;
    return tf.sum(out);
  })(xhat);
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(grad), [1, 2, 3]), 1e-12));
  return tf.mean(tf.square(tf.sub(norm, 1))) as Scalar;
}
