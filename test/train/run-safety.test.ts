import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { GanTrainer } from '../../lib/train/trainer';
import { listCheckpoints } from '../../lib/train/checkpoint';
import { RunTracker } from '../../lib/train/run';
import { killTestConfig, killTestOptions } from '../helpers/kill-test-setup';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-safety-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const images = tf.randomUniform([40, 28, 28, 1], 0, 1, 'float32', 4) as Tensor4D;
const root = path.resolve(__dirname, '..', '..');

const metricSteps = (dir: string) => fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { step: number; event?: string; dLoss?: number }).filter((r) => !r.event);

/** Starts the child trainer and resolves with its run folder once it printed step `killAt`, then SIGKILLs it. */
function trainAndKill(args: string[], killAt: number, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', path.join(root, 'test/helpers/train-child.ts'), ...args],
      { cwd: root, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', ...env } });
    let out = '', err = '', dir = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = [...out.matchAll(/step (\d+) (\S+)/g)].pop();
      if (m && Number(m[1]) >= killAt && !dir) { dir = m[2]; child.kill('SIGKILL'); }
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    // Resolve once the child is reaped: only then is its pid gone (its lock stale).
    child.on('exit', (code, sig) => (sig === 'SIGKILL' && dir ? resolve(dir) : reject(new Error(`child exited ${code}: ${err.slice(-800)}`))));
  });
}

describe('runs you can trust', () => {
  for (const mode of ['native', 'autodiff'] as const) {
    it(`${mode}: a process killed at a random step resumes to exactly the uninterrupted losses, each step logged once`, async () => {
      const gan = buildGan(killTestConfig);
      const full = new GanTrainer(gan, images, { ...killTestOptions, fastStep: mode === 'native', runsDir: null });
      for (let i = 0; i < 12; i++) await full.step();
      const want = full.history.map((h) => [h.dLoss, h.gLoss]);
      full.dispose(); disposeGan(gan);

      const killAt = 4 + Math.floor(Math.random() * 7); // 4..10; checkpoints every 3 steps
      const dir = await trainAndKill([path.join(tmp, mode), mode], killAt);
      expect(metricSteps(dir).map((r) => r.step), `killed at step ${killAt}`).toEqual(expect.arrayContaining(Array.from({ length: killAt }, (_, i) => i + 1)));
      const b = await GanTrainer.resume(dir, images, { live: false }); // takes over the dead process's lock
      // The last checkpoint at or after the kill's step rounded down to a multiple of 3 (the child
      // may have run on a step or two before the signal landed).
      expect(b.iteration % 3, `killed at step ${killAt}`).toBe(0);
      expect(b.iteration).toBeGreaterThanOrEqual(Math.floor(killAt / 3) * 3);
      while (b.iteration < 12) await b.step();
      expect(b.history.map((h) => [h.dLoss, h.gLoss]), `killed at step ${killAt}`).toEqual(want);
      const rows = metricSteps(dir);
      expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(rows.map((r) => [r.dLoss, (r as { gLoss?: number }).gLoss])).toEqual(want);
      b.dispose(); disposeGan(b.gan);
    }, 120_000);
  }

  it('a kill while a checkpoint is being written leaves the last complete one resumable (exact losses), and its temp folder is cleaned', async () => {
    const gan = buildGan(killTestConfig);
    const full = new GanTrainer(gan, images, { ...killTestOptions, runsDir: null });
    for (let i = 0; i < 12; i++) await full.step();
    const want = full.history.map((h) => [h.dLoss, h.gLoss]);
    full.dispose(); disposeGan(gan);
    // Kill the child the moment a temporary checkpoint folder for step 9 appears (the write of step 9).
    const runsDir = path.join(tmp, 'mid-write');
    fs.mkdirSync(runsDir, { recursive: true });
    const child = spawn(process.execPath, [path.join(root, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', path.join(root, 'test/helpers/train-child.ts'), runsDir, 'native'],
      { cwd: root, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
    const dir = await new Promise<string>((resolve) => {
      const watchers: fs.FSWatcher[] = [];
      const poll = setInterval(() => {
        const run = fs.readdirSync(runsDir)[0];
        if (!run) return;
        const ck = path.join(runsDir, run, 'checkpoints');
        if (!fs.existsSync(ck) || watchers.length) return;
        watchers.push(fs.watch(ck, (_e, name) => {
          if (String(name).startsWith('.tmp-step-00000009') || String(name) === 'step-00000009') {
            child.kill('SIGKILL'); watchers.forEach((w) => w.close()); clearInterval(poll); resolve(path.join(runsDir, run));
          }
        }));
      }, 5);
    });
    await new Promise((r) => child.on('exit', r));
    const b = await GanTrainer.resume(dir, images, { live: false });
    expect([6, 9]).toContain(b.iteration); // 9 only if the rename won the race with the kill
    while (b.iteration < 12) await b.step();
    expect(b.history.map((h) => [h.dLoss, h.gLoss])).toEqual(want);
    await b.checkpoint();
    expect(fs.readdirSync(b.run!.checkpointsDir).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    b.dispose(); disposeGan(b.gan);
  }, 120_000);

  it('TensorBoard (read by TensorBoard\'s own EventAccumulator) holds each step once after a kill and a resume', async () => {
    const dir = await trainAndKill([path.join(tmp, 'tb'), 'native'], 8, { GANBOOK_TEST_TB: '1' });
    const b = await GanTrainer.resume(dir, images, { live: false });
    while (b.iteration < 12) await b.step();
    b.dispose(); disposeGan(b.gan);
    const py = path.join(root, '.venv', 'bin', 'python');
    const r = spawnSync(py, ['-c', [
      'import sys, json',
      'from tensorboard.backend.event_processing.event_accumulator import EventAccumulator',
      'ea = EventAccumulator(sys.argv[1]); ea.Reload()',
      'print(json.dumps([e.step for e in ea.Scalars("loss/generator")]))',
    ].join('\n'), path.join(dir, 'tb')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // Each step once (files are read in name order: a resume within the same second may come first).
    expect((JSON.parse(r.stdout.trim().split('\n').pop()!) as number[]).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  }, 120_000);

  it('one writer per run folder: a live process holding it is named; a stale lock is taken over', async () => {
    const dir = path.join(tmp, 'locked');
    fs.mkdirSync(dir, { recursive: true });
    const sleeper = spawn('sleep', ['30']);
    fs.writeFileSync(path.join(dir, '.lock'), JSON.stringify({ pid: sleeper.pid, host: os.hostname(), since: 'now' }));
    expect(() => new RunTracker({ existing: dir, tensorboard: false })).toThrow(new RegExp(`in use by process ${sleeper.pid} on .*Stop that process`));
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.on('exit', r));
    const run = new RunTracker({ existing: dir, tensorboard: false });
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.lock'), 'utf8')).pid).toBe(process.pid);
    run.close();
    expect(fs.existsSync(path.join(dir, '.lock'))).toBe(false);
  });

  it('stale temporary checkpoint folders of dead processes are removed; a live one\'s are kept', async () => {
    const gan = buildGan(killTestConfig);
    const t = new GanTrainer(gan, images, { ...killTestOptions, runsDir: path.join(tmp, 'temps') });
    const ck = t.run!.checkpointsDir;
    const dead = spawnSync('true').pid!;
    const stale = path.join(ck, `.tmp-step-00000003-${dead}-1`), live = path.join(ck, `.tmp-step-00000003-${process.pid}-1`);
    fs.mkdirSync(stale); fs.writeFileSync(path.join(stale, 'tensors.bin'), Buffer.alloc(1000));
    fs.mkdirSync(live);
    await t.fit({ steps: 3 });
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    fs.rmSync(live, { recursive: true });
    t.dispose(); disposeGan(gan);
  });

  // A real full disk: the run folder copied onto a small tmpfs (root can mount one; elsewhere skipped).
  const mnt = path.join(tmp, 'smallfs');
  fs.mkdirSync(mnt);
  const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status === 0 && spawnSync('umount', [mnt]).status === 0;
  it.skipIf(!canMount)('disk full: fit() stops with an actionable message (path, step, size), removes its partial folder, the last checkpoint resumes', async () => {
    const gan = buildGan(killTestConfig);
    const t = new GanTrainer(gan, images, { ...killTestOptions, runsDir: path.join(tmp, 'full') });
    await t.fit({ steps: 3 }); // checkpoints at 0 and 3
    const src = t.run!.dir;
    t.dispose(); disposeGan(gan);
    const used = Number(spawnSync('du', ['-sk', src], { encoding: 'utf8' }).stdout.split('\t')[0]);
    const ckpt = Number(spawnSync('du', ['-sk', path.join(src, 'checkpoints', 'step-00000003')], { encoding: 'utf8' }).stdout.split('\t')[0]);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${used + Math.round(ckpt / 2)}k`, 'tmpfs', mnt]).status).toBe(0);
    try {
      spawnSync('cp', ['-r', src, mnt]);
      const dir = path.join(mnt, path.basename(src));
      const b = await GanTrainer.resume(dir, images, { live: false });
      const r = await b.fit({ steps: 6 });
      expect(r.stopped).toBe('checkpoint-failed');
      expect(r.message).toMatch(/^Expected to write the checkpoint of step 6 \(0\.\d MB\) to .*checkpoints; got ENOSPC: the disk is full\. The last good checkpoint is untouched and resumable\. Free space, keep fewer checkpoints \(keepCheckpoints\), or train into another folder \(runsDir\)\.$/);
      expect(r.lastCheckpoint).toMatch(/step-00000003$/);
      expect(fs.readdirSync(b.run!.checkpointsDir).filter((n) => n.startsWith('.tmp'))).toEqual([]);
      expect(listCheckpoints(b.run!.checkpointsDir).map((d) => path.basename(d))).toEqual(['step-00000000', 'step-00000003']);
      b.dispose(); disposeGan(b.gan);
      const c = await GanTrainer.resume(dir, images, { live: false });
      expect(c.iteration).toBe(3);
      c.dispose(); disposeGan(c.gan);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('a NaN restore logs the redone steps once', async () => {
    const gan = buildGan(killTestConfig);
    const t = new GanTrainer(gan, images, { ...killTestOptions, runsDir: path.join(tmp, 'nan') });
    const obj = t.objective;
    t.objective = { ...obj, generatorLoss: (o, f) => (t.iteration === 4 ? o.scale(obj.generatorLoss(o, f), NaN) : obj.generatorLoss(o, f)) };
    const r = await t.fit({ steps: 8 });
    expect(r.stopped).toBe('nan');
    t.objective = obj;
    await t.fit({ steps: 4 });
    expect(metricSteps(t.run!.dir).map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    t.dispose(); disposeGan(gan);
  });
});

describe('runsTable never fails as a whole', () => {
  it('shows killed and unreadable runs as such, names the file, and a missing folder as missing', async () => {
    const { runsTable } = await import('../../lib/train/runs-table');
    const dir = path.join(tmp, 'table');
    const gan = buildGan(killTestConfig);
    const t = new GanTrainer(gan, images, { ...killTestOptions, runsDir: dir, name: 'done' });
    await t.fit({ steps: 2 });
    t.dispose(); disposeGan(gan);
    const killed = path.join(dir, 'killed-1');
    fs.mkdirSync(killed);
    fs.writeFileSync(path.join(killed, 'config.json'), JSON.stringify({ gan: { arch: 'fc' }, dataset: 'mnist' }));
    fs.writeFileSync(path.join(killed, 'metrics.jsonl'), '{"step":1,"dLoss":1.5,"gLoss":0.7}\n{"step":2,"dLoss":1.25,"gLoss":0.75,"wallSeconds":0.5}\n{"step":3,"dL');
    const broken = path.join(dir, 'broken-1');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'summary.json'), '{"name": "broken", "final": {');
    const rows = runsTable(dir).rows;
    expect(rows.map((r) => [r.run.replace(/-\d{8}-\d{6}$/, ''), r.status])).toEqual([
      ['broken-1', expect.stringMatching(/^unreadable: .*broken-1\/summary\.json \(.*JSON/)],
      ['done', 'completed'],
      ['killed-1', 'killed (no summary)'],
    ]);
    expect(rows[2]).toMatchObject({ arch: 'fc', dataset: 'mnist', steps: 2, dLoss: 1.25, gLoss: 0.75 });
    const text = runsTable([path.join(tmp, 'nope'), killed]).toText();
    expect(text).toMatch(/missing: .*nope/);
    expect(text).toMatch(/killed \(no summary\)/);
  });
});

describe('one writer inside a process, and objective swaps on record', () => {
  it('a second resume of the same folder in this process takes it over; the first trainer refuses to write', async () => {
    const gan = buildGan(killTestConfig);
    const t = new GanTrainer(gan, images, { ...killTestOptions, runsDir: path.join(tmp, 'twice') });
    const r = await t.fit({ steps: 3 });
    t.dispose(); disposeGan(gan);
    const a = await GanTrainer.resume(r.runDir!, images, { live: false });
    const b = await GanTrainer.resume(r.runDir!, images, { live: false });
    await expect(a.fit({ steps: 1 })).rejects.toThrow(/taken over by a newer trainer in this process.*Use the newer trainer, and dispose this one/);
    await b.fit({ steps: 1 });
    expect(metricSteps(r.runDir!).map((x) => x.step)).toEqual([1, 2, 3, 4]);
    a.dispose(); b.dispose(); disposeGan(a.gan); disposeGan(b.gan);
  });

  it('a mid-run objective swap is recorded: resume asks for it, and a fit ending on a checkpoint step writes it once', async () => {
    const { hinge } = await import('../../lib/train/objectives');
    const gan = buildGan(killTestConfig);
    const written: string[] = [];
    const t = new GanTrainer(gan, images, { ...killTestOptions, runsDir: path.join(tmp, 'swap'), callbacks: [{ onCheckpoint: (d) => { written.push(path.basename(d)); } }] });
    await t.fit({ steps: 2 });
    t.objective = hinge();
    await t.fit({ steps: 4 }); // to step 6 = 2 x checkpointEvery
    expect(written).toEqual(['step-00000000', 'step-00000002', 'step-00000003', 'step-00000006']);
    const dir = t.run!.dir;
    t.dispose(); disposeGan(gan);
    await expect(GanTrainer.resume(dir, images, { live: false })).rejects.toThrow(/resume with the run's objective "hinge"; the config gives "non-saturating"\. Pass it/);
    const b = await GanTrainer.resume(dir, images, { live: false, objective: hinge() });
    expect(b.objective.name).toBe('hinge');
    b.dispose(); disposeGan(b.gan);
  });
});
