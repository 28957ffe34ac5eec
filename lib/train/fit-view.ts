/**
 * A compact view of a `fit()` result for notebooks: `await trainer.fit({ steps })` as a cell's last
 * line shows a few lines (what stopped it, losses, run folder, checkpoint) instead of every logged
 * step. The result stays a plain object; the view is non-enumerable (`JSON.stringify` and spreading
 * are unchanged) and `result.history` etc. are all still there.
 */
import * as path from 'path';
import { inspect } from 'util';
import type { FitResult } from './trainer';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const rel = (p: string | null) => (p ? path.relative(process.cwd(), p) || '.' : '—');

/** The view's rows: [label, value]. */
export function fitSummary(r: FitResult): [string, string][] {
  const rows: [string, string][] = [
    ['stopped', `${r.stopped} after ${r.steps} step${r.steps === 1 ? '' : 's'} (now at step ${r.step})`],
    ['final losses', `D ${r.final.dLoss.toFixed(4)}, G ${r.final.gLoss.toFixed(4)} (mean of the last 10% of steps)`],
    ['time', `${r.ledger.wallSeconds.toFixed(1)} s in all, ${r.ledger.msPerStep.toFixed(1)} ms per step, ${r.ledger.imagesPerSecond.toFixed(0)} images/s`],
    ['run folder', rel(r.runDir)],
    ['last checkpoint', rel(r.lastCheckpoint)],
  ];
  if (r.gif) rows.push(['samples GIF', rel(r.gif)]);
  if (r.message) rows.push(['message', r.message]);
  rows.push(['more', 'result.history (every logged step), result.ledger (cost), result.final']);
  return rows;
}

/** Adds the compact view (`toMimeBundle`, `util.inspect`) to a fit result; returns it. */
export function withCompactView(r: FitResult): FitResult {
  const text = () => `FitResult\n${fitSummary(r).map(([k, v]) => `  ${`${k}:`.padEnd(17)}${v}`).join('\n')}`;
  const html = () => `<table class="ganbook-table"><caption>fit() result</caption>${fitSummary(r)
    .map(([k, v]) => `<tr><th style="text-align:left">${escape(k)}</th><td style="text-align:left">${escape(v)}</td></tr>`).join('')}</table>`;
  Object.defineProperty(r, 'toMimeBundle', { value: () => ({ 'text/plain': text(), 'text/html': html() }), enumerable: false });
  Object.defineProperty(r, inspect.custom, { value: () => text(), enumerable: false });
  return r;
}
