/**
 * Wrong calls to the evaluation API fail loudly or say so in the report, instead of giving a
 * silently wrong number: images in [-1, 1] without `range`, a conditional generator without
 * `numClasses`, misspelt options, collapsed samples (precision), negative/noisy KID, emoji
 * training images over a non-white background.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type LayersModel, type Tensor4D } from '../../lib/backend';
import { loadDataset } from '../../lib/data/load';
import { loadClassifier } from '../../lib/metrics/classifier';
import {
  borderBackground, EvaluationReport, evaluateGenerator, evaluateImages, modelNumClasses, reportNotes, sampleGenerator, type EvaluationScores,
} from '../../lib/metrics/evaluate';
import { memorization } from '../../lib/metrics/memorization';
import { msSsimDiversity, psnr, ssim } from '../../lib/metrics/pixel';
import { recognizableShare } from '../../lib/metrics/recognizable';
import { classifierScore, frechetClassifierDistance, kernelClassifierDistance, precisionRecall } from '../../lib/metrics/scores';

let emoji: Tensor4D;     // 200 emoji training images over white, 32 px, [0, 1]
let mnist: Tensor4D;     // 100 MNIST training images, [0, 1]
let embedGen: LayersModel;   // conditional: [z, label] → label embedding (7 classes) → 28x28x1 tanh
let concatGen: LayersModel;  // conditional without an Embedding: the raw label is concatenated
beforeAll(async () => {
  await Promise.all([loadClassifier('emoji'), loadClassifier('mnist')]);
  emoji = (await loadDataset('emoji', { size: 32 })).shuffle(5).take(200).images.clone();
  mnist = (await loadDataset('mnist', { limit: 100 })).images.clone();
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const z = tf.input({ shape: [8] });
  const y = tf.input({ shape: [1] });
  const e = tf.layers.flatten().apply(tf.layers.embedding({ inputDim: 7, outputDim: 4, embeddingsInitializer: init(1) }).apply(y));
  const h = tf.layers.dense({ units: 784, activation: 'tanh', kernelInitializer: init(2) }).apply(tf.layers.concatenate().apply([z, e as never]));
  embedGen = tf.model({ inputs: [z, y], outputs: tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(h) as never });
  const z2 = tf.input({ shape: [8] });
  const y2 = tf.input({ shape: [1] });
  const h2 = tf.layers.dense({ units: 784, activation: 'tanh', kernelInitializer: init(3) }).apply(tf.layers.concatenate().apply([z2, y2]));
  concatGen = tf.model({ inputs: [z2, y2], outputs: tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(h2) as never });
});
afterAll(() => {
  tf.dispose([emoji, mnist]);
  embedGen.dispose();
  concatGen.dispose();
});

const toTanh = (x: Tensor4D) => tf.tidy(() => x.mul(2).sub(1) as Tensor4D);

describe('images outside [0, 1] without a range', () => {
  it('evaluateImages throws naming the observed min/max and { range: [-1, 1] }; with the range it scores as the [0, 1] images', async () => {
    const tanh = toTanh(emoji);
    const [lo, hi] = tf.tidy(() => [tanh.min().dataSync()[0], tanh.max().dataSync()[0]]);
    const before = tf.memory().numTensors;
    await expect(evaluateImages(tanh, { dataset: 'emoji', baseline: false })).rejects.toThrow(
      `Expected images in [0, 1] (no range given); got values in [${lo.toFixed(3)}, ${hi.toFixed(3)}], which would be clipped to [0, 1]; `
      + 'pass { range: [-1, 1] } for tanh outputs such as trainer.samples(), or { range: [min, max] } for another scale.',
    );
    expect(tf.memory().numTensors).toBe(before);
    const opts = { dataset: 'emoji' as const, baseline: false, diversityPairs: 0 };
    const unit = await evaluateImages(emoji, opts);
    const ranged = await evaluateImages(tanh, { ...opts, range: [-1, 1] });
    expect(ranged.scores.fcd).toBeCloseTo(unit.scores.fcd, 2);
    expect(unit.scores.fcd).toBeLessThan(30); // real emoji (the clipped [-1, 1] images read ~150)
    tanh.dispose();
  });

  it('every metric entry point with an optional range applies the same check (bytes get a [0, 255] hint)', async () => {
    const tanh = toTanh(mnist);
    const msg = /Expected images in \[0, 1\] \(no range given\); got values in \[-1\.000, 1\.000\].*\{ range: \[-1, 1\] \} for tanh outputs such as trainer\.samples\(\)/;
    await expect(frechetClassifierDistance(tanh)).rejects.toThrow(msg);
    await expect(kernelClassifierDistance(tanh)).rejects.toThrow(msg);
    await expect(precisionRecall(tanh)).rejects.toThrow(msg);
    await expect(classifierScore(tanh)).rejects.toThrow(msg);
    await expect(frechetClassifierDistance(mnist, { reference: tanh })).rejects.toThrow(/Expected reference images in \[0, 1\] \(no range given\)/);
    const before = tf.memory().numTensors;
    expect(() => memorization(tanh, mnist)).toThrow(/Expected samples in \[0, 1\] \(no range given\); got values in \[-1\.000, 1\.000\]/);
    expect(() => memorization(mnist, tanh)).toThrow(/Expected training images in \[0, 1\] \(no trainRange given\).*pass \{ trainRange: \[-1, 1\] \}/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(evaluateImages(mnist, { train: tanh, baseline: false })).rejects.toThrow(/Expected the train images in \[0, 1\] \(the train option takes \[0, 1\] images\); got values in \[-1\.000, 1\.000\].*x\.add\(1\)\.div\(2\)/);
    // pixel metrics: L = 1 would be wrong for [-1, 1] images
    expect(() => ssim(tanh, tanh)).toThrow(/^Expected ssim: images in \[0, 1\] \(no range given\); got values in \[-1\.000, 1\.000\], which the default data range L = 1 does not cover; pass \{ range: \[-1, 1\] \} for tanh outputs such as trainer\.samples\(\) \(L = 2\), or \{ dataRange: L \}\.$/);
    expect(() => psnr(tanh, mnist)).toThrow(/Expected psnr: images in \[0, 1\]/);
    expect(() => msSsimDiversity(tanh, { pairs: 4 })).toThrow(/Expected msSsimDiversity: the sample images in \[0, 1\]/);
    expect(ssim(tanh, tanh, { range: [-1, 1] })).toBeCloseTo(1, 5);
    const bytes = tf.tidy(() => mnist.mul(255) as Tensor4D);
    await expect(frechetClassifierDistance(bytes)).rejects.toThrow(/got values in \[0\.000, 255\].*or \{ range: \[0, 255\] \} for bytes/);
    expect(await frechetClassifierDistance(bytes, { range: [0, 255] })).toBeCloseTo(await frechetClassifierDistance(mnist), 3);
    // slight overshoot (resampling, rounding) is not another range
    const over = tf.tidy(() => mnist.mul(1.005).sub(0.002) as Tensor4D);
    expect(Number.isFinite(await frechetClassifierDistance(over))).toBe(true);
    tf.dispose([tanh, bytes, over]);
  });
});

describe('conditional generators without numClasses', () => {
  it('reads the class count from the Embedding on the label input', async () => {
    expect(modelNumClasses(embedGen)).toBe(7);
    expect(modelNumClasses(concatGen)).toBeNull();
    const { images, labels } = await sampleGenerator(embedGen, { n: 14 });
    expect(Array.from(labels!)).toEqual([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6]);
    images.dispose();
    const rep = await evaluateGenerator(embedGen, { n: 28, diversityPairs: 0, baseline: false });
    expect(rep.perClass.map((c) => [c.label, c.n])).toEqual([0, 1, 2, 3, 4, 5, 6].map((c) => [c, 4]));
    const r = await recognizableShare(embedGen, { n: 14, baseline: false });
    expect(r.requestedShare).toBeDefined();
  });

  it('asks for numClasses when the model does not tell it', async () => {
    const want = (fn: string) => `${fn}: the generator has 2 inputs (latent and label) but its number of classes is unknown `
      + '(no numClasses option, none in meta, no Embedding layer on the label input); pass { numClasses: K }, the number of classes it was trained on.';
    await expect(evaluateGenerator(concatGen, { n: 10, baseline: false })).rejects.toThrow(want('evaluateGenerator'));
    await expect(sampleGenerator({ model: concatGen, meta: { latentDim: 8, numClasses: 0 } }, { n: 10 })).rejects.toThrow(want('sampleGenerator'));
    await expect(recognizableShare(concatGen, { n: 10 })).rejects.toThrow(want('recognizableShare'));
    await expect(sampleGenerator(embedGen, { n: 10, numClasses: 0 })).rejects.toThrow('sampleGenerator: numClasses is 0 but the generator has 2 inputs (latent and label); pass { numClasses: K }');
    const ok = await sampleGenerator(concatGen, { n: 6, numClasses: 3 });
    expect(Array.from(ok.labels!)).toEqual([0, 1, 2, 0, 1, 2]);
    ok.images.dispose();
  });
});

describe('option names and values are checked', () => {
  it('unknown names get a did-you-mean hint; wrong types and ranges name the field', async () => {
    await expect(evaluateImages(mnist, { baselin: false } as never)).rejects.toThrow('Unknown evaluateImages option "baselin". Did you mean baseline? Known: dataset, range, labels, train,');
    await expect(evaluateGenerator(embedGen, { seeds: 1 } as never)).rejects.toThrow('Unknown evaluateGenerator option "seeds". Did you mean seed?');
    await expect(evaluateGenerator(embedGen, { n: '100' } as never)).rejects.toThrow('Expected evaluateGenerator option n a finite number (samples); got "100" (a string).');
    await expect(evaluateGenerator(embedGen, { labels: new Int32Array(4) } as never)).rejects.toThrow('Unknown evaluateGenerator option "labels".');
    await expect(evaluateImages(mnist, { range: [1, -1] })).rejects.toThrow('Expected evaluateImages option range as [min, max], two finite numbers with min < max (e.g. [-1, 1] for tanh outputs, [0, 1] for loadDataset images); got [1,-1].');
    await expect(evaluateImages(mnist, { diversityPairs: -1 })).rejects.toThrow('Expected evaluateImages option diversityPairs >= 0 (0 skips it); got -1.');
    await expect(evaluateImages(mnist, { dataset: 'cifar' as never })).rejects.toThrow('Expected evaluateImages option dataset one of "mnist", "fashion-mnist", "emoji"; got "cifar".');
    await expect(sampleGenerator(embedGen, { truncation: 0 })).rejects.toThrow('Expected sampleGenerator option truncation a number > 0 (Infinity for none); got 0.');
    await expect(sampleGenerator(embedGen, { labelWeights: 3 as never })).rejects.toThrow('Expected sampleGenerator option labelWeights an array or typed array; got 3.');
    await expect(recognizableShare(embedGen, { thresold: 0.5 } as never)).rejects.toThrow('Unknown recognizableShare option "thresold". Did you mean threshold?');
    await expect(frechetClassifierDistance(mnist, { refrence: mnist } as never)).rejects.toThrow('Unknown frechetClassifierDistance option "refrence". Did you mean reference?');
    await expect(kernelClassifierDistance(mnist, { subset: 4 } as never)).rejects.toThrow('Unknown kernelClassifierDistance option "subset". Did you mean subsets?');
    expect(() => memorization(mnist, mnist, { trainrange: [0, 1] } as never)).toThrow('Unknown memorization option "trainrange". Did you mean trainRange?');
  });

  it('every option the notebooks pass still works (Infinity truncation, typed labelWeights, train as a Dataset)', async () => {
    const ds = await loadDataset('mnist', { limit: 60 });
    const rep = await evaluateGenerator(embedGen, {
      dataset: 'mnist', n: 28, seed: 0, numClasses: 7, labelWeights: new Float64Array([1, 1, 1, 1, 1, 1, 2]), truncation: Infinity,
      diversityPairs: 0, baseline: false, train: ds, name: 'cond', batchSize: 10, latentDim: 8, k: 3, gridSize: 4, range: [-1, 1],
    });
    expect(rep.scores.name).toBe('cond');
    expect(rep.perClass.find((c) => c.label === 6)!.n).toBe(7);   // 28 · 2/8
    expect(Number.isFinite(rep.scores.memorizationMedian)).toBe(true);
    ds.dispose();
  });
});

const scores = (over: Partial<EvaluationScores>): EvaluationScores => ({
  name: 'images', dataset: 'emoji', n: 200, seed: 0, classifierScore: 3, fcd: 14, kcd: 49.3644, kcdStd: 32.0364, precision: 0.83, recall: 0.88,
  msSsimDiversity: NaN, memorizationMedian: NaN, memorizationMin: NaN, numClasses: 9, featureSpread: 1, ...over,
});
const reportOf = (s: EvaluationScores, b: EvaluationScores | null) => new EvaluationReport(s, [], { data: new Float32Array(0), shape: [0, 1, 1, 1] }, null, b);

describe('the report says when a number is not to be read as usual', () => {
  it('collapsed samples: blank images and uniform noise read precision ~1, and the report says it is not meaningful', async () => {
    const blank = tf.ones([200, 32, 32, 3]) as Tensor4D;
    const rep = await evaluateImages(blank, { dataset: 'emoji', baseline: false, diversityPairs: 0 });
    blank.dispose();
    expect(rep.scores.precision).toBe(1);
    expect(rep.scores.recall).toBe(0);
    expect(rep.scores.featureSpread!).toBeLessThan(1e-6);
    expect(rep.toText()).toContain('note: precision 1.000 is not meaningful here: the samples look collapsed (recall 0.000; feature spread 0.000 of the real features\')');
    expect(String((await rep.toMimeBundle())['text/html'])).toContain('<p><i>Note: precision 1.000 is not meaningful here');
    const noise = tf.randomUniform([200, 32, 32, 3], 0, 1, 'float32', 1) as Tensor4D;
    const nz = await evaluateImages(noise, { dataset: 'emoji', baseline: false, diversityPairs: 0 });
    noise.dispose();
    expect(nz.scores.precision).toBeGreaterThan(0.9);
    expect(nz.notes.some((n) => n.startsWith(`precision ${nz.scores.precision.toFixed(3)} is not meaningful here: the samples look collapsed (recall 0.000`))).toBe(true);
    // real images: spread ~1, recall high, no such note
    const real = await evaluateImages(emoji, { dataset: 'emoji', baseline: false, diversityPairs: 0 });
    expect(real.scores.featureSpread!).toBeGreaterThan(0.5);
    expect(real.notes.join('\n')).not.toContain('precision');
  });

  it('recall far below the baseline\'s counts as collapse too; the notes rule in numbers', () => {
    expect(reportNotes(scores({ recall: 0.2 }), scores({ recall: 0.85 }))[0]).toMatch(/^precision 0\.830 is not meaningful here: the samples look collapsed \(recall 0\.200 against the real images' 0\.850\)/);
    expect(reportNotes(scores({ recall: 0.3 }), scores({ recall: 0.85 })).join()).not.toContain('precision');
    expect(reportNotes(scores({ featureSpread: 0.05 }), null)[0]).toContain('(feature spread 0.050 of the real features\')');
  });

  it('KID: a note when it is negative, and when its spread over subsets exceeds it; none otherwise', () => {
    const neg = reportOf(scores({ kcd: -8.6204, kcdStd: 2.9411 }), scores({ name: 'real', kcd: 11.4168, kcdStd: 18.7647 })).toText();
    expect(neg).toMatch(/kernel classifier distance \(KID\)\s+-8\.6204 ± 2\.9411/);
    expect(neg).toContain('note: KID is negative (images: -8.6204 ± 2.9411): the unbiased estimator scatters around its true value, which is ≥ 0, and falls below 0 at small n');
    expect(neg).toContain('note: KID\'s spread over its subsets exceeds its value (real baseline: 11.4168 ± 18.7647): not distinguishable from 0 at n = 200');
    expect(reportNotes(scores({}), scores({ kcd: 20, kcdStd: 5 }))).toEqual([]);
    expect(reportNotes(scores({ kcd: 1, kcdStd: 1.5 }), null)).toEqual([expect.stringContaining('(images: 1.0000 ± 1.5000): not distinguishable from 0 at n = 200')]);
  });
});

describe('emoji training images over a non-white background', () => {
  it('borderBackground reads the background from the border ring', () => {
    const white = tf.ones([3, 8, 8, 3]) as Tensor4D;
    const framed = tf.tidy(() => tf.zeros([3, 6, 6, 3]).pad([[0, 0], [1, 1], [1, 1], [0, 0]], 1) as Tensor4D); // white frame, black centre
    const black = tf.zeros([3, 8, 8, 3]) as Tensor4D;
    expect(borderBackground(white)).toEqual({ whiteShare: 1, rgb: [1, 1, 1] });
    expect(borderBackground(framed).whiteShare).toBe(1);
    expect(borderBackground(black)).toEqual({ whiteShare: 0, rgb: [0, 0, 0] });
    tf.dispose([white, framed, black]);
  });

  it('a black-background train set: the report says the scores compare different backgrounds; white: no note', async () => {
    const black = await loadDataset('emoji', { size: 32, background: 'black' });
    const some = black.shuffle(5).take(200);
    const rep = await evaluateImages(some.images, { dataset: 'emoji', train: black, baseline: false, diversityPairs: 0 });
    expect(rep.scores.trainBorder!.whiteShare).toBeLessThan(0.05);
    expect(rep.scores.fcd).toBeGreaterThan(50);   // ~150 against ~10 over white: the number is about the background
    expect(rep.toText()).toMatch(/note: the training images \(train\) are over a non-white background \(\d+% of their border pixels near white; mean border colour 0\.\d\d, 0\.\d\d, 0\.\d\d\), but the emoji classifier and its reference statistics are of emoji over white/);
    expect(rep.toText()).toContain('Evaluate a generator trained on loadDataset(\'emoji\', { size: 32 }) (default background \'white\')');
    expect(Number.isFinite(rep.scores.memorizationMedian)).toBe(true);   // the memorization check still runs
    black.dispose();
    some.dispose();
    const first = emoji.slice([0, 0, 0, 0], [100, 32, 32, 3]) as Tensor4D;
    const white = await evaluateImages(first, { dataset: 'emoji', train: emoji, baseline: false, diversityPairs: 0 });
    first.dispose();
    expect(white.scores.trainBorder!.whiteShare).toBeGreaterThan(0.7);
    expect(white.toText()).not.toContain('non-white background');
  });
});
