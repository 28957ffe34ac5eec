/**
 * The small classifiers that stand in for Inception in ganbook's distribution metrics. No
 * Inception network is available offline, so "FID" here is a **Fréchet classifier distance**
 * computed on the 64-dimensional penultimate layer of a classifier trained on the same dataset
 * (LeNet-style for MNIST and Fashion-MNIST; a small colour convnet for emoji, trained on the
 * emoji categories and tested on held-out emoji). Numbers are comparable between ganbook runs, not with
 * published Inception-based FID/IS/KID values.
 *
 * The trained models and the cached statistics of the real test sets live in
 * `datasets/classifiers/<dataset>/` and are produced by `npm run train-classifier`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, type LayersModel, type Tensor2D, type Tensor4D } from '../backend';

/** Datasets with a committed classifier. */
export type ClassifierDataset = 'mnist' | 'fashion-mnist' | 'emoji';

export const CLASSIFIER_DATASETS: ClassifierDataset[] = ['mnist', 'fashion-mnist', 'emoji'];

/**
 * The input `[h, w, c]` of each dataset's classifier, in [0, 1]: 28x28 grayscale for the MNISTs,
 * 32x32 RGB for `emoji` (the `loadDataset('emoji', { size: 32 })` images, white background).
 * Images whose side is a whole multiple of it (64-px emoji) are box-filtered down by {@link classify}.
 */
export const CLASSIFIER_INPUT: Record<ClassifierDataset, [number, number, number]> = {
  mnist: [28, 28, 1],
  'fashion-mnist': [28, 28, 1],
  emoji: [32, 32, 3],
};

/** Width of the feature (penultimate) layer. */
export const FEATURE_DIM = 64;

/** Name of the feature layer (a linear Dense layer, before its ReLU). */
export const FEATURE_LAYER = 'features';

/** Folder that holds the committed classifiers. */
export const CLASSIFIER_ROOT = path.resolve(__dirname, '..', '..', 'datasets', 'classifiers');

/**
 * The classifier architecture: conv5x5(f1) → maxpool → conv5x5(f2) → maxpool → dense(64, linear,
 * named `features`) → ReLU → dropout → dense(numClasses, softmax); 79,338 parameters with the
 * default filters [24, 48] and 10 classes.
 * Input: `[n, 28, 28, 1]` in [0, 1].
 *
 * @example
 * ```ts
 * const model = buildClassifier(10, 1);
 * model.countParams(); // 79,338
 * ```
 */
export function buildClassifier(numClasses = 10, seed = 1, filters: [number, number] = [24, 48]): LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  const model = tf.sequential({ name: 'ganbook_classifier' });
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: filters[0], kernelSize: 5, activation: 'relu', kernelInitializer: init(1) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: filters[1], kernelSize: 5, activation: 'relu', kernelInitializer: init(2) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  return addFeatureHead(model, numClasses, seed, 3, 0.25);
}

/**
 * flatten → dropout(`rate`) → dense(64, linear, `features`) → ReLU → dropout(0.3) →
 * dense(numClasses, softmax), seeded `seed * 100 + k`, `k + 1`, … (as the MNIST classifier always was).
 */
function addFeatureHead(model: ReturnType<typeof tf.sequential>, numClasses: number, seed: number, k: number, rate: number): LayersModel {
  const init = (j: number) => tf.initializers.glorotUniform({ seed: seed * 100 + j });
  model.add(tf.layers.flatten());
  model.add(tf.layers.dropout({ rate, seed: seed * 100 + k }));
  model.add(tf.layers.dense({ units: FEATURE_DIM, name: FEATURE_LAYER, kernelInitializer: init(k + 1) }));
  model.add(tf.layers.reLU());
  model.add(tf.layers.dropout({ rate: 0.3, seed: seed * 100 + k + 2 }));
  model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init(k + 3) }));
  return model;
}

/**
 * The colour classifier of `emoji`: three conv3x3 + maxpool stages (32, 64, 128 filters, ReLU,
 * 'same' padding) → dropout → dense(64, linear, named `features`) → ReLU → dropout →
 * dense(numClasses, softmax); 224,969 parameters for 9 classes. Input: `[n, 32, 32, 3]` in [0, 1].
 *
 * @example
 * ```ts
 * const model = buildColourClassifier(9, 1);
 * model.countParams(); // 224,969
 * ```
 */
export function buildColourClassifier(numClasses = 9, seed = 1, filters: [number, number, number] = [32, 64, 128]): LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 100 + k });
  const model = tf.sequential({ name: 'ganbook_colour_classifier' });
  filters.forEach((f, i) => {
    model.add(tf.layers.conv2d({
      ...(i === 0 ? { inputShape: CLASSIFIER_INPUT.emoji } : {}), filters: f, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(i + 1),
    }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  return addFeatureHead(model, numClasses, seed, 7, 0.3);
}

/** Cached statistics of the real test set, in the classifier's feature space. */
export interface ClassifierStats {
  dataset: ClassifierDataset;
  /** Test-set accuracy measured when the classifier was trained. */
  testAccuracy: number;
  params: number;
  featureDim: number;
  /** Number of test images the mean and covariance were computed on (the whole test set). */
  n: number;
  mean: number[];
  /** Sample covariance (divided by n - 1, as `np.cov`), row-major `featureDim x featureDim`. */
  cov: number[];
  /** Number of rows in `features.bin` (a seeded subsample of the test set). */
  subsample: number;
  /** Labels of the subsample rows. */
  subsampleLabels: number[];
  /** emoji: mean of the per-class test accuracies (the majority class cannot inflate it). */
  testBalancedAccuracy?: number;
  /** emoji: accuracy on the training split (the gap to `testAccuracy` is the generalisation gap). */
  trainAccuracy?: number;
  /** emoji: share of the largest class in the test set (what always guessing it would score). */
  majorityShare?: number;
}

/** A loaded classifier with its cached real-data statistics. */
export interface Classifier {
  dataset: ClassifierDataset;
  model: LayersModel;
  /** Same inputs, outputs `[features, probabilities]`. */
  featureModel: LayersModel;
  stats: ClassifierStats;
  /** Feature rows of the cached test-set subsample, `[subsample, featureDim]` row-major. */
  realFeatures: Float32Array;
}

const cache = new Map<ClassifierDataset, Promise<Classifier>>();

function checkDataset(dataset: string): asserts dataset is ClassifierDataset {
  if (!(CLASSIFIER_DATASETS as string[]).includes(dataset)) {
    throw new Error(`No classifier for dataset "${dataset}"; expected one of ${CLASSIFIER_DATASETS.join(', ')}.`);
  }
}

/**
 * Loads the committed classifier for `dataset` (once per process; later calls share it).
 *
 * @example
 * ```ts
 * const clf = await loadClassifier('mnist');
 * clf.stats.testAccuracy; // 0.99...
 * ```
 */
export function loadClassifier(dataset: ClassifierDataset, dir = path.join(CLASSIFIER_ROOT, dataset)): Promise<Classifier> {
  checkDataset(dataset);
  const key = dataset;
  const hit = cache.get(key);
  if (hit && dir === path.join(CLASSIFIER_ROOT, dataset)) return hit;
  const p = (async () => {
    const modelPath = path.join(dir, 'model.json');
    if (!fs.existsSync(modelPath)) {
      throw new Error(`Classifier for "${dataset}" not found at ${modelPath}; run \`npm run train-classifier\`.`);
    }
    const model = await tf.loadLayersModel(`file://${modelPath}`);
    const featureModel = tf.model({ inputs: model.inputs, outputs: [model.getLayer(FEATURE_LAYER).output as never, model.outputs[0]] });
    const stats = JSON.parse(fs.readFileSync(path.join(dir, 'stats.json'), 'utf8')) as ClassifierStats;
    const buf = fs.readFileSync(path.join(dir, 'features.bin'));
    const realFeatures = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    if (realFeatures.length !== stats.subsample * stats.featureDim) {
      throw new Error(`features.bin of "${dataset}" holds ${realFeatures.length} floats, expected ${stats.subsample}x${stats.featureDim}; rerun \`npm run train-classifier\`.`);
    }
    return { dataset, model, featureModel, stats, realFeatures };
  })();
  if (dir === path.join(CLASSIFIER_ROOT, dataset)) {
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** Output of {@link classify}: plain arrays (no tensors to dispose). */
export interface ClassifierOutputs {
  /** `[n, featureDim]` row-major. */
  features: Float32Array;
  /** `[n, numClasses]` row-major softmax probabilities. */
  probs: Float32Array;
  n: number;
  featureDim: number;
  numClasses: number;
}

/**
 * The images a classifier takes: `[n, h, w, c]` in [0, 1] as they are when they match its input
 * ({@link CLASSIFIER_INPUT}), or box-filtered down when their side is a whole multiple `k` of it
 * (each input pixel = the mean of a k x k block; 64-px emoji → 32 px, as `loadDataset('emoji',
 * { size: 32 })` makes them). A new tensor; the caller disposes it.
 *
 * @throws naming the expected shape for any other shape or channel count.
 * @example
 * ```ts
 * const x = classifierInput('emoji', samples64);  // [n, 32, 32, 3]
 * ```
 */
export function classifierInput(dataset: ClassifierDataset, images: Tensor4D): Tensor4D {
  const [eh, ew, ec] = CLASSIFIER_INPUT[dataset];
  const [, h, w, c] = images.shape;
  const k = h / eh;
  if (c !== ec || !Number.isInteger(k) || k < 1 || w !== ew * k) {
    throw new Error(`The ${dataset} classifier expects [n, ${eh}, ${ew}, ${ec}] images`
      + `${dataset === 'emoji' ? ' (or [n, 64, 64, 3], box-filtered to 32)' : ''}; got [${images.shape}]. Resize or pick another metric.`);
  }
  return tf.tidy(() => (k === 1 ? images.clone() : tf.avgPool(images, k, k, 'valid')) as Tensor4D);
}

/**
 * Runs the classifier on images in [0, 1] — `[n, 28, 28, 1]` for the MNISTs, `[n, 32, 32, 3]` (or
 * 64x64, box-filtered) for emoji; see {@link classifierInput} — batched; no tensors kept.
 *
 * @example
 * ```ts
 * const { features, probs } = classify(await loadClassifier('mnist'), images);
 * ```
 */
export function classify(clf: Classifier, images: Tensor4D, batchSize = 500): ClassifierOutputs {
  const x = classifierInput(clf.dataset, images);
  const [n, h, w, c] = x.shape;
  const d = clf.stats.featureDim;
  const k = (clf.model.outputs[0].shape[1] as number) ?? 10;
  const features = new Float32Array(n * d);
  const probs = new Float32Array(n * k);
  try {
    for (let s = 0; s < n; s += batchSize) {
      const m = Math.min(batchSize, n - s);
      const [f, p] = tf.tidy(() => {
        const out = clf.featureModel.predict(x.slice([s, 0, 0, 0], [m, h, w, c])) as [Tensor2D, Tensor2D];
        return [out[0].dataSync(), out[1].dataSync()];
      });
      features.set(f, s * d);
      probs.set(p, s * k);
    }
  } finally {
    x.dispose();
  }
  return { features, probs, n, featureDim: d, numClasses: k };
}

/**
 * The top class of each row of `[n, numClasses]` probabilities (first one on ties).
 *
 * @example
 * ```ts
 * const { probs, numClasses } = classify(clf, images);
 * const top = topClasses(probs, numClasses); // Int32Array of class indices
 * ```
 */
export function topClasses(probs: Float32Array, numClasses: number): Int32Array {
  const n = probs.length / numClasses;
  const top = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < numClasses; j++) if (probs[i * numClasses + j] > probs[i * numClasses + best]) best = j;
    top[i] = best;
  }
  return top;
}

/**
 * Per class, the share of images whose top class is their label (NaN for a class with no image):
 * the classifier's accuracy on real images of each class — the ceiling for a conditional
 * generator's requested-class share.
 *
 * @example
 * ```ts
 * const { probs } = classify(clf, test.images);       // test: a labelled Dataset, [n, 28, 28, 1] in [0, 1]
 * classAccuracy(probs, test.labels!, 10);             // [0.998, 0.996, ...]
 * ```
 * @throws Error when `labels` has not one entry per row of `probs`.
 */
export function classAccuracy(probs: Float32Array, labels: ArrayLike<number>, numClasses: number): number[] {
  if (labels.length * numClasses !== probs.length) throw new Error(`Expected one label per row of probs (${probs.length / numClasses} rows); got ${labels.length} labels.`);
  const top = topClasses(probs, numClasses);
  const hits = new Array<number>(numClasses).fill(0), counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    counts[labels[i]]++;
    if (top[i] === labels[i]) hits[labels[i]]++;
  }
  return hits.map((h, c) => (counts[c] ? h / counts[c] : NaN));
}
