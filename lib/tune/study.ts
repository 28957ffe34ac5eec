/**
 * A `Study` runs trials of an objective: a sampler proposes a configuration, the objective
 * trains and scores it (reporting intermediate scores so a pruner can stop clearly bad
 * trials early), and every finished trial is saved at once
 * (`<dir>/<name>/study.json` + `trials.jsonl`, each written atomically) so a search that stops
 * — a crash, a kernel restart, an interrupt — resumes where it stopped and makes the same next
 * proposal. The objective is any async function; the study knows nothing about GANs.
 *
 * @example
 * ```ts
 * const study = new Study({
 *   name: 'branin', space: { x: float(-5, 10), y: float(0, 15) }, sampler: bayesOpt({ seed: 0 }),
 * });
 * await study.optimize(async ({ x, y }, { report, signal }) => branin(x as number, y as number), { trials: 30 });
 * study.best;          // { number, params, value, ... }
 * show(study);         // the trials table
 * ```
 */
import * as fs from 'fs';
import * as path from 'path';
import { showLive, type DisplayHandle, type Displayable } from '../display/show';
import { inKernel } from '../display/sink';
import { interruptSignal } from '../display/interrupt';
import type { VegaLiteSpec } from '../plot/chart';
import type { Table } from '../plot/table';
import { bestIndex, paramsChart, scoreChart, trialsTable, type MetricInfo } from './charts';
export { compareChart, compareTable } from './charts';
import { medianPruner, prunerFromConfig, type Pruner, type PrunerConfig } from './pruners';
import { bayesOpt, samplerFromConfig, type Sampler, type SamplerConfig } from './samplers';
import { searchSpace, type Params, type SearchSpace, type SpaceSpec } from './space';
import type { Observation, TrialRecord } from './trial';

/** What an objective gets besides the configuration. */
export interface TrialContext {
  /** The trial's number in the study (0-based). */
  number: number;
  /**
   * Records an intermediate score (same sense as the final one) after `step`; returns true
   * when the trial should stop (pruned as clearly bad, or diverged), and aborts `signal`.
   */
  report(step: number, value: number): boolean;
  /** Aborted when the trial is pruned or the user interrupts the search: stop training then. */
  signal: AbortSignal;
}

/** The function a study optimises: configuration in, score out (lower is better by default). */
export type Objective = (params: Params, ctx: TrialContext) => Promise<number> | number;

export interface StudyOptions {
  /** Folder name of the study under `dir` (letters, digits, `-`, `_`, `.`). */
  name: string;
  space: SpaceSpec | SearchSpace;
  /** Default `bayesOpt({ seed: 0 })`. */
  sampler?: Sampler;
  /** Default `medianPruner()`; `null` stops only diverged (NaN/∞) trials. */
  pruner?: Pruner | null;
  /** Default `'minimize'`. */
  direction?: 'minimize' | 'maximize';
  /** Where studies live (default `runs/tune`); `null` keeps the study in memory only. */
  dir?: string | null;
  /** Name and unit of the score, for tables and charts (default `{ name: 'score' }`). */
  metric?: { name: string; unit?: string };
  /** `true` (default): continue a saved study of this name; `false`: start over, replacing it. */
  resume?: boolean;
}

export interface OptimizeOptions {
  /** Run until the study holds this many finished trials (so re-running the cell after a stop resumes). */
  trials: number;
  /** Live table and charts updated in place (default: only inside a notebook kernel). */
  live?: boolean;
  /** Stops the search (default: the kernel's interrupt signal). The running trial is not recorded. */
  signal?: AbortSignal;
  /** Called after each finished trial. */
  onTrial?: (trial: TrialRecord, study: Study) => void | Promise<void>;
}

interface StudyFile {
  version: 1;
  name: string;
  space: SpaceSpec;
  sampler: SamplerConfig;
  pruner: PrunerConfig;
  direction: 'minimize' | 'maximize';
  metric: { name: string; unit?: string };
  createdAt: string;
}

/** Writes a file atomically: a temporary sibling, then rename (readers never see half a file). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const canonical = (x: unknown): string => JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
  ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v));

/** A hyperparameter search; see the module docs. Displays itself as its trials table. */
export class Study implements Displayable {
  readonly name: string;
  readonly space: SearchSpace;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly direction: 'minimize' | 'maximize';
  readonly metric: MetricInfo;
  /** The study's folder, or null for an in-memory study. */
  readonly path: string | null;
  /** Finished trials, in order. */
  readonly trials: TrialRecord[] = [];
  /** The trial in progress, if any (shown in the live table). */
  running: TrialRecord | null = null;
  private handles: { table: DisplayHandle; score: DisplayHandle; params: DisplayHandle } | null = null;

  constructor(opts: StudyOptions) {
    if (!/^[\w.-]+$/.test(opts.name)) throw new Error(`Study name must use letters, digits, '-', '_' or '.', got ${JSON.stringify(opts.name)}.`);
    this.name = opts.name;
    this.space = searchSpace(opts.space);
    this.sampler = opts.sampler ?? bayesOpt({ seed: 0 });
    this.pruner = opts.pruner === null ? prunerFromConfig({ kind: 'none' }) : opts.pruner ?? medianPruner();
    this.direction = opts.direction ?? 'minimize';
    if (this.direction !== 'minimize' && this.direction !== 'maximize') throw new Error(`direction must be 'minimize' or 'maximize', got ${JSON.stringify(this.direction)}.`);
    this.metric = { name: opts.metric?.name ?? 'score', ...(opts.metric?.unit ? { unit: opts.metric.unit } : {}), direction: this.direction };
    const dir = opts.dir === undefined ? path.join('runs', 'tune') : opts.dir;
    this.path = dir === null ? null : path.resolve(dir, this.name);
    if (this.path) this.openFolder(opts.resume ?? true);
  }

  /**
   * Re-opens a saved study from its folder alone (space, sampler and pruner from `study.json`).
   *
   * @example
   * ```ts
   * const study = Study.load('gan-bo');   // runs/tune/gan-bo
   * study.best?.params;
   * ```
   */
  static load(name: string, dir = path.join('runs', 'tune')): Study {
    const file = path.resolve(dir, name, 'study.json');
    if (!fs.existsSync(file)) throw new Error(`No study at ${file}; check the name and dir (studies are saved by new Study({ name, dir })).`);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as StudyFile;
    return new Study({
      name, dir, space: saved.space, sampler: samplerFromConfig(saved.sampler), pruner: prunerFromConfig(saved.pruner),
      direction: saved.direction, metric: saved.metric,
    });
  }

  private config(): StudyFile {
    return {
      version: 1, name: this.name, space: this.space.toJSON(), sampler: this.sampler.toJSON(), pruner: this.pruner.toJSON(),
      direction: this.direction, metric: { name: this.metric.name, ...(this.metric.unit ? { unit: this.metric.unit } : {}) },
      createdAt: new Date().toISOString(),
    };
  }

  private openFolder(resume: boolean): void {
    const dir = this.path!;
    const studyFile = path.join(dir, 'study.json'), trialsFile = path.join(dir, 'trials.jsonl');
    fs.mkdirSync(dir, { recursive: true });
    const mine = this.config();
    if (resume && fs.existsSync(studyFile)) {
      const saved = JSON.parse(fs.readFileSync(studyFile, 'utf8')) as StudyFile;
      for (const key of ['space', 'sampler', 'direction'] as const) {
        if (canonical(saved[key]) !== canonical(mine[key])) {
          throw new Error(`Study "${this.name}" in ${dir} was created with a different ${key} (${JSON.stringify(saved[key])}, now ${JSON.stringify(mine[key])}); `
            + 'pass resume: false to start it over, or choose another name.');
        }
      }
      if (fs.existsSync(trialsFile)) {
        const lines = fs.readFileSync(trialsFile, 'utf8').split('\n').filter((l) => l.trim());
        for (const l of lines) this.trials.push(JSON.parse(l) as TrialRecord);
      }
      return;
    }
    writeAtomic(studyFile, `${JSON.stringify(mine, null, 2)}\n`);
    writeAtomic(trialsFile, '');
  }

  private persist(): void {
    if (!this.path) return;
    writeAtomic(path.join(this.path, 'trials.jsonl'), this.trials.map((t) => JSON.stringify(t)).join('\n') + (this.trials.length ? '\n' : ''));
  }

  /** Score in the minimisation sense. */
  private signed(v: number | null): number | null {
    return v === null ? null : this.direction === 'minimize' ? v : -v;
  }

  private observations(): Observation[] {
    return this.trials.map((t) => ({ params: t.params, state: t.state, value: this.signed(t.value) }));
  }

  /** The best complete trial, or null. */
  get best(): TrialRecord | null {
    const i = bestIndex(this.trials, this.direction);
    return i < 0 ? null : this.trials[i];
  }

  /**
   * The configuration the sampler proposes next (pure: the same after a restart). `null` when a
   * grid is exhausted.
   */
  nextParams(): Params | null {
    return this.sampler.propose(this.space, this.observations(), this.trials.length);
  }

  /**
   * Runs one trial of `objective` on the next proposal and records it (complete, pruned or
   * failed). Returns null when the sampler has nothing left or the search was stopped by `signal`.
   */
  async runTrial(objective: Objective, signal: AbortSignal = interruptSignal()): Promise<TrialRecord | null> {
    if (signal.aborted) return null;
    const params = this.nextParams();
    if (!params) return null;
    const number = this.trials.length;
    const trial: TrialRecord = { number, params, state: 'running', value: null, intermediate: [], startedAt: new Date().toISOString(), durationMs: 0 };
    this.running = trial;
    const stop = new AbortController();
    const onOuter = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', onOuter, { once: true });
    let pruneReason: string | null = null;
    const others = (): TrialRecord[] => this.trials.map((t) => ({
      ...t, value: this.signed(t.value), intermediate: t.intermediate.map(([s, v]) => [s, this.signed(v)!] as [number, number]),
    }));
    const t0 = Date.now();
    let lastLive = 0;
    const ctx: TrialContext = {
      number,
      signal: stop.signal,
      report: (step, value) => {
        if (pruneReason) return true;
        if (typeof step !== 'number' || typeof value !== 'number') throw new Error(`report(step, value) expects two numbers, got (${typeof step}, ${typeof value}).`);
        trial.intermediate.push([step, value]);
        trial.value = value;
        const signedSeries = trial.intermediate.map(([s, v]) => [s, this.signed(v)!] as [number, number]);
        pruneReason = this.pruner.check(signedSeries, others());
        if (pruneReason) stop.abort(new Error(`pruned: ${pruneReason}`));
        if (this.handles && Date.now() - lastLive > 1000) {
          lastLive = Date.now();
          trial.durationMs = Date.now() - t0;
          this.handles.table.update(this.table()).catch(() => { /* a display hiccup must not fail the trial */ });
        }
        return pruneReason !== null;
      },
    };
    try {
      const value = await objective(params, ctx);
      if (pruneReason) {
        trial.state = 'pruned';
        trial.reason = pruneReason;
      } else if (signal.aborted) {
        return null; // interrupted: not recorded, the same trial runs again on resume
      } else if (typeof value !== 'number' || !Number.isFinite(value)) {
        trial.state = 'failed';
        trial.value = typeof value === 'number' ? null : trial.value;
        trial.reason = `objective returned ${typeof value === 'number' ? value : typeof value}`;
      } else {
        trial.state = 'complete';
        trial.value = value;
      }
    } catch (err) {
      if (pruneReason) {
        trial.state = 'pruned';
        trial.reason = pruneReason;
      } else if (signal.aborted) {
        return null;
      } else {
        trial.state = 'failed';
        trial.reason = `threw: ${(err as Error)?.message ?? String(err)}`.slice(0, 300);
      }
    } finally {
      signal.removeEventListener('abort', onOuter);
      this.running = null;
    }
    if (trial.value !== null && !Number.isFinite(trial.value)) trial.value = null; // JSON has no NaN
    trial.durationMs = Date.now() - t0;
    this.trials.push(trial);
    this.persist();
    return trial;
  }

  /**
   * Runs trials until the study holds `trials` finished ones (or the grid is exhausted, or the
   * search is interrupted). With `live`, shows the trials table, the score-per-trial chart and
   * the score-per-hyperparameter chart, and updates them in place after every trial.
   *
   * @example
   * ```ts
   * await study.optimize(objective, { trials: 20 });
   * ```
   */
  async optimize(objective: Objective, opts: OptimizeOptions): Promise<this> {
    if (!Number.isInteger(opts.trials) || opts.trials < 0) throw new Error(`optimize({ trials }) expects a non-negative integer, got ${opts.trials}.`);
    const signal = opts.signal ?? interruptSignal();
    const live = opts.live ?? inKernel();
    if (live) await this.showLive();
    while (this.trials.length < opts.trials && !signal.aborted) {
      const t = await this.runTrial(objective, signal);
      if (!t) break;
      if (this.handles) await this.refreshLive(false);
      await opts.onTrial?.(t, this);
    }
    if (this.handles) await this.refreshLive(true);
    return this;
  }

  /**
   * Trains the best configuration again, e.g. for longer or to keep the model.
   *
   * @example
   * ```ts
   * const { gan, fid } = await study.retrainBest(objective.train);
   * ```
   */
  async retrainBest<T>(train: (params: Params) => Promise<T> | T): Promise<T> {
    const best = this.best;
    if (!best) throw new Error(`Study "${this.name}" has no complete trial yet; run study.optimize(objective, { trials }) first.`);
    return await train({ ...best.params });
  }

  /** The trials table (the running trial included). */
  table(): Table {
    return trialsTable(this.trials, this.space, this.metric, { running: this.running, title: `Study ${this.name}: ${this.trials.length} trials, ${this.sampler.kind} sampler (${this.metric.name}, ${this.direction === 'minimize' ? 'lower' : 'higher'} is better; ★ best)` });
  }

  /** Score per trial with the best-so-far line (vega-lite). */
  scoreChart(): VegaLiteSpec {
    return scoreChart(this.trials, this.metric, { title: `${this.metric.name} per trial (${this.name}, ${this.sampler.kind}), with the best so far` });
  }

  /** Score against each hyperparameter (vega-lite). */
  paramsChart(): VegaLiteSpec {
    return paramsChart(this.trials, this.space, this.metric, { title: `${this.metric.name} against each hyperparameter (${this.name})` });
  }

  /** Shows the live table and charts now (optimize does this itself when `live`). */
  async showLive(): Promise<void> {
    if (this.handles) return;
    this.handles = {
      table: await showLive(this.table()),
      score: await showLive(this.scoreChart(), { svgFallback: false }),
      params: await showLive(this.paramsChart(), { svgFallback: false }),
    };
  }

  private async refreshLive(final: boolean): Promise<void> {
    const h = this.handles!;
    await h.table.update(this.table());
    await h.score.update(this.scoreChart(), { svgFallback: final });
    await h.params.update(this.paramsChart(), { svgFallback: final });
    if (final) this.handles = null;
  }

  /** Plain summary: trials by state and the best configuration. */
  summary(): string {
    const count = (s: string) => this.trials.filter((t) => t.state === s).length;
    const b = this.best;
    return `Study ${this.name} (${this.sampler.kind}): ${this.trials.length} trials — ${count('complete')} complete, ${count('pruned')} pruned, ${count('failed')} failed`
      + (b ? `; best ${this.metric.name} ${+b.value!.toPrecision(5)} (trial ${b.number}) with ${JSON.stringify(b.params)}` : '');
  }

  toMimeBundle(): Record<string, unknown> {
    const t = this.table().toMimeBundle();
    return { 'text/html': `<p>${this.summary().replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>${t['text/html']}`, 'text/plain': `${this.summary()}\n${t['text/plain']}` };
  }
}
