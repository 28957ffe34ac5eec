/**
 * A `Study` runs trials of an objective: a sampler proposes a configuration, the objective
 * trains and scores it (reporting intermediate scores so a pruner can stop clearly bad
 * trials early), and every finished trial is saved at once
 * (`<dir>/<name>/study.json` + `trials.jsonl`, each written atomically) so a search that stops
 * — a crash, a kernel restart, an interrupt — resumes where it stopped and makes the same next
 * proposal. The objective is any async function; the study knows nothing about GANs.
 *
 * With a shared `storage` (`sqlite:///runs/tune/studies.db`, `postgresql://…`) several processes
 * run one study: `npm run tune-worker -- --study NAME --storage URL --objective FILE` joins it
 * from a terminal or another machine, trials are claimed in database transactions (none run
 * twice, the budget is never overrun), a worker that dies mid-trial is noticed by its missing
 * heartbeat and its configuration runs again, and `await study.watch()` follows it live.
 *
 * @example
 * ```ts
 * const study = new Study({
 *   name: 'branin', space: { x: float(-5, 10), y: float(0, 15) }, sampler: bayesOpt({ seed: 0 }),
 * });
 * await study.optimize(async ({ x, y }, { report, signal }) => branin(x as number, y as number), { trials: 30 });
 * study.best;          // { number, params, value, ... }
 * show(study);         // the trials table
 *
 * // shared by workers: this cell runs trials too, and others join with npm run tune-worker
 * const shared = new Study({ name: 'branin', space, storage: 'sqlite:///runs/tune/studies.db' });
 * await shared.optimize(objective, { trials: 60 });
 * ```
 */
import * as os from 'os';
import * as path from 'path';
import { showLive, type DisplayHandle, type Displayable } from '../display/show';
import { inKernel } from '../display/sink';
import { interruptibleSleep, interruptSignal } from '../display/interrupt';
import type { VegaLiteSpec } from '../plot/chart';
import type { Table } from '../plot/table';
import { bestIndex, paramsChart, scoreChart, trialsTable, type MetricInfo } from './charts';
export { compareChart, compareTable } from './charts';
import { medianPruner, prunerFromConfig, type Pruner, type PrunerConfig } from './pruners';
import { bayesOpt, samplerFromConfig, type Sampler, type SamplerConfig } from './samplers';
import { searchSpace, type Params, type SearchSpace, type SpaceSpec } from './space';
import { FolderStorage, openStorage, type Claim, type StudyConfig, type StudyStorage } from './storage';
import { counted } from './storage/types';
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
  /**
   * A shared storage for several worker processes: a URL (`sqlite:///runs/tune/studies.db`,
   * `postgresql://user:pass@host:5432/db`) or a {@link StudyStorage}. Default: the folder
   * format under `dir` (one process).
   */
  storage?: string | StudyStorage;
  /** This process's worker id in a shared storage (default `host:pid`). */
  worker?: string;
  /**
   * Heartbeats of running trials in a shared storage: sent every `intervalMs` (default 5,000);
   * a trial without one for `graceMs` (default 60,000; keep it well above the longest pause of
   * your objective's event loop) is lost and its configuration runs again.
   */
  heartbeat?: { intervalMs?: number; graceMs?: number };
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

/** A hyperparameter search; see the module docs. Displays itself as its trials table. */
export class Study implements Displayable {
  readonly name: string;
  readonly space: SearchSpace;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly direction: 'minimize' | 'maximize';
  readonly metric: MetricInfo;
  /** The study's folder, or null for an in-memory study or a database. */
  readonly path: string | null;
  /** Where the study lives. */
  readonly storage: StudyStorage;
  /** This process's worker id (shared storages). */
  readonly worker: string;
  /** Finished trials, in order (lost ones included, marked `lost`). */
  readonly trials: TrialRecord[] = [];
  /** This process's trial in progress, if any (shown in the live table). */
  running: TrialRecord | null = null;
  /** Trials running in other workers at the last {@link sync} (shared storages). */
  readonly elsewhere: TrialRecord[] = [];
  /** The study's budget as stored (set by `optimize({ trials })` or a worker's `--trials`). */
  budget: number | null = null;
  private handles: { table: DisplayHandle; score: DisplayHandle; params: DisplayHandle } | null = null;
  private opened: Promise<void> | null = null;
  private readonly resume: boolean;
  private readonly heartbeatMs: number;
  private readonly graceMs: number;
  private lastClaim: Claim | null = null;

  constructor(opts: StudyOptions) {
    if (!/^[\w.-]+$/.test(opts.name)) throw new Error(`Study name must use letters, digits, '-', '_' or '.', got ${JSON.stringify(opts.name)}.`);
    this.name = opts.name;
    this.space = searchSpace(opts.space);
    this.sampler = opts.sampler ?? bayesOpt({ seed: 0 });
    this.pruner = opts.pruner === null ? prunerFromConfig({ kind: 'none' }) : opts.pruner ?? medianPruner();
    this.direction = opts.direction ?? 'minimize';
    if (this.direction !== 'minimize' && this.direction !== 'maximize') throw new Error(`direction must be 'minimize' or 'maximize', got ${JSON.stringify(this.direction)}.`);
    this.metric = { name: opts.metric?.name ?? 'score', ...(opts.metric?.unit ? { unit: opts.metric.unit } : {}), direction: this.direction };
    this.resume = opts.resume ?? true;
    this.worker = opts.worker ?? `${os.hostname()}:${process.pid}`;
    this.heartbeatMs = opts.heartbeat?.intervalMs ?? 5_000;
    this.graceMs = opts.heartbeat?.graceMs ?? 60_000;
    if (!(this.heartbeatMs > 0 && this.graceMs > this.heartbeatMs)) {
      throw new Error(`heartbeat needs 0 < intervalMs < graceMs (ms), got ${JSON.stringify(opts.heartbeat)}.`);
    }
    if (opts.storage !== undefined) {
      if (opts.dir !== undefined) throw new Error('Pass either storage (a shared database) or dir (the folder format), not both.');
      this.storage = typeof opts.storage === 'string' ? openStorage(opts.storage) : opts.storage;
      this.path = null;
    } else {
      const dir = opts.dir === undefined ? path.join('runs', 'tune') : opts.dir;
      const folder = new FolderStorage(dir);
      this.storage = folder;
      this.path = folder.folderOf(this.name);
      this.trials.push(...folder.openSync(this.config(), { resume: this.resume }));
      this.opened = Promise.resolve();
    }
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
    const saved = new FolderStorage(dir).loadSync(name);
    if (!saved) throw new Error(`No study at ${path.resolve(dir, name, 'study.json')}; check the name and dir (studies are saved by new Study({ name, dir })).`);
    return new Study({ ...Study.optionsFrom(saved), dir });
  }

  /**
   * Re-opens a study from a shared storage alone (space, sampler and pruner as saved), e.g. to
   * join or watch a search another process started.
   *
   * @example
   * ```ts
   * const study = await Study.open('gan-lr', { storage: 'sqlite:///runs/tune/studies.db' });
   * await study.watch();   // live table and charts while the workers run
   * ```
   * @throws Error when the storage has no study of that name.
   */
  static async open(name: string, opts: Pick<StudyOptions, 'storage' | 'worker' | 'heartbeat'> & { storage: string | StudyStorage }): Promise<Study> {
    const storage = typeof opts.storage === 'string' ? openStorage(opts.storage) : opts.storage;
    const saved = await storage.load(name);
    if (!saved) throw new Error(`No study "${name}" in ${storage.description}; create it with new Study({ name, space, storage }) first.`);
    const study = new Study({ ...Study.optionsFrom(saved), storage, worker: opts.worker, heartbeat: opts.heartbeat });
    await study.sync();
    return study;
  }

  private static optionsFrom(saved: StudyConfig): StudyOptions {
    return {
      name: saved.name, space: saved.space, sampler: samplerFromConfig(saved.sampler), pruner: prunerFromConfig(saved.pruner),
      direction: saved.direction, metric: saved.metric,
    };
  }

  /**
   * Reads the study's trials and budget from its storage (other workers' trials included);
   * the first call creates or checks the study there. `optimize` and `watch` call it themselves.
   */
  async sync(): Promise<this> {
    this.opened ??= this.storage.open(this.config(), { resume: this.resume }).then(() => undefined);
    try {
      await this.opened;
    } catch (err) {
      this.opened = null;
      throw err;
    }
    const snap = await this.storage.snapshot(this.name);
    this.budget = snap.budget;
    this.trials.splice(0, this.trials.length, ...snap.trials.filter((t) => t.state !== 'running'));
    this.elsewhere.splice(0, this.elsewhere.length, ...snap.trials.filter((t) => t.state === 'running' && t.number !== this.running?.number));
    return this;
  }

  /** Trials that count towards the budget: finished ones, lost ones aside. */
  get finished(): TrialRecord[] {
    return counted(this.trials);
  }

  private config(): StudyConfig {
    return {
      version: 1, name: this.name, space: this.space.toJSON(), sampler: this.sampler.toJSON(), pruner: this.pruner.toJSON(),
      direction: this.direction, metric: { name: this.metric.name, ...(this.metric.unit ? { unit: this.metric.unit } : {}) },
      createdAt: new Date().toISOString(),
    };
  }

  /** Score in the minimisation sense. */
  private signed(v: number | null): number | null {
    return v === null ? null : this.direction === 'minimize' ? v : -v;
  }

  private observations(trials: readonly TrialRecord[] = this.finished): Observation[] {
    return trials.map((t) => ({ params: t.params, state: t.state, value: this.signed(t.value) }));
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
    return this.sampler.propose(this.space, this.observations(), this.finished.length);
  }

  /**
   * Runs one trial of `objective` on the next proposal and records it (complete, pruned or
   * failed). Returns null when nothing was claimed (the budget is taken, the sampler has
   * nothing left) or the search was stopped by `signal`. In a shared storage the trial is
   * claimed in a transaction, kept alive by heartbeats, and a lost trial's configuration is
   * taken first.
   */
  async runTrial(objective: Objective, signal: AbortSignal = interruptSignal()): Promise<TrialRecord | null> {
    if (signal.aborted) return null;
    await this.sync();
    const claim = await this.storage.claim(this.name, {
      worker: this.worker, staleMs: this.graceMs, budget: this.budget,
      propose: (history, index) => this.sampler.propose(this.space, this.observations(history), index),
    });
    this.lastClaim = claim;
    if (!claim.trial) return null;
    const trial = claim.trial;
    const number = trial.number;
    this.running = trial;
    const stop = new AbortController();
    const onOuter = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', onOuter, { once: true });
    let pruneReason: string | null = null;
    let lost: string | null = null;
    const others = (): TrialRecord[] => this.finished.map((t) => ({
      ...t, value: this.signed(t.value), intermediate: t.intermediate.map(([s, v]) => [s, this.signed(v)!] as [number, number]),
    }));
    // shared storages: heartbeats (and intermediate scores) go to the database in order, one at a time
    let writes: Promise<unknown> = Promise.resolve();
    const write = (fn: () => Promise<boolean>): void => {
      writes = writes.then(fn).then((alive) => {
        if (!alive && !lost) {
          lost = `declared lost by another worker (no heartbeat for ${this.graceMs / 1000} s)`;
          stop.abort(new Error(`lost: ${lost}`));
        }
      }, (err: Error) => { process.emitWarning(`study ${this.name}, trial ${number}: ${err.message}`); });
    };
    const beat = this.storage.shared ? setInterval(() => write(async () => {
      const alive = await this.storage.heartbeat(this.name, number, this.worker);
      await this.sync().catch(() => this); // fresher finished trials for the pruner
      return alive;
    }), this.heartbeatMs) : null;
    beat?.unref?.();
    const t0 = Date.now();
    let lastLive = 0, lastSaved = 0;
    const ctx: TrialContext = {
      number,
      signal: stop.signal,
      report: (step, value) => {
        if (pruneReason || lost) return true;
        if (typeof step !== 'number' || typeof value !== 'number') throw new Error(`report(step, value) expects two numbers, got (${typeof step}, ${typeof value}).`);
        trial.intermediate.push([step, value]);
        trial.value = value;
        const signedSeries = trial.intermediate.map(([s, v]) => [s, this.signed(v)!] as [number, number]);
        pruneReason = this.pruner.check(signedSeries, others());
        if (pruneReason) stop.abort(new Error(`pruned: ${pruneReason}`));
        if (this.storage.shared && Date.now() - lastSaved > Math.min(1000, this.heartbeatMs)) {
          lastSaved = Date.now();
          const snapshot = { ...trial, intermediate: [...trial.intermediate] };
          write(() => this.storage.report(this.name, snapshot, this.worker));
        }
        if (this.handles && Date.now() - lastLive > 1000) {
          lastLive = Date.now();
          trial.durationMs = Date.now() - t0;
          this.handles.table.update(this.table()).catch(() => { /* a display hiccup must not fail the trial */ });
        }
        return pruneReason !== null;
      },
    };
    let interrupted = false;
    try {
      const value = await objective({ ...trial.params }, ctx);
      if (pruneReason) {
        trial.state = 'pruned';
        trial.reason = pruneReason;
      } else if (signal.aborted || lost) {
        interrupted = true; // not recorded (folder) or lost and run again (shared)
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
      } else if (signal.aborted || lost) {
        interrupted = true;
      } else {
        trial.state = 'failed';
        trial.reason = `threw: ${(err as Error)?.message ?? String(err)}`.slice(0, 300);
      }
    } finally {
      if (beat) clearInterval(beat);
      signal.removeEventListener('abort', onOuter);
      this.running = null;
    }
    await writes;
    if (interrupted) {
      if (!lost) await this.storage.abandon(this.name, number, this.worker, `interrupted in worker ${this.worker}`);
      await this.sync();
      return null;
    }
    if (trial.value !== null && !Number.isFinite(trial.value)) trial.value = null; // JSON has no NaN
    trial.durationMs = Date.now() - t0;
    if (!await this.storage.finish(this.name, trial, this.worker)) {
      // declared lost while finishing: its configuration already runs elsewhere, so this result is dropped
      trial.state = 'failed';
      trial.lost = true;
      trial.reason = 'lost: finished after its heartbeat lapsed; the result was dropped (the configuration ran again elsewhere)';
    }
    await this.sync();
    return trial;
  }

  /**
   * Runs trials until the study holds `trials` finished ones (or the grid is exhausted, or the
   * search is interrupted). With `live`, shows the trials table, the score-per-trial chart and
   * the score-per-hyperparameter chart, and updates them in place after every trial.
   *
   * In a shared storage `trials` is the study's budget for every worker together: this process
   * runs trials until the budget is claimed, then waits for the other workers' running trials
   * (taking over any whose worker dies) before it returns.
   *
   * @example
   * ```ts
   * await study.optimize(objective, { trials: 20 });
   * ```
   * @throws Error when `trials` is not a non-negative integer.
   */
  async optimize(objective: Objective, opts: OptimizeOptions): Promise<this> {
    if (!Number.isInteger(opts.trials) || opts.trials < 0) throw new Error(`optimize({ trials }) expects a non-negative integer, got ${opts.trials}.`);
    const signal = opts.signal ?? interruptSignal();
    const live = opts.live ?? inKernel();
    await this.sync();
    this.budget = opts.trials;
    await this.storage.setBudget(this.name, opts.trials);
    if (live) await this.showLive();
    while (!signal.aborted) {
      const t = await this.runTrial(objective, signal);
      if (t) {
        if (this.handles) await this.refreshLive(false);
        await opts.onTrial?.(t, this);
        continue;
      }
      const claim = this.lastClaim;
      if (!claim || claim.reason === 'exhausted' || claim.running === 0) break;
      // the budget is claimed but other workers still run trials: one may yet be lost and need us
      if (this.handles) await this.refreshLive(false);
      await interruptibleSleep(Math.min(this.heartbeatMs, 2000), signal);
    }
    if (this.handles) await this.refreshLive(true);
    return this;
  }

  /**
   * Follows the study live — trials table, score and hyperparameter charts, updated in place —
   * while other processes (`npm run tune-worker`) run its trials; returns when the budget is
   * done and nothing runs, or at an interrupt.
   *
   * @example
   * ```ts
   * const study = await Study.open('gan-lr', { storage: 'sqlite:///runs/tune/studies.db' });
   * await study.watch({ intervalMs: 2000 });
   * ```
   */
  async watch(opts: { intervalMs?: number; signal?: AbortSignal; live?: boolean } = {}): Promise<this> {
    const signal = opts.signal ?? interruptSignal();
    const interval = opts.intervalMs ?? 2000;
    if (opts.live ?? true) await this.showLive();
    let seen = '';
    while (!signal.aborted) {
      await this.sync();
      const key = JSON.stringify([this.trials.map((t) => [t.number, t.state]), this.elsewhere.map((t) => [t.number, t.intermediate.length])]);
      if (key !== seen && this.handles) await this.refreshLive(false);
      seen = key;
      if (this.budget !== null && this.finished.length >= this.budget && this.elsewhere.length === 0) break;
      await interruptibleSleep(interval, signal);
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
    const running = [...this.elsewhere, ...(this.running ? [this.running] : [])].sort((a, b) => a.number - b.number);
    const lost = this.trials.length - this.finished.length;
    return trialsTable(this.trials, this.space, this.metric, { running, title: `Study ${this.name}: ${this.finished.length} trials${lost ? ` (+${lost} lost, run again)` : ''}${running.length ? `, ${running.length} running` : ''}, ${this.sampler.kind} sampler (${this.metric.name}, ${this.direction === 'minimize' ? 'lower' : 'higher'} is better; ★ best)` });
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
    const count = (s: string) => this.finished.filter((t) => t.state === s).length;
    const lost = this.trials.length - this.finished.length;
    const b = this.best;
    return `Study ${this.name} (${this.sampler.kind}): ${this.finished.length} trials — ${count('complete')} complete, ${count('pruned')} pruned, ${count('failed')} failed`
      + (lost ? ` (+${lost} lost and run again)` : '')
      + (b ? `; best ${this.metric.name} ${+b.value!.toPrecision(5)} (trial ${b.number}) with ${JSON.stringify(b.params)}` : '');
  }

  toMimeBundle(): Record<string, unknown> {
    const t = this.table().toMimeBundle();
    return { 'text/html': `<p>${this.summary().replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>${t['text/html']}`, 'text/plain': `${this.summary()}\n${t['text/plain']}` };
  }
}
