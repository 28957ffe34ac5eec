/**
 * FLOPs from layer shapes. Convention: a multiply-add is 2 FLOPs; dense and convolution layers
 * count their multiply-adds only (bias adds excluded), normalisation 2 per output element,
 * activations and dropout 1 per element, average pooling 1 per pixel of each window (global: of
 * the input), bilinear upsampling 6 per output element (two interpolations of 3), reshapes,
 * embeddings, padding, cropping and nearest upsampling 0.
 */
import type { LayersModel } from '../backend';
import type { Gan } from './build';

type Shape = (number | null)[];
interface LayerLike {
  getClassName(): string;
  name: string;
  inputSpec?: unknown;
  input: unknown;
  outputShape: Shape | Shape[];
  getConfig(): Record<string, unknown>;
  countParams(): number;
}

function firstShape(s: Shape | Shape[]): Shape {
  return Array.isArray(s[0]) ? (s as Shape[])[0] : s as Shape;
}

function inputShapeOf(layer: LayerLike): Shape {
  const inp = layer.input as { shape: Shape } | { shape: Shape }[];
  return Array.isArray(inp) ? inp[0].shape : inp.shape;
}

const prod = (s: Shape) => s.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);

/**
 * Forward FLOPs of one layer for one sample.
 *
 * @example
 * ```ts
 * layerFlops(tf.layers.dense({ inputShape: [784], units: 256 })) // after building: 2 * 784 * 256
 * ```
 */
export function layerFlops(layer: LayerLike): number {
  // A wrapper layer (spectral normalisation) computes its inner layer at its own shapes; the
  // power iteration (~4 FLOPs per weight) is not counted.
  const inner = (layer as unknown as { inner?: LayerLike }).inner;
  if (inner) {
    return layerFlops({ getClassName: () => inner.getClassName(), getConfig: () => inner.getConfig(), name: layer.name,
      input: layer.input, outputShape: layer.outputShape, countParams: () => layer.countParams() });
  }
  const cls = layer.getClassName();
  const out = firstShape(layer.outputShape);
  const cfg = layer.getConfig();
  const k = (cfg.kernelSize as number[] | number | undefined) ?? 1;
  const [kh, kw] = Array.isArray(k) ? k : [k, k];
  switch (cls) {
    case 'Dense': {
      const inp = inputShapeOf(layer);
      const inDim = inp[inp.length - 1] ?? 0;
      return 2 * inDim * (cfg.units as number) * (prod(out) / (cfg.units as number));
    }
    case 'Conv2D': {
      const inp = inputShapeOf(layer);
      const [, H, W, Cout] = out as number[];
      return 2 * H * W * Cout * kh * kw * (inp[3] ?? 0);
    }
    case 'Conv2DTranspose': {
      const inp = inputShapeOf(layer) as number[];
      const [, h, w, Cin] = inp;
      return 2 * h * w * Cin * kh * kw * (out[3] ?? 0);
    }
    case 'BatchNormalization':
    case 'LayerNormalization':
      return 2 * prod(out);
    case 'LeakyReLU': case 'ReLU': case 'ELU': case 'Activation': case 'Dropout':
      return prod(out);
    case 'AveragePooling2D': {
      const p = (cfg.poolSize as number[] | number | undefined) ?? 2;
      return prod(out) * (Array.isArray(p) ? p[0] * p[1] : p * p);
    }
    case 'GlobalAveragePooling2D':
      return prod(inputShapeOf(layer));
    case 'UpSampling2D':
      return cfg.interpolation === 'bilinear' ? 6 * prod(out) : 0;
    default:
      return 0;
  }
}

/**
 * Forward FLOPs of a model for `batch` samples (sum of {@link layerFlops}).
 *
 * @example
 * ```ts
 * modelFlops(gan.generator, 64) // ≈ 0.93 GFLOP for the reference DCGAN generator
 * ```
 */
export function modelFlops(model: LayersModel, batch = 1): number {
  return batch * (model.layers as unknown as LayerLike[]).reduce((a, l) => a + layerFlops(l), 0);
}

/**
 * Estimated FLOPs of one training step (backward ≈ 2x forward):
 * each critic step runs G forward and D forward+backward on real and fake (G + 6D); the generator
 * step runs G and D forward and both backward (3G + 3D). Gradient penalty adds ≈ 9D per critic step.
 *
 * @example
 * ```ts
 * trainStepFlops(buildGan(dcgan()), 64) // ≈ 11.3e9 for the reference DCGAN
 * ```
 */
export function trainStepFlops(gan: Gan, batch: number, opts: { nCritic?: number; gradientPenalty?: boolean } = {}): number {
  const G = modelFlops(gan.generator, batch);
  const D = modelFlops(gan.discriminator, batch);
  const nCritic = opts.nCritic ?? 1;
  const critic = G + 6 * D + (opts.gradientPenalty ? 9 * D : 0);
  return nCritic * critic + 3 * G + 3 * D;
}
