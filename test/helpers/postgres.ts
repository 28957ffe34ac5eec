/**
 * A private PostgreSQL server for one test file: `initdb` into a temporary folder, started with
 * `pg_ctl` on a Unix socket in that folder only (no TCP port, nothing shared with a system
 * cluster), stopped and deleted by `stop()`. PostgreSQL refuses to run as root, so under root
 * the server runs as the `postgres` user the Debian package creates. The binaries come from the
 * `postgresql` package that `npm run setup` installs when missing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { findPostgresBin } = require('../../scripts/system-tools') as { findPostgresBin(): string | null };

export interface PrivatePostgres {
  /** A connection URL for `pg` (Unix socket). */
  url: string;
  stop(): void;
}

function run(argv: string[], asUser: string | null): void {
  const cmd = asUser ? ['runuser', '-u', asUser, '--', ...argv] : argv;
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${argv.map((a) => path.basename(a)).slice(0, 2).join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().slice(-1500)}`);
}

/**
 * Starts the server; throws with what to install when PostgreSQL is missing.
 * @example
 * ```ts
 * const pg = startPostgres(); afterAll(() => pg.stop());
 * new Study({ name, space, storage: pg.url });
 * ```
 */
export function startPostgres(): PrivatePostgres {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found; `npm run setup` installs them (apt-get install postgresql).');
  const isRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-pg-'));
  fs.chmodSync(dir, 0o755);
  if (isRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error('Running as root, PostgreSQL needs the "postgres" user (created by the Debian postgresql package).');
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
    fs.chownSync(dir, Number(id.stdout), gid);
  }
  const user = isRoot ? 'postgres' : null;
  const data = path.join(dir, 'data');
  run([path.join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'ganbook', '--no-sync', '-E', 'UTF8'], user);
  run([path.join(bin, 'pg_ctl'), '-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60',
    '-o', `-c listen_addresses='' -c unix_socket_directories='${dir}' -c fsync=off -p 5432`, 'start'], user);
  return {
    url: `postgresql://ganbook@/postgres?host=${encodeURIComponent(dir)}`,
    stop: () => {
      spawnSync(isRoot ? 'runuser' : path.join(bin, 'pg_ctl'), isRoot ? ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']
        : ['-D', data, '-m', 'immediate', '-w', 'stop'], { timeout: 60_000 });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
