/**
 * Generators that ship with the repository (`pretrained/<name>/`), produced by the project's own
 * runs with `npm run pretrained` (scripts/pretrained.ts), each with a model card (MODEL_CARD.md:
 * data, recipe, steps, compute cost, scores beside their real-data ceiling, licence).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LayersModel } from '../backend';
import { loadGenerator, type GeneratorMeta } from './io';

/** Where the shipped generators live. */
export const PRETRAINED_DIR = path.resolve(__dirname, '..', '..', 'pretrained');

/** The names the project plans to ship; those without a folder are not produced yet. */
export const PRETRAINED_NAMES = ['mnist-dcgan', 'fashion-dcgan', 'mnist-conditional', 'fashion-conditional', 'emoji-conditional', 'emoji64-conditional'] as const;
export type PretrainedName = (typeof PRETRAINED_NAMES)[number];

/** Shipped generator names (those with a folder in `pretrained/`). */
export function pretrainedNames(): string[] {
  return fs.existsSync(PRETRAINED_DIR)
    ? fs.readdirSync(PRETRAINED_DIR).filter((d) => fs.existsSync(path.join(PRETRAINED_DIR, d, 'model.json'))).sort()
    : [];
}

/**
 * Loads a shipped generator: the model (input `[n, latentDim]`, output `[n, h, w, c]` in [-1, 1]),
 * its metadata and its model card (markdown). The caller disposes `model`.
 *
 * @example
 * ```ts
 * const { model, meta, card } = await loadPretrained('mnist-dcgan');
 * await latentExplorer({ model, meta });
 * ```
 * @throws Error naming the shipped generators when `name` is not one of them.
 */
export async function loadPretrained(name: string): Promise<{ model: LayersModel; meta: GeneratorMeta; card: string; dir: string }> {
  const dir = path.join(PRETRAINED_DIR, name);
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    const shipped = pretrainedNames();
    const planned = (PRETRAINED_NAMES as readonly string[]).includes(name) ? ` "${name}" is planned but not produced yet (npm run pretrained).` : '';
    throw new Error(`Expected a shipped generator name (${shipped.map((s) => `"${s}"`).join(', ') || 'none shipped'}); got "${name}".${planned}`);
  }
  const { model, meta } = await loadGenerator(dir);
  const cardFile = path.join(dir, 'MODEL_CARD.md');
  return { model, meta, card: fs.existsSync(cardFile) ? fs.readFileSync(cardFile, 'utf8') : '', dir };
}
