import { describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { gaussianTaps, msSsim, msSsimDiversity, msSsimEach, mse, psnr, ssim, ssimEach } from '../../lib/metrics/pixel';
import { f32, reference } from './reference';

interface SsimCase { name: string; shape: number[]; dataRange: number; a: string; b: string; ssim: number; mse: number; psnr: number }
interface MsCase { name: string; shape: number[]; dataRange: number; levels: number; a: string; b: string; msSsim: number }
const ref = reference<{ ssim: SsimCase[]; msSsim: MsCase[] }>('pixel');

/** Leak check: runs `fn` and asserts the tensor count is unchanged. */
function noLeak<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('gaussianTaps', () => {
  it('matches scipy.ndimage.gaussian_filter1d taps (sigma 1.5, truncate 3.5: 11 taps)', () => {
    const t = gaussianTaps(1.5);
    expect(t.length).toBe(11);
    expect(t.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    // scipy.ndimage.gaussian_filter1d(unit impulse, 1.5, truncate=3.5)
    expect(t[5]).toBeCloseTo(0.26601172, 7);
    expect(t[0]).toBeCloseTo(0.00102838, 7);
  });
});

describe('ssim, mse, psnr vs scikit-image 0.26', () => {
  for (const c of ref.ssim) {
    it(c.name, () => {
      const [a, b] = [tf.tensor(f32(c.a), c.shape), tf.tensor(f32(c.b), c.shape)];
      noLeak(() => {
        // skimage: structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range)
        expect(Math.abs(ssim(a, b, { dataRange: c.dataRange }) - c.ssim)).toBeLessThan(1e-4);
        expect(mse(a, b)).toBeCloseTo(c.mse, 5);
        expect(Math.abs(psnr(a, b, { dataRange: c.dataRange }) - c.psnr)).toBeLessThan(1e-3);
      });
      tf.dispose([a, b]);
    });
  }

  it('range sets the default data range ([-1,1] → L = 2)', () => {
    const c = ref.ssim.find((x) => x.dataRange === 2)!;
    const [a, b] = [tf.tensor(f32(c.a), c.shape), tf.tensor(f32(c.b), c.shape)];
    expect(Math.abs(ssim(a, b, { range: [-1, 1] }) - c.ssim)).toBeLessThan(1e-4);
    tf.dispose([a, b]);
  });
});

describe('identities', () => {
  it('SSIM(x,x) = 1, MS-SSIM(x,x) = 1, MSE(x,x) = 0, PSNR(x,x) = Infinity', () => {
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7);
    noLeak(() => {
      for (const v of ssimEach(x, x)) expect(v).toBeCloseTo(1, 6);
      expect(msSsim(x, x)).toBeCloseTo(1, 6);
      expect(mse(x, x)).toBe(0);
      expect(psnr(x, x)).toBe(Infinity);
    });
    x.dispose();
  });

  it('batches: ssimEach of a stacked batch equals the per-image values', () => {
    const cs = ref.ssim.filter((c) => c.shape.join() === '24,32');
    const a = tf.stack(cs.map((c) => tf.tensor(f32(c.a), [24, 32, 1])));
    const b = tf.stack(cs.map((c) => tf.tensor(f32(c.b), [24, 32, 1])));
    const per = ssimEach(a, b);
    cs.forEach((c, i) => expect(Math.abs(per[i] - c.ssim)).toBeLessThan(1e-4));
    tf.dispose([a, b]);
  });
});

describe('msSsim vs the numpy reference of its definition', () => {
  for (const c of ref.msSsim) {
    it(c.name, () => {
      const [a, b] = [tf.tensor(f32(c.a), c.shape), tf.tensor(f32(c.b), c.shape)];
      const v = noLeak(() => msSsimEach(a, b, { dataRange: c.dataRange, levels: c.levels })[0]);
      expect(Math.abs(v - c.msSsim)).toBeLessThan(1e-4);
      tf.dispose([a, b]);
    });
  }

  it('diversity: a collapsed batch scores 1, distinct noise images much lower, same seed → same value', () => {
    const one = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 1);
    const collapsed = one.tile([8, 1, 1, 1]);
    const diverse = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 2);
    noLeak(() => {
      expect(msSsimDiversity(collapsed, { pairs: 20 })).toBeCloseTo(1, 5);
      const d1 = msSsimDiversity(diverse, { pairs: 20, seed: 3 });
      expect(d1).toBeLessThan(0.2);
      expect(msSsimDiversity(diverse, { pairs: 20, seed: 3 })).toBe(d1);
    });
    tf.dispose([one, collapsed, diverse]);
  });
});

describe('bad input', () => {
  const a = tf.zeros([2, 16, 16, 1]);
  it('shape mismatch', () => {
    const b = tf.zeros([2, 16, 15, 1]);
    expect(() => ssim(a, b)).toThrow(/shape mismatch, \[2,16,16,1\] vs \[2,16,15,1\]/);
    expect(() => mse(a, b)).toThrow(/shape mismatch/);
    b.dispose();
  });
  it('NaN pixels', () => {
    const b = tf.tensor4d([NaN, ...new Array(511).fill(0)], [2, 16, 16, 1]);
    expect(() => psnr(a, b)).toThrow(/NaN or Inf/);
    expect(() => ssim(b, a)).toThrow(/NaN or Inf/);
    b.dispose();
  });
  it('images smaller than the window, bad data range, too many MS-SSIM levels', () => {
    const s = tf.zeros([1, 8, 8, 1]);
    expect(() => ssim(s, s)).toThrow(/smaller than the 11x11 Gaussian window/);
    expect(() => psnr(a, a, { dataRange: 0 })).toThrow(/dataRange must be a positive number/);
    expect(() => msSsim(a, a, { levels: 4 })).toThrow(/need images of at least 24 px/);
    s.dispose();
  });
  it('leaves no tensors behind when it throws', () => {
    const b = tf.zeros([2, 16, 15, 1]);
    const before = tf.memory().numTensors;
    expect(() => ssim(a, b)).toThrow();
    expect(tf.memory().numTensors).toBe(before);
    b.dispose();
  });
});
