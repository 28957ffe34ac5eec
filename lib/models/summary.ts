/**
 * `summary(model)`: a per-layer table of output shapes, parameters and FLOPs that displays
 * itself in a notebook (HTML) and in a terminal (text).
 */
import type { LayersModel } from '../backend';
import type { Gan } from './build';
import { layerFlops } from './flops';
import { table, type Table } from '../plot/table';

/** One row of a {@link ModelSummary}. */
export interface LayerRow {
  name: string;
  type: string;
  outputShape: string;
  params: number;
  /** Forward FLOPs per sample. */
  flops: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function humanFlops(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** A model's layer table; `show(summary(model))` renders it. */
export class ModelSummary {
  constructor(readonly name: string, readonly rows: LayerRow[], readonly trainableParams: number) {}

  get totalParams(): number { return this.rows.reduce((a, r) => a + r.params, 0); }
  /** Forward FLOPs per sample. */
  get flops(): number { return this.rows.reduce((a, r) => a + r.flops, 0); }

  /** The rows as a {@link Table} with a totals footer. */
  toTable(): Table {
    return table(this.rows, {
      title: this.name,
      columns: ['name', 'type', 'outputShape', 'params', 'flops'],
      headers: { name: 'layer', outputShape: 'output shape', flops: 'FLOPs / sample' },
      format: { params: (v) => fmt(v as number), flops: (v) => humanFlops(v as number) },
      footer: { name: 'total', type: `trainable ${fmt(this.trainableParams)}`, params: this.totalParams, flops: this.flops },
      className: 'ganbook-summary',
    });
  }

  toText(): string {
    return `${this.toTable().toText()}\ntotal params ${fmt(this.totalParams)} (trainable ${fmt(this.trainableParams)}), ${humanFlops(this.flops)}FLOP per sample`;
  }

  toHtml(): string {
    return this.toTable().toHtml();
  }

  toMimeBundle(): Record<string, unknown> {
    return { 'text/html': this.toHtml(), 'text/plain': this.toText() };
  }
}

function shapeStr(s: unknown): string {
  const one = Array.isArray(s) && Array.isArray(s[0]) ? s[0] : s;
  return `[${(one as (number | null)[]).map((d) => (d === null ? 'n' : d)).join(', ')}]`;
}

/**
 * Per-layer summary of a model (or of both networks of a GAN, concatenated).
 *
 * @example
 * ```ts
 * await show(summary(gan.generator));
 * summary(gan.generator).totalParams; // same as gan.generator.countParams()
 * ```
 */
export function summary(model: LayersModel | Gan): ModelSummary {
  if ('generator' in model && 'discriminator' in model) {
    const g = summary(model.generator), d = summary(model.discriminator);
    return new ModelSummary('generator + discriminator', [...g.rows, ...d.rows], g.trainableParams + d.trainableParams);
  }
  const m = model as LayersModel;
  const rows = m.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((l) => ({
      name: l.name, type: l.getClassName(), outputShape: shapeStr(l.outputShape),
      params: l.countParams(), flops: layerFlops(l as never),
    }));
  const trainable = m.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1), 0);
  return new ModelSummary(m.name, rows, trainable);
}
