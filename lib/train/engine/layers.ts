/**
 * How the native engine computes each tfjs-layers class: a registry of layer rules. A network
 * (`LayersModel`, functional or sequential, any DAG of single-use layers) is compiled once into
 * a {@link NetProgram} that replays it on the {@link Tape}. A custom layer joins the fast path
 * with one `registerLayerRule('MyLayer', { apply })` call (see `lib/models/layers/spectral-norm.ts`).
 */
import { tf, type LayersModel, type Tensor, type Variable } from '../../backend';
import { Tape, Unsupported, type Val } from './tape';
import type { FusedActivation } from '../fast-ops';

/** A tfjs layer as the rules see it (config and weights). */
export type AnyLayer = LayersModel['layers'][number];

/** Batch statistics of one batch-norm call, for its moving averages. */
export interface BnStats { movingMean: Variable; movingVar: Variable; momentum: number; mean: Tensor; varUnbiased: Tensor; n: number }

/** What a rule can use while it computes a layer. */
export interface CallContext {
  tape: Tape;
  /** The value of one of the layer's weights (`layer.kernel`, ...): a gradient flows into it when this pass trains the network. */
  weight(w: unknown): Val;
  /** Batch-norm statistics of this call (the step applies the moving-average updates). */
  bnStats: BnStats[];
  /**
   * The activation layer that follows this one, folded into it by the program (rules with
   * {@link LayerRule.fusesActivation} only): apply it after the bias, as one fused kernel where
   * the ops have it. The activation layer itself then passes its input through.
   */
  activation?: FusedActivation;
  /**
   * When the input is several calls' batches concatenated on axis 0 (D on `[real; fake]`): their
   * sizes in order. Rules with {@link LayerRule.segments} compute each part as its own call would.
   */
  segments?: number[];
}

/** How one layer class is computed on the tape. */
export interface LayerRule {
  /** Throws {@link Unsupported} (naming the layer and what) when its config is outside the rule. */
  check?(layer: AnyLayer): void;
  /** The layer's output in training mode. */
  apply(layer: AnyLayer, inputs: Val[], ctx: CallContext): Val;
  /** Samples interact (batch norm): real and fake batches must go through separately. */
  batchDependent?: boolean;
  /** Each call changes state or draws randomness (dropout, spectral norm's power iteration): calls mirror the reference's. */
  perCall?: boolean;
  /**
   * A per-call rule that computes concatenated calls exactly as the separate calls when told their
   * sizes (`CallContext.segments`), so the step may still run D on `[real; fake]` in one batch.
   */
  segments?: boolean;
  /**
   * Where the rule has a second-order gradient, when not everywhere: `'none'` (batch norm: not
   * usable in a critic with a gradient penalty) or `'native'` (max pooling: tfjs has no
   * `MaxPoolGradGrad`, so not on portable ops). The step is refused up front, naming the layer.
   */
  secondOrder?: 'none' | 'native';
  /**
   * `apply` honours {@link CallContext.activation}: a ReLU / leaky ReLU layer right after
   * this one (its only consumer) is computed with it, as conv + bias + activation in one kernel.
   */
  fusesActivation?: boolean;
}

const rules = new Map<string, LayerRule>();

/**
 * Teaches the native engine a layer class (by `getClassName()`).
 *
 * @example
 * ```ts
 * registerLayerRule('Scale2', { apply: (_l, [x], { tape }) => tape.scale(x, 2) });
 * ```
 */
export function registerLayerRule(className: string, rule: LayerRule): void {
  rules.set(className, rule);
}

/** The layer classes the native engine knows. */
export function knownLayerClasses(): string[] {
  return [...rules.keys()].sort();
}

type Cfg = Record<string, unknown>;
/** A layer's config (`getConfig()`), for rules. */
export const cfgOf = (l: AnyLayer) => l.getConfig() as Cfg;
const field = (l: AnyLayer, k: string) => (l as unknown as Record<string, unknown>)[k];
/** `[a, b]` from tfjs' number-or-pair config values (`kernelSize: 3` → `[3, 3]`). */
export const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

/** SELU's constants as tfjs-core has them (Klambauer et al. 2017, "Self-Normalizing Neural Networks"): λ and λ·α. */
const SELU_SCALE = 1.0507009873554805, SELU_SCALE_ALPHA = 1.7580993408473768;

/**
 * The activation functions rules understand, by tfjs name; each as tfjs-core defines it, composed
 * of the tape's ops where there is no single kernel (so each is differentiable twice).
 */
const ACTIVATIONS: Record<string, (t: Tape, x: Val) => Val> = {
  linear: (_t, x) => x,
  relu: (t, x) => t.relu(x),
  tanh: (t, x) => t.tanh(x),
  sigmoid: (t, x) => t.sigmoid(x),
  elu: (t, x) => t.elu(x),
  softplus: (t, x) => t.softplus(x),
  /** x·σ(x) (tfjs' swish, α = 1). */
  swish: (t, x) => t.mul(x, t.sigmoid(x)),
  /** x·tanh(softplus(x)). */
  mish: (t, x) => t.mul(x, t.tanh(t.softplus(x))),
  /** min(max(x, 0), 6) = relu(x) − relu(x − 6). */
  relu6: (t, x) => t.sub(t.relu(x), t.relu(t.add(x, t.scalar(-6)))),
  /** clip(0.2·x + 0.5, 0, 1) = relu(0.2x + 0.5) − relu(0.2x − 0.5). */
  hardSigmoid: (t, x) => { const y = t.scale(x, 0.2); return t.sub(t.relu(t.add(y, t.scalar(0.5))), t.relu(t.add(y, t.scalar(-0.5)))); },
  /** λ·x for x > 0, λα·(eˣ − 1) otherwise: λ·relu(x) + λα·elu(min(x, 0)). */
  selu: (t, x) => t.add(t.scale(t.relu(x), SELU_SCALE), t.scale(t.elu(t.neg(t.relu(t.neg(x)))), SELU_SCALE_ALPHA)),
};

/** Computes activation `name` (a tfjs activation name) of `x`; throws {@link Unsupported} for others. */
export function activate(t: Tape, name: unknown, x: Val, where: string): Val {
  const key = String(name ?? 'linear');
  const f = Object.prototype.hasOwnProperty.call(ACTIVATIONS, key) ? ACTIVATIONS[key] : undefined;
  if (!f) throw new Unsupported(`${where}: activation "${String(name)}"`);
  return f(t, x);
}

function checkActivation(l: AnyLayer): void {
  const a = String(cfgOf(l).activation ?? 'linear');
  if (!Object.prototype.hasOwnProperty.call(ACTIVATIONS, a)) throw new Unsupported(`${l.name}: activation "${a}"`);
}

/**
 * The one activation a fused kernel can apply after the bias: the folded-in layer's (when the
 * layer's own is linear) or the layer's own relu; null when neither fits (two activations, tanh,
 * sigmoid, elu: computed apart).
 */
function fusable(activation: unknown, then?: FusedActivation): FusedActivation | null {
  const a = String(activation ?? 'linear');
  if (then) return a === 'linear' ? then : null;
  return a === 'relu' ? { kind: 'relu', alpha: 0 } : null;
}

/**
 * Dense on a rank-2 input: `act(x·W + b)`, then `then` (an activation layer folded in,
 * {@link CallContext.activation}; three kernels: no fused matmul, see `NativeOps.fusedConv2d`).
 * Shared by rules of dense-like layers.
 */
export function denseForward(t: Tape, x: Val, W: Val, b: Val | null, activation: unknown, where: string, then?: FusedActivation): Val {
  if (x.shape.length !== 2) throw new Unsupported(`${where}: Dense on a rank-${x.shape.length} input`);
  let y = t.matMul(x, W);
  if (b) y = t.biasAdd(y, b);
  return applyThen(t, activate(t, activation, y, where), then);
}

function applyThen(t: Tape, y: Val, then?: FusedActivation): Val {
  return then ? t.activation(y, then) : y;
}

/**
 * Conv2D / Conv2DTranspose (NHWC): `act(conv(x, W) + b)`, then `then` (an activation layer folded
 * in, {@link CallContext.activation}). Shared by rules of conv-like layers.
 */
export function convForward(t: Tape, x: Val, W: Val, b: Val | null, c: { strides: [number, number]; padding: string; transpose: boolean; activation: unknown }, where: string, then?: FusedActivation): Val {
  const fuse = fusable(c.activation, then);
  const pad = c.padding.toLowerCase();
  if (!c.transpose && b && (pad === 'same' || pad === 'valid')) {
    const y = t.convBiasAct(x, W, b, c.strides, c.padding, fuse);
    return fuse ? y : applyThen(t, activate(t, c.activation, y, where), then);
  }
  let y: Val;
  if (c.transpose) {
    const [n, h, w] = x.shape;
    const [kh, kw, cout] = W.shape;
    const same = c.padding === 'same';
    const oh = same ? h * c.strides[0] : h * c.strides[0] + Math.max(kh - c.strides[0], 0);
    const ow = same ? w * c.strides[1] : w * c.strides[1] + Math.max(kw - c.strides[1], 0);
    y = t.conv2dBackpropInput([n, oh, ow, cout], W, x, c.strides, c.padding);
  } else {
    y = t.conv2d(x, W, c.strides, c.padding);
  }
  if (b) y = t.biasAdd(y, b);
  return applyThen(t, activate(t, c.activation, y, where), then);
}

/** Checks shared by conv-like layers (NHWC, no dilation, known activation). */
export function checkConv(l: AnyLayer): void {
  const c = cfgOf(l);
  if (c.dataFormat && c.dataFormat !== 'channelsLast') throw new Unsupported(`${l.name}: dataFormat ${String(c.dataFormat)}`);
  const dil = pair(c.dilationRate ?? 1);
  if (dil[0] !== 1 || dil[1] !== 1) throw new Unsupported(`${l.name}: dilation ${dil.join('x')}`);
  checkActivation(l);
}

/** Strides, padding, transpose and activation of a Conv2D / Conv2DTranspose layer (or a wrapped one). */
export const convConfig = (l: AnyLayer) => {
  const c = cfgOf(l);
  return { strides: pair(c.strides ?? 1), padding: String(c.padding ?? 'valid'), transpose: l.getClassName() === 'Conv2DTranspose', activation: c.activation };
};

registerLayerRule('InputLayer', { apply: (_l, [x]) => x });

registerLayerRule('Dense', {
  check: checkActivation,
  apply: (l, [x], ctx) => {
    const c = cfgOf(l);
    return denseForward(ctx.tape, x, ctx.weight(field(l, 'kernel')), c.useBias === false ? null : ctx.weight(field(l, 'bias')), c.activation, l.name, ctx.activation);
  },
});

for (const cls of ['Conv2D', 'Conv2DTranspose']) {
  registerLayerRule(cls, {
    check: checkConv, fusesActivation: true,
    apply: (l, [x], ctx) => convForward(ctx.tape, x, ctx.weight(field(l, 'kernel')),
      cfgOf(l).useBias === false ? null : ctx.weight(field(l, 'bias')), convConfig(l), l.name, ctx.activation),
  });
}

registerLayerRule('BatchNormalization', {
  batchDependent: true, secondOrder: 'none',
  check: (l) => {
    const axis = cfgOf(l).axis as number;
    const rank = (field(l, 'input') as { shape: unknown[] }).shape.length;
    if (axis !== -1 && axis !== rank - 1) throw new Unsupported(`${l.name}: batch norm over axis ${axis}`);
  },
  apply: (l, [x], ctx) => {
    const c = cfgOf(l), t = ctx.tape, ch = x.shape[x.shape.length - 1];
    const gamma = c.scale === false ? t.leaf(tf.ones([ch])) : ctx.weight(field(l, 'gamma'));
    const beta = c.center === false ? t.leaf(tf.zeros([ch])) : ctx.weight(field(l, 'beta'));
    const r = t.fusedBatchNorm(x, gamma, beta, c.epsilon as number);
    const v = (k: string) => (field(l, k) as { read(): Variable }).read();
    ctx.bnStats.push({ movingMean: v('movingMean'), movingVar: v('movingVariance'), momentum: c.momentum as number, mean: r.mean, varUnbiased: r.varUnbiased, n: r.n });
    return r.y;
  },
});

/** A layer norm's axes as non-negative numbers; they must be the trailing axes (the last, or e.g. H, W, C of an image). */
function layerNormAxes(l: AnyLayer): number[] {
  const axis = cfgOf(l).axis;
  const rank = (field(l, 'input') as { shape: unknown[] }).shape.length;
  const axes = ((Array.isArray(axis) ? axis : [axis]) as number[]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (!axes.length || axes.some((a, i) => a !== rank - axes.length + i)) {
    throw new Unsupported(`${l.name}: layer norm over axes ${JSON.stringify(axis)} (the trailing axes only, e.g. -1 or [1, 2, 3])`);
  }
  return axes;
}

registerLayerRule('LayerNormalization', {
  check: (l) => { layerNormAxes(l); },
  // tfjs-layers: moments over the axes, then (x − mean)·rsqrt(var + ε)·γ + β (`tf.batchNorm`), γ and
  // β shaped like the normalised axes. Over several trailing axes (PyTorch's LayerNorm([C, H, W]),
  // common in WGAN-GP critics) each sample's features are one row.
  apply: (l, [x], ctx) => {
    const c = cfgOf(l), t = ctx.tape, k = layerNormAxes(l).length;
    const features = x.shape.slice(x.shape.length - k).reduce((a, b) => a * b, 1);
    // Over one axis both reshapes are no-ops (the tape returns its input for an equal shape).
    let y = t.reshape(t.layerNorm(t.reshape(x, [...x.shape.slice(0, x.shape.length - k), features]), c.epsilon as number), x.shape);
    if (c.scale !== false) y = t.mul(y, ctx.weight(field(l, 'gamma')));
    if (c.center !== false) y = k === 1 ? t.biasAdd(y, ctx.weight(field(l, 'beta'))) : t.add(y, ctx.weight(field(l, 'beta')));
    return y;
  },
});

registerLayerRule('LeakyReLU', {
  check: (l) => { if (((cfgOf(l).alpha as number) ?? 0.3) < 0) throw new Unsupported(`${l.name}: leakyReLU with negative alpha`); },
  apply: (l, [x], { tape }) => tape.leakyRelu(x, (cfgOf(l).alpha as number) ?? 0.3),
});
registerLayerRule('ReLU', {
  check: (l) => { if (cfgOf(l).maxValue != null) throw new Unsupported(`${l.name}: ReLU with maxValue`); },
  apply: (_l, [x], { tape }) => tape.relu(x),
});
registerLayerRule('ELU', {
  check: (l) => { if ((cfgOf(l).alpha ?? 1) !== 1) throw new Unsupported(`${l.name}: ELU alpha ${String(cfgOf(l).alpha)}`); },
  apply: (_l, [x], { tape }) => tape.elu(x),
});
registerLayerRule('Activation', { check: checkActivation, apply: (l, [x], { tape }) => activate(tape, cfgOf(l).activation, x, l.name) });
registerLayerRule('Reshape', { apply: (l, [x], { tape }) => tape.reshape(x, [x.shape[0], ...(cfgOf(l).targetShape as number[])]) });
registerLayerRule('Flatten', { apply: (_l, [x], { tape }) => tape.reshape(x, [x.shape[0], x.size / x.shape[0]]) });

/**
 * Dropout masks and other noise, drawn per call from the layer's seed (the trainer reseeds it each
 * step, so native runs repeat exactly). With a seed, concatenated calls of one size share one draw,
 * as separate tfjs calls would; `noise(shape, seed)` draws `[n, ...rest]` values.
 */
function seededNoise(l: AnyLayer, x: Val, segments: number[] | undefined, noise: (shape: number[], seed: number | undefined) => Tensor): Tensor {
  const seed = field(l, 'seed') as number | undefined, rest = x.shape.slice(1);
  if (!segments || segments.length < 2) return noise([x.shape[0], ...rest], seed);
  const bySize = new Map<number, Tensor>();
  return tf.concat(segments.map((n) => {
    let m = seed === undefined ? undefined : bySize.get(n);
    if (!m) { m = noise([n, ...rest], seed); bySize.set(n, m); }
    return m;
  }), 0);
}

registerLayerRule('Dropout', {
  perCall: true, segments: true,
  check: (l) => { if (cfgOf(l).noiseShape != null) throw new Unsupported(`${l.name}: dropout with a noiseShape`); },
  // tfjs-core's dropout: x · floor(u + keep) / keep with u ~ U[0, 1) from the layer's seed, so the
  // masks equal the reference step's when the trainer seeds the layer the same way. Concatenated
  // calls get one mask per call; with a seed, calls of one size draw the same mask (as tfjs does),
  // so it is drawn once.
  apply: (l, [x], { tape, segments }) => {
    const rate = cfgOf(l).rate as number;
    if (!(rate > 0)) return x;
    const keep = 1 - rate;
    return tape.mul(x, tape.leaf(seededNoise(l, x, segments, (shape, seed) => tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep)), keep))));
  },
});

// GaussianNoise (instance noise, Sønderby et al. 2017; Arjovsky & Bottou 2017): x + N(0, stddev²) in
// training, as tfjs-layers' layer — which draws unseeded noise; here the draw is seeded per step.
registerLayerRule('GaussianNoise', {
  perCall: true, segments: true,
  apply: (l, [x], { tape, segments }) => {
    const stddev = cfgOf(l).stddev as number;
    if (!(stddev > 0)) return x;
    return tape.add(x, tape.leaf(seededNoise(l, x, segments, (shape, seed) => tf.randomNormal(shape, 0, stddev, 'float32', seed))));
  },
});

// GaussianDropout (Srivastava et al. 2014, §10): x · N(1, rate / (1 − rate)) in training, for 0 < rate < 1
// (tfjs-layers' definition; identity otherwise).
registerLayerRule('GaussianDropout', {
  perCall: true, segments: true,
  apply: (l, [x], { tape, segments }) => {
    const rate = cfgOf(l).rate as number;
    if (!(rate > 0 && rate < 1)) return x;
    const stddev = Math.sqrt(rate / (1 - rate));
    return tape.mul(x, tape.leaf(seededNoise(l, x, segments, (shape, seed) => tf.randomNormal(shape, 1, stddev, 'float32', seed))));
  },
});

registerLayerRule('Embedding', {
  check: (l) => { if (cfgOf(l).maskZero) throw new Unsupported(`${l.name}: embedding with maskZero`); },
  // A lookup is one-hot(labels) · E: the same numbers as tfjs' gather, and a matMul's gradient.
  apply: (l, [ids], ctx) => {
    const c = cfgOf(l), inputDim = c.inputDim as number, outputDim = c.outputDim as number;
    const onehot = tf.oneHot(tf.cast(tf.reshape(ids.t, [-1]), 'int32'), inputDim).toFloat();
    const e = ctx.tape.matMul(ctx.tape.leaf(onehot), ctx.weight(field(l, 'embeddings')));
    return ctx.tape.reshape(e, [...ids.shape, outputDim]);
  },
});

// PReLU (He et al. 2015): x where x > 0, α·x otherwise, α learned (shared over `sharedAxes`: its
// weight has size 1 there, and broadcasts): relu(x) − α·relu(−x).
registerLayerRule('PReLU', {
  apply: (l, [x], { tape: t, weight }) => t.sub(t.relu(x), t.mul(weight(field(l, 'alpha')), t.relu(t.neg(x)))),
});
registerLayerRule('Add', { apply: (_l, xs, { tape }) => xs.slice(1).reduce((a, b) => tape.add(a, b), xs[0]) });
registerLayerRule('Average', { apply: (_l, xs, { tape }) => tape.scale(xs.slice(1).reduce((a, b) => tape.add(a, b), xs[0]), 1 / xs.length) });
registerLayerRule('Multiply', { apply: (_l, xs, { tape }) => xs.slice(1).reduce((a, b) => tape.mul(a, b), xs[0]) });
registerLayerRule('Dot', {
  check: (l) => {
    const c = cfgOf(l), axes = c.axes as number | number[];
    const a = Array.isArray(axes) ? axes : [axes, axes];
    if (c.normalize || a[0] !== 1 || a[1] !== 1) throw new Unsupported(`${l.name}: dot other than axes 1 of two [n, d] inputs`);
  },
  // Row-wise inner product of two [n, d] inputs: [n, 1].
  apply: (l, [a, b], { tape }) => {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new Unsupported(`${l.name}: dot of inputs ${a.shape} and ${b.shape} (2-D only)`);
    return tape.sum(tape.mul(a, b), [1], true);
  },
});
registerLayerRule('Concatenate', { apply: (l, xs, { tape }) => tape.concat(xs, (cfgOf(l).axis as number) ?? -1) });

// ---------------------------------------------------------------------------------------------

interface Step {
  layer: AnyLayer; rule: LayerRule | null; sub: NetProgram | null; inputs: number[]; output: number;
  /** The activation layer after this one, folded into it (`CallContext.activation`). */
  fold?: FusedActivation;
  /** This activation layer was folded into the layer before: its output is its input. */
  folded?: boolean;
}

/** An activation layer a conv layer can fold in (one fused kernel), as a {@link FusedActivation}. */
function foldable(l: AnyLayer): FusedActivation | null {
  const c = cfgOf(l);
  switch (l.getClassName()) {
    case 'LeakyReLU': return { kind: 'leakyRelu', alpha: (c.alpha as number) ?? 0.3 };
    case 'ReLU': return c.maxValue == null ? { kind: 'relu', alpha: 0 } : null;
    case 'Activation': return c.activation === 'relu' ? { kind: 'relu', alpha: 0 } : null;
    default: return null;
  }
}

const isModel = (l: AnyLayer): l is LayersModel => Array.isArray((l as unknown as { layers?: unknown }).layers) && Array.isArray((l as unknown as { inputs?: unknown }).inputs);

/** Properties of a compiled network that decide how a step may batch its calls. */
export interface NetTraits {
  batchDependent: boolean;
  perCall: boolean;
  /** Every per-call layer takes concatenated calls (`LayerRule.segments`): one batch may carry several calls. */
  concatCalls: boolean;
  /** The first layer of each {@link LayerRule.secondOrder} limit (`'layer (Class)'`), or null. */
  secondOrder: { none: string | null; native: string | null };
}

/**
 * A `LayersModel` compiled for the tape: its layers in order, each with its rule.
 *
 * @throws Unsupported naming the first layer the engine cannot compute (shared or nested layers,
 *   frozen weights, an unknown class, or a config a rule does not cover).
 */
export class NetProgram {
  readonly vars: Variable[];
  readonly traits: NetTraits;
  private readonly steps: Step[] = [];
  private readonly inputIds: number[];
  private readonly outputId: number;

  constructor(readonly model: LayersModel, readonly what: string) {
    if (model.outputs.length !== 1) throw new Unsupported(`${what} has ${model.outputs.length} outputs`);
    this.inputIds = model.inputs.map((s) => s.id);
    this.outputId = model.outputs[0].id;
    const traits: NetTraits = { batchDependent: false, perCall: false, concatCalls: true, secondOrder: { none: null, native: null } };
    const known = new Set(this.inputIds);
    for (const layer of model.layers) {
      const cls = layer.getClassName();
      const all = (layer as unknown as { inboundNodes: { inputTensors: { id: number }[]; outputTensors: { id: number }[] }[] }).inboundNodes;
      // The call of this layer inside this model: the node whose inputs this graph computes (a
      // nested model also has the node of its own construction).
      const nodes = cls === 'InputLayer' ? all : all.filter((n) => n.inputTensors.every((t) => known.has(t.id)));
      if (nodes.length !== 1) throw new Unsupported(`${what} layer ${layer.name} (${cls}) is used ${nodes.length} times (shared layers)`);
      if (cls !== 'InputLayer' && !layer.trainable && layer.weights.length) throw new Unsupported(`${what} layer ${layer.name} is frozen`);
      if (nodes[0].outputTensors.length !== 1) throw new Unsupported(`${what} layer ${layer.name} has ${nodes[0].outputTensors.length} outputs`);
      const inputs = cls === 'InputLayer' ? [nodes[0].outputTensors[0].id] : nodes[0].inputTensors.map((s) => s.id);
      known.add(nodes[0].outputTensors[0].id);
      if (isModel(layer)) { // a model used as a layer (e.g. a Sequential inside a functional model)
        const sub = new NetProgram(layer, `${what} › ${layer.name}`);
        traits.batchDependent ||= sub.traits.batchDependent;
        traits.perCall ||= sub.traits.perCall;
        traits.concatCalls &&= sub.traits.concatCalls;
        traits.secondOrder.none ??= sub.traits.secondOrder.none;
        traits.secondOrder.native ??= sub.traits.secondOrder.native;
        this.steps.push({ layer, rule: null, sub, inputs, output: nodes[0].outputTensors[0].id });
        continue;
      }
      const rule = rules.get(cls);
      if (!rule) throw new Unsupported(`${what} layer ${layer.name} (${cls}): no engine rule (registerLayerRule('${cls}', …) adds one)`);
      rule.check?.(layer);
      traits.batchDependent ||= !!rule.batchDependent;
      traits.perCall ||= !!rule.perCall;
      if (rule.perCall && !rule.segments) traits.concatCalls = false;
      if (rule.secondOrder) traits.secondOrder[rule.secondOrder] ??= `${layer.name} (${cls})`;
      this.steps.push({ layer, rule, sub: null, inputs, output: nodes[0].outputTensors[0].id });
    }
    this.vars = model.trainableWeights.map((w) => w.read() as Variable);
    this.traits = traits;
    this.foldActivations();
  }

  /**
   * Pairs each conv layer (or a rule with {@link LayerRule.fusesActivation}) whose only consumer
   * is an activation layer with it, so the two run as one fused kernel: `(conv → LeakyReLU)` is `act(conv(x) + b)` in one pass over the output.
   */
  private foldActivations(): void {
    const uses = new Map<number, number>([[this.outputId, 1]]);
    for (const s of this.steps) for (const id of s.inputs) if (s.layer.getClassName() !== 'InputLayer') uses.set(id, (uses.get(id) ?? 0) + 1);
    for (const s of this.steps) {
      if (!s.rule?.fusesActivation || uses.get(s.output) !== 1 || String(cfgOf(s.layer).activation ?? 'linear') !== 'linear') continue;
      const next = this.steps.find((n) => n.inputs.length === 1 && n.inputs[0] === s.output && n.rule && !n.sub);
      const act = next && foldable(next.layer);
      if (!next || !act) continue;
      s.fold = act;
      next.folded = true;
    }
  }

  /**
   * Runs the network in training mode on the tape. `params` maps each variable to its value in
   * this pass (created on first use: a leaf that requires a gradient when `trainable`).
   */
  run(tape: Tape, inputs: Val[], pass: { params: Map<Variable, Val>; trainable: boolean; bnStats: BnStats[]; segments?: number[] }): Val {
    if (inputs.length !== this.inputIds.length) throw new Error(`Expected ${this.inputIds.length} inputs for ${this.what}; got ${inputs.length}.`);
    const values = new Map<number, Val>();
    this.inputIds.forEach((id, i) => values.set(id, inputs[i]));
    const ctx: CallContext = {
      tape, bnStats: pass.bnStats, segments: pass.segments,
      weight: (w) => {
        const v = (w as { read(): Variable }).read();
        let p = pass.params.get(v);
        if (!p) { p = tape.leaf(v, pass.trainable && v.trainable); pass.params.set(v, p); }
        return p;
      },
    };
    for (const s of this.steps) {
      if (s.layer.getClassName() === 'InputLayer') continue;
      const ins = s.inputs.map((id) => {
        const v = values.get(id);
        if (!v) throw new Unsupported(`${this.what}: layer ${s.layer.name} reads a tensor computed outside the model`);
        return v;
      });
      if (s.folded) { values.set(s.output, ins[0]); continue; }
      ctx.activation = s.fold;
      values.set(s.output, s.sub ? s.sub.run(tape, ins, pass) : s.rule!.apply(s.layer, ins, ctx));
    }
    const out = values.get(this.outputId);
    if (!out) throw new Unsupported(`${this.what}: output not reached`);
    return out;
  }
}
