import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { loadDataset } from '../../lib/data/load';
import { EMOJI_CATEGORIES, EMOJI_STYLES, emojiCatalogue } from '../../lib/data/emoji';
import { compositeOver } from '../../lib/data/folder';
import { loadSavedDataset, saveDataset } from '../../lib/data/save';
import { EMOJI_SOURCES } from '../../datasets/registry';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-emoji-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The raw RGBA bytes of one emoji PNG, decoded independently of the loader. */
function rawRgba(style: 'google' | 'twitter', file: string): Int32Array {
  const img = tf.node.decodeImage(fs.readFileSync(path.join(EMOJI_SOURCES[style].dir(), 'img', style, '64', file)), 4, 'int32', false);
  const data = img.dataSync() as Int32Array;
  img.dispose();
  return data;
}

/** Pixel (y, x) of image i of a byte-store dataset, 0-255. */
function pixel(ds: Awaited<ReturnType<typeof loadDataset>>, i: number, y: number, x: number): number[] {
  const [, w] = ds.imageShape;
  const o = i * ds.imageSize + (y * w + x) * 3;
  return Array.from(ds.pixels.subarray(o, o + 3));
}

describe("loadDataset('emoji')", () => {
  it('catalogue: 1,906 emoji in 9 categories (Component left out), 3,781 images per style, 20% of each category held out', () => {
    const cat = emojiCatalogue();
    expect(cat.version).toBe('16.0.0');
    expect(cat.emoji.length).toBe(1906);
    expect(cat.images.length).toBe(3781);
    expect(cat.images.filter((im) => !im.skinTone).length).toBe(1906);
    const test = cat.emoji.filter((e) => e.split === 'test');
    expect(test.length).toBe(382);
    EMOJI_CATEGORIES.forEach((_, k) => {
      const all = cat.emoji.filter((e) => e.category === k).length;
      expect(test.filter((e) => e.category === k).length).toBe(Math.round(all * 0.2));
    });
    expect(cat.emoji.some((e) => e.name === 'skin-tone-2')).toBe(false);
  });

  it('train/test at 32 px, both styles: counts, shapes, labels, styles; splits disjoint by emoji', async () => {
    const train = await loadDataset('emoji', { size: 32 });
    const test = await loadDataset('emoji', { size: 32, split: 'test' });
    expect([train.size, test.size]).toEqual([5998, 1564]);
    expect(train.imageShape).toEqual([32, 32, 3]);
    expect(train.classNames).toEqual(EMOJI_CATEGORIES);
    expect(train.classCounts()).toEqual([270, 3568, 254, 210, 348, 136, 422, 358, 432]);
    expect(test.classCounts()).toEqual([68, 954, 64, 52, 88, 34, 106, 90, 108]);
    for (const ds of [train, test]) {
      expect(ds.attributes.style.names).toEqual([...EMOJI_STYLES]);
      // Order: each variant in google, then twitter.
      expect(Array.from(ds.attributes.style.values.subarray(0, 4))).toEqual([0, 1, 0, 1]);
      expect(ds.attributes.style.values.reduce((a, v) => a + v, 0)).toBe(ds.size / 2);
    }
    const trainEmoji = new Set(train.attributes.emoji.values);
    expect(trainEmoji.size).toBe(1524);
    expect(new Set(test.attributes.emoji.values).size).toBe(382);
    expect(Array.from(test.attributes.emoji.values).some((e) => trainEmoji.has(e))).toBe(false);
    // Every image of one emoji (all skin tones, both styles) carries the emoji's category.
    const thumbsUp = train.attributes.emoji.names.indexOf('+1');
    const inTrain = train.attributes.emoji.values.includes(thumbsUp);
    const ds = inTrain ? train : test;
    const idx = ds.attributes.emoji.values.reduce<number[]>((acc, e, i) => (e === thumbsUp ? [...acc, i] : acc), []);
    expect(idx.length).toBe(12); // base + 5 skin tones, 2 styles
    expect(new Set(idx.map((i) => ds.labels![i]))).toEqual(new Set([EMOJI_CATEGORIES.indexOf('People & Body')]));
  });

  it("pixels: 'grinning' at 64 px equals its PNG composited over white/black/[r,g,b]; 32 px is the 2x2 box mean", async () => {
    const cat = emojiCatalogue();
    const k = cat.emoji.findIndex((e) => e.name === 'grinning');
    expect(cat.emoji[k].category).toBe(0);
    const split = cat.emoji[k].split;
    for (const style of EMOJI_STYLES) {
      const rgba = rawRgba(style, '1f600.png');
      // A pixel with partial alpha, found in the raw file: the composite must follow out = rgb·a + bg·(1 − a).
      let edge = -1;
      for (let p = 0; p < 64 * 64 && edge < 0; p++) if (rgba[p * 4 + 3] > 20 && rgba[p * 4 + 3] < 235) edge = p;
      expect(edge).toBeGreaterThan(0);
      for (const [background, bg] of [['white', [255, 255, 255]], ['black', [0, 0, 0]], [[10, 200, 30], [10, 200, 30]]] as const) {
        // Uncached, so only the images returned are decoded (and no cache file per background is left behind).
        const ds = await loadDataset('emoji', { split, styles: [style], background: background as never, skinTones: false, limit: 1, cache: false });
        const i = ds.attributes.emoji.values.indexOf(k);
        expect(i).toBe(0); // grinning is the first emoji in Unicode order
        expect(ds.classNames[ds.labels![i]]).toBe('Smileys & Emotion');
        expect(pixel(ds, i, 0, 0)).toEqual(bg); // transparent corner
        const ey = Math.floor(edge / 64), ex = edge % 64, a = rgba[edge * 4 + 3] / 255;
        expect(pixel(ds, i, ey, ex)).toEqual([0, 1, 2].map((c) => Math.round(rgba[edge * 4 + c] * a + bg[c] * (1 - a))));
      }
      // Opaque centre: the PNG's own colour (Noto's yellow is 253, 224, 48).
      const white = await loadDataset('emoji', { split, styles: [style], skinTones: false });
      const i = white.attributes.emoji.values.indexOf(k);
      expect(pixel(white, i, 32, 32)).toEqual(Array.from(rgba.subarray(32 * 256 + 32 * 4, 32 * 256 + 32 * 4 + 3)));
      if (style === 'google') expect(pixel(white, i, 32, 32)).toEqual([253, 224, 48]);
      const small = await loadDataset('emoji', { split, styles: [style], skinTones: false, size: 32 });
      const full = compositeOver(rgba, 4, [255, 255, 255]);
      for (const [y, x] of [[8, 5], [16, 16], [3, 20]]) {
        const box = [0, 1, 2].map((c) => ([[0, 0], [0, 1], [1, 0], [1, 1]] as const)
          .reduce((s, [dy, dx]) => s + full[((2 * y + dy) * 64 + 2 * x + dx) * 3 + c], 0) / 4);
        pixel(small, i, y, x).forEach((v, c) => expect(Math.abs(v - box[c])).toBeLessThanOrEqual(0.5));
      }
    }
  });

  it('a cold (uncached) load equals the cached one byte for byte; limit, skinTones, style order', async () => {
    const cold = await loadDataset('emoji', { size: 32, styles: ['twitter'], split: 'test', cache: false });
    const warm = await loadDataset('emoji', { size: 32, styles: ['twitter'], split: 'test' });
    expect(cold.size).toBe(782);
    expect(cold.labels).toEqual(warm.labels);
    expect(cold.attributes.emoji.values).toEqual(warm.attributes.emoji.values);
    expect(Buffer.from(cold.pixels).equals(Buffer.from(warm.pixels))).toBe(true);
    const swapped = await loadDataset('emoji', { size: 32, styles: ['twitter', 'google'], limit: 4 });
    expect(swapped.size).toBe(4);
    expect(Array.from(swapped.attributes.style.values)).toEqual([1, 0, 1, 0]);
    const base = await loadDataset('emoji', { size: 32, skinTones: false });
    expect(base.size).toBe(1524 * 2);
  });

  it('attributes survive subset/split/shuffle and saveDataset → loadDataset', async () => {
    const ds = await loadDataset('emoji', { size: 32, split: 'test', limit: 20 });
    const sub = ds.subset([3, 0]);
    expect(Array.from(sub.attributes.style.values)).toEqual([ds.attributes.style.values[3], ds.attributes.style.values[0]]);
    expect(ds.split(0.5, 1).val.attributes.emoji.values.length).toBe(10);
    saveDataset(ds, path.join(tmp, 'saved'));
    const back = loadSavedDataset(path.join(tmp, 'saved'));
    expect(back.attributes.style).toEqual({ names: ['google', 'twitter'], values: ds.attributes.style.values });
    expect(back.attributes.emoji.values).toEqual(ds.attributes.emoji.values);
  });

  it('errors name the bad option and what is accepted', async () => {
    await expect(loadDataset('emoji', { size: 28 })).rejects.toThrow("loadDataset('emoji'): size must be 32 or 64; got 28.");
    await expect(loadDataset('emoji', { styles: ['apple' as never] })).rejects.toThrow(/unknown style "apple"; expected 'google' or 'twitter' \(Apple and Facebook .* not freely licensed/);
    await expect(loadDataset('emoji', { styles: [] })).rejects.toThrow(/styles must be a non-empty array/);
    await expect(loadDataset('emoji', { styles: ['google', 'google'] })).rejects.toThrow(/lists a style twice/);
    await expect(loadDataset('emoji', { channels: 1 })).rejects.toThrow(/emoji are colour images/);
    await expect(loadDataset('emoji', { split: 'val' as never })).rejects.toThrow(/split must be 'train' or 'test'; got "val"/);
    await expect(loadDataset('emoji', { background: 'red' as never })).rejects.toThrow(/Expected background 'white', 'black' or \[r, g, b\] in 0-255; got "red"/);
    await expect(loadDataset('emoji', { background: [0, 0, 300] })).rejects.toThrow(/in 0-255; got \[0,0,300\]/);
    await expect(loadDataset('emoji', { limit: 0 })).rejects.toThrow(/limit must be a positive integer/);
    await expect(loadDataset('mnist-1k', { styles: ['google'] })).rejects.toThrow(/styles only apply to 'emoji'/);
    await expect(loadDataset('mnist-1k', { background: 'black' })).rejects.toThrow(/background only applies to 'emoji' and image folders/);
  });
});
