/**
 * The share of generated samples a trained classifier recognizes with high confidence: a quick,
 * interpretable quality number ("how many of these look like a digit?") next to FCD/KCD.
 */
import { tf } from '../backend';
import { classify, loadClassifier, topClasses, type ClassifierDataset } from './classifier';
import { checkMetricOptions, type MetricOptionSpec } from './checks';
import { EVALUATE_OPTIONS, realImages, sampler, type EvaluateOptions, type GeneratorLike } from './evaluate';
import { toUnitRange } from './scores';

/** Options of {@link recognizableShare}: those of `sampleGenerator` plus the threshold. */
export interface RecognizableOptions extends Pick<EvaluateOptions, 'n' | 'seed' | 'latentDim' | 'numClasses' | 'range' | 'batchSize'> {
  /** Classifier to ask (default `'mnist'`). */
  dataset?: ClassifierDataset;
  /** Top-class probability a sample needs to count (default 0.9). */
  threshold?: number;
  /** Also measure the share for `n` real held-out test images, `realShare` (default true). */
  baseline?: boolean;
}

/** Every {@link recognizableShare} option. */
const RECOGNIZABLE_OPTIONS: Record<string, MetricOptionSpec> = {
  ...Object.fromEntries(['n', 'seed', 'latentDim', 'numClasses', 'range', 'batchSize', 'dataset', 'baseline'].map((k) => [k, EVALUATE_OPTIONS[k]])),
  threshold: { kind: 'number' },   // its range is checked below
};

/** Result of {@link recognizableShare}. */
export interface Recognizable {
  /** Fraction of samples whose top class has probability ≥ `threshold`. */
  share: number;
  threshold: number;
  n: number;
  /** How many samples the classifier assigns to each class (top class, any confidence): mode coverage. */
  classCounts: number[];
  /** Conditional generators: fraction whose top class is the requested one with probability ≥ `threshold`. */
  requestedShare?: number;
  /** The real-vs-real baseline: `share` of as many real held-out test images (same size as the samples). */
  realShare?: number;
}

/**
 * Samples `n` images (seeded, as {@link sampleGenerator}) and returns the share the classifier
 * labels with at least `threshold` confidence, with the class histogram to spot mode dropping.
 * Real images set the ceiling, measured beside it as `realShare` (as many held-out test images):
 * the bundled MNIST classifier gives 0.974 on the first 2,000 test images; emoji are far lower (see
 * `datasets/classifiers/README.md`). Colour samples: `{ dataset: 'emoji' }`, `[n, 32, 32, 3]` or 64x64.
 *
 * @example
 * ```ts
 * const r = await recognizableShare(trainer.emaGenerator ?? gan.generator, { n: 1000 });
 * `${(100 * r.share).toFixed(1)}% recognizable; per class ${r.classCounts.join(' ')}`
 * ```
 * @throws for an unknown or ill-typed option (e.g. threshold outside [0, 1]), or a conditional
 * (two-input) generator whose class count is not known (pass `numClasses`), as {@link sampleGenerator}.
 */
export async function recognizableShare(generator: GeneratorLike, opts: RecognizableOptions = {}): Promise<Recognizable> {
  checkMetricOptions(opts, RECOGNIZABLE_OPTIONS, 'recognizableShare option');
  const threshold = opts.threshold ?? 0.9;
  if (!(threshold >= 0 && threshold <= 1)) throw new Error(`Expected recognizableShare option threshold in [0, 1]; got ${opts.threshold} (a top-class probability, e.g. 0.9).`);
  const clf = await loadClassifier(opts.dataset ?? 'mnist');
  const { n, seed, latentDim, numClasses, range: r, batchSize } = opts;
  const { images, labels, range } = await sampler(generator, { n, seed, latentDim, numClasses, range: r, batchSize }, 'recognizableShare');
  const unit = tf.tidy(() => toUnitRange(images, range));
  images.dispose();
  let probs: Float32Array, k: number;
  try {
    ({ probs, numClasses: k } = classify(clf, unit));
  } finally {
    unit.dispose();
  }
  const result = confidentShare(probs, k, threshold, labels);
  if (opts.baseline ?? true) {
    const real = await realImages(clf.dataset, 'test', result.n, opts.seed ?? 0, unit.shape.slice(1) as [number, number, number]);
    if (real) {
      try {
        result.realShare = confidentShare(classify(clf, real).probs, k, threshold).share;
      } finally {
        real.dispose();
      }
    }
  }
  return result;
}

/**
 * The {@link Recognizable} numbers from classifier probabilities (`[n, numClasses]` flat): also for
 * real images, whose share is the ceiling generated ones are compared with.
 */
export function confidentShare(probs: Float32Array, numClasses: number, threshold = 0.9, labels?: ArrayLike<number> | null): Recognizable {
  const k = numClasses, n = probs.length / k;
  const top = topClasses(probs, k);
  const classCounts = new Array<number>(k).fill(0);
  let confident = 0, requested = 0;
  for (let i = 0; i < n; i++) {
    classCounts[top[i]]++;
    const sure = probs[i * k + top[i]] >= threshold;
    if (sure) confident++;
    if (sure && labels && labels[i] === top[i]) requested++;
  }
  return { share: confident / n, threshold, n, classCounts, ...(labels ? { requestedShare: requested / n } : {}) };
}
