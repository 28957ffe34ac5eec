import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { conditionalGan } from '../../lib/models/config';
import { BatchSource, classBalanceWeights, weightedEpoch } from '../../lib/train/data';
import { GanTrainer } from '../../lib/train/trainer';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-balance-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// 60 images: class 0 has 40, class 1 has 15, class 2 has 5 (each image's pixel value is its index)
const labels = Int32Array.from({ length: 60 }, (_, i) => (i < 40 ? 0 : i < 55 ? 1 : 2));
const images = tf.tidy(() => tf.range(0, 60).div(60).reshape([60, 1, 1, 1]).tile([1, 28, 28, 1])) as Tensor4D;
const data = { images, labels, numClasses: 3 };
const countBy = (xs: ArrayLike<number>, k: number) => Array.from(xs).reduce((c, x) => { c[x]++; return c; }, new Array<number>(k).fill(0));

describe('classBalance: images drawn ∝ (class size)^−β', () => {
  it('weights: β 0 the data\'s shares, β 1 equal shares, β 0.5 shares ∝ √size', () => {
    const share = (beta: number) => {
      const w = classBalanceWeights(labels, beta);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      return [0, 1, 2].map((c) => w.reduce((a, v, i) => a + (labels[i] === c ? v : 0), 0));
    };
    share(0).forEach((s, c) => expect(s).toBeCloseTo([40, 15, 5][c] / 60, 12));
    share(1).forEach((s) => expect(s).toBeCloseTo(1 / 3, 12));
    const r = [40, 15, 5].map(Math.sqrt), t = r.reduce((a, b) => a + b, 0);
    share(0.5).forEach((s, c) => expect(s).toBeCloseTo(r[c] / t, 12));
  });

  it('an epoch: n draws, each image within one of n·w, seeded (same seed same order, another seed another)', () => {
    const w = classBalanceWeights(labels, 1);
    const a = weightedEpoch(w, 11);
    expect(a.length).toBe(60);
    const perImage = countBy(a, 60);
    perImage.forEach((m, i) => expect(Math.abs(m - 60 * w[i])).toBeLessThan(1));
    expect(countBy(Array.from(a, (i) => labels[i]), 3)).toEqual([20, 20, 20]);
    expect(weightedEpoch(w, 11)).toEqual(a);
    expect(Array.from(weightedEpoch(w, 12))).not.toEqual(Array.from(a));
  });

  it('the batch source draws the balanced classes, and says so when there are no labels', () => {
    const src = new BatchSource(data, 10, 3, '[0,1]', 1);
    const seen: number[] = [];
    for (let b = 0; b < src.batchesPerEpoch * 3; b++) {
      const { real, labels: lb } = src.batch(b);
      const px = real.slice([0, 0, 0, 0], [10, 1, 1, 1]).dataSync();   // pixel = 2·index/60 − 1
      const lab = lb!.dataSync();
      px.forEach((v, i) => {
        const idx = Math.round(((v + 1) / 2) * 60);
        expect(labels[idx]).toBe(lab[i]);   // each image keeps its own label
        seen.push(lab[i]);
      });
      tf.dispose([real, lb!]);
    }
    // three epochs of 60: 60 per class
    expect(countBy(seen, 3)).toEqual([60, 60, 60]);
    src.dispose();
    expect(() => new BatchSource(images, 10, 3, '[0,1]', 0.5))
      .toThrow('classBalance 0.5 draws images by class, but the data has no labels; pass a labelled Dataset or leave classBalance at 0.');
  });

  it('the trainer: checked as an option, recorded, and a resumed run draws the same batches', async () => {
    const cfg = conditionalGan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] }, conditional: { numClasses: 3, embedDim: 4 } });
    const g0 = buildGan(cfg);
    expect(() => new GanTrainer(g0, data, { classBalance: 2, runsDir: null, live: false })).toThrow(/classBalance/);
    disposeGan(g0);
    const opts = { batchSize: 10, runsDir: path.join(tmp, 'runs'), numSamples: 3, sampleEvery: 0, live: false, tensorboard: false, classBalance: 1, checkpointEvery: 3, seed: 4 };
    const g1 = buildGan(cfg);
    const full = new GanTrainer(g1, data, { ...opts, runsDir: null });
    for (let i = 0; i < 6; i++) await full.step();
    const want = full.history.map((h) => [h.dLoss, h.gLoss]);
    full.dispose(); disposeGan(g1);
    const gan = buildGan(cfg);
    const a = new GanTrainer(gan, data, opts);
    await a.fit({ steps: 3 });
    const dir = a.run!.dir;
    a.dispose(); disposeGan(gan);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).train.classBalance).toBe(1);
    const b = await GanTrainer.resume(dir, data, { live: false });
    for (let i = 0; i < 3; i++) await b.step();
    expect(b.history.map((h) => [h.dLoss, h.gLoss])).toEqual(want);
    b.dispose(); b.gan.generator.dispose(); b.gan.discriminator.dispose();
  });
});
