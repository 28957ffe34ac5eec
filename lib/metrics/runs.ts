/**
 * Scoring the checkpoints of a training run (a `GanTrainer` run folder: `config.json` +
 * `checkpoints/step-XXXXXXXX/`), for score-over-training curves.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LayersModel } from '../backend';
import { listCheckpoints } from '../train/checkpoint';
import { generatorFromCheckpoint, readRunConfig } from '../train/run-artifacts';
import type { ClassifierDataset } from './classifier';
import { evaluateGenerator, type EvaluateOptions, type EvaluationScores } from './evaluate';

/** A generator rebuilt from a run checkpoint, in the shape `evaluateGenerator` accepts. */
export interface CheckpointGenerator {
  model: LayersModel;
  meta: { latentDim: number; numClasses: number; range: [number, number]; step: number; dataset: string | null };
}

/**
 * Checkpoint folders of a run, oldest first, with their steps.
 *
 * @example
 * ```ts
 * runCheckpoints('runs/dcgan-20261128-101500'); // [{ step: 500, dir: '.../step-00000500' }, ...]
 * ```
 */
export function runCheckpoints(runDir: string): { step: number; dir: string }[] {
  readRunConfig(runDir);
  return listCheckpoints(path.join(runDir, 'checkpoints')).map((dir) => ({ step: Number(path.basename(dir).replace('step-', '')), dir }));
}

/**
 * Rebuilds the generator of a run at one checkpoint (the EMA weights when the run kept them and
 * `ema` is not false). The caller disposes `model`.
 *
 * @example
 * ```ts
 * const g = loadCheckpointGenerator('runs/dcgan-...', runCheckpoints('runs/dcgan-...').at(-1)!.dir);
 * await evaluateGenerator(g, { dataset: 'mnist' });
 * ```
 */
export function loadCheckpointGenerator(runDir: string, checkpointDir: string, opts: { ema?: boolean } = {}): CheckpointGenerator {
  readRunConfig(runDir);
  const g = generatorFromCheckpoint(checkpointDir, opts);
  return {
    model: g.generator,
    meta: { latentDim: g.config.latentDim, numClasses: g.config.conditional?.numClasses ?? 0, range: [-1, 1], step: g.step, dataset: g.dataset },
  };
}

/** One point of a score curve. */
export type RunScore = EvaluationScores & { step: number };

/**
 * Scores every checkpoint of a run (or at most `maxCheckpoints`, evenly spaced, always with the
 * last) with {@link evaluateGenerator}; same seed for each, so the curve shows the generator
 * changing, not the noise.
 *
 * @example
 * ```ts
 * const curve = await scoreRun('runs/dcgan-...', { dataset: 'mnist', n: 1000 });
 * await show(scoreCurveChart(curve));
 * ```
 */
export async function scoreRun(runDir: string, opts: EvaluateOptions & { maxCheckpoints?: number; dataset?: ClassifierDataset } = {}): Promise<RunScore[]> {
  const { maxCheckpoints, ...evalOpts } = opts;
  let cks = runCheckpoints(runDir);
  const max = maxCheckpoints ?? 8;
  if (cks.length > max) {
    const idx = new Set(Array.from({ length: max }, (_, i) => Math.round((i * (cks.length - 1)) / (max - 1))));
    cks = cks.filter((_, i) => idx.has(i));
  }
  const rows: RunScore[] = [];
  for (const ck of cks) {
    const g = loadCheckpointGenerator(runDir, ck.dir);
    try {
      const rep = await evaluateGenerator(g, { diversityPairs: 0, ...evalOpts, train: undefined, name: `step ${ck.step}` });
      rows.push({ ...rep.scores, step: ck.step });
    } finally {
      g.model.dispose();
    }
  }
  return rows;
}

/**
 * A vega-lite chart of scores over training steps (one panel per metric).
 *
 * @example
 * ```ts
 * await show(scoreCurveChart(curve, { baseline: realReport.scores }));
 * ```
 */
export function scoreCurveChart(rows: RunScore[], opts: { baseline?: Partial<EvaluationScores>; title?: string } = {}): Record<string, unknown> {
  const metrics: [keyof EvaluationScores, string][] = [
    ['fcd', 'Fréchet classifier distance (lower is better)'],
    ['kcd', 'kernel classifier distance (lower is better)'],
    ['classifierScore', 'classifier score (higher is better)'],
    ['precision', 'precision'],
    ['recall', 'recall'],
  ];
  const values = rows.flatMap((r) => metrics.map(([k, label]) => ({ step: r.step, metric: label, value: r[k] as number })))
    .filter((v) => Number.isFinite(v.value));
  const base = opts.baseline
    ? metrics.flatMap(([k, label]) => (Number.isFinite(opts.baseline![k] as number) ? [{ metric: label, value: opts.baseline![k] as number }] : []))
    : [];
  return {
    title: opts.title ?? 'Scores over training (dashed: real-data baseline)',
    data: { values: [...values.map((v) => ({ ...v, kind: 'generator' })), ...base.map((b) => ({ ...b, kind: 'real baseline' }))] },
    facet: { field: 'metric', type: 'nominal', title: null, sort: metrics.map(([, l]) => l) },
    columns: 3,
    spec: {
      width: 180, height: 120,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'generator'" }],
          mark: { type: 'line', point: true },
          encoding: { x: { field: 'step', type: 'quantitative', title: 'training step' }, y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } } },
        },
        {
          transform: [{ filter: "datum.kind === 'real baseline'" }],
          mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' },
          encoding: { y: { field: 'value', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}
