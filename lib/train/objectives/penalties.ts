/**
 * Critic penalties that differentiate the critic w.r.t. its input: the WGAN-GP gradient penalty
 * (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", eq. 3: λ·E[(‖∇x̂ D(x̂)‖₂ − 1)²]
 * at random interpolates x̂ = ε·x + (1 − ε)·G(z), ε ~ U[0, 1]) and R1 (Mescheder et al. 2018,
 * "Which Training Methods for GANs do actually Converge?", eq. 9: γ/2·E[‖∇x D(x)‖²] on real data).
 */
import { tf } from '../../backend';
import type { LossOps, Penalty } from './types';

const check = (ok: boolean, msg: string) => { if (!ok) throw new Error(msg); };

/**
 * WGAN-GP's gradient penalty with weight λ (paper: 10). ε is drawn per sample from `seed`, so
 * the reference step and the native engine see the same interpolates.
 *
 * @throws Error when `weight` is not a finite number > 0.
 * @example
 * ```ts
 * const objective = { ...wasserstein(), penalty: gradientPenaltyOf(10) };
 * ```
 */
export function gradientPenaltyOf(weight = 10): Penalty {
  check(Number.isFinite(weight) && weight > 0, `Expected a gradient-penalty weight > 0; got ${weight}.`);
  return {
    name: 'gradient penalty', weight,
    value<T>(o: LossOps<T>, critic: (x: T) => T, real: T, fake: T, seed: number): T {
      const n = o.shape(real)[0], rank = o.shape(real).length;
      const eps = o.constant(tf.randomUniform([n, ...new Array(rank - 1).fill(1)], 0, 1, 'float32', seed));
      const xhat = o.add(o.mul(real, eps), o.mul(fake, o.shift(o.neg(eps), 1)));
      const g = o.gradInput(critic, xhat);
      const norm = o.sqrt(o.shift(o.sumPerSample(o.square(g)), 1e-12));
      return o.mean(o.square(o.shift(norm, -1)));
    },
  };
}

/**
 * The R1 penalty `γ/2 · E‖∇x D(x)‖²` on real images (paper: γ = 10 for many datasets).
 *
 * @throws Error when `gamma` is not a finite number > 0.
 * @example
 * ```ts
 * new GanTrainer(gan, data, { r1Gamma: 10 }); // non-saturating + R1
 * ```
 */
export function r1PenaltyOf(gamma = 10): Penalty {
  check(Number.isFinite(gamma) && gamma > 0, `Expected an R1 gamma > 0; got ${gamma}.`);
  return {
    name: 'R1', weight: gamma / 2,
    value<T>(o: LossOps<T>, critic: (x: T) => T, real: T): T {
      return o.mean(o.sumPerSample(o.square(o.gradInput(critic, real))));
    },
  };
}
