/**
 * Generator export: a `tf.LayersModel` folder (`model.json` + weights) plus `ganbook.json` with
 * what a consumer needs to sample it (config, latent size, classes, dataset).
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, type LayersModel } from '../backend';
import type { Gan } from './build';
import type { GanConfig } from './config';

/** Metadata written next to an exported generator. */
export interface GeneratorMeta {
  format: 'ganbook-generator/1';
  config: GanConfig;
  latentDim: number;
  imageShape: [number, number, number];
  /** 0 for an unconditional generator. */
  numClasses: number;
  /** Class names, when known (index = label). */
  labels?: string[];
  /** Dataset it was trained on, when known. */
  dataset?: string;
  /** Training step of the weights. */
  step?: number;
  /** Output value range. */
  range: [-1, 1];
}

export const META_FILE = 'ganbook.json';

/**
 * Saves a generator as a tf.LayersModel folder plus `ganbook.json`.
 *
 * @example
 * ```ts
 * await saveGenerator(gan, 'runs/my-run/generator', { dataset: 'mnist' });
 * ```
 */
export async function saveGenerator(
  gan: Pick<Gan, 'generator' | 'config'>, dir: string,
  extra: { labels?: string[]; dataset?: string; step?: number } = {},
): Promise<GeneratorMeta> {
  fs.mkdirSync(dir, { recursive: true });
  await gan.generator.save(`file://${path.resolve(dir)}`);
  const c = gan.config;
  const meta: GeneratorMeta = {
    format: 'ganbook-generator/1', config: c, latentDim: c.latentDim, imageShape: c.imageShape,
    numClasses: c.conditional?.numClasses ?? 0, range: [-1, 1], ...extra,
  };
  fs.writeFileSync(path.join(dir, META_FILE), JSON.stringify(meta, null, 2));
  return meta;
}

/**
 * Loads a generator saved by {@link saveGenerator}.
 *
 * @example
 * ```ts
 * const { model, meta } = await loadGenerator('runs/my-run/generator');
 * model.predict(tf.randomNormal([16, meta.latentDim]));
 * ```
 */
export async function loadGenerator(dir: string): Promise<{ model: LayersModel; meta: GeneratorMeta }> {
  const metaPath = path.join(dir, META_FILE);
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new Error(`Expected a saved generator in ${dir} (model.json); got none. Save one with saveGenerator(gan, dir).`);
  }
  const model = await tf.loadLayersModel(`file://${path.resolve(dir, 'model.json')}`);
  const meta = fs.existsSync(metaPath) ? JSON.parse(fs.readFileSync(metaPath, 'utf8')) as GeneratorMeta : null;
  if (!meta) throw new Error(`Expected ${metaPath} next to model.json; got none. Save with saveGenerator() to write it.`);
  return { model, meta };
}
