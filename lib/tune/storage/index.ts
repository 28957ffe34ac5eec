/**
 * Study storage backends behind one interface ({@link StudyStorage}), chosen by URL.
 *
 * | URL | backend | workers |
 * | --- | --- | --- |
 * | (none; `dir` option) | the folder format, `<dir>/<name>/study.json` + `trials.jsonl` | one process |
 * | `sqlite:///runs/tune/studies.db` (relative), `sqlite:////abs/path.db` | SQLite file | many, one machine |
 * | `postgresql://user:pass@host:5432/db` | PostgreSQL | many, many machines |
 *
 * The URL forms follow SQLAlchemy's (and so Optuna's `--storage`).
 */
import { postgresDriver, redactUrl } from './postgres';
import { SqlStorage } from './sql';
import { sqliteDriver } from './sqlite';
import type { StudyStorage } from './types';

export type { StudyStorage, StudyConfig, StudySnapshot, Claim, ClaimRequest } from './types';
export { FolderStorage } from './folder';

/**
 * Opens the storage a URL names (connections are made lazily, at the first use).
 *
 * @example
 * ```ts
 * const storage = openStorage('sqlite:///runs/tune/studies.db');
 * const study = new Study({ name: 'gan-lr', space, storage });
 * ```
 * @throws Error for an unknown scheme, listing the supported forms.
 */
export function openStorage(url: string): StudyStorage {
  if (typeof url !== 'string' || !url) throw new Error(`A study storage URL must be a non-empty string, got ${JSON.stringify(url)}.`);
  const sqlite = /^sqlite:(?:\/\/\/?)?(.+)$/.exec(url);
  if (sqlite) {
    // sqlite:///rel.db → rel.db, sqlite:////abs.db → /abs.db (SQLAlchemy), sqlite:path → path
    const file = url.startsWith('sqlite:///') ? url.slice('sqlite:///'.length) : sqlite[1];
    if (file === ':memory:') throw new Error('An in-memory SQLite database cannot be shared by workers; use dir: null for an in-memory study.');
    return new SqlStorage(sqliteDriver(file), url);
  }
  if (/^postgres(ql)?:\/\//.test(url)) return new SqlStorage(postgresDriver(url), url);
  throw new Error(`Unknown study storage URL ${JSON.stringify(redactUrl(url))}; use sqlite:///path/to/studies.db `
    + '(several workers on this machine), postgresql://user:password@host:5432/db (workers on many machines), or the dir option (one process).');
}
