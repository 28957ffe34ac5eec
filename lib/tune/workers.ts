/**
 * Worker processes for a shared study, started from a notebook cell: each is
 * `npm run tune-worker` (scripts/tune-worker.ts) on the study's storage, with its output in
 * `<logDir>/<study>-worker-<i>.log`. Workers on other machines run the same command by hand.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Study } from './study';

/** Running workers: their processes, log files and a way to stop them. */
export interface TuneWorkers {
  readonly processes: ChildProcess[];
  readonly logs: string[];
  /** Resolves with each worker's exit code (null: killed by a signal) once all have exited. */
  readonly exited: Promise<(number | null)[]>;
  /** SIGTERM to every worker still running: each gives up its trial, which another worker runs again. */
  stop(): void;
}

/**
 * Starts `count` worker processes on a shared study (created with a `storage` URL) that run
 * `objective` — a module exporting `objective` — until the study holds `trials` trials.
 *
 * @example
 * ```ts
 * const study = new Study({ name: 'lr', space, storage: 'sqlite:///runs/tune/studies.db' });
 * const workers = startWorkers(study, { objective: 'notebooks/objectives/fc-gan.ts', count: 2, trials: 8 });
 * try { await study.watch(); } finally { workers.stop(); }
 * ```
 * @throws Error when the study has no storage URL (workers need one to connect), the objective
 *   file does not exist, or `count`/`trials` are not positive integers.
 */
export function startWorkers(study: Study, opts: { objective: string; trials: number; count?: number; logDir?: string; env?: Record<string, string> }): TuneWorkers {
  const url = study.storage.url;
  if (!url) throw new Error(`Study "${study.name}" is not in a shared storage; create it with new Study({ ..., storage: 'sqlite:///runs/tune/studies.db' }) so workers can join it.`);
  const count = opts.count ?? 2;
  for (const [k, v] of [['count', count], ['trials', opts.trials]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`startWorkers: ${k} must be a positive integer, got ${v}.`);
  }
  const objective = path.resolve(opts.objective);
  if (!fs.existsSync(objective)) throw new Error(`startWorkers: no objective module at ${objective}.`);
  const root = path.resolve(__dirname, '..', '..');
  const logDir = path.resolve(opts.logDir ?? path.join('runs', 'tune', 'workers'));
  fs.mkdirSync(logDir, { recursive: true });
  const logs: string[] = [];
  const processes = Array.from({ length: count }, (_, i) => {
    const log = path.join(logDir, `${study.name}-worker-${i}.log`);
    logs.push(log);
    const fd = fs.openSync(log, 'w');
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'scripts', 'tune-worker.ts'),
      '--study', study.name, '--storage', url, '--objective', objective, '--trials', String(opts.trials)],
    { cwd: process.cwd(), env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), ...opts.env }, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    return child;
  });
  const exited = Promise.all(processes.map((p) => new Promise<number | null>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve(p.exitCode);
    else p.once('exit', (code) => resolve(code));
  })));
  return {
    processes, logs, exited,
    stop: () => { for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM'); },
  };
}
