/**
 * GAN architectures as plain, JSON-serialisable config objects. Every knob is a field, so a
 * what-if experiment changes one field: `dcgan({ generator: { norm: 'none' } })`.
 *
 * Presets: {@link fcGan} (the classic fully-connected tutorial GAN), {@link dcgan} (28, 32 or
 * 64 px), {@link wganGp} (critic without batch norm, for the Wasserstein loss with gradient
 * penalty) and {@link conditionalGan} (label embedding in both networks).
 */

import { weightNormNames } from './weight-norms';
import { didYouMean } from '../options';
import './layers/index';

/** Fully-connected (`fc`) or deep-convolutional (`dcgan`) networks. */
export type Arch = 'fc' | 'dcgan';
export type Activation = 'leakyRelu' | 'relu' | 'elu' | 'tanh';
export type Norm = 'batch' | 'layer' | 'none';
export type Initializer = 'glorotUniform' | 'heNormal' | 'normal002';
/**
 * Adversarial objective the networks are meant for, by registry name (the trainer resolves it,
 * `lib/train/objectives`): `'nonsaturating'`, `'hinge'`, `'least-squares'`, `'wgan-gp'`, or a
 * name added with `registerObjective`.
 */
export type LossKind = 'nonsaturating' | 'hinge' | 'least-squares' | 'wgan-gp' | (string & {});

/** One network (generator or discriminator). */
export interface NetConfig {
  /**
   * Hidden widths. `fc`: units of each dense layer. `dcgan` generator: filters of the
   * projected feature map then of each upsampling block (one x2 upsampling per entry);
   * `dcgan` discriminator: filters of each stride-2 convolution.
   */
  widths: number[];
  activation: Activation;
  /** Negative slope of `leakyRelu`. */
  alpha: number;
  /** Normalisation after each hidden layer (the discriminator's first layer never gets one). */
  norm: Norm;
  /** Dropout rate after each hidden activation (0 = none). */
  dropout: number;
  /** Convolution kernel size (`dcgan` only). */
  kernelSize: number;
  /**
   * Stride-1 convolutions at the coarsest resolution (`dcgan` only; default 0): in the generator
   * right after the projection (7x7 at 28 px), in the discriminator after its last stride-2
   * convolution. Depth where the global layout of the image is decided, at the cheapest resolution.
   */
  refine?: number;
  /**
   * Weight normalisation of every dense / conv layer (default 'none'; `'spectral'`: spectral
   * normalisation, Miyato et al. 2018), by registry name (`registerWeightNorm`).
   */
  weightNorm?: string;
  /**
   * Discriminator only: a minibatch standard-deviation feature before the last dense layer
   * (Karras et al. 2018, §3), so that samples that barely differ are easy to spot (default false).
   */
  minibatchStd?: boolean;
}

/** Label conditioning: both networks embed the class index. */
export interface ConditionalConfig {
  numClasses: number;
  /** Size of the label embedding concatenated to z (`generator: 'concat'`; unused with `'batchnorm'`, whose embeddings are as wide as each batch norm). */
  embedDim: number;
  /**
   * How the discriminator sees the label. `'concat'` (default): the label embedded as one extra
   * image plane, concatenated to the image (as Keras' conditional GAN example). `'projection'`:
   * the logit gets the inner product of a learned class embedding with D's last features,
   * `ψ(φ(x)) + ⟨E[y], φ(x)⟩` (Miyato & Koyama 2018, "cGANs with projection discriminator", eq. 3).
   */
  discriminator?: 'concat' | 'projection';
  /**
   * How the generator sees the label. `'concat'` (default): the label's `embedDim`-wide embedding
   * concatenated to `z`. `'batchnorm'`: conditional batch norm — every batch norm of the generator
   * is followed by a per-class scale γ[y] (initialised to 1) and offset β[y] (initialised to 0)
   * from two embeddings, so the label acts at every resolution
   * (de Vries et al. 2017, "Modulating early visual processing by language"; the generator of
   * Miyato & Koyama 2018). Needs `generator.norm: 'batch'`; `z` then enters alone.
   */
  generator?: 'concat' | 'batchnorm';
}

/** A whole GAN. */
export interface GanConfig {
  arch: Arch;
  loss: LossKind;
  latentDim: number;
  /** `[height, width, channels]` of generated images. */
  imageShape: [number, number, number];
  generator: NetConfig;
  discriminator: NetConfig;
  initializer: Initializer;
  /** Present for a conditional GAN. */
  conditional?: ConditionalConfig;
  /** Seed of the weight initialisers (same seed → same initial weights). */
  seed: number;
}

/** Partial config accepted by the presets: nested objects merge field by field. */
export type GanOverrides = Partial<Omit<GanConfig, 'generator' | 'discriminator' | 'conditional'>> & {
  generator?: Partial<NetConfig>;
  discriminator?: Partial<NetConfig>;
  conditional?: Partial<ConditionalConfig> | null;
};

function net(defaults: NetConfig, o?: Partial<NetConfig>): NetConfig {
  return { ...defaults, ...(o ?? {}), widths: [...(o?.widths ?? defaults.widths)] };
}

function merge(base: GanConfig, o: GanOverrides = {}): GanConfig {
  const { generator, discriminator, conditional, ...rest } = o;
  const out: GanConfig = {
    ...base, ...rest,
    imageShape: [...(rest.imageShape ?? base.imageShape)] as [number, number, number],
    generator: net(base.generator, generator),
    discriminator: net(base.discriminator, discriminator),
  };
  if (conditional === null) delete out.conditional;
  else if (conditional || base.conditional) {
    out.conditional = { numClasses: 10, embedDim: 50, ...(base.conditional ?? {}), ...(conditional ?? {}) };
  }
  return validateConfig(out);
}

/**
 * The fully-connected GAN of the classic tutorial: G 100→256→512→1024→784, D 784→1024→512→256→1,
 * LeakyReLU(0.2), dropout 0.3 in D — trained with the real adversarial (non-saturating) loss.
 *
 * @example
 * ```ts
 * const cfg = fcGan({ latentDim: 64 });
 * const gan = buildGan(cfg);
 * ```
 */
export function fcGan(o: GanOverrides = {}): GanConfig {
  return merge({
    arch: 'fc', loss: 'nonsaturating', latentDim: 100, imageShape: [28, 28, 1], initializer: 'glorotUniform', seed: 42,
    generator: { widths: [256, 512, 1024], activation: 'leakyRelu', alpha: 0.2, norm: 'none', dropout: 0, kernelSize: 4 },
    discriminator: { widths: [1024, 512, 256], activation: 'leakyRelu', alpha: 0.2, norm: 'none', dropout: 0.3, kernelSize: 4 },
  }, o);
}

/** Default generator widths of the DCGAN preset per image size (one x2 upsampling per entry). */
const DCGAN_G_WIDTHS: Record<number, number[]> = { 28: [128, 64], 32: [256, 128, 64], 64: [512, 256, 128, 64] };
const DCGAN_D_WIDTHS: Record<number, number[]> = { 28: [64, 128], 32: [64, 128, 256], 64: [64, 128, 256, 512] };

/**
 * DCGAN: the reference network of `../shared/reference/` at 28x28 (G: dense→7x7x128, BN,
 * LeakyReLU(0.3), two stride-2 transposed convolutions; D: two stride-2 convolutions with
 * LeakyReLU(0.2), dense logit). `imageShape` 32 or 64 px selects deeper defaults.
 *
 * @example
 * ```ts
 * const cfg = dcgan();                                        // the reference network
 * const color = dcgan({ imageShape: [32, 32, 3] });           // CIFAR-sized
 * const noBn = dcgan({ generator: { norm: 'none' } });        // a what-if
 * ```
 */
export function dcgan(o: GanOverrides = {}): GanConfig {
  const size = o.imageShape?.[0] ?? 28;
  return merge({
    arch: 'dcgan', loss: 'nonsaturating', latentDim: 100, imageShape: [28, 28, 1], initializer: 'glorotUniform', seed: 42,
    generator: { widths: DCGAN_G_WIDTHS[size] ?? DCGAN_G_WIDTHS[28], activation: 'leakyRelu', alpha: 0.3, norm: 'batch', dropout: 0, kernelSize: 4 },
    discriminator: { widths: DCGAN_D_WIDTHS[size] ?? DCGAN_D_WIDTHS[28], activation: 'leakyRelu', alpha: 0.2, norm: 'none', dropout: 0, kernelSize: 4 },
  }, o);
}

/**
 * WGAN-GP: a DCGAN whose critic has no batch norm (the gradient penalty is per sample) and
 * whose trainer uses the Wasserstein loss, n_critic critic steps and a gradient penalty.
 *
 * @example
 * ```ts
 * const gan = buildGan(wganGp());
 * const trainer = new GanTrainer(gan, data, { nCritic: 5, gpWeight: 10 });
 * ```
 */
export function wganGp(o: GanOverrides = {}): GanConfig {
  return dcgan({ loss: 'wgan-gp', ...o, discriminator: { norm: 'layer', ...(o.discriminator ?? {}) } });
}

/**
 * A conditional GAN: the generator takes `[z, label]`, the discriminator `[image, label]`
 * (labels as float32 `[n, 1]` class indices), both through a label embedding. The discriminator
 * sees the label as an extra image plane (`conditional.discriminator: 'concat'`, the default) or
 * through a projection, `ψ(φ(x)) + ⟨E[y], φ(x)⟩` (`'projection'`, Miyato & Koyama 2018).
 *
 * @example
 * ```ts
 * const gan = buildGan(conditionalGan({ conditional: { numClasses: 10 } }));
 * gan.generator.predict([tf.randomNormal([4, 100]), tf.tensor2d([[0], [1], [2], [3]])]);
 * const proj = buildGan(conditionalGan({ conditional: { discriminator: 'projection' } }));
 * // the label through every batch norm of G: x̂ · γ[y] + β[y] (de Vries et al. 2017)
 * const cbn = buildGan(conditionalGan({ conditional: { discriminator: 'projection', generator: 'batchnorm' } }));
 * ```
 */
export function conditionalGan(o: GanOverrides = {}): GanConfig {
  const base = o.arch === 'fc' ? fcGan : dcgan;
  return base({ ...o, conditional: { numClasses: 10, embedDim: 50, ...(o.conditional ?? {}) } });
}

function check(ok: boolean, msg: string): void {
  if (!ok) throw new Error(msg);
}

const CONFIG_KEYS = ['arch', 'loss', 'latentDim', 'imageShape', 'generator', 'discriminator', 'initializer', 'conditional', 'seed'];
const NET_KEYS = ['widths', 'activation', 'alpha', 'norm', 'dropout', 'kernelSize', 'refine', 'weightNorm', 'minibatchStd'];

/** Rejects a field the config does not have (a typo would otherwise be ignored). */
function checkKeys(o: object, known: string[], who: string): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new Error(`Unknown ${who} field ${JSON.stringify(k)}.${didYouMean(k, known)} Known: ${known.join(', ')}.`);
  }
}

function checkNet(n: NetConfig, who: string, arch: Arch): void {
  checkKeys(n, NET_KEYS, `${who} config`);
  check(Array.isArray(n.widths) && n.widths.length > 0 && n.widths.every((w) => Number.isInteger(w) && w > 0),
    `Expected ${who}.widths to be a non-empty array of positive integers; got ${JSON.stringify(n.widths)}.`);
  check(['leakyRelu', 'relu', 'elu', 'tanh'].includes(n.activation),
    `Expected ${who}.activation to be 'leakyRelu', 'relu', 'elu' or 'tanh'; got ${JSON.stringify(n.activation)}.`);
  check(['batch', 'layer', 'none'].includes(n.norm), `Expected ${who}.norm to be 'batch', 'layer' or 'none'; got ${JSON.stringify(n.norm)}.`);
  check(Number.isFinite(n.dropout) && n.dropout >= 0 && n.dropout < 1, `Expected ${who}.dropout in [0, 1); got ${n.dropout}.`);
  check(Number.isFinite(n.alpha) && n.alpha >= 0, `Expected ${who}.alpha >= 0; got ${n.alpha}.`);
  if (arch === 'dcgan') check(Number.isInteger(n.kernelSize) && n.kernelSize > 0, `Expected ${who}.kernelSize a positive integer; got ${n.kernelSize}.`);
  check(n.refine === undefined || (Number.isInteger(n.refine) && n.refine >= 0), `Expected ${who}.refine (stride-1 convolutions per resolution) an integer ≥ 0; got ${n.refine}.`);
  check(n.weightNorm === undefined || weightNormNames().includes(n.weightNorm),
    `Expected ${who}.weightNorm one of ${weightNormNames().map((x) => `'${x}'`).join(', ')}; got ${JSON.stringify(n.weightNorm)}.`);
  if (arch === 'fc') check(!n.refine, `Expected ${who}.refine 0 for arch "fc" (it adds convolutions); got ${n.refine}.`);
  check(n.minibatchStd === undefined || typeof n.minibatchStd === 'boolean', `Expected ${who}.minibatchStd true or false; got ${JSON.stringify(n.minibatchStd)}.`);
  check(!n.minibatchStd || who === 'discriminator', `Expected ${who}.minibatchStd unset: the minibatch-stddev feature is for the discriminator.`);
}

/**
 * Checks a config and returns it; throws naming the offending field and what to do.
 *
 * @example
 * ```ts
 * validateConfig({ ...dcgan(), latentDim: 0 }); // Error: Expected latentDim a positive integer; got 0.
 * ```
 */
export function validateConfig(c: GanConfig): GanConfig {
  check(c !== null && typeof c === 'object', `Expected a GAN config object (e.g. dcgan()); got ${String(c)}.`);
  checkKeys(c, CONFIG_KEYS, 'GAN config');
  check(c.arch === 'fc' || c.arch === 'dcgan', `Expected arch 'fc' or 'dcgan'; got ${JSON.stringify(c.arch)}.`);
  check(typeof c.loss === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(c.loss),
    `Expected loss an objective name such as 'nonsaturating', 'hinge', 'least-squares' or 'wgan-gp'; got ${JSON.stringify(c.loss)}.`);
  check(Number.isInteger(c.latentDim) && c.latentDim > 0, `Expected latentDim a positive integer; got ${c.latentDim}.`);
  check(Array.isArray(c.imageShape) && c.imageShape.length === 3 && c.imageShape.every((d) => Number.isInteger(d) && d > 0),
    `Expected imageShape [height, width, channels] of positive integers; got ${JSON.stringify(c.imageShape)}.`);
  check(['glorotUniform', 'heNormal', 'normal002'].includes(c.initializer),
    `Expected initializer 'glorotUniform', 'heNormal' or 'normal002'; got ${JSON.stringify(c.initializer)}.`);
  check(Number.isInteger(c.seed), `Expected seed an integer; got ${c.seed}.`);
  checkNet(c.generator, 'generator', c.arch);
  checkNet(c.discriminator, 'discriminator', c.arch);
  if (c.arch === 'dcgan') {
    const [h, w] = c.imageShape;
    const f = 2 ** c.generator.widths.length;
    check(h % f === 0 && w % f === 0,
      `Expected imageShape ${h}x${w} divisible by 2^generator.widths.length = ${f} (one x2 upsampling per width); `
      + 'change generator.widths (e.g. [128, 64] for 28 px, [256, 128, 64] for 32 px).');
  }
  if (c.conditional) {
    check(Number.isInteger(c.conditional.numClasses) && c.conditional.numClasses > 1,
      `Expected conditional.numClasses an integer > 1; got ${c.conditional.numClasses}.`);
    check(Number.isInteger(c.conditional.embedDim) && c.conditional.embedDim > 0,
      `Expected conditional.embedDim a positive integer; got ${c.conditional.embedDim}.`);
    const how = c.conditional.discriminator;
    check(how === undefined || how === 'concat' || how === 'projection',
      `Expected conditional.discriminator 'concat' or 'projection'; got ${JSON.stringify(how)}.`);
    const gHow = c.conditional.generator;
    check(gHow === undefined || gHow === 'concat' || gHow === 'batchnorm',
      `Expected conditional.generator 'concat' or 'batchnorm'; got ${JSON.stringify(gHow)}.`);
    check(gHow !== 'batchnorm' || c.generator.norm === 'batch',
      `conditional.generator 'batchnorm' modulates the generator's batch norms, but generator.norm is ${JSON.stringify(c.generator.norm)}; set generator: { norm: 'batch' } or conditional.generator: 'concat'.`);
  }
  return c;
}
