/**
 * Training batches from a Dataset or a plain image tensor, in a seeded order that depends only
 * on `(seed, batchIndex)`: so a resumed run draws the same batches as an uninterrupted one.
 */
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../backend';
import { mulberry32 } from '../data/random';
import { mixSeed, shuffledIndices } from './rng';

/** What the trainer accepts: a Dataset (`images` in [0, 1]) or an image tensor `[n, h, w, c]`. */
export type TrainData = Tensor4D | {
  images: Tensor4D;
  labels?: Int32Array | null;
  numClasses?: number;
  name?: string;
  /** Number of images (lib/data's Dataset). */
  size?: number;
  /** `[h, w, c]` (lib/data's Dataset). */
  imageShape?: [number, number, number];
  /** Gathers images by index, scaled to a range (lib/data's Dataset: no whole-set tensor needed). */
  gather?(indices: ArrayLike<number>, range: '[0,1]' | '[-1,1]'): Tensor4D;
};

/** Seeded, resumable batch source; owns a [-1, 1] copy of the images. */
export class BatchSource {
  /** The images in [-1, 1] when held as a tensor (null when gathering from a Dataset's store, or until {@link prepare}). */
  images: Tensor4D | null;
  /** A bare tensor whose range its values tell: read without blocking in {@link prepare}. */
  private pending: Tensor4D | null = null;
  readonly imageShape: [number, number, number];
  private readonly gatherFn: ((idx: Int32Array) => Tensor4D) | null = null;
  readonly labels: Int32Array | null;
  readonly n: number;
  readonly name: string | undefined;
  private epochCache: { epoch: number; order: Int32Array } | null = null;

  /** Per-image draw weights summing to 1 (`classBalance` > 0), else null: every image once per epoch. */
  private drawWeights: Float64Array | null = null;

  /**
   * @param range value range of the input images (Datasets are `[0,1]`; a tensor's range is
   *   detected from its minimum when omitted).
   * @param classBalance images drawn ∝ (class size)^−classBalance (0: every image once per epoch).
   */
  constructor(data: TrainData, readonly batchSize: number, readonly seed: number, range?: '[0,1]' | '[-1,1]', readonly classBalance = 0) {
    const isTensor = data instanceof tf.Tensor;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Expected batchSize a positive integer; got ${batchSize}.`);
    if (!isTensor && typeof data.gather === 'function' && data.size !== undefined && data.imageShape) {
      const ds = data;
      this.n = data.size;
      this.imageShape = [...data.imageShape] as [number, number, number];
      this.images = null;
      this.gatherFn = (idx) => ds.gather!(idx, '[-1,1]');
      this.labels = data.labels ?? null;
      this.name = data.name;
      if (batchSize > this.n) throw new Error(`Expected batchSize <= number of images (${this.n}); got ${batchSize}. Use a smaller batchSize or more data.`);
      this.balanceClasses();
      return;
    }
    const images = (isTensor ? data : data.images) as Tensor4D;
    if (!(images instanceof tf.Tensor) || images.rank !== 4) {
      throw new Error(`Expected images as a Tensor4D [n, h, w, c]; got ${images instanceof tf.Tensor ? `shape [${images.shape}]` : typeof images}. Pass a Dataset or a 4-D tensor.`);
    }
    this.n = images.shape[0];
    this.imageShape = images.shape.slice(1) as [number, number, number];
    if (batchSize > this.n) throw new Error(`Expected batchSize <= number of images (${this.n}); got ${batchSize}. Use a smaller batchSize or more data.`);
    this.labels = isTensor ? null : (data.labels ?? null);
    if (isTensor && !range) { // the range is read in prepare(): synchronous reads fail on WebGPU in Node
      this.images = null;
      this.pending = tf.clone(images);
    } else {
      this.images = (range ?? '[0,1]') === '[-1,1]' ? tf.clone(images) : tf.tidy(() => images.mul(2).sub(1)) as Tensor4D;
    }
    this.name = isTensor ? undefined : data.name;
    this.balanceClasses();
  }

  /** Draw weights for `classBalance` (throws for unlabelled data). */
  private balanceClasses(): void {
    if (!(this.classBalance > 0)) return;
    if (!this.labels) throw new Error(`classBalance ${this.classBalance} draws images by class, but the data has no labels; pass a labelled Dataset or leave classBalance at 0.`);
    this.drawWeights = classBalanceWeights(this.labels, this.classBalance);
  }

  /**
   * Finishes what the constructor cannot do without blocking: tells a bare tensor's range
   * (`[-1, 1]` when its minimum is negative, else `[0, 1]`) with an asynchronous read. The trainer
   * awaits it before each step; idempotent.
   */
  async prepare(): Promise<void> {
    const x = this.pending;
    if (!x) return;
    const min = tf.tidy(() => x.min());
    const [m] = await min.data();
    min.dispose();
    this.images = m < 0 ? x : tf.tidy(() => x.mul(2).sub(1)) as Tensor4D;
    if (this.images !== x) x.dispose();
    this.pending = null;
  }

  /** Full batches per epoch (the last partial batch is dropped). */
  get batchesPerEpoch(): number {
    return Math.floor(this.n / this.batchSize);
  }

  private indices(batchIndex: number): Int32Array {
    const epoch = Math.floor(batchIndex / this.batchesPerEpoch);
    if (this.epochCache?.epoch !== epoch) {
      const seed = mixSeed(this.seed, epoch, 0x5eed);
      this.epochCache = { epoch, order: this.drawWeights ? weightedEpoch(this.drawWeights, seed) : shuffledIndices(this.n, seed) };
    }
    const i = batchIndex % this.batchesPerEpoch;
    return this.epochCache.order.subarray(i * this.batchSize, (i + 1) * this.batchSize);
  }

  /** Real images `[B, h, w, c]` in [-1, 1] and (when labelled) float32 labels `[B, 1]`. Caller disposes. */
  batch(batchIndex: number): { real: Tensor4D; labels?: Tensor2D } {
    if (this.pending) throw new Error('Expected `await batchSource.prepare()` before batch(): the image range is not read yet.');
    const idx = this.indices(batchIndex);
    const real = this.gatherFn ? this.gatherFn(idx) : tf.tidy(() => tf.gather(this.images!, tf.tensor1d(idx, 'int32'))) as Tensor4D;
    if (!this.labels) return { real };
    const lab = new Float32Array(idx.length);
    for (let i = 0; i < idx.length; i++) lab[i] = this.labels[idx[i]];
    return { real, labels: tf.tensor2d(lab, [idx.length, 1]) };
  }

  dispose(): void {
    this.images?.dispose();
    this.pending?.dispose();
  }
}

/** Disposes the tensors of a batch. */
export function disposeBatch(b: { real: Tensor; labels?: Tensor }): void {
  b.real.dispose();
  b.labels?.dispose();
}

/**
 * Per-image draw weights for `classBalance` β: image i ∝ (size of its class)^−β, normalised to 1.
 * Class c's share of draws is then ∝ size_c^(1−β): β 0 → the data's shares, β 1 → equal shares.
 */
export function classBalanceWeights(labels: ArrayLike<number>, beta: number): Float64Array {
  const size = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) size.set(labels[i], (size.get(labels[i]) ?? 0) + 1);
  const w = Float64Array.from({ length: labels.length }, (_, i) => size.get(labels[i])! ** -beta);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/**
 * One epoch of `n = weights.length` image indices drawn in proportion to `weights` (sum 1), in a
 * seeded shuffled order: image i appears ⌊n·wᵢ⌋ times plus once more with probability of its
 * fractional part (systematic sampling from one seeded offset), so counts are within one of n·wᵢ.
 */
export function weightedEpoch(weights: Float64Array, seed: number): Int32Array {
  const n = weights.length;
  const rand = mulberry32(seed);
  const out = new Int32Array(n);
  let k = 0, acc = rand();   // systematic sampling: draw at u, u + 1, u + 2, … along the cumulative n·w
  let cum = 0;
  for (let i = 0; i < n && k < n; i++) {
    cum += n * weights[i];
    while (acc < cum && k < n) { out[k++] = i; acc += 1; }
  }
  while (k < n) out[k++] = n - 1;   // float round-off at the very end
  const order = shuffledIndices(n, mixSeed(seed, 1));
  return Int32Array.from(order, (j) => out[j]);
}
