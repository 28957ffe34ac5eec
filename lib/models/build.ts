/**
 * Config objects → `tf.LayersModel`s. Both networks are functional models: the generator maps
 * `z [n, latentDim]` (plus `label [n, 1]` when conditional) to images `[n, h, w, c]` in [-1, 1]
 * (tanh); the discriminator maps images (plus labels) to one logit per image (no sigmoid: the
 * losses take logits).
 */
import { tf, type LayersModel, type SymbolicTensor } from '../backend';
import { validateConfig, type GanConfig, type NetConfig } from './config';
import { applyWeightNorm } from './weight-norms';
import './layers/index';
import { MinibatchStdDev } from './layers/minibatch-stddev';

/** A built GAN: the two networks and the config they came from. */
export interface Gan {
  config: GanConfig;
  /** Input `[n, latentDim]` (conditional: `[z, labels]`, labels float32 `[n, 1]`), output `[n, h, w, c]` in [-1, 1]. */
  generator: LayersModel;
  /** Input images `[n, h, w, c]` in [-1, 1] (conditional: `[images, labels]`), output logits `[n, 1]`. */
  discriminator: LayersModel;
  latentDim: number;
  imageShape: [number, number, number];
  /** Number of classes when conditional, else 0. */
  numClasses: number;
}

type Layer = { apply(x: SymbolicTensor | SymbolicTensor[]): unknown };

/** Seeded initialisers: each call gets the next seed so layers differ but runs repeat. */
class Init {
  private n = 0;
  constructor(private readonly kind: GanConfig['initializer'], private readonly seed: number) {}
  next() {
    const seed = this.seed * 1009 + ++this.n;
    switch (this.kind) {
      case 'heNormal': return tf.initializers.heNormal({ seed });
      case 'normal002': return tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed });
      default: return tf.initializers.glorotUniform({ seed });
    }
  }
}

function activation(n: NetConfig): Layer {
  switch (n.activation) {
    case 'leakyRelu': return tf.layers.leakyReLU({ alpha: n.alpha });
    case 'relu': return tf.layers.reLU();
    case 'elu': return tf.layers.elu();
    default: return tf.layers.activation({ activation: 'tanh' });
  }
}

function norm(n: NetConfig): Layer | null {
  if (n.norm === 'batch') return tf.layers.batchNormalization();
  if (n.norm === 'layer') return tf.layers.layerNormalization();
  return null;
}

/** A weight layer (dense / conv) under the network's weight normalisation (`n.weightNorm`). */
const wn = (n: NetConfig, layer: Layer): Layer => applyWeightNorm(n.weightNorm, layer as never) as unknown as Layer;

/**
 * Conditional batch norm (de Vries et al. 2017): batch norm, then `· γ[y] + β[y]` with γ, β one row
 * per class of two embeddings (γ initialised to 1, β to 0), for `x` `[n, d]` or `[n, h, w, d]` and
 * `label` `[n, 1]`. The batch norm keeps its own scale and offset (the same family of functions:
 * tfjs-layers' batch norm cannot train without them). Built of stock layers, so it saves, loads
 * and trains on the native engine like any other.
 */
function conditionalBatchNorm(x: SymbolicTensor, label: SymbolicTensor, numClasses: number): SymbolicTensor {
  const d = x.shape[x.shape.length - 1] as number;
  const plane = x.shape.slice(1, -1).map(() => 1);
  const row = (init: 'ones' | 'zeros') => {
    const e = tf.layers.embedding({ inputDim: numClasses, outputDim: d, embeddingsInitializer: init }).apply(label) as SymbolicTensor;
    return tf.layers.reshape({ targetShape: [...plane, d] }).apply(e) as SymbolicTensor;
  };
  const xhat = tf.layers.batchNormalization().apply(x) as SymbolicTensor;
  return tf.layers.add().apply([tf.layers.multiply().apply([xhat, row('ones')]) as SymbolicTensor, row('zeros')]) as SymbolicTensor;
}

/** The label a generator's batch norms are conditioned on (`conditional.generator: 'batchnorm'`). */
interface NormLabel { label: SymbolicTensor; numClasses: number }

/** norm → activation → dropout after a hidden layer (the norm conditional on `cond`'s label when given). */
function post(x: SymbolicTensor, n: NetConfig, withNorm = true, cond?: NormLabel): SymbolicTensor {
  const byLabel = withNorm && cond !== undefined && n.norm === 'batch';
  if (byLabel) x = conditionalBatchNorm(x, cond.label, cond.numClasses);
  const nl = withNorm && !byLabel ? norm(n) : null;
  if (nl) x = nl.apply(x) as SymbolicTensor;
  x = activation(n).apply(x) as SymbolicTensor;
  if (n.dropout > 0) x = tf.layers.dropout({ rate: n.dropout }).apply(x) as SymbolicTensor;
  return x;
}

/** `n.refine` stride-1 convolutions (each followed by norm → activation → dropout) at the coarsest resolution. */
function refine(x: SymbolicTensor, n: NetConfig, filters: number, init: Init, cond?: NormLabel): SymbolicTensor {
  for (let i = 0; i < (n.refine ?? 0); i++) {
    x = post(wn(n, tf.layers.conv2d({ filters, kernelSize: n.kernelSize, strides: 1, padding: 'same', kernelInitializer: init.next() })).apply(x) as SymbolicTensor, n, true, cond);
  }
  return x;
}

function generatorBody(x: SymbolicTensor, c: GanConfig, init: Init, cond?: NormLabel): SymbolicTensor {
  const g = c.generator;
  const [h, w, ch] = c.imageShape;
  if (c.arch === 'fc') {
    for (const units of g.widths) x = post(wn(g, tf.layers.dense({ units, kernelInitializer: init.next() })).apply(x) as SymbolicTensor, g, true, cond);
    x = wn(g, tf.layers.dense({ units: h * w * ch, activation: 'tanh', kernelInitializer: init.next() })).apply(x) as SymbolicTensor;
    return tf.layers.reshape({ targetShape: [h, w, ch] }).apply(x) as SymbolicTensor;
  }
  const f = 2 ** g.widths.length;
  const [sh, sw] = [h / f, w / f];
  x = wn(g, tf.layers.dense({ units: sh * sw * g.widths[0], kernelInitializer: init.next() })).apply(x) as SymbolicTensor;
  x = post(x, g, true, cond);
  x = tf.layers.reshape({ targetShape: [sh, sw, g.widths[0]] }).apply(x) as SymbolicTensor;
  x = refine(x, g, g.widths[0], init, cond);
  for (const filters of g.widths.slice(1)) {
    x = wn(g, tf.layers.conv2dTranspose({ filters, kernelSize: g.kernelSize, strides: 2, padding: 'same', kernelInitializer: init.next() })).apply(x) as SymbolicTensor;
    x = post(x, g, true, cond);
  }
  return wn(g, tf.layers.conv2dTranspose({ filters: ch, kernelSize: g.kernelSize, strides: 2, padding: 'same', activation: 'tanh', kernelInitializer: init.next() }))
    .apply(x) as SymbolicTensor;
}

function discriminatorFeatures(x: SymbolicTensor, c: GanConfig, init: Init): SymbolicTensor {
  const d = c.discriminator;
  if (c.arch === 'fc') {
    if (x.shape.length > 2) x = tf.layers.flatten().apply(x) as SymbolicTensor;
    d.widths.forEach((units, i) => {
      x = post(wn(d, tf.layers.dense({ units, kernelInitializer: init.next() })).apply(x) as SymbolicTensor, d, i > 0);
    });
    return d.minibatchStd ? new MinibatchStdDev().apply(x) as SymbolicTensor : x;
  }
  d.widths.forEach((filters, i) => {
    x = wn(d, tf.layers.conv2d({ filters, kernelSize: d.kernelSize, strides: 2, padding: 'same', kernelInitializer: init.next() })).apply(x) as SymbolicTensor;
    x = post(x, d, i > 0);
  });
  x = refine(x, d, d.widths[d.widths.length - 1], init);
  if (d.minibatchStd) x = new MinibatchStdDev().apply(x) as SymbolicTensor;
  return tf.layers.flatten().apply(x) as SymbolicTensor;
}

function discriminatorBody(x: SymbolicTensor, c: GanConfig, init: Init): SymbolicTensor {
  return wn(c.discriminator, tf.layers.dense({ units: 1, kernelInitializer: init.next() })).apply(discriminatorFeatures(x, c, init)) as SymbolicTensor;
}

/**
 * Builds the generator of a config.
 *
 * @example
 * ```ts
 * const g = buildGenerator(dcgan());
 * g.predict(tf.randomNormal([16, 100])); // [16, 28, 28, 1] in [-1, 1]
 * ```
 */
export function buildGenerator(config: GanConfig): LayersModel {
  const c = validateConfig(config);
  const init = new Init(c.initializer, c.seed);
  const z = tf.input({ shape: [c.latentDim], name: 'z' });
  let x: SymbolicTensor = z;
  const inputs = [z];
  let cond: NormLabel | undefined;
  if (c.conditional) {
    const label = tf.input({ shape: [1], name: 'label' });
    inputs.push(label);
    if (c.conditional.generator === 'batchnorm') {
      cond = { label, numClasses: c.conditional.numClasses };
    } else {
      let e = tf.layers.embedding({ inputDim: c.conditional.numClasses, outputDim: c.conditional.embedDim, embeddingsInitializer: init.next() }).apply(label) as SymbolicTensor;
      e = tf.layers.flatten().apply(e) as SymbolicTensor;
      x = tf.layers.concatenate().apply([z, e]) as SymbolicTensor;
    }
  }
  return tf.model({ inputs, outputs: generatorBody(x, c, init, cond), name: 'generator' });
}

/**
 * Builds the discriminator (critic) of a config; it outputs logits.
 *
 * @example
 * ```ts
 * const d = buildDiscriminator(dcgan());
 * d.predict(tf.zeros([2, 28, 28, 1])); // [2, 1] logits
 * ```
 */
export function buildDiscriminator(config: GanConfig): LayersModel {
  const c = validateConfig(config);
  const init = new Init(c.initializer, c.seed + 7919);
  const [h, w, ch] = c.imageShape;
  const img = tf.input({ shape: [h, w, ch], name: 'image' });
  let x: SymbolicTensor = img;
  const inputs = [img];
  if (c.conditional) {
    const label = tf.input({ shape: [1], name: 'label' });
    inputs.push(label);
    if (c.conditional.discriminator === 'projection') {
      // Miyato & Koyama 2018, eq. 3: logit = ψ(φ(x)) + ⟨E[y], φ(x)⟩ (E: one embedding row per class).
      const phi = discriminatorFeatures(x, c, init);
      const logit = wn(c.discriminator, tf.layers.dense({ units: 1, kernelInitializer: init.next() })).apply(phi) as SymbolicTensor;
      let e = tf.layers.embedding({ inputDim: c.conditional.numClasses, outputDim: phi.shape[1] as number, embeddingsInitializer: init.next() }).apply(label) as SymbolicTensor;
      e = tf.layers.flatten().apply(e) as SymbolicTensor;
      const projection = tf.layers.dot({ axes: 1 }).apply([phi, e]) as SymbolicTensor;
      return tf.model({ inputs, outputs: tf.layers.add().apply([logit, projection]) as SymbolicTensor, name: 'discriminator' });
    }
    let e = tf.layers.embedding({ inputDim: c.conditional.numClasses, outputDim: h * w, embeddingsInitializer: init.next() }).apply(label) as SymbolicTensor;
    e = tf.layers.reshape({ targetShape: [h, w, 1] }).apply(e) as SymbolicTensor;
    x = tf.layers.concatenate({ axis: -1 }).apply([img, e]) as SymbolicTensor;
  }
  return tf.model({ inputs, outputs: discriminatorBody(x, c, init), name: 'discriminator' });
}

/**
 * Builds both networks of a GAN from a config.
 *
 * @example
 * ```ts
 * const gan = buildGan(fcGan());
 * gan.generator.countParams(); // 1,486,352
 * ```
 */
export function buildGan(config: GanConfig): Gan {
  const c = validateConfig(config);
  const gan: Gan = {
    config: c,
    generator: buildGenerator(c),
    discriminator: buildDiscriminator(c),
    latentDim: c.latentDim,
    imageShape: [...c.imageShape] as [number, number, number],
    numClasses: c.conditional?.numClasses ?? 0,
  };
  BUILT_FROM.set(gan.generator, c);
  BUILT_FROM.set(gan.discriminator, c);
  return gan;
}

/** The config each network built by {@link buildGan} came from (networks built by hand are absent). */
const BUILT_FROM = new WeakMap<LayersModel, GanConfig>();

/**
 * What a GAN's networks are, for run names, summaries and the runs table: the config's `arch`
 * (`'dcgan'`, …) when `buildGan(gan.config)` built both networks, otherwise which one was built by
 * hand — `'custom G + dcgan D'`, `'dcgan G + custom D'` or `'custom'` (a generator and
 * discriminator swapped in from `tf.layers`, or from another config, count as custom).
 *
 * @example
 * ```ts
 * architectureOf({ ...buildGan(dcgan()), generator: myGenerator }); // 'custom G + dcgan D'
 * ```
 */
export function architectureOf(gan: Pick<Gan, 'config' | 'generator' | 'discriminator'>): string {
  const g = BUILT_FROM.get(gan.generator) === gan.config, d = BUILT_FROM.get(gan.discriminator) === gan.config;
  const arch = gan.config.arch;
  if (g && d) return arch;
  if (!g && !d) return 'custom';
  return g ? `${arch} G + custom D` : `custom G + ${arch} D`;
}

/** Frees the weights of both networks. */
export function disposeGan(gan: Gan): void {
  gan.generator.dispose();
  gan.discriminator.dispose();
}
