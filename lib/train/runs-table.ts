/**
 * Compare runs side by side: one row per run folder (its `summary.json`) or fit result, with
 * final losses, speed and compute cost. Displays itself as an HTML table.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CostLedger } from './ledger';
import { processAlive } from './checkpoint';
import { table, type Table } from '../plot/table';

/** One row of a {@link RunsTable}. */
export interface RunRow {
  run: string;
  /** How the run ended (`completed`, `interrupted`, `nan`, …), `running`, `killed` (no summary, no live process), or `unreadable: <file> (<why>)`. */
  status?: string;
  arch?: string;
  dataset?: string | null;
  steps: number;
  dLoss: number;
  gLoss: number;
  wallSeconds: number;
  msPerStep: number;
  imagesPerSecond: number;
  gflopsPerSecond: number;
  /** Total training compute, PFLOP. */
  pflop: number;
  cost: number;
  currency: string;
  /** Extra columns (e.g. a quality score). */
  [extra: string]: unknown;
}

interface SummaryLike { name?: string; arch?: string; dataset?: string | null; step?: number; final: { dLoss: number; gLoss: number }; ledger: CostLedger }
interface FitLike { runDir: string | null; step: number; final: { dLoss: number; gLoss: number }; ledger: CostLedger }

function rowOf(name: string, s: SummaryLike | FitLike, extra: Record<string, unknown> = {}): RunRow {
  const l = s.ledger;
  return {
    run: name, arch: (s as SummaryLike).arch, dataset: (s as SummaryLike).dataset,
    steps: l.steps, dLoss: s.final.dLoss, gLoss: s.final.gLoss, wallSeconds: l.wallSeconds, msPerStep: l.msPerStep,
    imagesPerSecond: l.imagesPerSecond, gflopsPerSecond: l.gflopsPerSecond, pflop: l.totalFlops / 1e15,
    cost: l.estimatedCost, currency: l.currency, ...extra,
  };
}

const num = (digits: number) => (v: unknown): string => (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) ? '–'
  : typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(digits)) : String(v));

/** Column key, header and decimals of the fixed columns. */
const BASE_COLUMNS: [string, string, number][] = [
  ['run', 'run', 0], ['status', 'status', 0], ['arch', 'arch', 0], ['dataset', 'dataset', 0], ['steps', 'steps', 0], ['dLoss', 'D loss', 3], ['gLoss', 'G loss', 3],
  ['wallSeconds', 'wall (s)', 1], ['msPerStep', 'ms/step', 1], ['imagesPerSecond', 'images/s', 0], ['gflopsPerSecond', 'GFLOP/s', 1],
  ['pflop', 'PFLOP', 4], ['cost', 'cost', 4],
];

/** A comparison table of runs; `show(runsTable(...))`. */
export class RunsTable {
  constructor(readonly rows: RunRow[]) {}

  /** The runs as a {@link Table}: fixed columns, then extra columns in first-seen order. */
  toTable(): Table {
    const known = new Set([...BASE_COLUMNS.map((b) => b[0]), 'currency']);
    const extras = [...new Set(this.rows.flatMap((r) => Object.keys(r).filter((k) => !known.has(k))))];
    const cols: [string, string, number][] = [...BASE_COLUMNS, ...extras.map((k): [string, string, number] => [k, k, 3])];
    const cur = this.rows[0]?.currency ?? 'USD';
    return table(this.rows, {
      columns: cols.map((c) => c[0]),
      headers: Object.fromEntries(cols.map(([k, h]) => [k, h])),
      format: Object.fromEntries(cols.map(([k, , d]) => [k, num(d)])),
      note: `losses: mean of the last 10% of steps; cost in ${cur} at the configured price per hour; FLOPs estimated from layer shapes.`,
      className: 'ganbook-runs',
    });
  }

  toText(): string {
    return this.toTable().toText();
  }

  toHtml(): string {
    return this.toTable().toHtml();
  }

  toMimeBundle(): Record<string, unknown> {
    return { 'text/html': this.toHtml(), 'text/plain': this.toText() };
  }
}

/**
 * Builds a runs table from fit results, run folders, or a folder of run folders.
 *
 * @example
 * ```ts
 * await show(runsTable([baseline, noBatchNorm]));   // FitResults
 * await show(runsTable('runs'));                     // every run with a summary.json
 * await show(runsTable([r1], { [r1.runDir!]: { score: 0.93 } }));  // extra columns
 * ```
 */
export function runsTable(runs: string | (FitLike | string)[], extra: Record<string, Record<string, unknown>> = {}): RunsTable {
  let items: (FitLike | string)[];
  if (typeof runs === 'string') {
    items = fs.existsSync(runs) ? fs.readdirSync(runs).sort().map((d) => path.join(runs, d))
      .filter((d) => fs.existsSync(path.join(d, 'summary.json')) || fs.existsSync(path.join(d, 'config.json'))) : [];
  } else items = runs;
  const rows = items.map((it) => {
    if (typeof it === 'string') return folderRow(it, extra[it]);
    const name = it.runDir ? path.basename(it.runDir) : `run ${items.indexOf(it) + 1}`;
    const meta = it.runDir ? readJson<Partial<SummaryLike>>(path.join(it.runDir, 'summary.json')) : null;
    const m = meta && !('error' in meta) ? meta : {};
    return { ...rowOf(name, { ...it, arch: m.arch, dataset: m.dataset } as SummaryLike, it.runDir ? extra[it.runDir] : undefined), status: (it as { stopped?: string }).stopped ?? 'completed' };
  });
  return new RunsTable(rows);
}

/** A JSON file's content, null when absent, or `{ error }` naming the file when unreadable. */
function readJson<T>(file: string): T | null | { error: string } {
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    return { error: `unreadable: ${file} (${(err as Error).message})` };
  }
}

/**
 * The row of a run folder: from summary.json when the run finished; otherwise (killed, still
 * running) from config.json and the last metrics.jsonl rows; never throws for one folder.
 */
function folderRow(dir: string, extra?: Record<string, unknown>): RunRow {
  const name = path.basename(dir);
  const blank = (status: string): RunRow => ({
    run: name, status, steps: NaN, dLoss: NaN, gLoss: NaN, wallSeconds: NaN, msPerStep: NaN, imagesPerSecond: NaN,
    gflopsPerSecond: NaN, pflop: NaN, cost: NaN, currency: 'USD', ...extra,
  });
  if (!fs.existsSync(dir)) return blank(`missing: ${dir}`);
  const s = readJson<SummaryLike & { stopped?: string }>(path.join(dir, 'summary.json'));
  if (s && !('error' in s)) return { ...rowOf(name, s, extra), status: s.stopped ?? 'completed' };
  if (s && 'error' in s) return blank(s.error);
  // No summary: an unfinished run. What its log says so far, and whether a process holds it.
  const cfg = readJson<{ gan?: { arch?: string }; architecture?: string; dataset?: string | null }>(path.join(dir, 'config.json'));
  const lock = readJson<{ pid?: number }>(path.join(dir, '.lock'));
  const alive = !!lock && !('error' in lock) && typeof lock.pid === 'number' && processAlive(lock.pid);
  const row = blank(alive ? 'running' : 'killed (no summary)');
  if (cfg && !('error' in cfg)) { row.arch = cfg.architecture ?? cfg.gan?.arch; row.dataset = cfg.dataset; }
  const metrics = path.join(dir, 'metrics.jsonl');
  if (fs.existsSync(metrics)) {
    const last = fs.readFileSync(metrics, 'utf8').trim().split('\n').reverse()
      .map((l) => { try { return JSON.parse(l) as { step?: number; dLoss?: number; gLoss?: number; wallSeconds?: number; event?: string }; } catch { return null; } })
      .find((r) => r && !r.event && typeof r.step === 'number');
    if (last) Object.assign(row, { steps: last.step, dLoss: last.dLoss, gLoss: last.gLoss, wallSeconds: last.wallSeconds });
  }
  return row;
}
