/**
 * How an option's value is printed in error messages: as JSON (so `'32'` shows as `"32"` and is
 * told apart from the number 32), except numbers, which JSON would turn into `null` when not finite.
 */

/**
 * A value as an error message should show it: strings quoted, arrays and objects as JSON, numbers
 * (NaN and Infinity included) and everything else as `String` does.
 *
 * @example
 * ```ts
 * showValue('32');           // '"32"'
 * showValue(NaN);            // 'NaN'
 * showValue([0.5, 0.5, 0]);  // '[0.5,0.5,0]'
 * ```
 */
export function showValue(v: unknown): string {
  if (typeof v === 'number' || v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  } catch {
    return String(v); // cyclic objects
  }
}
