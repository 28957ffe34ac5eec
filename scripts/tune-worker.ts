/**
 * `npm run tune-worker -- --study NAME --storage URL --objective FILE [--trials N] [--worker ID]
 *  [--heartbeat-ms MS] [--grace-ms MS]`
 *
 * Joins a shared study and runs its trials until the study's budget is spent (waiting for the
 * other workers' last trials, and taking over any whose worker dies). Start as many as you like,
 * on this machine (SQLite) or on others (PostgreSQL); a notebook can `await study.watch()`.
 *
 * FILE is a TypeScript or JavaScript module exporting `objective` (or a default export): the
 * same function a notebook passes to `study.optimize`. When the storage has no study of that
 * name yet, the module's `space` (and optional `sampler`, `pruner`, `direction`, `metric`,
 * `trials`) create it.
 *
 * Exit status: 0 when the budget is done, 2 for usage errors, 130 when interrupted (Ctrl+C /
 * SIGTERM: the running trial is given up and another worker runs its configuration).
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { interruptSignal, requestInterrupt } from '../lib/display/interrupt';
import { Study, type Objective, type StudyOptions } from '../lib/tune/study';

const USAGE = 'usage: npm run tune-worker -- --study NAME --storage URL --objective FILE [--trials N] [--worker ID] [--heartbeat-ms MS] [--grace-ms MS]';

/** The options, parsed by Node's util.parseArgs (strict: unknown options and missing values are errors). */
interface WorkerArgs { study: string; storage: string; objective: string; trials?: string; worker?: string; 'heartbeat-ms'?: string; 'grace-ms'?: string }

function args(argv: string[]): WorkerArgs {
  const str = { type: 'string' } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: {
      study: str, storage: str, objective: str, trials: str, worker: str, 'heartbeat-ms': str, 'grace-ms': str, help: { type: 'boolean', short: 'h' },
    } }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) { console.log(USAGE); process.exit(0); }
  for (const k of ['study', 'storage', 'objective']) if (!values[k]) usage(`--${k} is required`);
  return values as unknown as WorkerArgs;
}

function usage(msg: string): never {
  console.error(`tune-worker: ${msg}\n${USAGE}`);
  process.exit(2);
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) usage(`--${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

async function main(): Promise<number> {
  const a = args(process.argv.slice(2));
  const file = path.resolve(a.objective);
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    mod = require(file) as Record<string, unknown>;
  } catch (err) {
    usage(`cannot load the objective module ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const objective = (mod.objective ?? mod.default) as Objective | undefined;
  if (typeof objective !== 'function') usage(`${file} must export a function \`objective\` (or a default export); it exports ${Object.keys(mod).join(', ') || 'nothing'}`);
  const heartbeat = { intervalMs: positiveInt(a['heartbeat-ms'], 'heartbeat-ms'), graceMs: positiveInt(a['grace-ms'], 'grace-ms') };
  const common = { storage: a.storage, worker: a.worker, heartbeat };
  let study: Study;
  try {
    study = await Study.open(a.study, common);
  } catch (err) {
    if (!/^No study/.test((err as Error).message) || !mod.space) throw err;
    const opts = { name: a.study, space: mod.space, sampler: mod.sampler, pruner: mod.pruner, direction: mod.direction, metric: mod.metric } as StudyOptions;
    study = await new Study({ ...opts, ...common }).sync();
    console.log(`Created study "${a.study}" in ${study.storage.description} from ${path.relative(process.cwd(), file)}.`);
  }
  const trials = positiveInt(a.trials, 'trials') ?? study.budget ?? (typeof mod.trials === 'number' ? mod.trials : undefined);
  if (trials === undefined) usage(`study "${a.study}" has no budget yet: pass --trials N (or start it with study.optimize in a notebook)`);
  const stop = (sig: string) => () => {
    console.log(`\n[${study.worker}] ${sig}: giving up the running trial (another worker runs its configuration)...`);
    requestInterrupt();
  };
  process.once('SIGINT', stop('SIGINT'));
  process.once('SIGTERM', stop('SIGTERM'));
  console.log(`[${study.worker}] joined "${a.study}" in ${study.storage.description}: ${study.finished.length}/${trials} trials done, ${study.elsewhere.length} running elsewhere.`);
  const t0 = Date.now();
  let mine = 0;
  await study.optimize(objective, {
    trials,
    live: false,
    onTrial: (t, s) => {
      mine++;
      const v = t.value === null ? '—' : +t.value.toPrecision(6);
      console.log(`[${s.worker}] trial ${t.number} ${t.state} ${s.metric.name}=${v} in ${(t.durationMs / 1000).toFixed(1)} s`
        + `${t.retryOf !== undefined ? ` (retry of lost trial ${t.retryOf})` : ''}${t.reason ? ` — ${t.reason}` : ''} · study ${s.finished.length}/${trials}`);
    },
  });
  await study.storage.close();
  // a stop after the budget was done (e.g. startWorkers' stop() racing a worker's exit) lost nothing
  const interrupted = interruptSignal().aborted && study.finished.length < trials;
  console.log(`[${study.worker}] ${interrupted ? 'stopped' : 'done'}: ran ${mine} trials in ${((Date.now() - t0) / 1000).toFixed(1)} s. ${study.summary()}`);
  return interrupted ? 130 : 0;
}

main().then((code) => process.exit(code), (err: Error) => {
  console.error(`tune-worker: ${err.message}`);
  process.exit(1);
});
