/** Every objective (each file registers itself by name), and the objective API. */
export { nonSaturating } from './non-saturating';
export { hinge } from './hinge';
export { leastSquares } from './least-squares';
export { wassersteinGp } from './wasserstein';
export { gradientPenaltyOf, r1PenaltyOf } from './penalties';
export { assertObjective, objectiveFor, objectiveNames, registerObjective } from './registry';
export { tfjsOps } from './tfjs-ops';
export type { LossOps, Objective, ObjectiveDefaults, ObjectiveOptions, Penalty } from './types';
