import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor2D, type Tensor4D } from '../../lib/backend';
import { loadDataset } from '../../lib/data/load';
import { classAccuracy, classify, loadClassifier } from '../../lib/metrics/classifier';
import { recognizableShare } from '../../lib/metrics/recognizable';

let real: Tensor4D;
let labels: Int32Array;
beforeAll(async () => {
  const test = await loadDataset('mnist', { split: 'test', limit: 400 });
  real = test.images.clone();
  labels = test.labels!;
});
afterAll(() => real.dispose());

// A "generator" that returns the i-th real test image for the i-th latent code, in [-1, 1].
const replay = (z: Tensor2D) => tf.tidy(() => real.slice([0, 0, 0, 0], [z.shape[0], 28, 28, 1]).mul(2).sub(1) as Tensor4D);

describe('recognizableShare', () => {
  it('equals the share computed by hand from the classifier on the same images', async () => {
    const clf = await loadClassifier('mnist');
    const { probs } = classify(clf, real);
    let hand = 0;
    for (let i = 0; i < 400; i++) if (Math.max(...probs.subarray(i * 10, i * 10 + 10)) >= 0.9) hand++;
    const before = tf.memory().numTensors;
    const r = await recognizableShare(replay, { latentDim: 4, n: 400, batchSize: 400 }); // one batch: replay restarts at image 0 per call
    expect(tf.memory().numTensors).toBe(before);
    expect(r.share).toBeCloseTo(hand / 400, 10);
    expect(r.share).toBeGreaterThan(0.9); // real digits are recognizable
    expect(r.n).toBe(400);
    expect(r.classCounts.reduce((a, b) => a + b, 0)).toBe(400);
    // the histogram follows the true labels (99.5% classifier)
    const truth = new Array(10).fill(0);
    for (const l of labels) truth[l]++;
    r.classCounts.forEach((c, d) => expect(Math.abs(c - truth[d])).toBeLessThanOrEqual(3));
    expect((await recognizableShare(replay, { latentDim: 4, n: 400, batchSize: 400, threshold: 0 })).share).toBe(1);
  });

  it('scores a conditional generator against the requested classes, and noise as unrecognizable', async () => {
    const byClass: number[][] = Array.from({ length: 10 }, () => []);
    labels.forEach((l, i) => byClass[l].push(i));
    // asked for class c, returns a real image of class c (or of class c+1: a wrong conditional model)
    const cond = (shift: number) => (z: Tensor2D, y?: Tensor2D) => tf.tidy(() => {
      const want = Array.from(y!.dataSync(), (c, i) => byClass[(c + shift) % 10][i % byClass[(c + shift) % 10].length]);
      return tf.gather(real, want).mul(2).sub(1) as Tensor4D;
    });
    const right = await recognizableShare(cond(0), { latentDim: 4, numClasses: 10, n: 200 });
    const wrong = await recognizableShare(cond(1), { latentDim: 4, numClasses: 10, n: 200 });
    expect(right.requestedShare).toBeGreaterThan(0.9);
    expect(wrong.requestedShare).toBeLessThan(0.05);
    expect(wrong.share).toBeGreaterThan(0.9); // confident, just not what was asked for
    const flat = await recognizableShare(() => tf.zeros([100, 28, 28, 1]).sub(1) as Tensor4D, { latentDim: 4, n: 100 });
    expect(flat.classCounts.filter((c) => c > 0)).toHaveLength(1); // every blank image gets the same answer
    await expect(recognizableShare(replay, { latentDim: 4, threshold: 1.5 })).rejects.toThrow(/threshold in \[0, 1\]; got 1\.5/);
  });
});

describe('classAccuracy', () => {
  it('is the per-class share of rows whose top class is their label, NaN for an absent class; a label count mismatch is refused', () => {
    // 3 classes; rows: label 0 right, label 0 wrong (top 1), label 1 right, label 1 right
    const probs = Float32Array.from([0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.2, 0.5, 0.3]);
    const acc = classAccuracy(probs, [0, 0, 1, 1], 3);
    expect(acc.slice(0, 2)).toEqual([0.5, 1]);
    expect(Number.isNaN(acc[2])).toBe(true);
    expect(() => classAccuracy(probs, [0, 1], 3)).toThrow(/Expected one label per row of probs \(4 rows\); got 2 labels/);
  });
});
