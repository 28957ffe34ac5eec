/**
 * Reading training artefacts back — one place for it: the networks of a run (from the
 * topology it saved, so hand-built networks and registered custom layers come back as they
 * were; older runs from their config), a network's weights out of a checkpoint, and the one
 * "generator of a run at a checkpoint" function that export, evaluation and resume use.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, type LayersModel, type Tensor } from '../backend';
import { buildDiscriminator, buildGenerator } from '../models/build';
import type { GanConfig } from '../models/config';
import { loadCheckpoint, type NamedTensors } from './checkpoint';

/** File of a run folder holding both networks' topologies (`model.getConfig()`). */
export const NETWORKS_FILE = 'networks.json';

type Topology = { class_name: string; config: unknown };

/** The topology of a model as JSON (layers and their configs, no weights; tfjs' own config format). */
export function topologyOf(model: LayersModel): Topology {
  return JSON.parse(JSON.stringify({ class_name: model.getClassName(), config: model.getConfig() })) as Topology;
}

/**
 * A new model with `topology`'s layers (fresh weights). Custom layers must be registered with
 * `tf.serialization.registerClass` (ganbook's are).
 *
 * @throws Error naming the unknown layer class when one is not registered.
 */
export function modelFromTopology(topology: Topology): LayersModel {
  const cls = (topology.class_name === 'Sequential' ? tf.Sequential : tf.LayersModel) as unknown as {
    fromConfig(c: unknown, config: unknown): LayersModel;
  };
  try {
    return cls.fromConfig(cls, topology.config);
  } catch (err) {
    throw new Error(`Expected a network topology whose layer classes are all registered; got: ${(err as Error).message}. `
      + 'Register custom layers with tf.serialization.registerClass before resuming or loading.');
  }
}

/** A copy of a model's architecture (not its weights): for an EMA generator of any network. */
export function cloneArchitecture(model: LayersModel): LayersModel {
  return modelFromTopology(topologyOf(model));
}

/** Writes `networks.json` into a run folder. */
export function saveNetworks(runDir: string, nets: { generator: LayersModel; discriminator: LayersModel }): void {
  fs.writeFileSync(path.join(runDir, NETWORKS_FILE), JSON.stringify({ generator: topologyOf(nets.generator), discriminator: topologyOf(nets.discriminator) }));
}

/** The run's `config.json`. @throws Error when the folder has none. */
export function readRunConfig(runDir: string): { gan: GanConfig; dataset?: string | null; train?: Record<string, unknown> } {
  const p = path.join(runDir, 'config.json');
  if (!fs.existsSync(p)) throw new Error(`Expected a run folder with config.json at ${runDir}; got none. Pass a GanTrainer run folder (runs/<name>-<time>).`);
  return JSON.parse(fs.readFileSync(p, 'utf8')) as { gan: GanConfig; dataset?: string | null };
}

/** One network of a run, fresh weights: from `networks.json`, else (older runs) from the config. */
export function runNetwork(runDir: string, which: 'generator' | 'discriminator'): LayersModel {
  const file = path.join(runDir, NETWORKS_FILE);
  if (fs.existsSync(file)) return modelFromTopology((JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Topology>)[which]);
  const cfg = readRunConfig(runDir);
  return which === 'generator' ? buildGenerator(cfg.gan) : buildDiscriminator(cfg.gan);
}

/** The tensors `<prefix>/0`, `<prefix>/1`, … of a checkpoint, in order (`g`, `d`, `ema`, `optG`, `optD`). */
export function checkpointPart(tensors: NamedTensors, prefix: string): Tensor[] {
  return Object.keys(tensors).filter((k) => k.startsWith(`${prefix}/`))
    .sort((a, b) => +a.split('/')[1] - +b.split('/')[1]).map((k) => tensors[k]);
}

/** A generator rebuilt from a run checkpoint, with what a caller needs to sample it. */
export interface RunGenerator {
  generator: LayersModel;
  config: GanConfig;
  step: number;
  dataset: string | null;
  /** Whether the weights are the EMA generator's. */
  ema: boolean;
}

/**
 * The generator of a run at a checkpoint (`<run>/checkpoints/step-XXXXXXXX`): its own
 * architecture (hand-built and custom layers included), the EMA weights when the run kept them
 * and `ema` is not false. The caller disposes `generator`.
 *
 * @throws Error when the folder is not inside a run, or its weights do not fit the network.
 * @example
 * ```ts
 * const { generator, config, step } = generatorFromCheckpoint(latestCheckpoint('runs/dcgan-…/checkpoints')!);
 * generator.predict(tf.randomNormal([16, config.latentDim]));
 * ```
 */
export function generatorFromCheckpoint(ckptDir: string, opts: { ema?: boolean } = {}): RunGenerator {
  const runDir = path.resolve(ckptDir, '..', '..');
  if (!fs.existsSync(path.join(runDir, 'config.json'))) {
    throw new Error(`Expected the run's config.json at ${path.join(runDir, 'config.json')} (checkpoint folders live in <run>/checkpoints/); got none.`);
  }
  const cfg = readRunConfig(runDir);
  const { manifest, tensors } = loadCheckpoint(ckptDir);
  try {
    const emaW = checkpointPart(tensors, 'ema');
    const useEma = opts.ema !== false && emaW.length > 0;
    const weights = useEma ? emaW : checkpointPart(tensors, 'g');
    const generator = runNetwork(runDir, 'generator');
    if (weights.length !== generator.weights.length) {
      generator.dispose();
      throw new Error(`Expected ${generator.weights.length} generator weight tensors in ${ckptDir}; got ${weights.length}. Is it a checkpoint of this run?`);
    }
    generator.setWeights(weights);
    return { generator, config: cfg.gan, step: manifest.step, dataset: cfg.dataset ?? null, ema: useEma };
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
}
