/**
 * The hinge objective (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, "Spectral
 * Normalization for GANs", eq. 17): D minimises E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))],
 * G minimises −E[D(G(z))]. Defaults: the SNGAN paper's setting (Adam 2e-4, β₁ 0.5, β₂ 0.999,
 * one critic update).
 */
import { registerObjective } from './registry';
import { withPenalties } from './common';
import type { Objective, ObjectiveOptions } from './types';

/**
 * @example
 * ```ts
 * new GanTrainer(buildGan(sngan()), data);                // config loss 'hinge'
 * new GanTrainer(gan, data, { objective: hinge() });       // any network
 * ```
 */
export function hinge(opts: ObjectiveOptions = {}): Objective {
  return withPenalties({
    name: 'hinge',
    defaults: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999, nCritic: 1 },
    discriminatorLoss: (o, real, fake) => o.add(o.mean(o.relu(o.shift(o.neg(real), 1))), o.mean(o.relu(o.shift(fake, 1)))),
    generatorLoss: (o, fake) => o.neg(o.mean(fake)),
  }, opts);
}

registerObjective('hinge', hinge);
