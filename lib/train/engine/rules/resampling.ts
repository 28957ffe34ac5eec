/**
 * The native engine's rules for the resampling and padding layers people put into hand-built
 * GANs: `UpSampling2D` (nearest and bilinear: the upsample-then-convolve generator of Odena et al.
 * 2016, "Deconvolution and Checkerboard Artifacts"), `AveragePooling2D` and
 * `GlobalAveragePooling2D` (ResNet-style critics), `MaxPooling2D` (classifier-style critics),
 * `ZeroPadding2D` and `Cropping2D`.
 *
 * Each is written with tape ops whose gradients are tape ops again (TensorFlow's pooling kernels
 * and their gradients — `AvgPool` / `AvgPoolGrad`, `MaxPoolGrad` / `MaxPoolGradGrad`, each pair
 * adjoint —, broadcast, batched matrix products, concatenation, split), so it is differentiable
 * twice (a gradient penalty through it works) and runs on the portable ops too (max pooling
 * first-order only there: with a gradient penalty the step is refused up front, naming the layer,
 * and the trainer falls back). NHWC (`channelsLast`) only; other settings raise {@link Unsupported}
 * naming the layer, and the trainer falls back to autodiff saying so.
 */
import { tf } from '../../../backend';
import { cfgOf, pair, registerLayerRule, type AnyLayer } from '../layers';
import { Unsupported, type Tape, type Val } from '../tape';

/** `[[top, bottom], [left, right]]` from tfjs' number / pair / pair-of-pairs forms. */
const margins = (v: unknown): [[number, number], [number, number]] => {
  if (typeof v === 'number') return [[v, v], [v, v]];
  const [a, b] = v as unknown[];
  return [pair(a), pair(b)];
};

function checkChannelsLast(l: AnyLayer): void {
  const f = cfgOf(l).dataFormat;
  if (f && f !== 'channelsLast') throw new Unsupported(`${l.name} (${l.getClassName()}): dataFormat ${String(f)}`);
}

/**
 * The `[out, in]` matrix of 1-D bilinear resizing as TensorFlow's `ResizeBilinear` computes it
 * with `align_corners` and `half_pixel_centers` false (tfjs' `resizeBilinear` defaults, which
 * `UpSampling2D` uses): source position `i·in/out`, its two neighbours, the right one clamped.
 */
export function bilinearMatrix(inSize: number, outSize: number): number[][] {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, i) => {
    const row = new Array<number>(inSize).fill(0);
    const src = i * scale, lo = Math.floor(src), hi = Math.min(lo + 1, inSize - 1), frac = src - lo;
    row[lo] += 1 - frac;
    row[hi] += frac;
    return row;
  });
}

/** Resamples axis 1 of `x` (`[b, in, rest]`) by the constant matrix `m` (`[out, in]`): `[b, out, rest]`. */
function resampleAxis(t: Tape, x: Val, m: number[][]): Val {
  return t.matMul(t.leaf(tf.tensor2d(m)), x);
}

registerLayerRule('UpSampling2D', {
  check(l) {
    checkChannelsLast(l);
    const mode = String(cfgOf(l).interpolation ?? 'nearest');
    if (mode !== 'nearest' && mode !== 'bilinear') throw new Unsupported(`${l.name} (UpSampling2D): interpolation "${mode}"`);
  },
  apply(l, [x], { tape: t }) {
    const [a, b] = pair(cfgOf(l).size ?? 2);
    const [n, h, w, c] = x.shape;
    if (String(cfgOf(l).interpolation ?? 'nearest') === 'nearest') return t.upsampleNearest(x, a, b);
    // Bilinear is separable: one constant matrix per axis, as batched matrix products.
    const rows = t.reshape(resampleAxis(t, t.reshape(x, [n, h, w * c]), bilinearMatrix(h, h * a)), [n * h * a, w, c]);
    return t.reshape(resampleAxis(t, rows, bilinearMatrix(w, w * b)), [n, h * a, w * b, c]);
  },
});

registerLayerRule('AveragePooling2D', {
  check: checkChannelsLast,
  apply(l, [x], { tape: t }) {
    const c = cfgOf(l), p = pair(c.poolSize ?? 2);
    return t.avgPool(x, p, pair(c.strides ?? p), String(c.padding ?? 'valid'));
  },
});

registerLayerRule('MaxPooling2D', {
  check: checkChannelsLast, secondOrder: 'native',
  apply(l, [x], { tape: t }) {
    const c = cfgOf(l), p = pair(c.poolSize ?? 2);
    return t.maxPool(x, p, pair(c.strides ?? p), String(c.padding ?? 'valid'));
  },
});

registerLayerRule('GlobalAveragePooling2D', {
  check: checkChannelsLast,
  apply: (_l, [x], { tape: t }) => t.scale(t.sum(x, [1, 2]), 1 / (x.shape[1] * x.shape[2])),
});

registerLayerRule('ZeroPadding2D', {
  check: checkChannelsLast,
  apply(l, [x], { tape: t }) {
    const [[top, bottom], [left, right]] = margins(cfgOf(l).padding ?? 1);
    const zeros = (shape: number[]) => t.broadcastTo(t.scalar(0), shape);
    const padAxis = (v: Val, axis: number, before: number, after: number) => {
      if (!before && !after) return v;
      const edge = (k: number) => zeros(v.shape.map((d, i) => (i === axis ? k : d)));
      return t.concat([...(before ? [edge(before)] : []), v, ...(after ? [edge(after)] : [])], axis);
    };
    return padAxis(padAxis(x, 1, top, bottom), 2, left, right);
  },
});

registerLayerRule('Cropping2D', {
  check: checkChannelsLast,
  apply(l, [x], { tape: t }) {
    const [[top, bottom], [left, right]] = margins(cfgOf(l).cropping ?? 0);
    const cropAxis = (v: Val, axis: number, before: number, after: number) => {
      if (!before && !after) return v;
      const keep = v.shape[axis] - before - after;
      const sizes = [...(before ? [before] : []), keep, ...(after ? [after] : [])];
      return t.split(v, sizes, axis)[before ? 1 : 0];
    };
    return cropAxis(cropAxis(x, 1, top, bottom), 2, left, right);
  },
});
