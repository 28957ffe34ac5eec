/**
 * Mini-batches that stream from a {@link Dataset}'s compact store: each batch gathers its
 * images by index, so an epoch never copies (or even builds) the whole-set tensor.
 */
import { tf, type Tensor1D, type Tensor4D } from '../backend';
import { augment, type AugmentOptions } from './augment';
import type { Dataset } from './dataset';
import type { PixelRange } from './prep';
import { permutation } from './random';
import { showValue } from '../options';

/** One mini-batch; the consumer disposes both tensors. */
export interface Batch {
  images: Tensor4D;
  labels: Tensor1D | null;
  /** Indices of these images in the dataset. */
  indices: Int32Array;
}

/** Options for {@link batches}. */
export interface BatchOptions {
  /** Images per batch (default 64). */
  batchSize?: number;
  /** Shuffle the order (default true). */
  shuffle?: boolean;
  /** Seed of the order; with `epoch`, each epoch gets its own reproducible order (default 0). */
  seed?: number;
  /** Epoch number, mixed into the seed (default 0). */
  epoch?: number;
  /** Value range of the yielded images (default `[0,1]`; GANs with tanh outputs use `[-1,1]`). */
  range?: PixelRange;
  /** Drop a last batch smaller than `batchSize` (default false). */
  dropRemainder?: boolean;
  /** Augment each batch (seeded by `seed`, `epoch` and the batch number). */
  augment?: AugmentOptions;
}

/** Number of batches {@link batches} yields for these options. */
export function batchCount(ds: Dataset, opts: Pick<BatchOptions, 'batchSize' | 'dropRemainder'> = {}): number {
  const b = opts.batchSize ?? 64;
  return opts.dropRemainder ? Math.floor(ds.size / b) : Math.ceil(ds.size / b);
}

/**
 * Iterates over one epoch of mini-batches. Each batch's tensors are new: dispose them (or use
 * them inside `tf.tidy`) when done.
 *
 * @example
 * ```ts
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   for (const { images, labels } of batches(ds, { batchSize: 64, seed: 42, epoch, range: '[-1,1]' })) {
 *     trainStep(images);
 *     images.dispose(); labels?.dispose();
 *   }
 * }
 * ```
 */
export function* batches(ds: Dataset, opts: BatchOptions = {}): Generator<Batch, void, undefined> {
  const batchSize = opts.batchSize ?? 64;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`batches: batchSize must be a positive integer; got ${showValue(batchSize)}.`);
  const order = opts.shuffle === false
    ? Int32Array.from({ length: ds.size }, (_, i) => i)
    : permutation(ds.size, (opts.seed ?? 0) * 1000003 + (opts.epoch ?? 0));
  const end = opts.dropRemainder ? ds.size - (ds.size % batchSize) : ds.size;
  const range = opts.range ?? '[0,1]';
  for (let start = 0, k = 0; start < end; start += batchSize, k++) {
    const indices = order.slice(start, Math.min(start + batchSize, end));
    let images: Tensor4D;
    if (opts.augment) {
      const aug = opts.augment;
      const seed = ((opts.seed ?? 0) * 1000003 + (opts.epoch ?? 0)) * 65537 + k;
      images = tf.tidy(() => {
        const x = augment(ds.gather(indices), { ...aug, range: '[0,1]' }, seed);
        return range === '[-1,1]' ? x.mul(2).sub(1) as Tensor4D : x;
      });
    } else {
      images = ds.gather(indices, range);
    }
    yield { images, labels: ds.gatherLabels(indices), indices };
  }
}
