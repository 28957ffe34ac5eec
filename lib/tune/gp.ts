/**
 * A Gaussian-process regressor for Bayesian optimisation: zero mean, Matérn 5/2 kernel with
 * one length scale per input (ARD), Gaussian noise. Hyperparameters (length scales, signal
 * variance, noise variance) are fitted by maximising the log marginal likelihood with
 * multi-start Nelder–Mead on their logarithms, inside bounds suited to inputs in [0, 1] and
 * standardised outputs. Factorisation through ml-matrix's `CholeskyDecomposition`, with
 * growing jitter when the kernel matrix is not numerically positive definite.
 *
 * @example
 * ```ts
 * const X = [[0.1], [0.4], [0.9]], y = [1, -0.5, 0.3];
 * const gp = GaussianProcess.fit(X, y, { rng: rngFor(0, 'gp') });
 * gp.predict([[0.5]]);            // { mean: [..], variance: [..] }
 * gp.logMarginalLikelihood;       // the maximised value
 * ```
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import type { Rng } from './random';
import { nelderMead } from './optimize';

/** Kernel and noise hyperparameters. */
export interface GpHyper {
  /** One length scale per input dimension. */
  lengthScales: number[];
  /** Kernel amplitude σ_f² (prior variance of f). */
  signalVariance: number;
  /** Observation noise variance σ_n². */
  noiseVariance: number;
}

/** Bounds (natural units) for hyperparameter fitting. */
export interface GpBounds {
  lengthScale: [number, number];
  signalVariance: [number, number];
  noiseVariance: [number, number];
}

/** Defaults for inputs in the unit cube and standardised outputs. */
export const DEFAULT_GP_BOUNDS: GpBounds = {
  lengthScale: [0.01, 20],
  signalVariance: [0.01, 100],
  noiseVariance: [1e-6, 1],
};

const SQRT5 = Math.sqrt(5);

/**
 * Matérn 5/2 covariance from a scaled distance `r = ‖(x - x')/ℓ‖`:
 * `σ_f² (1 + √5 r + 5r²/3) exp(-√5 r)`.
 *
 * @example
 * ```ts
 * matern52(0, 1); // 1
 * ```
 */
export function matern52(r: number, signalVariance: number): number {
  const s = SQRT5 * r;
  return signalVariance * (1 + s + (s * s) / 3) * Math.exp(-s);
}

function scaledDistance(a: readonly number[], b: readonly number[], ls: readonly number[]): number {
  let r2 = 0;
  for (let k = 0; k < a.length; k++) {
    const d = (a[k] - b[k]) / ls[k];
    r2 += d * d;
  }
  return Math.sqrt(r2);
}

/** Lower Cholesky factor of `K + σ_n² I` (plus jitter if needed), as dense rows. */
interface Factor { L: ArrayLike<number>[]; jitter: number }

function factor(K: number[][], noise: number): Factor {
  const n = K.length;
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += K[i][i] / n;
  let jitter = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const rows = K.map((row, i) => { const r = row.slice(); r[i] += noise + jitter; return r; });
    const chol = new CholeskyDecomposition(new Matrix(rows));
    if (chol.isPositiveDefinite()) {
      const L = chol.lowerTriangularMatrix.to2DArray();
      let ok = true;
      for (let i = 0; i < n && ok; i++) ok = L[i][i] > 1e-150 && Number.isFinite(L[i][i]);
      if (ok) return { L, jitter };
    }
    jitter = jitter === 0 ? 1e-10 * Math.max(meanDiag, 1e-12) : jitter * 100;
  }
  throw new Error(`Kernel matrix (${n}x${n}) is not positive definite even with jitter ${jitter}; check the inputs for NaN or duplicate points with huge values.`);
}

/** Solves `L v = b` (forward substitution). */
function forward(L: ArrayLike<number>[], b: ArrayLike<number>): Float64Array {
  const n = L.length;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    const Li = L[i];
    for (let k = 0; k < i; k++) s -= Li[k] * v[k];
    v[i] = s / Li[i];
  }
  return v;
}

/** Solves `Lᵀ x = v` (back substitution). */
function backward(L: ArrayLike<number>[], v: Float64Array): Float64Array {
  const n = L.length;
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = v[i];
    for (let k = i + 1; k < n; k++) s -= L[k][i] * x[k];
    x[i] = s / L[i][i];
  }
  return x;
}

function kernelMatrix(X: readonly number[][], h: GpHyper): number[][] {
  const n = X.length;
  const K = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    K[i][i] = h.signalVariance;
    for (let j = 0; j < i; j++) K[i][j] = K[j][i] = matern52(scaledDistance(X[i], X[j], h.lengthScales), h.signalVariance);
  }
  return K;
}

/**
 * Log marginal likelihood `log p(y | X, θ) = -½ yᵀK⁻¹y - ½ log|K| - n/2 log 2π`
 * with `K = K_f + σ_n² I` (zero prior mean).
 *
 * @example
 * ```ts
 * logMarginalLikelihood([[0]], [1], { lengthScales: [1], signalVariance: 1, noiseVariance: 0 });
 * // -0.5 - 0.5 * Math.log(2 * Math.PI)
 * ```
 */
export function logMarginalLikelihood(X: readonly number[][], y: readonly number[], h: GpHyper): number {
  const { L } = factor(kernelMatrix(X, h), h.noiseVariance);
  return lmlFromFactor(L, y);
}

function lmlFromFactor(L: ArrayLike<number>[], y: readonly number[]): number {
  const v = forward(L, y);
  let quad = 0, logDet = 0;
  for (let i = 0; i < v.length; i++) { quad += v[i] * v[i]; logDet += Math.log(L[i][i]); }
  return -0.5 * quad - logDet - 0.5 * y.length * Math.log(2 * Math.PI);
}

export interface GpFitOptions {
  /** Random starts for the optimiser. */
  rng: Rng;
  /** Nelder–Mead restarts besides the default (and `init`) start (default 2). */
  restarts?: number;
  /** Objective evaluations per start (default 30 per hyperparameter, at least 100). */
  maxEvals?: number;
  /** A start to try first (e.g. the previous fit: warm start). */
  init?: GpHyper;
  bounds?: Partial<GpBounds>;
}

/** A GP conditioned on data with fixed hyperparameters; {@link GaussianProcess.fit} chooses them. */
export class GaussianProcess {
  readonly X: number[][];
  readonly y: number[];
  readonly hyper: GpHyper;
  /** Jitter added to the diagonal beyond the noise variance (0 unless the factorisation needed it). */
  readonly jitter: number;
  /** Log marginal likelihood of the data under these hyperparameters. */
  readonly logMarginalLikelihood: number;
  private readonly L: ArrayLike<number>[];
  private readonly alpha: Float64Array;

  constructor(X: readonly number[][], y: readonly number[], hyper: GpHyper) {
    if (X.length !== y.length) throw new Error(`Expected as many targets as inputs, got ${X.length} inputs and ${y.length} targets.`);
    if (X.length === 0) throw new Error('Expected at least one observation to condition the GP on, got none.');
    const d = X[0].length;
    if (hyper.lengthScales.length !== d) throw new Error(`Expected ${d} length scales (one per input dimension), got ${hyper.lengthScales.length}.`);
    if (y.some((v) => !Number.isFinite(v))) throw new Error(`GP targets must be finite, got ${JSON.stringify(y.filter((v) => !Number.isFinite(v)).slice(0, 3))}; impute or drop failed trials first.`);
    this.X = X.map((r) => r.slice());
    this.y = y.slice();
    this.hyper = { lengthScales: hyper.lengthScales.slice(), signalVariance: hyper.signalVariance, noiseVariance: hyper.noiseVariance };
    const f = factor(kernelMatrix(this.X, this.hyper), this.hyper.noiseVariance);
    this.L = f.L;
    this.jitter = f.jitter;
    this.alpha = backward(this.L, forward(this.L, this.y));
    this.logMarginalLikelihood = lmlFromFactor(this.L, this.y);
  }

  /**
   * Posterior mean and variance of the latent function `f` (noise excluded) at `Xs`.
   */
  predict(Xs: readonly number[][]): { mean: number[]; variance: number[] } {
    const n = this.X.length;
    const mean: number[] = [], variance: number[] = [];
    const k = new Float64Array(n);
    const { lengthScales, signalVariance } = this.hyper;
    for (const x of Xs) {
      let m = 0;
      for (let i = 0; i < n; i++) {
        k[i] = matern52(scaledDistance(x, this.X[i], lengthScales), signalVariance);
        m += k[i] * this.alpha[i];
      }
      const v = forward(this.L, k);
      let vv = 0;
      for (let i = 0; i < n; i++) vv += v[i] * v[i];
      mean.push(m);
      variance.push(Math.max(signalVariance - vv, 0));
    }
    return { mean, variance };
  }

  /**
   * Fits hyperparameters by maximising the log marginal likelihood (multi-start Nelder–Mead
   * on log-parameters within bounds) and returns the conditioned GP.
   */
  static fit(X: readonly number[][], y: readonly number[], opts: GpFitOptions): GaussianProcess {
    const d = X[0]?.length ?? 0;
    const b: GpBounds = { ...DEFAULT_GP_BOUNDS, ...opts.bounds };
    const lo = [...new Array<number>(d).fill(Math.log(b.lengthScale[0])), Math.log(b.signalVariance[0]), Math.log(b.noiseVariance[0])];
    const hi = [...new Array<number>(d).fill(Math.log(b.lengthScale[1])), Math.log(b.signalVariance[1]), Math.log(b.noiseVariance[1])];
    const toHyper = (t: readonly number[]): GpHyper => ({
      lengthScales: t.slice(0, d).map(Math.exp), signalVariance: Math.exp(t[d]), noiseVariance: Math.exp(t[d + 1]),
    });
    const fromHyper = (h: GpHyper): number[] => [...h.lengthScales.map(Math.log), Math.log(h.signalVariance), Math.log(h.noiseVariance)];
    const inBox = (t: readonly number[]): number[] => t.map((v, i) => Math.min(hi[i], Math.max(lo[i], v)));

    // Squared differences per dimension, computed once.
    const n = X.length;
    const diff2: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const row = new Float64Array(i * d);
      for (let j = 0; j < i; j++) for (let k = 0; k < d; k++) { const t = X[i][k] - X[j][k]; row[j * d + k] = t * t; }
      diff2.push(row);
    }
    const negLml = (t: readonly number[]): number => {
      const c = inBox(t);
      let penalty = 0;
      for (let i = 0; i < t.length; i++) penalty += (t[i] - c[i]) ** 2;
      const inv = c.slice(0, d).map((v) => Math.exp(-2 * v));
      const sf2 = Math.exp(c[d]);
      const K = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      for (let i = 0; i < n; i++) {
        K[i][i] = sf2;
        const row = diff2[i];
        for (let j = 0; j < i; j++) {
          let r2 = 0;
          for (let k = 0; k < d; k++) r2 += row[j * d + k] * inv[k];
          K[i][j] = K[j][i] = matern52(Math.sqrt(r2), sf2);
        }
      }
      try {
        const { L } = factor(K, Math.exp(c[d + 1]));
        return -lmlFromFactor(L, y) + 1e3 * penalty;
      } catch {
        return 1e10 + penalty;
      }
    };

    // Data-informed default: length scales ~0.3 of the cube, unit signal, small noise.
    const starts: number[][] = [];
    if (opts.init) starts.push(inBox(fromHyper(opts.init)));
    starts.push(inBox([...new Array<number>(d).fill(Math.log(0.3)), 0, Math.log(1e-3)]));
    for (let r = 0; r < (opts.restarts ?? 2); r++) starts.push(lo.map((l, i) => opts.rng.uniform(l, hi[i])));
    const maxEvals = opts.maxEvals ?? Math.max(100, 30 * (d + 2));
    let best: { x: number[]; f: number } | null = null;
    for (const s of starts) {
      const r = nelderMead(negLml, s, { maxEvals, step: 0.5, tol: 1e-6 });
      if (!best || r.f < best.f) best = r;
    }
    return new GaussianProcess(X, y, toHyper(inBox(best!.x)));
  }
}
