/**
 * Image folders as users have them (each case made here): OS metadata and hidden entries, alpha,
 * a stray tiny image, sizes read from headers.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tf, type Tensor3D } from '../../lib/backend';
import { exifOrientation, imageHeader, loadImageFolder } from '../../lib/data/folder';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-folder-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function png(file: string, h: number, w: number, c: 1 | 3 | 4, fill: (y: number, x: number) => number[]): Promise<void> {
  const data = new Int32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) fill(y, x).forEach((v, k) => { data[(y * w + x) * c + k] = v; });
  const t = tf.tensor3d(data, [h, w, c], 'int32');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await tf.node.encodePng(t));
  t.dispose();
}
/** A macOS AppleDouble header: what `._name` files hold (not an image). */
const appleDouble = Buffer.concat([Buffer.from([0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]), Buffer.from('Mac OS X        '), Buffer.alloc(60)]);

describe('loadImageFolder', () => {
  it('skips macOS metadata (._x, __MACOSX/) and hidden folders (.ipynb_checkpoints): classes and labels stay right', async () => {
    const dir = path.join(tmp, 'pets');
    for (const [k, cls] of ['cats', 'dogs'].entries()) {
      for (let i = 0; i < 3; i++) await png(path.join(dir, cls, `${cls}${i}.png`), 8, 8, 1, () => [40 * (k + 1)]);
    }
    fs.writeFileSync(path.join(dir, 'cats', '._cats0.png'), appleDouble);
    fs.mkdirSync(path.join(dir, '__MACOSX', 'cats'), { recursive: true });
    fs.writeFileSync(path.join(dir, '__MACOSX', 'cats', '._cats0.png'), appleDouble);
    await png(path.join(dir, '.ipynb_checkpoints', 'cats0-checkpoint.png'), 8, 8, 1, () => [255]);
    const ds = await loadImageFolder(dir);
    expect(ds.classNames).toEqual(['cats', 'dogs']);
    expect(ds.size).toBe(6);
    expect(Array.from(ds.labels!)).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('composites transparent pixels over the background (white by default), not their hidden colour', async () => {
    const dir = path.join(tmp, 'sprites');
    await png(path.join(dir, 'disc.png'), 32, 32, 4, (y, x) => ((y - 16) ** 2 + (x - 16) ** 2 < 64 ? [255, 0, 0, 255] : [0, 255, 0, 0]));
    const px = async (o: Parameters<typeof loadImageFolder>[1]) => {
      const d = await loadImageFolder(dir, o);
      const img = d.gather([0], '[0,1]');
      const v = Array.from(img.dataSync()).map((x) => Math.round(x * 255));
      img.dispose();
      return { corner: v.slice(0, 3), centre: v.slice((16 * 32 + 16) * 3, (16 * 32 + 16) * 3 + 3) };
    };
    expect(await px({})).toEqual({ corner: [255, 255, 255], centre: [255, 0, 0] });
    expect((await px({ background: 'black' })).corner).toEqual([0, 0, 0]);
    expect((await px({ background: [10, 20, 30] })).corner).toEqual([10, 20, 30]);
    await expect(loadImageFolder(dir, { background: [300, 0, 0] })).rejects.toThrow(/Expected background 'white', 'black' or \[r, g, b\] in 0-255/);
  });

  for (const stray of ['a.png', 'z.png']) {
    it(`a stray 1x1 image (${stray}) does not set the size: skipped and named`, async () => {
      const dir = path.join(tmp, `digits-${stray}`);
      for (let i = 0; i < 4; i++) await png(path.join(dir, `d${i}.png`), 28, 28, 1, (y) => [y * 9]);
      await png(path.join(dir, stray), 1, 1, 1, () => [128]);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const ds = await loadImageFolder(dir);
      expect(ds.images.shape).toEqual([4, 28, 28, 1]);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`skipped 1 image\\(s\\) far smaller than the 28 px output: ${stray.replace('.', '\\.')} \\(1x1\\)`)));
      warn.mockRestore();
    });
  }

  it('turns a JPEG upright by its EXIF orientation (6: rotate 90° clockwise), as photo viewers show it', async () => {
    // 48 wide, 32 high: left half black, right half white.
    const t = tf.tidy(() => tf.concat([tf.zeros([32, 24, 3], 'int32'), tf.fill([32, 24, 3], 255, 'int32')], 1)) as Tensor3D;
    const jpg = Buffer.from(await tf.node.encodeJpeg(t, 'rgb', 95));
    t.dispose();
    const ifd = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
    const body = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), ifd]);
    const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
    const withExif = Buffer.concat([jpg.subarray(0, 2), app1, jpg.subarray(2)]);
    expect(exifOrientation(withExif)).toBe(6);
    expect(exifOrientation(jpg)).toBe(1);
    const dir = path.join(tmp, 'photos');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'phone.jpg'), withExif);
    const ds = await loadImageFolder(dir, { channels: 1 });
    const v = ds.gather([0], '[0,1]');
    const at = (y: number, x: number) => Math.round(v.dataSync()[y * 32 + x] * 255);
    // Upright it is 32 wide and 48 high, black on top: top-right black, bottom-left white (unrotated: the reverse).
    expect(ds.images.shape).toEqual([1, 32, 32, 1]);
    expect(at(4, 28)).toBeLessThan(40);
    expect(at(28, 4)).toBeGreaterThan(215);
    v.dispose();
  });

  it('a 27-megapixel RGBA photo loads in about 4 bytes per pixel, composited over the background', async () => {
    // 6000x4500, transparent green everywhere but an opaque red disc in the middle. Through
    // TensorFlow's decoder (int32 tensors, float copies) a 12000x9000 PNG took 8.3 GB.
    const { createCanvas } = await import('@napi-rs/canvas');
    const [W, H] = [6000, 4500];
    const canvas = createCanvas(W, H), g = canvas.getContext('2d');
    g.fillStyle = 'rgba(0, 255, 0, 0)'; g.clearRect(0, 0, W, H);
    g.fillStyle = 'rgb(255, 0, 0)'; g.beginPath(); g.arc(W / 2, H / 2, 1500, 0, 2 * Math.PI); g.fill();
    const big = path.join(tmp, 'big'), small = path.join(tmp, 'small');
    fs.mkdirSync(big, { recursive: true });
    fs.writeFileSync(path.join(big, 'a-photo.png'), await canvas.encode('png'));
    for (const dir of [big, small]) for (let i = 0; i < 3; i++) await png(path.join(dir, `z${i}.png`), 40, 40, 3, () => [0, 0, 255]);
    const load = (dir: string) => JSON.parse(execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'load-folder-child.ts'), dir],
      { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { shape: number[]; corner: number[]; centre: number[]; maxRssMB: number };
    const withBig = load(big), without = load(small);
    expect(withBig.shape).toEqual([4, 32, 32, 3]);
    expect(withBig.centre).toEqual([255, 0, 0]);        // the disc
    expect(withBig.corner).toEqual([255, 255, 255]);    // transparent pixels: the background, not the hidden green
    // 27 M pixels x 4 bytes = 108 MB for the one decoded copy; allow for allocator slack.
    expect(withBig.maxRssMB - without.maxRssMB).toBeLessThan(400);
  }, 120_000);

  it('reads sizes from PNG and JPEG headers without decoding', async () => {
    const t = tf.zeros([48, 32, 3], 'int32') as Tensor3D;
    const jpg = await tf.node.encodeJpeg(t);
    const pngBytes = await tf.node.encodePng(t);
    t.dispose();
    expect(imageHeader(jpg)).toEqual({ width: 32, height: 48, channels: 3 });
    expect(imageHeader(pngBytes)).toEqual({ width: 32, height: 48, channels: 3 });
    expect(imageHeader(appleDouble)).toBeNull();
  });
});
