/**
 * Tables: rows of records to HTML (notebooks, nbconvert) and aligned text (REPL, console).
 * Pure: `table()` returns a value; `show(t)` or a cell's last expression displays it.
 */

/** Options for {@link table}. */
export interface TableOptions {
  /** A caption above the table. */
  title?: string;
  /** Which columns, in which order (default: every key, in first-seen order). */
  columns?: string[];
  /** Significant digits for non-integer numbers (default 4). */
  digits?: number;
  /** Header text per column key (default: the key itself). */
  headers?: Record<string, string>;
  /** Formatter per column key (default: numbers to `digits` significant digits). */
  format?: Record<string, (value: unknown) => string>;
  /** A totals row under a rule (`<tfoot>` in HTML), formatted like the body. */
  footer?: Record<string, unknown>;
  /** A short note under the table (units, definitions). */
  note?: string;
  /** CSS class of the HTML `<table>` (default `ganbook-table`). */
  className?: string;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function formatCell(v: unknown, digits: number): string {
  if (v == null) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
  }
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map((x) => formatCell(x, digits)).join(', ')}]`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A table that displays itself (HTML in notebooks, aligned text elsewhere). */
export class Table {
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
  /** Rows may be any objects (interfaces included); their own enumerable keys are the columns. */
  constructor(rows: readonly object[], readonly options: TableOptions = {}) {
    this.rows = rows as Record<string, unknown>[];
    if (!Array.isArray(rows)) throw new Error(`table() expects an array of records; got ${typeof rows}. Pass e.g. [{ epoch: 1, loss: 0.7 }].`);
    const seen: string[] = [];
    for (const r of rows) for (const k of Object.keys(r ?? {})) if (!seen.includes(k)) seen.push(k);
    this.columns = options.columns ?? seen;
  }

  private format(row: Record<string, unknown> | undefined): string[] {
    const digits = this.options.digits ?? 4;
    return this.columns.map((c) => {
      const v = row?.[c];
      const f = this.options.format?.[c];
      return f && v != null ? f(v) : formatCell(v, digits);
    });
  }

  private get headers(): string[] {
    return this.columns.map((c) => this.options.headers?.[c] ?? c);
  }

  /** Whether a column (body and footer) holds numbers and nothing else but blanks: right-aligned. */
  private numeric(): boolean[] {
    const all = this.options.footer ? [...this.rows, this.options.footer] : this.rows;
    return this.columns.map((c) => all.some((r) => typeof r?.[c] === 'number') && all.every((r) => r?.[c] == null || typeof r[c] === 'number'));
  }

  /** An HTML `<table>` (numbers right-aligned), with the title as caption, footer and note. */
  toHtml(): string {
    const numeric = this.numeric();
    const align = (i: number) => `text-align:${numeric[i] ? 'right' : 'left'}`;
    const head = this.headers.map((c, i) => `<th style="${align(i)}">${escapeHtml(c)}</th>`).join('');
    const body = this.rows.map((r) => `<tr>${this.format(r).map((v, i) => `<td style="${align(i)}">${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n');
    const foot = this.options.footer
      ? `\n<tfoot><tr>${this.format(this.options.footer).map((v, i) => `<td style="${align(i)};font-weight:bold">${escapeHtml(v)}</td>`).join('')}</tr></tfoot>`
      : '';
    const caption = this.options.title ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(this.options.title)}</caption>` : '';
    const note = this.options.note ? `<div style="font-size:smaller">${escapeHtml(this.options.note)}</div>` : '';
    return `<table class="${escapeHtml(this.options.className ?? 'ganbook-table')}">${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>${foot}</table>${note}`;
  }

  /** Aligned plain text (numbers right-aligned), with the title on its own line and the footer under a rule. */
  toText(): string {
    const numeric = this.numeric();
    const cells = this.rows.map((r) => this.format(r));
    const foot = this.options.footer ? [this.format(this.options.footer)] : [];
    const widths = this.headers.map((c, i) => Math.max(c.length, ...[...cells, ...foot].map((r) => r[i].length)));
    const line = (vals: string[]) => vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
    const rule = widths.map((w) => '-'.repeat(w)).join('  ');
    const out = [line(this.headers), rule, ...cells.map(line), ...(foot.length ? [rule, line(foot[0])] : [])];
    if (this.options.title) out.unshift(this.options.title);
    if (this.options.note) out.push(this.options.note);
    return out.join('\n');
  }

  toMimeBundle(): Record<string, unknown> {
    return { 'text/html': this.toHtml(), 'text/plain': this.toText() };
  }

  toString(): string {
    return this.toText();
  }
}

/**
 * Makes a displayable table from rows of records (model summaries, metric tables).
 *
 * @example
 * ```ts
 * table([{ layer: 'dense', params: 12544 }, { layer: 'conv2d', params: 3200 }], { title: 'Generator' })
 * await show(table(history, { columns: ['epoch', 'dLoss', 'gLoss'] }));
 * ```
 */
export function table(rows: readonly object[], options: TableOptions = {}): Table {
  return new Table(rows, options);
}
