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
}

/** What a sampler learns from a past trial: its configuration and a score to minimise (or null). */
export interface Observation {
  params: Params;
  state: TrialState;
  /** Score in the minimisation sense (sign already applied); null when unknown. */
  value: number | null;
}
