/**
 * Early stopping of clearly bad trials. A pruner looks at a running trial's intermediate
 * scores (`report(step, value)`) and those of earlier trials and says when to stop it.
 * Non-finite scores (NaN, ∞: diverged training) always stop a trial.
 *
 * @example
 * ```ts
 * medianPruner({ warmupSteps: 100, minTrials: 3 })
 * ```
 */
import type { TrialRecord } from './trial';

export type PrunerConfig = { kind: 'median'; warmupSteps: number; minTrials: number } | { kind: 'none' };

/** Decides whether a running trial should stop; returns the reason, or null to continue. */
export interface Pruner {
  toJSON(): PrunerConfig;
  /**
   * @param intermediate the running trial's reports so far (minimisation sense), the latest last
   * @param others earlier finished trials, values in minimisation sense
   */
  check(intermediate: readonly [number, number][], others: readonly TrialRecord[]): string | null;
}

function diverged(intermediate: readonly [number, number][]): string | null {
  const last = intermediate[intermediate.length - 1];
  return last && !Number.isFinite(last[1]) ? `diverged: score ${last[1]} at step ${last[0]}` : null;
}

/** Never stops a trial, except one whose score became NaN or infinite. */
export function noPruner(): Pruner {
  return { toJSON: () => ({ kind: 'none' }), check: diverged };
}

/** The value a trial reported at its latest step ≤ `step`, or null. */
function valueAt(t: TrialRecord, step: number): number | null {
  let v: number | null = null;
  for (const [s, x] of t.intermediate) if (s <= step && Number.isFinite(x)) v = x;
  return v;
}

/**
 * Median stopping rule: after `warmupSteps`, stop a trial whose best score so far is worse
 * than the median of earlier trials' scores at the same step (each earlier trial contributes
 * its latest report at or before that step). Needs `minTrials` earlier trials with reports.
 *
 * @example
 * ```ts
 * medianPruner({ warmupSteps: 50 })
 * ```
 */
export function medianPruner(opts: { warmupSteps?: number; minTrials?: number } = {}): Pruner {
  const cfg = { kind: 'median' as const, warmupSteps: opts.warmupSteps ?? 0, minTrials: opts.minTrials ?? 3 };
  return {
    toJSON: () => ({ ...cfg }),
    check(intermediate, others) {
      const d = diverged(intermediate);
      if (d) return d;
      const last = intermediate[intermediate.length - 1];
      if (!last || last[0] < cfg.warmupSteps) return null;
      const step = last[0];
      const ref = others.filter((t) => t.state === 'complete' || t.state === 'pruned')
        .map((t) => valueAt(t, step)).filter((v): v is number => v !== null).sort((a, b) => a - b);
      if (ref.length < cfg.minTrials) return null;
      const m = ref.length;
      const median = m % 2 ? ref[(m - 1) / 2] : 0.5 * (ref[m / 2 - 1] + ref[m / 2]);
      const bestSoFar = Math.min(...intermediate.map(([, v]) => v));
      return bestSoFar > median ? `median rule: best ${+bestSoFar.toPrecision(4)} worse than median ${+median.toPrecision(4)} of ${m} trials at step ${step}` : null;
    },
  };
}

/** Rebuilds a pruner from its saved config. */
export function prunerFromConfig(c: PrunerConfig): Pruner {
  return c.kind === 'median' ? medianPruner(c) : noPruner();
}
