import { describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { featureStatistics, frechetDistance, polynomialMmd2, sqrtmPsd, traceSqrtProduct } from '../../lib/metrics/linalg';
import { precisionRecallFeatures } from '../../lib/metrics/neighbours';
import { f32, reference } from './reference';

interface FidCase { n1: number; n2: number; d: number; x: string; y: string; fid: number }
interface KidCase { n1: number; n2: number; d: number; x: string; y: string; kid: number }
interface PrCase { n1: number; n2: number; d: number; k: number; real: string; fake: string; precision: number; recall: number }
const ref = reference<{ fid: FidCase[]; kid: KidCase[]; precisionRecall: PrCase[] }>('distribution');

describe('Fréchet distance (ml-matrix eigendecompositions)', () => {
  it('closed form for diagonal covariances: |mu1-mu2|² + Σ(s1 + s2 - 2 sqrt(s1 s2))', () => {
    const s1 = [0.5, 2, 3, 0.1], s2 = [1.5, 0.2, 3, 4];
    const d = 4;
    const diag = (s: number[]) => { const m = new Array(d * d).fill(0); s.forEach((v, i) => { m[i * d + i] = v; }); return m; };
    const mu1 = [0, 1, 2, 3], mu2 = [1, 1, 0, 3];
    const expected = 1 + 4 + s1.reduce((acc, v, i) => acc + v + s2[i] - 2 * Math.sqrt(v * s2[i]), 0);
    expect(frechetDistance(mu1, diag(s1), mu2, diag(s2))).toBeCloseTo(expected, 10);
  });

  it('closed form for commuting (co-diagonalised) full covariances: rotate the diagonal case', () => {
    const c = Math.cos(0.7), s = Math.sin(0.7);
    const R = [[c, -s], [s, c]];
    const rot = (dg: number[]) => { // R diag R^T
      const m = [0, 0, 0, 0];
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) m[i * 2 + j] = R[i][0] * dg[0] * R[j][0] + R[i][1] * dg[1] * R[j][1];
      return m;
    };
    const expected = (2 - Math.sqrt(2)) ** 2 + (2 - 0.5) ** 2 + (9 + 4 - 2 * 6) + (0.25 + 1 - 2 * 0.5); // eigenvalues 9 vs 4 and 0.25 vs 1
    const mu1 = [0, 0], mu2 = [2 - Math.sqrt(2), 1.5];
    expect(frechetDistance(mu1, rot([9, 0.25]), mu2, rot([4, 1]))).toBeCloseTo(expected, 10);
  });

  it('FID(A, A) = 0 for the same statistics', () => {
    const c = ref.fid[0];
    const st = featureStatistics(f32(c.x), c.n1, c.d);
    expect(frechetDistance(st.mean, st.cov, st.mean, st.cov)).toBeLessThan(1e-9);
  });

  it('sqrtm of a PSD matrix squares back to it', () => {
    const c = ref.fid[1];
    const { cov } = featureStatistics(f32(c.x), c.n1, c.d);
    const r = sqrtmPsd(cov, c.d);
    for (let i = 0; i < c.d; i++) {
      for (let j = 0; j < c.d; j++) {
        let v = 0;
        for (let k = 0; k < c.d; k++) v += r[i * c.d + k] * r[k * c.d + j];
        expect(v).toBeCloseTo(cov[i * c.d + j], 9);
      }
    }
    expect(traceSqrtProduct(cov, cov, c.d)).toBeCloseTo(cov.filter((_, i) => i % (c.d + 1) === 0).reduce((a, b) => a + b, 0), 9);
  });

  for (const c of ref.fid) {
    it(`matches the scipy.linalg.sqrtm-based FID (n ${c.n1}/${c.n2}, d ${c.d}): ${c.fid.toFixed(6)}`, () => {
      const a = featureStatistics(f32(c.x), c.n1, c.d);
      const b = featureStatistics(f32(c.y), c.n2, c.d);
      expect(Math.abs(frechetDistance(a.mean, a.cov, b.mean, b.cov) - c.fid)).toBeLessThan(1e-8 * Math.max(1, c.fid));
    });
  }

  it('rejects too few samples, shape mismatch and NaN with clear errors', () => {
    expect(() => featureStatistics([1, 2, 3], 1, 3)).toThrow(/covariance needs at least 2 samples; got 1/);
    expect(() => featureStatistics([1, 2, 3], 2, 2)).toThrow(/Expected 2x2 = 4 feature values; got 3/);
    expect(() => featureStatistics([1, NaN, 3, 4], 2, 2)).toThrow(/contains NaN at index 1/);
    expect(() => frechetDistance([0, 0], [1, 0, 0, 1], [0], [1])).toThrow(/shape mismatch/);
  });
});

describe('polynomial-kernel MMD² (KID estimator)', () => {
  for (const c of ref.kid) {
    it(`matches the numpy unbiased estimator (n ${c.n1}/${c.n2}, d ${c.d}): ${c.kid.toFixed(8)}`, () => {
      expect(polynomialMmd2(f32(c.x), c.n1, f32(c.y), c.n2, c.d)).toBeCloseTo(c.kid, 9);
    });
  }
  it('rejects a single sample', () => {
    expect(() => polynomialMmd2([1, 2], 1, [1, 2, 3, 4], 2, 2)).toThrow(/at least 2 samples per set; got 1 and 2/);
  });
});

describe('k-NN precision/recall (Kynkäänniemi et al.)', () => {
  for (const c of ref.precisionRecall) {
    it(`matches the numpy reference (k ${c.k}): precision ${c.precision.toFixed(4)}, recall ${c.recall.toFixed(4)}`, () => {
      const before = tf.memory().numTensors;
      const pr = precisionRecallFeatures({ data: f32(c.real), n: c.n1, d: c.d }, { data: f32(c.fake), n: c.n2, d: c.d }, c.k);
      expect(pr.precision).toBeCloseTo(c.precision, 12);
      expect(pr.recall).toBeCloseTo(c.recall, 12);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('identical sets: precision = recall = 1; too few samples for k rejected', () => {
    const c = ref.precisionRecall[0];
    const r = { data: f32(c.real), n: c.n1, d: c.d };
    expect(precisionRecallFeatures(r, r, 3)).toEqual({ precision: 1, recall: 1 });
    expect(() => precisionRecallFeatures({ data: r.data.subarray(0, 3 * c.d), n: 3, d: c.d }, r, 3)).toThrow(/k=3 needs more than 3 samples; got 3/);
  });
});
