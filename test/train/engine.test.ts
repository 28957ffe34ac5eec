import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, type LayersModel, type Tensor, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { conditionalGan, dcgan, fcGan, wganGp, type GanConfig } from '../../lib/models/config';
import { GanTrainer, NonFiniteLossError, type TrainerOptions } from '../../lib/train/trainer';
import { autodiffUpdate, type StepFactory } from '../../lib/train/train-step';
import { registerLayerRule } from '../../lib/train/engine/layers';
import { Tape } from '../../lib/train/engine/tape';
import { nativeOps } from '../../lib/train/fast-ops';
import { bilinearMatrix } from '../../lib/train/engine/rules/resampling';
import { wassersteinGp } from '../../lib/train/objectives/index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-engine-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const images = tf.randomUniform([40, 28, 28, 1], 0, 1, 'float32', 11) as Tensor4D;
const labelled = { images, labels: Int32Array.from({ length: 40 }, (_, i) => (i * 7) % 10) };
const base: TrainerOptions = { batchSize: 8, runsDir: null, numSamples: 4, sampleEvery: 0, live: false, seed: 3 };
const small = { latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } };

interface Run { mode: string; losses: number[][]; weights: Float32Array[]; tensors: number[] }

/** Training data shaped like the config's images: 28x28 grey, or colour at 32/64 px (seeded, shared). */
const colour = new Map<string, Tensor4D>();
function dataFor(config: GanConfig) {
  const [h, w, c] = config.imageShape;
  if (h === 28 && c === 1) return config.conditional ? labelled : images;
  const key = `${h}x${w}x${c}`;
  if (!colour.has(key)) colour.set(key, tf.randomUniform([40, h, w, c], 0, 1, 'float32', 12) as Tensor4D);
  return config.conditional ? { images: colour.get(key)!, labels: labelled.labels } : colour.get(key)!;
}

async function train(config: GanConfig, opts: TrainerOptions, steps: number): Promise<Run> {
  const gan = buildGan(config);
  const t = new GanTrainer(gan, dataFor(config), { ...base, ...opts });
  const tensors: number[] = [];
  for (let i = 0; i < steps; i++) { await t.step(); tensors.push(tf.memory().numTensors); }
  const run = {
    mode: t.stepMode, losses: t.history.map((h) => [h.dLoss, h.gLoss]),
    weights: [...gan.generator.getWeights(), ...gan.discriminator.getWeights()].map((w) => w.dataSync() as Float32Array),
    tensors,
  };
  t.dispose(); disposeGan(gan);
  return run;
}

/** Largest |a − b| relative to max(1, |b|) over the losses. */
const lossDiff = (a: number[][], b: number[][]) => Math.max(...a.flat().map((x, i) => Math.abs(x - b.flat()[i]) / Math.max(1, Math.abs(b.flat()[i]))));

// Every shipped network and objective: the native engine against tfjs autodiff, same seeds.
const cases: [string, GanConfig, TrainerOptions, number][] = [
  ['dcgan (non-saturating)', dcgan(small), {}, 3],
  ['fcGan (dropout 0.3, seeded masks)', fcGan({ latentDim: 8, generator: { widths: [16, 32] }, discriminator: { widths: [32, 16] } }), {}, 3],
  ['conditionalGan (embeddings + concatenation)', conditionalGan(small), {}, 3],
  ['minibatch stddev in D (batch-dependent: real and fake apart)', dcgan({ ...small, discriminator: { ...small.discriminator, minibatchStd: true } }), {}, 3],
  ['minibatch stddev in a WGAN-GP critic (double backward)', wganGp({ ...small, discriminator: { ...small.discriminator, minibatchStd: true } }), { nCritic: 2 }, 2],
  ['conditionalGan, projection discriminator (embedding, dot, add)', conditionalGan({ ...small, conditional: { discriminator: 'projection' } }), {}, 3],
  ['conditionalGan, conditional batch norm in G (embeddings, broadcast multiply and add)', conditionalGan({ ...small, conditional: { discriminator: 'projection', generator: 'batchnorm' } }), {}, 3],
  ['strong recipe (refine convs, ReLU G, batch norm in D)', dcgan({ ...small, generator: { widths: [8, 4], activation: 'relu', refine: 1 }, discriminator: { widths: [4, 8, 8], norm: 'batch', refine: 1 } }), {}, 2],
  ['label smoothing 0.1', dcgan(small), { labelSmoothing: 0.1 }, 3],
  ['hinge', dcgan({ ...small, loss: 'hinge' }), {}, 3],
  ['least-squares', dcgan({ ...small, loss: 'least-squares' }), {}, 3],
  ['R1 penalty', dcgan(small), { r1Gamma: 10 }, 2],
  ['wganGp (layer norm, n_critic 5, double backward)', wganGp(small), {}, 2],
  ['WGAN-GP critic without norm (fused conv + bias + leaky ReLU kernels under the double backward)', wganGp({ ...small, discriminator: { ...small.discriminator, norm: 'none' } }), { nCritic: 2 }, 2],
  ['conditional WGAN-GP', wganGp({ ...small, conditional: { numClasses: 10, embedDim: 4 } }), { nCritic: 2 }, 2],
  ['colour dcgan, 32x32x3', dcgan({ latentDim: 8, imageShape: [32, 32, 3], generator: { widths: [8, 8, 4] }, discriminator: { widths: [4, 8, 8] } }), {}, 2],
  ['DiffAugment (color, translation, cutout) on a colour dcgan', dcgan({ latentDim: 8, imageShape: [32, 32, 3], generator: { widths: [8, 8, 4] }, discriminator: { widths: [4, 8, 8] } }), { diffAugment: 'color,translation,cutout' }, 3],
  ['DiffAugment in a WGAN-GP critic (penalty through the transform)', wganGp(small), { nCritic: 2, diffAugment: 'color,translation,cutout' }, 2],
  ['colour conditionalGan, 64x64x3', conditionalGan({ latentDim: 8, imageShape: [64, 64, 3], generator: { widths: [8, 8, 4, 4] }, discriminator: { widths: [4, 4, 8, 8] }, conditional: { numClasses: 10, embedDim: 4 } }), {}, 2],
];

/** `run` made the same updates as the autodiff reference `ref` (float32 round-off), with a flat tensor count. */
function expectSameUpdates(run: Run, ref: Run, name: string, config: GanConfig, steps: number) {
  expect(ref.mode).toBe('autodiff');
  expect(run.losses.flat().every(Number.isFinite)).toBe(true);
  expect(Math.abs(run.losses[0][0])).toBeGreaterThan(1e-3); // real values, not zeros
  // Float32 round-off only (the gradient penalty's double backward sums ~800 products per sample).
  expect(lossDiff(run.losses, ref.losses)).toBeLessThan(name.includes('GP') || name.includes('wgan') ? 2e-4 : 2e-5);
  // Weights: within a few Adam steps of lr (biases right before a batch norm have a zero true
  // gradient, so Adam normalises round-off noise to ±lr steps; elsewhere round-off only).
  const lr = config.loss === 'wgan-gp' ? 1e-4 : 2e-4;
  run.weights.forEach((w, i) => {
    let d = 0;
    for (let j = 0; j < w.length; j++) d = Math.max(d, Math.abs(w[j] - ref.weights[i][j]));
    expect(d, `weight ${i}`).toBeLessThan(2 * lr * steps * (config.loss === 'wgan-gp' ? 5 : 1));
  });
  expect(run.tensors[run.tensors.length - 1]).toBe(run.tensors[0]);
}

describe('native engine vs tfjs autodiff (same losses, same weights, flat tensor count)', () => {
  for (const [name, config, opts, steps] of cases) {
    it(name, async () => {
      const nat = await train(config, opts, steps), ref = await train(config, { ...opts, fastStep: false }, steps);
      expect(nat.mode).toBe('native');
      expectSameUpdates(nat, ref, name, config, steps);
      // The same plan on ordinary tfjs ops: what fit() runs on WebGPU and the pure-JS backend.
      const portable = await train(config, { ...opts, fastStep: 'portable' }, steps);
      expect(portable.mode).toBe('native (portable ops)');
      expectSameUpdates(portable, ref, name, config, steps);
    }, 180_000);
  }
});

describe('other backends', () => {
  it('a bare image tensor\'s range is read (asynchronously) before the first step: [0, 1] is mapped to [-1, 1], [-1, 1] kept', async () => {
    for (const input of [images, tf.sub(tf.mul(images, 2), 1) as Tensor4D]) {
      const t = new GanTrainer(buildGan(dcgan(small)), input, base);
      expect(t.data.images).toBeNull(); // not read yet
      await t.step();
      expect(tf.min(t.data.images!).dataSync()[0]).toBeCloseTo(2 * tf.min(images).dataSync()[0] - 1, 5);
      expect(tf.max(t.data.images!).dataSync()[0]).toBeCloseTo(2 * tf.max(images).dataSync()[0] - 1, 5);
      t.dispose();
    }
  }, 120_000);

  it('on the pure-JS backend fit() runs the engine on portable ops, with the autodiff step\'s losses', () => {
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'portable-child.ts')],
      { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', env: { ...process.env, GANBOOK_BACKEND: 'cpu' }, timeout: 120_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('['));
    expect(line, r.stderr.slice(-2000)).toBeDefined();
    const [engine, ref] = JSON.parse(line!) as { backend: string; mode: string; losses: number[][] }[];
    expect([engine.backend, engine.mode, ref.mode]).toEqual(['cpu', 'native (portable ops)', 'autodiff']);
    expect(engine.losses).toHaveLength(3);
    expect(lossDiff(engine.losses, ref.losses)).toBeLessThan(2e-5);
  }, 150_000);
});

describe('the step seam', () => {
  it('a user step plugs in: same objects, same losses as the built-in autodiff step', async () => {
    const mine: StepFactory = (init) => {
      const opt = { generator: tf.train.adam(init.adam.generator.learningRate, 0.5), discriminator: tf.train.adam(init.adam.discriminator.learningRate, 0.5) };
      return { name: 'mine', run: (ctx) => autodiffUpdate(ctx, opt), dispose: () => { opt.generator.dispose(); opt.discriminator.dispose(); } };
    };
    const a = await train(dcgan(small), { step: mine }, 2), b = await train(dcgan(small), { fastStep: false }, 2);
    expect(a.mode).toBe('mine');
    expect(a.losses).toEqual(b.losses);
  });

  it('a layer without an engine rule falls back to autodiff, saying once which layer; a registered rule brings it back', async () => {
    class Scale2 extends tf.layers.Layer {
      static className = 'Scale2';
      override call(x: Tensor | Tensor[]): Tensor { return tf.mul(Array.isArray(x) ? x[0] : x, 2); }
    }
    const gan = buildGan(dcgan(small));
    const x = tf.input({ shape: [28, 28, 1] });
    const y = new Scale2({}).apply(gan.discriminator.apply(x)) as ReturnType<typeof tf.input>;
    const d = tf.model({ inputs: x, outputs: y });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = new GanTrainer({ ...gan, discriminator: d }, images, base);
    expect(t.stepMode).toBe('autodiff');
    expect(t.trainStep.fallbackReason).toMatch(/discriminator layer scale2_\w+ \(Scale2\): no engine rule/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/autodiff step.*Scale2/);
    await t.step();
    t.dispose();
    registerLayerRule('Scale2', { apply: (_l, [v], { tape }) => tape.scale(v, 2) });
    const t2 = new GanTrainer({ ...gan, discriminator: d }, images, base);
    expect(t2.stepMode).toBe('native');
    expect(warn).toHaveBeenCalledTimes(1);
    await t2.step();
    t2.dispose(); warn.mockRestore(); disposeGan(gan);
  });

  it('replacing trainer.objective mid-run rebuilds the native step and keeps the optimizer state', async () => {
    const gan = buildGan(dcgan(small));
    const t = new GanTrainer(gan, images, base);
    await t.step(); await t.step();
    const { hinge } = await import('../../lib/train/objectives');
    t.objective = hinge();
    const log = await t.step();
    expect(t.stepMode).toBe('native');
    expect(Number.isFinite(log.dLoss)).toBe(true);
    // Hinge D loss at a near-random critic is about 2 (1 + 1), not BCE's 2 ln 2 = 1.39.
    expect(log.dLoss).toBeGreaterThan(1.6);
    t.dispose(); disposeGan(gan);
  });
});

describe('NaN restores keep the tensor count flat on every step', () => {
  for (const fastStep of [true, false]) {
    it(fastStep ? 'native' : 'autodiff', async () => {
      const gan = buildGan(dcgan(small));
      const t = new GanTrainer(gan, images, { ...base, runsDir: path.join(tmp, `nan-${fastStep}`), lrG: 1e12, lrD: 1e12, checkpointEvery: 1, fastStep });
      await t.checkpoint();
      const counts: number[] = [];
      for (let i = 0; i < 6; i++) {
        try { await t.step(); } catch (err) {
          expect(err).toBeInstanceOf(NonFiniteLossError);
          counts.push(tf.memory().numTensors);
        }
      }
      expect(counts.length).toBeGreaterThanOrEqual(3);
      expect(new Set(counts.slice(1)).size).toBe(1);
      t.dispose(); disposeGan(gan);
    }, 60_000);
  }
});

describe('labelled data', () => {
  it('labels beyond a conditional GAN\'s numClasses are refused before training, saying what to build', () => {
    const gan = buildGan(conditionalGan({ ...small, conditional: { numClasses: 9, embedDim: 4 } }));
    expect(() => new GanTrainer(gan, labelled, base)).toThrow(/labels run from 0 to 9, but the conditional GAN has numClasses 9 .*conditional: \{ numClasses: 10 \}/);
    disposeGan(gan);
  });

  it('a conditional GAN with more classes than the data names says which labels will never be trained', () => {
    const gan = buildGan(conditionalGan({ ...small, conditional: { numClasses: 12, embedDim: 4 } }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      new GanTrainer(gan, { ...labelled, numClasses: 10, name: 'digits' }, base).dispose();
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n'))
        .toMatch(/numClasses 12 but digits has 10 classes: labels 10-11 are never trained .*conditional: \{ numClasses: 10 \}/);
      warn.mockClear();
      new GanTrainer(gan, labelled, base).dispose(); // no class count given: nothing to compare with
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      disposeGan(gan);
    }
  });

  it('an unconditional GAN trains on a labelled dataset (labels ignored) on both steps', async () => {
    for (const fastStep of [true, false]) {
      const gan = buildGan(dcgan(small));
      const t = new GanTrainer(gan, labelled, { ...base, fastStep });
      const log = await t.step();
      expect(Number.isFinite(log.dLoss)).toBe(true);
      t.dispose(); disposeGan(gan);
    }
  });
});

describe('nested models', () => {
  it('dropout inside a nested Sequential is seeded like the top-level layers: native = autodiff', async () => {
    const run = async (fastStep: boolean) => {
      const gan = buildGan(dcgan(small));
      const inner = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 16, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }), tf.layers.dropout({ rate: 0.3 })] });
      const x = tf.input({ shape: [28, 28, 1] });
      const out = tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }).apply(inner.apply(x)) as ReturnType<typeof tf.input>;
      const t = new GanTrainer({ ...gan, discriminator: tf.model({ inputs: x, outputs: out }) }, images, { ...base, fastStep });
      for (let i = 0; i < 3; i++) await t.step();
      const losses = t.history.map((h) => [h.dLoss, h.gLoss]);
      const mode = t.stepMode;
      t.dispose(); disposeGan(gan);
      return { losses, mode };
    };
    const a = await run(true), b = await run(false), c = await run(true);
    expect([a.mode, b.mode]).toEqual(['native', 'autodiff']);
    expect(a.losses).toEqual(c.losses); // seeded: repeatable
    expect(lossDiff(a.losses, b.losses)).toBeLessThan(2e-5);
  });
});

describe('which calls share a batch', () => {
  it('a critic with dropout takes [real; fake] in one batch (each half gets its own call\'s mask); spectral norm keeps calls apart', async () => {
    const { NetProgram } = await import('../../lib/train/engine/layers');
    const { sngan } = await import('../../lib/models/sngan');
    const fc = buildGan(fcGan({ latentDim: 8, generator: { widths: [16] }, discriminator: { widths: [16] } }));
    const sn = buildGan(sngan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } }));
    const withDropout = new NetProgram(fc.discriminator, 'D').traits, withSn = new NetProgram(sn.discriminator, 'D').traits;
    expect(withDropout).toMatchObject({ perCall: true, concatCalls: true, batchDependent: false });
    expect(withSn).toMatchObject({ perCall: true, concatCalls: false });
    disposeGan(fc); disposeGan(sn);
  });
});

describe('hand-built networks: resampling and padding layers, every activation', () => {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  /** G: dense → 7x7 → nearest x2 → conv → bilinear x2 → conv (28x28x1, tanh). */
  const generator = () => tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [8], units: 7 * 7 * 4, kernelInitializer: init(1) }),
    tf.layers.reshape({ targetShape: [7, 7, 4] }),
    tf.layers.upSampling2d({ size: [2, 2] }),
    tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(2) }), tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
    tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: init(3) }),
  ] });
  /**
   * Average pooling by reshape and mean (what the rule computes), as a layer tfjs' autodiff can
   * differentiate twice: tfjs has no gradient of `AvgPoolGrad`, so its own step cannot train a
   * WGAN-GP critic with `AveragePooling2D`, and the reference for that case uses this instead.
   */
  class MeanPool2 extends tf.layers.Layer {
    static className = 'MeanPool2';
    override computeOutputShape(s: (number | null)[]) { return [s[0], Math.floor(s[1]! / 2), Math.floor(s[2]! / 2), s[3]]; }
    override call(x: Tensor | Tensor[]): Tensor {
      const v = Array.isArray(x) ? x[0] : x;
      const [n, h, w, c] = v.shape, oh = Math.floor(h / 2), ow = Math.floor(w / 2);
      return tf.mean(tf.reshape(tf.slice(v, [0, 0, 0, 0], [n, oh * 2, ow * 2, c]), [n, oh, 2, ow, 2, c]), [2, 4]);
    }
  }
  /** D: pad to 32 → conv → average pool (16) → crop (14) → conv stride 2 (7) → layer norm → pool 'valid' (3) → global average → dense. */
  const critic = (pool: () => InstanceType<typeof tf.layers.Layer>) => tf.sequential({ layers: [
    tf.layers.zeroPadding2d({ inputShape: [28, 28, 1], padding: 2 }),
    tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(4) }), tf.layers.leakyReLU({ alpha: 0.2 }),
    pool(),
    tf.layers.cropping2D({ cropping: [[1, 1], [0, 2]] }),
    tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(5) }),
    tf.layers.layerNormalization(), tf.layers.leakyReLU({ alpha: 0.2 }),
    pool(),
    tf.layers.globalAveragePooling2d({}),
    tf.layers.dense({ units: 1, kernelInitializer: init(6) }),
  ] });
  const avgPool = () => tf.layers.averagePooling2d({ poolSize: 2 });

  it('the bilinear matrix is tfjs\' resizeBilinear (align corners and half-pixel centres off)', () => {
    const x = tf.tensor1d([1, 5, 2, 8, -3]);
    const want = tf.image.resizeBilinear(x.reshape([1, 5, 1, 1]) as Tensor4D, [10, 1]).dataSync();
    const got = tf.matMul(tf.tensor2d(bilinearMatrix(5, 10)), x.reshape([5, 1])).dataSync();
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(bilinearMatrix(2, 4)).toEqual([[1, 0], [0.5, 0.5], [0, 1], [0, 1]]);
  });

  for (const objective of ['non-saturating', 'wgan-gp'] as const) {
    it(`${objective}: native and portable = autodiff (losses, weights), flat tensor count`, async () => {
      const run = async (fastStep: boolean | 'portable') => {
        const gan = buildGan(dcgan(small));
        // WGAN-GP's autodiff reference: the same critic with pooling it can differentiate twice.
        const pool = fastStep === false && objective === 'wgan-gp' ? () => new MeanPool2({}) : avgPool;
        const hand = { ...gan, generator: generator(), discriminator: critic(pool) };
        const opts: TrainerOptions = { ...base, fastStep, ...(objective === 'wgan-gp' ? { objective: wassersteinGp(), nCritic: 2 } : {}) };
        const t = new GanTrainer(hand, images, opts);
        const tensors: number[] = [];
        for (let i = 0; i < 3; i++) { await t.step(); tensors.push(tf.memory().numTensors); }
        const out = {
          mode: t.stepMode, losses: t.history.map((h) => [h.dLoss, h.gLoss]), tensors,
          weights: [...hand.generator.getWeights(), ...hand.discriminator.getWeights()].map((w) => w.dataSync() as Float32Array),
        };
        t.dispose(); disposeGan(gan); hand.generator.dispose(); hand.discriminator.dispose();
        return out;
      };
      const ref = await run(false);
      for (const fastStep of [true, 'portable'] as const) {
        const r = await run(fastStep);
        expect(r.mode).toBe(fastStep === true ? 'native' : 'native (portable ops)');
        expect(lossDiff(r.losses, ref.losses)).toBeLessThan(objective === 'wgan-gp' ? 2e-4 : 2e-5);
        const lr = objective === 'wgan-gp' ? 1e-4 : 2e-4;
        r.weights.forEach((w, i) => {
          let d = 0;
          for (let j = 0; j < w.length; j++) d = Math.max(d, Math.abs(w[j] - ref.weights[i][j]));
          expect(d, `weight ${i}`).toBeLessThan(2 * lr * 3 * (objective === 'wgan-gp' ? 2 : 1));
        });
        expect(r.tensors[2]).toBe(r.tensors[0]);
      }
    }, 180_000);
  }

  /**
   * Trains dcgan(small)'s generator against the critic `makeD()` builds (a fresh one per call) for
   * `steps` on `fastStep`: the step mode, the losses, and what `read` takes from the critic after.
   */
  async function withCritic<R>(makeD: () => LayersModel, fastStep: boolean | 'portable', opts: TrainerOptions, steps: number, read?: (d: LayersModel) => R) {
    const gan = buildGan(dcgan(small)), d = makeD();
    const t = new GanTrainer({ ...gan, discriminator: d }, images, { ...base, ...opts, fastStep });
    for (let i = 0; i < steps; i++) await t.step();
    const out = { mode: t.stepMode, losses: t.history.map((h) => [h.dLoss, h.gLoss]), read: read?.(d) };
    t.dispose(); disposeGan(gan); d.dispose();
    return out;
  }
  const wgan = (): TrainerOptions => ({ objective: wassersteinGp(), nCritic: 2 });

  // relu6, hardSigmoid and ELU only first-order here: tfjs' autodiff (the reference) has no
  // second-order gradient through clipByValue (LogicalAnd) or ELU (EluGrad); ELU's is checked below.
  const actCases: [string, string[], boolean][] = [
    ['non-saturating', ['softplus', 'swish', 'mish', 'relu6', 'hardSigmoid', 'selu', 'elu', 'sigmoid'], false],
    ['WGAN-GP (second order)', ['softplus', 'swish', 'mish', 'selu', 'sigmoid'], true],
  ];
  for (const [name, acts, gp] of actCases) {
    it(`activations ${acts.join(', ')}: native = autodiff, ${name}`, async () => {
      const d = () => tf.sequential({ layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'selu', kernelInitializer: init(7) }),
        tf.layers.flatten(),
        // Wide initial weights, so that the inputs reach every piece (relu6 above 6, hardSigmoid beyond ±2.5);
        // narrower under the penalty, where saturated units make both sides' second-order gradients round-off (1 − σ(x) for σ(x) ≈ 1).
        ...acts.map((activation, i) => tf.layers.dense({ units: 6, activation: activation as 'relu', kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: gp ? 0.2 : 2, seed: 20 + i }) })),
        tf.layers.dense({ units: 1, kernelInitializer: init(8) }),
      ] });
      const run = (fastStep: boolean) => withCritic(d, fastStep, gp ? wgan() : {}, 2);
      const nat = await run(true), ref = await run(false);
      expect([nat.mode, ref.mode]).toEqual(['native', 'autodiff']);
      expect(lossDiff(nat.losses, ref.losses)).toBeLessThan(gp ? 2e-4 : 2e-5);
    });
  }

  it('ELU\'s second-order gradient (what a gradient penalty through it needs): 2·w²·e^{2x} where x < 0, 0 where x > 0', () => {
    // L = Σ (∂/∂x Σ w·elu(x))² = Σ w²·elu'(x)²; ∂L/∂x = 2·w²·elu'(x)·elu''(x) = 2·w²·e^{2x} (x < 0), 0 (x > 0).
    const xs = [-2, -0.5, -0.1, 0.3, 1.7], ws = [0.5, -1.5, 2, 1, -0.7];
    const got = tf.tidy(() => {
      const t = new Tape(nativeOps());
      const x = t.leaf(tf.tensor1d(xs), true), w = t.leaf(tf.tensor1d(ws));
      const [g] = t.grad(t.sum(t.mul(w, t.elu(x)), [0]), [x], { createGraph: true });
      const [dx] = t.grad(t.sum(t.square(g), [0]), [x]);
      return Array.from(dx.t.dataSync());
    });
    xs.forEach((x, i) => expect(got[i]).toBeCloseTo(x < 0 ? 2 * ws[i] ** 2 * Math.exp(2 * x) : 0, 5));
  });

  it('a critic only the native engine can differentiate twice, on the autodiff step: an error that names the op and why the engine did not run', async () => {
    const gan = buildGan(dcgan(small));
    const d = () => critic(avgPool);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const asked = new GanTrainer({ ...gan, discriminator: d() }, images, { ...base, fastStep: false, objective: wassersteinGp(), nCritic: 2 });
      await expect(asked.step()).rejects.toThrow(/got the op AvgPoolGrad, which has no gradient in tfjs \(the gradient penalty differentiates the critic twice.*Try the native engine \(fastStep: true/);
      asked.dispose();
      // A fallback (an unruled layer after the pooling): the reason is in the error.
      class Halve extends tf.layers.Layer {
        static className = 'Halve';
        override call(x: Tensor | Tensor[]): Tensor { return tf.mul(Array.isArray(x) ? x[0] : x, 0.5); }
      }
      const x = tf.input({ shape: [28, 28, 1] });
      const fell = tf.model({ inputs: x, outputs: new Halve({}).apply(d().apply(x)) as ReturnType<typeof tf.input> });
      const t = new GanTrainer({ ...gan, discriminator: fell }, images, { ...base, objective: wassersteinGp(), nCritic: 2 });
      expect(t.stepMode).toBe('autodiff');
      await expect(t.step()).rejects.toThrow(/AvgPoolGrad.*is not running this network: discriminator layer halve\w* \(Halve\): no engine rule/);
      t.dispose();
    } finally {
      warn.mockRestore(); disposeGan(gan);
    }
  });

  it('average pooling with overlapping windows and \'same\' padding (border windows average fewer pixels): native = autodiff', async () => {
    const d = () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(9) }),
      tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),   // 14x14
      tf.layers.averagePooling2d({ poolSize: [3, 2], strides: [2, 3], padding: 'valid' }), // 6x5
      tf.layers.flatten(), tf.layers.dense({ units: 1, kernelInitializer: init(10) }),
    ] });
    const run = (fastStep: boolean) => withCritic(d, fastStep, {}, 3);
    const nat = await run(true), ref = await run(false);
    expect([nat.mode, ref.mode]).toEqual(['native', 'autodiff']);
    expect(lossDiff(nat.losses, ref.losses)).toBeLessThan(2e-5);
  });

  it('layer norm over each sample\'s H, W and C (PyTorch\'s LayerNorm([C, H, W]) in a WGAN-GP critic): native = autodiff', async () => {
    const d = () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(11) }),
      tf.layers.layerNormalization({ axis: [1, 2, 3] }), tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init(12) }),
      tf.layers.layerNormalization({ axis: [-3, -2, -1] }), tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.flatten(), tf.layers.dense({ units: 1, kernelInitializer: init(13) }),
    ] });
    const run = (fastStep: boolean) => withCritic(d, fastStep, wgan(), 2, (m) => m.layers[1].getWeights()[0].shape);
    const nat = await run(true), ref = await run(false);
    expect([nat.mode, ref.mode]).toEqual(['native', 'autodiff']);
    expect(nat.read).toEqual([14, 14, 4]); // gamma shaped like the normalised axes
    expect(lossDiff(nat.losses, ref.losses)).toBeLessThan(2e-4);
  });

  it('PReLU (α per channel, shared over H and W) and an Average of two branches in a critic: native = autodiff', async () => {
    const d = () => {
      const x = tf.input({ shape: [28, 28, 1] });
      const conv = (seed: number) => tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(seed) }).apply(x) as ReturnType<typeof tf.input>;
      const merged = tf.layers.average().apply([conv(14), conv(15)]) as ReturnType<typeof tf.input>;
      const act = tf.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: tf.initializers.constant({ value: 0.25 }) }).apply(merged) as ReturnType<typeof tf.input>;
      return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 1, kernelInitializer: init(16) }).apply(tf.layers.flatten().apply(act)) as ReturnType<typeof tf.input> });
    };
    const alpha = (m: LayersModel) => Array.from(m.layers.find((l) => l.getClassName() === 'PReLU')!.getWeights()[0].dataSync());
    const run = (fastStep: boolean) => withCritic(d, fastStep, {}, 3, alpha);
    const nat = await run(true), ref = await run(false);
    expect([nat.mode, ref.mode]).toEqual(['native', 'autodiff']);
    expect(lossDiff(nat.losses, ref.losses)).toBeLessThan(2e-5);
    expect(nat.read).toHaveLength(4);
    nat.read!.forEach((a, i) => { expect(a).not.toBe(0.25); expect(a).toBeCloseTo(ref.read![i], 5); }); // α learned, as autodiff learns it
  });

  it('max pooling (overlapping windows, \'same\' padding): native and portable = autodiff', async () => {
    const d = () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(17) }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(), tf.layers.dense({ units: 1, kernelInitializer: init(18) }),
    ] });
    const run = (fastStep: boolean | 'portable') => withCritic(d, fastStep, {}, 3);
    const ref = await run(false);
    for (const fastStep of [true, 'portable'] as const) {
      const r = await run(fastStep);
      expect(r.mode).toBe(fastStep === true ? 'native' : 'native (portable ops)');
      expect(lossDiff(r.losses, ref.losses)).toBeLessThan(2e-5);
    }
  });

  it('max pooling\'s second-order gradient (a gradient penalty through it): ∂/∂w Σ(∇x Σ w·maxpool(x))² = 2w', () => {
    // Each w lands on its window's maximum, so ∇x holds every w once: Σ(∇x)² = Σw², whose gradient is 2w.
    const ws = [0.5, -1.5, 2, 0.25];
    const got = tf.tidy(() => {
      const t = new Tape(nativeOps());
      const x = t.leaf(tf.tensor4d([3, 1, 0, 2, 4, -1, 5, 9, -2, 7, 6, 8, 1, 0, -3, 2], [1, 4, 4, 1]), true);
      const w = t.leaf(tf.tensor4d(ws, [1, 2, 2, 1]), true);
      const [g] = t.grad(t.sum(t.mul(w, t.maxPool(x, [2, 2], [2, 2], 'valid')), [0, 1, 2, 3]), [x], { createGraph: true });
      expect(Array.from(g.t.dataSync())).toEqual([0, 0, 0, 0, 0.5, 0, 0, -1.5, 0, 2, 0, 0.25, 0, 0, 0, 0]);
      const [dw] = t.grad(t.sum(t.square(g), [0, 1, 2, 3]), [w]);
      return Array.from(dw.t.dataSync());
    });
    expect(got).toEqual(ws.map((v) => 2 * v));
  });

  it('a gradient penalty through max pooling on portable ops (no MaxPoolGradGrad there) is refused up front, naming the layer', () => {
    const gan = buildGan(dcgan(small));
    const d = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(19) }),
      tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 1, kernelInitializer: init(20) }),
    ] });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const modes = (['portable', true] as const).map((fastStep) => {
      const t = new GanTrainer({ ...gan, discriminator: d }, images, { ...base, ...wgan(), fastStep });
      const out = [t.stepMode, t.trainStep.fallbackReason ?? ''];
      t.dispose();
      return out;
    });
    expect(modes[0][0]).toBe('autodiff');
    expect(modes[0][1]).toMatch(/gradient penalty needs second-order gradients through the critic; max_pooling2d\w* \(MaxPooling2D\) has them on native TensorFlow only/);
    expect(modes[1][0]).toBe('native'); // native TensorFlow has MaxPoolGradGrad
    warn.mockRestore(); disposeGan(gan); d.dispose();
  });

  it('GaussianNoise and GaussianDropout draw seeded noise each step: native = the same layers seeded on autodiff', async () => {
    // tfjs' own layers draw unseeded noise; these subclasses (same class names, so the same engine
    // rules) draw it from the seed the trainer sets each step, as the rules do.
    const noiseLayer = <T extends object>(make: () => T, draw: (l: T & { seed?: number }, x: Tensor) => Tensor) => {
      const Base = Object.getPrototypeOf(make()).constructor as new (a: unknown) => InstanceType<typeof tf.layers.Layer>;
      return class extends Base {
        override call(x: Tensor | Tensor[], kw: { training?: boolean }): Tensor {
          const v = Array.isArray(x) ? x[0] : x;
          return kw.training ? draw(this as unknown as T & { seed?: number }, v) : v;
        }
      };
    };
    const Noise = noiseLayer(() => tf.layers.gaussianNoise({ stddev: 0.3 }), (l, x) => tf.add(x, tf.randomNormal(x.shape, 0, 0.3, 'float32', l.seed)));
    const GDrop = noiseLayer(() => tf.layers.gaussianDropout({ rate: 0.2 }), (l, x) => tf.mul(x, tf.randomNormal(x.shape, 1, Math.sqrt(0.2 / 0.8), 'float32', l.seed)));
    const d = (noisy = true) => tf.sequential({ layers: [
      ...(noisy ? [new Noise({ stddev: 0.3, inputShape: [28, 28, 1] })] : [tf.layers.inputLayer({ inputShape: [28, 28, 1] })]),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(21) }), tf.layers.leakyReLU({ alpha: 0.2 }),
      ...(noisy ? [new GDrop({ rate: 0.2 })] : []),
      tf.layers.flatten(), tf.layers.dense({ units: 1, kernelInitializer: init(22) }),
    ] });
    const nat = await withCritic(() => d(), true, {}, 3), ref = await withCritic(() => d(), false, {}, 3);
    const gp = await withCritic(() => d(), true, wgan(), 2), gpRef = await withCritic(() => d(), false, wgan(), 2);
    const clean = await withCritic(() => d(false), true, {}, 3);
    expect([nat.mode, ref.mode, gp.mode]).toEqual(['native', 'autodiff', 'native']);
    expect(lossDiff(nat.losses, ref.losses)).toBeLessThan(2e-5);
    expect(lossDiff(gp.losses, gpRef.losses)).toBeLessThan(2e-4);
    expect(lossDiff(nat.losses, clean.losses)).toBeGreaterThan(1e-3); // the noise is there
  });

  it('a setting outside a rule (channels-first pooling) falls back, naming the layer and the setting', () => {
    const gan = buildGan(dcgan(small));
    const d = tf.sequential({ layers: [tf.layers.averagePooling2d({ inputShape: [28, 28, 1], poolSize: 1, dataFormat: 'channelsFirst' }), tf.layers.flatten(), tf.layers.dense({ units: 1 })] });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = new GanTrainer({ ...gan, discriminator: d }, images, base);
    expect(t.stepMode).toBe('autodiff');
    expect(t.trainStep.fallbackReason).toMatch(/average_pooling2d\w* \(AveragePooling2D\): dataFormat channelsFirst/);
    t.dispose(); warn.mockRestore(); disposeGan(gan); d.dispose();
  });
});
