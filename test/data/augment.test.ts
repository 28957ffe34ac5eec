import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { augment, augmentDataset, augmentPreview } from '../../lib/data/augment';
import type { Dataset } from '../../lib/data/dataset';
import { loadDataset } from '../../lib/data/load';
import { toMimeBundle } from '../../lib/display/show';

let ds: Dataset;
let x: Tensor4D;
beforeAll(async () => {
  ds = await loadDataset('mnist-1k', { limit: 32 });
  x = ds.gather(Array.from({ length: 32 }, (_, i) => i));
});

const all = { flipHorizontal: true, flipVertical: true, shift: 0.1, rotate: 15, noise: 0.05 };

describe('augment', () => {
  it('keeps shapes and range, and is deterministic under a seed', () => {
    const before = tf.memory().numTensors;
    const a = augment(x, all, 42), b = augment(x, all, 42), c = augment(x, all, 43);
    expect(a.shape).toEqual([32, 28, 28, 1]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    const [lo, hi] = tf.tidy(() => [a.min().dataSync()[0], a.max().dataSync()[0]]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with no options, returns the images unchanged', () => {
    const a = augment(x, {}, 1);
    expect(Array.from(a.dataSync())).toEqual(Array.from(x.dataSync()));
    a.dispose();
  });

  it('flips are exact mirrors, chosen per image', () => {
    const a = augment(x, { flipHorizontal: true }, 7);
    const mirrored = tf.tidy(() => tf.reverse(x, 2).dataSync());
    const orig = x.dataSync(), got = a.dataSync();
    let flipped = 0;
    for (let i = 0; i < 32; i++) {
      const img = Array.from(got.subarray(i * 784, (i + 1) * 784));
      const same = img.every((v, p) => Math.abs(v - orig[i * 784 + p]) < 1e-6);
      const mirror = img.every((v, p) => Math.abs(v - mirrored[i * 784 + p]) < 1e-6);
      expect(same || mirror).toBe(true);
      if (mirror && !same) flipped++;
    }
    expect(flipped).toBeGreaterThan(5);
    expect(flipped).toBeLessThan(27);
    a.dispose();
  });

  it('shifts and small rotations move ink but keep most of it', () => {
    const a = augment(x, { shift: 0.1, rotate: 10 }, 3);
    const [inkBefore, inkAfter, diff] = tf.tidy(() => [x.sum().dataSync()[0], a.sum().dataSync()[0], a.sub(x).abs().mean().dataSync()[0]]);
    expect(inkAfter / inkBefore).toBeGreaterThan(0.85);
    expect(inkAfter / inkBefore).toBeLessThan(1.1);
    expect(diff).toBeGreaterThan(0.02);
    a.dispose();
  });

  it('noise has the requested standard deviation', () => {
    const grey = tf.fill([4, 28, 28, 1], 0.5) as Tensor4D;
    const a = augment(grey, { noise: 0.05 }, 9);
    const std = tf.tidy(() => tf.moments(a.sub(grey)).variance.sqrt().dataSync()[0]);
    expect(std).toBeCloseTo(0.05, 2);
    tf.dispose([grey, a]);
  });

  it('augmentDataset and the preview', async () => {
    const before = tf.memory().numTensors;
    const aug = augmentDataset(ds, all, 1);
    expect(aug.size).toBe(32);
    expect(Array.from(aug.labels!)).toEqual(Array.from(ds.labels!));
    expect(Array.from(augmentDataset(ds, all, 1).pixels)).toEqual(Array.from(aug.pixels));
    const p = augmentPreview(ds, all, { n: 6, rows: 3, seed: 2 });
    expect(p.before.shape).toEqual([6, 28, 28, 1]);
    expect(p.after.shape).toEqual([18, 28, 28, 1]);
    const bundle = await toMimeBundle(p);
    const png = Buffer.from(bundle['image/png'] as Uint8Array);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(String(bundle['text/plain'])).toContain('row 1 = 6 originals; rows 2-4 = augmented');
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
