/**
 * `Dataset`: images, labels and class names, with a rich notebook view.
 *
 * Pixels live in one compact JS array (the file's bytes for MNIST-like data: no copy, ~1x the
 * raw size); the float32 tensor `images` is made on first use, and {@link batches} gathers
 * batches straight from the compact store, so training never copies the whole set.
 */
import { tf, type Tensor1D, type Tensor4D } from '../backend';
import { toPng } from '../plot/image';
import type { MimeBundle } from '../display/sink';
import { permutation } from './random';
import { showValue } from '../options';

/** Backing store of pixel values: bytes (value / `maxValue`) or floats already in [0, 1]. */
export type PixelStore = Uint8Array | Float32Array;

/**
 * A further integer label per image beside the class label, e.g. an emoji's drawing style:
 * image `i` has `names[values[i]]`.
 */
export interface DatasetAttribute {
  /** What each value means (index = value). */
  names: string[];
  /** One value per image, each in `0..names.length - 1`. */
  values: Int32Array;
}

/** What a {@link Dataset} is made of. */
export interface DatasetInit {
  name: string;
  /** Row-major pixels `[n, h, w, c]`. */
  pixels: PixelStore;
  shape: [number, number, number, number];
  labels: Int32Array | null;
  classNames?: string[];
  /** For byte stores: the value that means 1.0 (255 for MNIST, 16 for scikit-learn digits). */
  maxValue?: number;
  /** Further labels by name (see {@link DatasetAttribute}); kept by `subset`, `shuffle`, `split`, `take`. */
  attributes?: Record<string, DatasetAttribute>;
}

/**
 * A set of images in [0, 1] with optional integer labels.
 *
 * @example
 * ```ts
 * const ds = await loadDataset('mnist', { limit: 1000 });
 * ds.size;          // 1000
 * ds.imageShape;    // [28, 28, 1]
 * await show(ds);   // a sample grid, one row per class
 * const { train, val } = ds.split(0.1, 42);
 * ```
 */
export class Dataset {
  readonly name: string;
  /** Integer class per image, or null for unlabeled data. */
  readonly labels: Int32Array | null;
  readonly classNames: string[];
  /** `[h, w, c]` of every image. */
  readonly imageShape: [number, number, number];
  /** Number of images. */
  readonly size: number;
  /** The compact pixel store (see {@link PixelStore}). */
  readonly pixels: PixelStore;
  /** For byte stores: the byte value that means 1.0. */
  readonly maxValue: number;
  /**
   * Further labels by name, e.g. `ds.attributes.style` of `loadDataset('emoji')`
   * (`{ names: ['google', 'twitter'], values }`); `{}` when there are none.
   */
  readonly attributes: Readonly<Record<string, DatasetAttribute>>;
  private cached: Tensor4D | null = null;

  constructor(init: DatasetInit) {
    const [n, h, w, c] = init.shape;
    if (init.pixels.length !== n * h * w * c) {
      throw new Error(`Dataset "${init.name}": shape [${init.shape}] needs ${n * h * w * c} pixel values, got ${init.pixels.length}.`);
    }
    if (init.labels && init.labels.length !== n) {
      throw new Error(`Dataset "${init.name}": ${n} images but ${init.labels.length} labels; give one label per image (or null).`);
    }
    this.name = init.name;
    this.pixels = init.pixels;
    this.labels = init.labels;
    this.imageShape = [h, w, c];
    this.size = n;
    this.maxValue = init.pixels instanceof Uint8Array ? (init.maxValue ?? 255) : 1;
    let names = init.classNames ?? [];
    if (init.labels && names.length === 0) {
      const max = init.labels.reduce((m, v) => Math.max(m, v), -1);
      names = Array.from({ length: max + 1 }, (_, i) => String(i));
    }
    if (init.labels) {
      for (let i = 0; i < n; i++) {
        const l = init.labels[i];
        if (l < 0 || l >= names.length) {
          throw new Error(`Dataset "${init.name}": label ${l} of image ${i} is outside 0..${names.length - 1} (${names.length} class names).`);
        }
      }
    }
    this.classNames = names;
    const attributes = init.attributes ?? {};
    for (const [key, a] of Object.entries(attributes)) {
      if (a.values.length !== n) {
        throw new Error(`Dataset "${init.name}": attribute "${key}" has ${a.values.length} values for ${n} images; give one per image.`);
      }
      const bad = a.values.findIndex((v) => !(v >= 0 && v < a.names.length));
      if (bad >= 0) {
        throw new Error(`Dataset "${init.name}": attribute "${key}" of image ${bad} is ${a.values[bad]}, outside 0..${a.names.length - 1} (${a.names.length} names).`);
      }
    }
    this.attributes = attributes;
  }

  /**
   * Wraps an image tensor `[n, h, w, c]` in [0, 1] (copied into the dataset's own store).
   *
   * @example
   * ```ts
   * const ds = Dataset.fromTensor('noise', tf.randomUniform([8, 28, 28, 1]) as Tensor4D);
   * ```
   */
  static fromTensor(name: string, images: Tensor4D, labels: Int32Array | null = null, classNames?: string[]): Dataset {
    if (images.rank !== 4) throw new Error(`Dataset.fromTensor expects [n, h, w, c] images; got shape [${images.shape}].`);
    const pixels = images.dataSync() as Float32Array;
    return new Dataset({ name, pixels: Float32Array.from(pixels), shape: images.shape as [number, number, number, number], labels, classNames });
  }

  /** Number of classes (0 for unlabeled data). */
  get numClasses(): number {
    return this.labels ? this.classNames.length : 0;
  }

  /** Values per image (`h * w * c`). */
  get imageSize(): number {
    return this.imageShape[0] * this.imageShape[1] * this.imageShape[2];
  }

  /**
   * All images as one float32 tensor `[n, h, w, c]` in [0, 1], made on first use and kept
   * until {@link dispose}. For training prefer {@link batches}, which never builds it.
   */
  get images(): Tensor4D {
    if (!this.cached || this.cached.isDisposed) {
      this.cached = tf.tensor4d(this.floatPixels(0, this.size), [this.size, ...this.imageShape]);
    }
    return this.cached;
  }

  /** Pixels of images `[start, end)` as floats in [0, 1] (a new array). */
  floatPixels(start: number, end: number): Float32Array {
    const per = this.imageSize;
    const src = this.pixels.subarray(start * per, end * per);
    if (src instanceof Float32Array) return Float32Array.from(src);
    const out = new Float32Array(src.length);
    const k = 1 / this.maxValue;
    for (let i = 0; i < src.length; i++) out[i] = src[i] * k;
    return out;
  }

  /**
   * Images at `indices` as a tensor `[k, h, w, c]`, scaled to `range` — a gather from the
   * compact store, without building the whole-set tensor.
   */
  gather(indices: ArrayLike<number>, range: '[0,1]' | '[-1,1]' = '[0,1]'): Tensor4D {
    const per = this.imageSize;
    const out = new Float32Array(indices.length * per);
    const [mul, add] = range === '[-1,1]' ? [2 / this.maxValue, -1] : [1 / this.maxValue, 0];
    const src = this.pixels;
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (!(i >= 0 && i < this.size)) throw new Error(`Dataset "${this.name}": index ${i} is outside 0..${this.size - 1}.`);
      const o = j * per, s = i * per;
      for (let p = 0; p < per; p++) out[o + p] = src[s + p] * mul + add;
    }
    return tf.tensor4d(out, [indices.length, ...this.imageShape]);
  }

  /** Labels at `indices` as an int32 tensor, or null for unlabeled data. */
  gatherLabels(indices: ArrayLike<number>): Tensor1D | null {
    if (!this.labels) return null;
    const out = new Int32Array(indices.length);
    for (let j = 0; j < indices.length; j++) out[j] = this.labels[indices[j]];
    return tf.tensor1d(out, 'int32');
  }

  /**
   * A new dataset holding the images at `indices` (in that order); its store is a copy.
   *
   * @example
   * ```ts
   * const firstTen = ds.subset([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
   * ```
   */
  subset(indices: ArrayLike<number>, name = this.name): Dataset {
    const per = this.imageSize;
    const pixels = this.pixels instanceof Uint8Array ? new Uint8Array(indices.length * per) : new Float32Array(indices.length * per);
    const labels = this.labels ? new Int32Array(indices.length) : null;
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (!(i >= 0 && i < this.size)) throw new Error(`Dataset "${this.name}": index ${i} is outside 0..${this.size - 1}.`);
      pixels.set(this.pixels.subarray(i * per, (i + 1) * per), j * per);
      if (labels) labels[j] = this.labels![i];
    }
    const attributes = Object.fromEntries(Object.entries(this.attributes)
      .map(([key, a]) => [key, { names: a.names, values: Int32Array.from(indices, (i) => a.values[i]) }]));
    return new Dataset({
      name, pixels, shape: [indices.length, ...this.imageShape], labels, classNames: this.classNames, maxValue: this.maxValue, attributes,
    });
  }

  /** The first `n` images (a copy). */
  take(n: number): Dataset {
    return this.subset(Array.from({ length: Math.min(n, this.size) }, (_, i) => i));
  }

  /**
   * A copy in a seeded random order.
   *
   * @example
   * ```ts
   * const shuffled = ds.shuffle(42); // same order for the same seed
   * ```
   */
  shuffle(seed: number): Dataset {
    return this.subset(permutation(this.size, seed));
  }

  /**
   * Seeded train/validation split: a random `valFraction` of the images (rounded) goes to `val`.
   *
   * @example
   * ```ts
   * const { train, val } = ds.split(0.1, 42); // 90% / 10%
   * ```
   */
  split(valFraction: number, seed: number): { train: Dataset; val: Dataset } {
    if (!(valFraction >= 0 && valFraction <= 1)) throw new Error(`split: valFraction must be in [0, 1]; got ${showValue(valFraction)}.`);
    const order = permutation(this.size, seed);
    const nVal = Math.round(this.size * valFraction);
    return {
      val: this.subset(order.subarray(0, nVal), `${this.name}/val`),
      train: this.subset(order.subarray(nVal), `${this.name}/train`),
    };
  }

  /** Images per class (index = class), or [] for unlabeled data. */
  classCounts(): number[] {
    const counts = new Array<number>(this.numClasses).fill(0);
    if (this.labels) for (const l of this.labels) counts[l]++;
    return counts;
  }

  /** Indices of the images of class `k`. */
  indicesOf(k: number): number[] {
    const out: number[] = [];
    if (this.labels) this.labels.forEach((l, i) => { if (l === k) out.push(i); });
    return out;
  }

  /** One-paragraph text summary (sizes, classes, counts). */
  summary(): string {
    const [h, w, c] = this.imageShape;
    const head = `Dataset "${this.name}": ${this.size.toLocaleString('en-US')} images ${h}x${w}x${c}, pixels in [0, 1]`;
    if (!this.labels) return `${head}, unlabeled.`;
    const counts = this.classCounts();
    return `${head}, ${this.numClasses} classes: `
      + this.classNames.map((n, i) => `${n} (${counts[i]})`).join(', ') + '.';
  }

  /** A sample grid, one row per class (up to `perClass` images each), as a tensor for `show()`. */
  sampleGrid(perClass = 8): Tensor4D {
    let idx: number[];
    if (this.labels) {
      idx = [];
      for (let k = 0; k < this.numClasses; k++) {
        const ofK = this.indicesOf(k).slice(0, perClass);
        // Pad short rows with the first image of the row, or skip empty classes.
        while (ofK.length > 0 && ofK.length < perClass) ofK.push(ofK[0]);
        idx.push(...ofK);
      }
    } else {
      idx = Array.from({ length: Math.min(this.size, perClass * perClass) }, (_, i) => i);
    }
    return this.gather(idx);
  }

  /** Rich view: a sample grid per class (PNG) and the text summary. */
  async toMimeBundle(): Promise<MimeBundle> {
    const perClass = 8;
    const grid = this.sampleGrid(perClass);
    try {
      const width = perClass * (this.imageShape[1] + 2);
      const png = await toPng(grid, { cols: perClass, range: [0, 1], scale: Math.max(1, Math.min(8, Math.floor(480 / width))) });
      return { 'image/png': png, 'text/plain': this.summary() };
    } finally {
      grid.dispose();
    }
  }

  /** Frees the cached `images` tensor (the compact store is garbage-collected with the object). */
  dispose(): void {
    this.cached?.dispose();
    this.cached = null;
  }
}
