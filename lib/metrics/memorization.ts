/**
 * Memorization check: is the generator copying its training set? For each sample, the nearest
 * training image (Euclidean distance in pixel space) and its distance; the closest pairs are
 * shown side by side.
 */
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../backend';
import type { Displayable } from '../display/show';
import type { MimeBundle } from '../display/sink';
import { toPng } from '../plot/image';
import { toUnitRange } from './scores';
import { checkMetricOptions, type MetricOptionSpec } from './checks';
import { intOption } from '../options';

/** Options of {@link memorization}. */
export interface MemorizationOptions {
  /** Value range of the samples (GAN outputs: `[-1, 1]`); without it they must be in [0, 1] (else it throws). */
  range?: [number, number];
  /** Value range of the training images; without it they must be in [0, 1], as `loadDataset` returns them (else it throws). */
  trainRange?: [number, number];
  /** How many closest pairs the picture shows (default 8). */
  show?: number;
}

const MEMORIZATION_OPTIONS: Record<string, MetricOptionSpec> = {
  range: { kind: 'range' }, trainRange: { kind: 'range' }, show: intOption(0),
};

/** Result of {@link memorization}: shows the closest sample/training pairs side by side. */
export class MemorizationReport implements Displayable {
  /** Index of the nearest training image for each sample. */
  readonly nearest: Int32Array;
  /** RMS pixel distance (in [0,1] units: `sqrt(mean squared difference)`) to that image. */
  readonly distance: Float32Array;
  /** Sample indices sorted from closest to farthest. */
  readonly order: Int32Array;
  private readonly pairs: Float32Array;
  private readonly imageShape: [number, number, number];
  private readonly shown: number;

  constructor(nearest: Int32Array, distance: Float32Array, pairs: Float32Array, imageShape: [number, number, number], shown: number) {
    this.nearest = nearest;
    this.distance = distance;
    this.order = Int32Array.from(distance.keys()).sort((a, b) => distance[a] - distance[b]);
    this.pairs = pairs;
    this.imageShape = imageShape;
    this.shown = shown;
  }

  /** Smallest, median and mean nearest-neighbour distance. */
  summary(): { min: number; median: number; mean: number; n: number } {
    const d = this.order.length ? Array.from(this.order, (i) => this.distance[i]) : [NaN];
    return { min: d[0], median: d[Math.floor((d.length - 1) / 2)], mean: d.reduce((a, b) => a + b, 0) / d.length, n: this.distance.length };
  }

  /** Fraction of samples closer than `threshold` to a training image (e.g. a real-vs-train baseline's minimum). */
  fractionBelow(threshold: number): number {
    return this.distance.filter((v) => v < threshold).length / this.distance.length;
  }

  /** The closest pairs as `[2k, h, w, c]`: sample, its nearest training image, next sample, ... */
  pairImages(): Tensor4D {
    return tf.tensor4d(this.pairs, [2 * this.shown, ...this.imageShape]);
  }

  async toMimeBundle(): Promise<MimeBundle> {
    const s = this.summary();
    const lines = [`Memorization check: ${s.n} samples vs training set; RMS pixel distance to the nearest training image`,
      `  min ${s.min.toFixed(4)}, median ${s.median.toFixed(4)}, mean ${s.mean.toFixed(4)}`,
      `  closest ${this.shown} pairs (sample | nearest training image): `
        + Array.from(this.order.subarray(0, this.shown), (i) => `#${i}→train #${this.nearest[i]} (${this.distance[i].toFixed(3)})`).join(', ')];
    const bundle: MimeBundle = { 'text/plain': lines.join('\n') };
    if (this.shown > 0) {
      const t = this.pairImages();
      try {
        bundle['image/png'] = await toPng(t, { cols: 2 * Math.min(4, this.shown), range: [0, 1], scale: 2 });
      } finally {
        t.dispose();
      }
    }
    return bundle;
  }
}

/**
 * For each sample, the nearest training image and its RMS pixel distance; displays the
 * closest pairs side by side. Distances of real held-out images to the training set make the
 * baseline: samples much closer than that are likely copies.
 *
 * @example
 * ```ts
 * const train = await loadDataset('mnist');
 * const m = memorization(samples, train.images, { range: [-1, 1] });
 * m.summary();   // { min: 0.09, median: 0.21, ... }
 * await show(m); // closest pairs: sample | nearest training image
 * ```
 * @throws for an unknown or ill-typed option, a shape mismatch, or — without `range` / `trainRange` —
 * samples / training images with values outside [0, 1] (e.g. `trainer.samples()`: pass `{ range: [-1, 1] }`).
 */
export function memorization(samples: Tensor4D, train: Tensor4D | { images: Tensor4D }, opts: MemorizationOptions = {}): MemorizationReport {
  checkMetricOptions(opts, MEMORIZATION_OPTIONS, 'memorization option');
  const trainImages = train instanceof tf.Tensor ? train : train.images;
  if (!(trainImages instanceof tf.Tensor) || trainImages.rank !== 4) {
    throw new Error('memorization: train must be a Tensor4D [N,h,w,c] or a Dataset; got something else.');
  }
  if (samples.rank !== 4 || samples.shape.slice(1).join() !== trainImages.shape.slice(1).join()) {
    throw new Error(`memorization: shape mismatch, samples [${samples.shape}] vs training images [${trainImages.shape}]; expected the same [h,w,c].`);
  }
  const [n, h, w, c] = samples.shape;
  const N = trainImages.shape[0];
  if (n < 1 || N < 1) throw new Error(`memorization needs at least 1 sample and 1 training image; got ${n} and ${N}.`);
  const D = h * w * c;
  const x = toUnitRange(samples, opts.range, 'samples');
  let t: Tensor4D;
  try {
    t = toUnitRange(trainImages, opts.trainRange, 'training images', { option: 'trainRange' });
  } catch (err) {
    x.dispose();
    throw err;
  }
  const nearest = new Int32Array(n);
  const distance = new Float32Array(n);
  try {
    const tf2 = t.reshape([N, D]) as Tensor2D;
    const tNorm = tf.tidy(() => tf2.square().sum(1).reshape([1, N]));
    const chunk = Math.max(1, Math.floor(4e6 / N));
    for (let s = 0; s < n; s += chunk) {
      const rows = Math.min(chunk, n - s);
      const [idx, d2] = tf.tidy(() => {
        const a = x.slice([s, 0, 0, 0], [rows, h, w, c]).reshape([rows, D]) as Tensor2D;
        const dist = a.square().sum(1, true).add(tNorm).sub(a.matMul(tf2, false, true).mul(2)).relu();
        return [dist.argMin(1).dataSync(), dist.min(1).dataSync()];
      });
      nearest.set(idx, s);
      for (let i = 0; i < rows; i++) distance[s + i] = Math.sqrt(d2[i] / D);
    }
    tf.dispose([tf2, tNorm]);
    const shown = Math.min(opts.show ?? 8, n);
    const order = Int32Array.from(distance.keys()).sort((a, b) => distance[a] - distance[b]).subarray(0, shown);
    const pairs = tf.tidy(() => {
      const si = tf.tensor1d(order, 'int32');
      const ti = tf.tensor1d(Array.from(order, (i) => nearest[i]), 'int32');
      return tf.stack([tf.gather(x, si), tf.gather(t, ti)], 1).reshape([2 * shown, h, w, c]).dataSync() as Float32Array;
    });
    return new MemorizationReport(nearest, distance, pairs, [h, w, c], shown);
  } finally {
    tf.dispose([x, t]);
  }
}

/** Converts any image tensor given in `range` to [0,1] (re-exported helper for notebooks). */
export function unitImages(images: Tensor, range: [number, number] = [-1, 1]): Tensor4D {
  return toUnitRange(images, range);
}
