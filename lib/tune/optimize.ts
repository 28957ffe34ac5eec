/**
 * Derivative-free minimisation (Nelder–Mead with adaptive coefficients, Gao & Han 2012),
 * used to fit GP hyperparameters on log scale.
 *
 * @example
 * ```ts
 * nelderMead(([x, y]) => (x - 1) ** 2 + (y + 2) ** 2, [0, 0]).x; // ≈ [1, -2]
 * ```
 */
export interface NelderMeadOptions {
  /** Maximum objective evaluations (default 200 · dimension). */
  maxEvals?: number;
  /** Initial simplex edge (default 0.1, or 5% of |x0_i| when larger). */
  step?: number;
  /** Stop when the spread of objective values in the simplex falls below this (default 1e-8). */
  tol?: number;
}

export function nelderMead(f: (x: number[]) => number, x0: readonly number[], opts: NelderMeadOptions = {}): { x: number[]; f: number; evals: number } {
  const n = x0.length;
  const maxEvals = opts.maxEvals ?? 200 * n;
  const tol = opts.tol ?? 1e-8;
  const alpha = 1, beta = 1 + 2 / n, gamma = 0.75 - 1 / (2 * n), delta = 1 - 1 / n;
  let evals = 0;
  const F = (x: number[]): number => { evals++; const v = f(x); return Number.isNaN(v) ? Infinity : v; };
  const simplex: { x: number[]; f: number }[] = [{ x: x0.slice(), f: F(x0.slice()) }];
  for (let i = 0; i < n; i++) {
    const x = x0.slice();
    x[i] += Math.max(opts.step ?? 0.1, 0.05 * Math.abs(x[i]));
    simplex.push({ x, f: F(x) });
  }
  while (evals < maxEvals) {
    simplex.sort((a, b) => a.f - b.f);
    if (Math.abs(simplex[n].f - simplex[0].f) <= tol * (Math.abs(simplex[0].f) + tol)) break;
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) c[k] += simplex[i].x[k] / n;
    const worst = simplex[n];
    const at = (t: number): number[] => c.map((ck, k) => ck + t * (worst.x[k] - ck));
    const xr = at(-alpha), fr = F(xr);
    if (fr < simplex[0].f) {
      const xe = at(-alpha * beta), fe = F(xe);
      simplex[n] = fe < fr ? { x: xe, f: fe } : { x: xr, f: fr };
    } else if (fr < simplex[n - 1].f) {
      simplex[n] = { x: xr, f: fr };
    } else {
      const outside = fr < worst.f;
      const xc = outside ? at(-alpha * gamma) : at(gamma), fc = F(xc);
      if (fc < (outside ? fr : worst.f)) simplex[n] = { x: xc, f: fc };
      else {
        for (let i = 1; i <= n; i++) {
          const x = simplex[i].x.map((v, k) => simplex[0].x[k] + delta * (v - simplex[0].x[k]));
          simplex[i] = { x, f: F(x) };
        }
      }
    }
  }
  simplex.sort((a, b) => a.f - b.f);
  return { x: simplex[0].x, f: simplex[0].f, evals };
}
