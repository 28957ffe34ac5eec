/**
 * Where a study's configuration and trials live: the one interface every backend implements
 * (the folder format, SQLite, PostgreSQL, in memory). A `Study` talks only to this interface.
 *
 * Shared backends (SQLite, PostgreSQL) let several worker processes run one study: a worker
 * *claims* a trial in a transaction (the proposal is computed inside it, from every trial the
 * database holds, so two workers never get the same trial number or overrun the budget), keeps a
 * heartbeat while it runs, and *finishes* it. A trial whose worker stops sending heartbeats is
 * marked failed and lost at the next claim, and its configuration is run again (as Optuna's RDB
 * storage with `heartbeat_interval` and `RetryFailedTrialCallback` does).
 */
import type { PrunerConfig } from '../pruners';
import type { SamplerConfig } from '../samplers';
import type { Params, SpaceSpec } from '../space';
import type { TrialRecord } from '../trial';

/** A study's saved configuration (`study.json` in the folder format). */
export interface StudyConfig {
  version: 1;
  name: string;
  space: SpaceSpec;
  sampler: SamplerConfig;
  pruner: PrunerConfig;
  direction: 'minimize' | 'maximize';
  metric: { name: string; unit?: string };
  createdAt: string;
}

/** A study's trials (running ones included) and its budget, as the storage holds them now. */
export interface StudySnapshot {
  trials: TrialRecord[];
  /** Trials the study should hold when done (lost ones not counted); null when not set yet. */
  budget: number | null;
}

/** What a worker asks for when it claims a trial. */
export interface ClaimRequest {
  /** The claiming worker's id (`host:pid` by default). */
  worker: string;
  /** Running trials whose last heartbeat is older than this (ms) are lost. */
  staleMs: number;
  /** Claim nothing once this many trials are running or finished (lost ones not counted); null: no limit. */
  budget: number | null;
  /**
   * The sampler: the configuration for proposal `index`, given every counted trial (running
   * ones with state `running`). Called inside the claim's transaction; must be pure.
   */
  propose(history: readonly TrialRecord[], index: number): Params | null;
}

/** The result of a claim. */
export interface Claim {
  /** The claimed trial (state `running`), or null. */
  trial: TrialRecord | null;
  /** Why nothing was claimed: the budget is taken, or the sampler has nothing left (a grid). */
  reason?: 'budget' | 'exhausted';
  /** Trials still running (in any worker) when nothing was claimed: one of them may yet be lost and need a retry. */
  running: number;
  /** Trials this claim found lost (their workers stopped sending heartbeats). */
  lost: TrialRecord[];
}

/** A study storage backend; see the module docs. Methods reject with a message naming the storage. */
export interface StudyStorage {
  /** Human-readable location, password removed (for messages). */
  readonly description: string;
  /** Whether several processes may run trials of one study at once. */
  readonly shared: boolean;
  /** The URL it was opened from (password included: worker processes connect with it), if any. */
  readonly url?: string;
  /**
   * Creates the study, or checks a saved one against `config` (`resume: true`; throws when the
   * space, sampler or direction differ) or replaces it (`resume: false`). Returns its trials.
   */
  open(config: StudyConfig, opts: { resume: boolean }): Promise<TrialRecord[]>;
  /** The saved configuration, or null when there is no study of that name. */
  load(name: string): Promise<StudyConfig | null>;
  /** Every trial (running ones included) and the budget. */
  snapshot(name: string): Promise<StudySnapshot>;
  /** Records the study's budget (the `trials` of `optimize`, or a worker's `--trials`). */
  setBudget(name: string, budget: number): Promise<void>;
  /** Claims the next trial; see {@link ClaimRequest}. */
  claim(name: string, req: ClaimRequest): Promise<Claim>;
  /** Keeps a running trial alive; false when it was declared lost meanwhile (stop it then). */
  heartbeat(name: string, number: number, worker: string): Promise<boolean>;
  /** Saves a running trial's intermediate scores; false when it was declared lost. */
  report(name: string, trial: TrialRecord, worker: string): Promise<boolean>;
  /** Records a finished trial (complete, pruned or failed); false when it had been declared lost (the result is then dropped: its configuration runs elsewhere). */
  finish(name: string, trial: TrialRecord, worker: string): Promise<boolean>;
  /** Gives a running trial up (an interrupt): it is not counted and its configuration runs again. */
  abandon(name: string, number: number, worker: string, reason: string): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;
}

/** Compares configurations structurally, key order aside. */
export const canonical = (x: unknown): string => JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v)
  ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v));

/**
 * Throws when a saved study was created with another space, sampler or direction.
 * @throws Error naming the differing field and how to start over.
 */
export function checkSameStudy(saved: StudyConfig, mine: StudyConfig, where: string): void {
  for (const key of ['space', 'sampler', 'direction'] as const) {
    if (canonical(saved[key]) !== canonical(mine[key])) {
      throw new Error(`Study "${mine.name}" in ${where} was created with a different ${key} (${JSON.stringify(saved[key])}, now ${JSON.stringify(mine[key])}); `
        + 'pass resume: false to start it over, or choose another name.');
    }
  }
}

/** Trials that count towards the budget: everything but lost trials. */
export const counted = (trials: readonly TrialRecord[]): TrialRecord[] => trials.filter((t) => !t.lost);
