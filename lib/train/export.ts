/**
 * Generators out of training artefacts: from a checkpoint folder (for evaluation of any step)
 * and from a trainer (for deployment), in the `saveGenerator` format of lib/models/io.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LayersModel } from '../backend';
import { buildGenerator } from '../models/build';
import type { GanConfig } from '../models/config';
import { loadCheckpoint } from './checkpoint';

/**
 * Rebuilds the generator of a checkpoint (`runs/<run>/checkpoints/step-XXXXXXXX`) from the run's
 * `config.json`. `ema: true` takes the EMA weights when the run kept them.
 *
 * @example
 * ```ts
 * const { generator, config, step } = generatorFromCheckpoint(latestCheckpoint('runs/dcgan-…/checkpoints')!);
 * generator.predict(tf.randomNormal([16, config.latentDim]));
 * ```
 */
export function generatorFromCheckpoint(ckptDir: string, opts: { ema?: boolean } = {}): { generator: LayersModel; config: GanConfig; step: number; dataset: string | null } {
  const runDir = path.resolve(ckptDir, '..', '..');
  const cfgPath = path.join(runDir, 'config.json');
  if (!fs.existsSync(cfgPath)) throw new Error(`Expected the run's config.json at ${cfgPath} (checkpoint folders live in <run>/checkpoints/); got none.`);
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8')) as { gan: GanConfig; dataset?: string | null };
  const { manifest, tensors } = loadCheckpoint(ckptDir);
  const prefix = opts.ema && Object.keys(tensors).some((k) => k.startsWith('ema/')) ? 'ema' : 'g';
  const ws = Object.keys(tensors).filter((k) => k.startsWith(`${prefix}/`)).sort((a, b) => +a.split('/')[1] - +b.split('/')[1]).map((k) => tensors[k]);
  const generator = buildGenerator(cfg.gan);
  try {
    generator.setWeights(ws);
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
  return { generator, config: cfg.gan, step: manifest.step, dataset: cfg.dataset ?? null };
}
