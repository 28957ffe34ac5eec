import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../lib/backend';
import { gradientPenalty, nonSaturatingLoss, wassersteinLoss } from '../../lib/train/losses';
import { mixSeed, shuffledIndices } from '../../lib/train/rng';
import { costLedger } from '../../lib/train/ledger';

const v = (t: Tensor) => { const x = t.dataSync()[0]; t.dispose(); return x; };

describe('losses', () => {
  it('non-saturating BCE on logits, with one-sided label smoothing', () => {
    const zero = tf.zeros([4, 1]), two = tf.fill([4, 1], 2);
    expect(v(nonSaturatingLoss().discriminator(zero, zero))).toBeCloseTo(2 * Math.LN2, 5);
    expect(v(nonSaturatingLoss().generator(zero))).toBeCloseTo(Math.LN2, 5);
    const sp = (x: number) => Math.log1p(Math.exp(-x)); // BCE(1, x) = softplus(-x)
    // real logits 2, fake logits 2: BCE(0.9, 2) + BCE(0, 2)
    const want = 0.9 * sp(2) + 0.1 * (2 + sp(2)) + (2 + sp(2));
    expect(v(nonSaturatingLoss({ labelSmoothing: 0.1 }).discriminator(two, two))).toBeCloseTo(want, 5);
    expect(() => nonSaturatingLoss({ labelSmoothing: -0.1 })).toThrow(/labelSmoothing/);
    zero.dispose(); two.dispose();
  });

  it('Wasserstein losses and the gradient penalty of a linear critic', () => {
    const real = tf.tensor2d([[1], [3]]), fake = tf.tensor2d([[0], [2]]);
    expect(v(wassersteinLoss().discriminator(real, fake))).toBeCloseTo(1 - 2, 6);
    expect(v(wassersteinLoss().generator(fake))).toBeCloseTo(-1, 6);
    // D(x) = sum(w * x): its input gradient is w everywhere, so GP = (|w| - 1)^2.
    for (const [w, gp] of [[0.5, 0], [1, 1], [0.25, 0.25]]) {
      const critic = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 1, useBias: false, kernelInitializer: tf.initializers.constant({ value: w }) })] });
      const x = tf.randomUniform([3, 2, 2, 1], -1, 1, 'float32', 1), y = tf.randomUniform([3, 2, 2, 1], -1, 1, 'float32', 2);
      expect(v(gradientPenalty(critic, x, y, { seed: 3 }))).toBeCloseTo(gp, 4);
      x.dispose(); y.dispose(); critic.dispose();
    }
  });
});

describe('rng and ledger', () => {
  it('seeded permutations are permutations and repeat per seed', () => {
    const p = shuffledIndices(10, mixSeed(1, 2));
    expect([...p].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(shuffledIndices(10, mixSeed(1, 2))).toEqual(p);
    expect(shuffledIndices(10, mixSeed(1, 3))).not.toEqual(p);
  });

  it('cost ledger arithmetic', () => {
    const l = costLedger({ wallSeconds: 36, steps: 200, imagesSeen: 12800, flopsPerStep: 11e9, pricePerHour: 0.5 });
    expect(l.totalFlops).toBe(2.2e12);
    expect(l.gflopsPerSecond).toBeCloseTo(2200 / 36, 6);
    expect(l.msPerStep).toBe(180);
    expect(l.estimatedCost).toBeCloseTo(0.005, 10);
    expect(() => costLedger({ wallSeconds: 1, steps: 1, imagesSeen: 1, flopsPerStep: 1, pricePerHour: -1 })).toThrow(/pricePerHour/);
  });
});
