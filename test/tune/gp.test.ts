import { describe, expect, it } from 'vitest';
import { GaussianProcess, logMarginalLikelihood, matern52 } from '../../lib/tune/gp';
import { nelderMead } from '../../lib/tune/optimize';
import { rngFor } from '../../lib/tune/random';
import { logExpectedImprovement } from '../../lib/tune/samplers';

describe('GaussianProcess', () => {
  const X = [[0.05, 0.9], [0.3, 0.2], [0.5, 0.5], [0.8, 0.1], [0.95, 0.7], [0.2, 0.6]];
  const y = X.map(([a, b]) => Math.sin(6 * a) + (b - 0.4) ** 2);

  it('interpolates noiseless data: mean = y and variance ≈ 0 at the training points', () => {
    const gp = new GaussianProcess(X, y, { lengthScales: [0.3, 0.5], signalVariance: 1, noiseVariance: 1e-10 });
    const { mean, variance } = gp.predict(X);
    mean.forEach((m, i) => expect(m).toBeCloseTo(y[i], 6));
    variance.forEach((v) => expect(v).toBeLessThan(1e-6));
    // far from the data: back to the prior
    const far = gp.predict([[50, 50]]);
    expect(far.mean[0]).toBeCloseTo(0, 10);
    expect(far.variance[0]).toBeCloseTo(1, 10);
    // between data: uncertain
    expect(gp.predict([[0.65, 0.95]]).variance[0]).toBeGreaterThan(0.05);
  });

  it('matches a hand-computed log marginal likelihood (two points, Matérn 5/2)', () => {
    // k(0,1) with ℓ = 1, σ_f² = 1: (1 + √5 + 5/3) e^{-√5}
    const k = (1 + Math.sqrt(5) + 5 / 3) * Math.exp(-Math.sqrt(5));
    expect(matern52(1, 1)).toBeCloseTo(k, 14);
    expect(k).toBeCloseTo(0.5239941, 6);
    // K = [[1.1, k], [k, 1.1]], y = (1, -1): yᵀK⁻¹y = 2(1.1 + k)/(1.21 - k²), log|K| = log(1.21 - k²)
    const det = 1.21 - k * k;
    const expected = -0.5 * (2 * (1.1 + k)) / det - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
    const h = { lengthScales: [1], signalVariance: 1, noiseVariance: 0.1 };
    expect(logMarginalLikelihood([[0], [1]], [1, -1], h)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(-3.540596, 5); // = -1.736080 + 0.033376 - 1.837877
    expect(new GaussianProcess([[0], [1]], [1, -1], h).logMarginalLikelihood).toBeCloseTo(expected, 12);
  });

  it('fits hyperparameters by marginal likelihood (better than a default guess, irrelevant input gets a long length scale)', () => {
    const rng = rngFor(0, 'data');
    const Xs = Array.from({ length: 25 }, () => [rng.next(), rng.next()]);
    const ys = Xs.map(([a]) => Math.sin(8 * a)); // second input is irrelevant
    const gp = GaussianProcess.fit(Xs, ys, { rng: rngFor(0, 'fit') });
    const guess = logMarginalLikelihood(Xs, ys, { lengthScales: [0.3, 0.3], signalVariance: 1, noiseVariance: 1e-3 });
    expect(gp.logMarginalLikelihood).toBeGreaterThan(guess);
    expect(gp.hyper.lengthScales[1]).toBeGreaterThan(3 * gp.hyper.lengthScales[0]);
    const test = [[0.33, 0.5], [0.71, 0.1]];
    gp.predict(test).mean.forEach((m, i) => expect(m).toBeCloseTo(Math.sin(8 * test[i][0]), 1));
  });

  it('survives duplicate inputs (jitter) and rejects non-finite targets', () => {
    const gp = new GaussianProcess([[0.5], [0.5], [0.2]], [1, 1, 0], { lengthScales: [0.3], signalVariance: 1, noiseVariance: 0 });
    expect(gp.jitter).toBeGreaterThan(0);
    expect(gp.predict([[0.5]]).mean[0]).toBeCloseTo(1, 3);
    expect(() => new GaussianProcess([[0]], [NaN], { lengthScales: [1], signalVariance: 1, noiseVariance: 0 })).toThrow(/GP targets must be finite/);
  });
});

describe('acquisition and inner optimiser', () => {
  it('expected improvement: closed form at z = 0 and stable in the far tail', () => {
    expect(Math.exp(logExpectedImprovement(0, 1, 0))).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 6);
    // EI(μ=0, σ=1, best=1) = φ(1) + 1·Φ(1)
    expect(Math.exp(logExpectedImprovement(0, 1, 1))).toBeCloseTo(0.2419707 + 0.8413447, 5);
    const far = logExpectedImprovement(40, 1, 0);
    expect(Number.isFinite(far)).toBe(true);
    expect(far).toBeLessThan(logExpectedImprovement(30, 1, 0));
  });

  it('Nelder–Mead finds the Rosenbrock minimum', () => {
    const r = nelderMead(([a, b]) => (1 - a) ** 2 + 100 * (b - a * a) ** 2, [-1.2, 1], { maxEvals: 2000, tol: 1e-14 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });
});
