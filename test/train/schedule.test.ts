import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { GanTrainer, type TrainerOptions } from '../../lib/train/trainer';
import { lrScale } from '../../lib/train/schedule';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-lr-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cfg = dcgan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } });
const data = tf.randomUniform([48, 28, 28, 1], 0, 1, 'float32', 11) as Tensor4D; // 6 batches of 8 per epoch
const base: TrainerOptions = { batchSize: 8, runsDir: null, numSamples: 4, sampleEvery: 0, live: false, seed: 3 };

async function train(opts: TrainerOptions, steps: number) {
  const gan = buildGan(cfg);
  const t = new GanTrainer(gan, data, { ...base, ...opts });
  const weights: Float32Array[][] = [];
  for (let i = 0; i < steps; i++) {
    await t.step();
    weights.push(gan.generator.trainableWeights.concat(gan.discriminator.trainableWeights).map((w) => w.read().dataSync() as Float32Array));
  }
  const mode = t.stepMode;
  const losses = t.history.map((x) => [x.dLoss, x.gLoss]);
  t.dispose(); disposeGan(gan);
  return { losses, weights, mode };
}

describe('lrScale', () => {
  it('is 1 before start, linear to final at end, flat after', () => {
    const d = { start: 3, end: 5, final: 0 };
    expect(lrScale(d, 0)).toBe(1);
    expect(lrScale(d, 3)).toBe(1);
    expect(lrScale(d, 3.5)).toBeCloseTo(0.75, 12);
    expect(lrScale(d, 4)).toBeCloseTo(0.5, 12);
    expect(lrScale(d, 5)).toBe(0);
    expect(lrScale(d, 7)).toBe(0);
    expect(lrScale({ start: 0, end: 1 }, 1)).toBe(0.01); // default final
    expect(lrScale({ start: 0, end: 1 }, 0.5)).toBeCloseTo(0.505, 12);
  });

  it('rejects a bad decay naming the field', () => {
    const gan = buildGan(cfg);
    expect(() => new GanTrainer(gan, data, { ...base, lrDecay: { start: 2, end: 2 } })).toThrow(/lrDecay\.end.*> lrDecay\.start/);
    expect(() => new GanTrainer(gan, data, { ...base, lrDecay: { start: -1, end: 2 } })).toThrow(/lrDecay\.start/);
    expect(() => new GanTrainer(gan, data, { ...base, lrDecay: { start: 0, end: 2, final: 1.5 } })).toThrow(/lrDecay\.final.*\[0, 1\]/);
    disposeGan(gan);
  });
});

describe('GanTrainer lrDecay', () => {
  for (const fastStep of [true, false]) {
    it(`${fastStep ? 'native' : 'autodiff'} step: a rate decayed to 0 freezes every weight`, async () => {
      // Scale 1 for step 1 (epoch 0), 0 from step 2 on (epoch 1/6 = end).
      const r = await train({ fastStep, lrDecay: { start: 0, end: 1 / 6, final: 0 } }, 3);
      expect(r.mode).toBe(fastStep ? 'native' : 'autodiff');
      const changed = (a: Float32Array[], b: Float32Array[]) => a.some((w, i) => w.some((x, j) => x !== b[i][j]));
      const plain = await train({ fastStep }, 2);
      expect(changed(plain.weights[0], plain.weights[1])).toBe(true); // without decay step 2 moves weights
      expect(changed(r.weights[0], r.weights[1])).toBe(false);
      expect(changed(r.weights[1], r.weights[2])).toBe(false);
    });
  }

  it('fast and reference steps follow the same schedule (same losses)', async () => {
    const lrDecay = { start: 0, end: 0.5, final: 0.1 };
    const fast = await train({ lrDecay }, 4), ref = await train({ lrDecay, fastStep: false }, 4);
    const none = await train({}, 4);
    fast.losses.forEach((l, i) => { expect(l[0]).toBeCloseTo(ref.losses[i][0], 3); expect(l[1]).toBeCloseTo(ref.losses[i][1], 3); });
    expect(Math.abs(fast.losses[3][1] - none.losses[3][1])).toBeGreaterThan(1e-4); // the decay did change training
  });

  it('resume() continues the schedule exactly', async () => {
    const opts: TrainerOptions = { lrDecay: { start: 0, end: 1, final: 0.1 }, checkpointEvery: 2 };
    const full = await train(opts, 4);
    const gan = buildGan(cfg);
    const a = new GanTrainer(gan, data, { ...base, ...opts, runsDir: path.join(tmp, 'resume') });
    await a.fit({ steps: 2 });
    a.dispose(); disposeGan(gan);
    const b = await GanTrainer.resume(a.run!.dir, data, { live: false });
    expect(b.lrScale).toBeCloseTo(1 - 0.9 * (2 / 6), 6);
    for (let i = 0; i < 2; i++) await b.step();
    expect(b.history.map((x) => [x.dLoss, x.gLoss])).toEqual(full.losses);
    b.dispose(); disposeGan(b.gan);
  });
});
