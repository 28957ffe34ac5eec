/**
 * Differentiable augmentation (DiffAugment; Zhao, Liu, Lin, Zhu & Han 2020, "Differentiable
 * Augmentation for Data-Efficient GAN Training", NeurIPS): the critic sees every image — real and
 * generated, in the critic's and the generator's updates — through the same kind of random
 * transform T, and the generator's gradient flows back through T. On small datasets (a few
 * thousand images: emoji, a user's folder of sprites) the critic otherwise memorizes the real
 * images within a few dozen epochs.
 *
 * The transforms are the paper's three (its `color,translation,cutout` policy), on images in
 * [-1, 1]:
 * - `color`: brightness `x + (r − 0.5)`, then saturation `(x − mean_c x)·2r + mean_c x` (mean over
 *   the channels of each pixel), then contrast `(x − mean x)·(r + 0.5) + mean x` (mean over each
 *   image); a fresh `r ~ U[0, 1)` per image for each.
 * - `translation`: a shift by up to 1/8 of the side (rounded), an integer per axis per image, the
 *   uncovered border filled with 0.
 * - `cutout`: one square of half the side (rounded) per image set to 0, centred anywhere (clipped
 *   at the border).
 *
 * Written once against {@link LossOps} (as the objectives are), so the same transform runs in
 * tfjs' autodiff and on the native engine's tape; translation is two batched matrix products
 * (rows, then columns) with per-image shift matrices, so it has a gradient (of any order).
 */
import { tf, type Tensor, type Tensor3D, type Tensor4D } from '../backend';
import { mulberry32 } from '../data/random';
import type { LossOps } from './objectives/types';
import { tfjsOps } from './objectives/tfjs-ops';

/** The transforms of a policy, applied in this order. */
export const DIFF_AUGMENT_TRANSFORMS = ['color', 'translation', 'cutout'] as const;
export type DiffAugmentTransform = (typeof DIFF_AUGMENT_TRANSFORMS)[number];

/** One image's draws (what {@link diffAugmentDraws} returns per image). */
export interface AugmentDraw {
  brightness: number;
  saturation: number;
  contrast: number;
  /** Shift in pixels along rows (down) and columns (right). */
  dy: number;
  dx: number;
  /** Cutout square: top-left corner (may be negative: clipped) and side, in pixels. */
  cutY: number;
  cutX: number;
  cutSize: number;
}

/**
 * Parses a policy string (`'color,translation,cutout'`, any subset, comma-separated).
 *
 * @throws Error naming the unknown transform, or an empty policy.
 * @example
 * ```ts
 * parseDiffAugmentPolicy('translation,cutout'); // ['translation', 'cutout']
 * ```
 */
export function parseDiffAugmentPolicy(policy: string): DiffAugmentTransform[] {
  const parts = policy.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new Error(`Expected a DiffAugment policy such as 'color,translation,cutout'; got '${policy}'.`);
  for (const p of parts) {
    if (!(DIFF_AUGMENT_TRANSFORMS as readonly string[]).includes(p)) {
      throw new Error(`Expected DiffAugment transforms from ${DIFF_AUGMENT_TRANSFORMS.join(', ')}; got '${p}' in '${policy}'.`);
    }
  }
  return DIFF_AUGMENT_TRANSFORMS.filter((t) => parts.includes(t));
}

/**
 * The random draws of one application to `n` images of `h`x`w` (seeded: the same seed, the same
 * draws, in both steps).
 */
export function diffAugmentDraws(seed: number, n: number, h: number, w: number): AugmentDraw[] {
  const rand = mulberry32(seed);
  const shiftY = Math.floor(h * 0.125 + 0.5), shiftX = Math.floor(w * 0.125 + 0.5);
  const cutH = Math.floor(h * 0.5 + 0.5);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
  return Array.from({ length: n }, () => {
    const brightness = rand(), saturation = rand(), contrast = rand();
    const dy = int(-shiftY, shiftY), dx = int(-shiftX, shiftX);
    // a centre anywhere in the image; the square's top-left is centre − side/2
    const cy = int(0, h - 1), cx = int(0, w - 1);
    return { brightness, saturation, contrast, dy, dx, cutY: cy - Math.floor(cutH / 2), cutX: cx - Math.floor(cutH / 2), cutSize: cutH };
  });
}

/** `[n, size, size]` matrices S with `(S·x)[i] = x[i − shift]` (0 outside): row shifts, or column shifts of `[.., w·c]` rows with `repeat = c`. */
function shiftMatrices(shifts: number[], size: number, repeat = 1, transpose = false): Tensor3D {
  const m = size * repeat, out = new Float32Array(shifts.length * m * m);
  shifts.forEach((s, n) => {
    for (let i = 0; i < size; i++) {
      const j = i - s; // output position i takes input position j
      if (j < 0 || j >= size) continue;
      for (let r = 0; r < repeat; r++) {
        const oi = i * repeat + r, ij = j * repeat + r;
        out[n * m * m + (transpose ? ij * m + oi : oi * m + ij)] = 1;
      }
    }
  });
  return tf.tensor3d(out, [shifts.length, m, m]);
}

/**
 * Applies the policy's transforms to `x` (`[n, h, w, c]`, values in [-1, 1]) with the given draws.
 * Differentiable w.r.t. `x` (the draws are constants).
 *
 * @example
 * ```ts
 * const y = applyDiffAugment(tfjsOps, images, ['translation'], diffAugmentDraws(1, 16, 28, 28));
 * ```
 */
export function applyDiffAugment<T>(o: LossOps<T>, x: T, transforms: readonly DiffAugmentTransform[], draws: AugmentDraw[]): T {
  const [n, h, w, c] = o.shape(x);
  if (draws.length !== n) throw new Error(`Expected ${n} augmentation draws (one per image); got ${draws.length}.`);
  const perImage = (f: (d: AugmentDraw) => number, shape: number[], repeat = 1) =>
    o.constant(tf.tensor(Float32Array.from({ length: n * repeat }, (_, i) => f(draws[Math.floor(i / repeat)])), shape));
  let y = x;
  if (transforms.includes('color')) {
    // brightness and contrast on [n, h·w·c]; saturation on [n·h·w, c] (a pixel's channel mean is x·J/c)
    let flat = o.reshape(y, [n, h * w * c]);
    flat = o.add(flat, perImage((d) => d.brightness - 0.5, [n, 1]));
    let pix = o.reshape(flat, [n * h * w, c]);
    const chanMean = o.matMul(pix, o.constant(tf.fill([c, c], 1 / c)));
    pix = o.add(o.mul(o.sub(pix, chanMean), perImage((d) => 2 * d.saturation, [n * h * w, 1], h * w)), chanMean);
    flat = o.reshape(pix, [n, h * w * c]);
    const imgMean = o.matMul(flat, o.constant(tf.fill([h * w * c, 1], 1 / (h * w * c))));
    flat = o.add(o.mul(o.sub(flat, imgMean), perImage((d) => d.contrast + 0.5, [n, 1])), imgMean);
    y = o.reshape(flat, [n, h, w, c]);
  }
  if (transforms.includes('translation')) {
    const rows = o.constant(shiftMatrices(draws.map((d) => d.dy), h));
    const cols = o.constant(shiftMatrices(draws.map((d) => d.dx), w, c, true));
    const r = o.matMul(rows, o.reshape(y, [n, h, w * c]));      // shift rows: [n,h,h]·[n,h,w·c]
    y = o.reshape(o.matMul(r, cols), [n, h, w, c]);             // shift columns: [n,h,w·c]·[n,w·c,w·c]
  }
  if (transforms.includes('cutout')) {
    const mask = new Float32Array(n * h * w * c).fill(1);
    draws.forEach((d, k) => {
      const j0 = Math.max(0, d.cutX), j1 = Math.min(w, d.cutX + d.cutSize);
      if (j1 <= j0) return;
      // NHWC: a row's pixels j0..j1 (all channels) are one contiguous run
      for (let i = Math.max(0, d.cutY); i < Math.min(h, d.cutY + d.cutSize); i++) mask.fill(0, ((k * h + i) * w + j0) * c, ((k * h + i) * w + j1) * c);
    });
    y = o.mul(y, o.constant(tf.tensor4d(mask, [n, h, w, c])));
  }
  return y;
}

/**
 * A DiffAugment policy bound to its transforms: `apply(o, x, seed)` draws and transforms.
 *
 * @throws Error for an unknown or empty policy (see {@link parseDiffAugmentPolicy}).
 * @example
 * ```ts
 * new GanTrainer(gan, emoji, { diffAugment: 'color,translation,cutout' });
 * ```
 */
export function diffAugment(policy = 'color,translation,cutout'): { policy: string; apply<T>(o: LossOps<T>, x: T, seed: number): T } {
  const transforms = parseDiffAugmentPolicy(policy);
  return {
    policy: transforms.join(','),
    apply<T>(o: LossOps<T>, x: T, seed: number): T {
      const shape = o.shape(x);
      if (shape.length !== 4) throw new Error(`DiffAugment expects images [n, h, w, c]; got shape [${shape.join(', ')}].`);
      const [n, h, w] = shape;
      return applyDiffAugment(o, x, transforms, diffAugmentDraws(seed, n, h, w));
    },
  };
}

/** What {@link diffAugment} returns. */
export type DiffAugment = ReturnType<typeof diffAugment>;

/**
 * What the critic sees: `images` (`[n, h, w, c]` in [-1, 1]) through a DiffAugment policy with
 * `seed`'s draws, as a new tensor (the caller disposes it).
 *
 * @throws Error for an unknown or empty policy.
 * @example
 * ```ts
 * const seen = diffAugmentImages(real, 'color,translation,cutout', 1);
 * await show(seen, { range: [-1, 1] }); seen.dispose();
 * ```
 */
export function diffAugmentImages(images: Tensor4D, policy = 'color,translation,cutout', seed = 0): Tensor4D {
  const aug = diffAugment(policy);
  return tf.tidy(() => aug.apply(tfjsOps, images as Tensor, seed) as Tensor4D);
}
