import { spawnSync } from 'child_process';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, formatTable, noiseFor, summarize, type BenchFunction } from '../../scripts/bench/tune';
import { rngFor } from '../../lib/tune/random';
import { searchSpace } from '../../lib/tune/space';

const fn = (name: string): BenchFunction => FUNCTIONS.find((f) => f.name === name)!;

// No search here: the section's functions, their Python twins, and its summary.
describe('bench section "tune" (no search)', () => {
  it('each function takes its known optimum at its minimisers, and only there', () => {
    for (const f of FUNCTIONS) {
      for (const p of f.optimum.at) {
        expect(f.f(p, 0)).toBeCloseTo(f.optimum.value, 5);
        expect(f.hit(p, f.f(p, 0))).toBe(true);
      }
      const space = searchSpace(f.space), rng = rngFor(0, 'bench-tune-test');
      for (let i = 0; i < 200; i++) expect(f.f(space.sample(rng), 0)).toBeGreaterThan(f.optimum.value - 1e-6);
    }
    expect(fn('branin-mixed').f({ x: Math.PI, y: 2.275, k: 3, act: 'tanh' }, 0)).toBeCloseTo(0.397887 + 1.5, 5);
    expect(fn('quadratic-noisy').f({ x: 0.3 }, 1.5)).toBeCloseTo(0.15, 12);
  });

  it('the Python twins in tune_optuna.py give the same values (plain python3, no Optuna needed)', () => {
    const rng = rngFor(1, 'bench-tune-test');
    const points = FUNCTIONS.flatMap((f) => {
      const space = searchSpace(f.space);
      return Array.from({ length: 5 }, () => ({ fn: f.name, params: space.sample(rng), noise: rng.normal() }));
    });
    const r = spawnSync(process.env.GANBOOK_PYTHON ?? 'python3', [path.resolve(__dirname, '../../scripts/bench/python/tune_optuna.py'), '--eval'],
      { input: JSON.stringify({ points }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const { values } = JSON.parse(r.stdout) as { values: number[] };
    expect(values).toHaveLength(points.length);
    points.forEach((q, i) => expect(values[i]).toBeCloseTo(fn(q.fn).f(q.params, q.noise), 10));
  });

  it('counts evaluations to the target per seed, a miss as more than the budget', () => {
    const f = fn('quadratic-noisy');
    const trace = (xs: number[]) => xs.map((x) => ({ params: { x }, value: 0 }));
    const run = { wallMs: 1234, seeds: [
      { seed: 0, trials: trace([1, 0.31, 0]) }, { seed: 1, trials: trace([0.29, 1, 1]) }, { seed: 2, trials: trace([1, 1, 0.5]) },
    ] };
    const row = summarize(f, 'm', run, 3);
    expect(row).toMatchObject({ hits: [2, 1, null], medianEvals: 2, reached: 2, seeds: 3, wallMs: 1234 });
    expect(row.medianBest).toBeCloseTo(0.01, 12); // |x - 0.3|: 0, 0.01, 0.2
    expect(summarize(f, 'm', run, 1)).toMatchObject({ hits: [null, 1, null], medianEvals: null, reached: 1 });
    expect(formatTable([summarize(f, 'm', run, 1)], 1)).toMatch(/quadratic-noisy\s+m\s+>1\s+1\/3\s+0\.7000\s+1\.2/);
    expect(noiseFor(3, 4)).toEqual([0, 1, 2, 3].map((i) => rngFor(3, 'noise', i).normal()));
  });
});
