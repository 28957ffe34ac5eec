/**
 * Preparation helpers: value ranges, one-hot labels, seeded shuffles and splits.
 */
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../backend';
import { Dataset } from './dataset';

/** Pixel value ranges: `[0,1]` (how datasets store images) or `[-1,1]` (tanh GAN outputs). */
export type PixelRange = '[0,1]' | '[-1,1]';

/**
 * Rescales images between `[0,1]` and `[-1,1]`. A Dataset is read as `[0,1]`; a tensor is read
 * as `from` (default `[0,1]`). Returns a new tensor (the caller disposes it).
 *
 * @example
 * ```ts
 * const x = scaleTo(ds, '[-1,1]');               // ds.images * 2 - 1
 * const back = scaleTo(fake, '[0,1]', '[-1,1]');  // generator output → displayable
 * ```
 */
export function scaleTo<T extends Tensor>(x: Dataset | T, to: PixelRange, from: PixelRange = '[0,1]'): T | Tensor4D {
  if (x instanceof Dataset) return x.gather(Array.from({ length: x.size }, (_, i) => i), to);
  return tf.tidy(() => {
    if (to === from) return x.clone();
    return (to === '[-1,1]' ? x.mul(2).sub(1) : x.add(1).div(2)) as T;
  });
}

/**
 * One-hot encodes integer labels (from a Dataset or an array) as a float32 `[n, numClasses]` tensor.
 *
 * @example
 * ```ts
 * oneHot([0, 2], 3).arraySync(); // [[1, 0, 0], [0, 0, 1]]
 * const y = oneHot(ds);          // [ds.size, ds.numClasses]
 * ```
 */
export function oneHot(labels: Dataset | ArrayLike<number>, numClasses?: number): Tensor2D {
  let values: ArrayLike<number>;
  let k: number;
  if (labels instanceof Dataset) {
    if (!labels.labels) throw new Error(`oneHot: dataset "${labels.name}" is unlabeled.`);
    values = labels.labels;
    k = numClasses ?? labels.numClasses;
  } else {
    values = labels;
    k = numClasses ?? (Array.from(values).reduce((m, v) => Math.max(m, v), -1) + 1);
  }
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0 && values[i] < k && Number.isInteger(values[i]))) {
      throw new Error(`oneHot: label ${values[i]} at index ${i} is not an integer in 0..${k - 1}.`);
    }
  }
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(values), 'int32'), k).toFloat() as Tensor2D);
}

/**
 * A copy of `ds` in a seeded random order (same as `ds.shuffle(seed)`).
 *
 * @example
 * ```ts
 * const a = shuffle(ds, 7), b = shuffle(ds, 7); // identical order
 * ```
 */
export function shuffle(ds: Dataset, seed: number): Dataset {
  return ds.shuffle(seed);
}

/**
 * Seeded train/validation split (same as `ds.split(valFraction, seed)`).
 *
 * @example
 * ```ts
 * const { train, val } = split(ds, 0.2, 42);
 * ```
 */
export function split(ds: Dataset, valFraction: number, seed: number): { train: Dataset; val: Dataset } {
  return ds.split(valFraction, seed);
}
