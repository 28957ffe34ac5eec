/**
 * Everything around the training loop is a callback over explicit events: the EMA generator,
 * learning-rate decay, the NaN guard, the run log (metrics.jsonl, TensorBoard), sample grids and
 * checkpoints are the built-ins below, in `trainer.callbacks` by name; a user's callbacks follow
 * them. Remove or replace one by name, add your own — `GanTrainer` keeps only the loop and its state.
 *
 * Events, in order: `onFitBegin` → per step `onStepBegin`, the update, `onStepEnd` (in list order;
 * the NaN guard first) → on interrupt `onInterrupt` → `onFitStop` (final sample and checkpoint)
 * → `onFitEnd` with the result; `onSample` and `onCheckpoint` when those happen.
 *
 * @example
 * ```ts
 * trainer.callbacks = trainer.callbacks.filter((c) => c.name !== 'samples');  // no sample grids
 * trainer.callbacks.push({ name: 'print', onStepEnd: (log) => console.log(log.step, log.gLoss) });
 * ```
 */
import * as path from 'path';
import { tf, type Tensor4D } from '../backend';
import { imageGrid } from '../plot/image';
import type { FitResult, GanTrainer, StepLog } from './trainer';
import { checkpointName, latestCheckpoint } from './checkpoint';

/** Hooks into training (all optional; may be async). Set `trainer.stopTraining = true` to stop a fit. */
export interface TrainerCallbacks {
  /** Shown in `trainer.callbacks` (built-ins: 'nan-guard', 'ema', 'lr-decay', 'run-log', 'samples', 'checkpoints', 'live'). */
  name?: string;
  onFitBegin?(info: { startStep: number; endStep: number }, trainer: GanTrainer): void | Promise<void>;
  /** Before step `step` (1-based) is computed. */
  onStepBegin?(step: number, trainer: GanTrainer): void | Promise<void>;
  onStepEnd?(log: StepLog, trainer: GanTrainer): void | Promise<void>;
  onSample?(step: number, images: Tensor4D, trainer: GanTrainer): void | Promise<void>;
  onCheckpoint?(dir: string, trainer: GanTrainer): void | Promise<void>;
  /** The fit was interrupted (kernel interrupt, AbortSignal) at a step boundary. */
  onInterrupt?(step: number, trainer: GanTrainer): void | Promise<void>;
  /** The loop ended (`stopped` says why); the result is not made yet. */
  onFitStop?(stopped: FitResult['stopped'], trainer: GanTrainer): void | Promise<void>;
  onFitEnd?(result: FitResult, trainer: GanTrainer): void | Promise<void>;
}

/** Thrown by `step()` when a loss is NaN/Inf (after restoring the last good checkpoint). */
export class NonFiniteLossError extends Error {
  constructor(message: string, readonly step: number, readonly restoredFrom: string | null) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}

/** On a NaN/Inf loss: restores the last good checkpoint, logs the event, throws {@link NonFiniteLossError}. */
export function nanGuard(): TrainerCallbacks {
  return {
    name: 'nan-guard',
    async onStepEnd(log, t) {
      if (Number.isFinite(log.dLoss) && Number.isFinite(log.gLoss)) return;
      const bad = !Number.isFinite(log.dLoss) ? `discriminator loss ${log.dLoss}` : `generator loss ${log.gLoss}`;
      const ckpt = t.lastCheckpointDir ?? (t.run ? latestCheckpoint(t.run.checkpointsDir) : null);
      if (ckpt) await t.restore(ckpt);
      const msg = `Training stopped at step ${log.step}: ${bad}. `
        + (ckpt ? `Restored the last good checkpoint (${path.basename(ckpt)}, step ${t.iteration}). ` : 'No checkpoint to restore (weights are as after the bad step). ')
        + 'Try a lower learning rate (lrG/lrD), label smoothing or gradient penalty.';
      t.run?.log({ step: log.step, event: 'non-finite', message: msg });
      throw new NonFiniteLossError(msg, log.step, ckpt);
    },
  };
}

/**
 * The EMA's decay after step `step` (1-based): `ema`, or with `warmup` min(ema, (1 + step) / (10 +
 * step)) — TensorFlow's `tf.train.ExponentialMovingAverage(decay, num_updates)` schedule.
 *
 * @example
 * ```ts
 * emaDecay(0.999, 1, true);    // 0.1818…
 * emaDecay(0.999, 9000, true); // 0.999
 * ```
 */
export function emaDecay(ema: number, step: number, warmup: boolean): number {
  return warmup ? Math.min(ema, (1 + step) / (10 + step)) : ema;
}

/** Exponential moving average of the generator's weights into `trainer.emaGenerator` (decay `ema`, see {@link emaDecay}). */
export function emaUpdate(): TrainerCallbacks {
  return {
    name: 'ema',
    onStepEnd(log, t) {
      if (!t.emaGenerator) return;
      const d = emaDecay(t.options.ema, log.step, t.options.emaWarmup);
      const src = t.gan.generator.weights, dst = t.emaGenerator.weights;
      tf.tidy(() => {
        for (let i = 0; i < src.length; i++) dst[i].write(tf.add(tf.mul(dst[i].read(), d), tf.mul(src[i].read(), 1 - d)));
      });
    },
  };
}

/** Sets the step's learning rates from `lrDecay` (linear decay over an epoch range). */
export function lrDecaySchedule(): TrainerCallbacks {
  return {
    name: 'lr-decay',
    onStepBegin(_step, t) {
      if (!t.options.lrDecay) return;
      const s = t.lrScale, lr = { generator: t.options.lrG * s, discriminator: t.options.lrD * s };
      if (!t.trainStep.setLearningRates) throw new Error(`Expected a step with setLearningRates for lrDecay; the ${t.trainStep.name} step has none.`);
      t.trainStep.setLearningRates(lr);
    },
  };
}

/** A metrics.jsonl row and TensorBoard scalars every `logEvery` steps (and at step 1). */
export function runLog(): TrainerCallbacks {
  return {
    name: 'run-log',
    onStepEnd(log, t) {
      const o = t.options, s = log.step, run = t.run;
      if (!run || !(s % o.logEvery === 0 || s === 1)) return;
      run.log({ step: s, epoch: +log.epoch.toFixed(4), dLoss: log.dLoss, gLoss: log.gLoss, ...(log.gp !== undefined ? { gp: log.gp } : {}), imagesSeen: t.imagesSeen, wallSeconds: +t.trainingSeconds.toFixed(3) });
      run.scalar('loss/discriminator', log.dLoss, s);
      run.scalar('loss/generator', log.gLoss, s);
      if (log.gp !== undefined) run.scalar('loss/gradient_penalty', log.gp, s);
      if (o.lrDecay) run.scalar('lr/scale', t.lrScale, s);
    },
  };
}

/** The fixed-noise grid (PNG, GIF frame, TensorBoard image, weight histograms) every `sampleEvery` steps and at the end of a fit; calls `onSample`. */
export function sampleGrids(): TrainerCallbacks {
  let fitStart = 0;
  const record = async (t: GanTrainer) => {
    const imgs = t.samples();
    try {
      if (t.run) {
        const grid = imageGrid(imgs, { range: [-1, 1], scale: 2 });
        await t.run.sample(t.iteration, grid);
        t.run.image('samples', grid, t.iteration); // TensorBoard's Images tab, per sample step
        grid.dispose();
        for (const w of t.gan.generator.trainableWeights.filter((v) => v.name.includes('kernel'))) t.run.histogram(`generator/${w.name}`, w.read(), t.iteration);
        t.run.flush();
      }
      for (const cb of t.callbacks) await cb.onSample?.(t.iteration, imgs, t);
    } finally {
      imgs.dispose();
    }
  };
  return {
    name: 'samples',
    onFitBegin(info) { fitStart = info.startStep; },
    async onStepEnd(log, t) {
      if (t.options.sampleEvery > 0 && log.step % t.options.sampleEvery === 0) await record(t);
    },
    async onFitStop(stopped, t) {
      const every = t.options.sampleEvery;
      if (stopped === 'nan' || stopped === 'checkpoint-failed' || stopped === 'write-failed') return;
      if (every > 0 && t.iteration % every !== 0 && t.iteration > fitStart) await record(t);
    },
  };
}

/** A checkpoint before a fit's first step, every `checkpointEvery` steps, and when a fit stops (interrupts included). */
export function checkpoints(): TrainerCallbacks {
  let fitStart = 0;
  return {
    name: 'checkpoints',
    async onFitBegin(info, t) {
      fitStart = info.startStep;
      if (t.run && t.options.checkpointEvery > 0 && !t.lastCheckpointDir) await t.checkpoint();
    },
    async onStepEnd(log, t) {
      if (t.run && t.options.checkpointEvery > 0 && log.step % t.options.checkpointEvery === 0) await t.checkpoint();
    },
    async onFitStop(stopped, t) {
      if (stopped === 'nan' || stopped === 'checkpoint-failed' || stopped === 'write-failed' || !t.run) return;
      const current = t.lastCheckpointDir && path.basename(t.lastCheckpointDir) === checkpointName(t.iteration);
      if ((t.iteration > fitStart || stopped === 'interrupted') && !current) await t.checkpoint();
    },
  };
}

/** The built-in callbacks, in the order they run. */
export function defaultCallbacks(): TrainerCallbacks[] {
  return [nanGuard(), emaUpdate(), lrDecaySchedule(), runLog(), sampleGrids(), checkpoints()];
}
