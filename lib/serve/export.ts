/**
 * Exporting a generator for serving: the TF.js layers format (`model.json` + one weights file)
 * plus `ganbook.json` (the metadata file of `lib/models/io.ts`: latent size, image shape, classes,
 * dataset, config), optionally compressed (float16 / uint8 weights, magnitude pruning).
 * The folder loads with `tf.loadLayersModel` in Node and in the browser.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { tf, type LayersModel, type Tensor4D, type Tf } from '../backend';
import { sampleLatent } from './latent';
import { pruneByMagnitude, toFloat16, toUint8, type Quantization, type QuantizeDtype } from './quantize';
import type { GeneratorMeta } from '../models/io';

/** Name of the metadata file (shared with `lib/models/io.ts`). */
export const META_FILE = 'ganbook.json';
/** Name of the weights file written by {@link exportGenerator}. */
export const WEIGHTS_FILE = 'group1-shard1of1.bin';

/** How an export was compressed. */
export interface Compression {
  quantize: 'none' | QuantizeDtype;
  /** Fraction of each kernel zeroed by magnitude pruning (0 = none). */
  prune: number;
}

/**
 * What a consumer needs to sample an exported generator. A superset of `GeneratorMeta` from
 * `lib/models/io.ts`, so `loadGenerator` reads these folders too.
 */
export interface ExportMeta extends Omit<GeneratorMeta, 'config'> {
  /** The GAN config the model was built from (`{}` when unknown). */
  config: Record<string, unknown>;
  /** Evaluation results (e.g. `{ fcd: 12.3 }`; per-class results as arrays indexed by class). */
  metrics?: Record<string, number | number[]>;
  compression?: Compression;
  /** Bytes of the weights file. */
  weightBytes?: number;
}

/** Options of {@link exportGenerator}. */
export interface ExportOptions {
  /** Metadata to record (anything not given is inferred from the model). */
  meta?: Partial<Omit<ExportMeta, 'format' | 'compression' | 'weightBytes'>>;
  /** Store weights as float16 or uint8 (default: float32). */
  quantize?: 'none' | QuantizeDtype;
  /** Zero this fraction of the smallest-magnitude entries of every kernel (default 0). */
  prune?: number;
}

/** What {@link exportGenerator} wrote. */
export interface ExportResult {
  dir: string;
  meta: ExportMeta;
  /** Bytes of model.json, of the weights file, and of the weights file gzipped (what a server sends with gzip). */
  sizes: { modelJson: number; weights: number; weightsGzip: number };
}

/**
 * The latent size, image shape and class count of a generator (`z` input `[n, latentDim]`,
 * optional label input `[n, 1]`, output `[n, h, w, c]`).
 */
export function describeGenerator(model: LayersModel): Pick<ExportMeta, 'latentDim' | 'imageShape' | 'numClasses'> {
  const zShape = model.inputs[0]?.shape;
  const out = model.outputs[0]?.shape;
  if (!zShape || zShape.length !== 2 || !zShape[1]) {
    throw new Error(`Expected a generator whose first input is [n, latentDim]; got input shape [${zShape}].`);
  }
  if (!out || out.length !== 4 || out.slice(1).some((d) => !d)) {
    throw new Error(`Expected a generator output [n, h, w, c]; got [${out}]. Export image generators only.`);
  }
  if (model.inputs.length > 2) throw new Error(`Expected 1 input (z) or 2 (z, label); got ${model.inputs.length}.`);
  let numClasses = 0;
  if (model.inputs.length === 2) {
    const emb = model.layers.find((l) => l.getClassName() === 'Embedding');
    numClasses = (emb?.getConfig().inputDim as number | undefined) ?? 0;
  }
  return { latentDim: zShape[1], imageShape: out.slice(1) as [number, number, number], numClasses };
}

type ModelArtifacts = Parameters<Parameters<Tf['io']['withSaveHandler']>[0]>[0];

/** One weight of a weights manifest (tfjs-converter's format). */
interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: Quantization;
}

async function artifactsOf(model: LayersModel): Promise<ModelArtifacts> {
  let artifacts: ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!artifacts) throw new Error('model.save produced no artifacts.');
  return artifacts;
}

/**
 * Writes `model.json`, `group1-shard1of1.bin` and `ganbook.json` to `dir`, compressing the
 * weights if asked. Quantized weights are stored in tfjs-converter's format, which
 * `tf.loadLayersModel` dequantizes on load (so the served model runs in float32).
 *
 * @example
 * ```ts
 * await exportGenerator(gan.generator, 'exports/mnist', { meta: { dataset: 'mnist', config: gan.config } });
 * await exportGenerator(gan.generator, 'exports/mnist-u8', { quantize: 'uint8', prune: 0.5 });
 * ```
 */
export async function exportGenerator(model: LayersModel, dir: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const quantize = opts.quantize ?? 'none';
  const prune = opts.prune ?? 0;
  if (!['none', 'float16', 'uint8'].includes(quantize)) {
    throw new Error(`Expected quantize to be 'none', 'float16' or 'uint8'; got '${quantize}'.`);
  }
  const described = describeGenerator(model);
  const artifacts = await artifactsOf(model);
  const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const specs = artifacts.weightSpecs ?? [];
  const chunks: Uint8Array[] = [];
  const manifest: ManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a: number, b: number) => a * b, 1);
    if (spec.dtype !== 'float32') {
      const bytes = size * 4;
      chunks.push(new Uint8Array(data.slice(offset, offset + bytes)));
      manifest.push({ name: spec.name, shape: spec.shape, dtype: spec.dtype });
      offset += bytes;
      continue;
    }
    const values = new Float32Array(data.slice(offset, offset + size * 4));
    offset += size * 4;
    if (prune > 0 && spec.shape.length >= 2 && /kernel$/.test(spec.name)) pruneByMagnitude(values, prune);
    if (quantize === 'float16') {
      chunks.push(toFloat16(values));
      manifest.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
    } else if (quantize === 'uint8') {
      const q = toUint8(values);
      chunks.push(q.bytes);
      manifest.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale: q.scale, min: q.min } });
    } else {
      chunks.push(new Uint8Array(values.buffer));
      manifest.push({ name: spec.name, shape: spec.shape, dtype: 'float32' });
    }
  }
  if (model.inputs.length === 2 && !(opts.meta?.numClasses ?? described.numClasses)) {
    throw new Error('Expected the number of classes of this conditional generator (it has no Embedding layer to read it from); '
      + 'got none. Pass { meta: { numClasses } }.');
  }
  const weights = Buffer.concat(chunks);
  const meta: ExportMeta = {
    format: 'ganbook-generator/1',
    config: {},
    ...described,
    range: [-1, 1],
    ...stripUndefined(opts.meta ?? {}),
    compression: { quantize, prune },
    weightBytes: weights.length,
  };
  const modelJson = {
    format: 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: 'ganbook exportGenerator',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: manifest }],
  };
  fs.mkdirSync(dir, { recursive: true });
  const modelText = JSON.stringify(modelJson);
  fs.writeFileSync(path.join(dir, 'model.json'), modelText);
  fs.writeFileSync(path.join(dir, WEIGHTS_FILE), weights);
  fs.writeFileSync(path.join(dir, META_FILE), JSON.stringify(meta, null, 2));
  return {
    dir,
    meta,
    sizes: { modelJson: Buffer.byteLength(modelText), weights: weights.length, weightsGzip: zlib.gzipSync(weights, { level: 9 }).length },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A loaded export: the model and its metadata. */
export interface LoadedGenerator {
  model: LayersModel;
  meta: ExportMeta;
}

/**
 * Loads an exported generator folder (from {@link exportGenerator} or `saveGenerator`).
 * Metadata missing from `ganbook.json` is inferred from the model.
 *
 * @example
 * ```ts
 * const { model, meta } = await loadExport('exports/mnist');
 * ```
 */
export async function loadExport(dir: string): Promise<LoadedGenerator> {
  const modelPath = path.resolve(dir, 'model.json');
  if (!fs.existsSync(modelPath)) {
    throw new Error(`Expected an exported generator at ${modelPath}; got no such file. Export one with exportGenerator(model, dir).`);
  }
  const model = await tf.loadLayersModel(`file://${modelPath}`);
  const metaPath = path.join(dir, META_FILE);
  const saved = fs.existsSync(metaPath) ? JSON.parse(fs.readFileSync(metaPath, 'utf8')) as Partial<ExportMeta> : {};
  const meta: ExportMeta = { format: 'ganbook-generator/1', config: {}, range: [-1, 1], ...describeGenerator(model), ...saved };
  return { model, meta };
}

/** Options of {@link generate}. */
export interface GenerateOptions {
  count: number;
  seed: number;
  /** Class index for a conditional generator (required there, rejected otherwise). */
  label?: number;
  /** Redraw latent values with |z| > truncation. */
  truncation?: number;
}

/**
 * Images `[count, h, w, c]` in [-1, 1] from seeded latents ({@link sampleLatent}): the same
 * seed gives the same images. The caller disposes the result.
 *
 * @example
 * ```ts
 * const images = generate(model, meta, { count: 16, seed: 42 });
 * await show(images);
 * images.dispose();
 * ```
 */
export function generate(model: LayersModel, meta: Pick<ExportMeta, 'latentDim' | 'numClasses'>, opts: GenerateOptions): Tensor4D {
  const { count, seed, label, truncation } = opts;
  if (meta.numClasses > 0 && (label === undefined || !Number.isInteger(label) || label < 0 || label >= meta.numClasses)) {
    throw new Error(`Expected an integer label in [0, ${meta.numClasses - 1}] for this conditional generator; got ${label}.`);
  }
  if (meta.numClasses === 0 && label !== undefined) {
    throw new Error(`Expected no label: this generator is unconditional; got label ${label}. Remove it.`);
  }
  return predictLatents(model, meta, sampleLatent(seed, count, meta.latentDim, truncation), count, label);
}

/**
 * Images `[n, h, w, c]` from `n` latent rows (`n * latentDim` values) and, for a conditional
 * generator, one label for all rows or one per row. Row `i` of the result depends only on row
 * `i` of the input (the server batches requests on this). The caller disposes the result.
 *
 * @example
 * ```ts
 * const images = predictLatents(model, meta, sampleLatent(7, 4, meta.latentDim), 4);
 * images.dispose();
 * ```
 */
export function predictLatents(model: LayersModel, meta: Pick<ExportMeta, 'latentDim' | 'numClasses'>, z: Float32Array, n: number, labels?: number | Float32Array): Tensor4D {
  return tf.tidy(() => {
    const zt = tf.tensor2d(z, [n, meta.latentDim]);
    if (meta.numClasses === 0) return model.predict(zt) as Tensor4D;
    const lt = typeof labels === 'number' ? tf.fill([n, 1], labels) : tf.tensor2d(labels ?? new Float32Array(n), [n, 1]);
    return model.predict([zt, lt]) as Tensor4D;
  });
}
