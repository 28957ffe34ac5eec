/**
 * Direct calls of TensorFlow kernels through tfjs-node's binding, for the hot path of
 * {@link createFastGanStep} (`./fast-step`). Each helper is exactly one native TensorFlow op
 * (no tfjs kernel wrapper, no autodiff tape, no helper tensors), including kernels that tfjs
 * does not expose at all (`FusedBatchNormV3` and its gradient, `LeakyReluGrad`, `BiasAddGrad`,
 * `TanhGrad`, `Softplus`, ...). Only usable on the native `tensorflow` backend
 * (`@tensorflow/tfjs-node` or `-gpu`); {@link nativeOpsAvailable} says whether it is.
 *
 * Outputs are ordinary tfjs tensors registered with the engine, so `tf.tidy` tracks them.
 */
import { backendInfo, tf, type Tensor } from '../backend';
import { Unsupported } from './engine/tape';

/** One op attribute in the binding's format. */
export interface Attr { name: string; type: number; value: unknown }

interface Binding {
  TF_ATTR_STRING: number; TF_ATTR_INT: number; TF_ATTR_FLOAT: number; TF_ATTR_BOOL: number;
  TF_ATTR_TYPE: number; TF_ATTR_SHAPE: number; TF_FLOAT: number; TF_INT32: number; TF_UINT8: number;
  /** 1 when the binding holds signals while a kernel runs (`npm run setup`'s patch, scripts/binding-patch.js). */
  GANBOOK_SIGNALS_BLOCKED?: number;
}
/** tfjs-node's backend as the raw ops call it. */
export interface NativeBackend {
  binding: Binding;
  executeSingleOutput(name: string, attrs: Attr[], inputs: Tensor[]): Tensor;
  executeMultipleOutputs(name: string, attrs: Attr[], inputs: Tensor[], n: number): Tensor[];
}

/** Receives every op run through {@link nativeOps}: name, wall ms, process CPU ms, inputs. */
export type OpProfiler = (op: string, wallMs: number, cpuMs: number, inputs: Tensor[]) => void;
let profiler: OpProfiler | null = null;

/**
 * Installs (or with `null` removes) a per-op profiler for the raw ops (`tf.profile` does not
 * see them: they bypass the tfjs kernel registry). For the bench's profile section.
 *
 * @example
 * ```ts
 * const times = new Map<string, number>();
 * setOpProfiler((op, ms) => times.set(op, (times.get(op) ?? 0) + ms));
 * fast.step({ real, z }); setOpProfiler(null);
 * ```
 */
export function setOpProfiler(p: OpProfiler | null): void {
  profiler = p;
}

/** True when the active backend is native TensorFlow (whose binding these helpers call). */
export function nativeOpsAvailable(): boolean {
  try {
    const b = tf.backend() as unknown as Partial<NativeBackend>;
    return tf.getBackend() === 'tensorflow' && typeof b.executeSingleOutput === 'function' && !!b.binding;
  } catch {
    return false;
  }
}

/**
 * The raw-op namespace bound to the current native backend. Throws (with what to do) on
 * any other backend.
 *
 * @example
 * ```ts
 * const ops = nativeOps();
 * const y = ops.leakyRelu(tf.tensor([-1, 2]), 0.2); // [-0.2, 2]
 * ```
 */
export function nativeOps() {
  if (!nativeOpsAvailable()) {
    throw new Error(`Expected the native "tensorflow" backend for raw TensorFlow ops; got "${tf.getBackend()}". `
      + 'Use GANBOOK_BACKEND=auto/tensorflow, or the reference step on other backends.');
  }
  const be = tf.backend() as unknown as NativeBackend;
  const B = be.binding;
  const T: Attr = { name: 'T', type: B.TF_ATTR_TYPE, value: B.TF_FLOAT };
  const int = (name: string, value: number | number[]): Attr => ({ name, type: B.TF_ATTR_INT, value });
  const flt = (name: string, value: number): Attr => ({ name, type: B.TF_ATTR_FLOAT, value });
  const str = (name: string, value: string): Attr => ({ name, type: B.TF_ATTR_STRING, value });
  const bool = (name: string, value: boolean): Attr => ({ name, type: B.TF_ATTR_BOOL, value });
  const type = (name: string, value: number): Attr => ({ name, type: B.TF_ATTR_TYPE, value });
  const one = (name: string, attrs: Attr[], inputs: Tensor[]): Tensor => {
    if (!profiler) return be.executeSingleOutput(name, attrs, inputs);
    const t0 = performance.now(), c0 = process.cpuUsage();
    const out = be.executeSingleOutput(name, attrs, inputs);
    const c = process.cpuUsage(c0);
    profiler(name, performance.now() - t0, (c.user + c.system) / 1000, inputs);
    return out;
  };
  const many = (name: string, attrs: Attr[], inputs: Tensor[], n: number): Tensor[] => {
    if (!profiler) return be.executeMultipleOutputs(name, attrs, inputs, n);
    const t0 = performance.now(), c0 = process.cpuUsage();
    const out = be.executeMultipleOutputs(name, attrs, inputs, n);
    const c = process.cpuUsage(c0);
    profiler(name, performance.now() - t0, (c.user + c.system) / 1000, inputs);
    return out;
  };
  const convAttrs = (strides: [number, number], padding: string) => [
    T, int('strides', [1, strides[0], strides[1], 1]), str('padding', padding.toUpperCase()),
    str('data_format', 'NHWC'), int('dilations', [1, 1, 1, 1]), bool('use_cudnn_on_gpu', true)];
  const poolAttrs = (k: [number, number], strides: [number, number], padding: string) => [
    T, int('ksize', [1, k[0], k[1], 1]), int('strides', [1, strides[0], strides[1], 1]), str('padding', padding.toUpperCase()), str('data_format', 'NHWC')];
  const shapeCache = new Map<string, Tensor>();
  const consts = new Map<string, Tensor>();
  /** An int32 shape tensor, created once and kept (shapes repeat every step). */
  const shapeT = (shape: number[]): Tensor => {
    const key = shape.join(',');
    let t = shapeCache.get(key);
    if (!t) {
      t = tf.keep(tf.tensor1d(shape, 'int32'));
      shapeCache.set(key, t);
    }
    return t;
  };
  const Tshape = type('Tshape', B.TF_INT32);
  const fused = fusedKernelsAvailable();
  const signalSafe = B.GANBOOK_SIGNALS_BLOCKED === 1;
  const binary = (name: string) => (a: Tensor, b: Tensor) => one(name, [T], [a, b]);
  const unary = (name: string) => (a: Tensor) => one(name, [T], [a]);

  return {
    /** Kept int32 shape tensors, for {@link dispose}. */
    shapeT,
    reshape: (x: Tensor, shape: number[]) => one('Reshape', [T, Tshape], [x, shapeT(shape)]),
    add: binary('AddV2'), sub: binary('Sub'), mul: binary('Mul'), div: binary('RealDiv'),
    square: unary('Square'), sqrt: unary('Sqrt'), tanh: unary('Tanh'), sigmoid: unary('Sigmoid'),
    relu: unary('Relu'), elu: unary('Elu'), softplus: unary('Softplus'),
    leakyRelu: (x: Tensor, alpha: number) => one('LeakyRelu', [T, flt('alpha', alpha)], [x]),
    /** `dy * (features > 0 ? 1 : alpha)`; with alpha > 0 the layer's output may stand in for its input. */
    leakyReluGrad: (dy: Tensor, features: Tensor, alpha: number) =>
      one('LeakyReluGrad', [T, flt('alpha', alpha)], [dy, features]),
    reluGrad: (dy: Tensor, y: Tensor) => one('ReluGrad', [T], [dy, y]),
    eluGrad: (dy: Tensor, y: Tensor) => one('EluGrad', [T], [dy, y]),
    tanhGrad: (y: Tensor, dy: Tensor) => one('TanhGrad', [T], [y, dy]),
    sigmoidGrad: (y: Tensor, dy: Tensor) => one('SigmoidGrad', [T], [y, dy]),
    /** Sum over all axes but the last (NHWC channels / dense units): a bias gradient. */
    biasAddGrad: (dy: Tensor) => one('BiasAddGrad', [T, str('data_format', 'NHWC')], [dy]),
    biasAdd: (x: Tensor, b: Tensor) => one('BiasAdd', [T, str('data_format', 'NHWC')], [x, b]),
    /**
     * `op(a)·op(b)`, batched over leading axes. Rank 2 runs `MatMul` (oneDNN's sgemm, ~15% less
     * CPU than `BatchMatMulV2` on an FC GAN's shapes); that kernel crashes when a signal handler
     * runs inside it, so only where the binding holds signals while a kernel runs (`npm run
     * setup`'s patch; test/train/signals.test.ts). Otherwise, and for other ranks, `BatchMatMulV2`,
     * as tfjs' `matMul`. An outer
     * product (inner size 1: a one-unit dense layer's input gradient) runs as a broadcasting `Mul`
     * — the same products, each rounded once — at a fifth of sgemm's time for `[128,1]·[1,6272]`.
     */
    matMul: (a: Tensor, b: Tensor, transposeA = false, transposeB = false) => {
      if (a.rank !== 2 || b.rank !== 2) return one('BatchMatMulV2', [T, bool('adj_x', transposeA), bool('adj_y', transposeB)], [a, b]);
      if (a.shape[transposeA ? 0 : 1] === 1) {
        const m = a.shape[transposeA ? 1 : 0] as number, n = b.shape[transposeB ? 0 : 1] as number;
        return one('Mul', [T], [transposeA ? one('Reshape', [T, Tshape], [a, shapeT([m, 1])]) : a,
          transposeB ? one('Reshape', [T, Tshape], [b, shapeT([1, n])]) : b]);
      }
      return signalSafe ? one('MatMul', [T, bool('transpose_a', transposeA), bool('transpose_b', transposeB)], [a, b])
        : one('BatchMatMulV2', [T, bool('adj_x', transposeA), bool('adj_y', transposeB)], [a, b]);
    },
    sumAll: (x: Tensor) => one('Sum', [T, type('Tidx', B.TF_INT32), bool('keep_dims', false)],
      [x, shapeT(x.shape.map((_, i) => i))]),
    /** Sum over `axes` (non-negative), keeping them as size 1 when `keepDims`. */
    sum: (x: Tensor, axes: number[], keepDims: boolean) => one('Sum',
      [T, type('Tidx', B.TF_INT32), bool('keep_dims', keepDims)], [x, shapeT(axes)]),
    /** Mean over `axes` (non-negative), keeping them as size 1 when `keepDims`. */
    mean: (x: Tensor, axes: number[], keepDims: boolean) => one('Mean',
      [T, type('Tidx', B.TF_INT32), bool('keep_dims', keepDims)], [x, shapeT(axes)]),
    /** Broadcasts `x` to `shape` (numpy rules). */
    broadcastTo: (x: Tensor, shape: number[]) => one('BroadcastTo', [T, type('Tidx', B.TF_INT32)], [x, shapeT(shape)]),
    rsqrt: unary('Rsqrt'), neg: unary('Neg'), maximum: binary('Maximum'),
    /** Concatenation along `axis` (non-negative). */
    concat: (xs: Tensor[], axis: number) => one('ConcatV2', [T, int('N', xs.length), type('Tidx', B.TF_INT32)],
      [...xs, axisT(axis)]),
    /** Split along `axis` (non-negative) into pieces of `sizes`. */
    split: (x: Tensor, sizes: number[], axis: number) => many('SplitV',
      [T, type('Tlen', B.TF_INT32), int('num_split', sizes.length)], [x, shapeT(sizes), axisT(axis)], sizes.length),
    conv2d: (x: Tensor, w: Tensor, strides: [number, number], padding: string) =>
      one('Conv2D', convAttrs(strides, padding), [x, w]),
    /**
     * Gradient of a conv w.r.t. its input (= a transposed conv). With few input channels
     * (`w.shape[2] < 8`, e.g. a 1-channel image) and 'same' padding it passes the padding as
     * EXPLICIT: that skips oneDNN's kernel, which is ~4x slower than TensorFlow's own for this
     * shape (measured 3.7 vs 0.8 CPU-ms at [64,14,14,64] -> [64,28,28,1]).
     */
    conv2dBackpropInput: (inputShape: number[], w: Tensor, dy: Tensor, strides: [number, number], padding: string) => {
      if (padding.toLowerCase() === 'same' && (w.shape[2] as number) < 8) {
        const pads = [0, 0];
        for (const ax of [0, 1]) {
          const total = Math.max((dy.shape[1 + ax] - 1) * strides[ax] + w.shape[ax] - inputShape[1 + ax], 0);
          pads.push(Math.floor(total / 2), total - Math.floor(total / 2));
        }
        pads.push(0, 0);
        return one('Conv2DBackpropInput', [...convAttrs(strides, 'EXPLICIT'), int('explicit_paddings', pads)],
          [shapeT(inputShape), w, dy]);
      }
      return one('Conv2DBackpropInput', convAttrs(strides, padding), [shapeT(inputShape), w, dy]);
    },
    conv2dBackpropFilter: (x: Tensor, filterShape: number[], dy: Tensor, strides: [number, number], padding: string) =>
      one('Conv2DBackpropFilter', convAttrs(strides, padding), [x, shapeT(filterShape), dy]),
    /** NHWC average pooling over `k` windows at `strides` ('same' windows at the border average the pixels they hold). */
    avgPool: (x: Tensor, k: [number, number], strides: [number, number], padding: string) => one('AvgPool', poolAttrs(k, strides, padding), [x]),
    /** NHWC max pooling over `k` windows at `strides`. */
    maxPool: (x: Tensor, k: [number, number], strides: [number, number], padding: string) => one('MaxPool', poolAttrs(k, strides, padding), [x]),
    /** The input gradient of {@link maxPool} (`dy` routed to each window's maximum of `x`; `y` its output). */
    maxPoolGrad: (x: Tensor, y: Tensor, dy: Tensor, k: [number, number], strides: [number, number], padding: string) =>
      one('MaxPoolGrad', poolAttrs(k, strides, padding), [x, y, dy]),
    /** The adjoint of {@link maxPoolGrad} in `dy`: `h` read at each window's maximum (a gradient penalty's second order). */
    maxPoolGradGrad: (x: Tensor, y: Tensor, h: Tensor, k: [number, number], strides: [number, number], padding: string) =>
      one('MaxPoolGradGrad', poolAttrs(k, strides, padding), [x, y, h]),
    /** The input gradient of {@link avgPool} for an input of `inputShape`. */
    avgPoolGrad: (inputShape: number[], dy: Tensor, k: [number, number], strides: [number, number], padding: string) =>
      one('AvgPoolGrad', poolAttrs(k, strides, padding), [shapeT(inputShape), dy]),
    /**
     * Training-mode batch norm over N, H, W of an NHWC tensor in one kernel. Returns
     * `[y, batchMean, batchVarianceUnbiased, reserve1, reserve2, reserve3]`.
     */
    fusedBatchNorm: (x: Tensor, scale: Tensor, offset: Tensor, epsilon: number) => many(
      'FusedBatchNormV3', [T, type('U', B.TF_FLOAT), flt('epsilon', epsilon), str('data_format', 'NHWC'),
        bool('is_training', true), flt('exponential_avg_factor', 1)],
      [x, scale, offset, empty(), empty()], 6),
    /** Gradient of {@link fusedBatchNorm}: `[dx, dScale, dOffset]`. */
    fusedBatchNormGrad: (dy: Tensor, x: Tensor, scale: Tensor, r1: Tensor, r2: Tensor, r3: Tensor, epsilon: number) =>
      many('FusedBatchNormGradV3', [T, type('U', B.TF_FLOAT), flt('epsilon', epsilon),
        str('data_format', 'NHWC'), bool('is_training', true)], [dy, x, scale, r1, r2, r3], 5).slice(0, 3),
    /**
     * `act(conv2d(x, w) + b)` (`act` null: no activation) in one oneDNN kernel (`_MklNativeFusedConv2D`), or null where the
     * binding or the TensorFlow build cannot run it (see {@link fusedKernelsAvailable}). Same
     * numbers as the three kernels it replaces; ~1-2 CPU-ms less per `[128,14,14,64]` output.
     * No fused matmul: `_MklNativeFusedMatMul` (+ bias + leaky ReLU) measured no faster than
     * `MatMul`, `BiasAdd` and the activation on an FC GAN (25.8 against 24.8 CPU-ms a step).
     */
    fusedConv2d: fused ? (x: Tensor, w: Tensor, b: Tensor, strides: [number, number], padding: string, act: FusedActivation | null) =>
      one('_MklNativeFusedConv2D', [...convAttrs(strides, padding), ...fusedConvAttrs(B, act)], [x, w, b]) : null,
    /**
     * A conv's filter gradient and its bias gradient (`dy` summed over N, H, W) in one oneDNN
     * kernel (`_MklNativeConv2DBackpropFilterWithBias`, what TensorFlow's graph rewrite runs for
     * Keras), or null where fused kernels cannot run: `[dW, db]`. With few input channels (an
     * image's 1 or 3) it runs `Conv2DBackpropFilter` and `BiasAddGrad` apart: the fused kernel
     * costs more there (6.7 against 3.6 CPU-ms at [128,32,32,1] → 3x3x1x64; 1.5 against 1.0 at
     * DCGAN's first layer).
     */
    conv2dBackpropFilterWithBias: fused ? (x: Tensor, filterShape: number[], dy: Tensor, strides: [number, number], padding: string) =>
      ((x.shape[3] as number) < 8
        ? [one('Conv2DBackpropFilter', convAttrs(strides, padding), [x, shapeT(filterShape), dy]), one('BiasAddGrad', [T, str('data_format', 'NHWC')], [dy])]
        : many('_MklNativeConv2DBackpropFilterWithBias', [...convAttrs(strides, padding), str('_kernel', 'MklNameChangeOp')],
          [x, shapeT(filterShape), dy], 2)) : null,
    /** TensorFlow resource variables and the fused Adam kernel (see {@link ResourceOps}). */
    resources: {
      variable(initial: Tensor): Tensor {
        const h = one('VarHandleOp', [str('container', ''), str('shared_name', `ganbook_${process.pid}_${++resourceCount}`),
          type('dtype', B.TF_FLOAT), { name: 'shape', type: B.TF_ATTR_SHAPE, value: initial.shape }], []);
        many('AssignVariableOp', [type('dtype', B.TF_FLOAT)], [h, initial], 0);
        return h;
      },
      assign(h: Tensor, value: Tensor): void { many('AssignVariableOp', [type('dtype', B.TF_FLOAT)], [h, value], 0); },
      read: (h: Tensor) => one('ReadVariableOp', [type('dtype', B.TF_FLOAT)], [h]),
      applyAdam(w: Tensor, m: Tensor, v: Tensor, s: AdamScalars, grad: Tensor): void {
        many('ResourceApplyAdam', [T, bool('use_locking', false), bool('use_nesterov', false)],
          [w, m, v, s.beta1Power, s.beta2Power, s.learningRate, s.beta1, s.beta2, s.epsilon, grad], 0);
      },
      destroy(h: Tensor): void { many('DestroyResourceOp', [bool('ignore_lookup_error', true)], [h], 0); },
    } as ResourceOps | null,
    /** Disposes the kept helper tensors. */
    dispose() {
      for (const t of shapeCache.values()) t.dispose();
      shapeCache.clear();
      for (const t of consts.values()) t.dispose();
      consts.clear();
    },
  };

  // Lazily created constants, kept across steps.
  function constant(key: string, make: () => Tensor): Tensor {
    let t = consts.get(key);
    if (!t) { t = tf.keep(make()); consts.set(key, t); }
    return t;
  }
  function empty() { return constant('empty', () => tf.tensor1d([], 'float32')); }
  function onesOf(n: number) { return constant(`ones${n}`, () => tf.ones([n])); }
  function zerosOf(n: number) { return constant(`zeros${n}`, () => tf.zeros([n])); }
  function axisT(axis: number) { return constant(`i${axis}`, () => tf.scalar(axis, 'int32')); }
}

let resourceCount = 0;

/**
 * The activation a fused kernel applies after its bias (`alpha`: leaky ReLU's negative slope, ≥ 0;
 * 0 for ReLU). Tanh is not among them: TensorFlow's fused conv does not implement it.
 */
export interface FusedActivation { kind: 'leakyRelu' | 'relu'; alpha: number }

const FUSED_NAME: Record<FusedActivation['kind'], string> = { leakyRelu: 'LeakyRelu', relu: 'Relu' };

/** `_MklNativeFusedConv2D`'s attributes beyond a conv's: bias then `act` (if any), float32, oneDNN's kernel label. */
function fusedConvAttrs(B: Binding, act: FusedActivation | null): Attr[] {
  return [{ name: 'num_args', type: B.TF_ATTR_INT, value: 1 },
    { name: 'fused_ops', type: B.TF_ATTR_STRING, value: act ? ['BiasAdd', FUSED_NAME[act.kind]] : ['BiasAdd'] },
    { name: 'TArgs', type: B.TF_ATTR_TYPE, value: [B.TF_FLOAT] }, { name: 'epsilon', type: B.TF_ATTR_FLOAT, value: 1e-4 },
    { name: 'leakyrelu_alpha', type: B.TF_ATTR_FLOAT, value: act ? act.alpha : 0 }, { name: 'is_filter_const', type: B.TF_ATTR_BOOL, value: false },
    { name: '_kernel', type: B.TF_ATTR_STRING, value: 'MklNameChangeOp' }];
}

let fusedProbe: boolean | null = null;

/**
 * Whether TensorFlow's fused oneDNN conv kernel (conv + bias + activation in one kernel) runs
 * here: the native CPU build (tfjs-node, not -gpu: the kernel is CPU-only), a binding that passes
 * list-valued attributes (`npm run setup` patches it so: `scripts/binding-patch.js`), and oneDNN
 * on (`TF_ENABLE_ONEDNN_OPTS` not 0). Checked once per process by running it on a 1x2x2x1 input
 * against known values. `GANBOOK_FUSED_KERNELS=0` turns it off: the engine then runs conv, bias
 * and activation as three kernels, as before.
 *
 * @example
 * ```ts
 * fusedKernelsAvailable(); // true after `npm run setup` on a CPU machine
 * ```
 */
export function fusedKernelsAvailable(): boolean {
  if (fusedProbe !== null) return fusedProbe;
  fusedProbe = false;
  if (process.env.GANBOOK_FUSED_KERNELS === '0' || process.env.TF_ENABLE_ONEDNN_OPTS === '0') return false;
  if (!nativeOpsAvailable() || backendInfo().package.endsWith('-gpu')) return false;
  const be = tf.backend() as unknown as NativeBackend, B = be.binding;
  try {
    fusedProbe = tf.tidy(() => {
      const x = tf.tensor4d([1, -2, 3, -4], [1, 2, 2, 1]), w = tf.tensor4d([2], [1, 1, 1, 1]), b = tf.tensor1d([1]);
      const conv = be.executeSingleOutput('_MklNativeFusedConv2D', [{ name: 'T', type: B.TF_ATTR_TYPE, value: B.TF_FLOAT },
        { name: 'strides', type: B.TF_ATTR_INT, value: [1, 1, 1, 1] }, { name: 'padding', type: B.TF_ATTR_STRING, value: 'VALID' },
        { name: 'data_format', type: B.TF_ATTR_STRING, value: 'NHWC' }, { name: 'dilations', type: B.TF_ATTR_INT, value: [1, 1, 1, 1] },
        ...fusedConvAttrs(B, { kind: 'leakyRelu', alpha: 0.5 })], [x, w, b]);
      const want = [3, -1.5, 7, -3.5]; // leakyRelu(2x + 1, 0.5)
      return Array.from(conv.dataSync()).every((v, i) => v === want[i]);
    });
  } catch {
    fusedProbe = false;
  }
  return fusedProbe;
}


/** Float32 scalar inputs of TensorFlow's `ResourceApplyAdam` kernel. */
export interface AdamScalars {
  beta1Power: Tensor; beta2Power: Tensor; learningRate: Tensor; beta1: Tensor; beta2: Tensor; epsilon: Tensor;
}

/**
 * TensorFlow resource variables through the binding (its resource handles are string-dtype
 * tensors), for the fused Adam update. A variable lives until {@link ResourceOps.destroy}.
 * Reads alias the variable's buffer; TensorFlow copies the buffer before an update while a read
 * is alive (copy-on-write), so a read value never changes afterwards.
 */
export interface ResourceOps {
  /** A new float32 variable holding `initial` (copied or aliased); returns its handle. */
  variable(initial: Tensor): Tensor;
  assign(handle: Tensor, value: Tensor): void;
  read(handle: Tensor): Tensor;
  /**
   * One fused Adam update in place (`ResourceApplyAdam`, one pass over w, m, v):
   * m ← m + (g − m)(1 − β₁), v ← v + (g² − v)(1 − β₂), w ← w − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m/(√v + ε).
   */
  applyAdam(w: Tensor, m: Tensor, v: Tensor, scalars: AdamScalars, grad: Tensor): void;
  /** Frees the variable (its handle tensor is the caller's to dispose). */
  destroy(handle: Tensor): void;
}

/** The helper namespace returned by {@link nativeOps}. */
export type NativeOps = ReturnType<typeof nativeOps>;

/**
 * The same helper namespace written with ordinary tfjs ops, for any backend (WebGPU, pure JS):
 * each helper is one or a few tfjs kernels instead of one raw TensorFlow op. Lets the fast
 * step's plan (manual backward, G forward reused, flat Adam) run where the binding does not
 * exist — `createFastGanStep(..., { portable: true })`. Tested against the reference on the
 * native backend; on WebGPU it is unmeasured (see docs/speed.md).
 *
 * @example
 * ```ts
 * const o = portableOps();
 * o.leakyReluGrad(tf.ones([2]), tf.tensor([-1, 1]), 0.2); // [0.2, 1]
 * ```
 */
export function portableOps(): NativeOps {
  const nhwc = (x: Tensor) => x.shape.slice(0, -1).map((_, i) => i);
  const pad = (p: string) => (p.toLowerCase() === 'same' ? 'same' : 'valid') as 'same' | 'valid';
  type T4 = import('../backend').Tensor4D;
  return {
    shapeT: (shape: number[]) => tf.tensor1d(shape, 'int32'),
    reshape: (x, shape) => tf.reshape(x, shape),
    add: (a, b) => tf.add(a, b), sub: (a, b) => tf.sub(a, b), mul: (a, b) => tf.mul(a, b), div: (a, b) => tf.div(a, b),
    square: (a) => tf.square(a), sqrt: (a) => tf.sqrt(a), tanh: (a) => tf.tanh(a), sigmoid: (a) => tf.sigmoid(a),
    relu: (a) => tf.relu(a), elu: (a) => tf.elu(a), softplus: (a) => tf.softplus(a),
    leakyRelu: (x, alpha) => tf.leakyRelu(x, alpha),
    leakyReluGrad: (dy, f, alpha) => tf.where(tf.greater(f, 0), dy, tf.mul(dy, alpha)),
    reluGrad: (dy, y) => tf.mul(dy, tf.step(y)),
    eluGrad: (dy, y) => tf.where(tf.greater(y, 0), dy, tf.mul(dy, tf.add(y, 1))),
    tanhGrad: (y, dy) => tf.mul(dy, tf.sub(1, tf.square(y))),
    sigmoidGrad: (y, dy) => tf.mul(dy, tf.mul(y, tf.sub(1, y))),
    biasAddGrad: (dy) => tf.sum(dy, nhwc(dy)),
    biasAdd: (x, b) => tf.add(x, b),
    matMul: (a, b, ta = false, tb = false) => tf.matMul(a, b, ta, tb),
    sumAll: (x) => tf.sum(x),
    sum: (x, axes, keepDims) => tf.sum(x, axes, keepDims),
    mean: (x, axes, keepDims) => tf.mean(x, axes, keepDims),
    broadcastTo: (x, shape) => tf.broadcastTo(x, shape),
    rsqrt: (a) => tf.rsqrt(a), neg: (a) => tf.neg(a), maximum: (a, b) => tf.maximum(a, b),
    concat: (xs, axis) => tf.concat(xs, axis),
    split: (x, sizes, axis) => tf.split(x, sizes, axis),
    conv2d: (x, w, strides, padding) => tf.conv2d(x as T4, w as T4, strides, pad(padding)),
    conv2dBackpropInput: (inputShape, w, dy, strides, padding) =>
      tf.conv2dTranspose(dy as T4, w as T4, inputShape as [number, number, number, number], strides, pad(padding)),
    conv2dBackpropFilter: (x, filterShape, dy, strides, padding) => tf.engine().runKernel('Conv2DBackpropFilter',
      { x, dy }, { strides, pad: pad(padding), dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape } as never) as Tensor,
    avgPool: (x, k, strides, padding) => tf.avgPool(x as T4, k, strides, pad(padding)),
    maxPool: (x, k, strides, padding) => tf.maxPool(x as T4, k, strides, pad(padding)),
    maxPoolGrad: (x, y, dy, k, strides, padding) => tf.engine().runKernel('MaxPoolGrad',
      { dy, input: x, output: y }, { filterSize: k, strides, pad: pad(padding) } as never) as Tensor,
    maxPoolGradGrad: () => { throw new Unsupported('second-order gradient through max pooling on portable ops (tfjs has no MaxPoolGradGrad): use native TensorFlow'); },
    // tfjs' kernel reads only the input's shape: a broadcast zero stands in for it.
    avgPoolGrad: (inputShape, dy, k, strides, padding) => tf.engine().runKernel('AvgPoolGrad',
      { dy, input: tf.broadcastTo(tf.scalar(0), inputShape) }, { filterSize: k, strides, pad: pad(padding) } as never) as Tensor,
    fusedBatchNorm: (x, scale, offset, epsilon) => {
      const n = x.size / (x.shape[3] as number);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const invStd = tf.rsqrt(tf.add(variance, epsilon));
      const xhat = tf.mul(tf.sub(x, mean), invStd);
      const y = tf.add(tf.mul(xhat, scale), offset);
      return [y, mean, n > 1 ? tf.mul(variance, n / (n - 1)) : variance, mean, invStd, xhat];
    },
    fusedBatchNormGrad: (dy, x, scale, _mean, invStd, xhat) => {
      const n = x.size / (x.shape[3] as number);
      const dOffset = tf.sum(dy, [0, 1, 2]), dScale = tf.sum(tf.mul(dy, xhat), [0, 1, 2]);
      const dx = tf.mul(tf.mul(scale, tf.div(invStd, n)), tf.sub(tf.sub(tf.mul(dy, n), dOffset), tf.mul(xhat, dScale)));
      return [dx, dScale, dOffset];
    },
    fusedConv2d: null,
    conv2dBackpropFilterWithBias: null,
    resources: null,
    dispose() { /* nothing kept */ },
  };
}
