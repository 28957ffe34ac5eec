/**
 * One call to score a generator (or a batch of images): classifier score, Fréchet and kernel
 * classifier distances, precision/recall, MS-SSIM diversity, optional memorization check and
 * per-class quality for conditional models, as a report that displays itself.
 */
import { tf, type LayersModel, type Tensor, type Tensor2D, type Tensor4D } from '../backend';
import type { Displayable } from '../display/show';
import type { MimeBundle } from '../display/sink';
import { toPng } from '../plot/image';
import { loadDataset } from '../data/load';
import { permutation } from '../data/random';
import { assertUnitRange, checkMetricOptions, type MetricOptionSpec } from './checks';
import { intOption } from '../options';
import { classify, CLASSIFIER_DATASETS, CLASSIFIER_INPUT, loadClassifier, topClasses, type ClassifierDataset } from './classifier';
import { featureStatistics, frechetDistance, polynomialMmd2 } from './linalg';
import { memorization, type MemorizationReport } from './memorization';
import { precisionRecallFeatures } from './neighbours';
import { msSsimDiversity, mulberry32 } from './pixel';
import { classifierScoreFromProbs, toUnitRange } from './scores';

/** A sampler: latent codes (and float32 `[n,1]` labels when conditional) → images. */
export type SampleFn = (z: Tensor2D, labels?: Tensor2D) => Tensor4D;

/** What {@link evaluateGenerator} accepts: a model, `loadGenerator`'s `{ model, meta }`, or a function. */
export type GeneratorLike = LayersModel | SampleFn | { model: LayersModel; meta: { latentDim: number; numClasses: number; range?: [number, number] } };

/** Per-class quality of a conditional generator. */
export interface ClassQuality {
  label: number;
  n: number;
  /** Fraction of samples the classifier assigns to the requested class. */
  accuracy: number;
  /** Mean classifier probability of the requested class. */
  confidence: number;
  /** Fréchet classifier distance to that class's real test features (~200 cached rows; biased for small n). */
  fcd: number;
}

/** Options of {@link evaluateImages}. */
export interface EvaluateImagesOptions {
  dataset?: ClassifierDataset;
  /**
   * Value range of the images, e.g. `[-1, 1]` for tanh outputs such as `trainer.samples()`. Without
   * it the images must be in [0, 1]: values below −0.01 or above 1.01 throw (they would be clipped).
   */
  range?: [number, number];
  /** Requested class of each image (conditional generators): enables per-class quality. */
  labels?: Int32Array;
  /**
   * Training images (`[0,1]`; other values throw) or a Dataset: enables the memorization check.
   * emoji: the report also says when they are not over a white background (see {@link borderBackground}),
   * as the classifier and its reference statistics are.
   */
  train?: Tensor4D | { images: Tensor4D };
  /** Seed of subset and pair choices (default 0). */
  seed?: number;
  /** Neighbour rank for precision/recall (default 3). */
  k?: number;
  /** MS-SSIM pairs for the diversity number (default 200; 0 skips it). */
  diversityPairs?: number;
  /** Images in each best/worst grid (default 16). */
  gridSize?: number;
  /** Name shown in the report. */
  name?: string;
  /**
   * Show the real-vs-real baseline beside every score (default true): as many real training
   * images, scored the same way ({@link realBaseline}), and — with `train` — held-out real images'
   * distance to `train`. false skips it (faster).
   */
  baseline?: boolean;
}

/** Options of {@link evaluateGenerator}. */
export interface EvaluateOptions extends Omit<EvaluateImagesOptions, 'labels' | 'range'> {
  /** Number of samples (default 1000). */
  n?: number;
  /** Latent size (default: from the model's input or `meta`). */
  latentDim?: number;
  /**
   * Classes of a conditional generator (default: from `meta`; else, for a model with a second
   * (label) input, the `inputDim` of the Embedding layer it feeds; else 0). Labels cycle 0..K-1
   * unless `labelWeights` is given. A two-input model whose class count cannot be found throws, asking for it.
   */
  numClasses?: number;
  /**
   * Conditional generators: how often to ask for each class, as `numClasses` non-negative weights
   * (e.g. the training set's image count per class); the `n` labels are split in proportion
   * (largest remainders), in blocks by class. Default: every class equally. A conditional model's
   * image distribution is Σ_y p(y)·p(x | y), so score it at the data's class shares when its
   * distribution scores (FCD, KCD, precision/recall) are to be compared with the real data's
   * (the per-class scores are the same either way, from fewer or more samples).
   * Throws when the length is not `numClasses`, a weight is negative or not finite, or all are 0.
   */
  labelWeights?: ArrayLike<number>;
  /** Output range of the generator (default `[-1, 1]`, tanh). */
  range?: [number, number];
  /** Generation batch size (default 250). */
  batchSize?: number;
  /**
   * The truncation trick (Brock et al. 2019, §3.1): latent values with |z| above this threshold
   * are redrawn, so samples are more typical and less varied (fidelity for variety: precision and
   * the per-class share rise, recall falls). E.g. 1 or 0.5; default none (`Infinity`). Report it
   * beside any score measured with it. Throws when not > 0.
   */
  truncation?: number;
}

/** The numbers of an {@link EvaluationReport}, as plain JSON. */
export interface EvaluationScores {
  name: string;
  dataset: ClassifierDataset;
  n: number;
  seed: number;
  classifierScore: number;
  fcd: number;
  kcd: number;
  kcdStd: number;
  precision: number;
  recall: number;
  /** Mean MS-SSIM over random sample pairs (lower = more diverse); NaN if skipped. */
  msSsimDiversity: number;
  /** Median RMS distance to the nearest training image; NaN without `train`. */
  memorizationMedian: number;
  memorizationMin: number;
  /** Classes of the classifier (the classifier score's maximum). */
  numClasses?: number;
  /**
   * Conditional samples: total variation distance (0 – 1) between the requested labels' class
   * shares and those of the real images the statistics come from; above 0.1 the report says that
   * FCD, KCD and precision/recall compare different class mixes (see `labelWeights`).
   */
  labelMixGap?: number;
  /**
   * Spread of the images' classifier features against the real ones': total variance (trace of
   * the covariance) of the images' features / that of the cached real statistics. About 1 for real
   * images; near 0 when the samples collapse to a few points (then precision is not meaningful).
   */
  featureSpread?: number;
  /**
   * emoji with `train`: the training images' background as read from their border pixels
   * ({@link borderBackground}): `whiteShare`, the share of border pixels that are near white, and
   * their mean `rgb` in [0, 1]. Below 0.5 the report says that the scores compare a non-white
   * background with the classifier's white one.
   */
  trainBorder?: BorderBackground;
}

/** The background of a batch of images as read from their border pixels ({@link borderBackground}). */
export interface BorderBackground {
  /** Share (0 – 1) of the outermost ring of pixels whose every channel is ≥ 0.9 (near white). */
  whiteShare: number;
  /** Mean colour of those pixels, `[r, g, b]` (or `[v]`) in [0, 1]. */
  rgb: number[];
}

/** Below this share of near-white border pixels, emoji training images count as over a non-white background. */
export const WHITE_BORDER_SHARE = 0.5;

/**
 * Reads the background of images `[n, h, w, c]` in [0, 1] from their border: the outermost ring of
 * pixels of the first `limit` images (default 500). Emoji over white (`loadDataset('emoji')`'s
 * default) have 84 – 88% of their border pixels near white (every channel ≥ 0.9), over black 0.3%;
 * {@link evaluateImages} takes a share below {@link WHITE_BORDER_SHARE} as "not over white".
 * Cheap (one reduction); no tensors kept.
 *
 * @throws for images that are not `[n, h, w, c]` with h, w ≥ 2.
 * @example
 * ```ts
 * borderBackground((await loadDataset('emoji', { size: 32, background: 'black' })).images);
 * // { whiteShare: 0.003, rgb: [0.07, 0.07, 0.07] }
 * ```
 */
export function borderBackground(images: Tensor4D, limit = 500): BorderBackground {
  if (images.rank !== 4 || images.shape[1] < 2 || images.shape[2] < 2) throw new Error(`Expected images [n, h, w, c] with h, w >= 2 for borderBackground; got [${images.shape}].`);
  return tf.tidy(() => {
    const [n0, h, w, c] = images.shape;
    const n = Math.min(n0, limit);
    const x = images.slice([0, 0, 0, 0], [n, h, w, c]).toFloat();
    const ring = tf.concat([
      x.slice([0, 0, 0, 0], [n, 1, w, c]), x.slice([0, h - 1, 0, 0], [n, 1, w, c]),
    ].map((t) => t.reshape([-1, c])).concat([
      x.slice([0, 1, 0, 0], [n, h - 2, 1, c]), x.slice([0, 1, w - 1, 0], [n, h - 2, 1, c]),
    ].map((t) => t.reshape([-1, c]))), 0);
    const whiteShare = ring.min(1).greaterEqual(0.9).toFloat().mean().dataSync()[0];
    return { whiteShare, rgb: Array.from(ring.mean(0).dataSync()) };
  });
}

/** The report's caution when the requested labels' class mix differs from the reference images' (above 0.1). */
function labelMixNote(s: EvaluationScores): string | null {
  if (!(s.labelMixGap !== undefined && s.labelMixGap > 0.1)) return null;
  return `the requested labels' class mix is ${s.labelMixGap.toFixed(2)} (total variation) from that of the real images scored against: `
    + 'FCD, KCD and precision/recall compare different mixes; for distribution scores ask in the data\'s proportions (labelWeights: the training set\'s class counts)';
}

/** Recall below this (or below {@link COLLAPSE_RECALL_RATIO} of the baseline's) or a feature spread below {@link COLLAPSE_SPREAD} counts as collapsed. */
export const COLLAPSE_RECALL = 0.05;
export const COLLAPSE_RECALL_RATIO = 0.25;
export const COLLAPSE_SPREAD = 0.1;

/**
 * k-NN precision (Kynkäänniemi et al. 2019) only asks whether each sample lies inside some real
 * image's neighbourhood, so collapsed samples (one blank image, a few repeated ones) can score
 * ~1: the report says so when recall is below 0.05 or under a quarter of the baseline's, or the
 * features' spread is under 0.1 of the real features'.
 */
function collapseNote(s: EvaluationScores, b: EvaluationScores | null): string | null {
  if (!Number.isFinite(s.precision)) return null;
  const why: string[] = [];
  if (s.recall < COLLAPSE_RECALL || (b && b.recall > 0 && s.recall < COLLAPSE_RECALL_RATIO * b.recall)) {
    why.push(`recall ${s.recall.toFixed(3)}${b && Number.isFinite(b.recall) ? ` against the real images' ${b.recall.toFixed(3)}` : ''}`);
  }
  if (s.featureSpread !== undefined && s.featureSpread < COLLAPSE_SPREAD) why.push(`feature spread ${s.featureSpread.toFixed(3)} of the real features'`);
  if (why.length === 0) return null;
  return `precision ${s.precision.toFixed(3)} is not meaningful here: the samples look collapsed (${why.join('; ')}), and k-NN precision `
    + 'only asks whether each sample lies near some real image, so a few repeated or blank images can score near 1 (Kynkäänniemi et al. 2019); read recall, FCD and KCD instead';
}

/** Notes on KID values that are negative, or whose spread over the subsets exceeds them (the estimator is unbiased, so both happen at small n). */
function kidNotes(s: EvaluationScores, b: EvaluationScores | null): string[] {
  const cols = [[s.name, s], ...(b ? [['real baseline', b] as const] : [])] as const;
  const v = (x: EvaluationScores) => `${x.kcd.toFixed(4)} ± ${x.kcdStd.toFixed(4)}`;
  const negative = cols.filter(([, x]) => x.kcd < 0);
  const noisy = cols.filter(([, x]) => x.kcd >= 0 && x.kcdStd > x.kcd);
  const notes: string[] = [];
  if (negative.length) {
    notes.push(`KID is negative (${negative.map(([name, x]) => `${name}: ${v(x)}`).join('; ')}): the unbiased estimator scatters around its true value, `
      + 'which is ≥ 0, and falls below 0 at small n when the distributions are close; read it as about 0');
  }
  if (noisy.length) {
    notes.push(`KID's spread over its subsets exceeds its value (${noisy.map(([name, x]) => `${name}: ${v(x)}`).join('; ')}): not distinguishable from 0 `
      + `at n = ${s.n}; compare KIDs only when they differ by more than their spreads, or score more images`);
  }
  return notes;
}

/** The caution when emoji training images are not over white, as the classifier's statistics are. */
function backgroundNote(s: EvaluationScores): string | null {
  const t = s.trainBorder;
  if (!(s.dataset === 'emoji' && t && t.whiteShare < WHITE_BORDER_SHARE)) return null;
  return `the training images (train) are over a non-white background (${(100 * t.whiteShare).toFixed(0)}% of their border pixels near white; `
    + `mean border colour ${t.rgb.map((c) => c.toFixed(2)).join(', ')}), but the emoji classifier and its reference statistics are of emoji over white: `
    + 'FCD, KCD, precision/recall and the classifier score (and the held-out memorization baseline) compare different backgrounds. '
    + 'Evaluate a generator trained on loadDataset(\'emoji\', { size: 32 }) (default background \'white\'), or read only the memorization check';
}

/**
 * The cautions an {@link EvaluationReport} prints under its table: a class-mix gap, collapsed
 * samples (precision not meaningful), negative or noisy KID, emoji training images over a
 * non-white background.
 */
export function reportNotes(s: EvaluationScores, b: EvaluationScores | null): string[] {
  return [labelMixNote(s), backgroundNote(s), collapseNote(s, b), ...kidNotes(s, b)].filter((n): n is string => n !== null);
}

/** Total variation distance between the class shares of two label lists over `k` classes. */
function classMixDistance(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  const share = (l: ArrayLike<number>) => {
    const c = new Array<number>(k).fill(0);
    for (let i = 0; i < l.length; i++) c[l[i]] += 1 / l.length;
    return c;
  };
  const [p, q] = [share(a), share(b)];
  return 0.5 * p.reduce((acc, v, i) => acc + Math.abs(v - q[i]), 0);
}

/** Scores of a generator or image batch; `show(report)` renders a table plus best/worst grids. */
export class EvaluationReport implements Displayable {
  constructor(
    readonly scores: EvaluationScores,
    /** Per-class quality (conditional models), else empty. */
    readonly perClass: ClassQuality[],
    /** `[2 * gridSize, h, w, c]` in [0,1]: the most confident samples, then the least confident. */
    private readonly bestWorst: { data: Float32Array; shape: [number, number, number, number] },
    readonly memorization: MemorizationReport | null,
    /** The same scores for real images ({@link realBaseline}; memorization: held-out real vs `train`), or null. */
    readonly baseline: EvaluationScores | null = null,
  ) {}

  /** Most / least confidently classified samples, `[k,h,w,c]` in [0,1] (caller disposes). */
  grid(which: 'best' | 'worst'): Tensor4D {
    const [n2, h, w, c] = this.bestWorst.shape;
    const k = n2 / 2;
    const all = tf.tensor4d(this.bestWorst.data, this.bestWorst.shape);
    const out = tf.tidy(() => all.slice([which === 'best' ? 0 : k, 0, 0, 0], [k, h, w, c]));
    all.dispose();
    return out as Tensor4D;
  }

  toJSON(): EvaluationScores & { perClass: ClassQuality[]; baseline: EvaluationScores | null; notes: string[] } {
    return { ...this.scores, perClass: this.perClass, baseline: this.baseline, notes: this.notes };
  }

  /** The cautions printed under the table ({@link reportNotes}): read the scores with them. */
  get notes(): string[] {
    return reportNotes(this.scores, this.baseline);
  }

  /** Rows of the score table: label, this report's value, the baseline's value ('' without one), note. */
  private rows(): [string, string, string, string][] {
    const s = this.scores, b = this.baseline;
    const f = (v: number | undefined, d = 3) => (v !== undefined && Number.isFinite(v) ? v.toFixed(d) : '—');
    const both = (get: (x: EvaluationScores) => string): [string, string] => [get(s), b ? get(b) : ''];
    const rows: [string, string, string, string][] = [
      ['classifier score (IS formula)', ...both((x) => f(x.classifierScore)), `higher is better (max ${s.numClasses ?? 10})`],
      ['Fréchet classifier distance (FID)', ...both((x) => f(x.fcd)), 'lower is better'],
      ['kernel classifier distance (KID)', ...both((x) => `${f(x.kcd, 4)} ± ${f(x.kcdStd, 4)}`), 'lower is better'],
      ['precision / recall (k-NN)', ...both((x) => `${f(x.precision)} / ${f(x.recall)}`), 'quality / coverage'],
      ['MS-SSIM of sample pairs (diversity)', ...both((x) => f(x.msSsimDiversity)), 'lower is more diverse'],
    ];
    if (Number.isFinite(s.memorizationMedian)) {
      rows.push(['nearest training image (RMS px)', ...both((x) => `min ${f(x.memorizationMin)}, median ${f(x.memorizationMedian)}`), 'memorization check']);
    }
    return rows;
  }

  /** The report as `text/plain` lines. */
  toText(): string {
    const s = this.scores, b = this.baseline;
    const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
    const lines = [
      `${s.name}: ${s.n} images, classifier ${s.dataset}, seed ${s.seed}${b ? `; beside each score: ${b.name}` : ''}`,
      // columns as wide as their longest value, two spaces apart (a KID "429.3996 ± 17.2356" is wider than most)
      ...((rows) => {
        const wv = Math.max(16, ...rows.map((r) => r[1].length)) + 2, wr = Math.max(16, ...rows.map((r) => r[2].length)) + 2;
        return rows.map(([k, v, r, note]) => `  ${k.padEnd(37)}${v.padEnd(wv)}${b ? `real: ${r.padEnd(wr)}` : ''}${note}`);
      })(this.rows()),
    ];
    for (const c of this.perClass) lines.push(`  class ${c.label}: accuracy ${f(c.accuracy)}, confidence ${f(c.confidence)}, FCD ${f(c.fcd, 2)} (n ${c.n})`);
    for (const note of this.notes) lines.push(`  note: ${note}`);
    return lines.join('\n');
  }

  async toMimeBundle(): Promise<MimeBundle> {
    const [n2, , , c] = this.bestWorst.shape;
    const all = tf.tensor4d(this.bestWorst.data, this.bestWorst.shape);
    let png: Uint8Array;
    let best: Uint8Array, worst: Uint8Array;
    try {
      png = await toPng(all, { cols: Math.min(8, n2 / 2), range: [0, 1], scale: 2 });
      const [b, w] = [this.grid('best'), this.grid('worst')];
      try {
        [best, worst] = [await toPng(b, { range: [0, 1] }), await toPng(w, { range: [0, 1] })];
      } finally {
        tf.dispose([b, w]);
      }
    } finally {
      all.dispose();
    }
    const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
    const s = this.scores, b = this.baseline;
    const row = (k: string, v: string, r: string | null, note = '') => `<tr><td>${k}</td><td style="text-align:right"><b>${v}</b></td>`
      + `${r === null ? '' : `<td style="text-align:right">${r}</td>`}<td>${note}</td></tr>`;
    const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
    const notes = this.notes;
    const html = [
      `<div><b>${s.name}</b>: ${s.n} images, classifier <code>${s.dataset}</code>, seed ${s.seed} (channels ${c})`,
      '<table>',
      b ? `<tr><th></th><th>${s.name}</th><th>real baseline: ${b.name}</th><th></th></tr>` : '',
      ...this.rows().map(([k, v, r, note]) => row(k, v, b ? r : null, note)),
      ...this.perClass.map((q) => row(`class ${q.label}`, `acc ${f(q.accuracy)}, conf ${f(q.confidence)}, FCD ${f(q.fcd, 2)}`, b ? '' : null, `n ${q.n}`)),
      '</table>',
      ...notes.map((n) => `<p><i>Note: ${n.replace(/&/g, '&amp;').replace(/</g, '&lt;')}.</i></p>`),
      `<p>Most confidently classified samples:<br><img src="data:image/png;base64,${b64(best!)}"></p>`,
      `<p>Least confidently classified samples:<br><img src="data:image/png;base64,${b64(worst!)}"></p></div>`,
    ].join('\n');
    return { 'text/plain': this.toText(), 'text/html': html, 'image/png': png! };
  }
}

const int = intOption;

/** Every {@link evaluateImages} option, as {@link checkMetricOptions} checks them. */
export const EVALUATE_IMAGES_OPTIONS: Record<string, MetricOptionSpec> = {
  dataset: { kind: 'enum', values: CLASSIFIER_DATASETS }, range: { kind: 'range' }, labels: { kind: 'list' }, train: { kind: 'object' },
  seed: { kind: 'number', integer: true }, k: int(1, 'neighbour rank'), diversityPairs: int(0, '0 skips it'), gridSize: int(1),
  name: { kind: 'string' }, baseline: { kind: 'boolean' },
};

/** Every {@link evaluateGenerator} / {@link sampleGenerator} option. */
export const EVALUATE_OPTIONS: Record<string, MetricOptionSpec> = {
  ...Object.fromEntries(Object.entries(EVALUATE_IMAGES_OPTIONS).filter(([k]) => k !== 'labels')),
  n: int(1, 'samples'), latentDim: int(1), numClasses: int(0, '0 = unconditional'), labelWeights: { kind: 'list' },
  batchSize: int(1), truncation: { kind: 'positive' },
};

/**
 * Scores a batch of images `[n, h, w, c]` (generated, or real for a baseline; in [0, 1] unless
 * `range` says otherwise) against the cached real test-set statistics of `dataset`'s classifier.
 * The classifier runs once; all numbers reuse its outputs. The report's notes say when a number
 * should not be read as usual ({@link reportNotes}).
 *
 * @throws for an unknown option name (with a "did you mean" hint) or an ill-typed value; images
 * outside [0, 1] without `range` (e.g. `trainer.samples()`: pass `{ range: [-1, 1] }`); `train`
 * images outside [0, 1]; fewer than 2 images; a label count other than n; a shape the classifier does not take.
 * @example
 * ```ts
 * const real = (await loadDataset('mnist', { limit: 1000 })).images;
 * await show(await evaluateImages(real, { dataset: 'mnist', name: 'real train images' }));
 * await evaluateImages(trainer.samples(1000), { dataset: 'mnist', range: [-1, 1] });   // tanh outputs
 * ```
 */
export async function evaluateImages(images: Tensor4D, opts: EvaluateImagesOptions = {}): Promise<EvaluationReport> {
  checkMetricOptions(opts, EVALUATE_IMAGES_OPTIONS, 'evaluateImages option');
  const dataset = opts.dataset ?? 'mnist';
  const seed = opts.seed ?? 0;
  const clf = await loadClassifier(dataset);
  const trainImages = opts.train ? (opts.train instanceof tf.Tensor ? opts.train : opts.train.images) : null;
  if (opts.train && !(trainImages instanceof tf.Tensor && trainImages.rank === 4)) {
    throw new Error('Expected evaluateImages option train a Tensor4D [N,h,w,c] in [0, 1] or a Dataset; got something else. Pass loadDataset(...) or its .images.');
  }
  if (trainImages) {
    assertUnitRange(trainImages, 'the train images', { why: 'the train option takes [0, 1] images', fix: 'pass training images in [0, 1], as loadDataset returns them (for [-1, 1] data: x.add(1).div(2))' });
  }
  const x = toUnitRange(images, opts.range, 'images');
  try {
    const out = classify(clf, x);
    const { n, featureDim: d, numClasses: K } = out;
    if (n < 2) throw new Error(`evaluateImages needs at least 2 images (a covariance); got ${n}. Use ≥ 1,000 for stable numbers.`);
    if (opts.labels && opts.labels.length !== n) throw new Error(`evaluateImages: ${n} images but ${opts.labels.length} labels; pass one label per image.`);
    const fake = featureStatistics(out.features, n, d);
    const fcd = frechetDistance(fake.mean, fake.cov, clf.stats.mean, clf.stats.cov);
    let [traceFake, traceReal] = [0, 0];
    for (let j = 0; j < d; j++) { traceFake += fake.cov[j * d + j]; traceReal += clf.stats.cov[j * d + j]; }
    // KCD: 10 subsets of up to 1000 rows each side.
    const realN = clf.stats.subsample;
    const size = Math.min(n, realN, 1000);
    const rand = mulberry32(seed);
    const pick = (src: Float32Array, rows: number) => {
      const idx = Int32Array.from({ length: rows }, (_, i) => i);
      for (let i = 0; i < size; i++) { const j = i + Math.floor(rand() * (rows - i)); [idx[i], idx[j]] = [idx[j], idx[i]]; }
      const dst = new Float32Array(size * d);
      for (let i = 0; i < size; i++) dst.set(src.subarray(idx[i] * d, (idx[i] + 1) * d), i * d);
      return dst;
    };
    const kids: number[] = [];
    for (let s = 0; s < 10; s++) kids.push(polynomialMmd2(pick(out.features, n), size, pick(clf.realFeatures, realN), size, d));
    const kcd = kids.reduce((a, b) => a + b, 0) / kids.length;
    const kcdStd = Math.sqrt(kids.reduce((a, b) => a + (b - kcd) ** 2, 0) / kids.length);
    const prRows = Math.min(n, realN);
    const k = opts.k ?? 3;
    const pr = n > k && prRows > k
      ? precisionRecallFeatures({ data: clf.realFeatures.subarray(0, prRows * d), n: prRows, d }, { data: out.features, n, d }, k)
      : { precision: NaN, recall: NaN };
    const pairs = opts.diversityPairs ?? 200;
    const diversity = pairs > 0 ? msSsimDiversity(x, { pairs, seed, range: [0, 1] }) : NaN;

    // Confidence: p(requested class) for conditional samples, else the top probability.
    const argmax = topClasses(out.probs, K);
    const conf = Float32Array.from(argmax, (best, i) => out.probs[i * K + (opts.labels ? opts.labels[i] : best)]);
    const perClass: ClassQuality[] = [];
    if (opts.labels) {
      for (let c = 0; c < K; c++) {
        const rows = Array.from(opts.labels.keys()).filter((i) => opts.labels![i] === c);
        if (rows.length === 0) continue;
        const feats = new Float32Array(rows.length * d);
        rows.forEach((r, i) => feats.set(out.features.subarray(r * d, (r + 1) * d), i * d));
        const realRows = clf.stats.subsampleLabels.flatMap((l, i) => (l === c ? [i] : []));
        const realF = new Float32Array(realRows.length * d);
        realRows.forEach((r, i) => realF.set(clf.realFeatures.subarray(r * d, (r + 1) * d), i * d));
        let fcdC = NaN;
        if (rows.length >= 2 && realRows.length >= 2) {
          const a = featureStatistics(feats, rows.length, d), b = featureStatistics(realF, realRows.length, d);
          fcdC = frechetDistance(a.mean, a.cov, b.mean, b.cov);
        }
        perClass.push({
          label: c, n: rows.length,
          accuracy: rows.filter((r) => argmax[r] === c).length / rows.length,
          confidence: rows.reduce((acc, r) => acc + conf[r], 0) / rows.length,
          fcd: fcdC,
        });
      }
    }
    const order = Int32Array.from(conf.keys()).sort((a, b) => conf[b] - conf[a] || a - b);
    const g = Math.min(opts.gridSize ?? 16, Math.floor(n / 2));
    const picks = [...order.subarray(0, g), ...order.subarray(n - g).reverse()];
    const [, h, w, ch] = x.shape;
    const bw = tf.tidy(() => tf.gather(x, tf.tensor1d(picks, 'int32')).dataSync() as Float32Array);
    const mem = opts.train ? memorization(x, opts.train, { range: [0, 1], trainRange: [0, 1] }) : null; // train's range checked above
    const ms = mem?.summary();
    const scores: EvaluationScores = {
      name: opts.name ?? 'images', dataset, n, seed, classifierScore: classifierScoreFromProbs(out.probs, n, K), fcd, kcd, kcdStd,
      precision: pr.precision, recall: pr.recall, msSsimDiversity: diversity,
      memorizationMedian: ms?.median ?? NaN, memorizationMin: ms?.min ?? NaN, numClasses: K,
      ...(opts.labels ? { labelMixGap: classMixDistance(opts.labels, clf.stats.subsampleLabels, K) } : {}),
      featureSpread: traceFake / traceReal,
      ...(dataset === 'emoji' && trainImages ? { trainBorder: borderBackground(trainImages) } : {}),
    };
    let baseline: EvaluationScores | null = null;
    if (opts.baseline ?? true) {
      baseline = { ...await realBaseline(dataset, { n, seed, diversityPairs: pairs, k }), memorizationMedian: NaN, memorizationMin: NaN };
      const heldOut = opts.train ? await realImages(dataset, 'test', n, seed, [h, w, ch]) : null;
      if (heldOut) {
        try {
          const rm = memorization(heldOut, opts.train!, { range: [0, 1], trainRange: [0, 1] }).summary();
          baseline = { ...baseline, memorizationMedian: rm.median, memorizationMin: rm.min };
        } finally {
          heldOut.dispose();
        }
      }
    }
    return new EvaluationReport(scores, perClass, { data: bw, shape: [2 * g, h, w, ch] }, mem, baseline);
  } finally {
    x.dispose();
  }
}

/**
 * `n` real images of `dataset`'s `split` (a seeded random choice; all when fewer), `[n, h, w, c]`
 * in [0, 1] — for emoji at the size asked (32 or 64); null when the dataset has no such shape.
 */
export async function realImages(dataset: ClassifierDataset, split: 'train' | 'test', n: number, seed: number, shape?: [number, number, number]): Promise<Tensor4D | null> {
  const [h, w, c] = shape ?? CLASSIFIER_INPUT[dataset];
  if (dataset === 'emoji' ? !(c === 3 && h === w && (h === 32 || h === 64)) : [h, w, c].join() !== CLASSIFIER_INPUT[dataset].join()) return null;
  const ds = await loadDataset(dataset, dataset === 'emoji' ? { split, size: h as 32 | 64 } : { split });
  const pick = permutation(ds.size, seed).subarray(0, Math.min(n, ds.size));
  return ds.gather(pick);
}

const baselineCache = new Map<string, Promise<EvaluationScores>>();

/**
 * The real-vs-real baseline: `n` real **training** images of `dataset` (seeded choice; emoji: the
 * train split at 32 px, whose emoji the cached statistics never saw) scored by
 * {@link evaluateImages} against the cached real statistics (the held-out test set) — what a
 * generator that reproduced its training data perfectly would score at this `n` (FCD and KCD are
 * biased upwards for small `n`). `evaluateImages` shows it beside every score. Memoised per
 * (dataset, n, seed, pairs, k).
 *
 * @example
 * ```ts
 * const real = await realBaseline('emoji', { n: 1000 });
 * real.fcd; // the floor a generator's FCD is read against
 * ```
 */
export function realBaseline(dataset: ClassifierDataset, opts: { n?: number; seed?: number; diversityPairs?: number; k?: number } = {}): Promise<EvaluationScores> {
  checkMetricOptions(opts, { n: int(2), seed: EVALUATE_IMAGES_OPTIONS.seed, diversityPairs: int(0), k: int(1) }, 'realBaseline option');
  const { n = 1000, seed = 0, diversityPairs = 200, k = 3 } = opts;
  const key = [dataset, n, seed, diversityPairs, k].join('/');
  let hit = baselineCache.get(key);
  if (!hit) {
    hit = (async () => {
      const real = (await realImages(dataset, 'train', n, seed))!;
      try {
        const name = `${real.shape[0]} real training images`;
        return (await evaluateImages(real, { dataset, seed, diversityPairs, k, baseline: false, name, gridSize: 1 })).scores;
      } finally {
        real.dispose();
      }
    })();
    baselineCache.set(key, hit);
    hit.catch(() => baselineCache.delete(key));
  }
  return hit;
}

/**
 * Seeded standard-normal latent codes `[n * latentDim]` (mulberry32 + Box–Muller in float64), so
 * the same seed gives the same codes on every backend. (Not `tf.randomNormal(..., seed)`: tfjs
 * treats seed 0 as "no seed".) With `truncation`, a truncated normal: values with |z| above it
 * are redrawn (the truncation trick, Brock et al. 2019, §3.1), the others kept.
 *
 * @throws when `truncation` is not > 0.
 * @example
 * ```ts
 * tf.tensor2d(latentCodes(16, 100, 0), [16, 100]);
 * tf.tensor2d(latentCodes(16, 100, 0, 0.5), [16, 100]);   // every value in [-0.5, 0.5]
 * ```
 */
export function latentCodes(n: number, latentDim: number, seed: number, truncation = Infinity): Float32Array {
  if (!(truncation > 0)) throw new Error(`truncation must be a threshold > 0 (e.g. 1 or 0.5; Infinity for none); got ${truncation}.`);
  const out = normals(n * latentDim, mulberry32(seed));
  if (truncation === Infinity) return out;
  // Brock et al. 2019 (BigGAN), §3.1: values above the threshold are resampled. Redraws come from
  // a second stream, so the codes within the threshold stay those of the untruncated seed.
  const again = mulberry32((seed ^ 0x5bd1e995) >>> 0);
  for (let i = 0; i < out.length; i++) {
    while (Math.abs(out[i]) > truncation) out[i] = normals(1, again)[0];
  }
  return out;
}

/** `count` standard-normal values from `rand` (Box–Muller in float64, two per pair of uniforms). */
function normals(count: number, rand: () => number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - rand(), v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * The class count of a conditional generator read from the model: the `inputDim` of the first
 * Embedding layer downstream of its second (label) input (within a few layers, e.g. after a
 * reshape), as ganbook's conditional generators embed the label; null when there is none.
 *
 * @example
 * ```ts
 * modelNumClasses(cgan.generator);   // 10
 * ```
 */
export function modelNumClasses(model: LayersModel): number | null {
  if (model.inputs.length < 2) return null;
  let frontier = [model.inputLayers[1]];
  const seen = new Set(frontier);
  for (let depth = 0; depth < 4 && frontier.length; depth++) {
    const next = [];
    for (const layer of frontier) {
      for (const node of layer.outboundNodes) {
        const out = node.outboundLayer;
        if (seen.has(out)) continue;
        seen.add(out);
        if (out.getClassName() === 'Embedding') {
          const k = out.getConfig().inputDim;
          if (typeof k === 'number' && k > 0) return k;
        }
        next.push(out);
      }
    }
    frontier = next;
  }
  return null;
}

function samplerOf(generator: GeneratorLike, opts: EvaluateOptions, what: string): { sample: SampleFn; latentDim: number; numClasses: number; range: [number, number] } {
  if (typeof generator === 'function') {
    if (!opts.latentDim) throw new Error(`${what}: a sampling function needs { latentDim }; pass it in the options.`);
    return { sample: generator, latentDim: opts.latentDim, numClasses: opts.numClasses ?? 0, range: opts.range ?? [-1, 1] };
  }
  const model = 'meta' in generator ? generator.model : generator;
  const meta = 'meta' in generator ? generator.meta : null;
  const inputShape = model.inputs[0].shape;
  const latentDim = opts.latentDim ?? meta?.latentDim ?? (inputShape[inputShape.length - 1] as number);
  let numClasses = opts.numClasses ?? (meta?.numClasses || undefined) ?? 0;
  if (numClasses > 0 && model.inputs.length < 2) {
    throw new Error(`${what}: numClasses is ${numClasses} but the model has one input; expected [z, labels] for a conditional generator.`);
  }
  if (model.inputs.length >= 2) {
    const labelShape = model.inputs[1].shape;
    if (labelShape.length !== 2 || labelShape[1] !== 1) {
      throw new Error(`${what}: expected the generator's second (label) input to take class indices [n, 1]; got shape [${labelShape.map((v) => v ?? 'n')}]. `
        + 'Wrap the model in a sampling function (z, labels) => images that makes the labels your model takes, and pass { latentDim, numClasses }.');
    }
    if (opts.numClasses === 0) {
      throw new Error(`${what}: numClasses is 0 but the generator has ${model.inputs.length} inputs (latent and label); pass { numClasses: K }, the number of classes it was trained on.`);
    }
    if (numClasses === 0) numClasses = modelNumClasses(model) ?? 0;
    if (numClasses === 0) {
      throw new Error(`${what}: the generator has ${model.inputs.length} inputs (latent and label) but its number of classes is unknown `
        + '(no numClasses option, none in meta, no Embedding layer on the label input); pass { numClasses: K }, the number of classes it was trained on.');
    }
  }
  const sample: SampleFn = (z, labels) => model.predict(numClasses > 0 ? [z, labels!] : z) as Tensor4D;
  return { sample, latentDim, numClasses, range: opts.range ?? meta?.range ?? [-1, 1] };
}

/** The `n` labels a conditional generator is asked for: cycling 0..K-1, or in blocks in proportion to `weights` (largest remainders). */
export function requestedLabels(n: number, numClasses: number, weights?: ArrayLike<number>): Int32Array {
  if (!weights) return Int32Array.from({ length: n }, (_, i) => i % numClasses);
  const w = Array.from(weights);
  if (w.length !== numClasses) throw new Error(`evaluateGenerator: labelWeights has ${w.length} weights for ${numClasses} classes; pass one per class.`);
  const bad = w.findIndex((v) => !Number.isFinite(v) || v < 0);
  if (bad >= 0) throw new Error(`evaluateGenerator: labelWeights[${bad}] is ${w[bad]}; expected finite weights >= 0.`);
  const total = w.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new Error('evaluateGenerator: labelWeights are all 0; give at least one class a positive weight.');
  const exact = w.map((v) => (n * v) / total);
  const counts = exact.map(Math.floor);
  const byRemainder = exact.map((e, c) => [e - counts[c], c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const spare = n - counts.reduce((a, b) => a + b, 0);   // < numClasses
  for (let k = 0; k < spare; k++) counts[byRemainder[k][1]]++;
  return Int32Array.from(counts.flatMap((m, c) => new Array<number>(m).fill(c)));
}

/**
 * Samples `n` images with a seeded latent batch (labels cycling 0..K-1 for conditional
 * generators, or in proportion to `labelWeights`) and scores them with {@link evaluateImages}. Same generator, seed and `n` → same
 * numbers.
 *
 * @example
 * ```ts
 * const g = await loadGenerator('runs/dcgan-mnist/generator');
 * const report = await evaluateGenerator(g, { dataset: 'mnist', n: 1000, seed: 0 });
 * await show(report);            // table + best/worst sample grids
 * report.scores.fcd;             // Fréchet classifier distance
 * // a conditional generator on imbalanced classes: ask in the data's proportions for distribution scores
 * const counts = emoji.classNames.map((_, k) => emoji.labels!.filter((l) => l === k).length);
 * await evaluateGenerator(cg, { dataset: 'emoji', numClasses: 9, labelWeights: counts });
 * await evaluateGenerator(cg, { dataset: 'emoji', numClasses: 9, truncation: 1 });   // the truncation trick
 * ```
 * @throws for an unknown option name (with a "did you mean" hint) or an ill-typed value; a
 * conditional (two-input) model whose class count is neither given (`numClasses`, `meta`) nor
 * readable from an Embedding layer on its label input; and as {@link evaluateImages}.
 */
export async function evaluateGenerator(generator: GeneratorLike, opts: EvaluateOptions = {}): Promise<EvaluationReport> {
  checkMetricOptions(opts, EVALUATE_OPTIONS, 'evaluateGenerator option');
  const images = await sampler(generator, opts, 'evaluateGenerator');
  const { n: _n, latentDim: _l, numClasses: _k, labelWeights: _w, batchSize: _b, truncation: _t, ...imageOpts } = opts;
  try {
    return await evaluateImages(images.images, { ...imageOpts, range: images.range, labels: images.labels ?? undefined, name: opts.name ?? 'generator' });
  } finally {
    images.images.dispose();
  }
}

/**
 * The seeded samples {@link evaluateGenerator} scores: `[n,h,w,c]` in the generator's range (the
 * caller disposes), with the requested labels of a conditional generator.
 *
 * @example
 * ```ts
 * const { images, labels } = await sampleGenerator(g, { n: 64, seed: 1 });
 * ```
 * @throws for an unknown or ill-typed option; a sampling function without `latentDim`; a
 * two-input (conditional) model whose class count is neither given (`numClasses`, `meta`) nor
 * readable from an Embedding layer on its label input; bad `labelWeights` or `truncation`.
 */
export async function sampleGenerator(generator: GeneratorLike, opts: EvaluateOptions = {}): Promise<{ images: Tensor4D; labels: Int32Array | null; range: [number, number] }> {
  checkMetricOptions(opts, EVALUATE_OPTIONS, 'sampleGenerator option');
  return sampler(generator, opts, 'sampleGenerator');
}

/**
 * {@link sampleGenerator} with its options already checked (by the caller, against its own
 * option list); `what` names the caller in error messages. Internal to the metrics.
 *
 * @example
 * ```ts
 * const { images } = await sampler(g, { n: 64 }, 'recognizableShare');
 * ```
 */
export async function sampler(generator: GeneratorLike, opts: EvaluateOptions, what: string): Promise<{ images: Tensor4D; labels: Int32Array | null; range: [number, number] }> {
  const n = opts.n ?? 1000;
  const seed = opts.seed ?? 0;
  const { sample, latentDim, numClasses, range } = samplerOf(generator, opts, what);
  const labels = numClasses > 0 ? requestedLabels(n, numClasses, opts.labelWeights) : null;
  const bs = opts.batchSize ?? 250;
  const z = tf.tensor2d(latentCodes(n, latentDim, seed, opts.truncation), [n, latentDim]);
  const parts: Tensor[] = [];
  try {
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      parts.push(tf.tidy(() => {
        const zb = z.slice([s, 0], [m, latentDim]);
        const lb = labels ? tf.tensor2d(Float32Array.from(labels.subarray(s, s + m)), [m, 1]) : undefined;
        return sample(zb, lb);
      }));
    }
    const images = (parts.length === 1 ? parts[0].clone() : tf.concat(parts, 0)) as Tensor4D;
    return { images, labels, range };
  } finally {
    tf.dispose([z, ...parts]);
  }
}
