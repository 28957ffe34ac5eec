/**
 * Pixel metrics between image batches: MSE, PSNR, SSIM and MS-SSIM (and MS-SSIM as a diversity
 * measure over sample pairs). Images are NHWC tensors (`[n,h,w,c]`; `[h,w]` and `[h,w,c]` are
 * treated as one image) compared **on their values as given**; the data range `L` (for PSNR's peak
 * and SSIM's constants) is `dataRange`, or else the width of `range` (default `[0, 1]` → `L = 1`;
 * GAN outputs in `[-1, 1]` → pass `{ range: [-1, 1] }`, `L = 2`).
 */
import { mulberry32 as uniformStream } from '../data/random';
import { tf, type Tensor, type Tensor4D } from '../backend';
import { assertUnitRange } from './checks';

/** Options shared by the pixel metrics. */
export interface PixelOptions {
  /**
   * Value range of the inputs (default `[0, 1]`); sets the default `dataRange`. With neither
   * `range` nor `dataRange`, values outside [0, 1] (below −0.01, above 1.01) throw: L = 1 would be wrong for them.
   */
  range?: [number, number];
  /** Data range `L` (max - min possible value); default `range[1] - range[0]`. */
  dataRange?: number;
}

/** SSIM options (defaults are Wang et al. 2004's and scikit-image's Gaussian variant). */
export interface SsimOptions extends PixelOptions {
  /** Gaussian window sigma in pixels (default 1.5; the window has 2·floor(3.5σ + 0.5) + 1 taps, 11 for 1.5). */
  sigma?: number;
  k1?: number;
  k2?: number;
}

/** As a batch `[n,h,w,c]`, validated (finite, rank 2-4). Returns a new tensor (caller disposes). */
function asBatch(x: Tensor, name: string): Tensor4D {
  if (!(x instanceof tf.Tensor)) throw new Error(`${name} must be an image tensor [n,h,w,c]; got ${typeof x}.`);
  if (x.rank < 2 || x.rank > 4) throw new Error(`${name} must be [n,h,w,c], [h,w,c] or [h,w]; got shape [${x.shape}].`);
  return tf.tidy(() => {
    let t = x.toFloat();
    if (t.rank === 2) t = t.expandDims(-1);
    if (t.rank === 3) t = t.expandDims(0);
    return t as Tensor4D;
  });
}

/** Throws a clear error when `x` holds NaN or ±Inf. */
export function assertFinite(x: Tensor, name = 'images'): void {
  const bad = tf.tidy(() => tf.logicalNot(tf.isFinite(x)).any().dataSync()[0]);
  if (bad) throw new Error(`${name} contain NaN or Inf values; expected finite pixels (check the generator output or the loss for divergence).`);
}

function pair(a: Tensor, b: Tensor, what: string): [Tensor4D, Tensor4D] {
  const x = asBatch(a, `${what}: the first argument`);
  const y = asBatch(b, `${what}: the second argument`);
  if (x.shape.join() !== y.shape.join()) {
    tf.dispose([x, y]);
    throw new Error(`${what}: shape mismatch, [${a.shape}] vs [${b.shape}]; pass two batches of the same shape (same n, h, w, c).`);
  }
  try {
    assertFinite(x, `${what}: the first images`);
    assertFinite(y, `${what}: the second images`);
  } catch (err) {
    tf.dispose([x, y]);
    throw err;
  }
  return [x, y];
}

/** With neither `range` nor `dataRange` in `opts`, checks that `images` are in [0, 1] (the default L = 1 assumes it). */
function checkDefaultRange(opts: PixelOptions, images: Tensor[], what: string): void {
  if (opts.range !== undefined || opts.dataRange !== undefined) return;
  for (const x of images) {
    assertUnitRange(x, `${what} images`, { effect: 'the default data range L = 1 does not cover', fix: 'pass { range: [-1, 1] } for tanh outputs such as trainer.samples() (L = 2), or { dataRange: L }' });
  }
}

function dataRangeOf(opts: PixelOptions): number {
  const [lo, hi] = opts.range ?? [0, 1];
  const r = opts.dataRange ?? hi - lo;
  if (!(r > 0) || !Number.isFinite(r)) throw new Error(`dataRange must be a positive number; got ${r} (range [${lo}, ${hi}]).`);
  return r;
}

/**
 * Mean squared error per image, `[n]`.
 *
 * @example
 * ```ts
 * mseEach(a, b); // Float32Array [0.012, 0.008, ...]
 * ```
 */
export function mseEach(a: Tensor, b: Tensor): Float32Array {
  const [x, y] = pair(a, b, 'mse');
  try {
    return tf.tidy(() => x.squaredDifference(y).mean([1, 2, 3]).dataSync() as Float32Array);
  } finally {
    tf.dispose([x, y]);
  }
}

/**
 * Mean squared error over all pixels of both batches (0 for identical images).
 *
 * @example
 * ```ts
 * mse(reconstructions, originals); // 0.0123
 * ```
 */
export function mse(a: Tensor, b: Tensor): number {
  const per = mseEach(a, b);
  return per.reduce((s, v) => s + v, 0) / per.length;
}

/**
 * Peak signal-to-noise ratio in dB, `10 log10(L² / MSE)`, of the whole batch
 * (scikit-image's `peak_signal_noise_ratio`; `Infinity` for identical images).
 *
 * @example
 * ```ts
 * psnr(reconstructions, originals, { dataRange: 1 }); // 19.1 (dB)
 * ```
 * @throws for a shape mismatch, NaN/Inf, or — with neither `range` nor `dataRange` — values outside [0, 1].
 */
export function psnr(a: Tensor, b: Tensor, opts: PixelOptions = {}): number {
  const L = dataRangeOf(opts);
  const m = mse(a, b);
  checkDefaultRange(opts, [a, b], 'psnr:');
  return m === 0 ? Infinity : 10 * Math.log10((L * L) / m);
}

/** Normalised 1-D Gaussian taps as scipy.ndimage.gaussian_filter makes them (truncate 3.5). */
export function gaussianTaps(sigma = 1.5, truncate = 3.5, size?: number): Float32Array {
  const radius = size !== undefined ? (size - 1) / 2 : Math.floor(truncate * sigma + 0.5);
  const taps = new Float64Array(2 * radius + 1);
  for (let i = -radius; i <= radius; i++) taps[i + radius] = Math.exp(-0.5 * (i * i) / (sigma * sigma));
  const sum = taps.reduce((s, v) => s + v, 0);
  return Float32Array.from(taps, (v) => v / sum);
}

/** Separable Gaussian filter over h and w, "valid" (no padding), per channel. */
function gaussValid(x: Tensor4D, taps: Float32Array): Tensor4D {
  const c = x.shape[3];
  const k = taps.length;
  const col = tf.tensor4d(taps, [k, 1, 1, 1]).tile([1, 1, c, 1]) as Tensor4D;
  const row = col.reshape([1, k, c, 1]) as Tensor4D;
  return tf.depthwiseConv2d(tf.depthwiseConv2d(x, col, 1, 'valid'), row, 1, 'valid');
}

/**
 * SSIM maps' spatial means per image (and the contrast-structure term), for one scale.
 * Returns `[ssim, cs]`, each `[n]`.
 */
function ssimTerms(x: Tensor4D, y: Tensor4D, L: number, taps: Float32Array, k1: number, k2: number): [Tensor, Tensor] {
  return tf.tidy(() => {
    const c1 = (k1 * L) ** 2, c2 = (k2 * L) ** 2;
    // Subtract a per-image offset first: SSIM's terms only use differences of filtered values,
    // and centring keeps float32 round-off in uxx - ux² small.
    const off = x.add(y).mean([1, 2, 3], true).div(2);
    const xc = x.sub(off) as Tensor4D, yc = y.sub(off) as Tensor4D;
    const f = (t: Tensor4D) => gaussValid(t, taps);
    const ux = f(xc), uy = f(yc);
    const vx = f(xc.square() as Tensor4D).sub(ux.square());
    const vy = f(yc.square() as Tensor4D).sub(uy.square());
    const vxy = f(xc.mul(yc) as Tensor4D).sub(ux.mul(uy));
    const mx = ux.add(off), my = uy.add(off);
    const lum = mx.mul(my).mul(2).add(c1).div(mx.square().add(my.square()).add(c1));
    const cs = vxy.mul(2).add(c2).div(vx.add(vy).add(c2));
    return [lum.mul(cs).mean([1, 2, 3]), cs.mean([1, 2, 3])];
  });
}

function checkSize(x: Tensor4D, win: number, what: string): void {
  const [, h, w] = x.shape;
  if (h < win || w < win) {
    throw new Error(`${what}: images of ${h}x${w} are smaller than the ${win}x${win} Gaussian window; use images of at least ${win}x${win} or a smaller sigma.`);
  }
}

/**
 * SSIM per image pair, `[n]` (multi-channel images: the mean over channels).
 * Same definition as scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=L)`: an 11-tap Gaussian window, and the mean of the
 * SSIM map over the "valid" region (the 5-pixel border is left out, as scikit-image crops it).
 *
 * @example
 * ```ts
 * ssimEach(a, b); // Float32Array [0.91, 0.87, ...]
 * ```
 */
export function ssimEach(a: Tensor, b: Tensor, opts: SsimOptions = {}): Float32Array {
  const [x, y] = pair(a, b, 'ssim');
  try {
    checkDefaultRange(opts, [x, y], 'ssim:');
    const taps = gaussianTaps(opts.sigma ?? 1.5);
    checkSize(x, taps.length, 'ssim');
    return tf.tidy(() => ssimTerms(x, y, dataRangeOf(opts), taps, opts.k1 ?? 0.01, opts.k2 ?? 0.03)[0].dataSync() as Float32Array);
  } finally {
    tf.dispose([x, y]);
  }
}

/**
 * Structural similarity (Wang et al. 2004) with a Gaussian window (sigma 1.5, K1 0.01, K2 0.03),
 * averaged over the batch; 1 for identical images. Matches scikit-image to 1e-4.
 *
 * @example
 * ```ts
 * ssim(reconstructions, originals);                  // [0,1] images
 * ssim(fake, real, { range: [-1, 1] });              // GAN outputs: L = 2
 * ```
 * @throws for a shape mismatch, NaN/Inf, images smaller than the window, or — with neither `range` nor `dataRange` — values outside [0, 1].
 */
export function ssim(a: Tensor, b: Tensor, opts: SsimOptions = {}): number {
  const per = ssimEach(a, b, opts);
  return per.reduce((s, v) => s + v, 0) / per.length;
}

/** MS-SSIM weights of Wang et al. 2003 (5 scales). */
export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/** MS-SSIM options. */
export interface MsSsimOptions extends SsimOptions {
  /**
   * Number of scales (default: as many as keep the smallest side ≥ 7 px, at most 5: 3 for
   * 28x28). The first `levels` of {@link MS_SSIM_WEIGHTS} are used, renormalised to sum 1.
   */
  levels?: number;
}

/** Default number of MS-SSIM scales for images with smallest side `side`. */
export function msSsimLevels(side: number): number {
  let levels = 1;
  while (levels < 5 && Math.floor(side / 2 ** levels) >= 7) levels++;
  return levels;
}

/**
 * Multi-scale SSIM per image pair, `[n]`. At scale `i` the images are 2x2-average-pooled `i`
 * times; the window is the Gaussian (sigma 1.5) cut to at most the image side (odd: 11, 7, ...);
 * `MS = Π_{i<levels-1} cs_i^{w_i} · ssim_{last}^{w_last}` with negative `cs` clamped to 0.
 *
 * @example
 * ```ts
 * msSsimEach(a, b, { levels: 3 }); // Float32Array [0.83, ...]
 * ```
 */
export function msSsimEach(a: Tensor, b: Tensor, opts: MsSsimOptions = {}): Float32Array {
  const [x0, y0] = pair(a, b, 'msSsim');
  try {
    checkDefaultRange(opts, [x0, y0], 'msSsim:');
    const side = Math.min(x0.shape[1], x0.shape[2]);
    const levels = opts.levels ?? msSsimLevels(side);
    if (!Number.isInteger(levels) || levels < 1 || levels > 5) throw new Error(`msSsim: levels must be an integer 1..5; got ${levels}.`);
    if (Math.floor(side / 2 ** (levels - 1)) < 3) {
      throw new Error(`msSsim: ${levels} scales need images of at least ${3 * 2 ** (levels - 1)} px; got ${side}. Pass fewer levels.`);
    }
    const w = MS_SSIM_WEIGHTS.slice(0, levels);
    const wsum = w.reduce((s, v) => s + v, 0);
    const L = dataRangeOf(opts);
    const sigma = opts.sigma ?? 1.5;
    const k1 = opts.k1 ?? 0.01, k2 = opts.k2 ?? 0.03;
    const full = gaussianTaps(sigma).length;
    return tf.tidy(() => {
      let x: Tensor4D = x0, y: Tensor4D = y0;
      let out = tf.ones([x0.shape[0]]);
      for (let i = 0; i < levels; i++) {
        if (i > 0) {
          x = tf.avgPool(x, 2, 2, 'valid');
          y = tf.avgPool(y, 2, 2, 'valid');
        }
        const s = Math.min(x.shape[1], x.shape[2]);
        let win = Math.min(full, s);
        if (win % 2 === 0) win--;
        const [ss, cs] = ssimTerms(x, y, L, gaussianTaps(sigma, 3.5, win), k1, k2);
        const term = i === levels - 1 ? ss : cs;
        out = out.mul(term.relu().pow(w[i] / wsum));
      }
      return out.dataSync() as Float32Array;
    });
  } finally {
    tf.dispose([x0, y0]);
  }
}

/**
 * Multi-scale SSIM averaged over the batch (1 for identical images).
 *
 * @example
 * ```ts
 * msSsim(a, b); // 0.83
 * ```
 */
export function msSsim(a: Tensor, b: Tensor, opts: MsSsimOptions = {}): number {
  const per = msSsimEach(a, b, opts);
  return per.reduce((s, v) => s + v, 0) / per.length;
}

/** Options of {@link msSsimDiversity}. */
export interface DiversityOptions extends MsSsimOptions {
  /** Number of random pairs of distinct samples (default 200). */
  pairs?: number;
  /** Seed of the pair choice (default 0). */
  seed?: number;
}

/**
 * Mean MS-SSIM over random pairs of distinct samples (Odena et al. 2017's diversity check):
 * lower means more diverse; a collapsed generator scores near 1. Compare with the same number
 * computed on real images.
 *
 * @example
 * ```ts
 * msSsimDiversity(samples, { pairs: 500, seed: 1 }); // 0.21 (real MNIST: ~0.2)
 * ```
 * @throws for fewer than 2 samples, or — with neither `range` nor `dataRange` — values outside [0, 1] (GAN outputs: `{ range: [-1, 1] }`).
 */
export function msSsimDiversity(samples: Tensor, opts: DiversityOptions = {}): number {
  const x = asBatch(samples, 'msSsimDiversity');
  try {
    const n = x.shape[0];
    if (n < 2) throw new Error(`msSsimDiversity needs at least 2 samples; got ${n}.`);
    checkDefaultRange(opts, [x], 'msSsimDiversity: the sample');
    const pairs = opts.pairs ?? 200;
    const rand = mulberry32(opts.seed ?? 0);
    const ia = new Int32Array(pairs), ib = new Int32Array(pairs);
    for (let p = 0; p < pairs; p++) {
      ia[p] = Math.floor(rand() * n);
      ib[p] = (ia[p] + 1 + Math.floor(rand() * (n - 1))) % n;
    }
    const [a, b] = tf.tidy(() => [tf.gather(x, ia), tf.gather(x, ib)]);
    try {
      return msSsim(a, b, opts);
    } finally {
      tf.dispose([a, b]);
    }
  } finally {
    x.dispose();
  }
}

/** Seeded uniform [0, 1) stream for the metrics' pair choices and subsamples (its own salt). */
export function mulberry32(seed: number): () => number {
  return uniformStream((Math.floor(seed) >>> 0) ^ 0x2545f491);
}
