import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../lib/backend';
import { gradientPenaltyOf, hinge, leastSquares, nonSaturating, objectiveFor, objectiveNames, r1PenaltyOf, tfjsOps, wassersteinGp, type LossOps } from '../../lib/train/objectives';
import { Tape, type Val } from '../../lib/train/engine/tape';
import { tapeOps } from '../../lib/train/engine/native-step';
import { nativeOps } from '../../lib/train/fast-ops';
import { mixSeed, shuffledIndices } from '../../lib/train/rng';
import { costLedger } from '../../lib/train/ledger';

const v = (t: Tensor) => { const x = t.dataSync()[0]; t.dispose(); return x; };

describe('objectives (same numbers on tfjs and on the native tape)', () => {
  const tape = new Tape(nativeOps());
  const impls = [
    { name: 'tfjs', o: tfjsOps as LossOps<unknown>, wrap: (t: Tensor) => t as unknown, read: (x: unknown) => v(x as Tensor) },
    { name: 'tape', o: tapeOps(tape) as LossOps<unknown>, wrap: (t: Tensor) => tape.leaf(t) as unknown, read: (x: unknown) => (x as Val).t.dataSync()[0] },
  ];
  const sp = (x: number) => Math.log1p(Math.exp(-x)); // BCE(1, x) = softplus(-x)
  for (const { name, o, wrap, read } of impls) {
    it(`${name}: non-saturating BCE on logits, with one-sided label smoothing`, () => {
      const zero = wrap(tf.zeros([4, 1])), two = wrap(tf.fill([4, 1], 2));
      expect(read(nonSaturating().discriminatorLoss(o, zero, zero))).toBeCloseTo(2 * Math.LN2, 5);
      expect(read(nonSaturating().generatorLoss(o, zero))).toBeCloseTo(Math.LN2, 5);
      // real logits 2, fake logits 2: BCE(0.9, 2) + BCE(0, 2)
      const want = 0.9 * sp(2) + 0.1 * (2 + sp(2)) + (2 + sp(2));
      expect(read(nonSaturating({ labelSmoothing: 0.1 }).discriminatorLoss(o, two, two))).toBeCloseTo(want, 5);
    });

    it(`${name}: hinge, least-squares and Wasserstein values`, () => {
      const real = wrap(tf.tensor2d([[1], [3]])), fake = wrap(tf.tensor2d([[0], [-2]]));
      // hinge: mean(relu(1 - [1, 3])) + mean(relu(1 + [0, -2])) = 0 + 0.5; G: -mean(fake) = 1
      expect(read(hinge().discriminatorLoss(o, real, fake))).toBeCloseTo(0.5, 6);
      expect(read(hinge().generatorLoss(o, fake))).toBeCloseTo(1, 6);
      // LSGAN: 0.5·(mean([0, 4]) + mean([0, 4])) = 2; G: 0.5·mean([1, 9]) = 2.5
      expect(read(leastSquares().discriminatorLoss(o, real, fake))).toBeCloseTo(2, 6);
      expect(read(leastSquares().generatorLoss(o, fake))).toBeCloseTo(2.5, 6);
      expect(read(wassersteinGp().discriminatorLoss(o, real, fake))).toBeCloseTo(-1 - 2, 6);
      expect(read(wassersteinGp().generatorLoss(o, fake))).toBeCloseTo(1, 6);
    });

    it(`${name}: gradient penalty and R1 of a linear critic`, () => {
      // D(x) = sum(w * x): its input gradient is w everywhere, so GP = (2|w| - 1)² for 4 pixels and R1 = 4w².
      for (const [w, gp] of [[0.5, 0], [1, 1], [0.25, 0.25]]) {
        const W = wrap(tf.fill([4, 1], w));
        const critic = (x: unknown) => (name === 'tfjs'
          ? tf.matMul(tf.reshape(x as Tensor, [-1, 4]), W as Tensor) as unknown
          : tape.matMul(tape.reshape(x as Val, [(x as Val).shape[0], 4]), W as Val) as unknown);
        const x = wrap(tf.randomUniform([3, 2, 2, 1], -1, 1, 'float32', 1)), y = wrap(tf.randomUniform([3, 2, 2, 1], -1, 1, 'float32', 2));
        expect(read(gradientPenaltyOf(10).value(o, critic, x, y, 3))).toBeCloseTo(gp, 4);
        expect(read(r1PenaltyOf(10).value(o, critic, x, y, 3))).toBeCloseTo(4 * w * w, 4);
      }
    });
  }

  it('registry: names, defaults carried by each objective, and errors naming the fix', () => {
    expect(objectiveNames()).toEqual(expect.arrayContaining(['nonsaturating', 'hinge', 'least-squares', 'wgan-gp']));
    expect(objectiveFor('wgan-gp').defaults).toEqual({ lrG: 1e-4, lrD: 1e-4, beta1: 0, beta2: 0.9, nCritic: 5 });
    expect(objectiveFor('wgan-gp', { gpWeight: 5 }).penalty?.weight).toBe(5);
    expect(objectiveFor('nonsaturating', { r1Gamma: 10 }).penalty).toMatchObject({ name: 'R1', weight: 5 });
    expect(() => objectiveFor('hinged')).toThrow(/Unknown objective .*"hinged".*'hinge'/);
    expect(() => nonSaturating({ labelSmoothing: -0.1 })).toThrow(/labelSmoothing/);
    expect(() => hinge({ labelSmoothing: 0.1 })).toThrow(/labelSmoothing only with the non-saturating/);
    expect(() => nonSaturating({ gpWeight: 10, r1Gamma: 10 })).toThrow(/one critic penalty/);
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
