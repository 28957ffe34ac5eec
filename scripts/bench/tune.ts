/**
 * Bench section "tune": search quality of `lib/tune` anchored on Optuna (issue 19). The benchmark
 * functions of lib/tune's tests, each searched from seeds 0..S-1 with a budget of N evaluations by
 *
 *   - ganbook `bayesOpt({ seed })` and `randomSearch({ seed })`, through an in-memory `Study`
 *     (`dir: null`, no pruner: nothing is written to runs/);
 *   - Optuna `TPESampler(seed=seed)` and `RandomSampler(seed=seed)` (defaults otherwise), run by
 *     scripts/bench/python/tune_optuna.py in a throwaway venv `<cache dir>/bench-optuna-venv`
 *     (`pip install optuna`, created on first use; a note in the result when that fails).
 *
 * Reported per function and method: evaluations to reach the target (median over seeds, a miss
 * counting as more than N), how many seeds reached it within N, the best at N (median) and the
 * wall time of all seeds. Grid search is left out: it ignores the seed, and its first N points
 * are the start of a coarse grid sweep, not a budgeted search.
 *
 * The functions (TypeScript here, Python twins in tune_optuna.py; test/scripts/bench-tune.test.ts
 * checks that they agree) and their targets:
 *   - `branin`: Branin-Hoo on [-5, 10] x [0, 15] (Dixon & Szegő 1978, "Towards global
 *     optimisation 2"; Surjanovic & Bingham's Virtual Library of Simulation Experiments), global
 *     minimum 0.397887 at (-π, 12.275), (π, 2.275), (9.42478, 2.475); target: within 0.1 of it
 *     (test/tune/bayes.test.ts).
 *   - `branin-mixed`: the study tests' space (test/tune/study.test.ts): Branin plus
 *     0.5·(k - 2)² for k = int(1, 3) plus 1 for act = 'tanh' of choice(['relu', 'tanh']); minimum
 *     0.397887 at Branin's minimisers with k = 2, relu; target: within 0.1 (the tests set none;
 *     the Branin tolerance).
 *   - `quadratic-noisy`: (x - 0.3)² + 0.1·ε on [-2, 2], ε_i = rngFor(seed, 'noise', i).normal()
 *     for evaluation i, the same sequence for every method (test/tune/bayes.test.ts); target: an
 *     evaluated x within 0.02 of the minimiser 0.3; "best" is the smallest |x - 0.3| evaluated.
 *
 * Usage: `npm run bench -- --only tune [--tune-seeds 10] [--tune-budget 50]
 *   [--tune-functions branin,branin-mixed,quadratic-noisy] [--json]`, or standalone:
 *   ts-node --transpile-only scripts/bench/tune.ts [the same flags]
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { rngFor } from '../../lib/tune/random';
import { bayesOpt, randomSearch, type Sampler } from '../../lib/tune/samplers';
import { choice, float, int, type Params, type SpaceSpec } from '../../lib/tune/space';
import { Study } from '../../lib/tune/study';
import { throwawayVenv } from './speed';

export interface TuneBenchOptions { json?: boolean; tuneSeeds?: number; tuneBudget?: number; tuneFunctions?: string }

/** A test function of lib/tune's tests, with its known optimum and the target a search must reach. */
export interface BenchFunction {
  name: string;
  space: SpaceSpec;
  /** The score of `p`; `eps` is the evaluation's standard-normal noise draw (ignored when noiseless). */
  f(p: Params, eps: number): number;
  noisy: boolean;
  optimum: { value: number; at: Params[] };
  /** The target, in words and as a test on an evaluation. */
  target: string;
  hit(p: Params, value: number): boolean;
  /** What "best" means (lower is better) and its measure of an evaluation. */
  best: string;
  quality(p: Params, value: number): number;
}

const BRANIN_MIN = 0.397887;

/** Branin-Hoo (Dixon & Szegő 1978): min 0.397887 on [-5, 10] x [0, 15]. */
export function branin(x: number, y: number): number {
  const b = 5.1 / (4 * Math.PI ** 2), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
  return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * Math.cos(x) + 10;
}
const braninMinimisers = [{ x: -Math.PI, y: 12.275 }, { x: Math.PI, y: 2.275 }, { x: 9.42478, y: 2.475 }];

export const FUNCTIONS: BenchFunction[] = [
  {
    name: 'branin', space: { x: float(-5, 10), y: float(0, 15) }, noisy: false,
    f: (p) => branin(p.x as number, p.y as number),
    optimum: { value: BRANIN_MIN, at: braninMinimisers },
    target: 'f - 0.397887 < 0.1', hit: (_p, v) => v - BRANIN_MIN < 0.1, best: 'f', quality: (_p, v) => v,
  },
  {
    name: 'branin-mixed', space: { x: float(-5, 10), y: float(0, 15), k: int(1, 3), act: choice(['relu', 'tanh']) }, noisy: false,
    f: (p) => branin(p.x as number, p.y as number) + 0.5 * ((p.k as number) - 2) ** 2 + (p.act === 'tanh' ? 1 : 0),
    optimum: { value: BRANIN_MIN, at: braninMinimisers.map((m) => ({ ...m, k: 2, act: 'relu' })) },
    target: 'f - 0.397887 < 0.1', hit: (_p, v) => v - BRANIN_MIN < 0.1, best: 'f', quality: (_p, v) => v,
  },
  {
    name: 'quadratic-noisy', space: { x: float(-2, 2) }, noisy: true,
    f: (p, eps) => ((p.x as number) - 0.3) ** 2 + 0.1 * eps,
    optimum: { value: 0, at: [{ x: 0.3 }] },
    target: '|x - 0.3| < 0.02', hit: (p) => Math.abs((p.x as number) - 0.3) < 0.02,
    best: '|x - 0.3|', quality: (p) => Math.abs((p.x as number) - 0.3),
  },
];

/** The noise draws of one seed's evaluations 0..n-1 (as test/tune/bayes.test.ts draws them). */
export const noiseFor = (seed: number, n: number): number[] => Array.from({ length: n }, (_, i) => rngFor(seed, 'noise', i).normal());

type Trace = { params: Params; value: number }[];
interface MethodRun { wallMs: number; seeds: { seed: number; trials: Trace }[] }

export const METHODS = ['ganbook bayesOpt', 'ganbook random', 'optuna TPE', 'optuna random'] as const;

export interface Row {
  fn: string; method: string;
  /** Evaluations to the target per seed (1-based), null = not within the budget. */
  hits: (number | null)[];
  /** Median over seeds, a miss counting as more than the budget; null when that median is a miss. */
  medianEvals: number | null;
  reached: number; seeds: number;
  /** Median over seeds of the best `quality` within the budget. */
  medianBest: number;
  wallMs: number;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Evaluations-to-target and best-at-budget of one method's traces. */
export function summarize(fn: BenchFunction, method: string, run: MethodRun, budget: number): Row {
  const hits = run.seeds.map(({ trials }) => {
    const i = trials.slice(0, budget).findIndex((t) => fn.hit(t.params, t.value));
    return i < 0 ? null : i + 1;
  });
  const med = median(hits.map((h) => h ?? Infinity));
  return {
    fn: fn.name, method, hits, medianEvals: Number.isFinite(med) ? med : null,
    reached: hits.filter((h) => h !== null).length, seeds: hits.length,
    medianBest: median(run.seeds.map(({ trials }) => Math.min(...trials.slice(0, budget).map((t) => fn.quality(t.params, t.value))))),
    wallMs: Math.round(run.wallMs),
  };
}

export function formatTable(rows: Row[], budget: number): string {
  const out = [`${'function'.padEnd(16)} ${'method'.padEnd(17)} ${'evals to target'.padStart(15)} ${'reached'.padStart(8)} ${`best at ${budget}`.padStart(12)} ${'wall s'.padStart(7)}`];
  for (const r of rows) {
    const evals = r.medianEvals === null ? `>${budget}` : String(r.medianEvals);
    out.push(`${r.fn.padEnd(16)} ${r.method.padEnd(17)} ${evals.padStart(15)} ${`${r.reached}/${r.seeds}`.padStart(8)} ${r.medianBest.toPrecision(4).padStart(12)} ${(r.wallMs / 1000).toFixed(1).padStart(7)}`);
  }
  return out.join('\n');
}

async function runGanbook(fn: BenchFunction, sampler: (seed: number) => Sampler, seeds: number[], budget: number): Promise<MethodRun> {
  const t0 = performance.now();
  const out: MethodRun['seeds'] = [];
  for (const seed of seeds) {
    const noise = fn.noisy ? noiseFor(seed, budget) : [];
    const study = new Study({ name: `${fn.name}-${seed}`, dir: null, space: fn.space, sampler: sampler(seed), pruner: null });
    await study.optimize((p, { number }) => fn.f(p, noise[number] ?? 0), { trials: budget, live: false });
    out.push({ seed, trials: study.trials.map((t) => ({ params: t.params, value: t.value as number })) });
  }
  return { wallMs: performance.now() - t0, seeds: out };
}

/** Runs tune_optuna.py; its results per function and sampler, or a note saying why not. */
function runOptuna(fns: BenchFunction[], seeds: number[], budget: number, log: (s: string) => void):
  { version?: string; importMs?: number; results?: Record<string, Record<string, MethodRun>>; note?: string } {
  const { python, note } = throwawayVenv('bench-optuna-venv', ['optuna'], log);
  if (!python) return { note: `Optuna not run: ${note}` };
  const input = JSON.stringify({
    functions: fns.map((f) => ({ name: f.name, space: f.space })), samplers: ['tpe', 'random'], seeds, budget,
    noise: Object.fromEntries(seeds.map((s) => [s, noiseFor(s, budget)])),
  });
  const r = spawnSync(python, [path.join(__dirname, 'python', 'tune_optuna.py')], { input, encoding: 'utf8', timeout: 900_000, maxBuffer: 256 << 20 });
  const line = (r.stdout || '').trim().split('\n').pop() || '';
  if (r.status !== 0 || !line.startsWith('{')) {
    return { note: `Optuna run failed (exit ${r.status ?? r.signal}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  }
  const j = JSON.parse(line) as { optuna: string; importMs: number; results: Record<string, Record<string, MethodRun>> };
  return { version: j.optuna, importMs: j.importMs, results: j.results };
}

/** Runs the section; prints a report unless `json`. */
export async function run(opts: TuneBenchOptions = {}): Promise<Record<string, unknown>> {
  const S = Number(opts.tuneSeeds ?? 10), budget = Number(opts.tuneBudget ?? 50);
  const seeds = Array.from({ length: S }, (_, i) => i);
  const names = typeof opts.tuneFunctions === 'string' ? opts.tuneFunctions.split(',') : FUNCTIONS.map((f) => f.name);
  const unknown = names.filter((n) => !FUNCTIONS.some((f) => f.name === n));
  if (unknown.length) throw new Error(`Unknown --tune-functions ${unknown.join(', ')}; expected some of ${FUNCTIONS.map((f) => f.name).join(', ')}.`);
  const fns = FUNCTIONS.filter((f) => names.includes(f.name));
  const log = (s: string): void => { if (!opts.json) process.stderr.write(`[tune] ${s}\n`); };
  const t0 = performance.now();

  const optuna = runOptuna(fns, seeds, budget, log);
  if (optuna.note) log(optuna.note);
  const rows: Row[] = [];
  for (const fn of fns) {
    log(`${fn.name}: ganbook bayesOpt and random, ${S} seeds x ${budget} evaluations...`);
    const runs: Partial<Record<(typeof METHODS)[number], MethodRun>> = {
      'ganbook bayesOpt': await runGanbook(fn, (seed) => bayesOpt({ seed }), seeds, budget),
      'ganbook random': await runGanbook(fn, (seed) => randomSearch({ seed }), seeds, budget),
      'optuna TPE': optuna.results?.[fn.name]?.tpe,
      'optuna random': optuna.results?.[fn.name]?.random,
    };
    for (const m of METHODS) if (runs[m]) rows.push(summarize(fn, m, runs[m]!, budget));
  }
  const result = {
    seeds, budget, optuna: optuna.version ?? null, optunaImportMs: optuna.importMs ?? null,
    functions: fns.map((f) => ({ name: f.name, space: f.space, optimum: f.optimum, target: f.target, best: f.best, noisy: f.noisy })),
    rows, totalSeconds: +((performance.now() - t0) / 1000).toFixed(1), notes: optuna.note ? [optuna.note] : [],
  };
  if (!opts.json) {
    console.log(`\nSearch quality on lib/tune's test functions: seeds 0..${S - 1}, ${budget} evaluations each (Optuna ${optuna.version ?? 'not run'})`);
    for (const f of fns) console.log(`  ${f.name}: target ${f.target}; best = ${f.best}; optimum ${f.optimum.value}`);
    console.log(formatTable(rows, budget));
    console.log(`evals to target: median over seeds (a miss counts as >${budget}); wall s: all seeds, this machine; section ${result.totalSeconds} s`);
    for (const n of result.notes) console.log(`note: ${n}`);
  }
  return result;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const val = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const num = (flag: string) => (val(flag) === undefined ? undefined : Number(val(flag)));
  run({ json: argv.includes('--json'), tuneSeeds: num('--tune-seeds'), tuneBudget: num('--tune-budget'), tuneFunctions: val('--tune-functions') })
    .then((r) => { if (argv.includes('--json')) console.log(JSON.stringify(r)); })
    .catch((e) => { console.error(e); process.exit(1); });
}
