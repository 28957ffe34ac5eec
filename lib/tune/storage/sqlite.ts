/**
 * SQLite (better-sqlite3) as a {@link SqlDriver}: one database file shared by the workers of one
 * machine. WAL journal (readers do not block the writer), a 30 s busy timeout, write
 * transactions with `BEGIN IMMEDIATE`. Statements of one process run one after another (a
 * promise chain), so an `await` inside a transaction never lets another statement of this
 * process into it.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Query, SqlDriver } from './sql';

type Database = import('better-sqlite3').Database;

/**
 * Opens (creating if needed) the SQLite database `file`.
 * @throws Error when better-sqlite3's native addon is missing (run `npm run setup`) or the file cannot be opened.
 */
export function sqliteDriver(file: string): SqlDriver {
  const abs = path.resolve(file);
  let db: Database;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Sqlite = require('better-sqlite3') as typeof import('better-sqlite3');
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    db = new Sqlite(abs, { timeout: 30_000 });
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(`Cannot open the SQLite study storage ${abs}: ${msg}`
      + (/bindings|better_sqlite3\.node|Cannot find module/.test(msg) ? ' (better-sqlite3 is compiled by `npm run setup`; run it once).' : ''));
  }
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const exec: Query = async (sql, params = []) => {
    const stmt = db.prepare(sql);
    if (stmt.reader) return { rows: stmt.all(...params) as Record<string, unknown>[], changes: 0 };
    return { rows: [], changes: stmt.run(...params).changes };
  };
  return {
    description: `sqlite:///${abs}`,
    nowMs: "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)",
    lockSuffix: '',
    schemaPreamble: [],
    query: (sql, params) => serial(() => exec(sql, params)),
    tx: (fn) => serial(async () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(exec);
        db.exec('COMMIT');
        return out;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    }),
    close: async () => { await serial(async () => db.close()); },
  };
}
