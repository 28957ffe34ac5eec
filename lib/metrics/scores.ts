/**
 * Distribution metrics of generated images, computed on a small MNIST / Fashion-MNIST / emoji
 * classifier instead of Inception (no Inception network is available offline). Colour samples:
 * `{ dataset: 'emoji' }` with `[n, 32, 32, 3]` or `[n, 64, 64, 3]` images (box-filtered to 32):
 *
 * - {@link classifierScore}: the Inception Score formula, `exp E[KL(p(y|x) ‖ p(y))]`;
 * - {@link frechetClassifierDistance}: the FID formula on the classifier's 64-d features;
 * - {@link kernelClassifierDistance}: the KID estimator (unbiased polynomial-kernel MMD²);
 * - {@link precisionRecall}: k-NN manifold precision/recall in the same feature space.
 *
 * The numbers are comparable between ganbook runs on the same dataset, **not** with published
 * Inception-based IS/FID/KID. The real-data side comes from statistics cached next to the
 * classifier (the whole test set's mean and covariance — for emoji the 1,564 held-out emoji
 * images; a subsample of up to 2,000 images' features), or from `reference` images when given.
 * Read every number beside its real-vs-real baseline (`realBaseline` in `evaluate.ts`, shown by
 * `evaluateImages`): real training images score well above 0 at a given n, emoji far more than MNIST.
 */
import { tf, type Tensor, type Tensor4D } from '../backend';
import { classify, CLASSIFIER_DATASETS, loadClassifier, type Classifier, type ClassifierDataset, type ClassifierOutputs } from './classifier';
import { featureStatistics, frechetDistance, polynomialMmd2 } from './linalg';
import { precisionRecallFeatures, type PrecisionRecall } from './neighbours';
import { assertFinite, mulberry32 } from './pixel';
import { intOption } from '../options';
import { assertUnitRange, checkMetricOptions, type MetricOptionSpec, type UnitRangeCheck } from './checks';

/** Options shared by the classifier-based metrics. */
export interface ClassifierMetricOptions {
  /** Which committed classifier (and cached real statistics) to use. Default `mnist`. */
  dataset?: ClassifierDataset;
  /**
   * Value range of the images (GAN outputs, `trainer.samples()`: `[-1, 1]`). Without it the
   * images must be in [0, 1]: values below −0.01 or above 1.01 throw (they would be clipped).
   */
  range?: [number, number];
  /**
   * Real images to compare with instead of the cached test-set statistics (e.g. one half of
   * the real data, for a real-vs-real baseline). Same shape rules and `range` as the images.
   */
  reference?: Tensor4D;
}

/**
 * `images` `[n,h,w,c]` rescaled from `range` to [0, 1] and clipped there (new tensor; caller
 * disposes), validated. With no `range` the images are taken as [0, 1] and must be in it
 * ({@link assertUnitRange}; `check` words its message).
 *
 * @throws for a non-tensor, a rank other than 4, a bad range, NaN/Inf, or (no range) values outside [−0.01, 1.01].
 * @example
 * ```ts
 * const x = toUnitRange(trainer.samples(64), [-1, 1]);   // [64, h, w, c] in [0, 1]
 * ```
 */
export function toUnitRange(images: Tensor, range?: [number, number], name = 'images', check?: UnitRangeCheck): Tensor4D {
  if (!(images instanceof tf.Tensor)) throw new Error(`${name} must be an image tensor [n,h,w,c]; got ${typeof images}.`);
  if (images.rank !== 4) throw new Error(`${name} must be a batch [n,h,w,c]; got shape [${images.shape}]. Add a batch axis with expandDims(0).`);
  const [lo, hi] = range ?? [0, 1];
  if (!(hi > lo)) throw new Error(`range must be [min, max] with max > min; got [${range}].`);
  assertFinite(images, name);
  if (!range) assertUnitRange(images, name, check);
  return tf.tidy(() => images.toFloat().sub(lo).div(hi - lo).clipByValue(0, 1) as Tensor4D);
}

/** The options of {@link classifierScore} and {@link frechetClassifierDistance}. */
export const CLASSIFIER_METRIC_OPTIONS: Record<string, MetricOptionSpec> = {
  dataset: { kind: 'enum', values: CLASSIFIER_DATASETS }, range: { kind: 'range' }, reference: { kind: 'object' },
};
const KERNEL_OPTIONS: Record<string, MetricOptionSpec> = {
  ...CLASSIFIER_METRIC_OPTIONS, subsets: intOption(1), subsetSize: intOption(2), seed: { kind: 'number', integer: true },
};
const PR_OPTIONS: Record<string, MetricOptionSpec> = { ...CLASSIFIER_METRIC_OPTIONS, k: intOption(1, 'neighbour rank') };

/** Runs the classifier on images given in `range` (no tensors kept). */
export async function classifierOutputs(images: Tensor4D, opts: ClassifierMetricOptions = {}, name = 'images'): Promise<ClassifierOutputs> {
  checkMetricOptions(opts, CLASSIFIER_METRIC_OPTIONS, 'classifierOutputs option');
  const clf = await loadClassifier(opts.dataset ?? 'mnist');
  return outputsWith(clf, images, opts.range, name);
}

function outputsWith(clf: Classifier, images: Tensor4D, range: [number, number] | undefined, name: string): ClassifierOutputs {
  const x = toUnitRange(images, range, name);
  try {
    return classify(clf, x);
  } finally {
    x.dispose();
  }
}

/** Real-side features: from `reference` images, or the first `n` rows of the cached subsample. */
function realFeatures(clf: Classifier, opts: ClassifierMetricOptions, n?: number): { data: Float32Array; n: number } {
  if (opts.reference) {
    const out = outputsWith(clf, opts.reference, opts.range, 'reference images');
    return { data: out.features, n: out.n };
  }
  const d = clf.stats.featureDim;
  const rows = Math.min(n ?? clf.stats.subsample, clf.stats.subsample);
  return { data: clf.realFeatures.subarray(0, rows * d), n: rows };
}

/**
 * Classifier score: the Inception Score formula `exp(mean_x KL(p(y|x) ‖ p(y)))` with the
 * MNIST/Fashion-MNIST classifier in place of Inception. Between 1 (one class, or unsure
 * predictions) and 10 (confident and all classes equally often).
 *
 * @example
 * ```ts
 * await classifierScore(samples, { dataset: 'mnist', range: [-1, 1] }); // 9.6 for a good MNIST GAN
 * ```
 */
export async function classifierScore(images: Tensor4D, opts: ClassifierMetricOptions = {}): Promise<number> {
  checkMetricOptions(opts, CLASSIFIER_METRIC_OPTIONS, 'classifierScore option');
  const { probs, n, numClasses: k } = await classifierOutputs(images, opts);
  return classifierScoreFromProbs(probs, n, k);
}

/** The score from softmax rows `[n, k]` (exposed for tests and custom classifiers). */
export function classifierScoreFromProbs(probs: ArrayLike<number>, n: number, k: number): number {
  if (n < 1) throw new Error('classifierScore needs at least 1 image; got 0.');
  const eps = 1e-12;
  const py = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) py[j] += probs[i * k + j] / n;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const p = probs[i * k + j];
      if (p > 0) kl += p * (Math.log(p + eps) - Math.log(py[j] + eps));
    }
  }
  return Math.exp(kl / n);
}

/**
 * Fréchet classifier distance: the FID formula `|μ₁-μ₂|² + tr(Σ₁ + Σ₂ - 2(Σ₁Σ₂)^½)` on the
 * classifier's 64-d features, against the cached statistics of the real test set (or
 * `reference` images). Lower is better; 0 for identical feature distributions.
 *
 * @example
 * ```ts
 * await frechetClassifierDistance(samples, { dataset: 'mnist', range: [-1, 1] }); // e.g. 3.2
 * ```
 */
export async function frechetClassifierDistance(images: Tensor4D, opts: ClassifierMetricOptions = {}): Promise<number> {
  checkMetricOptions(opts, CLASSIFIER_METRIC_OPTIONS, 'frechetClassifierDistance option');
  const clf = await loadClassifier(opts.dataset ?? 'mnist');
  const out = outputsWith(clf, images, opts.range, 'images');
  if (out.n < 2) throw new Error(`frechetClassifierDistance needs at least 2 images for a covariance; got ${out.n}. Use ≥ 1,000 for stable numbers.`);
  const fake = featureStatistics(out.features, out.n, out.featureDim);
  if (opts.reference) {
    const ref = realFeatures(clf, opts);
    if (ref.n < 2) throw new Error(`frechetClassifierDistance needs at least 2 reference images for a covariance; got ${ref.n}.`);
    const real = featureStatistics(ref.data, ref.n, out.featureDim);
    return frechetDistance(fake.mean, fake.cov, real.mean, real.cov);
  }
  return frechetDistance(fake.mean, fake.cov, clf.stats.mean, clf.stats.cov);
}

/** Options of {@link kernelClassifierDistance}. */
export interface KernelDistanceOptions extends ClassifierMetricOptions {
  /** Number of random subsets averaged (default 10). */
  subsets?: number;
  /** Samples per subset (default min(n, real count, 1000)). */
  subsetSize?: number;
  /** Seed of the subset choice (default 0). */
  seed?: number;
}

/** Mean and standard deviation of the KID-style estimate over subsets. */
export interface KernelDistance {
  mean: number;
  std: number;
}

/**
 * Kernel classifier distance: the KID estimator (unbiased MMD² with kernel `(xᵀy/d + 1)³`) on the
 * classifier's features, averaged over random subsets. ~0 for matching distributions (it can
 * be slightly negative: unbiased). Less biased than the Fréchet distance for small samples.
 *
 * @example
 * ```ts
 * (await kernelClassifierDistance(samples, { dataset: 'mnist', range: [-1, 1] })).mean; // 0.012
 * ```
 */
export async function kernelClassifierDistance(images: Tensor4D, opts: KernelDistanceOptions = {}): Promise<KernelDistance> {
  checkMetricOptions(opts, KERNEL_OPTIONS, 'kernelClassifierDistance option');
  const clf = await loadClassifier(opts.dataset ?? 'mnist');
  const out = outputsWith(clf, images, opts.range, 'images');
  const real = realFeatures(clf, opts);
  const d = out.featureDim;
  const size = opts.subsetSize ?? Math.min(out.n, real.n, 1000);
  if (size < 2 || size > out.n || size > real.n) {
    throw new Error(`kernelClassifierDistance: subsetSize ${size} must be ≥ 2 and ≤ both ${out.n} images and ${real.n} real samples. Pass more images.`);
  }
  const subsets = opts.subsets ?? 10;
  const rand = mulberry32(opts.seed ?? 0);
  const values: number[] = [];
  const pick = (src: Float32Array, n: number): Float32Array => {
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < size; i++) {
      const j = i + Math.floor(rand() * (n - i));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const dst = new Float32Array(size * d);
    for (let i = 0; i < size; i++) dst.set(src.subarray(idx[i] * d, (idx[i] + 1) * d), i * d);
    return dst;
  };
  for (let s = 0; s < subsets; s++) {
    values.push(polynomialMmd2(pick(out.features, out.n), size, pick(real.data, real.n), size, d));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std };
}

/** Options of {@link precisionRecall}. */
export interface PrecisionRecallOptions extends ClassifierMetricOptions {
  /** Neighbour rank of the manifold radii (default 3, as Kynkäänniemi et al.). */
  k?: number;
}

/**
 * Improved precision (quality: generated samples on the real manifold) and recall (coverage:
 * real samples on the generated manifold) of Kynkäänniemi et al. 2019, in the classifier's
 * feature space. The real side uses as many cached test features as there are images (≤ 2,000)
 * unless `reference` images are given.
 *
 * @example
 * ```ts
 * await precisionRecall(samples, { dataset: 'mnist', range: [-1, 1] }); // { precision: 0.8, recall: 0.6 }
 * ```
 */
export async function precisionRecall(images: Tensor4D, opts: PrecisionRecallOptions = {}): Promise<PrecisionRecall> {
  checkMetricOptions(opts, PR_OPTIONS, 'precisionRecall option');
  const clf = await loadClassifier(opts.dataset ?? 'mnist');
  const out = outputsWith(clf, images, opts.range, 'images');
  const real = realFeatures(clf, opts, out.n);
  const d = out.featureDim;
  return precisionRecallFeatures({ data: real.data, n: real.n, d }, { data: out.features, n: out.n, d }, opts.k ?? 3);
}
