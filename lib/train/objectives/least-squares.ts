/**
 * The least-squares objective (Mao et al. 2017, "Least Squares Generative Adversarial
 * Networks", eq. 2 with a = 0, b = c = 1): D minimises ½E[(D(x) − 1)²] + ½E[D(G(z))²], G
 * minimises ½E[(D(G(z)) − 1)²]. Defaults: the paper's Adam (lr 2e-4, β₁ 0.5).
 */
import { registerObjective } from './registry';
import { withPenalties } from './common';
import type { Objective, ObjectiveOptions } from './types';

/**
 * @example
 * ```ts
 * new GanTrainer(buildGan(dcgan({ loss: 'least-squares' })), data);
 * ```
 */
export function leastSquares(opts: ObjectiveOptions = {}): Objective {
  return withPenalties({
    name: 'least-squares',
    defaults: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999, nCritic: 1 },
    discriminatorLoss: (o, real, fake) => o.scale(o.add(o.mean(o.square(o.shift(real, -1))), o.mean(o.square(fake))), 0.5),
    generatorLoss: (o, fake) => o.scale(o.mean(o.square(o.shift(fake, -1))), 0.5),
  }, opts);
}

registerObjective('least-squares', leastSquares);
