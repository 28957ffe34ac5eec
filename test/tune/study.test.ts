import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { choice, float, int } from '../../lib/tune/space';
import { bayesOpt, gridSearch, randomSearch } from '../../lib/tune/samplers';
import { medianPruner } from '../../lib/tune/pruners';
import { Study, type Objective } from '../../lib/tune/study';
import { toMimeBundle } from '../../lib/display/show';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-tune-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const space = { x: float(-5, 10), y: float(0, 15), k: int(1, 3), act: choice(['relu', 'tanh']) };
const branin: Objective = ({ x, y, k, act }) => {
  const a = x as number, b = y as number;
  const v = (b - (5.1 / (4 * Math.PI ** 2)) * a * a + (5 / Math.PI) * a - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(a) + 10;
  return v + 0.5 * ((k as number) - 2) ** 2 + (act === 'tanh' ? 1 : 0);
};
const sampler = () => bayesOpt({ seed: 5, candidates: 300, initial: 5 });

describe('Study: persistence and resume', () => {
  it('saves every trial and, after a restart, makes the same next proposal as an uninterrupted run', async () => {
    const straight = new Study({ name: 'straight', space, sampler: sampler(), dir: tmp, pruner: null });
    await straight.optimize(branin, { trials: 9, live: false });

    const first = new Study({ name: 'resumed', space, sampler: sampler(), dir: tmp, pruner: null });
    await first.optimize(branin, { trials: 6, live: false });
    const file = path.join(tmp, 'resumed', 'trials.jsonl');
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(6);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'resumed', 'study.json'), 'utf8')).sampler).toMatchObject({ kind: 'bayes', seed: 5 });
    const expectedNext = first.nextParams();

    // "restart": a fresh object from disk, once with the same options and once from study.json alone
    const again = new Study({ name: 'resumed', space, sampler: sampler(), dir: tmp, pruner: null });
    expect(again.trials).toHaveLength(6);
    expect(again.nextParams()).toEqual(expectedNext);
    expect(Study.load('resumed', tmp).nextParams()).toEqual(expectedNext);
    expect(straight.trials[6].params).toEqual(expectedNext);

    await again.optimize(branin, { trials: 9, live: false });
    expect(again.trials.map((t) => t.params)).toEqual(straight.trials.map((t) => t.params));
    expect(again.best!.value).toBe(straight.best!.value);
    expect(fs.readdirSync(path.join(tmp, 'resumed')).sort()).toEqual(['study.json', 'trials.jsonl']); // no temp files left
  });

  it('refuses to resume with a different space or sampler, and starts over with resume: false', async () => {
    expect(() => new Study({ name: 'resumed', space: { ...space, x: float(-5, 5) }, sampler: sampler(), dir: tmp }))
      .toThrow(/was created with a different space .*pass resume: false/);
    expect(() => new Study({ name: 'resumed', space, sampler: randomSearch({ seed: 5 }), dir: tmp }))
      .toThrow(/different sampler/);
    const fresh = new Study({ name: 'resumed', space, sampler: randomSearch({ seed: 5 }), dir: tmp, resume: false });
    expect(fresh.trials).toHaveLength(0);
    expect(() => new Study({ name: '../evil', space, dir: tmp })).toThrow(/Study name must use/);
  });

  it('an interrupted trial is not recorded and runs again on resume', async () => {
    const ac = new AbortController();
    const s = new Study({ name: 'interrupt', space, sampler: randomSearch({ seed: 1 }), dir: tmp, pruner: null });
    const seen: unknown[] = [];
    await s.optimize(async (p, { signal }) => {
      seen.push(p);
      if (seen.length === 3) ac.abort();
      if (signal.aborted) throw new Error('stopped');
      return 1;
    }, { trials: 10, live: false, signal: ac.signal });
    expect(s.trials).toHaveLength(2);
    const reopened = new Study({ name: 'interrupt', space, sampler: randomSearch({ seed: 1 }), dir: tmp });
    expect(reopened.nextParams()).toEqual(seen[2]);
  });
});

describe('Study: early stopping and failures', () => {
  it('the median rule stops a clearly bad trial after warm-up; NaN and throws are failures', async () => {
    const s = new Study({
      name: 'prune', dir: null, space: { run: choice(['c', 'b', 'a', 'bad', 'nan', 'throws', 'diverges']) },
      sampler: gridSearch(), pruner: medianPruner({ warmupSteps: 3, minTrials: 2 }), metric: { name: 'FID' },
    });
    const steps: Record<string, number> = {};
    await s.optimize(async ({ run }, { report, signal }) => {
      const offset = ({ a: 0, b: 1, c: 2, bad: 50 } as Record<string, number>)[run as string] ?? -1;
      let v = 0;
      for (let step = 1; step <= 10 && !signal.aborted; step++) {
        v = offset + 100 / step;
        if (run === 'diverges' && step === 2) v = NaN;
        steps[run as string] = step;
        if (report(step, v)) break;
      }
      if (run === 'nan') return NaN;
      if (run === 'throws') throw new Error('out of memory');
      return v;
    }, { trials: 20, live: false });
    const by = Object.fromEntries(s.trials.map((t) => [t.params.run, t]));
    expect(s.trials).toHaveLength(7); // grid exhausted
    expect(by.a.state).toBe('complete');
    expect(by.c.state).toBe('complete');
    expect(by.bad.state).toBe('pruned');
    expect(steps.bad).toBe(3); // stopped right after warm-up
    expect(by.bad.reason).toMatch(/median rule: best 83.33 worse than median 34.33 of 3 trials at step 3/);
    expect(by.bad.value).toBeCloseTo(50 + 100 / 3, 10);
    expect(by.nan).toMatchObject({ state: 'failed', value: null, reason: 'objective returned NaN' });
    expect(by.throws).toMatchObject({ state: 'failed', reason: 'threw: out of memory' });
    expect(by.diverges.state).toBe('pruned');
    expect(by.diverges.reason).toMatch(/diverged: score NaN at step 2/);
    expect(s.best!.params.run).toBe('a');
    expect(s.best!.value).toBe(10);
  });

  it('maximize flips the sense of best and pruning; retrainBest calls back with the best params', async () => {
    const s = new Study({ name: 'max', dir: null, space: { x: float(0, 1) }, sampler: gridSearch({ points: 5 }), direction: 'maximize', pruner: null });
    await s.optimize(({ x }) => -(((x as number) - 0.75) ** 2), { trials: 5, live: false });
    expect(s.best!.params.x).toBe(0.75);
    expect(await s.retrainBest(async (p) => `trained ${p.x}`)).toBe('trained 0.75');
    const empty = new Study({ name: 'empty', dir: null, space: { x: float(0, 1) } });
    await expect(empty.retrainBest((p) => p)).rejects.toThrow(/no complete trial yet/);
  });
});

describe('Study: display', () => {
  it('shows itself as a trials table; charts are titled vega-lite specs with units and a best-so-far line', async () => {
    const s = new Study({ name: 'show', dir: null, space, sampler: randomSearch({ seed: 2 }), metric: { name: 'FID', unit: 'Fréchet distance' }, pruner: null });
    await s.optimize(branin, { trials: 6, live: false });
    const bundle = await toMimeBundle(s);
    expect(String(bundle['text/html'])).toContain('<table');
    expect(String(bundle['text/html'])).toContain('★');
    expect(String(bundle['text/plain'])).toMatch(/Study show \(random\): 6 trials — 6 complete, 0 pruned, 0 failed; best FID/);

    const chart = s.scoreChart() as { title: string; layer: { data: { values: { best?: number; trial: number }[] }; encoding: { y?: { title?: string } } }[] };
    expect(chart.title).toMatch(/FID per trial/);
    expect(chart.layer[0].encoding.y!.title).toBe('FID (Fréchet distance), lower is better');
    const bestLine = chart.layer[1].data.values.map((v) => v.best!);
    expect(bestLine).toHaveLength(6);
    for (let i = 1; i < bestLine.length; i++) expect(bestLine[i]).toBeLessThanOrEqual(bestLine[i - 1]);
    expect(bestLine[5]).toBe(s.best!.value);

    const pc = s.paramsChart() as { title: string; concat: { encoding: { x: { title: string; type: string } } }[] };
    expect(pc.concat.map((p) => p.encoding.x.title)).toEqual(['x', 'y', 'k', 'act']);
    expect(pc.concat[3].encoding.x.type).toBe('nominal');
    const svg = await toMimeBundle(s.paramsChart());
    expect(String(svg['image/svg+xml'])).toContain('<svg');
  });
});

describe('comparing studies', () => {
  it('tabulates and charts best-so-far per study', async () => {
    const { compareChart, compareTable } = await import('../../lib/tune/charts');
    const f: Objective = ({ x }) => ((x as number) - 0.3) ** 2;
    const a = new Study({ name: 'g', dir: null, space: { x: float(0, 1) }, sampler: gridSearch({ points: 4 }), pruner: null });
    const b = new Study({ name: 'r', dir: null, space: { x: float(0, 1) }, sampler: randomSearch({ seed: 3 }), pruner: null });
    await a.optimize(f, { trials: 4, live: false });
    await b.optimize(f, { trials: 4, live: false });
    const t = compareTable([a, b]);
    expect(t.rows[0]).toMatchObject({ study: 'g', sampler: 'grid', trials: 4, complete: 4, 'found at trial': 1, 'best config': 'x=0.3333' });
    const c = compareChart([a, b]) as { data: { values: { study: string; best: number }[] } };
    expect(c.data.values.filter((v) => v.study === 'g (grid)').map((v) => +v.best.toFixed(6))).toEqual([0.09, 0.001111, 0.001111, 0.001111]);
  });
});
