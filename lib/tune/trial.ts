/**
 * What a study records about each trial (one line of `trials.jsonl`).
 */
import type { Params } from './space';

/** `complete`: returned a finite score; `pruned`: stopped early as clearly bad; `failed`: threw or scored NaN/∞. */
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

/** One trial: its configuration, its fate and its scores. */
export interface TrialRecord {
  /** 0-based position in the study (also the proposal index). */
  number: number;
  params: Params;
  state: TrialState;
  /** Final score (complete trials), else the last reported value or null. */
  value: number | null;
  /** `[step, value]` pairs reported while the trial ran. */
  intermediate: [number, number][];
  /** ISO time the trial started. */
  startedAt: string;
  /** Wall time of the trial (ms). */
  durationMs: number;
  /** Why the trial failed or was pruned. */
  reason?: string;
  /** Shared storages: the worker that ran it (`host:pid` unless named). */
  worker?: string;
  /**
   * Shared storages: the trial was lost — its worker died or stopped (no heartbeat within the
   * grace period) or was interrupted. It is `failed`, does not count towards the budget, and its
   * configuration is run again as trial {@link retriedBy}.
   */
  lost?: boolean;
  /** The lost trial whose configuration this trial runs again. */
  retryOf?: number;
  /** The trial that ran this lost trial's configuration again. */
  retriedBy?: number;
}

/** What a sampler learns from a past trial: its configuration and a score to minimise (or null). */
export interface Observation {
  params: Params;
  state: TrialState;
  /** Score in the minimisation sense (sign already applied); null when unknown. */
  value: number | null;
}
