/**
 * Samplers propose the next configuration from the space and the trials so far. Each is a
 * pure function of (seed, history, trial number): a resumed study proposes exactly what an
 * uninterrupted one would have.
 *
 * - {@link gridSearch}: every combination of `points` values per numeric dimension.
 * - {@link randomSearch}: independent uniform (log-uniform) draws.
 * - {@link bayesOpt}: Gaussian-process surrogate + expected improvement.
 *
 * @example
 * ```ts
 * const space = searchSpace({ x: float(-5, 10), y: float(0, 15) });
 * const bo = bayesOpt({ seed: 1 });
 * const p0 = bo.propose(space, [], 0); // first point of a Latin-hypercube design
 * ```
 */
import { GaussianProcess } from './gp';
import { rngFor, type Rng } from './random';
import type { Params, SearchSpace } from './space';
import type { Observation } from './trial';

/** Proposes configurations; `null` means it has nothing left to propose (grid exhausted). */
export interface Sampler {
  readonly kind: 'grid' | 'random' | 'bayes';
  /** Settings saved in `study.json` (a resumed study checks they match). */
  toJSON(): SamplerConfig;
  propose(space: SearchSpace, history: readonly Observation[], number: number): Params | null;
  /** How many proposals it can make (grid size), or Infinity. */
  capacity(space: SearchSpace): number;
}

export type SamplerConfig =
  | { kind: 'grid'; points: number; shuffle: boolean; seed: number }
  | { kind: 'random'; seed: number }
  | { kind: 'bayes'; seed: number; initial: number | null; candidates: number; refine: number; restarts: number; xi: number };

/**
 * Grid search: the space's grid (`points` per numeric dimension, or each parameter's `grid`),
 * in order (last parameter fastest) or shuffled by `seed`.
 *
 * @example
 * ```ts
 * gridSearch({ points: 3 })
 * ```
 */
export function gridSearch(opts: { points?: number; shuffle?: boolean; seed?: number } = {}): Sampler {
  const cfg = { kind: 'grid' as const, points: opts.points ?? 3, shuffle: opts.shuffle ?? false, seed: opts.seed ?? 0 };
  const cache = new WeakMap<SearchSpace, Params[]>();
  const gridOf = (space: SearchSpace): Params[] => {
    let g = cache.get(space);
    if (!g) {
      g = space.grid(cfg.points);
      if (cfg.shuffle) g = rngFor(cfg.seed, 'grid').shuffle(g);
      cache.set(space, g);
    }
    return g;
  };
  return {
    kind: 'grid',
    toJSON: () => ({ ...cfg }),
    capacity: (space) => gridOf(space).length,
    propose: (space, _h, number) => gridOf(space)[number] ?? null,
  };
}

/**
 * Random search: independent draws (log-uniform on log-scale dimensions), seeded per trial.
 *
 * @example
 * ```ts
 * randomSearch({ seed: 7 })
 * ```
 */
export function randomSearch(opts: { seed?: number } = {}): Sampler {
  const cfg = { kind: 'random' as const, seed: opts.seed ?? 0 };
  return {
    kind: 'random',
    toJSON: () => ({ ...cfg }),
    capacity: () => Infinity,
    propose: (space, _h, number) => space.sample(rngFor(cfg.seed, 'random', number)),
  };
}

export interface BayesOptions {
  seed?: number;
  /** Trials from a Latin-hypercube design before the GP takes over (default max(4, d + 2), d = encoded dims). */
  initial?: number;
  /** Random candidates scored by expected improvement per proposal (default 1000). */
  candidates?: number;
  /** Best candidates refined by a local search (default 3). */
  refine?: number;
  /** Extra random starts when fitting GP hyperparameters (default 2). */
  restarts?: number;
  /** Exploration margin of expected improvement, in standardised units (default 0.01). */
  xi?: number;
}

// ---- expected improvement -------------------------------------------------------------

/** erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
const normCdf = (z: number): number => 0.5 * erfc(-z / Math.SQRT2);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log of expected improvement below `best` for a Gaussian `N(mean, variance)` (minimisation),
 * stable far into the tail (so candidates stay comparable when EI underflows).
 *
 * @example
 * ```ts
 * Math.exp(logExpectedImprovement(0, 1, 0)); // φ(0) ≈ 0.3989
 * ```
 */
export function logExpectedImprovement(mean: number, variance: number, best: number, xi = 0): number {
  const sigma = Math.sqrt(Math.max(variance, 1e-18));
  const z = (best - xi - mean) / sigma;
  let logH: number;
  if (z > -6) {
    const h = Math.exp(-0.5 * z * z - LOG_SQRT_2PI) + z * normCdf(z);
    logH = Math.log(Math.max(h, 1e-300));
  } else {
    // h(z) = φ(z) + zΦ(z) ≈ φ(z)/z² (1 - 3/z² + 15/z⁴) for z → -∞
    const z2 = z * z;
    logH = -0.5 * z2 - LOG_SQRT_2PI - Math.log(z2) + Math.log(1 - 3 / z2 + 15 / (z2 * z2));
  }
  return Math.log(sigma) + logH;
}

/** Latin-hypercube design of `n` configurations (categoricals balanced), deterministic in `rng`. */
function latinHypercube(space: SearchSpace, n: number, rng: Rng): Params[] {
  const U = Array.from({ length: n }, () => new Array<number>(space.dim).fill(0));
  for (const { offset, width, categorical } of space.layout()) {
    const perm = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    if (categorical) {
      const shift = rng.int(width);
      for (let i = 0; i < n; i++) U[i][offset + ((perm[i] + shift) % width)] = 1;
    } else {
      for (let i = 0; i < n; i++) U[i][offset] = (perm[i] + rng.next()) / n;
    }
  }
  return U.map((u) => space.decode(u));
}

function sameVector(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-9) return false;
  return true;
}

/**
 * Bayesian optimisation: a Latin-hypercube start, then each proposal fits a GP (Matérn 5/2
 * ARD on the unit-cube encoding, standardised scores, hyperparameters by maximum marginal
 * likelihood) and maximises expected improvement over random candidates plus perturbations
 * of the best trials, refined by a local search. Failed and pruned trials count as the worst
 * score seen (or their own last score if worse), so the model learns to avoid them; so do trials
 * still running in other workers (a constant liar, Ginsbourger et al. 2010), so that workers
 * sharing a study spread their proposals instead of piling onto one point.
 *
 * @example
 * ```ts
 * bayesOpt({ seed: 0, initial: 5 })
 * ```
 */
export function bayesOpt(opts: BayesOptions = {}): Sampler {
  const cfg = {
    kind: 'bayes' as const, seed: opts.seed ?? 0, initial: opts.initial ?? null, candidates: opts.candidates ?? 1000,
    refine: opts.refine ?? 3, restarts: opts.restarts ?? 2, xi: opts.xi ?? 0,
  };
  return {
    kind: 'bayes',
    toJSON: () => ({ ...cfg }),
    capacity: () => Infinity,
    propose(space, history, number) {
      const n0 = cfg.initial ?? Math.max(4, space.dim + 2);
      if (number < n0) return latinHypercube(space, n0, rngFor(cfg.seed, 'lhs'))[number];
      const data = observationsForModel(history);
      if (data.length < 2 || new Set(data.map((o) => o.value)).size < 2) {
        return space.sample(rngFor(cfg.seed, 'fallback', number));
      }
      return proposeEi(space, data, rngFor(cfg.seed, 'propose', number), cfg);
    },
  };
}

/** Completed trials with their scores; pruned/failed/running ones imputed as the worst score seen. */
function observationsForModel(history: readonly Observation[]): { params: Params; value: number }[] {
  const done = history.filter((o) => o.state === 'complete' && o.value !== null && Number.isFinite(o.value));
  if (done.length === 0) return [];
  const worst = Math.max(...done.map((o) => o.value as number));
  return history.flatMap((o) => {
    if (o.state === 'complete' && o.value !== null && Number.isFinite(o.value)) return [{ params: o.params, value: o.value }];
    // running (another worker's trial, shared storages): a constant liar — imputed as the worst,
    // as Optuna's TPE does with constant_liar — so parallel workers do not propose the same point
    if (o.state === 'pruned' || o.state === 'failed' || o.state === 'running') {
      const own = o.value !== null && Number.isFinite(o.value) ? o.value : -Infinity;
      return [{ params: o.params, value: Math.max(worst, own) }];
    }
    return [];
  });
}

function proposeEi(space: SearchSpace, data: { params: Params; value: number }[], rng: Rng,
  cfg: { candidates: number; refine: number; restarts: number; xi: number }): Params {
  const X = data.map((o) => space.encode(o.params));
  const ys = data.map((o) => o.value);
  const mu = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sd = Math.sqrt(ys.reduce((a, b) => a + (b - mu) ** 2, 0) / ys.length) || 1;
  const y = ys.map((v) => (v - mu) / sd);
  const gp = GaussianProcess.fit(X, y, { rng, restarts: cfg.restarts });
  // Incumbent: the best posterior mean at an observed point (robust to noise).
  const best = Math.min(...gp.predict(X).mean);
  const score = (xs: number[][]): number[] => {
    const { mean, variance } = gp.predict(xs);
    return mean.map((m, i) => logExpectedImprovement(m, variance[i], best, cfg.xi));
  };

  const layout = space.layout();
  const numeric = layout.filter((l) => !l.categorical).map((l) => l.offset);
  const blocks = layout.filter((l) => l.categorical);
  const perturb = (x: number[], step: number): number[] => {
    const z = x.slice();
    for (const k of numeric) z[k] = Math.min(1, Math.max(0, z[k] + step * rng.normal()));
    for (const b of blocks) {
      if (rng.next() < 0.15) {
        for (let k = 0; k < b.width; k++) z[b.offset + k] = 0;
        z[b.offset + rng.int(b.width)] = 1;
      }
    }
    return space.snap(z);
  };

  const cands: number[][] = [];
  for (let i = 0; i < cfg.candidates; i++) cands.push(space.encode(space.sample(rng)));
  const order = y.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]).slice(0, 5).map(([, i]) => i);
  for (const i of order) for (let j = 0; j < 20; j++) cands.push(perturb(X[i], 0.05));
  const s = score(cands);
  const ranked = s.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).map(([, i]) => i);

  // Local refinement of the best few distinct candidates: (1+1) search with an adaptive step.
  let winner = { x: cands[ranked[0]], s: s[ranked[0]] };
  const refined: { x: number[]; s: number }[] = [];
  for (const idx of ranked.slice(0, cfg.refine)) {
    let cur = { x: cands[idx], s: s[idx] };
    let step = 0.05;
    for (let it = 0; it < 60; it++) {
      const z = perturb(cur.x, step);
      const sz = score([z])[0];
      if (sz > cur.s) { cur = { x: z, s: sz }; step = Math.min(0.2, step * 1.5); } else step = Math.max(1e-3, step * 0.8);
    }
    refined.push(cur);
  }
  const pool = [...refined, ...ranked.slice(0, 50).map((i) => ({ x: cands[i], s: s[i] }))].sort((a, b) => b.s - a.s);
  // Prefer a point not already evaluated (duplicates waste budget on deterministic objectives).
  winner = pool.find((c) => !X.some((x) => sameVector(x, c.x))) ?? pool[0] ?? winner;
  return space.decode(winner.x);
}

/**
 * Rebuilds a sampler from the settings saved in `study.json`.
 *
 * @example
 * ```ts
 * samplerFromConfig(bayesOpt({ seed: 3 }).toJSON()).toJSON().seed; // 3
 * ```
 */
export function samplerFromConfig(c: SamplerConfig): Sampler {
  switch (c.kind) {
    case 'grid': return gridSearch(c);
    case 'random': return randomSearch(c);
    case 'bayes': return bayesOpt({ ...c, initial: c.initial ?? undefined });
    default: throw new Error(`Unknown sampler kind ${JSON.stringify((c as { kind: unknown }).kind)}; expected 'grid', 'random' or 'bayes'.`);
  }
}
