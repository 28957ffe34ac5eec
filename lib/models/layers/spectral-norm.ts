/**
 * Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial
 * Networks", Algorithm 1): a Dense / Conv2D / Conv2DTranspose layer whose kernel W is used as
 * W / σ(W), σ estimated by one power iteration per training call with a persistent vector u
 * (as PyTorch's `spectral_norm` and Keras' `SpectralNormalization`). W is viewed as a matrix
 * `[fan-in, units]` (the kernel reshaped, output channels last); u ∈ R^units.
 *
 * Registered as weight normalisation `'spectral'` (`weightNorm: 'spectral'` in a network
 * config) and, for the native engine, by `lib/train/engine/rules/spectral-norm.ts`.
 */
import { tf, type Tensor, type Variable } from '../../backend';
import { registerWeightNorm, type AnyLayer } from '../weight-norms';

type Kwargs = { training?: boolean };
type Shape = (number | null)[];

/** ε of the power iteration's normalisation (PyTorch's `F.normalize` default). */
export const SN_EPS = 1e-12;
/** x / max(‖x‖₂, ε), as Square, Sum, Sqrt, Maximum, RealDiv (the engine rule runs the same kernels). */
const l2normalize = (x: Tensor) => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x))), SN_EPS));

/** `x` with a zero gradient: tfjs records every op, so the power iteration must be cut off the tape. */
const stopGradient = (x: Tensor): Tensor => tf.customGrad(((t: Tensor) => ({ value: tf.clone(t), gradFunc: (dy: Tensor) => tf.zerosLike(dy) })) as never)(x) as Tensor;

/**
 * One power iteration on kernel `w` (any rank, output channels last) from `u` `[1, units]`:
 * v = normalize(u·Wᵀ) `[1, fanIn]`, u' = normalize(v·W). Not differentiated: u and v are constants
 * of σ's gradient (Algorithm 1; PyTorch computes them under `no_grad`).
 *
 * @example
 * ```ts
 * const { u, v } = powerIteration(kernel, u0); // then σ = v · W · uᵀ
 * ```
 */
export function powerIteration(w: Tensor, u: Tensor): { u: Tensor; v: Tensor } {
  return tf.tidy(() => {
    const units = w.shape[w.rank - 1];
    const m = tf.reshape(stopGradient(w), [-1, units]);
    const v = l2normalize(tf.matMul(u, m, false, true));
    return { u: l2normalize(tf.matMul(v, m)), v };
  });
}

/** Config of {@link SpectralNormalization}: the wrapped layer's class and config. */
export interface SpectralNormArgs { layer: { className: string; config: Record<string, unknown> }; name?: string; trainable?: boolean }

const FACTORIES: Record<string, (c: never) => AnyLayer> = {
  Dense: tf.layers.dense, Conv2D: tf.layers.conv2d, Conv2DTranspose: tf.layers.conv2dTranspose,
};

/** A tfjs LayerVariable as this file uses it. */
interface LayerVar { shape: number[]; read(): Variable; write(t: Tensor): void }

/**
 * The wrapper layer: the inner layer's kernel and bias are its trainable weights; u `[1, units]`
 * is a non-trainable weight (saved in checkpoints like batch norm's moving statistics, so a
 * resumed run continues the same power iteration).
 *
 * @throws Error when the wrapped layer is not Dense, Conv2D or Conv2DTranspose.
 * @example
 * ```ts
 * const sn = SpectralNormalization.wrap(tf.layers.conv2d({ filters: 64, kernelSize: 4 }));
 * ```
 */
export class SpectralNormalization extends tf.layers.Layer {
  static className = 'SpectralNormalization';
  readonly inner: AnyLayer;
  private u: LayerVar | null = null;
  private readonly innerSpec: SpectralNormArgs['layer'];

  constructor(args: SpectralNormArgs, instance?: AnyLayer) {
    super({ name: args.name, trainable: args.trainable });
    this.innerSpec = args.layer;
    const make = FACTORIES[args.layer.className];
    if (!make) throw new Error(`Expected a Dense, Conv2D or Conv2DTranspose layer for spectral normalisation; got ${args.layer.className}.`);
    this.inner = instance ?? make(args.layer.config as never);
  }

  /** Spectral normalisation of an existing (not yet applied) layer. */
  static wrap(layer: AnyLayer): SpectralNormalization {
    return new SpectralNormalization({ layer: { className: layer.getClassName(), config: layer.getConfig() as Record<string, unknown> } }, layer);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.inner.build(inputShape as Shape);
    (this.inner as unknown as { built: boolean }).built = true;
    const units = this.kernel.shape[this.kernel.shape.length - 1];
    // Seeded by the layer's shape, so two builds of one config start the same iteration.
    const init = tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 7919 + units });
    this.u = this.addWeight('u', [1, units], 'float32', init, undefined, false) as unknown as LayerVar;
    this.built = true;
  }

  /** The wrapped layer's kernel (its value before normalisation). */
  get kernel(): LayerVar { return (this.inner as unknown as { kernel: LayerVar }).kernel; }
  /** The power-iteration vector u `[1, units]`. */
  get uVariable(): LayerVar { return this.u!; }

  override get trainableWeights() { return this.inner.trainableWeights; }
  override get nonTrainableWeights() { return [...this.inner.nonTrainableWeights, ...(this.u ? [this.u as never] : [])]; }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return this.inner.computeOutputShape(inputShape);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const kernel = this.kernel, u = this.u!;
    const w = kernel.read();
    let v: Tensor;
    if (kwargs.training) {
      const it = powerIteration(w, u.read());
      u.write(it.u);
      v = it.v;
    } else {
      v = tf.tidy(() => l2normalize(tf.matMul(u.read(), tf.reshape(stopGradient(w), [-1, w.shape[w.rank - 1]]), false, true)));
    }
    const wsn = tf.div(w, spectralSigma(w, u.read(), v));
    // The inner layer reads `kernel.read()`: it computes with W/σ for this call.
    const read = kernel.read;
    kernel.read = () => wsn as Variable;
    try {
      return this.inner.call(x, kwargs) as Tensor;
    } finally {
      kernel.read = read;
    }
  }

  override getConfig() {
    return { ...super.getConfig(), layer: this.innerSpec as never };
  }

  static override fromConfig<T>(cls: new (a: SpectralNormArgs) => T, config: Record<string, unknown>): T {
    return new cls(config as unknown as SpectralNormArgs);
  }
}

/** σ = v·W·uᵀ (a scalar), differentiable in W; u `[1, units]` and v `[1, fanIn]` are constants. */
export function spectralSigma(w: Tensor, u: Tensor, v: Tensor): Tensor {
  return tf.sum(tf.mul(tf.matMul(v, tf.reshape(w, [-1, w.shape[w.rank - 1]])), u));
}

tf.serialization.registerClass(SpectralNormalization);
registerWeightNorm('spectral', (layer) => SpectralNormalization.wrap(layer) as unknown as AnyLayer);
