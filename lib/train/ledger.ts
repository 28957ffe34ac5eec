/**
 * Cost ledger: what a run spent (wall time, steps, images, FLOPs) and what it would cost at a
 * price per hour, so notebooks can plot quality against compute.
 */

export interface CostLedger {
  wallSeconds: number;
  steps: number;
  imagesSeen: number;
  /** Estimated FLOPs of one training step (from layer shapes, see `trainStepFlops`). */
  flopsPerStep: number;
  totalFlops: number;
  /** Achieved throughput: totalFlops / wallSeconds / 1e9. */
  gflopsPerSecond: number;
  imagesPerSecond: number;
  msPerStep: number;
  /** Price of the machine per hour (any currency; default USD). */
  pricePerHour: number;
  /** wallSeconds / 3600 * pricePerHour. */
  estimatedCost: number;
  currency: string;
  backend: string;
}

/**
 * Builds a ledger from measured totals.
 *
 * @example
 * ```ts
 * costLedger({ wallSeconds: 36, steps: 200, imagesSeen: 12800, flopsPerStep: 11e9, pricePerHour: 0.5 });
 * // { gflopsPerSecond: 61.1, estimatedCost: 0.005, ... }
 * ```
 */
export function costLedger(x: {
  wallSeconds: number; steps: number; imagesSeen: number; flopsPerStep: number;
  pricePerHour?: number; currency?: string; backend?: string;
}): CostLedger {
  const price = x.pricePerHour ?? 0;
  if (!(price >= 0)) throw new Error(`Expected pricePerHour >= 0; got ${price}.`);
  const totalFlops = x.flopsPerStep * x.steps;
  const w = Math.max(x.wallSeconds, 1e-9);
  return {
    wallSeconds: x.wallSeconds,
    steps: x.steps,
    imagesSeen: x.imagesSeen,
    flopsPerStep: x.flopsPerStep,
    totalFlops,
    gflopsPerSecond: x.steps ? totalFlops / w / 1e9 : 0,
    imagesPerSecond: x.steps ? x.imagesSeen / w : 0,
    msPerStep: x.steps ? (x.wallSeconds * 1000) / x.steps : 0,
    pricePerHour: price,
    estimatedCost: (x.wallSeconds / 3600) * price,
    currency: x.currency ?? 'USD',
    backend: x.backend ?? '',
  };
}
