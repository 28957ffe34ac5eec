/**
 * The standard GAN objective with the non-saturating generator loss (Goodfellow et al. 2014,
 * "Generative Adversarial Nets", §3): D minimises BCE(real → 1) + BCE(fake → 0), G minimises
 * BCE(fake → 1) = mean softplus(−D(G(z))). Optional one-sided label smoothing (Salimans et al.
 * 2016, "Improved Techniques for Training GANs", §3.4): real targets 1 − s. Defaults: the DCGAN
 * paper's Adam (2e-4, β₁ 0.5).
 */
import { registerObjective } from './registry';
import { checkObjectiveOptions, withPenalties } from './common';
import type { LossOps, Objective, ObjectiveOptions } from './types';

/** BCE of logits x against target t, per element: softplus(x) − t·x. */
const bce = <T>(o: LossOps<T>, x: T, target: number): T =>
  (target === 1 ? o.softplus(o.neg(x)) : target === 0 ? o.softplus(x) : o.sub(o.softplus(x), o.scale(x, target)));

/**
 * @example
 * ```ts
 * new GanTrainer(gan, data, { objective: nonSaturating({ labelSmoothing: 0.1 }) });
 * ```
 * @throws Error when labelSmoothing is outside [0, 1).
 */
export function nonSaturating(opts: ObjectiveOptions = {}): Objective {
  checkObjectiveOptions(opts, 'non-saturating');
  const s = opts.labelSmoothing ?? 0;
  if (!(typeof s === 'number' && s >= 0 && s < 1)) throw new Error(`Expected labelSmoothing a number in [0, 1); got ${JSON.stringify(s)}.`);
  return withPenalties({
    name: s ? `non-saturating (label smoothing ${s})` : 'non-saturating',
    defaults: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999, nCritic: 1 },
    discriminatorLoss: (o, real, fake) => o.add(o.mean(bce(o, real, 1 - s)), o.mean(bce(o, fake, 0))),
    generatorLoss: (o, fake) => o.mean(bce(o, fake, 1)),
  }, opts);
}

registerObjective('nonsaturating', nonSaturating);
