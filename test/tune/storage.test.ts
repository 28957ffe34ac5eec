/**
 * Shared study storage on a real PostgreSQL server (private, started by the test on a Unix
 * socket) and on SQLite: claims, budget, heartbeats, lost trials and their retry, and three
 * `npm run tune-worker` processes with one killed by SIGKILL in the middle of a trial.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSearch } from '../../lib/tune/samplers';
import { float } from '../../lib/tune/space';
import { openStorage } from '../../lib/tune/storage';
import { searchSpace } from '../../lib/tune/space';
import { Study, type Objective } from '../../lib/tune/study';
import { startPostgres, type PrivatePostgres } from '../helpers/postgres';
import { branin } from './fixtures/branin-objective';

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-storage-'));
let pg: PrivatePostgres | null = null;
beforeAll(() => { pg = startPostgres(); });
afterAll(() => {
  pg?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const space = { x: float(-5, 10), y: float(0, 15) };
// grace well above any pause of a busy CI machine's event loop, so only the tests' deliberate stalls count as lost
const fast = { intervalMs: 100, graceMs: 2000 };
const quick: Objective = async ({ x, y }, { report }) => {
  await new Promise((r) => setTimeout(r, 20));
  report(1, branin(x as number, y as number));
  return branin(x as number, y as number);
};
/** What a single process would propose: the random sampler's first n proposals. */
const expectedParams = (seed: number, n: number) => Array.from({ length: n }, (_, i) => randomSearch({ seed }).propose(searchSpace(space), [], i));
const byParams = (ps: unknown[]) => ps.map((p) => JSON.stringify(p)).sort();

const backends: [string, () => string][] = [
  ['SQLite', () => `sqlite:///${path.relative(process.cwd(), path.join(tmp, 'studies.db'))}`],
  ['PostgreSQL', () => pg!.url],
];

describe.each(backends)('%s study storage', (label, url) => {
  it('two studies in one process share the budget: every proposal once, none over budget; a watcher follows to the end', async () => {
    const mk = (worker: string) => new Study({ name: 'shared', space, sampler: randomSearch({ seed: 7 }), pruner: null, storage: url(), worker, heartbeat: fast, resume: false });
    const a = mk('a');
    await a.sync();
    const b = new Study({ name: 'shared', space, sampler: randomSearch({ seed: 7 }), pruner: null, storage: url(), worker: 'b', heartbeat: fast });
    const watcher = await Study.open('shared', { storage: url() });
    const watched = watcher.watch({ intervalMs: 50, live: false });
    await Promise.all([a.optimize(quick, { trials: 10, live: false }), b.optimize(quick, { trials: 10, live: false })]);
    await watched;
    for (const s of [a, b, watcher]) await s.sync();
    expect(a.finished).toHaveLength(10);
    expect(a.trials.map((t) => t.number)).toEqual([...Array(10).keys()]);
    expect(new Set(a.trials.map((t) => t.worker))).toEqual(new Set(['a', 'b']));
    expect(byParams(a.finished.map((t) => t.params))).toEqual(byParams(expectedParams(7, 10)));
    expect(watcher.finished).toHaveLength(10);
    expect(watcher.best!.value).toBe(Math.min(...a.finished.map((t) => t.value!)));
    expect(watcher.table().toMimeBundle()['text/plain']).toMatch(/Study shared: 10 trials, random sampler/);
    for (const s of [a, b, watcher]) await s.storage.close();
  });

  it('a trial whose worker stops sending heartbeats is lost, not counted, and its configuration runs again exactly once', async () => {
    const storage = openStorage(url());
    const study = new Study({ name: 'lost', space, sampler: randomSearch({ seed: 1 }), pruner: null, storage, worker: 'ghost', heartbeat: fast, resume: false });
    await study.sync();
    await storage.setBudget('lost', 3);
    // a worker claims trial 0 and dies (no heartbeat, no finish)
    const ghost = await storage.claim('lost', { worker: 'ghost', staleMs: fast.graceMs, budget: 3, propose: (_h, i) => expectedParams(1, 3)[i] });
    expect(ghost.trial!.number).toBe(0);
    const live = new Study({ name: 'lost', space, sampler: randomSearch({ seed: 1 }), pruner: null, storage: url(), worker: 'alive', heartbeat: fast });
    await live.optimize(quick, { trials: 3, live: false }); // waits for the ghost's trial to lapse, then retries it
    expect(live.finished).toHaveLength(3);
    const lost = live.trials.find((t) => t.number === 0)!;
    expect(lost).toMatchObject({ state: 'failed', lost: true, worker: 'ghost' });
    expect(lost.reason).toMatch(/^lost: worker ghost sent no heartbeat for \d+\.\d s/);
    const retry = live.trials.find((t) => t.number === lost.retriedBy)!;
    expect(retry).toMatchObject({ retryOf: 0, state: 'complete', params: ghost.trial!.params });
    expect(byParams(live.finished.map((t) => t.params))).toEqual(byParams(expectedParams(1, 3)));
    // the ghost comes back: its heartbeat and its result are refused (the configuration already ran)
    expect(await storage.heartbeat('lost', 0, 'ghost')).toBe(false);
    expect(await storage.finish('lost', { ...ghost.trial!, state: 'complete', value: 1 }, 'ghost')).toBe(false);
    expect(live.table().toMimeBundle()['text/plain']).toMatch(/3 trials \(\+1 lost, run again\)/);
    expect(live.summary()).toMatch(/: 3 trials — 3 complete, 0 pruned, 0 failed \(\+1 lost and run again\)/);
    await storage.close();
    await live.storage.close();
  });

  it('an interrupted trial is given up and run again; a different space is refused; unknown studies are named', async () => {
    const ac = new AbortController();
    const s = new Study({ name: 'interrupt', space, sampler: randomSearch({ seed: 2 }), pruner: null, storage: url(), heartbeat: fast, resume: false });
    const first = await s.runTrial(async () => { ac.abort(); return 1; }, ac.signal);
    expect(first).toBeNull();
    await s.optimize(quick, { trials: 2, live: false });
    expect(s.trials[0]).toMatchObject({ lost: true, retriedBy: 1 });
    expect(s.trials[0].reason).toMatch(/interrupted/);
    expect(s.trials[1].params).toEqual(s.trials[0].params);
    const other = new Study({ name: 'interrupt', space: { x: float(0, 1) }, storage: url() });
    await expect(other.sync()).rejects.toThrow(/was created with a different space .*pass resume: false/);
    await expect(Study.open('nope', { storage: url() })).rejects.toThrow(/No study "nope" in .*create it with new Study/);
    await s.storage.close();
    await other.storage.close();
  });

  it(`three tune-worker processes, one killed with SIGKILL mid-trial: exactly the budgeted trials, each once (${label})`, async () => {
    const budget = 9;
    const log = path.join(tmp, `starts-${label}.jsonl`);
    const env = { ...process.env, GANBOOK_TEST_LOG: log, GANBOOK_TEST_TRIAL_MS: '600', TF_CPP_MIN_LOG_LEVEL: '3' };
    const worker = (): { child: ChildProcess; out: () => string; exit: Promise<number | null> } => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/tune-worker.ts', '--study', `kill-${label}`,
        '--storage', url(), '--objective', 'test/tune/fixtures/branin-objective.ts', '--trials', String(budget),
        '--heartbeat-ms', '200', '--grace-ms', '3000'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      child.stderr!.on('data', (d) => { out += d; });
      return { child, out: () => out, exit: new Promise((r) => child.on('exit', (code) => r(code))) };
    };
    const starts = (): { pid: number; number: number; x: number; y: number }[] => (fs.existsSync(log)
      ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
    const until = async (what: string, ok: () => boolean, ms = 60_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const victim = worker();
    await until('the first worker to start a trial', () => starts().some((s) => s.pid === victim.child.pid));
    const others = [worker(), worker()];
    victim.child.kill('SIGKILL'); // in the middle of its first trial (600 ms long)
    const killedAt = starts().find((s) => s.pid === victim.child.pid)!;
    expect(await victim.exit).toBeNull();
    const codes = await Promise.all(others.map((o) => o.exit));
    expect(codes, others.map((o) => o.out()).join('\n')).toEqual([0, 0]);

    const study = await Study.open(`kill-${label}`, { storage: url() });
    const finished = study.finished;
    expect(finished).toHaveLength(budget);
    expect(study.elsewhere).toHaveLength(0);
    expect(finished.every((t) => t.state === 'complete')).toBe(true);
    expect(byParams(finished.map((t) => t.params))).toEqual(byParams(expectedParams(3, budget))); // each proposal once
    const lost = study.trials.filter((t) => t.lost);
    expect(lost).toHaveLength(1);
    expect(lost[0].number).toBe(killedAt.number);
    expect(lost[0].reason).toMatch(/sent no heartbeat/);
    const retry = finished.find((t) => t.retryOf === lost[0].number)!;
    expect(retry.params).toEqual(lost[0].params);
    expect(retry.worker).not.toBe(lost[0].worker);
    expect(others.map((o) => o.out()).join('\n')).toMatch(new RegExp(`retry of lost trial ${lost[0].number}`));
    await study.storage.close();
  });
});

describe('storage URLs', () => {
  it('explains unknown schemes and hides passwords', () => {
    expect(() => openStorage('mysql://u:secret@h/db')).toThrow(/Unknown study storage URL "mysql:\/\/u:\*\*\*@h\/db"; use sqlite:\/\/\/path/);
    expect(openStorage('postgresql://u:secret@127.0.0.1:1/db').description).toBe('postgresql://u:***@127.0.0.1:1/db');
    expect(() => new Study({ name: 'x', space, storage: 'sqlite:///a.db', dir: tmp })).toThrow(/either storage .* or dir/);
  });

  it('tune-worker refuses unknown or incomplete options with its usage line (exit 2)', () => {
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/tune-worker.ts', '--study', 'x', '--bogus', '1'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, timeout: 120_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/tune-worker: Unknown option '--bogus'\nusage: npm run tune-worker -- --study NAME --storage URL --objective FILE/);
  });

  it('an unreachable PostgreSQL server is a clear error naming the storage', async () => {
    const s = new Study({ name: 'x', space, storage: 'postgresql://u:secret@127.0.0.1:1/db' });
    await expect(s.sync()).rejects.toThrow(/Cannot use the study storage postgresql:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED/);
  });
});
