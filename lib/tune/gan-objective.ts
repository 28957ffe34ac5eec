/**
 * The GAN objective for a {@link Study}: each trial builds a GAN from the configuration
 * (lib/models), trains it for a fixed budget of steps (lib/train's `GanTrainer.fit`), and is
 * scored by the Fréchet classifier distance of its samples (lib/metrics; lower is better).
 * The FID is also measured every `evalEvery` steps and reported, so a pruner can stop clearly
 * bad trials early; diverged training (NaN losses) reports NaN and is stopped.
 *
 * A thin adapter: the study itself knows nothing about GANs.
 *
 * @example
 * ```ts
 * const mnist = await loadDataset('mnist-1k');
 * const objective = ganObjective({ dataset: mnist, steps: 300, base: fcGan({ latentDim: 32 }) });
 * const study = new Study({ name: 'gan', space: { lr: float(1e-4, 1e-2, { log: true }), beta1: float(0, 0.9) },
 *   metric: { name: 'FID' } });
 * await study.optimize(objective, { trials: 9 });
 * const { gan, fid } = await study.retrainBest(objective.train);
 * ```
 */
import { tf, type Tensor4D } from '../backend';
import { buildGan, disposeGan, type Gan } from '../models/build';
import { fcGan, validateConfig, type GanConfig } from '../models/config';
import { GanTrainer, type TrainerOptions } from '../train/trainer';
import type { TrainData } from '../train/data';
import { frechetClassifierDistance } from '../metrics/scores';
import type { ClassifierDataset } from '../metrics/classifier';
import type { Params } from './space';
import type { Objective, TrialContext } from './study';

/** A GAN config and trainer options for one configuration. */
export interface GanSetup { config: GanConfig; trainer: TrainerOptions }

export interface GanObjectiveOptions {
  /** Training images (a Dataset from `loadDataset`, or an image tensor). */
  dataset: TrainData;
  /** Training steps per trial (the budget). */
  steps: number;
  /** The GAN the default mapping starts from (default `fcGan()`). */
  base?: GanConfig;
  /** Trainer options every trial shares (batch size, ...); parameters override them. */
  trainer?: TrainerOptions;
  /**
   * Maps a configuration to a GAN config and trainer options. The default understands
   * `lr` (both networks), `lrG`, `lrD`, `beta1`, `beta2`, `batchSize`, `latentDim`,
   * `labelSmoothing`, `ema`, `dropout` (discriminator), `width` (multiplies every hidden width),
   * `gWidth`, `dWidth`, `activation`; other names are an error.
   */
  configure?: (params: Params, base: GanConfig) => GanSetup;
  /** Steps between intermediate FID reports (default steps / 3, rounded up). */
  evalEvery?: number;
  /** Generated images per FID (default 500). */
  evalSamples?: number;
  /** Which classifier scores the images (default `'mnist'`). */
  metricDataset?: ClassifierDataset;
  /** Seed of training noise/batches and of the FID samples (default 0: every trial sees the same data order). */
  seed?: number;
}

/** The objective plus a one-call re-training of any configuration. */
export interface GanObjective extends Objective {
  /**
   * Trains `params` again (by default for the same steps, without pruning) and returns the GAN
   * (the caller disposes it with `disposeGan`) and its FID.
   */
  train(params: Params, opts?: { steps?: number; runsDir?: string | null; live?: boolean; name?: string }): Promise<{ gan: Gan; fid: number; trainer: GanTrainer }>;
  readonly options: GanObjectiveOptions;
}

const scaleWidths = (ws: number[], f: number): number[] => ws.map((w) => Math.max(1, Math.round(w * f)));

/**
 * The default mapping from parameter names to a GAN config and trainer options.
 *
 * @example
 * ```ts
 * defaultGanSetup({ lr: 1e-3, beta1: 0.5, width: 0.5 }, fcGan()).trainer; // { lrG: 0.001, lrD: 0.001, beta1: 0.5 }
 * ```
 */
export function defaultGanSetup(params: Params, base: GanConfig): GanSetup {
  const config: GanConfig = JSON.parse(JSON.stringify(base)) as GanConfig;
  const trainer: TrainerOptions = {};
  for (const [k, v] of Object.entries(params)) {
    const num = v as number;
    switch (k) {
      case 'lr': trainer.lrG = num; trainer.lrD = num; break;
      case 'lrG': case 'lrD': case 'beta1': case 'beta2': case 'batchSize': case 'labelSmoothing': case 'ema':
        (trainer as Record<string, unknown>)[k] = num; break;
      case 'latentDim': config.latentDim = num; break;
      case 'dropout': config.discriminator.dropout = num; break;
      case 'width':
        config.generator.widths = scaleWidths(config.generator.widths, num);
        config.discriminator.widths = scaleWidths(config.discriminator.widths, num); break;
      case 'gWidth': config.generator.widths = scaleWidths(config.generator.widths, num); break;
      case 'dWidth': config.discriminator.widths = scaleWidths(config.discriminator.widths, num); break;
      case 'activation':
        config.generator.activation = v as GanConfig['generator']['activation'];
        config.discriminator.activation = v as GanConfig['discriminator']['activation']; break;
      default:
        throw new Error(`ganObjective does not know the parameter "${k}"; use lr, lrG, lrD, beta1, beta2, batchSize, latentDim, labelSmoothing, ema, dropout, width, gWidth, dWidth or activation, or pass configure: (params, base) => ({ config, trainer }).`);
    }
  }
  return { config: validateConfig(config), trainer };
}

/** FID of `n` samples of the generator from seeded noise (`[-1, 1]` images). */
async function fidOf(gan: Gan, n: number, seed: number, dataset: ClassifierDataset): Promise<number> {
  const images = tf.tidy(() => {
    const z = tf.randomNormal([n, gan.latentDim], 0, 1, 'float32', seed);
    return gan.generator.predict(z, { batchSize: 250 }) as Tensor4D;
  });
  try {
    return await frechetClassifierDistance(images, { dataset, range: [-1, 1] });
  } finally {
    images.dispose();
  }
}

/**
 * Builds the GAN objective; see the module docs.
 *
 * @example
 * ```ts
 * const objective = ganObjective({ dataset: await loadDataset('mnist-1k'), steps: 300 });
 * ```
 */
export function ganObjective(opts: GanObjectiveOptions): GanObjective {
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new Error(`ganObjective: steps must be a positive integer, got ${opts.steps}.`);
  const base = opts.base ?? fcGan();
  const configure = opts.configure ?? defaultGanSetup;
  const evalEvery = opts.evalEvery ?? Math.ceil(opts.steps / 3);
  const evalSamples = opts.evalSamples ?? 500;
  const metricDataset = opts.metricDataset ?? 'mnist';
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(evalEvery) || evalEvery < 1) throw new Error(`ganObjective: evalEvery must be a positive integer, got ${evalEvery}.`);

  const makeTrainer = (params: Params, extra: TrainerOptions): GanTrainer => {
    const { config, trainer } = configure(params, base);
    const gan = buildGan(config);
    try {
      return new GanTrainer(gan, opts.dataset, {
        runsDir: null, live: false, sampleEvery: 0, checkpointEvery: 0, seed, ...opts.trainer, ...trainer, ...extra,
      });
    } catch (err) {
      disposeGan(gan);
      throw err;
    }
  };

  const objective = (async (params: Params, ctx: TrialContext): Promise<number> => {
    const trainer = makeTrainer(params, {});
    let fid = NaN;
    try {
      let done = 0;
      while (done < opts.steps) {
        const r = await trainer.fit({ steps: Math.min(evalEvery, opts.steps - done), signal: ctx.signal, live: false });
        done = trainer.iteration;
        if (r.stopped === 'nan') { ctx.report(done, NaN); return NaN; }
        if (r.stopped !== 'completed') return fid; // pruned or interrupted
        fid = await fidOf(trainer.gan, evalSamples, seed + 1, metricDataset);
        if (ctx.report(done, fid)) return fid;
      }
      return fid;
    } finally {
      trainer.dispose();
      disposeGan(trainer.gan);
    }
  }) as GanObjective;

  objective.train = async (params, o = {}) => {
    const trainer = makeTrainer(params, { runsDir: o.runsDir ?? null, live: o.live ?? false, ...(o.name ? { name: o.name } : {}), ...(o.runsDir ? { sampleEvery: 100, checkpointEvery: 0 } : {}) });
    try {
      const r = await trainer.fit({ steps: o.steps ?? opts.steps, live: o.live ?? false });
      if (r.stopped === 'nan') throw new Error(`Re-training diverged: ${r.message ?? 'non-finite loss'}.`);
      const fid = await fidOf(trainer.gan, evalSamples, seed + 1, metricDataset);
      return { gan: trainer.gan, fid, trainer };
    } catch (err) {
      trainer.dispose();
      disposeGan(trainer.gan);
      throw err;
    }
  };
  (objective as { options: GanObjectiveOptions }).options = opts;
  return objective;
}
