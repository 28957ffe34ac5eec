/**
 * The Wasserstein objective with gradient penalty (Gulrajani et al. 2017, "Improved Training of
 * Wasserstein GANs", Algorithm 1): the critic minimises E[D(G(z))] − E[D(x)] + λ·GP, the
 * generator −E[D(G(z))]. Defaults from Algorithm 1: λ = 10, n_critic = 5, Adam(1e-4, β₁ 0, β₂ 0.9).
 */
import { registerObjective } from './registry';
import { gradientPenaltyOf } from './penalties';
import { checkObjectiveOptions } from './common';
import type { Objective, ObjectiveOptions } from './types';

/**
 * @example
 * ```ts
 * new GanTrainer(buildGan(wganGp()), data);                    // config loss 'wgan-gp'
 * new GanTrainer(gan, data, { objective: wassersteinGp({ gpWeight: 5 }) });
 * ```
 * @throws Error when gpWeight is not > 0, or with labelSmoothing / r1Gamma (other objectives' options).
 */
export function wassersteinGp(opts: ObjectiveOptions = {}): Objective {
  checkObjectiveOptions(opts, 'wgan-gp');
  if (opts.labelSmoothing) throw new Error(`Expected no labelSmoothing with the Wasserstein objective (it has no labels); got ${opts.labelSmoothing}.`);
  if (opts.r1Gamma) throw new Error(`Expected r1Gamma 0 with WGAN-GP (it has its own gradient penalty, gpWeight); got ${opts.r1Gamma}.`);
  return {
    name: 'wgan-gp',
    defaults: { lrG: 1e-4, lrD: 1e-4, beta1: 0, beta2: 0.9, nCritic: 5 },
    discriminatorLoss: (o, real, fake) => o.sub(o.mean(fake), o.mean(real)),
    generatorLoss: (o, fake) => o.neg(o.mean(fake)),
    penalty: gradientPenaltyOf(opts.gpWeight ?? 10),
  };
}

registerObjective('wgan-gp', wassersteinGp);
