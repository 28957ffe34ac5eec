/**
 * `loadDataset(name | folder)`: one call from a dataset's name (or a folder of images) to a
 * {@link Dataset}. Files are checked (checksums, headers, sizes, counts) before anything is kept.
 */
import * as fs from 'fs';
import { tf, type Tensor4D } from '../backend';
import { DATASETS, datasetNames, isDatasetName, locateFile, type DatasetName, type IdxDatasetSource } from '../../datasets/registry';
import { Dataset } from './dataset';
import { loadEmoji, type EmojiStyle } from './emoji';
import { checkSizeChannels, loadImageFolder, type Background } from './folder';
import { checkOptions, type OptionSpec, showValue } from '../options';
import { readIdx } from './idx';
import { isSavedDataset, loadSavedDataset } from './save';

/** Options for {@link loadDataset}. */
export interface LoadOptions {
  /**
   * `train` (default) or `test`, for named sets. A folder has no held-out split: `test` is an
   * error there (hold out part yourself with `ds.split(valFraction, seed)`). `emoji`'s test split
   * holds out whole emoji, but 8 of its 1,564 images are pixel-identical to training images
   * (different emoji drawn alike, e.g. Twemoji's woman-girl = man-boy, Noto's flag-sj = flag-no;
   * see datasets/README.md).
   */
  split?: 'train' | 'test';
  /**
   * Keep only the first `limit` images, in the dataset's order. For `emoji` that is Unicode order,
   * so a small limit holds only the first categories (`limit: 100` is all Smileys): a warning says
   * so; for a quick run across categories use `(await loadDataset('emoji')).shuffle(seed).take(n)`.
   */
  limit?: number;
  /**
   * Resize images to `size x size` (a positive integer). Image folders: default the median shorter
   * side of the images (from their headers), 64 when that is over 128 (see `ImageFolderOptions`);
   * named sets: their native size; `emoji`: 32 or 64 (default 64).
   */
  size?: number;
  /** 1 = grayscale, 3 = RGB (named sets are grayscale; 3 repeats the channel; `emoji` is RGB only). Nothing else (no alpha). */
  channels?: 1 | 3;
  /** `emoji` only: drawing styles, `['google', 'twitter']` by default (see `loadEmoji`). */
  styles?: EmojiStyle[];
  /**
   * `emoji` and image folders: what transparent pixels are composited over ('white' default,
   * 'black', `[r, g, b]` 0-255; all components ≤ 1 is an error, as it looks like a 0-1 colour).
   * Not for a folder written by `saveDataset` (its pixels were composited when it was made).
   */
  background?: Background;
  /** `emoji` only: include skin-tone variants (default true). */
  skinTones?: boolean;
  /** `emoji` only: read/write the decoded-pixel cache in `node_modules/.cache/ganbook/` (default true). */
  cache?: boolean;
}

/**
 * Every {@link LoadOptions} name: an unknown one (`style`, `skintones`) is an error with a "did you
 * mean"; kinds are checked up front. Values are checked by each source (split, size, background…).
 */
const LOAD_OPTIONS: Record<keyof LoadOptions, OptionSpec> = {
  split: { kind: 'string' }, limit: { kind: 'number' }, size: { kind: 'number' }, channels: { kind: 'number' },
  styles: { kind: 'array' }, skinTones: { kind: 'boolean' }, cache: { kind: 'boolean' },
  background: { kind: 'object' }, // its value is checked by parseBackground (a name or an [r, g, b] array)
};

/**
 * Loads a named dataset (`mnist`, `fashion-mnist`, `digits`, `mnist-1k`, `emoji`), a folder
 * written by `saveDataset`, or a folder of PNG/JPEG images (sub-folders = classes).
 *
 * `emoji` (see `loadEmoji` in `lib/data/emoji.ts`): Noto and Twemoji images `[n, size, size, 3]`,
 * size 32 or 64 (default 64), composited over `background` (default white); labels = the 9
 * Unicode categories, `ds.attributes.style` = the style (0 google, 1 twitter), `ds.attributes.emoji`
 * = which emoji. `split: 'test'` holds out 20% of each category's emoji (all their variants and
 * styles): train 5,998 images, test 1,564 (both styles; 8 of them pixel-identical to training
 * images, see datasets/README.md).
 *
 * Folders: `split: 'test'` is an error (a folder has no held-out split); `background` is an error
 * for a folder written by `saveDataset` (composited when it was saved).
 *
 * @throws for an unknown name or missing folder, an unknown option name (with a "did you mean"),
 *   a bad `limit`, `size` (a positive integer) or `channels` (1 or 3), options that do not apply to
 *   the dataset (`styles`/`skinTones` outside `emoji`, `channels: 1` for `emoji`, `split: 'test'` or a
 *   saved folder's `background`), or bad emoji options.
 * @example
 * ```ts
 * const train = await loadDataset('mnist');                          // 60,000 x 28x28x1
 * const test = await loadDataset('fashion-mnist', { split: 'test', limit: 1000 });
 * const mine = await loadDataset('./my-photos', { size: 64, channels: 3 });
 * const emoji = await loadDataset('emoji', { size: 32, styles: ['google', 'twitter'], background: 'white' });
 * ```
 */
export async function loadDataset(name: DatasetName | string, opts: LoadOptions = {}): Promise<Dataset> {
  checkOptions(opts === null || typeof opts !== 'object' ? opts : { ...opts, background: undefined }, LOAD_OPTIONS, 'loadDataset option');
  const where = `loadDataset(${showValue(name)})`;
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
    throw new Error(`loadDataset: limit must be a positive integer; got ${showValue(opts.limit)}.`);
  }
  if (name === 'emoji') {
    if (opts.channels !== undefined && opts.channels !== 3) {
      throw new Error(`loadDataset('emoji'): emoji are colour images (channels 3); got channels: ${showValue(opts.channels)}. Convert afterwards if you need grayscale.`);
    }
    const { channels: _rgb, ...emojiOpts } = opts;
    return loadEmoji({ ...emojiOpts, size: opts.size as 32 | 64 | undefined });
  }
  const emojiOnly = (['styles', 'skinTones', 'cache'] as const).filter((k) => opts[k] !== undefined);
  if (emojiOnly.length) throw new Error(`${where}: ${emojiOnly.join(', ')} only apply to 'emoji'; remove ${emojiOnly.length > 1 ? 'them' : 'it'}.`);
  if (isDatasetName(name)) {
    checkSizeChannels(opts.size, opts.channels, where, 'the native size');
    if (opts.background !== undefined) throw new Error(`${where}: background only applies to 'emoji' and image folders (${name} has no transparency); remove it.`);
    return resize(loadIdxDataset(DATASETS[name as keyof typeof DATASETS], opts), opts);
  }
  if (fs.existsSync(name) && fs.statSync(name).isDirectory()) {
    const saved = isSavedDataset(name);
    checkSizeChannels(opts.size, opts.channels, where, saved ? 'the saved size' : "the images' median shorter side");
    if (opts.split !== undefined && opts.split !== 'train') {
      throw new Error(`${where}: expected no split for a folder (it has no held-out part: every image is 'train'); got split: ${showValue(opts.split)}. `
        + 'Load it whole and hold out part yourself: `const { train, val } = ds.split(0.2, seed)` (Dataset.split: a seeded random 20% in val), '
        + 'or keep test images in a folder of their own and load that.');
    }
    if (saved) {
      if (opts.background !== undefined) {
        throw new Error(`${where}: expected no background for a folder written by saveDataset (its pixels were composited when it was saved; it has no transparency left); `
          + `got background: ${showValue(opts.background)}. Remove it, or pass it when loading the original images, before saveDataset.`);
      }
      return resize(loadSavedDataset(name, opts), opts);
    }
    return loadImageFolder(name, { size: opts.size, channels: opts.channels, limit: opts.limit, background: opts.background });
  }
  throw new Error(`Unknown dataset ${showValue(name)}: expected one of ${datasetNames().join(', ')}, or the path of an existing folder of images.`);
}

/** Reads and checks a registered IDX dataset; returns nothing unless every check passed. */
export function loadIdxDataset(src: IdxDatasetSource, opts: Pick<LoadOptions, 'split' | 'limit'> = {}): Dataset {
  const splitName = opts.split ?? 'train';
  const split = src.splits[splitName];
  if (!split) {
    throw new Error(`Dataset "${src.name}" has no ${showValue(splitName)} split (it has: ${Object.keys(src.splits).join(', ')}); `
      + 'use ds.split(valFraction, seed) to hold out data.');
  }
  const dir = src.dir();
  const imagesFile = locateFile(dir, split.images.file);
  const labelsFile = locateFile(dir, split.labels.file);
  if (!imagesFile || !labelsFile) {
    const missing = !imagesFile ? split.images.file : split.labels.file;
    throw new Error(`${src.title}: ${missing}(.gz) not found in ${dir}. ${src.missingHint}`);
  }
  const images = readIdx(imagesFile, { md5: split.images.md5 });
  if (images.dtype !== 'uint8' || images.dims.length !== 3) {
    throw new Error(`${imagesFile}: expected uint8 images [n, h, w], got ${images.dtype} [${images.dims}].`);
  }
  const labels = readIdx(labelsFile, { md5: split.labels.md5 });
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new Error(`${labelsFile}: expected ${images.dims[0]} labels (one per image in ${imagesFile}), got [${labels.dims}].`);
  }
  if (images.dims[0] !== split.count) {
    throw new Error(`${imagesFile}: expected ${split.count} images, got ${images.dims[0]}. ${src.missingHint}`);
  }
  const [count, h, w] = images.dims;
  const n = Math.min(count, opts.limit ?? count);
  const per = h * w;
  // Whole set: keep a view of the file's bytes (no copy). Partial: copy, so the rest can be freed.
  const bytes = images.data as Uint8Array;
  const pixels = n === count ? bytes : bytes.slice(0, n * per);
  return new Dataset({
    name: splitName === 'train' ? src.name : `${src.name}/${splitName}`,
    pixels, shape: [n, h, w, 1], maxValue: src.maxValue,
    labels: Int32Array.from(labels.data.subarray(0, n)),
    classNames: src.classNames,
  });
}

/** Applies `size` / `channels` to a loaded dataset (in chunks, so peak memory stays small). */
function resize(ds: Dataset, opts: LoadOptions): Dataset {
  const [h, w, c] = ds.imageShape;
  const size = opts.size ?? h;
  const channels = opts.channels ?? c;
  if (size === h && size === w && channels === c) return ds;
  if (channels === 1 && c === 3) throw new Error('loadDataset: converting RGB to grayscale is only done for image folders.');
  const per = size * size * channels;
  const out = new Float32Array(ds.size * per);
  const chunk = 1000;
  for (let start = 0; start < ds.size; start += chunk) {
    const end = Math.min(ds.size, start + chunk);
    const idx = Array.from({ length: end - start }, (_, i) => start + i);
    const data = tf.tidy(() => {
      let x = ds.gather(idx) as Tensor4D;
      if (size !== h || size !== w) x = tf.image.resizeBilinear(x, [size, size], true).clipByValue(0, 1) as Tensor4D;
      if (channels !== c) x = x.tile([1, 1, 1, channels]) as Tensor4D;
      return x.dataSync() as Float32Array;
    });
    out.set(data, start * per);
  }
  return new Dataset({
    name: ds.name, pixels: out, shape: [ds.size, size, size, channels], labels: ds.labels, classNames: ds.classNames, attributes: ds.attributes,
  });
}
