/**
 * Training batches from a Dataset or a plain image tensor, in a seeded order that depends only
 * on `(seed, batchIndex)`: so a resumed run draws the same batches as an uninterrupted one.
 */
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../backend';
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

  /**
   * @param range value range of the input images (Datasets are `[0,1]`; a tensor's range is
   *   detected from its minimum when omitted).
   */
  constructor(data: TrainData, readonly batchSize: number, readonly seed: number, range?: '[0,1]' | '[-1,1]') {
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
    if (this.epochCache?.epoch !== epoch) this.epochCache = { epoch, order: shuffledIndices(this.n, mixSeed(this.seed, epoch, 0x5eed)) };
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
