/**
 * Pixel statistics of a {@link Dataset}, computed in one pass over its compact store, and the
 * vega-lite charts that show them (class balance, pixel and per-image histograms).
 */
import type { VegaLiteSpec } from '../plot/chart';
import type { Dataset } from './dataset';

/** Whole-set and per-image pixel statistics (values in [0, 1]). */
export interface PixelStats {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Mean of each image. */
  imageMean: Float32Array;
  /** Standard deviation of each image. */
  imageStd: Float32Array;
  /** Range (max - min) of each image. */
  imageRange: Float32Array;
  /** Counts of pixel values in `bins` equal-width bins over [0, 1]. */
  histogram: number[];
}

/**
 * Computes {@link PixelStats} (for MNIST train: mean 0.1307, std 0.3081).
 *
 * @example
 * ```ts
 * const s = pixelStats(ds);
 * s.mean; s.std; s.imageMean[0];
 * ```
 */
export function pixelStats(ds: Dataset, bins = 32): PixelStats {
  const per = ds.imageSize;
  const px = ds.pixels;
  const k = 1 / ds.maxValue;
  const imageMean = new Float32Array(ds.size), imageStd = new Float32Array(ds.size), imageRange = new Float32Array(ds.size);
  const histogram = new Array<number>(bins).fill(0);
  let sum = 0, sum2 = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < ds.size; i++) {
    let s = 0, s2 = 0, lo = Infinity, hi = -Infinity;
    for (let p = i * per; p < (i + 1) * per; p++) {
      const v = px[p] * k;
      s += v; s2 += v * v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      histogram[Math.min(bins - 1, Math.floor(v * bins))]++;
    }
    const m = s / per;
    imageMean[i] = m;
    imageStd[i] = Math.sqrt(Math.max(0, s2 / per - m * m));
    imageRange[i] = hi - lo;
    sum += s; sum2 += s2;
    if (lo < min) min = lo;
    if (hi > max) max = hi;
  }
  const count = ds.size * per;
  const mean = sum / count;
  return { mean, std: Math.sqrt(Math.max(0, sum2 / count - mean * mean)), min, max, imageMean, imageStd, imageRange, histogram };
}

/**
 * Bar chart of images per class.
 *
 * @example
 * ```ts
 * await show(classBalanceChart(ds));
 * ```
 */
export function classBalanceChart(ds: Dataset): VegaLiteSpec {
  const counts = ds.classCounts();
  return {
    title: `${ds.name}: images per class`,
    width: 360, height: 180,
    data: { values: ds.classNames.map((name, i) => ({ class: name, index: i, count: counts[i] })) },
    mark: 'bar',
    encoding: {
      x: { field: 'class', type: 'nominal', sort: { field: 'index' }, title: 'class' },
      y: { field: 'count', type: 'quantitative', title: 'images' },
      tooltip: [{ field: 'class' }, { field: 'count' }],
    },
  };
}

/**
 * Histograms of pixel values and of per-image mean brightness (log-scale counts).
 *
 * @example
 * ```ts
 * await show(pixelStatsChart(ds, pixelStats(ds)));
 * ```
 */
export function pixelStatsChart(ds: Dataset, stats: PixelStats = pixelStats(ds)): VegaLiteSpec {
  const bins = stats.histogram.length;
  const pixelValues = stats.histogram.map((count, i) => ({ start: i / bins, end: (i + 1) / bins, count }));
  const meanHist = new Array<number>(bins).fill(0);
  for (const m of stats.imageMean) meanHist[Math.min(bins - 1, Math.floor(m * bins))]++;
  const meanValues = meanHist.map((count, i) => ({ start: i / bins, end: (i + 1) / bins, count }));
  const panel = (title: string, values: object[], x: string, y: string, log: boolean): VegaLiteSpec => ({
    title, width: 260, height: 160, data: { values }, mark: 'bar',
    encoding: {
      x: { field: 'start', type: 'quantitative', bin: { binned: true, step: 1 / bins }, title: x, scale: { domain: [0, 1] } },
      x2: { field: 'end' },
      y: { field: 'count', type: 'quantitative', title: y, ...(log ? { scale: { type: 'symlog' } } : {}) },
    },
  });
  return {
    title: `${ds.name}: pixel statistics (mean ${stats.mean.toFixed(4)}, std ${stats.std.toFixed(4)})`,
    hconcat: [
      panel('pixel values', pixelValues, 'pixel value (0 = black, 1 = white)', 'pixels (symlog)', true),
      panel('per-image mean brightness', meanValues, 'image mean (0..1)', 'images', false),
    ],
  };
}
