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
  constructor(readonly rows: Record<string, unknown>[], readonly options: TableOptions = {}) {
    if (!Array.isArray(rows)) throw new Error(`table() expects an array of records; got ${typeof rows}. Pass e.g. [{ epoch: 1, loss: 0.7 }].`);
    const seen: string[] = [];
    for (const r of rows) for (const k of Object.keys(r ?? {})) if (!seen.includes(k)) seen.push(k);
    this.columns = options.columns ?? seen;
  }

  private cells(): string[][] {
    const digits = this.options.digits ?? 4;
    return this.rows.map((r) => this.columns.map((c) => formatCell(r?.[c], digits)));
  }

  /** An HTML `<table>` (numbers right-aligned), with the title as caption. */
  toHtml(): string {
    const numeric = this.columns.map((c) => this.rows.length > 0 && this.rows.every((r) => r?.[c] == null || typeof r[c] === 'number'));
    const head = this.columns.map((c, i) => `<th style="text-align:${numeric[i] ? 'right' : 'left'}">${escapeHtml(c)}</th>`).join('');
    const body = this.cells().map((row) => `<tr>${row.map((v, i) => `<td style="text-align:${numeric[i] ? 'right' : 'left'}">${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n');
    const caption = this.options.title ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(this.options.title)}</caption>` : '';
    return `<table class="ganbook-table">${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
  }

  /** Aligned plain text, with the title on its own line. */
  toText(): string {
    const cells = this.cells();
    const widths = this.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
    const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
    const out = [line(this.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
    return (this.options.title ? [this.options.title, ...out] : out).join('\n');
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
export function table(rows: Record<string, unknown>[], options: TableOptions = {}): Table {
  return new Table(rows, options);
}
