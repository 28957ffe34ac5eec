/**
 * Input checks shared by the metric entry points: images that are not in [0, 1] when no `range`
 * was given ({@link assertUnitRange}), and option objects ({@link checkMetricOptions}: unknown
 * names with a "did you mean" hint, ill-typed values named), so a wrong call fails at once instead
 * of giving a silently wrong number.
 */
import { tf, type Tensor } from '../backend';
import { checkOptions, showValue, type OptionSpec } from '../options';

/** How far outside [0, 1] values may stray (resampling overshoot, float rounding) before it counts as another range. */
export const UNIT_RANGE_SLACK = 0.01;

/** Options of {@link assertUnitRange}. */
export interface UnitRangeCheck {
  /** The option that would state the range (default `'range'`), named in the message. */
  option?: string;
  /** Why [0, 1] is expected, in the message's parentheses (default: no `<option>` given). */
  why?: string;
  /** What goes wrong with such values (default: they would be clipped to [0, 1]). */
  effect?: string;
  /** What to do instead (default: pass `{ <option>: [-1, 1] }` for tanh outputs such as `trainer.samples()`). */
  fix?: string;
}

/**
 * Throws when `images` (any shape, finite) hold values clearly outside [0, 1] — below −0.01 or
 * above 1.01 ({@link UNIT_RANGE_SLACK}) — for metrics that read images as [0, 1] when no range
 * is given: GAN outputs in [−1, 1] (`trainer.samples()`) would otherwise be clipped or scaled
 * wrongly without a word. One min/max reduction; no tensors kept.
 *
 * @throws Error "Expected <name> in [0, 1] (no range given); got values in [min, max] …; pass { range: [-1, 1] } …"
 * @example
 * ```ts
 * assertUnitRange(images, 'images');   // passes for [0, 1] data; throws for trainer.samples()
 * ```
 */
export function assertUnitRange(images: Tensor, name = 'images', check: UnitRangeCheck = {}): void {
  const [lo, hi] = tf.tidy(() => [images.min().dataSync()[0], images.max().dataSync()[0]]);
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return;   // NaN/Inf: the callers' finiteness checks say so
  if (lo >= -UNIT_RANGE_SLACK && hi <= 1 + UNIT_RANGE_SLACK) return;
  const option = check.option ?? 'range';
  const bytes = lo >= -UNIT_RANGE_SLACK && hi > 2 ? `, or { ${option}: [0, ${hi > 255 + UNIT_RANGE_SLACK ? 'max' : 255}] } for bytes` : '';
  const fix = check.fix ?? `pass { ${option}: [-1, 1] } for tanh outputs such as trainer.samples()${bytes}, or { ${option}: [min, max] } for another scale`;
  throw new Error(`Expected ${name} in [0, 1] (${check.why ?? `no ${option} given`}); got values in [${fmt(lo)}, ${fmt(hi)}], which ${check.effect ?? 'would be clipped to [0, 1]'}; ${fix}.`);
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3));

/** What {@link checkMetricOptions} checks: an {@link OptionSpec}, or one of the metric-specific kinds. */
export type MetricOptionSpec =
  | OptionSpec
  /** `[min, max]`, two finite numbers with min < max. */
  | { kind: 'range' }
  /** An array or typed array (values are checked where they are used). */
  | { kind: 'list' }
  /** A number > 0; `Infinity` allowed. */
  | { kind: 'positive' };

const CUSTOM = new Set(['range', 'list', 'positive']);
const isCustom = (s: MetricOptionSpec): s is Extract<MetricOptionSpec, { kind: 'range' | 'list' | 'positive' }> => CUSTOM.has(s.kind);

/**
 * {@link checkOptions} for the metrics' option objects: `what` names the object in messages
 * (`'evaluateImages option'`); `undefined` values count as absent.
 *
 * @throws Error naming the first unknown option (with a "did you mean" hint and the known names) or ill-typed value.
 * @example
 * ```ts
 * checkMetricOptions({ baselin: false }, { baseline: { kind: 'boolean' } }, 'evaluateImages option');
 * // Error: Unknown evaluateImages option "baselin". Did you mean baseline? Known: baseline.
 * ```
 */
export function checkMetricOptions(opts: object, specs: Record<string, MetricOptionSpec>, what: string): void {
  const plain: Record<string, OptionSpec> = {};
  for (const [k, s] of Object.entries(specs)) plain[k] = isCustom(s) ? { kind: 'object' } : s;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) { checkOptions(opts, plain, what); return; }
  const entries = Object.entries(opts);
  // unknown names and the ordinary kinds first (custom-checked values are hidden from checkOptions)
  checkOptions(Object.fromEntries(entries.map(([k, v]) => [k, specs[k] && isCustom(specs[k]) ? undefined : v])), plain, what);
  for (const [k, v] of entries) {
    const spec = specs[k];
    if (v === undefined || !isCustom(spec)) continue;
    const bad = (expected: string) => new Error(`Expected ${what} ${k} ${expected}; got ${showValue(v)}${typeof v === 'string' ? ' (a string)' : ''}.`);
    if (spec.kind === 'range') {
      const ok = Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[1] > v[0];
      if (!ok) throw bad('as [min, max], two finite numbers with min < max (e.g. [-1, 1] for tanh outputs, [0, 1] for loadDataset images)');
    } else if (spec.kind === 'list') {
      if (!(Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView)))) throw bad('an array or typed array');
    } else if (!(typeof v === 'number' && v > 0)) {
      throw bad('a number > 0 (Infinity for none)');
    }
  }
}
