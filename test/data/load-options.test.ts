/**
 * loadDataset's options as users type them: unknown names (with a "did you mean"), values of the
 * wrong type printed as given, emoji's `limit` in Unicode order, and the documented near-duplicates
 * between emoji's train and test splits.
 */
import * as crypto from 'crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadDataset } from '../../lib/data/load';
import { EMOJI_CATEGORIES, loadEmoji } from '../../lib/data/emoji';
import type { Dataset } from '../../lib/data/dataset';
import { captureWarnings } from '../helpers/warnings';

afterEach(() => { vi.restoreAllMocks(); });

/** The message a load rejects with, or 'resolved' (so a failing check never formats a whole dataset). */
const errorOf = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: Error) => e.message);

describe('loadDataset: option names are checked', () => {
  it('an unknown name is an error with a "did you mean", for every source', async () => {
    expect(await errorOf(loadDataset('emoji', { style: ['google'] } as never))).toContain(
      'Unknown loadDataset option "style". Did you mean styles? Known: split, limit, size, channels, styles, skinTones, cache, background.');
    expect(await errorOf(loadDataset('emoji', { skintones: false } as never))).toContain('Unknown loadDataset option "skintones". Did you mean skinTones?');
    expect(await errorOf(loadDataset('mnist-1k', { limt: 5 } as never))).toContain('Unknown loadDataset option "limt". Did you mean limit?');
    expect(await errorOf(loadEmoji({ sise: 32 } as never))).toContain('Unknown loadDataset(\'emoji\') option "sise". Did you mean size?');
  });

  it('every option the notebooks, scripts and tests pass still loads', async () => {
    const mnist = await loadDataset('mnist-1k', { split: 'train', limit: 32, size: 28, channels: 1 });
    expect(mnist.size).toBe(32);
    const warnings = captureWarnings();
    const emoji = await loadDataset('emoji', {
      size: 32, split: 'test', skinTones: false, limit: 288, styles: ['google', 'twitter'], background: 'white', cache: true, channels: 3,
    });
    expect(emoji.imageShape).toEqual([32, 32, 3]);
    expect(emoji.size).toBe(288);
    expect(warnings.length).toBe(1); // 288 of 764 in Unicode order: the limit warning (below), nothing else
  });
});

describe('loadDataset: values are printed as given', () => {
  it("size: '32' (a string) shows as \"32\" (a string), not as 32", async () => {
    expect(await errorOf(loadDataset('emoji', { size: '32' as never }))).toContain('Expected loadDataset option size a finite number; got "32" (a string).');
    expect(await errorOf(loadEmoji({ size: '32' as never }))).toContain('Expected loadDataset(\'emoji\') option size a finite number; got "32" (a string).');
    expect(await errorOf(loadDataset('emoji', { size: 28 as never }))).toContain("loadDataset('emoji'): size must be 32 or 64; got 28.");
    expect(await errorOf(loadDataset('emoji', { styles: [1 as never] }))).toMatch(/unknown style 1; expected 'google' or 'twitter'/);
    expect(await errorOf(loadDataset('digits', { limit: 2.5 }))).toContain('limit must be a positive integer; got 2.5.');
    expect(await errorOf(loadDataset('emoji', { channels: 4 as never }))).toMatch(/emoji are colour images \(channels 3\); got channels: 4\./);
  });
});

describe("loadDataset('emoji'): limit", () => {
  it('keeps the first images in Unicode order, and warns naming the categories it leaves empty and ds.shuffle(seed).take(n)', async () => {
    const warnings = captureWarnings();
    const first = await loadDataset('emoji', { size: 32, limit: 100 });
    expect(first.classCounts()).toEqual([100, 0, 0, 0, 0, 0, 0, 0, 0]); // documented meaning kept: all Smileys
    expect(warnings).toEqual([
      "loadDataset('emoji'): limit 100 keeps the first 100 images in Unicode order, which leaves 8 of 9 categories empty "
      + `(${EMOJI_CATEGORIES.slice(1).join(', ')}). For a sample across categories load without limit and take a seeded one: `
      + "(await loadDataset('emoji', …)).shuffle(seed).take(100)."]);
    // The remedy it names exists and does what it says.
    warnings.length = 0;
    const sample = (await loadDataset('emoji', { size: 32 })).shuffle(1).take(100);
    expect(sample.classCounts().filter((c) => c > 0).length).toBeGreaterThanOrEqual(8);
    expect(warnings).toEqual([]); // no limit, no warning
    await loadDataset('emoji', { size: 32, split: 'test', limit: 1560 }); // every category still present
    expect(warnings).toEqual([]);
  });
});

describe("loadDataset('emoji'): the documented near-duplicates across the split", () => {
  const hash = (ds: Dataset, i: number) => crypto.createHash('md5').update(ds.pixels.subarray(i * ds.imageSize, (i + 1) * ds.imageSize)).digest('hex');
  it('8 of the 1,564 test images at 32 px equal a training image pixel for pixel (datasets/README.md)', async () => {
    const train = await loadDataset('emoji', { size: 32 }), test = await loadDataset('emoji', { size: 32, split: 'test' });
    const seen = new Map<string, number>();
    for (let i = 0; i < train.size; i++) seen.set(hash(train, i), i);
    const names = train.attributes.emoji.names, style = (ds: Dataset, i: number) => ds.attributes.style.names[ds.attributes.style.values[i]];
    const dup: string[] = [];
    for (let i = 0; i < test.size; i++) if (seen.has(hash(test, i))) dup.push(`${names[test.attributes.emoji.values[i]]}/${style(test, i)}`);
    expect(dup.sort()).toEqual(['flag-bv/google', 'flag-sj/google', 'flag-sj/twitter', 'fr/google', 'fr/twitter',
      'man-woman-girl-girl/twitter', 'woman-girl-boy/twitter', 'woman-girl/twitter']);
  });
});
