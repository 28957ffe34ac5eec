import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { fcGan, wganGp, type GanConfig } from '../../lib/models/config';
import { GanTrainer, type TrainerOptions } from '../../lib/train/trainer';
import { accumulatedBeta } from '../../lib/train/engine/adam';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-resume-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const images = tf.randomUniform([40, 28, 28, 1], 0, 1, 'float32', 4) as Tensor4D;

describe('exact resume on every step implementation', () => {
  it('β^t as tfjs builds it during training (float32 products), not as a power', () => {
    // float32: 0.999^3 by products differs from the power in the last bit; restoring by power drifted.
    expect(accumulatedBeta(0.999, 3)).not.toBe(Math.fround(Math.pow(Math.fround(0.999), 3)));
    let p = Math.fround(1);
    for (let i = 0; i < 40; i++) p = Math.fround(p * Math.fround(0.999));
    expect(accumulatedBeta(0.999, 40)).toBe(p);
  });

  const cases: [string, GanConfig][] = [
    ['fcGan (dropout)', fcGan({ latentDim: 8, generator: { widths: [16, 32] }, discriminator: { widths: [32, 16] } })],
    ['wganGp (n_critic 5, gradient penalty)', wganGp({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } })],
  ];
  for (const [name, cfg] of cases) {
    for (const fastStep of [true, false]) {
      it(`${name}, ${fastStep ? 'native' : 'autodiff'} step: resumed at step 5 = uninterrupted, bit for bit`, async () => {
        const tensorsAtStart = tf.memory().numTensors;
        // (no TensorBoard: tfjs-node keeps each folder's writer, 5 tensors, for the life of the process)
        const opts: TrainerOptions = { batchSize: 4, live: false, sampleEvery: 0, seed: 2, fastStep, ema: 0.9, tensorboard: false };
        const gan = buildGan(cfg);
        const full = new GanTrainer(gan, images, { ...opts, runsDir: null });
        for (let i = 0; i < 9; i++) await full.step();
        const want = full.history.map((h) => [h.dLoss, h.gLoss]);
        full.dispose(); disposeGan(gan);

        const ganA = buildGan(cfg);
        const a = new GanTrainer(ganA, images, { ...opts, runsDir: path.join(tmp, `${name}-${fastStep}`), checkpointEvery: 5 });
        await a.fit({ steps: 5 });
        const dir = a.run!.dir;
        a.dispose(); disposeGan(ganA);
        const b = await GanTrainer.resume(dir, images, { live: false });
        expect(b.iteration).toBe(5);
        for (let i = 0; i < 4; i++) await b.step();
        expect(b.history.map((h) => [h.dLoss, h.gLoss])).toEqual(want);
        b.dispose(); disposeGan(b.gan);
        // Nothing left behind by training, checkpointing, resuming and disposing.
        expect(tf.memory().numTensors).toBe(tensorsAtStart);
      }, 120_000);
    }
  }
});

describe('hand-built networks and custom layers', () => {
  it('train with EMA, resume exactly and come back from a checkpoint with their own architecture', async () => {
    const { SpectralNormalization } = await import('../../lib/models/layers/spectral-norm');
    const { generatorFromCheckpoint } = await import('../../lib/train/export');
    const { latestCheckpoint } = await import('../../lib/train/checkpoint');
    const { dcgan } = await import('../../lib/models/config');
    const build = () => {
      const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
      const generator = tf.sequential({ layers: [
        tf.layers.dense({ inputShape: [6], units: 7 * 7 * 3, kernelInitializer: init(1) }), tf.layers.leakyReLU({ alpha: 0.1 }),
        tf.layers.reshape({ targetShape: [7, 7, 3] }),
        tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 4, padding: 'same', activation: 'tanh', kernelInitializer: init(2) })] });
      const x = tf.input({ shape: [28, 28, 1] });
      let h = SpectralNormalization.wrap(tf.layers.conv2d({ filters: 3, kernelSize: 4, strides: 4, kernelInitializer: init(3) })).apply(x) as ReturnType<typeof tf.input>;
      h = tf.layers.flatten().apply(tf.layers.leakyReLU({ alpha: 0.2 }).apply(h)) as ReturnType<typeof tf.input>;
      const discriminator = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 1, kernelInitializer: init(4) }).apply(h) as ReturnType<typeof tf.input> });
      // The config only names the latent size, image shape and objective: the networks are the user's.
      return { config: dcgan({ latentDim: 6, loss: 'hinge' }), generator, discriminator, latentDim: 6, imageShape: [28, 28, 1] as [number, number, number], numClasses: 0 };
    };
    const opts: TrainerOptions = { batchSize: 4, live: false, sampleEvery: 0, seed: 1, ema: 0.8 };
    const g0 = build();
    const full = new GanTrainer(g0, images, { ...opts, runsDir: null });
    expect(full.stepMode).toBe('native');
    for (let i = 0; i < 6; i++) await full.step();
    const want = full.history.map((h) => [h.dLoss, h.gLoss]);
    full.dispose(); disposeGan(g0);

    const g1 = build();
    const a = new GanTrainer(g1, images, { ...opts, runsDir: path.join(tmp, 'hand'), checkpointEvery: 3 });
    await a.fit({ steps: 3 });
    const dir = a.run!.dir;
    // Named and recorded as what trains (both networks hand-built), not as the config's `dcgan`.
    expect(a.architecture).toBe('custom');
    expect(path.basename(dir)).toMatch(/^custom-hinge-/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).arch).toBe('custom');
    a.dispose(); disposeGan(g1);
    const b = await GanTrainer.resume(dir, images, { live: false });
    expect(b.architecture).toBe('custom');
    expect(b.gan.discriminator.layers.some((l) => l.getClassName() === 'SpectralNormalization')).toBe(true);
    for (let i = 0; i < 3; i++) await b.step();
    expect(b.history.map((h) => [h.dLoss, h.gLoss])).toEqual(want);
    await b.checkpoint();
    const ema = b.samples(2).dataSync();
    const back = generatorFromCheckpoint(latestCheckpoint(b.run!.checkpointsDir)!);
    expect(back.ema).toBe(true);
    expect(back.generator.layers.map((l) => l.getClassName())).toEqual(['Dense', 'LeakyReLU', 'Reshape', 'Conv2DTranspose']);
    const z = (b as unknown as { fixedNoise: Tensor }).fixedNoise.slice([0, 0], [2, -1]);
    expect(Array.from((back.generator.predict(z) as Tensor).dataSync())).toEqual(Array.from(ema));
    back.generator.dispose(); z.dispose();
    b.dispose(); disposeGan(b.gan);
  });
});
