/**
 * Search spaces: named hyperparameters that are continuous (linear or log scale), integer
 * (linear or log scale) or categorical. A space is plain JSON (it is saved with a study) and
 * maps configurations to points of the unit cube and back: continuous and integer parameters
 * take one coordinate each (on the log scale when `log: true`), categorical ones a one-hot block.
 *
 * @example
 * ```ts
 * const space = searchSpace({
 *   lr: float(1e-4, 1e-2, { log: true }),
 *   zDim: int(16, 128, { log: true }),
 *   loss: choice(['bce', 'hinge']),
 * });
 * const p = space.sample(rngFor(0, 'demo'));   // { lr: 0.0007.., zDim: 41, loss: 'hinge' }
 * space.decode(space.encode(p));              // the same configuration
 * space.grid(3).length;                       // 3 * 3 * 2 = 18
 * ```
 */
import type { Rng } from './random';

/** A categorical value (anything JSON can hold exactly). */
export type ChoiceValue = string | number | boolean;
/** One configuration: parameter name → value. */
export type Params = Record<string, ChoiceValue>;

export interface FloatParam { type: 'float'; low: number; high: number; log?: boolean; grid?: number[] }
export interface IntParam { type: 'int'; low: number; high: number; log?: boolean; grid?: number[] }
export interface ChoiceParam { type: 'choice'; values: ChoiceValue[] }
/** One dimension of a search space (plain JSON). */
export type ParamSpec = FloatParam | IntParam | ChoiceParam;
/** A search space as plain JSON: name → dimension. */
export type SpaceSpec = Record<string, ParamSpec>;

/**
 * A continuous parameter in `[low, high]`; `log: true` searches it on a log scale;
 * `grid` fixes the values grid search uses.
 *
 * @example
 * ```ts
 * float(1e-5, 1e-2, { log: true })
 * ```
 */
export function float(low: number, high: number, opts: { log?: boolean; grid?: number[] } = {}): FloatParam {
  return { type: 'float', low, high, ...(opts.log ? { log: true } : {}), ...(opts.grid ? { grid: opts.grid } : {}) };
}

/**
 * An integer parameter in `[low, high]` (both included).
 *
 * @example
 * ```ts
 * int(1, 4)                       // layers
 * int(16, 256, { log: true })     // widths
 * ```
 */
export function int(low: number, high: number, opts: { log?: boolean; grid?: number[] } = {}): IntParam {
  return { type: 'int', low, high, ...(opts.log ? { log: true } : {}), ...(opts.grid ? { grid: opts.grid } : {}) };
}

/**
 * A categorical parameter (no order assumed: one-hot encoded for the Gaussian process).
 *
 * @example
 * ```ts
 * choice(['adam', 'rmsprop'])
 * ```
 */
export function choice(values: ChoiceValue[]): ChoiceParam {
  return { type: 'choice', values: values.slice() };
}

/** Where one parameter lives in the encoded vector. */
interface Slot { name: string; spec: ParamSpec; offset: number; width: number }

function checkSpec(name: string, s: ParamSpec): void {
  const where = `Parameter "${name}"`;
  if (s.type === 'choice') {
    if (!Array.isArray(s.values) || s.values.length === 0) throw new Error(`${where}: expected a non-empty list of values, got ${JSON.stringify(s.values)}.`);
    if (new Set(s.values.map((v) => JSON.stringify(v))).size !== s.values.length) throw new Error(`${where}: values must be distinct; got ${JSON.stringify(s.values)}.`);
    return;
  }
  if (s.type !== 'float' && s.type !== 'int') throw new Error(`${where}: expected type 'float', 'int' or 'choice', got ${JSON.stringify((s as { type: unknown }).type)}; build it with float(), int() or choice().`);
  if (!Number.isFinite(s.low) || !Number.isFinite(s.high) || !(s.low < s.high)) {
    throw new Error(`${where}: expected finite low < high, got [${s.low}, ${s.high}].`);
  }
  if (s.log && s.low <= 0) throw new Error(`${where}: a log-scale range needs low > 0, got ${s.low}; use a linear range or a positive lower bound.`);
  if (s.type === 'int' && (!Number.isInteger(s.low) || !Number.isInteger(s.high))) {
    throw new Error(`${where}: integer bounds expected, got [${s.low}, ${s.high}].`);
  }
}

const clamp01 = (u: number): number => (u < 0 ? 0 : u > 1 ? 1 : Number.isFinite(u) ? u : 0.5);

/** Evenly spaced `n` values of a numeric dimension (on its own scale), deduplicated for integers. */
function numericGrid(s: FloatParam | IntParam, n: number): number[] {
  if (s.grid) return s.grid.slice();
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = fromUnit(s, n === 1 ? 0.5 : i / (n - 1));
    // 1e-3, not 0.0010000000000000002: round off the log/exp noise (staying inside the range)
    vals.push(s.type === 'int' ? v : Math.min(s.high, Math.max(s.low, Number(v.toPrecision(12)))));
  }
  return [...new Set(vals)];
}

function toUnit(s: FloatParam | IntParam, v: number): number {
  if (s.log) return (Math.log(v) - Math.log(s.low)) / (Math.log(s.high) - Math.log(s.low));
  return (v - s.low) / (s.high - s.low);
}

function fromUnit(s: FloatParam | IntParam, u: number): number {
  u = clamp01(u);
  let v: number;
  if (u === 0) v = s.low;
  else if (u === 1) v = s.high;
  else if (s.log) v = Math.exp(Math.log(s.low) + u * (Math.log(s.high) - Math.log(s.low)));
  else v = s.low + u * (s.high - s.low);
  if (s.type === 'int') v = Math.min(s.high, Math.max(s.low, Math.round(v)));
  return v;
}

/** A validated search space; see {@link searchSpace}. */
export class SearchSpace {
  readonly spec: SpaceSpec;
  readonly names: string[];
  /** Length of the encoded vector (one per numeric parameter, one per category). */
  readonly dim: number;
  private readonly slots: Slot[];

  constructor(spec: SpaceSpec) {
    const names = Object.keys(spec);
    if (names.length === 0) throw new Error('Expected at least one parameter in the search space, got {}.');
    const slots: Slot[] = [];
    let offset = 0;
    for (const name of names) {
      checkSpec(name, spec[name]);
      const width = spec[name].type === 'choice' ? (spec[name] as ChoiceParam).values.length : 1;
      slots.push({ name, spec: spec[name], offset, width });
      offset += width;
    }
    this.spec = JSON.parse(JSON.stringify(spec)) as SpaceSpec;
    this.names = names;
    this.slots = slots;
    this.dim = offset;
  }

  /** Checks a configuration has every parameter, in range; throws a helpful error if not. */
  validate(p: Params): void {
    for (const { name, spec } of this.slots) {
      const v = p[name];
      if (v === undefined) throw new Error(`Configuration is missing "${name}"; expected keys ${this.names.join(', ')}.`);
      if (spec.type === 'choice') {
        if (!spec.values.includes(v)) throw new Error(`"${name}" must be one of ${JSON.stringify(spec.values)}, got ${JSON.stringify(v)}.`);
      } else if (typeof v !== 'number' || v < spec.low || v > spec.high || (spec.type === 'int' && !Number.isInteger(v))) {
        throw new Error(`"${name}" must be ${spec.type === 'int' ? 'an integer' : 'a number'} in [${spec.low}, ${spec.high}], got ${JSON.stringify(v)}.`);
      }
    }
  }

  /** Maps a configuration to the unit cube (`dim` numbers). */
  encode(p: Params): number[] {
    this.validate(p);
    const u = new Array<number>(this.dim).fill(0);
    for (const { name, spec, offset } of this.slots) {
      if (spec.type === 'choice') u[offset + spec.values.indexOf(p[name])] = 1;
      else u[offset] = toUnit(spec, p[name] as number);
    }
    return u;
  }

  /** Maps a point of the unit cube (clamped) to a configuration: rounding integers, argmax over one-hot blocks. */
  decode(u: readonly number[]): Params {
    if (u.length !== this.dim) throw new Error(`Expected an encoded vector of length ${this.dim}, got ${u.length}.`);
    const p: Params = {};
    for (const { name, spec, offset, width } of this.slots) {
      if (spec.type === 'choice') {
        let best = 0;
        for (let k = 1; k < width; k++) if (u[offset + k] > u[offset + best]) best = k;
        p[name] = spec.values[best];
      } else {
        p[name] = fromUnit(spec, u[offset]);
      }
    }
    return p;
  }

  /** Where each parameter sits in the encoded vector (`width` > 1 for one-hot blocks). */
  layout(): { name: string; offset: number; width: number; categorical: boolean }[] {
    return this.slots.map(({ name, spec, offset, width }) => ({ name, offset, width, categorical: spec.type === 'choice' }));
  }

  /** Snaps a point to what the space can actually hold (`encode(decode(u))`). */
  snap(u: readonly number[]): number[] {
    return this.encode(this.decode(u));
  }

  /** A uniformly random configuration (log-uniform on log-scale dimensions). */
  sample(rng: Rng): Params {
    const p: Params = {};
    for (const { name, spec } of this.slots) {
      if (spec.type === 'choice') p[name] = spec.values[rng.int(spec.values.length)];
      else if (spec.type === 'int') {
        // Uniform over the integers (or log-uniform over [low-0.5, high+0.5] for log scale).
        if (spec.log) {
          const lo = Math.log(Math.max(spec.low - 0.5, spec.low / 2)), hi = Math.log(spec.high + 0.5);
          p[name] = Math.min(spec.high, Math.max(spec.low, Math.round(Math.exp(rng.uniform(lo, hi)))));
        } else p[name] = spec.low + rng.int(spec.high - spec.low + 1);
      } else p[name] = fromUnit(spec, rng.next());
    }
    return p;
  }

  /** Values grid search tries for one parameter: `points` per numeric dimension (or its `grid`), every category. */
  gridValues(name: string, points: number): ChoiceValue[] {
    const s = this.spec[name];
    if (!s) throw new Error(`No parameter "${name}"; expected one of ${this.names.join(', ')}.`);
    return s.type === 'choice' ? s.values.slice() : numericGrid(s, points);
  }

  /** Every grid configuration, last parameter varying fastest. */
  grid(points = 3): Params[] {
    if (!Number.isInteger(points) || points < 1) throw new Error(`Expected a positive integer number of grid points, got ${points}.`);
    let out: Params[] = [{}];
    for (const name of this.names) {
      const vals = this.gridValues(name, points);
      out = out.flatMap((p) => vals.map((v) => ({ ...p, [name]: v })));
    }
    return out;
  }

  /** The space as plain JSON. */
  toJSON(): SpaceSpec {
    return this.spec;
  }
}

/**
 * Builds a search space from plain specs (see {@link float}, {@link int}, {@link choice}).
 *
 * @example
 * ```ts
 * const space = searchSpace({ lr: float(1e-4, 1e-2, { log: true }), layers: int(1, 3) });
 * ```
 */
export function searchSpace(spec: SpaceSpec | SearchSpace): SearchSpace {
  return spec instanceof SearchSpace ? spec : new SearchSpace(spec);
}
