/**
 * The shared-study logic on a SQL database, written once for SQLite and PostgreSQL (each a
 * {@link SqlDriver}). Two tables, prefixed `ganbook_`: studies (name, configuration JSON, budget)
 * and trials (one row per trial: params and intermediate scores as JSON, state, worker,
 * heartbeat time in ms from the database's own clock, lost/retry links).
 *
 * A claim runs in one write transaction that locks the study's row (`SELECT … FOR UPDATE` in
 * PostgreSQL; SQLite's `BEGIN IMMEDIATE` locks the database): it marks running trials without a
 * recent heartbeat as lost, stops at the budget, takes a lost trial's configuration first (a
 * retry) or asks the sampler for the next proposal, and inserts the running trial.
 */
import type { TrialRecord, TrialState } from '../trial';
import { checkSameStudy, counted, type Claim, type ClaimRequest, type StudyConfig, type StudySnapshot, type StudyStorage } from './types';

/** Rows of a query and the number of rows an INSERT/UPDATE/DELETE changed. */
export type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[]; changes: number }>;

/** What {@link SqlStorage} needs of a database. SQL uses `?` placeholders. */
export interface SqlDriver {
  readonly description: string;
  /** Runs `fn` in a write transaction (serialised against other writers); rolls back when it throws. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  /** A statement outside a transaction. */
  query: Query;
  /** SQL expression: the database's clock in ms since 1970. */
  readonly nowMs: string;
  /** Appended to the study-row SELECT that serialises claims (`' FOR UPDATE'` in PostgreSQL). */
  readonly lockSuffix: string;
  /** Statements run once in a transaction before the schema is created (PostgreSQL: an advisory lock). */
  readonly schemaPreamble: string[];
  close(): Promise<void>;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ganbook_studies (
    name TEXT PRIMARY KEY, config TEXT NOT NULL, budget INTEGER, created_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ganbook_trials (
    study TEXT NOT NULL REFERENCES ganbook_studies(name) ON DELETE CASCADE,
    number INTEGER NOT NULL, params TEXT NOT NULL, state TEXT NOT NULL, value DOUBLE PRECISION,
    intermediate TEXT NOT NULL, started_at TEXT NOT NULL, duration_ms DOUBLE PRECISION NOT NULL,
    reason TEXT, worker TEXT, heartbeat_ms BIGINT, lost INTEGER NOT NULL, retry_of INTEGER, retried_by INTEGER,
    PRIMARY KEY (study, number))`,
];

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toRecord(r: Record<string, unknown>): TrialRecord {
  const t: TrialRecord = {
    number: Number(r.number), params: JSON.parse(String(r.params)), state: String(r.state) as TrialState, value: num(r.value),
    intermediate: JSON.parse(String(r.intermediate)), startedAt: String(r.started_at), durationMs: Number(r.duration_ms),
  };
  if (r.reason !== null && r.reason !== undefined) t.reason = String(r.reason);
  if (r.worker !== null && r.worker !== undefined) t.worker = String(r.worker);
  if (Number(r.lost)) t.lost = true;
  if (num(r.retry_of) !== null) t.retryOf = num(r.retry_of)!;
  if (num(r.retried_by) !== null) t.retriedBy = num(r.retried_by)!;
  return t;
}

/** JSON has no NaN/∞: such values are stored as null. */
const finiteOrNull = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

/** A {@link StudyStorage} on a SQL database; see the module docs. */
export class SqlStorage implements StudyStorage {
  readonly shared = true;
  readonly description: string;
  private schema: Promise<void> | null = null;

  constructor(private readonly db: SqlDriver, readonly url?: string) {
    this.description = db.description;
  }

  private ensureSchema(): Promise<void> {
    this.schema ??= this.db.tx(async (q) => {
      for (const s of [...this.db.schemaPreamble, ...SCHEMA]) await q(s);
    }).catch((err: Error) => {
      this.schema = null;
      throw new Error(`Cannot use the study storage ${this.description}: ${err.message}`);
    });
    return this.schema;
  }

  private async rows(q: Query, name: string): Promise<TrialRecord[]> {
    return (await q('SELECT * FROM ganbook_trials WHERE study = ? ORDER BY number', [name])).rows.map(toRecord);
  }

  async open(config: StudyConfig, opts: { resume: boolean }): Promise<TrialRecord[]> {
    await this.ensureSchema();
    return this.db.tx(async (q) => {
      const saved = (await q(`SELECT config FROM ganbook_studies WHERE name = ?${this.db.lockSuffix}`, [config.name])).rows[0];
      if (saved && opts.resume) {
        checkSameStudy(JSON.parse(String(saved.config)) as StudyConfig, config, this.description);
        return this.rows(q, config.name);
      }
      if (saved) await q('DELETE FROM ganbook_studies WHERE name = ?', [config.name]);
      await q('DELETE FROM ganbook_trials WHERE study = ?', [config.name]);
      await q('INSERT INTO ganbook_studies (name, config, budget, created_at) VALUES (?, ?, NULL, ?)', [config.name, JSON.stringify(config), config.createdAt]);
      return [];
    });
  }

  async load(name: string): Promise<StudyConfig | null> {
    await this.ensureSchema();
    const row = (await this.db.query('SELECT config FROM ganbook_studies WHERE name = ?', [name])).rows[0];
    return row ? JSON.parse(String(row.config)) as StudyConfig : null;
  }

  async snapshot(name: string): Promise<StudySnapshot> {
    await this.ensureSchema();
    const study = (await this.db.query('SELECT budget FROM ganbook_studies WHERE name = ?', [name])).rows[0];
    if (!study) throw new Error(`No study "${name}" in ${this.description}.`);
    return { trials: await this.rows(this.db.query, name), budget: num(study.budget) };
  }

  async setBudget(name: string, budget: number): Promise<void> {
    await this.db.query('UPDATE ganbook_studies SET budget = ? WHERE name = ?', [budget, name]);
  }

  async claim(name: string, req: ClaimRequest): Promise<Claim> {
    return this.db.tx(async (q) => {
      const study = (await q(`SELECT name FROM ganbook_studies WHERE name = ?${this.db.lockSuffix}`, [name])).rows[0];
      if (!study) throw new Error(`No study "${name}" in ${this.description}.`);
      const stale = (await q(`SELECT number, worker, ${this.db.nowMs} - heartbeat_ms AS age FROM ganbook_trials
        WHERE study = ? AND state = 'running' AND heartbeat_ms < ${this.db.nowMs} - ?`, [name, req.staleMs])).rows;
      for (const s of stale) {
        await q(`UPDATE ganbook_trials SET state = 'failed', lost = 1, heartbeat_ms = NULL, reason = ? WHERE study = ? AND number = ?`, [
          `lost: worker ${s.worker} sent no heartbeat for ${(Number(s.age) / 1000).toFixed(1)} s (died or stalled); its configuration runs again`, name, Number(s.number)]);
      }
      const all = await this.rows(q, name);
      const lost = all.filter((t) => stale.some((s) => Number(s.number) === t.number));
      const live = counted(all);
      const running = live.filter((t) => t.state === 'running').length;
      if (req.budget !== null && live.length >= req.budget) return { trial: null, reason: 'budget', running, lost } satisfies Claim;
      const retry = all.find((t) => t.lost && t.retriedBy === undefined);
      const number = all.length ? Math.max(...all.map((t) => t.number)) + 1 : 0;
      const params = retry ? retry.params : req.propose(live, live.length);
      if (!params) return { trial: null, reason: 'exhausted', running, lost } satisfies Claim;
      const trial: TrialRecord = {
        number, params, state: 'running', value: null, intermediate: [], startedAt: new Date().toISOString(), durationMs: 0, worker: req.worker,
        ...(retry ? { retryOf: retry.number } : {}),
      };
      await q(`INSERT INTO ganbook_trials (study, number, params, state, value, intermediate, started_at, duration_ms, worker, heartbeat_ms, lost, retry_of)
        VALUES (?, ?, ?, 'running', NULL, '[]', ?, 0, ?, ${this.db.nowMs}, 0, ?)`,
      [name, number, JSON.stringify(params), trial.startedAt, req.worker, retry ? retry.number : null]);
      if (retry) await q('UPDATE ganbook_trials SET retried_by = ? WHERE study = ? AND number = ?', [number, name, retry.number]);
      return { trial, running, lost } satisfies Claim;
    });
  }

  async heartbeat(name: string, number: number, worker: string): Promise<boolean> {
    const r = await this.db.query(`UPDATE ganbook_trials SET heartbeat_ms = ${this.db.nowMs}
      WHERE study = ? AND number = ? AND worker = ? AND state = 'running'`, [name, number, worker]);
    return r.changes > 0;
  }

  async report(name: string, trial: TrialRecord, worker: string): Promise<boolean> {
    const r = await this.db.query(`UPDATE ganbook_trials SET intermediate = ?, value = ?
      WHERE study = ? AND number = ? AND worker = ? AND state = 'running'`,
    [JSON.stringify(trial.intermediate), finiteOrNull(trial.value), name, trial.number, worker]);
    return r.changes > 0;
  }

  async finish(name: string, trial: TrialRecord, worker: string): Promise<boolean> {
    const r = await this.db.query(`UPDATE ganbook_trials SET state = ?, value = ?, intermediate = ?, duration_ms = ?, reason = ?, heartbeat_ms = NULL
      WHERE study = ? AND number = ? AND worker = ? AND state = 'running'`,
    [trial.state, finiteOrNull(trial.value), JSON.stringify(trial.intermediate), trial.durationMs, trial.reason ?? null, name, trial.number, worker]);
    return r.changes > 0;
  }

  async abandon(name: string, number: number, worker: string, reason: string): Promise<void> {
    await this.db.query(`UPDATE ganbook_trials SET state = 'failed', lost = 1, heartbeat_ms = NULL, reason = ?
      WHERE study = ? AND number = ? AND worker = ? AND state = 'running'`, [`lost: ${reason}; its configuration runs again`, name, number, worker]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
