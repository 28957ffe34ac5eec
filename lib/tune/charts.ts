/**
 * Pictures of a search (pure: trials in, vega-lite spec or table out): the trials table,
 * score against trial number with the best-so-far line, and score against each hyperparameter.
 *
 * @example
 * ```ts
 * await show(scoreChart(study.trials, { metric: study.metric }));
 * await show(paramsChart(study.trials, study.space, { metric: study.metric }));
 * ```
 */
import type { VegaLiteSpec } from '../plot/chart';
import { table, type Table } from '../plot/table';
import type { SearchSpace } from './space';
import type { TrialRecord } from './trial';

/** What the score is called and how it is measured (for titles and axes). */
export interface MetricInfo {
  /** e.g. `'FID'`. */
  name: string;
  /** e.g. `'Fréchet distance'`; shown in axis titles in parentheses. */
  unit?: string;
  direction: 'minimize' | 'maximize';
}

const axisTitle = (m: MetricInfo): string => `${m.name}${m.unit ? ` (${m.unit})` : ''}, ${m.direction === 'minimize' ? 'lower' : 'higher'} is better`;

/** Index of the best finished trial (complete, finite), or -1. */
export function bestIndex(trials: readonly TrialRecord[], direction: MetricInfo['direction']): number {
  let best = -1;
  trials.forEach((t, i) => {
    if (t.state !== 'complete' || t.value === null || !Number.isFinite(t.value)) return;
    if (best < 0 || (direction === 'minimize' ? t.value < trials[best].value! : t.value > trials[best].value!)) best = i;
  });
  return best;
}

/**
 * Score of every trial in order (colour: complete, pruned at its last report, failed at the
 * top edge) and the best-so-far line.
 *
 * @example
 * ```ts
 * scoreChart(study.trials, { name: 'FID', direction: 'minimize' })
 * ```
 */
export function scoreChart(trials: readonly TrialRecord[], metric: MetricInfo, opts: { title?: string; width?: number; height?: number } = {}): VegaLiteSpec {
  const points: Record<string, unknown>[] = [];
  const bestLine: Record<string, unknown>[] = [];
  let best: number | null = null;
  for (const t of trials) {
    if (t.value !== null && Number.isFinite(t.value)) points.push({ trial: t.number, value: t.value, state: t.state });
    if (t.state === 'complete' && t.value !== null && Number.isFinite(t.value)) {
      best = best === null ? t.value : metric.direction === 'minimize' ? Math.min(best, t.value) : Math.max(best, t.value);
    }
    if (best !== null) bestLine.push({ trial: t.number, best });
  }
  return {
    title: opts.title ?? `${metric.name} per trial, with the best so far`,
    width: opts.width ?? 420,
    height: opts.height ?? 220,
    layer: [
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'trial', type: 'quantitative', title: 'trial (#)', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: axisTitle(metric), scale: { zero: false } },
          color: { field: 'state', type: 'nominal', title: 'trial', scale: { domain: ['complete', 'pruned', 'failed'], range: ['#4c78a8', '#f58518', '#e45756'] } },
          tooltip: [{ field: 'trial' }, { field: 'value', format: '.4g' }, { field: 'state' }],
        },
      },
      {
        data: { values: bestLine },
        mark: { type: 'line', interpolate: 'step-after', color: '#54a24b', strokeWidth: 2 },
        encoding: {
          x: { field: 'trial', type: 'quantitative' },
          y: { field: 'best', type: 'quantitative' },
        },
      },
    ],
  };
}

/**
 * Score against each hyperparameter (one panel per parameter; log axes for log-scale ones,
 * categories for categorical ones); the best trial is drawn as a larger green point.
 *
 * @example
 * ```ts
 * paramsChart(study.trials, study.space, { name: 'FID', direction: 'minimize' })
 * ```
 */
export function paramsChart(trials: readonly TrialRecord[], space: SearchSpace, metric: MetricInfo, opts: { title?: string; columns?: number } = {}): VegaLiteSpec {
  const b = bestIndex(trials, metric.direction);
  const rows = trials.filter((t) => t.value !== null && Number.isFinite(t.value));
  const panels = space.names.map((name) => {
    const s = space.spec[name];
    const values = rows.map((t) => ({ x: t.params[name], value: t.value, trial: t.number, state: t.state, best: trials[b] === t ? 'best' : 'other' }));
    const x = s.type === 'choice'
      ? { field: 'x', type: 'nominal', title: name, sort: s.values.map(String) }
      : { field: 'x', type: 'quantitative', title: `${name}${s.log ? ' (log scale)' : ''}`, scale: s.log ? { type: 'log', domain: [s.low, s.high] } : { type: 'linear', domain: [s.low, s.high], zero: false }, ...(s.log ? { axis: logAxis(s.low, s.high) } : {}) };
    return {
      width: 180, height: 150,
      data: { values },
      mark: { type: 'point', filled: true },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: axisTitle(metric), scale: { zero: false } },
        color: { field: 'best', type: 'nominal', title: null, scale: { domain: ['best', 'other'], range: ['#54a24b', '#4c78a8'] }, legend: null },
        size: { field: 'best', type: 'ordinal', sort: ['best', 'other'], scale: { domain: ['best', 'other'], range: [140, 50] }, legend: null },
        shape: { field: 'state', type: 'nominal', title: 'trial', scale: { domain: ['complete', 'pruned', 'failed'] } },
        tooltip: [{ field: 'trial' }, { field: 'x', title: name }, { field: 'value', format: '.4g' }],
      },
    };
  });
  return {
    title: opts.title ?? `${metric.name} against each hyperparameter`,
    columns: opts.columns ?? Math.min(3, panels.length),
    concat: panels,
  };
}

/** Ticks at powers of ten (and the ends) for a log axis, so labels do not crowd. */
function logAxis(low: number, high: number): Record<string, unknown> {
  const values: number[] = [];
  for (let k = Math.ceil(Math.log10(low) - 1e-9); k <= Math.floor(Math.log10(high) + 1e-9); k++) values.push(Number((10 ** k).toPrecision(12)));
  if (values.length < 2) values.splice(0, values.length, low, high);
  return { values, format: '~g', labelOverlap: true };
}

function fmt(v: unknown): unknown {
  return typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;
}

/**
 * The trials as a table: number, state, score, parameters, steps reported, time, note.
 *
 * @example
 * ```ts
 * await show(trialsTable(study.trials, study.space, { name: 'FID', direction: 'minimize' }));
 * ```
 */
export function trialsTable(trials: readonly TrialRecord[], space: SearchSpace, metric: MetricInfo, opts: { title?: string; running?: TrialRecord | readonly TrialRecord[] | null } = {}): Table {
  const b = bestIndex(trials, metric.direction);
  const running = opts.running ? (Array.isArray(opts.running) ? opts.running : [opts.running as TrialRecord]) : [];
  const all = [...trials, ...running];
  const rows = all.map((t, i) => ({
    '#': t.number,
    state: i === b ? 'complete ★' : t.lost ? 'lost' : t.state,
    [metric.name]: t.value === null ? null : fmt(t.value),
    ...Object.fromEntries(space.names.map((n) => [n, fmt(t.params[n])])),
    'last step': t.intermediate.length ? t.intermediate[t.intermediate.length - 1][0] : null,
    'time (s)': t.state === 'running' ? null : Number((t.durationMs / 1000).toFixed(1)),
    note: [t.worker && t.state === 'running' ? `in ${t.worker}` : '', t.retryOf !== undefined ? `retry of #${t.retryOf}` : '',
      t.retriedBy !== undefined ? `run again as #${t.retriedBy}` : '', t.reason ?? ''].filter(Boolean).join('; '),
  }));
  return table(rows, { title: opts.title ?? `Trials (${metric.name}, ${metric.direction === 'minimize' ? 'lower' : 'higher'} is better; ★ best)` });
}

/** What {@link compareChart} and {@link compareTable} need of a study. */
export interface StudyLike {
  name: string;
  sampler: { kind: string };
  trials: readonly TrialRecord[];
  metric: MetricInfo;
}

function bestSoFar(s: StudyLike): (number | null)[] {
  let best: number | null = null;
  return s.trials.map((t) => {
    if (t.state === 'complete' && t.value !== null && Number.isFinite(t.value)) {
      best = best === null ? t.value : s.metric.direction === 'minimize' ? Math.min(best, t.value) : Math.max(best, t.value);
    }
    return best;
  });
}

/**
 * Best score so far against trial number, one line per study (e.g. grid vs Bayesian at equal budget).
 *
 * @example
 * ```ts
 * await show(compareChart([gridStudy, boStudy]));
 * ```
 */
export function compareChart(studies: readonly StudyLike[], opts: { title?: string; width?: number; height?: number } = {}): VegaLiteSpec {
  if (studies.length === 0) throw new Error('compareChart expects at least one study, got none.');
  const metric = studies[0].metric;
  const values = studies.flatMap((s) => bestSoFar(s).map((best, i) => ({ study: `${s.name} (${s.sampler.kind})`, trial: i + 1, best })).filter((v) => v.best !== null));
  return {
    title: opts.title ?? `Best ${metric.name} so far against trials spent`,
    width: opts.width ?? 420,
    height: opts.height ?? 220,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', point: true },
    encoding: {
      x: { field: 'trial', type: 'quantitative', title: 'trials run (#)', axis: { tickMinStep: 1 } },
      y: { field: 'best', type: 'quantitative', title: `best ${axisTitle(metric)}`, scale: { zero: false } },
      color: { field: 'study', type: 'nominal', title: 'study' },
    },
  };
}

/**
 * One row per study: trials by state, best score, the trial that found it, its configuration, time.
 *
 * @example
 * ```ts
 * compareTable([gridStudy, boStudy])
 * ```
 */
export function compareTable(studies: readonly StudyLike[], opts: { title?: string } = {}): Table {
  const rows = studies.map((s) => {
    const b = bestIndex(s.trials, s.metric.direction);
    const best = b < 0 ? null : s.trials[b];
    const count = (st: string) => s.trials.filter((t) => t.state === st).length;
    return {
      study: s.name, sampler: s.sampler.kind, trials: s.trials.length, complete: count('complete'), pruned: count('pruned'), failed: count('failed'),
      [`best ${s.metric.name}`]: best ? fmt(best.value) : null,
      'found at trial': best ? best.number : null,
      'best config': best ? Object.entries(best.params).map(([k, v]) => `${k}=${fmt(v)}`).join(', ') : '',
      'time (s)': Number((s.trials.reduce((a, t) => a + t.durationMs, 0) / 1000).toFixed(1)),
    };
  });
  return table(rows, { title: opts.title ?? `Studies compared (${studies[0]?.metric.name ?? 'score'}, ${studies[0]?.metric.direction === 'maximize' ? 'higher' : 'lower'} is better)` });
}
