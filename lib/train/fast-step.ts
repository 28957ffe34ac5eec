/**
 * A fast GAN training step for native TensorFlow (tfjs-node): the same update as the reference
 * step (`../shared/reference/tfjs_dcgan.js`, `ganStep` in `./step`), computed with ~5x fewer
 * TensorFlow ops.
 *
 * What it does differently (and why each is the same mathematics as the reference):
 * - **No autodiff tape, no layers API in the hot path.** G and D are read once into a plan of
 *   their layers (Dense, Conv2D, Conv2DTranspose, BatchNormalization, activations, Reshape,
 *   Flatten); forward and backward are written out per layer with TensorFlow's own gradient
 *   kernels (`Conv2DBackpropFilter`, `BiasAddGrad`, `LeakyReluGrad`, `FusedBatchNormGradV3`, ...),
 *   called directly through the binding (`./fast-ops`). The weights stay the models' own
 *   `tf.Variable`s, so the models are always current.
 * - **Batch norm in one kernel** (`FusedBatchNormV3`) instead of tfjs' ~10 ops + ~20 gradient ops.
 * - **G's forward pass once per step.** The reference runs G(z) in the D update and again in the
 *   G update with the same z and the same (not yet updated) G weights: the output is identical,
 *   so it is reused. Batch-norm moving statistics are still updated as if G ran twice
 *   (`m ← m − (m − x)(1 − momentum²)` equals two successive updates with the same batch).
 * - **D on real and fake in one batch** (when D has no batch-dependent layer, i.e. no batch
 *   norm): the losses are per-half means, exactly as two separate calls.
 * - **Adam over one flat buffer** per network: ~12 ops per update instead of ~12 per variable.
 *   Same formula as `tf.train.adam` (bias-corrected moments, epsilon added after the sqrt).
 *
 * Anything outside that (other layers, non-Adam optimizers, conditional models, other losses,
 * a non-native backend) falls back to the reference formulation with `optimizer.minimize`
 * (`fast.mode === 'reference'`, `fast.reason` says why), so callers can always use it.
 *
 * @example
 * ```ts
 * const optG = tf.train.adam(2e-4, 0.5), optD = tf.train.adam(2e-4, 0.5);
 * const fast = createFastGanStep({ generator: g, discriminator: d }, { generator: optG, discriminator: optD });
 * const { dLoss, gLoss } = fast.step({ real, z });   // z: [batch, latentDim]
 * console.log(fast.mode, dLoss.dataSync()[0], gLoss.dataSync()[0]);
 * dLoss.dispose(); gLoss.dispose();
 * fast.dispose(); // frees its Adam state and helper constants (not the models)
 * ```
 */
import { tf, type LayersModel, type Optimizer, type Scalar, type Tensor, type Variable } from '../backend';
import { nativeOps, nativeOpsAvailable, portableOps, type NativeOps } from './fast-ops';

/** The two networks (same field names as `StepModels` in `./step`). */
export interface FastStepModels { generator: LayersModel; discriminator: LayersModel }
/** Their optimizers (same field names as `StepOptimizers` in `./step`). */
export interface FastStepOptimizers { generator: Optimizer; discriminator: Optimizer }

/** Adam hyper-parameters (defaults: the DCGAN paper's 2e-4, 0.5, 0.999, tfjs' epsilon 1e-7). */
export interface AdamParams { learningRate: number; beta1: number; beta2: number; epsilon: number }

export interface FastStepOptions {
  /** Force the reference formulation (for comparisons). Default false. */
  forceReference?: boolean;
  /**
   * Run the fast plan with ordinary tfjs ops (`portableOps`) instead of raw TensorFlow ops, so it
   * works on any backend (WebGPU, pure JS). Default: false (non-native backends get the
   * reference formulation). Unmeasured on WebGPU: `npm run gpu-check` times it.
   */
  portable?: boolean;
}

/** One step's inputs: real images `[n, h, w, c]` in [-1, 1] and latent noise `[n, latentDim]`. */
export interface FastStepBatch { real: Tensor; z: Tensor }

/** The step object returned by {@link createFastGanStep}. */
export interface FastGanStep {
  /** `'fast'` (the optimised native path) or `'reference'` (the fallback). */
  readonly mode: 'fast' | 'reference';
  /** Why the fallback was taken (undefined in fast mode). */
  readonly reason?: string;
  /** Number of updates done so far. */
  readonly iterations: number;
  /**
   * One discriminator update then one generator update (non-saturating BCE on logits, same z).
   * Returns the two losses (as in the reference: D's before its update, G's with the updated D);
   * the caller disposes them.
   */
  step(batch: FastStepBatch): { dLoss: Scalar; gLoss: Scalar };
  /**
   * Fast mode keeps its own Adam moments. This writes them into the optimizers given at creation
   * (`optimizer.setWeights`, tfjs' slot layout: iterations, then every m, then every v, in
   * `model.trainableWeights` order), so `optimizer.getWeights()` and checkpoints see the same
   * state the reference would have. Call it before saving a checkpoint. No-op in reference mode.
   */
  exportToOptimizers(): Promise<void>;
  /**
   * Sets the Adam learning rates of the updates that follow (a schedule calls this before each
   * step). Fast mode changes its own Adam; reference mode the optimizers it steps with.
   */
  setLearningRates(lr: { generator: number; discriminator: number }): void;
  /**
   * The reverse, after a checkpoint restore into the optimizers: continues from their
   * iterations and moments. No-op in reference mode or when they have no state yet.
   */
  importFromOptimizers(): Promise<void>;
  /** Frees the optimizer state and kept constants (the models are left alone). */
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// Plans: what each layer does, read from the LayersModel once.

type Act = { kind: 'linear' } | { kind: 'relu' } | { kind: 'leakyRelu'; alpha: number } | { kind: 'tanh' }
  | { kind: 'sigmoid' } | { kind: 'elu' };

type LayerPlan =
  | { kind: 'dense'; W: Variable; b: Variable | null; act: Act }
  | { kind: 'conv'; W: Variable; b: Variable | null; act: Act; strides: [number, number]; padding: string; transpose: boolean; kernel: [number, number] }
  | { kind: 'bn'; gamma: Variable | null; beta: Variable | null; movingMean: Variable; movingVar: Variable; eps: number; momentum: number }
  | { kind: 'act'; act: Act }
  | { kind: 'reshape'; target: number[] | null /* null: flatten */ };

interface NetPlan {
  layers: LayerPlan[];
  /** Trainable variables in the order the gradients are produced. */
  vars: Variable[];
  hasBatchNorm: boolean;
}

class Unsupported extends Error {}

function actOf(name: unknown, alpha?: number): Act {
  const n = String(name ?? 'linear');
  switch (n) {
    case 'linear': return { kind: 'linear' };
    case 'relu': return { kind: 'relu' };
    case 'tanh': return { kind: 'tanh' };
    case 'sigmoid': return { kind: 'sigmoid' };
    case 'elu': return { kind: 'elu' };
    case 'leakyRelu': return { kind: 'leakyRelu', alpha: alpha ?? 0.3 };
    default: throw new Unsupported(`activation "${n}"`);
  }
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [Number(v), Number(v)]);

/** Reads a single-input, single-output chain model into a plan, or throws `Unsupported`. */
function planOf(model: LayersModel, what: string): NetPlan {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Unsupported(`${what} has ${model.inputs.length} inputs / ${model.outputs.length} outputs (conditional models are not supported)`);
  }
  const layers: LayerPlan[] = [];
  const vars: Variable[] = [];
  let hasBatchNorm = false;
  let prev: unknown = null;
  const trainable = new Set(model.trainableWeights.map((w) => w.read()));
  const lv = (x: unknown): Variable | null => {
    if (!x) return null;
    const v = (x as { read(): Variable }).read();
    return v;
  };
  const addVar = (v: Variable | null) => {
    if (!v) return;
    if (!trainable.has(v)) throw new Unsupported(`${what} has a frozen weight (${v.name})`);
    vars.push(v);
  };
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    // A linear chain: each layer's only input is the previous layer's output.
    const inbound = (layer as unknown as { inboundNodes: { inboundLayers: unknown[] }[] }).inboundNodes;
    if (cls !== 'InputLayer') {
      if (inbound.length !== 1 || inbound[0].inboundLayers.length !== 1 || (prev && inbound[0].inboundLayers[0] !== prev)) {
        throw new Unsupported(`${what} is not a single chain of layers (at ${layer.name})`);
      }
    }
    prev = layer;
    const cfg = layer.getConfig() as Record<string, unknown>;
    const L = layer as unknown as Record<string, unknown>;
    if (cfg.trainable === false && layer.weights.length) throw new Unsupported(`${what} layer ${layer.name} is frozen`);
    switch (cls) {
      case 'InputLayer': break;
      case 'Dense': {
        const inShape = (layer as unknown as { input: { shape: unknown[] } }).input.shape;
        if (inShape.length !== 2) throw new Unsupported(`${layer.name}: Dense on a rank-${inShape.length} input`);
        const W = lv(L.kernel)!, b = cfg.useBias === false ? null : lv(L.bias);
        addVar(W); addVar(b);
        layers.push({ kind: 'dense', W, b, act: actOf(cfg.activation) });
        break;
      }
      case 'Conv2D': case 'Conv2DTranspose': {
        if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw new Unsupported(`${layer.name}: dataFormat ${cfg.dataFormat}`);
        const dil = pair(cfg.dilationRate ?? 1);
        if (dil[0] !== 1 || dil[1] !== 1) throw new Unsupported(`${layer.name}: dilation ${dil}`);
        const W = lv(L.kernel)!, b = cfg.useBias === false ? null : lv(L.bias);
        addVar(W); addVar(b);
        layers.push({
          kind: 'conv', W, b, act: actOf(cfg.activation), strides: pair(cfg.strides ?? 1),
          padding: String(cfg.padding ?? 'valid'), transpose: cls === 'Conv2DTranspose', kernel: pair(cfg.kernelSize),
        });
        break;
      }
      case 'BatchNormalization': {
        const axis = cfg.axis as number;
        const rank = (layer.inputSpec?.[0]?.ndim ?? (layer as unknown as { input: { shape: unknown[] } }).input.shape.length);
        if (axis !== -1 && axis !== rank - 1) throw new Unsupported(`${layer.name}: batch norm over axis ${axis}`);
        const gamma = cfg.scale === false ? null : lv(L.gamma), beta = cfg.center === false ? null : lv(L.beta);
        addVar(gamma); addVar(beta);
        layers.push({ kind: 'bn', gamma, beta, movingMean: lv(L.movingMean)!, movingVar: lv(L.movingVariance)!, eps: cfg.epsilon as number, momentum: cfg.momentum as number });
        hasBatchNorm = true;
        break;
      }
      case 'LeakyReLU': layers.push({ kind: 'act', act: { kind: 'leakyRelu', alpha: (cfg.alpha as number) ?? 0.3 } }); break;
      case 'ReLU':
        if (cfg.maxValue != null) throw new Unsupported(`${layer.name}: ReLU with maxValue`);
        layers.push({ kind: 'act', act: { kind: 'relu' } }); break;
      case 'ELU':
        if ((cfg.alpha ?? 1) !== 1) throw new Unsupported(`${layer.name}: ELU alpha ${cfg.alpha}`);
        layers.push({ kind: 'act', act: { kind: 'elu' } }); break;
      case 'Activation': layers.push({ kind: 'act', act: actOf(cfg.activation) }); break;
      case 'Reshape': layers.push({ kind: 'reshape', target: cfg.targetShape as number[] }); break;
      case 'Flatten': layers.push({ kind: 'reshape', target: null }); break;
      case 'Dropout':
        if ((cfg.rate as number) > 0) throw new Unsupported(`${layer.name}: dropout (random masks differ from the reference)`);
        break;
      default: throw new Unsupported(`${what} layer ${layer.name} (${cls})`);
    }
  }
  for (const l of layers) {
    if ('act' in l && l.act.kind === 'leakyRelu' && l.act.alpha < 0) throw new Unsupported('leakyReLU with negative alpha');
  }
  if (vars.length !== model.trainableWeights.length) {
    throw new Unsupported(`${what}: ${model.trainableWeights.length} trainable weights, ${vars.length} understood`);
  }
  return { layers, vars, hasBatchNorm };
}

// ---------------------------------------------------------------------------------------------
// Forward / backward over a plan with raw ops.

/** What a layer kept from its forward pass for the backward pass. */
interface Saved { x: Tensor; y: Tensor; bn?: Tensor[] }

function applyAct(o: NativeOps, a: Act, x: Tensor): Tensor {
  switch (a.kind) {
    case 'linear': return x;
    case 'relu': return o.relu(x);
    case 'leakyRelu': return o.leakyRelu(x, a.alpha);
    case 'tanh': return o.tanh(x);
    case 'sigmoid': return o.sigmoid(x);
    case 'elu': return o.elu(x);
  }
}

/** Gradient through an activation given its output `y` (valid for every supported one). */
function actGrad(o: NativeOps, a: Act, y: Tensor, dy: Tensor): Tensor {
  switch (a.kind) {
    case 'linear': return dy;
    case 'relu': return o.reluGrad(dy, y);
    case 'leakyRelu': return o.leakyReluGrad(dy, y, a.alpha);
    case 'tanh': return o.tanhGrad(y, dy);
    case 'sigmoid': return o.sigmoidGrad(y, dy);
    case 'elu': return o.eluGrad(dy, y);
  }
}

/** Batch-norm batch statistics of one forward pass, for the moving averages. */
interface BnStats { layer: Extract<LayerPlan, { kind: 'bn' }>; mean: Tensor; varUnbiased: Tensor; n: number }

interface Ones { ones(n: number): Tensor; zeros(n: number): Tensor }

function forward(o: NativeOps, plan: NetPlan, x: Tensor, saved: Saved[], stats: BnStats[], k: Ones): Tensor {
  for (const l of plan.layers) {
    const input = x;
    let bn: Tensor[] | undefined;
    switch (l.kind) {
      case 'dense': {
        let y = o.matMul(x, l.W);
        if (l.b) y = o.biasAdd(y, l.b);
        x = applyAct(o, l.act, y);
        break;
      }
      case 'conv': {
        const [n, h, w] = x.shape as number[];
        let y: Tensor;
        if (l.transpose) {
          const [kh, kw, cout] = l.W.shape;
          const same = l.padding === 'same';
          const oh = same ? h * l.strides[0] : h * l.strides[0] + Math.max(kh - l.strides[0], 0);
          const ow = same ? w * l.strides[1] : w * l.strides[1] + Math.max(kw - l.strides[1], 0);
          y = o.conv2dBackpropInput([n, oh, ow, cout], l.W, x, l.strides, l.padding);
        } else {
          y = o.conv2d(x, l.W, l.strides, l.padding);
        }
        if (l.b) y = o.biasAdd(y, l.b);
        x = applyAct(o, l.act, y);
        break;
      }
      case 'bn': {
        const c = x.shape[x.shape.length - 1];
        const x4 = x.rank === 4 ? x : o.reshape(x, [-1, 1, 1, c]);
        const outs = o.fusedBatchNorm(x4, l.gamma ?? k.ones(c), l.beta ?? k.zeros(c), l.eps);
        bn = [x4, outs[3], outs[4], outs[5]];
        stats.push({ layer: l, mean: outs[1], varUnbiased: outs[2], n: x4.size / c });
        x = x.rank === 4 ? outs[0] : o.reshape(outs[0], x.shape);
        break;
      }
      case 'act': x = applyAct(o, l.act, x); break;
      case 'reshape': x = o.reshape(x, [x.shape[0], ...(l.target ?? [x.size / x.shape[0]])]); break;
    }
    saved.push({ x: input, y: x, bn });
  }
  return x;
}

/**
 * Backward through a plan. `grads` (if given) receives the weight gradients in `plan.vars`
 * order; returns d(input) when `needDx`.
 */
function backward(o: NativeOps, plan: NetPlan, saved: Saved[], dy: Tensor, grads: Tensor[] | null, needDx: boolean, k: Ones): Tensor | null {
  const rev: Tensor[] = []; // weight grads, collected from the last layer backwards
  for (let i = plan.layers.length - 1; i >= 0; i--) {
    const l = plan.layers[i], s = saved[i];
    const wantDx = needDx || i > 0;
    switch (l.kind) {
      case 'dense': {
        const d = actGrad(o, l.act, s.y, dy);
        if (grads) {
          if (l.b) rev.push(o.biasAddGrad(d));
          rev.push(o.matMul(s.x, d, true, false));
        }
        dy = wantDx ? o.matMul(d, l.W, false, true) : dy;
        break;
      }
      case 'conv': {
        const d = actGrad(o, l.act, s.y, dy);
        if (grads) {
          if (l.b) rev.push(o.biasAddGrad(d));
          rev.push(l.transpose
            ? o.conv2dBackpropFilter(d, l.W.shape, s.x, l.strides, l.padding)
            : o.conv2dBackpropFilter(s.x, l.W.shape, d, l.strides, l.padding));
        }
        if (wantDx) {
          dy = l.transpose
            ? o.conv2d(d, l.W, l.strides, l.padding)
            : o.conv2dBackpropInput(s.x.shape, l.W, d, l.strides, l.padding);
        }
        break;
      }
      case 'bn': {
        const [x4, r1, r2, r3] = s.bn!;
        const c = x4.shape[3] as number;
        const dy4 = dy.rank === 4 ? dy : o.reshape(dy, x4.shape);
        const [dx, dScale, dOffset] = o.fusedBatchNormGrad(dy4, x4, l.gamma ?? k.ones(c), r1, r2, r3, l.eps);
        if (grads) {
          if (l.beta) rev.push(dOffset);
          if (l.gamma) rev.push(dScale);
        }
        dy = dy.rank === 4 ? dx : o.reshape(dx, s.x.shape);
        break;
      }
      case 'act': dy = actGrad(o, l.act, s.y, dy); break;
      case 'reshape': dy = o.reshape(dy, s.x.shape); break;
    }
  }
  if (grads) grads.push(...rev.reverse());
  return needDx ? dy : null;
}

// ---------------------------------------------------------------------------------------------
// Adam over one flat buffer.

function adamParams(opt: Optimizer | undefined, what: string): AdamParams {
  const defaults = { learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 };
  if (!opt) return defaults;
  if (opt.getClassName() !== 'Adam') throw new Unsupported(`${what} optimizer is ${opt.getClassName()}, not Adam`);
  const c = opt.getConfig() as Partial<AdamParams>;
  return {
    learningRate: c.learningRate ?? defaults.learningRate, beta1: c.beta1 ?? defaults.beta1,
    beta2: c.beta2 ?? defaults.beta2, epsilon: c.epsilon ?? tf.backend().epsilon(),
  };
}

class FlatAdam {
  private m: Tensor; private v: Tensor; private t = 0;
  private readonly sizes: number[];
  private readonly consts: Tensor[];
  constructor(private readonly o: NativeOps, private readonly vars: Variable[], private readonly p: AdamParams) {
    this.sizes = vars.map((v) => v.size);
    const n = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.keep(tf.zeros([n])); this.v = tf.keep(tf.zeros([n]));
    this.consts = [p.beta1, 1 - p.beta1, p.beta2, 1 - p.beta2, p.epsilon].map((x) => tf.keep(tf.scalar(x)));
  }

  /** Applies one update from gradients in `vars` order (call inside a tidy). */
  apply(grads: Tensor[]): void {
    const o = this.o;
    const [b1, nb1, b2, nb2, eps] = this.consts;
    this.t++;
    const g = o.concat0(grads.map((x) => (x.rank === 1 ? x : o.reshape(x, [-1]))));
    const m = o.add(o.mul(this.m, b1), o.mul(g, nb1));
    const v = o.add(o.mul(this.v, b2), o.mul(o.square(g), nb2));
    // Same arithmetic as tf.train.adam: lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    const accB1 = Math.fround(Math.pow(this.p.beta1, this.t)), accB2 = Math.fround(Math.pow(this.p.beta2, this.t));
    const s1 = tf.scalar(this.p.learningRate / (1 - accB1)), s2 = tf.scalar(1 / (1 - accB2));
    const upd = o.div(o.mul(m, s1), o.add(o.sqrt(o.mul(v, s2)), eps));
    const pieces = o.splitV(upd, this.sizes);
    this.vars.forEach((w, i) => {
      const piece = w.rank === 1 ? pieces[i] : o.reshape(pieces[i], w.shape);
      w.assign(o.sub(w, piece) as typeof w);
    });
    const oldM = this.m, oldV = this.v;
    this.m = tf.keep(m); this.v = tf.keep(v);
    oldM.dispose(); oldV.dispose();
  }

  get iterations(): number { return this.t; }

  /** Learning rate of the updates that follow. */
  set learningRate(lr: number) { this.p.learningRate = lr; }

  /** Per-variable first and second moments (new tensors, in `vars` order; the caller disposes). */
  slots(): { m: Tensor[]; v: Tensor[] } {
    return tf.tidy(() => {
      const split = (flat: Tensor) => this.o.splitV(flat, this.sizes).map((p, i) => tf.keep(this.o.reshape(p, this.vars[i].shape)));
      return { m: split(this.m), v: split(this.v) };
    });
  }

  /** Replaces the state: `t` updates done, moments per variable in `vars` order. */
  load(t: number, m: Tensor[], v: Tensor[]): void {
    const flat = (xs: Tensor[]) => tf.tidy(() => tf.keep(this.o.concat0(xs.map((x) => this.o.reshape(x, [-1])))));
    const nm = flat(m), nv = flat(v);
    this.m.dispose(); this.v.dispose();
    this.m = nm; this.v = nv; this.t = t;
  }

  dispose(): void {
    this.m.dispose(); this.v.dispose();
    this.consts.forEach((c) => c.dispose());
  }
}

// ---------------------------------------------------------------------------------------------
// The reference formulation (fallback, and what the fast step is tested against).

/**
 * The reference GAN step of `../shared/reference/tfjs_dcgan.js` with explicit inputs: D update
 * (`optD.minimize` over D's weights; G(z) and D applied in training mode), then G update
 * (`optG.minimize` over G's weights), non-saturating BCE on logits.
 *
 * @example
 * ```ts
 * const { dLoss, gLoss } = referenceGanStep({ generator: g, discriminator: d }, { generator: optG, discriminator: optD }, { real, z });
 * ```
 */
export function referenceGanStep(m: FastStepModels, opt: FastStepOptimizers, b: FastStepBatch): { dLoss: Scalar; gLoss: Scalar } {
  const bce = (labels: Tensor, logits: Tensor) => tf.losses.sigmoidCrossEntropy(labels, logits) as Scalar;
  const G = (z: Tensor) => m.generator.apply(z, { training: true }) as Tensor;
  const D = (x: Tensor) => m.discriminator.apply(x, { training: true }) as Tensor;
  const vars = (net: LayersModel) => net.trainableWeights.map((w) => w.read() as Variable);
  const dLoss = tf.tidy(() => opt.discriminator.minimize(() => {
    const fr = D(G(b.z)), rr = D(b.real);
    return tf.add(bce(tf.onesLike(rr), rr), bce(tf.zerosLike(fr), fr)) as Scalar;
  }, true, vars(m.discriminator)) as Scalar);
  const gLoss = tf.tidy(() => opt.generator.minimize(() => {
    const fr = D(G(b.z));
    return bce(tf.onesLike(fr), fr);
  }, true, vars(m.generator)) as Scalar);
  return { dLoss, gLoss };
}

// ---------------------------------------------------------------------------------------------

/**
 * Builds a GAN training step for `models`, optimised for native TensorFlow when the models and
 * optimizers allow it (see the module notes), else the reference formulation.
 *
 * The optimizers' hyper-parameters are read once (`getConfig()`); in fast mode their internal
 * state is NOT used or advanced: the step keeps its own Adam moments (start it from fresh
 * optimizers, or accept that earlier moments are dropped). In reference mode they are used.
 *
 * @param models G (`z → image`) and D (`image → logits`, no final sigmoid).
 * @param optimizers Adam optimizers (default: `tf.train.adam(2e-4, 0.5)` for both).
 * @example
 * ```ts
 * const fast = createFastGanStep({ generator: g, discriminator: d });
 * for (let i = 0; i < 100; i++) {
 *   const z = tf.randomNormal([64, 100]);
 *   const { dLoss, gLoss } = fast.step({ real: batch, z });
 *   z.dispose(); dLoss.dispose(); gLoss.dispose();
 * }
 * ```
 */
export function createFastGanStep(models: FastStepModels, optimizers?: Partial<FastStepOptimizers>, options: FastStepOptions = {}): FastGanStep {
  let reason: string | undefined;
  let planG: NetPlan | undefined, planD: NetPlan | undefined, pG: AdamParams | undefined, pD: AdamParams | undefined;
  try {
    if (options.forceReference) throw new Unsupported('forceReference');
    if (!options.portable && !nativeOpsAvailable()) throw new Unsupported(`backend "${tf.getBackend()}" is not native TensorFlow (portable: true runs the fast plan with tfjs ops)`);
    planG = planOf(models.generator, 'generator');
    planD = planOf(models.discriminator, 'discriminator');
    pG = adamParams(optimizers?.generator, 'generator');
    pD = adamParams(optimizers?.discriminator, 'discriminator');
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    reason = err.message;
  }
  if (reason !== undefined || !planG || !planD || !pG || !pD) return referenceStep(models, optimizers, reason ?? 'unsupported');
  return fastStep(models, planG, planD, pG, pD, optimizers, options.portable ? portableOps() : nativeOps());
}

function referenceStep(models: FastStepModels, optimizers: Partial<FastStepOptimizers> | undefined, reason: string): FastGanStep {
  const own: Optimizer[] = [];
  const mk = () => { const o = tf.train.adam(2e-4, 0.5); own.push(o); return o; };
  const opt = { generator: optimizers?.generator ?? mk(), discriminator: optimizers?.discriminator ?? mk() };
  let iterations = 0;
  return {
    mode: 'reference', reason,
    get iterations() { return iterations; },
    step(b) { iterations++; return referenceGanStep(models, opt, b); },
    async exportToOptimizers() { /* the optimizers hold the state */ },
    async importFromOptimizers() { /* the optimizers hold the state */ },
    setLearningRates(lr) { setAdamLearningRates(opt, lr); },
    dispose() { own.forEach((o) => o.dispose()); },
  };
}

/**
 * Changes the learning rates of a pair of tfjs Adam optimizers in place. tfjs reads its (protected)
 * `learningRate` field on every `applyGradients`, so this keeps the moments and iteration count.
 */
export function setAdamLearningRates(opt: FastStepOptimizers, lr: { generator: number; discriminator: number }): void {
  for (const which of ['generator', 'discriminator'] as const) {
    const o = opt[which];
    if (o.getClassName() !== 'Adam') throw new Error(`Expected an Adam ${which} optimizer for a learning-rate schedule; got ${o.getClassName()}.`);
    (o as unknown as { learningRate: number }).learningRate = lr[which];
  }
}

/** tfjs Adam's private slots (to dispose the old ones before `setWeights`, which would leak them). */
interface AdamSlots { accumulatedFirstMoment?: { variable: Tensor }[]; accumulatedSecondMoment?: { variable: Tensor }[] }

async function exportAdam(adam: FlatAdam, model: LayersModel, plan: NetPlan, opt: Optimizer): Promise<void> {
  const order = model.trainableWeights.map((w) => plan.vars.indexOf(w.read() as Variable));
  const { m, v } = adam.slots();
  const names = order.map((j) => plan.vars[j].name);
  const iter = tf.scalar(adam.iterations, 'int32');
  const slots = opt as unknown as AdamSlots;
  for (const s of [...(slots.accumulatedFirstMoment ?? []), ...(slots.accumulatedSecondMoment ?? [])]) s.variable.dispose();
  await opt.setWeights([{ name: 'iter', tensor: iter },
    ...order.map((j, i) => ({ name: `${names[i]}/m`, tensor: m[j] })), ...order.map((j, i) => ({ name: `${names[i]}/v`, tensor: v[j] }))]);
  tf.dispose([iter, ...m, ...v]);
}

async function importAdam(adam: FlatAdam, model: LayersModel, plan: NetPlan, opt: Optimizer): Promise<void> {
  const w = await opt.getWeights();
  const n = plan.vars.length;
  const t = (await w[0].tensor.data())[0];
  if (w.length !== 1 + 2 * n || !t) return; // no state yet
  const order = model.trainableWeights.map((x) => plan.vars.indexOf(x.read() as Variable));
  const m: Tensor[] = new Array(n), v: Tensor[] = new Array(n);
  order.forEach((j, i) => { m[j] = w[1 + i].tensor; v[j] = w[1 + n + i].tensor; });
  adam.load(t, m, v);
  w[0].tensor.dispose();
}

function fastStep(models: FastStepModels, planG: NetPlan, planD: NetPlan, pG: AdamParams, pD: AdamParams,
  optimizers: Partial<FastStepOptimizers> | undefined, o: NativeOps): FastGanStep {
  const adamG = new FlatAdam(o, planG.vars, pG), adamD = new FlatAdam(o, planD.vars, pD);
  const needOpt = (which: 'generator' | 'discriminator'): Optimizer => {
    const opt = optimizers?.[which];
    if (!opt) throw new Error(`Expected a ${which} optimizer passed to createFastGanStep to sync Adam state with; got none.`);
    return opt;
  };
  const kept = new Map<string, Tensor>();
  const constant = (key: string, make: () => Tensor) => {
    let t = kept.get(key);
    if (!t) { t = tf.keep(make()); kept.set(key, t); }
    return t;
  };
  const k: Ones = {
    ones: (n) => constant(`1x${n}`, () => tf.ones([n])),
    zeros: (n) => constant(`0x${n}`, () => tf.zeros([n])),
  };
  /** Sigmoid cross-entropy (mean over elements) against a constant target, and its gradient. */
  const bce = (logits: Tensor, target: 0 | 1): { loss: Tensor; dLogits: Tensor } => {
    const n = logits.size;
    // target 1: softplus(-x); target 0: softplus(x). d/dx: -sigmoid(-x) / n; sigmoid(x) / n.
    const s = target ? o.mul(logits, constant('-1', () => tf.scalar(-1))) : logits;
    const loss = o.mul(o.sumAll(o.softplus(s)), constant(`1/${n}`, () => tf.scalar(1 / n)));
    const dLogits = o.mul(o.sigmoid(s), constant(`${target ? '-' : ''}1/${n}`, () => tf.scalar((target ? -1 : 1) / n)));
    return { loss, dLogits };
  };
  /** Combined D loss on [real; fake] logits of one batch: per-half means, as two bce calls. */
  const bceHalves = (logits: Tensor, nReal: number): { loss: Tensor; dLogits: Tensor } => {
    const total = logits.size, nEach = total / 2;
    const signs = constant(`signs${total}`, () => tf.concat([tf.fill([nReal, ...logits.shape.slice(1)], -1), tf.fill([nReal, ...logits.shape.slice(1)], 1)]));
    const s = o.mul(logits, signs);
    const loss = o.mul(o.sumAll(o.softplus(s)), constant(`1/${nEach}`, () => tf.scalar(1 / nEach)));
    const dLogits = o.mul(o.sigmoid(s), constant(`signs/${total}`, () => tf.div(signs, nEach)));
    return { loss, dLogits };
  };
  /** `moving ← moving − (moving − batch)(1 − momentum^times)`: `times` successive tfjs updates. */
  const updateMoving = (st: BnStats, times: number) => {
    const l = st.layer;
    const decay = constant(`decay${l.momentum}^${times}`, () => tf.scalar(1 - Math.pow(l.momentum, times)));
    const biasedVar = st.n > 1 ? o.mul(st.varUnbiased, constant(`unbias${st.n}`, () => tf.scalar((st.n - 1) / st.n))) : st.varUnbiased;
    for (const [mv, x] of [[l.movingMean, st.mean], [l.movingVar, biasedVar]] as const) {
      mv.assign(o.sub(mv, o.mul(o.sub(mv, x), decay)) as Variable);
    }
  };
  const dBatchIndependent = !planD.hasBatchNorm;

  return {
    mode: 'fast',
    get iterations() { return adamD.iterations; },
    setLearningRates(lr) { adamG.learningRate = lr.generator; adamD.learningRate = lr.discriminator; },
    step({ real, z }) {
      if (real.shape[0] !== z.shape[0]) {
        throw new Error(`Expected real and z with the same batch size; got ${real.shape[0]} and ${z.shape[0]}.`);
      }
      const zShape = models.generator.inputs[0].shape, xShape = models.discriminator.inputs[0].shape;
      const mismatch = (t: Tensor, want: (number | null)[]) => t.rank !== want.length || want.some((d, i) => i > 0 && d != null && d !== t.shape[i]);
      if (mismatch(z, zShape)) throw new Error(`Expected z of shape [n, ${zShape.slice(1).join(', ')}]; got [${z.shape.join(', ')}].`);
      if (mismatch(real, xShape)) throw new Error(`Expected real images of shape [n, ${xShape.slice(1).join(', ')}]; got [${real.shape.join(', ')}].`);
      let dLoss!: Scalar, gLoss!: Scalar;
      tf.tidy(() => {
        const nB = real.shape[0];
        // G forward once (reused by both updates: same z, G not yet updated).
        const savedG: Saved[] = [], statsG: BnStats[] = [];
        const fake = forward(o, planG, z, savedG, statsG, k);

        // --- D update.
        const gradsD: Tensor[] = [];
        const statsD: BnStats[] = [];
        if (dBatchIndependent) {
          const saved: Saved[] = [];
          const logits = forward(o, planD, o.concat0([real, fake]), saved, statsD, k);
          const { loss, dLogits } = bceHalves(logits, nB);
          backward(o, planD, saved, dLogits, gradsD, false, k);
          dLoss = tf.keep(loss as Scalar);
        } else {
          // Batch-dependent D (batch norm): separate passes, in the reference's order (fake, real).
          const sf: Saved[] = [], sr: Saved[] = [];
          const lf = forward(o, planD, fake, sf, statsD, k);
          const lr = forward(o, planD, real, sr, statsD, k);
          const f = bce(lf, 0), r = bce(lr, 1);
          const gf: Tensor[] = [], gr: Tensor[] = [];
          backward(o, planD, sf, f.dLogits, gf, false, k);
          backward(o, planD, sr, r.dLogits, gr, false, k);
          gf.forEach((g, i) => gradsD.push(o.add(g, gr[i])));
          dLoss = tf.keep(o.add(r.loss, f.loss) as Scalar);
        }
        adamD.apply(gradsD);
        statsD.forEach((st) => updateMoving(st, 1));

        // --- G update: D (updated) on the same fake batch; gradient back through D into G.
        const savedD2: Saved[] = [], statsD2: BnStats[] = [];
        const logits2 = forward(o, planD, fake, savedD2, statsD2, k);
        const { loss: lg, dLogits: dl2 } = bce(logits2, 1);
        const dFake = backward(o, planD, savedD2, dl2, null, true, k)!;
        const gradsG: Tensor[] = [];
        backward(o, planG, savedG, dFake, gradsG, false, k);
        adamG.apply(gradsG);
        statsD2.forEach((st) => updateMoving(st, 1));
        // The reference ran G twice on this batch: two moving-average updates.
        statsG.forEach((st) => updateMoving(st, 2));
        gLoss = tf.keep(lg as Scalar);
      });
      return { dLoss, gLoss };
    },
    async exportToOptimizers() {
      await exportAdam(adamG, models.generator, planG, needOpt('generator'));
      await exportAdam(adamD, models.discriminator, planD, needOpt('discriminator'));
    },
    async importFromOptimizers() {
      await importAdam(adamG, models.generator, planG, needOpt('generator'));
      await importAdam(adamD, models.discriminator, planD, needOpt('discriminator'));
    },
    dispose() {
      adamG.dispose(); adamD.dispose();
      for (const t of kept.values()) t.dispose();
      kept.clear();
      o.dispose();
    },
  };
}
