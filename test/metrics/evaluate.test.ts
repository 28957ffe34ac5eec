import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type LayersModel, type Tensor4D } from '../../lib/backend';
import { loadDataset } from '../../lib/data/load';
import { loadClassifier } from '../../lib/metrics/classifier';
import { evaluateGenerator, evaluateImages, latentCodes, requestedLabels, sampleGenerator } from '../../lib/metrics/evaluate';
import { memorization } from '../../lib/metrics/memorization';

let train: Tensor4D; // 300 MNIST training images
let gen: LayersModel;
let cgen: LayersModel;

beforeAll(async () => {
  await loadClassifier('mnist'); // cached once per process (its weights stay loaded)
  train = (await loadDataset('mnist', { limit: 300 })).images.clone();
  // A tiny untrained generator z[8] → [28,28,1] in [-1,1], and a conditional one ([z, label]).
  gen = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [8], units: 784, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    tf.layers.reshape({ targetShape: [28, 28, 1] }),
  ] });
  const z = tf.input({ shape: [8] });
  const y = tf.input({ shape: [1] });
  const h = tf.layers.concatenate().apply([z, y]);
  const o = tf.layers.dense({ units: 784, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(h);
  cgen = tf.model({ inputs: [z, y], outputs: tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(o) as never });
});

describe('memorization', () => {
  it('finds exact copies of training images at distance 0 and shows the closest pairs as a PNG', async () => {
    const before = tf.memory().numTensors;
    const idx = [17, 3, 250];
    const copies = tf.tidy(() => tf.concat([tf.gather(train, idx), tf.randomUniform([5, 28, 28, 1], 0, 1, 'float32', 9)]) as Tensor4D);
    const m = memorization(copies, train, { show: 4 });
    expect(Array.from(m.nearest.subarray(0, 3))).toEqual(idx);
    for (let i = 0; i < 3; i++) expect(m.distance[i]).toBeLessThan(1e-3);
    for (let i = 3; i < 8; i++) expect(m.distance[i]).toBeGreaterThan(0.3);
    expect(m.summary().min).toBeLessThan(1e-3);
    expect(m.fractionBelow(0.01)).toBeCloseTo(3 / 8, 10);
    const bundle = await m.toMimeBundle();
    const png = Buffer.from(bundle['image/png'] as Uint8Array);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(String(bundle['text/plain'])).toMatch(/closest 4 pairs/);
    copies.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts [-1,1] samples with range and rejects a shape mismatch', () => {
    const s = tf.tidy(() => train.slice([5, 0, 0, 0], [2, 28, 28, 1]).mul(2).sub(1) as Tensor4D);
    const m = memorization(s, { images: train }, { range: [-1, 1] });
    expect(Array.from(m.nearest)).toEqual([5, 6]);
    const bad = tf.zeros([2, 14, 14, 1]) as Tensor4D;
    expect(() => memorization(bad, train)).toThrow(/shape mismatch, samples \[2,14,14,1\] vs training images \[300,28,28,1\]/);
    tf.dispose([s, bad]);
  });
});

describe('evaluateGenerator', () => {
  it('latent codes: seeded standard normal, identical per seed (including 0)', () => {
    const a = latentCodes(2000, 10, 0);
    expect(latentCodes(2000, 10, 0)).toEqual(a);
    expect(latentCodes(2000, 10, 1)[0]).not.toBe(a[0]);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });

  it('truncated latent codes: every value within the threshold, the others kept, the truncated normal\'s spread', () => {
    const full = latentCodes(2000, 10, 3);
    for (const [t, sdWant] of [[1, 0.5396], [0.5, 0.2839]]) {
      // Var of N(0, 1) truncated to [−t, t]: 1 − 2tφ(t) / (2Φ(t) − 1) → 0.2911 (t 1), 0.0806 (t 0.5)
      const z = latentCodes(2000, 10, 3, t);
      expect(z.every((v) => Math.abs(v) <= t)).toBe(true);
      expect(z.every((v, i) => Math.abs(full[i]) > t || v === full[i])).toBe(true);
      const sd = Math.sqrt(z.reduce((a, v) => a + v * v, 0) / z.length);
      expect(Math.abs(sd - sdWant)).toBeLessThan(0.01);
    }
    expect(latentCodes(50, 10, 3, Infinity)).toEqual(latentCodes(50, 10, 3));
    for (const bad of [0, -1, NaN]) expect(() => latentCodes(4, 2, 0, bad)).toThrow(`truncation must be a threshold > 0 (e.g. 1 or 0.5; Infinity for none); got ${bad}`);
  });

  it('same seed and n → identical scores; another seed → different; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const opts = { dataset: 'mnist' as const, n: 120, seed: 0, diversityPairs: 20 }; // seed 0 too (tfjs treats it as unseeded)
    const a = await evaluateGenerator(gen, opts);
    const b = await evaluateGenerator(gen, opts);
    expect(b.scores).toEqual(a.scores);
    const c = await evaluateGenerator(gen, { ...opts, seed: 1 });
    expect(c.scores.fcd).not.toBe(a.scores.fcd);
    expect(tf.memory().numTensors).toBe(before);
    // An untrained generator is far from MNIST.
    expect(a.scores.fcd).toBeGreaterThan(10);
  });

  it('scores real images much better than an untrained generator; report displays a PNG and a table', async () => {
    const r = await evaluateImages(train.slice([0, 0, 0, 0], [120, 28, 28, 1]) as Tensor4D, { name: 'real', diversityPairs: 20, train });
    const g = await evaluateGenerator(gen, { n: 120, diversityPairs: 20 });
    expect(r.scores.fcd).toBeLessThan(g.scores.fcd / 5);
    expect(r.scores.classifierScore).toBeGreaterThan(g.scores.classifierScore);
    expect(r.scores.memorizationMin).toBe(0); // real training images are their own nearest neighbours
    const bundle = await r.toMimeBundle();
    expect(Buffer.from(bundle['image/png'] as Uint8Array).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(String(bundle['text/html'])).toContain('Fréchet classifier distance');
    expect(String(bundle['text/plain'])).toMatch(/Fréchet classifier distance \(FID\)\s+\d/);
    const best = r.grid('best');
    expect(best.shape).toEqual([16, 28, 28, 1]);
    best.dispose();
  });

  it('conditional generators: labels cycle 0..K-1 and per-class quality is reported', async () => {
    const { images, labels } = await sampleGenerator({ model: cgen, meta: { latentDim: 8, numClasses: 10 } }, { n: 40, seed: 1 });
    expect(images.shape).toEqual([40, 28, 28, 1]);
    expect(Array.from(labels!.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    images.dispose();
    const rep = await evaluateGenerator({ model: cgen, meta: { latentDim: 8, numClasses: 10 } }, { n: 60, diversityPairs: 0 });
    expect(rep.perClass).toHaveLength(10);
    expect(rep.perClass.every((c) => c.n === 6 && c.accuracy >= 0 && c.accuracy <= 1 && Number.isFinite(c.fcd))).toBe(true);
    // MNIST's test digits are near-uniform over the classes: the requested mix matches, no class-mix note
    // (an untrained generator's samples collapse, so the report does note that precision is not meaningful)
    expect(rep.scores.labelMixGap!).toBeLessThan(0.1);
    expect(rep.toText()).not.toContain('class mix');
    expect(rep.toText()).toContain('note: precision 1.000 is not meaningful here: the samples look collapsed (recall 0.000');
  });

  it('asking for one class only: the report says the class mix differs from the reference images\'', async () => {
    const { images } = await sampleGenerator({ model: cgen, meta: { latentDim: 8, numClasses: 10 } }, { n: 20, seed: 1 });
    const rep = await evaluateImages(images, { range: [-1, 1], labels: new Int32Array(20), diversityPairs: 0, baseline: false });
    images.dispose();
    // total variation to the reference labels = 1 − (their share of class 0), about 0.9 for MNIST
    const refLabels = (await loadClassifier('mnist')).stats.subsampleLabels;
    const ref = refLabels.filter((l) => l === 0).length / refLabels.length;
    expect(rep.scores.labelMixGap!).toBeCloseTo(1 - ref, 6);
    expect(rep.toText()).toContain(`note: the requested labels' class mix is ${(1 - ref).toFixed(2)} (total variation)`);
  });

  it('labelWeights: labels in proportion to the weights (largest remainders), the same latent codes; bad weights named', async () => {
    const meta = { latentDim: 8, numClasses: 3 };
    // 10 · [5, 3, 2] / 10 exactly; 7 · [1, 1, 1] / 3 = 2.33 each → the first class by remainder ties gets the spare one
    expect(Array.from(requestedLabels(10, 3, [5, 3, 2]))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    expect(Array.from(requestedLabels(7, 3, [1, 1, 1]))).toEqual([0, 0, 0, 1, 1, 2, 2]);
    // 11 at [0.6, 0.3, 0.1]: 6.6, 3.3, 1.1 → 6, 3, 1 and the spare to the largest remainder (class 0)
    expect(Array.from(requestedLabels(11, 3, [3568, 1784, 594.67]).reduce((c, l) => { c[l]++; return c; }, [0, 0, 0]))).toEqual([7, 3, 1]);
    expect(Array.from(requestedLabels(4, 3, [0, 2, 0]))).toEqual([1, 1, 1, 1]);
    // three spares (10 / 7 = 1.43 each): to the first three classes of the tied remainders
    expect(Array.from(requestedLabels(10, 7, [1, 1, 1, 1, 1, 1, 1]))).toEqual([0, 0, 1, 1, 2, 2, 3, 4, 5, 6]);
    // 1800 at the emoji training split's category counts: n in all, each within one of its exact share
    const emojiCounts = [290, 3568, 410, 230, 440, 160, 500, 290, 110];
    const got = requestedLabels(1800, 9, emojiCounts).reduce((c, l) => { c[l]++; return c; }, new Array<number>(9).fill(0));
    expect(got.reduce((a, b) => a + b, 0)).toBe(1800);
    got.forEach((m, c) => expect(Math.abs(m - (1800 * emojiCounts[c]) / 5998)).toBeLessThan(1));
    const a = await sampleGenerator({ model: cgen, meta }, { n: 10, seed: 3, labelWeights: [5, 3, 2] });
    expect(Array.from(a.labels!)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 2, 2]);
    a.images.dispose();
    const msg = (w: number[]) => sampleGenerator({ model: cgen, meta }, { n: 10, labelWeights: w });
    await expect(msg([1, 1])).rejects.toThrow('labelWeights has 2 weights for 3 classes');
    await expect(msg([1, -1, 1])).rejects.toThrow('labelWeights[1] is -1; expected finite weights >= 0');
    await expect(msg([1, NaN, 1])).rejects.toThrow('labelWeights[1] is NaN');
    await expect(msg([0, 0, 0])).rejects.toThrow('labelWeights are all 0');
  });
});
