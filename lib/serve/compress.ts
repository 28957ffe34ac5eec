/**
 * Size vs quality of compressed exports: each variant (float16, uint8, magnitude pruning, ...)
 * is exported, loaded back the way a server loads it, and compared with the float32 model on
 * the same seeded latents: MSE and largest pixel change, plus the Fréchet classifier distance
 * (lib/metrics) when a classifier dataset is given.
 */
import * as path from 'path';
import { tf, type LayersModel, type Tensor4D } from '../backend';
import { frechetClassifierDistance } from '../metrics/scores';
import type { ClassifierDataset } from '../metrics/classifier';
import { exportGenerator, generate, loadExport, type ExportOptions } from './export';
import { sampleLatent } from './latent';
import { table, type Table } from '../plot/table';

/** One compression setting to try. */
export interface CompressionVariant {
  name: string;
  quantize?: ExportOptions['quantize'];
  prune?: number;
}

/** The default variants: float32, float16, uint8, 50% pruning, and pruning + uint8. */
export const DEFAULT_VARIANTS: CompressionVariant[] = [
  { name: 'float32' },
  { name: 'float16', quantize: 'float16' },
  { name: 'uint8', quantize: 'uint8' },
  { name: 'pruned 50%', prune: 0.5 },
  { name: 'pruned 50% + uint8', prune: 0.5, quantize: 'uint8' },
  { name: 'pruned 80% + uint8', prune: 0.8, quantize: 'uint8' },
];

/** Options of {@link compareCompression}. */
export interface CompareOptions {
  /** Folder that receives one export per variant (`<dir>/<variant>`). */
  dir: string;
  variants?: CompressionVariant[];
  /** Images generated per variant (default 500; FCD wants ≥ 1,000 for stable numbers). */
  count?: number;
  /** Seed of the latents shared by every variant (default 0). */
  seed?: number;
  /** Label for a conditional generator (default: images cycle through the classes in batches). */
  label?: number;
  /** Compute the Fréchet classifier distance with this dataset's classifier (images must match it, e.g. 28x28x1). */
  dataset?: ClassifierDataset;
  /** Metadata recorded in every export. */
  meta?: ExportOptions['meta'];
}

/** One row of the comparison. */
export interface CompressionRow {
  variant: string;
  quantize: string;
  prune: number;
  /** Bytes of the weights file, raw and gzipped (what an HTTP client downloads with gzip). */
  weightBytes: number;
  gzipBytes: number;
  /** Raw float32 weight bytes / this variant's gzipped bytes. */
  reduction: number;
  /** Mean squared difference from the float32 model's images (values in [-1, 1]). */
  mse: number;
  /** Largest change of one pixel, in 0..255 levels. */
  maxPixelDelta: number;
  /** Fréchet classifier distance to the real data (lower is better), when `dataset` was given. */
  fcd?: number;
  dir: string;
}

/** The comparison as a table that displays itself. */
export class CompressionReport {
  constructor(readonly rows: CompressionRow[], readonly title: string) {}

  /** The comparison as a {@link Table}. */
  toTable(): Table {
    const kb = (b: unknown) => ((b as number) / 1024).toFixed(1);
    const hasFcd = this.rows.some((r) => r.fcd !== undefined);
    return table(this.rows, {
      title: this.title,
      columns: ['variant', 'weightBytes', 'gzipBytes', 'reduction', 'mse', 'maxPixelDelta', ...(hasFcd ? ['fcd'] : [])],
      headers: {
        weightBytes: 'weights (KiB)', gzipBytes: 'gzipped (KiB)', reduction: 'smaller than raw float32', mse: 'MSE vs float32',
        maxPixelDelta: 'max Δ pixel (0-255)', fcd: 'FCD (lower is better)',
      },
      format: {
        weightBytes: kb, gzipBytes: kb, reduction: (v) => `${(v as number).toFixed(1)}x`,
        mse: (v) => (v === 0 ? '0' : (v as number).toExponential(2)), maxPixelDelta: String, fcd: (v) => (v as number).toFixed(2),
      },
      className: 'ganbook-compression',
    });
  }

  /** Aligned text (REPL, console). */
  toText(): string {
    return this.toTable().toText();
  }

  /** An HTML table (notebooks). */
  toHtml(): string {
    return this.toTable().toHtml();
  }

  toMimeBundle(): Record<string, unknown> {
    return { 'text/html': this.toHtml(), 'text/plain': this.toText() };
  }
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'variant';
}

/**
 * Exports `model` once per variant and measures size against quality.
 *
 * @example
 * ```ts
 * const report = await compareCompression(gan.generator, { dir: 'exports/compare', dataset: 'mnist', count: 1000 });
 * await show(report); // variant | weights | gzipped | smaller by | MSE vs float32 | max Δ pixel | FCD
 * ```
 */
export async function compareCompression(model: LayersModel, opts: CompareOptions): Promise<CompressionReport> {
  const variants = opts.variants ?? DEFAULT_VARIANTS;
  const count = opts.count ?? 500;
  const seed = opts.seed ?? 0;
  const rows: CompressionRow[] = [];
  let reference: Tensor4D | null = null;
  const baseBytes = model.countParams() * 4; // float32 weights
  try {
    for (const v of variants) {
      const dir = path.join(opts.dir, slug(v.name));
      const exported = await exportGenerator(model, dir, { quantize: v.quantize, prune: v.prune, meta: opts.meta });
      const { model: loaded, meta } = await loadExport(dir);
      try {
        const images = sample(loaded, meta, count, seed, opts.label);
        try {
          reference ??= sample(model, meta, count, seed, opts.label);
          const ref = reference;
          const [mse, maxDelta] = tf.tidy(() => {
            const d = images.sub(ref);
            return [d.square().mean().dataSync()[0], d.abs().max().dataSync()[0] * 127.5];
          });
          rows.push({
            variant: v.name, quantize: v.quantize ?? 'none', prune: v.prune ?? 0,
            weightBytes: exported.sizes.weights, gzipBytes: exported.sizes.weightsGzip,
            reduction: baseBytes / exported.sizes.weightsGzip,
            mse, maxPixelDelta: Math.round(maxDelta),
            ...(opts.dataset ? { fcd: await frechetClassifierDistance(images, { dataset: opts.dataset, range: [-1, 1] }) } : {}),
            dir,
          });
        } finally {
          images.dispose();
        }
      } finally {
        loaded.dispose();
      }
    }
  } finally {
    (reference as Tensor4D | null)?.dispose();
  }
  return new CompressionReport(rows, `Compression: size vs quality (${count} images, seed ${seed}${opts.dataset ? `, FCD on ${opts.dataset}` : ''})`);
}

/**
 * `count` images in batches of 256, batch `b` from seed `seed + b` (conditional: the given
 * label, or labels cycling 0, 1, 2, ... so every class is represented).
 */
function sample(model: LayersModel, meta: { latentDim: number; numClasses: number }, count: number, seed: number, label?: number): Tensor4D {
  const parts: Tensor4D[] = [];
  for (let i = 0, b = 0; i < count; i += 256, b++) {
    const n = Math.min(256, count - i);
    const batchSeed = (seed + b) >>> 0;
    if (meta.numClasses > 0 && label === undefined) {
      const z = sampleLatent(batchSeed, n, meta.latentDim);
      parts.push(tf.tidy(() => model.predict([
        tf.tensor2d(z, [n, meta.latentDim]),
        tf.tensor2d(Float32Array.from({ length: n }, (_, k) => (i + k) % meta.numClasses), [n, 1]),
      ]) as Tensor4D));
    } else {
      parts.push(generate(model, meta, { count: n, seed: batchSeed, label }));
    }
  }
  if (parts.length === 1) return parts[0];
  const all = tf.concat(parts) as Tensor4D;
  parts.forEach((p) => p.dispose());
  return all;
}
