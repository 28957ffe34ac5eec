/** Shared by the objective files: the optional critic penalties every objective accepts. */
import { gradientPenaltyOf, r1PenaltyOf } from './penalties';
import type { Objective, ObjectiveOptions } from './types';
import { checkOptions } from '../../options';

/**
 * Checks an objective factory's options as typed (a typo such as `labelSmooting` fails with a
 * did-you-mean hint instead of being ignored).
 */
export function checkObjectiveOptions(opts: ObjectiveOptions, objective: string): void {
  checkOptions(opts, {
    labelSmoothing: { kind: 'number', min: 0, max: 1, maxExclusive: true, note: 'one-sided, real targets 1 − s' },
    gpWeight: { kind: 'number', min: 0 }, r1Gamma: { kind: 'number', min: 0 },
  }, `${objective} objective option`);
}

/**
 * Adds the penalty the options ask for (`gpWeight` → gradient penalty, `r1Gamma` → R1; not both).
 *
 * @throws Error when both are set, or labelSmoothing is given to an objective other than non-saturating.
 */
export function withPenalties(base: Objective, opts: ObjectiveOptions): Objective {
  checkObjectiveOptions(opts, base.name);
  if (opts.labelSmoothing && !base.name.startsWith('non-saturating')) {
    throw new Error(`Expected labelSmoothing only with the non-saturating objective; got ${opts.labelSmoothing} with '${base.name}'.`);
  }
  const gp = opts.gpWeight ?? 0, r1 = opts.r1Gamma ?? 0;
  if (gp && r1) throw new Error(`Expected one critic penalty; got gpWeight ${gp} and r1Gamma ${r1}.`);
  if (gp) return { ...base, name: `${base.name} + GP`, penalty: gradientPenaltyOf(gp) };
  if (r1) return { ...base, name: `${base.name} + R1`, penalty: r1PenaltyOf(r1) };
  return base;
}
