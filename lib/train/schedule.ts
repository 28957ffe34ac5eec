/**
 * Learning-rate decay for {@link GanTrainer}: full rate until `start` epochs, then a straight line
 * down to `final` times the rate at `end` epochs, flat after that. Stated in epochs (fractional), so
 * it means the same at any batch size, and computed from the epoch alone, so a resumed run picks up
 * exactly where it left off.
 */

/** A linear learning-rate decay over an epoch range. */
export interface LrDecay {
  /** Epoch where the decay begins (the rate is unchanged before it). */
  start: number;
  /** Epoch where it reaches `final`. */
  end: number;
  /** Multiplier of the base rate from `end` on (default 0.01). */
  final?: number;
}

/** Checks a decay and fills in `final`; throws an error naming the bad field. */
export function resolveLrDecay(d: LrDecay): Required<LrDecay> {
  const final = d.final ?? 0.01;
  if (!(Number.isFinite(d.start) && d.start >= 0)) throw new Error(`Expected lrDecay.start (epochs) >= 0; got ${d.start}.`);
  if (!(Number.isFinite(d.end) && d.end > d.start)) throw new Error(`Expected lrDecay.end (epochs) > lrDecay.start (${d.start}); got ${d.end}.`);
  if (!(Number.isFinite(final) && final >= 0 && final <= 1)) throw new Error(`Expected lrDecay.final (a multiplier) in [0, 1]; got ${final}.`);
  return { start: d.start, end: d.end, final };
}

/**
 * The multiplier of the base learning rate at `epoch`.
 *
 * @example
 * ```ts
 * lrScale({ start: 3, end: 5, final: 0 }, 4); // 0.5
 * ```
 */
export function lrScale(d: LrDecay, epoch: number): number {
  return scaleAt(resolveLrDecay(d), epoch);
}

/** {@link lrScale} for a decay already checked by {@link resolveLrDecay} (the trainer's per-step call). */
export function scaleAt(r: Required<LrDecay>, epoch: number): number {
  if (epoch <= r.start) return 1;
  if (epoch >= r.end) return r.final;
  return 1 + (r.final - 1) * (epoch - r.start) / (r.end - r.start);
}
