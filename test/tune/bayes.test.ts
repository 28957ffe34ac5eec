import { describe, expect, it } from 'vitest';
import { float, searchSpace, type Params } from '../../lib/tune/space';
import { bayesOpt, gridSearch, randomSearch, type Sampler } from '../../lib/tune/samplers';
import { rngFor } from '../../lib/tune/random';
import type { Observation } from '../../lib/tune/trial';

const SEEDS = [0, 1, 2, 3, 4];
const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a sampler sequentially on f for n evaluations; returns the points and scores in order. */
function runSampler(sampler: Sampler, space: ReturnType<typeof searchSpace>, f: (p: Params, i: number) => number, n: number) {
  const history: Observation[] = [];
  for (let i = 0; i < n; i++) {
    const params = sampler.propose(space, history, i)!;
    history.push({ params, state: 'complete', value: f(params, i) });
  }
  return history;
}
/** 1-based index of the first evaluation satisfying `ok`, or Infinity. */
const firstHit = (h: Observation[], ok: (o: Observation) => boolean): number => {
  const i = h.findIndex(ok);
  return i < 0 ? Infinity : i + 1;
};

// Branin-Hoo on [-5, 10] x [0, 15]: global minimum 0.397887 at (-π, 12.275), (π, 2.275), (9.42478, 2.475).
const BRANIN_MIN = 0.397887;
function branin(x: number, y: number): number {
  const b = 5.1 / (4 * Math.PI ** 2), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
  return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * Math.cos(x) + 10;
}

describe('Bayesian optimisation on synthetic functions (5 fixed seeds)', () => {
  const space = searchSpace({ x: float(-5, 10), y: float(0, 15) });
  const f = (p: Params): number => branin(p.x as number, p.y as number);

  it('Branin: reaches the global minimum within 0.1 in fewer evaluations than random search', () => {
    expect(branin(-Math.PI, 12.275)).toBeCloseTo(BRANIN_MIN, 5);
    expect(branin(Math.PI, 2.275)).toBeCloseTo(BRANIN_MIN, 5);
    expect(branin(9.42478, 2.475)).toBeCloseTo(BRANIN_MIN, 5);

    const N = 30, tol = 0.1;
    const rows = SEEDS.map((seed) => {
      const bo = runSampler(bayesOpt({ seed }), space, f, N);
      const rs = runSampler(randomSearch({ seed }), space, f, 400);
      const best = (h: Observation[]) => Math.min(...h.slice(0, N).map((o) => o.value!));
      const ok = (o: Observation) => o.value! - BRANIN_MIN < tol;
      const top = bo.reduce((a, o) => (o.value! < a.value! ? o : a));
      return { seed, boHit: firstHit(bo, ok), rsHit: firstHit(rs, ok), boBest: best(bo), rsBest: best(rs), top };
    });
    console.table(rows.map(({ top, ...r }) => ({ ...r, x: (top.params.x as number).toFixed(3), y: (top.params.y as number).toFixed(3) })));

    // evaluations to tolerance: BO's median well under random's
    const boMed = median(rows.map((r) => r.boHit)), rsMed = median(rows.map((r) => r.rsHit));
    expect(boMed).toBeLessThanOrEqual(25);
    expect(boMed * 2).toBeLessThan(rsMed);
    // best after N evaluations: BO better than random on at least 4 of 5 seeds, and close to the optimum
    expect(rows.filter((r) => r.boBest < r.rsBest).length).toBeGreaterThanOrEqual(4);
    expect(median(rows.map((r) => r.boBest)) - BRANIN_MIN).toBeLessThan(0.01);
    // and the best point found sits next to one of the three minimisers
    const minimisers = [[-Math.PI, 12.275], [Math.PI, 2.275], [9.42478, 2.475]];
    for (const r of rows.filter((q) => q.boBest - BRANIN_MIN < 0.01)) {
      const d = Math.min(...minimisers.map(([a, b]) => Math.hypot((r.top.params.x as number) - a, (r.top.params.y as number) - b)));
      expect(d).toBeLessThan(0.3);
    }
  });

  it('1-D quadratic with noise (σ = 0.1): samples within 0.02 of the minimiser sooner than random search', () => {
    const space1 = searchSpace({ x: float(-2, 2) });
    const noisy = (seed: number) => (p: Params, i: number) => ((p.x as number) - 0.3) ** 2 + 0.1 * rngFor(seed, 'noise', i).normal();
    const near = (o: Observation) => Math.abs((o.params.x as number) - 0.3) < 0.02;
    const rows = SEEDS.map((seed) => ({
      seed,
      boHit: firstHit(runSampler(bayesOpt({ seed }), space1, noisy(seed), 20), near),
      rsHit: firstHit(runSampler(randomSearch({ seed }), space1, noisy(seed), 500), near),
    }));
    console.table(rows);
    expect(median(rows.map((r) => r.boHit))).toBeLessThanOrEqual(15);
    expect(median(rows.map((r) => r.boHit))).toBeLessThan(median(rows.map((r) => r.rsHit)));
  });

  it('samplers are deterministic in (seed, history, trial number)', () => {
    const h = runSampler(bayesOpt({ seed: 9 }), space, f, 8);
    const again = runSampler(bayesOpt({ seed: 9 }), space, f, 8);
    expect(again.map((o) => o.params)).toEqual(h.map((o) => o.params));
    expect(bayesOpt({ seed: 9 }).propose(space, h, 8)).toEqual(bayesOpt({ seed: 9 }).propose(space, h, 8));
    expect(randomSearch({ seed: 1 }).propose(space, [], 3)).toEqual(randomSearch({ seed: 1 }).propose(space, h, 3));
    expect(randomSearch({ seed: 1 }).propose(space, [], 3)).not.toEqual(randomSearch({ seed: 2 }).propose(space, [], 3));
    // the initial Latin hypercube puts one point in each fifth of every axis
    const init = runSampler(bayesOpt({ seed: 4, initial: 5 }), space, f, 5).map((o) => o.params);
    expect(new Set(init.map((p) => Math.floor(((p.x as number) + 5) / 3))).size).toBe(5);
    expect(new Set(init.map((p) => Math.floor((p.y as number) / 3))).size).toBe(5);
  });

  it('BO does not propose where another worker\'s trial is running (constant liar)', () => {
    const bo = bayesOpt({ seed: 4, initial: 6 });
    const h = runSampler(bo, space, f, 10);
    const next = bo.propose(space, h, 10)!;
    // the same history plus a trial running at that point: the next proposal goes elsewhere
    const elsewhere = bo.propose(space, [...h, { params: next, state: 'running', value: null }], 11)!;
    const sameWithout = bo.propose(space, h, 11)!;
    const dist = (a: Params, b: Params) => Math.hypot(((a.x as number) - (b.x as number)) / 15, ((a.y as number) - (b.y as number)) / 15);
    expect(dist(sameWithout, next)).toBeLessThan(0.05); // without the liar, proposal 11 lands on the same spot
    expect(dist(elsewhere, next)).toBeGreaterThan(0.05);
  });

  it('grid search walks the grid then stops; BO avoids regions of failed trials', () => {
    const g = gridSearch({ points: 4 });
    expect(g.capacity(space)).toBe(16);
    expect(g.propose(space, [], 0)).toEqual({ x: -5, y: 0 });
    expect(g.propose(space, [], 15)).toEqual({ x: 10, y: 15 });
    expect(g.propose(space, [], 16)).toBeNull();
    // failed trials (NaN) where x > 5: BO should stop proposing there after the initial design
    const h: Observation[] = [];
    const bo = bayesOpt({ seed: 2, initial: 6 });
    for (let i = 0; i < 16; i++) {
      const params = bo.propose(space, h, i)!;
      const x = params.x as number;
      h.push(x > 5 ? { params, state: 'failed', value: null } : { params, state: 'complete', value: f(params) });
    }
    const late = h.slice(8);
    expect(late.filter((o) => o.state === 'failed').length).toBeLessThanOrEqual(2);
  });
});
