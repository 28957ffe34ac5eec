/**
 * Image folders at their edges (each case made here, tiny): symbolic links, bad size/channels,
 * grey+alpha in a colour set on both decode paths, empty class folders, truncated files, options
 * that do not apply to a folder.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { tf } from '../../lib/backend';
import { LARGE_IMAGE_PIXELS, loadImageFolder } from '../../lib/data/folder';
import { loadDataset } from '../../lib/data/load';
import { saveDataset } from '../../lib/data/save';
import { Dataset } from '../../lib/data/dataset';
import { captureWarnings } from '../helpers/warnings';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-folder-edges-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => { vi.restoreAllMocks(); });

/** Writes a flat-colour PNG `h x w` with `value.length` channels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
async function flatPng(file: string, h: number, w: number, value: number[]): Promise<void> {
  const t = tf.tidy(() => tf.tile(tf.tensor3d(value, [1, 1, value.length], 'int32'), [h, w, 1]));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await tf.node.encodePng(t as never));
  t.dispose();
}

/** Pixel (y, x) of image i of a dataset, 0-255. */
function pixel(ds: Dataset, i: number, y = 0, x = 0): number[] {
  const [, w, c] = ds.imageShape;
  const o = i * ds.imageSize + (y * w + x) * c;
  return Array.from(ds.pixels.subarray(o, o + c), (v) => (ds.pixels instanceof Uint8Array ? v : Math.round(v * 255)));
}

describe('image folders: symbolic links are followed', () => {
  it('a symlinked file and a symlinked class folder load with their pixels; labels stay right', async () => {
    const b = path.join(tmp, 'B');
    await flatPng(path.join(b, 'cats', 'c1.png'), 8, 8, [10]);
    await flatPng(path.join(b, 'dogs', 'd1.png'), 8, 8, [100]);
    await flatPng(path.join(b, 'dogs', 'd2.png'), 8, 8, [200]);
    fs.symlinkSync('d2.png', path.join(b, 'dogs', 'link.png'));
    await flatPng(path.join(tmp, 'B_real', 'x', 'r1.png'), 8, 8, [50]);
    fs.symlinkSync(path.join('..', 'B_real', 'x'), path.join(b, 'linked'));
    const ds = await loadImageFolder(b);
    expect(ds.classNames).toEqual(['cats', 'dogs', 'linked']);
    expect(Array.from(ds.labels!)).toEqual([0, 1, 1, 1, 2]);
    expect(Array.from({ length: ds.size }, (_, i) => pixel(ds, i)[0])).toEqual([10, 100, 200, 200, 50]); // d1, d2, link → d2
  });

  it('a broken link and a link cycle are skipped and named in a warning, not a crash', async () => {
    const d = path.join(tmp, 'D');
    await flatPng(path.join(d, 'a', 'a1.png'), 8, 8, [30]);
    fs.symlinkSync('nowhere.png', path.join(d, 'a', 'gone.png'));
    fs.symlinkSync('..', path.join(d, 'a', 'loop')); // D/a/loop → D: following it never ends
    fs.symlinkSync('self.png', path.join(d, 'a', 'self.png')); // a link to itself (ELOOP)
    const warnings = captureWarnings();
    const ds = await loadImageFolder(d);
    expect(ds.size).toBe(1);
    expect(pixel(ds, 0)).toEqual([30]);
    expect(warnings.join('\n')).toMatch(/skipped 2 broken symbolic link\(s\) in .*D \(target missing, or links pointing at each other\): a\/gone\.png, a\/self\.png/);
    expect(warnings.join('\n')).toMatch(/skipped 1 symbolic link\(s\) in .*D that lead back to a folder containing them \(a cycle\): a\/loop/);
    // Unlabeled, the same folder: the same links named, the one image loaded.
    warnings.length = 0;
    const flat = await loadImageFolder(path.join(d, 'a'));
    expect(flat.size).toBe(1);
    expect(warnings.join('\n')).toMatch(/cycle\): loop/);
  });
});

describe('image folders: size and channels are checked up front', () => {
  const dir = path.join(tmp, 'small');
  it('channels 4, size 0 / -4 / 7.5 / "32" fail before any file is read, naming the option and the value', async () => {
    await flatPng(path.join(dir, 'a.png'), 16, 16, [1, 2, 3, 255]);
    await expect(loadDataset(dir, { channels: 4 as never })).rejects.toThrow(/expected channels 1 \(grayscale\) or 3 \(RGB\); got 4\. There is no alpha channel/);
    await expect(loadDataset(dir, { size: 0 })).rejects.toThrow(/loadDataset\(".*small"\): expected size a positive integer .*; got 0\. Pass e\.g\. \{ size: 32 \}, or leave size out for the images' median shorter side/);
    await expect(loadDataset(dir, { size: -4 })).rejects.toThrow(/expected size a positive integer .*; got -4\./);
    await expect(loadDataset(dir, { size: 7.5 })).rejects.toThrow(/expected size a positive integer .*; got 7\.5\./);
    await expect(loadImageFolder(dir, { size: 7.5 })).rejects.toThrow(/loadImageFolder\(".*small"\): expected size a positive integer/);
    await expect(loadImageFolder(dir, { channels: 2 as never })).rejects.toThrow(/got 2\./);
    await expect(loadDataset(dir, { size: '32' as never })).rejects.toThrow('Expected loadDataset option size a finite number; got "32" (a string).');
    // Named sets too: no raw TensorFlow error, no 4-channel tile.
    await expect(loadDataset('digits', { size: 0 })).rejects.toThrow(/loadDataset\("digits"\): expected size a positive integer .*; got 0\. .*the native size/);
    await expect(loadDataset('digits', { channels: 4 as never })).rejects.toThrow(/loadDataset\("digits"\): expected channels 1 \(grayscale\) or 3 \(RGB\); got 4/);
  });
});

describe('image folders: grey + alpha in a colour set', () => {
  it('composites over the background colour (not its luminance), the same on the small and the large-image path', async () => {
    // Half-transparent grey 100 (alpha 128) over blue: 100·a + bg·(1 − a), a = 128/255 → [50, 50, 177].
    const small = path.join(tmp, 'ga-small'), large = path.join(tmp, 'ga-large');
    await flatPng(path.join(small, 'g.png'), 64, 64, [100, 128]);
    const side = 2100;
    expect(side * side).toBeGreaterThan(LARGE_IMAGE_PIXELS); // the @napi-rs/canvas path
    await flatPng(path.join(large, 'g.png'), side, side, [100, 128]);
    const opts = { channels: 3 as const, background: [0, 0, 255] as [number, number, number], size: 16 };
    const a = await loadDataset(small, opts), b = await loadDataset(large, opts);
    expect(pixel(a, 0, 5, 5)).toEqual([50, 50, 177]);
    expect(pixel(b, 0, 5, 5)).toEqual([50, 50, 177]);
    // Grey output: both composite over the background, then take luminance: 65 and 64 (rounding apart).
    const ga = await loadDataset(small, { ...opts, channels: 1 }), gb = await loadDataset(large, { ...opts, channels: 1 });
    expect(Math.abs(pixel(ga, 0, 5, 5)[0] - 64.6)).toBeLessThan(1);
    expect(Math.abs(pixel(gb, 0, 5, 5)[0] - 64.6)).toBeLessThan(1);
  }, 60_000);
});

describe('image folders: what is skipped or broken is named', () => {
  it('an empty class folder is reported by name (and is no class)', async () => {
    const dir = path.join(tmp, 'F');
    await flatPng(path.join(dir, 'a', 'a.png'), 8, 8, [90]);
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.mkdirSync(path.join(dir, 'notes'));
    fs.writeFileSync(path.join(dir, 'notes', 'readme.txt'), 'not an image');
    const warnings = captureWarnings();
    const ds = await loadDataset(dir);
    expect(ds.classNames).toEqual(['a']);
    expect(warnings).toEqual([expect.stringMatching(/skipped 2 class folder\(s\) in .*F with no \.png\/\.jpg\/\.jpeg images, so they are no class: empty, notes; add images or remove the folder\./)]);
    warnings.length = 0;
    await loadImageFolder(dir, { labels: false }); // unlabeled: sub-folders are no classes, nothing to report
    expect(warnings).toEqual([]);
  });

  it('a truncated PNG is named and called corrupt or truncated (not "Invalid TF_Status: 3"); no tensors left', async () => {
    const dir = path.join(tmp, 'trunc');
    await flatPng(path.join(dir, 'good.png'), 8, 8, [1, 2, 3]);
    const t = tf.tidy(() => tf.randomUniform([20, 20, 3], 0, 255, 'int32'));
    const bytes = await tf.node.encodePng(t as never);
    t.dispose();
    const file = path.join(dir, 'half.png');
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const before = tf.memory().numTensors;
    const err = await loadDataset(dir, { size: 8 }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/Expected a decodable image in .*trunc\/half\.png; got a corrupt or truncated PNG \(its header reads 20x20, \d+ bytes, but the image data does not decode: Invalid PNG data, size \d+\)\. Re-save or re-download the file/);
    expect(err?.message).not.toMatch(/TF_Status/);
    expect(tf.memory().numTensors).toBe(before);
    fs.writeFileSync(file, 'not an image at all');
    await expect(loadDataset(dir, { size: 8 })).rejects.toThrow(/Cannot decode .*half\.png as PNG\/JPEG/);
  });
});

describe('loadDataset(folder): options a folder cannot honour are errors', () => {
  it("split: 'test' on a folder says there is no held-out split and names ds.split; 'train' loads it whole", async () => {
    const dir = path.join(tmp, 'plain');
    for (let i = 0; i < 3; i++) await flatPng(path.join(dir, `p${i}.png`), 8, 8, [i * 50]);
    await expect(loadDataset(dir, { split: 'test' })).rejects.toThrow(/expected no split for a folder .*got split: "test"\. Load it whole and hold out part yourself: `const \{ train, val \} = ds\.split\(0\.2, seed\)`/);
    expect((await loadDataset(dir, { split: 'train' })).size).toBe(3);
  });

  it('background on a folder written by saveDataset is an error (its pixels were composited when saved)', async () => {
    const dir = path.join(tmp, 'saved');
    saveDataset(new Dataset({ name: 'two', pixels: new Uint8Array([0, 255]), shape: [2, 1, 1, 1], labels: null }), dir);
    await expect(loadDataset(dir, { background: 'black' })).rejects.toThrow(/expected no background for a folder written by saveDataset .*got background: "black"\. Remove it/);
    await expect(loadDataset(dir, { split: 'test' })).rejects.toThrow(/expected no split for a folder/);
    expect(pixel(await loadDataset(dir), 1)).toEqual([255]);
  });
});

describe('background: 0-255, and a 0-1 colour is caught', () => {
  it('[0.5, 0.5, 0.5] is rejected with the 0-255 colour it probably means; [0, 0, 0] and [1, 2, 3] still work', async () => {
    const dir = path.join(tmp, 'alpha');
    await flatPng(path.join(dir, 'clear.png'), 8, 8, [255, 0, 0, 0]); // fully transparent
    await expect(loadDataset(dir, { background: [0.5, 0.5, 0.5] })).rejects.toThrow(
      'Expected background [r, g, b] in 0-255; got [0.5,0.5,0.5], which reads as near-black there but looks like a colour in 0-1 (the range of image values): did you mean [128, 128, 128]?');
    await expect(loadImageFolder(dir, { background: [1, 1, 1] })).rejects.toThrow(/did you mean \[255, 255, 255\]\? For black pass 'black'/);
    expect(pixel(await loadDataset(dir, { background: [0, 0, 0] }), 0)).toEqual([0, 0, 0]);
    expect(pixel(await loadDataset(dir, { background: [1, 2, 3] }), 0)).toEqual([1, 2, 3]);
  });
});

describe('loadImageFolder: unknown option names', () => {
  it('are errors with a "did you mean"', async () => {
    await expect(loadImageFolder(tmp, { label: false } as never)).rejects.toThrow('Unknown loadImageFolder option "label". Did you mean labels?');
    await expect(loadDataset(tmp, { chanels: 3 } as never)).rejects.toThrow('Unknown loadDataset option "chanels". Did you mean channels?');
  });
});
