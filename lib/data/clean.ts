/**
 * Data cleaning: exact duplicates (hash of the pixels), blank or constant images, pixel-statistics
 * outliers and class balance — found in one pass, shown as a table and a chart, removed in one call.
 */
import * as crypto from 'crypto';
import type { MimeBundle } from '../display/sink';
import type { VegaLiteSpec } from '../plot/chart';
import type { Dataset } from './dataset';
import { pixelStats, type PixelStats } from './stats';

/** Kinds of per-image problems. */
export type IssueKind = 'duplicate' | 'constant' | 'outlier';

/** One flagged image. */
export interface ImageIssue {
  index: number;
  kind: IssueKind;
  detail: string;
}

/** Options for {@link findIssues}. */
export interface CleanOptions {
  /** Robust z-score (median / MAD of per-image mean and std) above which an image is an outlier (default 6). */
  outlierZ?: number;
  /** Images whose max - min is at most this are constant (default 1/255, i.e. a single grey level). */
  constantRange?: number;
  /** A class is under-represented below this fraction of the mean class count (default 0.5). */
  minClassFraction?: number;
}

const KINDS: IssueKind[] = ['duplicate', 'constant', 'outlier'];
const esc = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[ch]!));

function median(xs: Float32Array | number[]): number {
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Robust z-scores: |x - median| / (1.4826 * MAD). */
function robustZ(xs: Float32Array): Float32Array {
  const med = median(xs);
  const mad = median(Array.from(xs, (x) => Math.abs(x - med))) * 1.4826 || 1e-6;
  return xs.map((x) => Math.abs(x - med) / mad);
}

/**
 * What {@link findIssues} found. Display it (`show(report)`) for a table; `report.chart()` is a
 * vega-lite chart; `report.filter()` returns the dataset without the flagged images.
 */
export class CleaningReport {
  /** Every flagged image (an image can be flagged once per kind). */
  readonly issues: ImageIssue[];
  readonly classCounts: number[];
  /** Classes with fewer than `minClassFraction` of the mean count. */
  readonly underRepresented: string[];
  /** Largest / smallest class count (1 = perfectly balanced; Infinity if a class is empty). */
  readonly imbalance: number;
  readonly stats: PixelStats;

  constructor(readonly dataset: Dataset, issues: ImageIssue[], stats: PixelStats, minClassFraction: number) {
    this.issues = issues;
    this.stats = stats;
    this.classCounts = dataset.classCounts();
    const c = this.classCounts;
    const meanCount = c.length ? c.reduce((a, b) => a + b, 0) / c.length : 0;
    this.underRepresented = dataset.classNames.filter((_, i) => c[i] < minClassFraction * meanCount);
    this.imbalance = c.length ? Math.max(...c) / Math.min(...c) : 1;
  }

  /** Indices flagged with any of `kinds` (default: all), sorted. */
  flagged(kinds: IssueKind[] = KINDS): number[] {
    return [...new Set(this.issues.filter((i) => kinds.includes(i.kind)).map((i) => i.index))].sort((a, b) => a - b);
  }

  /** Number of images flagged per kind. */
  counts(): Record<IssueKind, number> {
    const out = { duplicate: 0, constant: 0, outlier: 0 };
    for (const i of this.issues) out[i.kind]++;
    return out;
  }

  /**
   * The dataset without the images flagged with `kinds` (default: all kinds).
   *
   * @example
   * ```ts
   * const clean = findIssues(ds).filter();                 // drop everything flagged
   * const noDupes = findIssues(ds).filter(['duplicate']);
   * ```
   */
  filter(kinds: IssueKind[] = KINDS): Dataset {
    const drop = new Set(this.flagged(kinds));
    const keep: number[] = [];
    for (let i = 0; i < this.dataset.size; i++) if (!drop.has(i)) keep.push(i);
    return this.dataset.subset(keep, `${this.dataset.name}/clean`);
  }

  /** Rows of the summary table: one per issue kind plus class balance. */
  rows(): { check: string; flagged: string; examples: string }[] {
    const counts = this.counts();
    const example = (k: IssueKind): string => this.issues.filter((i) => i.kind === k).slice(0, 3)
      .map((i) => `#${i.index}: ${i.detail}`).join('; ') || '-';
    return [
      { check: 'exact duplicates (MD5 of pixels; first copy kept)', flagged: String(counts.duplicate), examples: example('duplicate') },
      { check: 'blank / constant images', flagged: String(counts.constant), examples: example('constant') },
      { check: 'pixel-statistics outliers (robust z of image mean/std)', flagged: String(counts.outlier), examples: example('outlier') },
      {
        check: 'label balance (largest / smallest class)',
        flagged: this.classCounts.length ? `${this.imbalance.toFixed(2)}x` : 'unlabeled',
        examples: this.underRepresented.length ? `under-represented: ${this.underRepresented.join(', ')}` : 'no class below threshold',
      },
    ];
  }

  /** Plain-text summary. */
  summary(): string {
    const n = this.flagged().length;
    return `Cleaning report for "${this.dataset.name}" (${this.dataset.size} images): ${n} flagged.\n`
      + this.rows().map((r) => `- ${r.check}: ${r.flagged} (${r.examples})`).join('\n');
  }

  /** An HTML table (and the same as text). */
  toMimeBundle(): MimeBundle {
    const rows = this.rows().map((r) => `<tr><td style="text-align:left">${esc(r.check)}</td><td>${esc(r.flagged)}</td>`
      + `<td style="text-align:left">${esc(r.examples)}</td></tr>`).join('');
    const html = `<table><caption>Cleaning report: ${esc(this.dataset.name)}, ${this.dataset.size} images, `
      + `${this.flagged().length} flagged</caption><thead><tr><th>check</th><th>flagged</th><th>examples (index: detail)</th></tr></thead>`
      + `<tbody>${rows}</tbody></table>`;
    return { 'text/html': html, 'text/plain': this.summary() };
  }

  /**
   * Vega-lite chart: per-image mean brightness vs contrast (std), binned, with flagged images
   * coloured by kind.
   */
  chart(): VegaLiteSpec {
    const status = new Array<string>(this.dataset.size).fill('ok');
    for (const i of this.issues) if (status[i.index] === 'ok') status[i.index] = i.kind;
    const bins = 24;
    const cells = new Map<string, { mean: number; std: number; status: string; count: number }>();
    for (let i = 0; i < this.dataset.size; i++) {
      const m = Math.min(bins - 1, Math.floor(this.stats.imageMean[i] * bins));
      const s = Math.min(bins - 1, Math.floor(this.stats.imageStd[i] * 2 * bins));
      const key = `${m}:${s}:${status[i]}`;
      const cell = cells.get(key) ?? { mean: (m + 0.5) / bins, std: (s + 0.5) / (2 * bins), status: status[i], count: 0 };
      cell.count++;
      cells.set(key, cell);
    }
    return {
      title: `${this.dataset.name}: image brightness vs contrast (flagged images coloured)`,
      width: 360, height: 260,
      data: { values: [...cells.values()] },
      mark: { type: 'circle', opacity: 0.7 },
      encoding: {
        x: { field: 'mean', type: 'quantitative', title: 'image mean pixel value (0..1)' },
        y: { field: 'std', type: 'quantitative', title: 'image pixel std (0..0.5)' },
        size: { field: 'count', type: 'quantitative', title: 'images', scale: { type: 'sqrt' } },
        color: { field: 'status', type: 'nominal', scale: { domain: ['ok', ...KINDS], range: ['#9aa5b1', '#d62728', '#ff7f0e', '#9467bd'] }, title: 'status' },
        tooltip: [{ field: 'status' }, { field: 'count' }, { field: 'mean', format: '.3f' }, { field: 'std', format: '.3f' }],
      },
    };
  }
}

/**
 * Checks a dataset for exact duplicates, blank/constant images, pixel-statistics outliers and
 * class imbalance.
 *
 * @example
 * ```ts
 * const report = findIssues(ds);
 * await show(report);          // table
 * await show(report.chart());  // chart
 * const clean = report.filter();
 * ```
 */
export function findIssues(ds: Dataset, opts: CleanOptions = {}): CleaningReport {
  const stats = pixelStats(ds);
  const issues: ImageIssue[] = [];
  const per = ds.imageSize;
  const bytesPer = per * ds.pixels.BYTES_PER_ELEMENT;
  const buf = Buffer.from(ds.pixels.buffer, ds.pixels.byteOffset, ds.pixels.byteLength);
  const seen = new Map<string, number>();
  for (let i = 0; i < ds.size; i++) {
    const h = crypto.createHash('md5').update(buf.subarray(i * bytesPer, (i + 1) * bytesPer)).digest('hex');
    const first = seen.get(h);
    if (first === undefined) {
      seen.set(h, i);
    } else {
      const lab = ds.labels && ds.labels[first] !== ds.labels[i]
        ? ` (labels differ: ${ds.classNames[ds.labels[first]]} vs ${ds.classNames[ds.labels[i]]})` : '';
      issues.push({ index: i, kind: 'duplicate', detail: `same pixels as #${first}${lab}` });
    }
  }
  const constantRange = opts.constantRange ?? 1 / 255;
  for (let i = 0; i < ds.size; i++) {
    if (stats.imageRange[i] <= constantRange + 1e-9) {
      issues.push({ index: i, kind: 'constant', detail: `all pixels ≈ ${stats.imageMean[i].toFixed(3)}` });
    }
  }
  const zMax = opts.outlierZ ?? 6;
  const zMean = robustZ(stats.imageMean), zStd = robustZ(stats.imageStd);
  for (let i = 0; i < ds.size; i++) {
    const z = Math.max(zMean[i], zStd[i]);
    if (z > zMax && stats.imageRange[i] > constantRange + 1e-9) {
      issues.push({ index: i, kind: 'outlier', detail: `z=${z.toFixed(1)} (mean ${stats.imageMean[i].toFixed(3)}, std ${stats.imageStd[i].toFixed(3)})` });
    }
  }
  return new CleaningReport(ds, issues, stats, opts.minClassFraction ?? 0.5);
}
