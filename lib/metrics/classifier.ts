/**
 * The small LeNet-style classifiers that stand in for Inception in ganbook's distribution
 * metrics. No Inception network is available offline, so "FID" here is a **Fréchet classifier
 * distance** computed on the 64-dimensional penultimate layer of a classifier trained on the
 * same dataset (MNIST or Fashion-MNIST). Numbers are comparable between ganbook runs, not with
 * published Inception-based FID/IS/KID values.
 *
 * The trained models and the cached statistics of the real test sets live in
 * `datasets/classifiers/<dataset>/` and are produced by `npm run train-classifier`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, type LayersModel, type Tensor2D, type Tensor4D } from '../backend';

/** Datasets with a committed classifier. */
export type ClassifierDataset = 'mnist' | 'fashion-mnist';

export const CLASSIFIER_DATASETS: ClassifierDataset[] = ['mnist', 'fashion-mnist'];

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
  model.add(tf.layers.flatten());
  model.add(tf.layers.dropout({ rate: 0.25, seed: seed * 100 + 3 }));
  model.add(tf.layers.dense({ units: FEATURE_DIM, name: FEATURE_LAYER, kernelInitializer: init(4) }));
  model.add(tf.layers.reLU());
  model.add(tf.layers.dropout({ rate: 0.3, seed: seed * 100 + 5 }));
  model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: init(6) }));
  return model;
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
 * Runs the classifier on `[n, 28, 28, 1]` images in [0, 1] (batched; no tensors kept).
 *
 * @example
 * ```ts
 * const { features, probs } = classify(await loadClassifier('mnist'), images);
 * ```
 */
export function classify(clf: Classifier, images: Tensor4D, batchSize = 500): ClassifierOutputs {
  const [n, h, w, c] = images.shape;
  if (h !== 28 || w !== 28 || c !== 1) {
    throw new Error(`The ${clf.dataset} classifier expects [n, 28, 28, 1] images; got [${images.shape}]. Resize or pick another metric.`);
  }
  const d = clf.stats.featureDim;
  const k = (clf.model.outputs[0].shape[1] as number) ?? 10;
  const features = new Float32Array(n * d);
  const probs = new Float32Array(n * k);
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const [f, p] = tf.tidy(() => {
      const x = images.slice([s, 0, 0, 0], [m, h, w, c]);
      const out = clf.featureModel.predict(x) as [Tensor2D, Tensor2D];
      return [out[0].dataSync(), out[1].dataSync()];
    });
    features.set(f, s * d);
    probs.set(p, s * k);
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
