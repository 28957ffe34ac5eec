/**
 * Image tensors to pictures: pure functions, data in, PNG bytes out.
 */
import { tf, type Tensor, type Tensor3D } from '../backend';

/** Options for {@link imageGrid} and {@link toPng}. */
export interface GridOptions {
  /** Columns of the grid (default: ceil(sqrt(n))). */
  cols?: number;
  /** Pixels of padding between tiles (default 2). */
  pad?: number;
  /** Value range of the input: `[-1, 1]` (GAN output) or `[0, 1]`; default: guessed from the data. */
  range?: [number, number];
  /** Integer upscale factor so small images are visible (default: so the grid is at least ~160 px). */
  scale?: number;
}

/** Normalises an image tensor to uint8 `[h, w, c]` (c = 1 or 3), tiling `[n,h,w,c]` into a grid. */
export function imageGrid(images: Tensor, opts: GridOptions = {}): Tensor3D {
  return tf.tidy(() => {
    let x = images.toFloat();
    if (x.rank === 2) x = x.expandDims(-1);
    if (x.rank === 3) {
      // [h,w,c] with c in {1,3,4} is one image; anything else is [n,h,w] grayscale.
      const c = x.shape[2];
      x = c === 1 || c === 3 || c === 4 ? x.expandDims(0) : x.expandDims(-1);
    }
    if (x.rank !== 4) throw new Error(`imageGrid expects [h,w], [h,w,c] or [n,h,w,c]; got shape [${images.shape}]`);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    if (c === 4) x = x.slice([0, 0, 0, 0], [n, h, w, 3]);
    const channels = c === 4 ? 3 : c;
    const [lo, hi] = opts.range ?? (x.min().dataSync()[0] < -1e-6 ? [-1, 1] : [0, x.max().dataSync()[0] > 1.5 ? 255 : 1]);
    x = x.sub(lo).div(hi - lo).clipByValue(0, 1).mul(255);
    const cols = Math.max(1, Math.min(n, opts.cols ?? Math.ceil(Math.sqrt(n))));
    const rows = Math.ceil(n / cols);
    const pad = opts.pad ?? (n > 1 ? 2 : 0);
    if (rows * cols > n) x = x.concat(tf.zeros([rows * cols - n, h, w, channels]));
    x = x.pad([[0, 0], [0, pad], [0, pad], [0, 0]]);
    const ph = h + pad, pw = w + pad;
    const gh = rows * ph - pad, gw = cols * pw - pad;
    let grid = x.reshape([rows, cols, ph, pw, channels]).transpose([0, 2, 1, 3, 4])
      .reshape([rows * ph, cols * pw, channels]).slice([0, 0, 0], [gh, gw, channels]) as Tensor3D;
    const scale = opts.scale ?? Math.max(1, Math.min(8, Math.floor(160 / Math.max(gh, gw, 1))));
    if (scale > 1) grid = tf.image.resizeNearestNeighbor(grid, [gh * scale, gw * scale]);
    return grid.round().toInt() as Tensor3D;
  });
}

/** Encodes an image tensor (or a batch, as a grid) to PNG bytes. */
export async function toPng(images: Tensor, opts: GridOptions = {}): Promise<Uint8Array> {
  const grid = imageGrid(images, opts);
  try {
    if (tf.node?.encodePng) return await tf.node.encodePng(grid);
    return await encodePngWithCanvas(grid);
  } finally {
    grid.dispose();
  }
}

async function encodePngWithCanvas(grid: Tensor3D): Promise<Uint8Array> {
  const { createCanvas } = require('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
  const [h, w, c] = grid.shape;
  const src = await grid.data();
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) img.data[i * 4 + k] = src[i * c + (c === 1 ? 0 : k)];
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas.encode('png');
}
