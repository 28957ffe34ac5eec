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

/**
 * Checks that `value` is an objective (it has the shape of one).
 *
 * @throws Error naming `what` and showing how to make one.
 */
export function assertObjective(value: unknown, what: string): asserts value is Objective {
  const ob = value as Partial<Objective> | null;
  if (!ob || typeof ob !== 'object' || typeof ob.discriminatorLoss !== 'function' || typeof ob.generatorLoss !== 'function' || typeof ob.defaults !== 'object') {
    throw new Error(`Expected ${what} an Objective (name, defaults, discriminatorLoss, generatorLoss), e.g. hinge() or nonSaturating({ labelSmoothing: 0.1 }); `
      + `got ${typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value ? 'another object' : typeof value}.`);
  }
}
