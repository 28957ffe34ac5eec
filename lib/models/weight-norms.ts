/**
 * Weight normalisations by name (a network config's `weightNorm`): a function that takes a
 * freshly made Dense / Conv2D / Conv2DTranspose layer (not yet applied) and returns the layer to
 * use in its place. `'none'` is built in; `./layers/spectral-norm` registers `'spectral'`.
 */
import type { LayersModel } from '../backend';

/** A tfjs layer as the builders make them. */
export type AnyLayer = LayersModel['layers'][number];

/** Wraps or replaces a weight layer. */
export type WeightNorm = (layer: AnyLayer) => AnyLayer;

const norms = new Map<string, WeightNorm>([['none', (l) => l]]);

/**
 * Makes a weight normalisation available as `weightNorm: name` in network configs.
 *
 * @example
 * ```ts
 * registerWeightNorm('spectral', (layer) => new SpectralNormalization({ layer }));
 * ```
 */
export function registerWeightNorm(name: string, fn: WeightNorm): void {
  norms.set(name, fn);
}

/** The registered names (`'none'` first). */
export function weightNormNames(): string[] {
  return [...norms.keys()];
}

/**
 * The layer to use for `layer` under weight normalisation `name` (default `'none'`: itself).
 *
 * @throws Error naming the registered normalisations when `name` is unknown.
 */
export function applyWeightNorm(name: string | undefined, layer: AnyLayer): AnyLayer {
  const fn = norms.get(name ?? 'none');
  if (!fn) throw new Error(`Unknown weightNorm ${JSON.stringify(name)}; expected one of ${weightNormNames().map((n) => `'${n}'`).join(', ')}.`);
  return fn(layer);
}
