/**
 * Feature statistics and the Fréchet distance between Gaussians, in float64 on the CPU.
 * The matrix square root goes through ml-matrix's symmetric eigendecomposition.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** Mean and sample covariance (divided by n - 1) of `n` rows of `d` features. */
export interface FeatureStats {
  /** Length `d`. */
  mean: Float64Array;
  /** `d x d`, row-major. */
  cov: Float64Array;
  n: number;
  d: number;
}

function checkFinite(x: ArrayLike<number>, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new Error(`${what} contains ${x[i]} at index ${i}; expected finite numbers (check the generator for NaN/Inf outputs).`);
    }
  }
}

/**
 * Mean and sample covariance (`np.cov(x, rowvar=False)`, i.e. divided by n - 1) of row-major
 * features `[n, d]`. Throws when `n < 2` (no covariance) or on NaN/Inf.
 *
 * @example
 * ```ts
 * const { mean, cov } = featureStatistics(new Float32Array([0, 0, 2, 2]), 2, 2);
 * // mean [1, 1], cov [2, 2, 2, 2]
 * ```
 */
export function featureStatistics(x: ArrayLike<number>, n: number, d: number): FeatureStats {
  if (x.length !== n * d) throw new Error(`Expected ${n}x${d} = ${n * d} feature values; got ${x.length}.`);
  if (n < 2) throw new Error(`A covariance needs at least 2 samples; got ${n}. Pass more images.`);
  checkFinite(x, 'The features');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const off = a * d;
      for (let b = a; b < d; b++) cov[off + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { mean, cov, n, d };
}

function toMatrix(a: ArrayLike<number>, d: number): Matrix {
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m.set(i, j, a[i * d + j]);
  return m;
}

/** Symmetric eigenvalues of a (numerically) symmetric matrix, after symmetrising it. */
function symmetricEigen(m: Matrix): EigenvalueDecomposition {
  const s = m.add(m.transpose()).mul(0.5);
  return new EigenvalueDecomposition(s, { assumeSymmetric: true });
}

/**
 * Square root of a symmetric positive semi-definite matrix via its eigendecomposition
 * (`V diag(sqrt(max(λ, 0))) Vᵀ`), row-major in and out.
 *
 * @example
 * ```ts
 * sqrtmPsd([4, 0, 0, 9], 2); // Float64Array [2, 0, 0, 3]
 * ```
 */
export function sqrtmPsd(a: ArrayLike<number>, d: number): Float64Array {
  return Float64Array.from(sqrtmMatrix(toMatrix(a, d)).to1DArray());
}

function sqrtmMatrix(m: Matrix): Matrix {
  const eig = symmetricEigen(m);
  const v = eig.eigenvectorMatrix;
  const sq = eig.realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0)));
  const vs = v.clone();
  for (let j = 0; j < sq.length; j++) for (let i = 0; i < vs.rows; i++) vs.set(i, j, vs.get(i, j) * sq[j]);
  return vs.mmul(v.transpose());
}

/**
 * `tr(sqrt(S1 S2))` for symmetric PSD `S1`, `S2`: the sum of square roots of the eigenvalues of
 * the symmetric matrix `sqrt(S1) S2 sqrt(S1)` (same spectrum as `S1 S2`), so no non-symmetric
 * square root is needed. Tiny negative eigenvalues from round-off are clamped to 0.
 */
export function traceSqrtProduct(s1: ArrayLike<number>, s2: ArrayLike<number>, d: number): number {
  const r = sqrtmMatrix(toMatrix(s1, d));
  const m = r.mmul(toMatrix(s2, d)).mmul(r);
  return symmetricEigen(m).realEigenvalues.reduce((acc, l) => acc + Math.sqrt(Math.max(l, 0)), 0);
}

/**
 * Fréchet distance between Gaussians `N(mu1, S1)` and `N(mu2, S2)`:
 * `|mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr(sqrt(S1 S2))` (the FID formula).
 *
 * @example
 * ```ts
 * // Diagonal covariances: |mu1-mu2|² + Σ (s1 + s2 - 2 sqrt(s1 s2))
 * frechetDistance([0, 0], [1, 0, 0, 4], [1, 1], [4, 0, 0, 4]); // 2 + 1 + 0 = 3
 * ```
 */
export function frechetDistance(mu1: ArrayLike<number>, s1: ArrayLike<number>, mu2: ArrayLike<number>, s2: ArrayLike<number>): number {
  const d = mu1.length;
  if (mu2.length !== d || s1.length !== d * d || s2.length !== d * d) {
    throw new Error(`Fréchet distance: shape mismatch (mu1 ${mu1.length}, mu2 ${mu2.length}, S1 ${s1.length}, S2 ${s2.length}); expected means of length d and d x d covariances.`);
  }
  checkFinite(mu1, 'mu1'); checkFinite(mu2, 'mu2'); checkFinite(s1, 'S1'); checkFinite(s2, 'S2');
  let diff = 0;
  for (let i = 0; i < d; i++) diff += (mu1[i] - mu2[i]) ** 2;
  let tr = 0;
  for (let i = 0; i < d; i++) tr += s1[i * d + i] + s2[i * d + i];
  const value = diff + tr - 2 * traceSqrtProduct(s1, s2, d);
  // Round-off can make identical distributions come out at -1e-12: report 0, never negative.
  return Math.max(value, 0);
}

/**
 * Unbiased squared MMD with the polynomial kernel `k(x, y) = (xᵀy / d + 1)³` between feature
 * sets `x` `[n, d]` and `y` `[m, d]` (the KID estimator of Bińkowski et al. 2018).
 *
 * @example
 * ```ts
 * polynomialMmd2(x, n, y, m, d); // ≈ 0 when x and y come from the same distribution
 * ```
 */
export function polynomialMmd2(x: ArrayLike<number>, n: number, y: ArrayLike<number>, m: number, d: number): number {
  if (n < 2 || m < 2) throw new Error(`The unbiased MMD estimator needs at least 2 samples per set; got ${n} and ${m}.`);
  if (x.length !== n * d || y.length !== m * d) throw new Error(`Expected ${n}x${d} and ${m}x${d} features; got ${x.length} and ${y.length} values.`);
  const k = (a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number => {
    let dot = 0;
    for (let t = 0; t < d; t++) dot += a[i * d + t] * b[j * d + t];
    return (dot / d + 1) ** 3;
  };
  let kxx = 0, kyy = 0, kxy = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) kxx += k(x, i, x, j);
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) kyy += k(y, i, y, j);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) kxy += k(x, i, y, j);
  return (2 * kxx) / (n * (n - 1)) + (2 * kyy) / (m * (m - 1)) - (2 * kxy) / (n * m);
}
