/**
 * Objectives by name (the `loss` field of a GAN config). Each objective file registers itself;
 * `./index` imports them all.
 */
import type { Objective, ObjectiveOptions } from './types';

const factories = new Map<string, (opts: ObjectiveOptions) => Objective>();

/**
 * Makes an objective available by name (as a config's `loss`).
 *
 * @example
 * ```ts
 * registerObjective('my-loss', (opts) => myLoss(opts));
 * ```
 */
export function registerObjective(name: string, factory: (opts: ObjectiveOptions) => Objective): void {
  factories.set(name, factory);
}

/** The registered objective names. */
export function objectiveNames(): string[] {
  return [...factories.keys()];
}

/**
 * The objective registered as `name`, made with `opts`.
 *
 * @throws Error naming the known objectives when `name` is unknown.
 * @example
 * ```ts
 * objectiveFor('hinge').name; // 'hinge'
 * ```
 */
export function objectiveFor(name: string, opts: ObjectiveOptions = {}): Objective {
  const f = factories.get(name);
  if (!f) throw new Error(`Unknown objective (config loss) ${JSON.stringify(name)}; expected one of ${objectiveNames().map((n) => `'${n}'`).join(', ')}.`);
  return f(opts);
}
