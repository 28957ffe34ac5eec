/**
 * What an objective is: discriminator (critic) and generator losses written once against a small
 * set of math ops ({@link LossOps}), so the same definition runs on tfjs' autodiff (the
 * reference step) and on the native engine's tape, plus the optimizer defaults it is known to
 * need. A new objective is one file: an object of this shape and a `registerObjective` line.
 */
import type { Tensor } from '../../backend';

/** The math an objective may use; `T` is a tfjs tensor or a native-engine value. */
export interface LossOps<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  /** `a · k` for a number `k`. */
  scale(a: T, k: number): T;
  /** `a + k` for a number `k`. */
  shift(a: T, k: number): T;
  neg(a: T): T;
  square(a: T): T;
  sqrt(a: T): T;
  softplus(a: T): T;
  relu(a: T): T;
  /** Mean over all elements (a scalar). */
  mean(a: T): T;
  /** Sum over every axis but the first: `[n, …] → [n]`. */
  sumPerSample(a: T): T;
  /** The same values in another shape (as many elements). */
  reshape(a: T, shape: number[]): T;
  /** Matrix product of `[…, m, k]` and `[…, k, p]` (equal leading batch dimensions, or none). */
  matMul(a: T, b: T): T;
  /** A constant tensor (no gradient). */
  constant(t: Tensor): T;
  /**
   * `∇x Σ f(x)`, itself differentiable w.r.t. the weights `f` uses (a double backward): what
   * gradient penalties need.
   */
  gradInput(f: (x: T) => T, x: T): T;
  /** Shape of a value. */
  shape(a: T): number[];
}

/** Optimizer settings an objective is known to need (the trainer's defaults for it). */
export interface ObjectiveDefaults {
  /** Generator / discriminator Adam learning rates. */
  lrG: number;
  lrD: number;
  /** Adam betas. */
  beta1: number;
  beta2: number;
  /** Critic updates per generator update. */
  nCritic: number;
}

/** A regulariser of the critic that needs `∇x D(x)` (gradient penalty, R1). */
export interface Penalty {
  readonly name: string;
  /** Multiplier of the penalty in the critic's loss. */
  readonly weight: number;
  /**
   * The penalty's value (a scalar) for critic `critic` on this critic update's real and
   * (detached) generated images; `seed` seeds any random numbers it draws.
   */
  value<T>(o: LossOps<T>, critic: (x: T) => T, real: T, fake: T, seed: number): T;
}

/**
 * An adversarial objective on discriminator logits (exported from `./lib` as
 * `AdversarialObjective`; `Objective` there is the tuner's).
 *
 * @example
 * ```ts
 * const hingeLike: Objective = {
 *   name: 'hinge', defaults: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999, nCritic: 1 },
 *   discriminatorLoss: (o, r, f) => o.add(o.mean(o.relu(o.shift(o.neg(r), 1))), o.mean(o.relu(o.shift(f, 1)))),
 *   generatorLoss: (o, f) => o.neg(o.mean(f)),
 * };
 * ```
 */
export interface Objective {
  /** Name shown in logs and run names (e.g. `'hinge'`, `'wgan-gp'`). */
  readonly name: string;
  readonly defaults: ObjectiveDefaults;
  /** Critic loss from its logits on real and on generated images (`[n, 1]` each): a scalar. */
  discriminatorLoss<T>(o: LossOps<T>, realLogits: T, fakeLogits: T): T;
  /** Generator loss from the critic's logits on generated images: a scalar. */
  generatorLoss<T>(o: LossOps<T>, fakeLogits: T): T;
  /** Added to the critic's loss (times its weight) on every critic update. */
  readonly penalty?: Penalty;
}

/** Options the registry passes to an objective's factory (each factory rejects what it does not take). */
export interface ObjectiveOptions {
  /** One-sided label smoothing (non-saturating only). */
  labelSmoothing?: number;
  /** Weight of the WGAN-GP gradient penalty (0 = none). */
  gpWeight?: number;
  /** γ of the R1 penalty `γ/2 · E‖∇D(x_real)‖²` (0 = none). */
  r1Gamma?: number;
}
