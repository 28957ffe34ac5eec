import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor2D, type Tensor4D } from '../../lib/backend';
import { loadDataset } from '../../lib/data/load';
import { classify, classifierInput, loadClassifier, topClasses } from '../../lib/metrics/classifier';
import { evaluateImages, realBaseline } from '../../lib/metrics/evaluate';
import { recognizableShare } from '../../lib/metrics/recognizable';
import { frechetClassifierDistance, kernelClassifierDistance, precisionRecall } from '../../lib/metrics/scores';

let test32: Tensor4D; // all 1,564 held-out emoji images, [0, 1]
let test64: Tensor4D;
let testLabels: Int32Array;
let train32: Tensor4D; // 300 training images
beforeAll(async () => {
  const t32 = await loadDataset('emoji', { split: 'test', size: 32 });
  test32 = t32.images.clone();
  testLabels = t32.labels!;
  test64 = (await loadDataset('emoji', { split: 'test', size: 64 })).images.clone();
  train32 = (await loadDataset('emoji', { size: 32 })).shuffle(3).take(300).images.clone();
});
afterAll(() => tf.dispose([test32, test64, train32]));

const toTanh = (x: Tensor4D) => tf.tidy(() => x.mul(2).sub(1) as Tensor4D);

describe('emoji classifier and colour metrics', () => {
  it('the committed classifier: its stats.json accuracy is what it scores on the held-out emoji now', async () => {
    const clf = await loadClassifier('emoji');
    expect(clf.stats.n).toBe(1564);
    const { probs, numClasses } = classify(clf, test32);
    expect(numClasses).toBe(9);
    const top = topClasses(probs, 9);
    const acc = top.filter((p, i) => p === testLabels[i]).length / top.length;
    expect(acc).toBeCloseTo(clf.stats.testAccuracy, 3);
    expect(acc).toBeGreaterThan(clf.stats.majorityShare!); // better than always answering "People & Body"
  });

  it('64-px samples are box-filtered to 32 px; other shapes are refused naming the expected shape', async () => {
    const clf = await loadClassifier('emoji');
    const x = classifierInput('emoji', test64.slice([0, 0, 0, 0], [8, 64, 64, 3]) as Tensor4D);
    const box = tf.tidy(() => tf.avgPool(test64.slice([0, 0, 0, 0], [8, 64, 64, 3]) as Tensor4D, 2, 2, 'valid'));
    expect(tf.tidy(() => x.sub(box).abs().max().dataSync()[0])).toBe(0);
    // …and agree with the 32-px dataset up to uint8 rounding (of the 64-px values, and of the 32-px ones).
    expect(tf.tidy(() => x.sub(test32.slice([0, 0, 0, 0], [8, 32, 32, 3])).abs().max().dataSync()[0])).toBeLessThanOrEqual(1 / 255 + 1e-6);
    tf.dispose([x, box]);
    for (const shape of [[2, 28, 28, 3], [2, 32, 32, 1], [2, 48, 48, 3]] as const) {
      const bad = tf.zeros([...shape]) as Tensor4D;
      expect(() => classify(clf, bad)).toThrow(`The emoji classifier expects [n, 32, 32, 3] images (or [n, 64, 64, 3], box-filtered to 32); got [${shape}].`);
      await expect(frechetClassifierDistance(bad, { dataset: 'emoji' })).rejects.toThrow(/expects \[n, 32, 32, 3\] images/);
      bad.dispose();
    }
  });

  it('FCD/KCD/precision-recall on [-1,1] colour samples: real emoji near the real-vs-real baseline, noise and flat images far worse', async () => {
    const before = tf.memory().numTensors;
    const n = 300;
    const base = await realBaseline('emoji', { n, seed: 5, diversityPairs: 0 });
    const opts = { dataset: 'emoji' as const, range: [-1, 1] as [number, number] };
    const real = toTanh(train32);
    const noise = tf.randomUniform([n, 32, 32, 3], -1, 1, 'float32', 1) as Tensor4D;
    const flat = tf.fill([n, 64, 64, 3], 0.6) as Tensor4D; // light gray, 64 px
    const fcd = { real: await frechetClassifierDistance(real, opts), noise: await frechetClassifierDistance(noise, opts), flat: await frechetClassifierDistance(flat, opts) };
    expect(fcd.real).toBeLessThan(1.5 * base.fcd);
    expect(fcd.noise).toBeGreaterThan(5 * base.fcd);
    expect(fcd.flat).toBeGreaterThan(5 * base.fcd);
    const kcd = { real: (await kernelClassifierDistance(real, opts)).mean, noise: (await kernelClassifierDistance(noise, opts)).mean };
    expect(kcd.noise).toBeGreaterThan(10 * Math.max(kcd.real, base.kcd, 1e-3));
    const pr = { real: await precisionRecall(real, opts), noise: await precisionRecall(noise, opts) };
    expect(pr.real.precision).toBeGreaterThan(0.5);
    expect(pr.real.recall).toBeGreaterThan(0.5);
    expect(pr.noise.recall).toBeLessThan(0.1);
    tf.dispose([real, noise, flat]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("evaluateImages on 64-px [-1,1] samples: per-class share of real held-out emoji is the classifier's accuracy; baseline beside every score; memorization", async () => {
    const clf = await loadClassifier('emoji');
    const n = 400; // a spread of held-out images (the first test asserts the accuracy on all 1,564)
    const pick = Array.from({ length: n }, (_, i) => Math.floor((i * 1564) / n));
    const x = tf.tidy(() => tf.gather(test64, pick).mul(2).sub(1) as Tensor4D);
    const labels = Int32Array.from(pick, (i) => testLabels[i]);
    const rep = await evaluateImages(x, { dataset: 'emoji', range: [-1, 1], labels, diversityPairs: 20 });
    x.dispose();
    const x32 = tf.gather(test32, pick) as Tensor4D;
    const top = topClasses(classify(clf, x32).probs, 9);
    x32.dispose();
    expect(rep.perClass).toHaveLength(9);
    const correct = rep.perClass.reduce((a, c) => a + c.accuracy * c.n, 0);
    // 64 px box-filtered by the metric vs the 32-px uint8 set: equal up to a rounding-borderline image.
    expect(Math.abs(correct - top.filter((p, i) => p === labels[i]).length)).toBeLessThanOrEqual(2);
    expect(rep.baseline).not.toBeNull();
    expect(rep.baseline!.name).toBe('400 real training images');
    for (const k of ['fcd', 'kcd', 'precision', 'recall', 'classifierScore', 'msSsimDiversity'] as const) expect(Number.isFinite(rep.baseline![k])).toBe(true);
    const text = rep.toText();
    expect(text).toMatch(/Fréchet classifier distance \(FID\)\s+[\d.]+\s+real: [\d.]+/);
    expect(text).toMatch(/higher is better \(max 9\)/);
    expect(text).not.toMatch(/\S(real: |lower is|higher is|quality \/|memorization check)/); // columns never run together
    expect(String((await rep.toMimeBundle())['text/html'])).toContain('real baseline: 400 real training images');
    expect(Number.isNaN(rep.scores.memorizationMedian)).toBe(true); // no train given
    const before = tf.memory().numTensors; // (after MS-SSIM's first use, which caches its filter taps)
    const heldOut = test32.slice([0, 0, 0, 0], [150, 32, 32, 3]) as Tensor4D;
    const rep32 = await evaluateImages(heldOut, { dataset: 'emoji', diversityPairs: 0, train: train32 });
    heldOut.dispose();
    expect(rep32.scores.memorizationMedian).toBeGreaterThan(0);
    expect(rep32.baseline!.memorizationMedian).toBeGreaterThan(0); // held-out real emoji vs the same train images
    expect(tf.memory().numTensors).toBe(before);
  });

  it('recognizableShare on emoji reports the real held-out share beside the samples', async () => {
    const replay = (z: Tensor2D) => tf.tidy(() => test32.slice([0, 0, 0, 0], [z.shape[0], 32, 32, 3]).mul(2).sub(1) as Tensor4D);
    const r = await recognizableShare(replay, { dataset: 'emoji', latentDim: 4, n: 300, batchSize: 300, seed: 0 });
    expect(r.classCounts).toHaveLength(9);
    expect(r.share).toBeGreaterThan(0.2);
    expect(r.realShare).toBeGreaterThan(0.2); // a random 300 of the same held-out images
    const flat = await recognizableShare(() => tf.zeros([100, 32, 32, 3]) as Tensor4D, { dataset: 'emoji', latentDim: 4, n: 100 });
    expect(flat.classCounts.filter((c) => c > 0)).toHaveLength(1);
  });
});
