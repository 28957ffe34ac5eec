/**
 * PostgreSQL (node-postgres `pg`) as a {@link SqlDriver}: one database shared by workers on many
 * machines. Heartbeats use the server's clock (`clock_timestamp()`), so workers' clocks may
 * differ; claims lock the study's row (`SELECT … FOR UPDATE`); the schema is created under a
 * transaction-scoped advisory lock so workers starting together do not race.
 */
import type { Query, SqlDriver } from './sql';

/** The URL with its password replaced by `***` (for messages). */
export function redactUrl(url: string): string {
  return url.replace(/^([\w+.-]+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** `?` placeholders → `$1, $2, …` (the SQL in this folder has no `?` inside literals). */
const numbered = (sql: string): string => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

/**
 * Connects (lazily, a pool of up to 2 connections) to `url`, e.g.
 * `postgresql://user:password@host:5432/db` or, through a Unix socket,
 * `postgresql://user@/db?host=/var/run/postgresql`.
 * @throws Error at the first query when the server cannot be reached, naming the (redacted) URL.
 */
export function postgresDriver(url: string): SqlDriver {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Pool } = require('pg') as typeof import('pg');
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => { /* an idle client's error: the next query reconnects */ });
  const description = redactUrl(url);
  const wrap = (err: unknown): Error => new Error(`PostgreSQL study storage ${description}: ${(err as Error).message}`);
  const on = (client: { query: (s: string, p?: unknown[]) => Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }> }): Query =>
    async (sql, params = []) => {
      const r = await client.query(numbered(sql), params);
      return { rows: r.rows, changes: r.rowCount ?? 0 };
    };
  return {
    description,
    nowMs: '(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT',
    lockSuffix: ' FOR UPDATE',
    schemaPreamble: ["SELECT pg_advisory_xact_lock(hashtext('ganbook_study_schema'))"],
    query: async (sql, params) => {
      try {
        return await on(pool)(sql, params);
      } catch (err) { throw wrap(err); }
    },
    tx: async (fn) => {
      let client;
      try { client = await pool.connect(); } catch (err) { throw wrap(err); }
      try {
        await client.query('BEGIN');
        const out = await fn(on(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        // database and connection errors carry a code (SQLSTATE, ECONNRESET); the study's own errors pass as they are
        throw (err as { code?: unknown }).code !== undefined ? wrap(err) : err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
