import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor3D } from '../../lib/backend';
import { loadDataset, loadIdxDataset } from '../../lib/data/load';
import { saveDataset } from '../../lib/data/save';
import { pixelStats } from '../../lib/data/stats';
import { encodeIdx } from '../../lib/data/idx';
import { DATASETS, FASHION_MNIST_DEFAULT_DIR, fixturesDir, type IdxDatasetSource } from '../../datasets/registry';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-load-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('loadDataset: named datasets', () => {
  it('mnist-1k fixture: counts, labels, pixel mean (reference values from Python)', async () => {
    const ds = await loadDataset('mnist-1k');
    expect(ds.size).toBe(1000);
    expect(ds.imageShape).toEqual([28, 28, 1]);
    expect(ds.numClasses).toBe(10);
    expect(Array.from(ds.labels!.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(ds.classCounts()).toEqual([97, 116, 99, 93, 105, 92, 94, 117, 87, 100]);
    const s = pixelStats(ds);
    expect(s.mean).toBeCloseTo(0.128239, 5);
    expect(s.std).toBeCloseTo(0.305139, 5);
  });

  it("digits fixture: scikit-learn's 1,797 8x8 images, values 0..16 scaled to [0,1]", async () => {
    const ds = await loadDataset('digits');
    expect(ds.size).toBe(1797);
    expect(ds.imageShape).toEqual([8, 8, 1]);
    expect(ds.classCounts()).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    const s = pixelStats(ds);
    expect(s.mean).toBeCloseTo(4.884164 / 16, 5); // sklearn: digits.data.mean() = 4.884164
    expect(s.max).toBe(1);
    const before = tf.memory().numTensors;
    const img = ds.images;
    expect(img.shape).toEqual([1797, 8, 8, 1]);
    expect(tf.tidy(() => img.max().dataSync()[0])).toBe(1);
    ds.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('full MNIST train: 60,000 images, mean 0.1307, std 0.3081, published label counts', async () => {
    const ds = await loadDataset('mnist');
    expect(ds.size).toBe(60000);
    expect(ds.classCounts()).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const s = pixelStats(ds);
    expect(s.mean).toBeCloseTo(0.1307, 4);
    expect(s.std).toBeCloseTo(0.3081, 4);
  });

  it('MNIST test split with a limit', async () => {
    const ds = await loadDataset('mnist', { split: 'test', limit: 500 });
    expect(ds.name).toBe('mnist/test');
    expect(ds.size).toBe(500);
    expect(Array.from(ds.labels!.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });

  const hasFashion = fs.existsSync(path.join(process.env.FASHION_MNIST_DIR || FASHION_MNIST_DEFAULT_DIR, 'train-images-idx3-ubyte.gz'));
  it.skipIf(!hasFashion)('Fashion-MNIST: official files, balanced classes', async () => {
    const ds = await loadDataset('fashion-mnist', { split: 'test' });
    expect(ds.size).toBe(10000);
    expect(ds.classCounts()).toEqual(new Array(10).fill(1000));
    expect(ds.classNames[9]).toBe('Ankle boot');
    expect(ds.labels![0]).toBe(9);
  });

  it('Fashion-MNIST absent: says how to install it', async () => {
    const old = process.env.FASHION_MNIST_DIR;
    process.env.FASHION_MNIST_DIR = path.join(tmp, 'nowhere');
    try {
      await expect(loadDataset('fashion-mnist')).rejects.toThrow(/train-images-idx3-ubyte\(\.gz\) not found in .*nowhere.*npm run setup.*apt-get install dataset-fashion-mnist.*FASHION_MNIST_DIR/);
    } finally {
      if (old === undefined) delete process.env.FASHION_MNIST_DIR; else process.env.FASHION_MNIST_DIR = old;
    }
  });

  it('rejects unknown names, missing splits and bad limits clearly', async () => {
    await expect(loadDataset('cifar-10')).rejects.toThrow('Unknown dataset "cifar-10": expected one of mnist, fashion-mnist, digits, mnist-1k');
    await expect(loadDataset('digits', { split: 'test' })).rejects.toThrow('Dataset "digits" has no "test" split (it has: train)');
    await expect(loadDataset('digits', { limit: 0 })).rejects.toThrow('limit must be a positive integer');
  });

  it('resizes and repeats channels on request', async () => {
    const before = tf.memory().numTensors;
    const ds = await loadDataset('mnist-1k', { limit: 10, size: 32, channels: 3 });
    expect(ds.imageShape).toEqual([32, 32, 3]);
    const img = ds.images;
    expect(tf.tidy(() => {
      const [r, g] = tf.split(img, 3, 3);
      return r.sub(g).abs().max().dataSync()[0];
    })).toBe(0);
    ds.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('loadDataset: nothing half-loaded', () => {
  function fakeSource(dir: string): IdxDatasetSource {
    return { ...DATASETS['mnist-1k'], dir: () => dir };
  }

  it('a truncated label file fails naming it, and no tensors are left behind', () => {
    const dir = path.join(tmp, 'trunc');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(fixturesDir(), 'mnist-1k-images-idx3-ubyte.gz'), path.join(dir, 'mnist-1k-images-idx3-ubyte.gz'));
    const labels = zlib.gunzipSync(fs.readFileSync(path.join(fixturesDir(), 'mnist-1k-labels-idx1-ubyte.gz')));
    fs.writeFileSync(path.join(dir, 'mnist-1k-labels-idx1-ubyte'), labels.subarray(0, 508));
    const before = tf.memory().numTensors;
    expect(() => loadIdxDataset(fakeSource(dir))).toThrow(/mnist-1k-labels-idx1-ubyte: truncated: expected 1,008 bytes for uint8 \[1000\], got 508/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('mismatched image and label counts fail', () => {
    const dir = path.join(tmp, 'mismatch');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(fixturesDir(), 'mnist-1k-images-idx3-ubyte.gz'), path.join(dir, 'mnist-1k-images-idx3-ubyte.gz'));
    fs.writeFileSync(path.join(dir, 'mnist-1k-labels-idx1-ubyte.gz'), encodeIdx({ dtype: 'uint8', dims: [999], data: new Uint8Array(999) }));
    expect(() => loadIdxDataset(fakeSource(dir))).toThrow(/expected 1000 labels \(one per image in .*\), got \[999\]/);
  });
});

describe('loadDataset: folders', () => {
  async function writePng(file: string, img: Tensor3D): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, await tf.node.encodePng(img));
  }

  it('labels from sub-folder names, resized, grayscale or RGB', async () => {
    const dir = path.join(tmp, 'shapes');
    const dark = tf.fill([40, 60, 3], 30, 'int32') as Tensor3D;
    const light = tf.fill([20, 20, 3], 220, 'int32') as Tensor3D;
    await writePng(path.join(dir, 'light', 'a.png'), light);
    await writePng(path.join(dir, 'dark', 'a.png'), dark);
    await writePng(path.join(dir, 'dark', 'b.png'), dark);
    fs.writeFileSync(path.join(dir, 'dark', 'notes.txt'), 'ignored');
    fs.writeFileSync(path.join(dir, 'light', 'b.jpg'), Buffer.from(await tf.node.encodeJpeg(light as never, 'rgb', 100)));
    tf.dispose([dark, light]);

    const before = tf.memory().numTensors;
    const ds = await loadDataset(dir, { size: 16 });
    expect(ds.classNames).toEqual(['dark', 'light']);
    expect(Array.from(ds.labels!)).toEqual([0, 0, 1, 1]);
    expect(ds.imageShape).toEqual([16, 16, 3]);
    const means = pixelStats(ds).imageMean;
    expect(means[0]).toBeCloseTo(30 / 255, 2);
    expect(means[2]).toBeCloseTo(220 / 255, 2);
    expect(means[3]).toBeCloseTo(220 / 255, 1); // JPEG: close, not exact

    const gray = await loadDataset(dir, { size: 8, channels: 1 });
    expect(gray.imageShape).toEqual([8, 8, 1]);
    expect(tf.memory().numTensors).toBe(before);

    const flat = await loadDataset(path.join(dir, 'dark'));
    expect(flat.labels).toBeNull();
    expect(flat.size).toBe(2);
    expect(flat.imageShape).toEqual([40, 40, 3]); // centre-cropped to the shorter side
  });

  it('a prepared set saved with saveDataset loads back identically', async () => {
    const ds = (await loadDataset('digits')).take(50);
    const dir = path.join(tmp, 'saved');
    saveDataset(ds, dir);
    const back = await loadDataset(dir);
    expect(back.size).toBe(50);
    expect(back.classNames).toEqual(ds.classNames);
    expect(Array.from(back.labels!)).toEqual(Array.from(ds.labels!));
    expect(Array.from(back.floatPixels(0, 50))).toEqual(Array.from(ds.floatPixels(0, 50)));
  });
});
