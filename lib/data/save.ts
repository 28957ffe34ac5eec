/**
 * Saving a prepared dataset to a folder (gzipped IDX files plus `dataset.json`) and reading it
 * back; `loadDataset(folder)` recognises such a folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Dataset } from './dataset';
import { readIdx, writeIdx } from './idx';
import { showValue } from '../options';

/** The manifest written next to the IDX files. */
export interface SavedDatasetManifest {
  format: 'ganbook-dataset';
  version: 1;
  name: string;
  size: number;
  imageShape: [number, number, number];
  classNames: string[];
  /** Byte value meaning 1.0 for uint8 images; 1 for float32 images. */
  maxValue: number;
  images: string;
  labels: string | null;
  /** The dataset's {@link Dataset.attributes} (absent when it has none). */
  attributes?: Record<string, { names: string[]; values: number[] }>;
}

/** File name of the manifest. */
export const MANIFEST = 'dataset.json';

/**
 * Writes `ds` to `dir` (created if needed): `images-idx4-*.gz`, `labels-idx1-*.gz`, `dataset.json`.
 * Byte stores stay bytes; float stores are written as float32. Returns the manifest.
 *
 * @example
 * ```ts
 * saveDataset(cleaned, 'out/data/mnist-clean');
 * const again = await loadDataset('out/data/mnist-clean');
 * ```
 */
export function saveDataset(ds: Dataset, dir: string): SavedDatasetManifest {
  fs.mkdirSync(dir, { recursive: true });
  const bytes = ds.pixels instanceof Uint8Array;
  const images = bytes ? 'images-idx4-ubyte.gz' : 'images-idx4-float.gz';
  writeIdx(path.join(dir, images), { dtype: bytes ? 'uint8' : 'float32', dims: [ds.size, ...ds.imageShape], data: ds.pixels });
  let labels: string | null = null;
  if (ds.labels) {
    const small = ds.numClasses <= 256;
    labels = small ? 'labels-idx1-ubyte.gz' : 'labels-idx1-int.gz';
    writeIdx(path.join(dir, labels), { dtype: small ? 'uint8' : 'int32', dims: [ds.size], data: small ? Uint8Array.from(ds.labels) : ds.labels });
  }
  const manifest: SavedDatasetManifest = {
    format: 'ganbook-dataset', version: 1, name: ds.name, size: ds.size, imageShape: ds.imageShape,
    classNames: ds.classNames, maxValue: ds.maxValue, images, labels,
  };
  if (Object.keys(ds.attributes).length > 0) {
    manifest.attributes = Object.fromEntries(Object.entries(ds.attributes).map(([k, a]) => [k, { names: a.names, values: Array.from(a.values) }]));
  }
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** True when `dir` holds a dataset written by {@link saveDataset}. */
export function isSavedDataset(dir: string): boolean {
  return fs.existsSync(path.join(dir, MANIFEST));
}

/**
 * Reads a folder written by {@link saveDataset}.
 *
 * @example
 * ```ts
 * const ds = loadSavedDataset('out/data/mnist-clean');
 * ```
 */
export function loadSavedDataset(dir: string, opts: { limit?: number } = {}): Dataset {
  const file = path.join(dir, MANIFEST);
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedDatasetManifest;
  if (m.format !== 'ganbook-dataset') throw new Error(`${file}: format is ${showValue(m.format)}, expected "ganbook-dataset"; re-save it with saveDataset.`);
  const img = readIdx(path.join(dir, m.images));
  const expect = [m.size, ...m.imageShape];
  if (img.dims.join() !== expect.join()) {
    throw new Error(`${path.join(dir, m.images)}: dims [${img.dims}] do not match ${MANIFEST} ([${expect}]); re-save the dataset.`);
  }
  const lab = m.labels ? readIdx(path.join(dir, m.labels)) : null;
  if (lab && lab.dims[0] !== m.size) {
    throw new Error(`${path.join(dir, m.labels!)}: ${lab.dims[0]} labels, expected ${m.size}; re-save the dataset.`);
  }
  const n = Math.min(m.size, opts.limit ?? m.size);
  const per = m.imageShape[0] * m.imageShape[1] * m.imageShape[2];
  const pixels = img.dtype === 'uint8' ? (img.data as Uint8Array).slice(0, n * per) : Float32Array.from(img.data.subarray(0, n * per));
  return new Dataset({
    name: m.name, pixels, shape: [n, ...m.imageShape], maxValue: m.maxValue, classNames: m.classNames,
    labels: lab ? Int32Array.from(lab.data.subarray(0, n)) : null,
    attributes: Object.fromEntries(Object.entries(m.attributes ?? {}).map(([k, a]) => [k, { names: a.names, values: Int32Array.from(a.values.slice(0, n)) }])),
  });
}
