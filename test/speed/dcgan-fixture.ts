/** The reference DCGAN (lib/train/fast-reference.ts) with seeded weights, and a weight copier. */
import { type LayersModel } from '../../lib/backend';
import { referenceDcgan as build } from '../../lib/train/fast-reference';

export function referenceDcgan(seed = 1): { g: LayersModel; d: LayersModel } {
  return build({ seed });
}

/** Copies all weights (trainable and moving statistics) of `from` into `to`. */
export function copyWeights(from: LayersModel, to: LayersModel): void {
  to.setWeights(from.getWeights());
}
