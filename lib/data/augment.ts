/**
 * Seeded data augmentation: random flips, shifts, small rotations and Gaussian noise, each image
 * drawn independently. All randomness comes from one seed, so a seed reproduces the same pixels.
 * (Computed on the CPU in JS: tfjs-node has no `Transform` kernel, and the images are small.)
 */
import { tf, type Tensor4D } from '../backend';
import { toPng } from '../plot/image';
import type { MimeBundle } from '../display/sink';
import { Dataset } from './dataset';
import type { PixelRange } from './prep';
import { seededRandom, type Rng } from './random';

/** What to vary; everything is off unless set. */
export interface AugmentOptions {
  /** Mirror left-right with probability 0.5. */
  flipHorizontal?: boolean;
  /** Mirror top-bottom with probability 0.5. */
  flipVertical?: boolean;
  /** Largest shift, as a fraction of the image side (e.g. 0.1 = up to 10% each way). */
  shift?: number;
  /** Largest rotation in degrees, either way (e.g. 10). */
  rotate?: number;
  /** Standard deviation of added Gaussian noise, in pixel units of `range` (e.g. 0.05). */
  noise?: number;
  /** Value range of the images (default `[0,1]`): the fill value and the clipping bounds. */
  range?: PixelRange;
}

interface Draw { fh: boolean; fv: boolean; dx: number; dy: number; cos: number; sin: number }

function draw(rng: Rng, o: AugmentOptions, h: number, w: number): Draw {
  const fh = o.flipHorizontal ? rng.next() < 0.5 : false;
  const fv = o.flipVertical ? rng.next() < 0.5 : false;
  const dx = o.shift ? (rng.next() * 2 - 1) * o.shift * w : 0;
  const dy = o.shift ? (rng.next() * 2 - 1) * o.shift * h : 0;
  const a = o.rotate ? ((rng.next() * 2 - 1) * o.rotate * Math.PI) / 180 : 0;
  return { fh, fv, dx, dy, cos: Math.cos(a), sin: Math.sin(a) };
}

/** Warps one image (bilinear, constant fill) into `out`. */
function warp(src: Float32Array, out: Float32Array, off: number, h: number, w: number, c: number, d: Draw, fill: number): void {
  const cx = (w - 1) / 2, cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map: undo the shift, then the rotation, then the flips.
      const u = x - cx - d.dx, v = y - cy - d.dy;
      let sx = d.cos * u + d.sin * v + cx;
      let sy = -d.sin * u + d.cos * v + cy;
      if (d.fh) sx = w - 1 - sx;
      if (d.fv) sy = h - 1 - sy;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const ax = sx - x0, ay = sy - y0;
      for (let k = 0; k < c; k++) {
        const at = (yy: number, xx: number): number =>
          (yy < 0 || yy >= h || xx < 0 || xx >= w) ? fill : src[off + (yy * w + xx) * c + k];
        const val = (1 - ay) * ((1 - ax) * at(y0, x0) + ax * at(y0, x0 + 1))
          + ay * ((1 - ax) * at(y0 + 1, x0) + ax * at(y0 + 1, x0 + 1));
        out[off + (y * w + x) * c + k] = val;
      }
    }
  }
}

/**
 * Returns an augmented copy of a batch `[n, h, w, c]` (the input is not changed or disposed).
 *
 * @example
 * ```ts
 * const aug = augment(batch, { flipHorizontal: true, shift: 0.1, rotate: 10, noise: 0.05 }, 42);
 * ```
 */
export function augment(images: Tensor4D, opts: AugmentOptions, seed: number): Tensor4D {
  if (images.rank !== 4) throw new Error(`augment expects images [n, h, w, c]; got shape [${images.shape}].`);
  const [n, h, w, c] = images.shape;
  const src = images.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  augmentInto(src, out, [n, h, w, c], opts, seededRandom(seed));
  return tf.tensor4d(out, [n, h, w, c]);
}

function augmentInto(src: Float32Array, out: Float32Array, shape: number[], opts: AugmentOptions, rng: Rng): void {
  const [n, h, w, c] = shape;
  const [lo, hi] = (opts.range ?? '[0,1]') === '[-1,1]' ? [-1, 1] : [0, 1];
  const per = h * w * c;
  for (let i = 0; i < n; i++) {
    const d = draw(rng, opts, h, w);
    warp(src, out, i * per, h, w, c, d, lo);
    if (opts.noise) {
      for (let p = i * per; p < (i + 1) * per; p++) out[p] += rng.normal() * opts.noise;
    }
    for (let p = i * per; p < (i + 1) * per; p++) out[p] = Math.min(hi, Math.max(lo, out[p]));
  }
}

/**
 * An augmented copy of a whole dataset (float store; labels kept).
 *
 * @example
 * ```ts
 * const more = augmentDataset(ds, { shift: 0.1, rotate: 10 }, 1);
 * ```
 */
export function augmentDataset(ds: Dataset, opts: AugmentOptions, seed: number): Dataset {
  const src = ds.floatPixels(0, ds.size);
  const out = new Float32Array(src.length);
  augmentInto(src, out, [ds.size, ...ds.imageShape], { ...opts, range: '[0,1]' }, seededRandom(seed));
  return new Dataset({ name: `${ds.name}+aug`, pixels: out, shape: [ds.size, ...ds.imageShape], labels: ds.labels, classNames: ds.classNames, attributes: ds.attributes });
}

/** Before/after pictures of an augmentation; displays as a grid (originals on top). */
export class AugmentPreview {
  constructor(readonly before: Tensor4D, readonly after: Tensor4D, readonly opts: AugmentOptions, readonly rows: number) {}

  /** One PNG: the originals in the first row, then `rows` augmented versions below them. */
  async toMimeBundle(): Promise<MimeBundle> {
    const n = this.before.shape[0];
    const grid = tf.concat([this.before, this.after]);
    try {
      const width = n * (this.before.shape[2] + 2);
      const png = await toPng(grid, { cols: n, range: [0, 1], scale: Math.max(1, Math.min(8, Math.floor(640 / width))) });
      return {
        'image/png': png,
        'text/plain': `Augmentation preview: row 1 = ${n} originals; rows 2-${this.rows + 1} = augmented (${JSON.stringify(this.opts)}).`,
      };
    } finally {
      grid.dispose();
    }
  }

  dispose(): void {
    this.before.dispose();
    this.after.dispose();
  }
}

/**
 * Shows what an augmentation does: `n` images from `ds` and `rows` seeded augmentations of each.
 *
 * @example
 * ```ts
 * const p = augmentPreview(ds, { flipHorizontal: true, rotate: 15 }, { seed: 1 });
 * await show(p); p.dispose();
 * ```
 */
export function augmentPreview(ds: Dataset, opts: AugmentOptions, o: { n?: number; rows?: number; seed?: number } = {}): AugmentPreview {
  const n = Math.min(o.n ?? 8, ds.size);
  const rows = o.rows ?? 2;
  const idx = Array.from({ length: n }, (_, i) => Math.floor((i * ds.size) / n));
  const before = ds.gather(idx);
  const rng = seededRandom(o.seed ?? 0);
  const src = before.dataSync() as Float32Array;
  const out = new Float32Array(src.length * rows);
  for (let r = 0; r < rows; r++) {
    const part = out.subarray(r * src.length, (r + 1) * src.length);
    augmentInto(src, part, before.shape, { ...opts, range: '[0,1]' }, rng);
  }
  const after = tf.tensor4d(out, [n * rows, ...ds.imageShape]);
  return new AugmentPreview(before, after, opts, rows);
}
