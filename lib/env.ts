/**
 * Run-mode switches read from the environment.
 *
 * `GANBOOK_SMOKE=1` shrinks every notebook's data and epochs so the whole set runs in minutes
 * (the test suite and `npm run notebooks` in CI use it). Notebooks write sizes as
 * `smoke(full, tiny)` so one cell serves both modes.
 */

/** True when `GANBOOK_SMOKE=1`: tiny data and epochs. */
export const SMOKE = process.env.GANBOOK_SMOKE === '1';

/** `full` normally, `tiny` in smoke mode. */
export function smoke<T>(full: T, tiny: T): T {
  return SMOKE ? tiny : full;
}
