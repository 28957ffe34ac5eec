/**
 * Vega-lite specs for training: loss curves. Pure: data in, spec out.
 */
import type { VegaLiteSpec } from './chart';

/** One logged point of training. */
export interface LossPoint { step: number; dLoss: number; gLoss: number; gp?: number }

/**
 * Discriminator and generator loss against step (long format, one colour per loss).
 * Long histories are thinned to at most `maxPoints` points.
 *
 * @example
 * ```ts
 * await show(lossChart(trainer.history, { title: 'DCGAN on MNIST' }));
 * ```
 */
export function lossChart(history: LossPoint[], opts: { title?: string; maxPoints?: number; width?: number; height?: number } = {}): VegaLiteSpec {
  const max = opts.maxPoints ?? 400;
  const every = Math.max(1, Math.ceil(history.length / max));
  const values: { step: number; loss: string; value: number }[] = [];
  history.forEach((h, i) => {
    if (i % every !== 0 && i !== history.length - 1) return;
    values.push({ step: h.step, loss: 'discriminator', value: h.dLoss }, { step: h.step, loss: 'generator', value: h.gLoss });
    if (h.gp !== undefined) values.push({ step: h.step, loss: 'gradient penalty', value: h.gp });
  });
  return {
    title: opts.title ?? 'GAN losses',
    width: opts.width ?? 420,
    height: opts.height ?? 200,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      // Steps are whole numbers: no 1.2, 1.4 ticks on short runs.
      x: { field: 'step', type: 'quantitative', title: 'training step', axis: { format: 'd', tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: 'loss (nats)' },
      color: { field: 'loss', type: 'nominal', title: null },
    },
  };
}
