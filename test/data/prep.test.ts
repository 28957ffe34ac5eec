import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { Dataset } from '../../lib/data/dataset';
import { loadDataset } from '../../lib/data/load';
import { oneHot, scaleTo, shuffle, split } from '../../lib/data/prep';
import { batchCount, batches } from '../../lib/data/batches';
import { permutation, seededRandom } from '../../lib/data/random';

let ds: Dataset;
beforeAll(async () => { ds = await loadDataset('digits'); });

describe('seeded randomness', () => {
  it('is reproducible and a true permutation', () => {
    expect(seededRandom(42).next()).toBe(seededRandom(42).next());
    expect(seededRandom(42).next()).not.toBe(seededRandom(43).next());
    const p = permutation(1000, 3);
    expect(Array.from(p)).toEqual(Array.from(permutation(1000, 3)));
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p.subarray(0, 20))).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('scaleTo and oneHot', () => {
  it('maps [0,1] to [-1,1] and back', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor4d([0, 0.25, 0.5, 1], [1, 2, 2, 1]);
    const y = scaleTo(x, '[-1,1]');
    expect(Array.from(y.dataSync())).toEqual([-1, -0.5, 0, 1]);
    const z = scaleTo(y, '[0,1]', '[-1,1]');
    expect(Array.from(z.dataSync())).toEqual([0, 0.25, 0.5, 1]);
    const d = scaleTo(ds.take(3), '[-1,1]') as Tensor4D;
    expect(d.shape).toEqual([3, 8, 8, 1]);
    expect(tf.tidy(() => [d.min().dataSync()[0], d.max().dataSync()[0]])).toEqual([-1, 1]);
    tf.dispose([x, y, z, d]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('one-hot encodes labels', () => {
    const before = tf.memory().numTensors;
    const a = oneHot([0, 2, 1], 3);
    expect(a.arraySync()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    const b = oneHot(ds);
    expect(b.shape).toEqual([1797, 10]);
    expect(Array.from(tf.tidy(() => b.sum(0).dataSync()))).toEqual(ds.classCounts());
    expect(() => oneHot([0, 3], 3)).toThrow('oneHot: label 3 at index 1 is not an integer in 0..2');
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('shuffle and split', () => {
  it('shuffle keeps images with their labels, reproducibly', () => {
    const a = shuffle(ds, 7), b = ds.shuffle(7), c = ds.shuffle(8);
    expect(Array.from(a.labels!)).toEqual(Array.from(b.labels!));
    expect(Array.from(a.labels!)).not.toEqual(Array.from(c.labels!));
    expect(a.classCounts()).toEqual(ds.classCounts());
    const p = permutation(ds.size, 7);
    expect(Array.from(a.pixels.subarray(0, 64))).toEqual(Array.from(ds.pixels.subarray(p[0] * 64, p[0] * 64 + 64)));
    expect(a.labels![0]).toBe(ds.labels![p[0]]);
  });

  it('split is disjoint, complete and seeded', () => {
    const { train, val } = split(ds, 0.2, 1);
    expect(val.size).toBe(359); // round(1797 * 0.2)
    expect(train.size).toBe(1438);
    const counts = train.classCounts().map((n, i) => n + val.classCounts()[i]);
    expect(counts).toEqual(ds.classCounts());
    expect(Array.from(ds.split(0.2, 1).val.labels!)).toEqual(Array.from(val.labels!));
    expect(() => ds.split(1.5, 1)).toThrow('valFraction must be in [0, 1]; got 1.5');
  });
});

describe('batches', () => {
  it('streams every image once per epoch, in [-1,1], without building the whole-set tensor', () => {
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    let n = 0;
    for (const b of batches(ds, { batchSize: 100, seed: 5, range: '[-1,1]' })) {
      n++;
      expect(b.images.shape.slice(1)).toEqual([8, 8, 1]);
      expect(b.labels!.shape).toEqual([b.images.shape[0]]);
      const [lo, hi] = tf.tidy(() => [b.images.min().dataSync()[0], b.images.max().dataSync()[0]]);
      expect(lo).toBeGreaterThanOrEqual(-1);
      expect(hi).toBeLessThanOrEqual(1);
      expect(Array.from(b.labels!.dataSync())).toEqual(Array.from(b.indices, (i) => ds.labels![i]));
      seen.push(...b.indices);
      b.images.dispose(); b.labels!.dispose();
    }
    expect(n).toBe(18);
    expect(batchCount(ds, { batchSize: 100 })).toBe(18);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 1797 }, (_, i) => i));
    expect((ds as unknown as { cached: unknown }).cached).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic per (seed, epoch); dropRemainder and no-shuffle work', () => {
    const first = (o: object): number[] => {
      const it = batches(ds, { batchSize: 10, ...o });
      const b = it.next().value!;
      b.images.dispose(); b.labels?.dispose();
      return Array.from(b.indices);
    };
    expect(first({ seed: 1, epoch: 0 })).toEqual(first({ seed: 1, epoch: 0 }));
    expect(first({ seed: 1, epoch: 1 })).not.toEqual(first({ seed: 1, epoch: 0 }));
    expect(first({ shuffle: false })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const sizes = [...batches(ds, { batchSize: 500, dropRemainder: true })].map((b) => { b.images.dispose(); b.labels?.dispose(); return b.indices.length; });
    expect(sizes).toEqual([500, 500, 500]);
  });

  it('augments batches reproducibly when asked', () => {
    const before = tf.memory().numTensors;
    const run = (): number[] => {
      const [b] = batches(ds, { batchSize: 16, seed: 2, range: '[-1,1]', augment: { shift: 0.1, noise: 0.05 } });
      const v = Array.from(b.images.dataSync());
      expect(b.images.shape).toEqual([16, 8, 8, 1]);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
      b.images.dispose(); b.labels?.dispose();
      return v;
    };
    expect(run()).toEqual(run());
    const [plain] = batches(ds, { batchSize: 16, seed: 2, range: '[-1,1]' });
    expect(Array.from(plain.images.dataSync())).not.toEqual(run());
    plain.images.dispose(); plain.labels?.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('batch pixels equal the stored pixels', () => {
    const b = batches(ds, { batchSize: 4, shuffle: false }).next().value!;
    const px = b.images.dataSync();
    expect(px[10]).toBeCloseTo(ds.pixels[10] / 16, 6);
    b.images.dispose(); b.labels?.dispose();
  });
});
