import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../lib/backend';
import { createFastGanStep, referenceGanStep } from '../../lib/train/fast-step';
import { nativeOps } from '../../lib/train/fast-ops';
import { copyWeights, referenceDcgan } from './dcgan-fixture';

const maxAbsDiff = (a: Tensor, b: Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('createFastGanStep (reference DCGAN)', () => {
  it('matches the reference formulation: losses and all weights after k steps', () => {
    const ref = referenceDcgan(1), fst = referenceDcgan(2);
    copyWeights(ref.g, fst.g); copyWeights(ref.d, fst.d);
    const lr = 2e-4, steps = 3, B = 16;
    const opt = { generator: tf.train.adam(lr, 0.5), discriminator: tf.train.adam(lr, 0.5) };
    const fast = createFastGanStep({ generator: fst.g, discriminator: fst.d },
      { generator: tf.train.adam(lr, 0.5), discriminator: tf.train.adam(lr, 0.5) });
    expect(fast.mode).toBe('fast');
    const real = tf.randomUniform([B, 28, 28, 1], -1, 1, 'float32', 3);
    const losses: number[][] = [];
    for (let i = 0; i < steps; i++) {
      const z = tf.randomNormal([B, 100], 0, 1, 'float32', 10 + i);
      const r = referenceGanStep({ generator: ref.g, discriminator: ref.d }, opt, { real, z });
      const f = fast.step({ real, z });
      losses.push([r.dLoss, f.dLoss, r.gLoss, f.gLoss].map((t) => t.dataSync()[0]));
      [z, r.dLoss, r.gLoss, f.dLoss, f.gLoss].forEach((t) => t.dispose());
    }
    for (const [rd, fd, rg, fg] of losses) {
      expect(Math.abs(rd - fd)).toBeLessThan(1e-5);
      expect(Math.abs(rg - fg)).toBeLessThan(1e-5);
    }
    expect(losses[0][0]).toBeGreaterThan(0.5); // a real loss value, not zeros
    // All weights, including batch-norm moving statistics. G's dense and conv biases sit right
    // before a batch norm: their true gradient is 0 and what Adam sees is float round-off noise,
    // normalised to +-lr steps; for those only the Adam bound applies.
    const wr = [...ref.g.getWeights(), ...ref.d.getWeights()], wf = [...fst.g.getWeights(), ...fst.d.getWeights()];
    const preBnBias = new Set([1, 5]);
    wr.forEach((w, i) => {
      const diff = maxAbsDiff(w, wf[i]);
      expect(diff, `weight ${i} ${w.shape}`).toBeLessThan(preBnBias.has(i) ? 2 * lr * steps : 2e-5);
    });
    // The moving statistics did move (so the comparison above is not vacuous).
    expect(maxAbsDiff(wf[3], tf.ones([6272]))).toBeGreaterThan(1e-3);
    real.dispose(); // (getWeights() returns the models' own variables: not disposed here)
    fast.dispose(); opt.generator.dispose(); opt.discriminator.dispose();
    [ref.g, ref.d, fst.g, fst.d].forEach((m) => m.dispose());
  });

  it('keeps the tensor count flat across steps', () => {
    const { g, d } = referenceDcgan(3);
    const fast = createFastGanStep({ generator: g, discriminator: d });
    const real = tf.randomUniform([8, 28, 28, 1], -1, 1);
    const one = () => {
      const z = tf.randomNormal([8, 100]);
      const r = fast.step({ real, z });
      [z, r.dLoss, r.gLoss].forEach((t) => t.dispose());
    };
    one(); one();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) one();
    expect(tf.memory().numTensors).toBe(before);
    fast.dispose(); real.dispose(); g.dispose(); d.dispose();
  });

  it('falls back to the reference formulation, saying why, for unsupported models', () => {
    const { g } = referenceDcgan(4);
    const d = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.layerNormalization(), tf.layers.dense({ units: 1 })] });
    const step = createFastGanStep({ generator: g, discriminator: d });
    expect(step.mode).toBe('reference');
    expect(step.reason).toMatch(/LayerNormalization/);
    const real = tf.randomUniform([4, 28, 28, 1], -1, 1), z = tf.randomNormal([4, 100]);
    const { dLoss, gLoss } = step.step({ real, z });
    expect(Number.isFinite(dLoss.dataSync()[0]) && Number.isFinite(gLoss.dataSync()[0])).toBe(true);
    [real, z, dLoss, gLoss].forEach((t) => t.dispose());
    step.dispose(); g.dispose(); d.dispose();
  });

  it('rejects mismatched batch sizes with a clear message', () => {
    const { g, d } = referenceDcgan(5);
    const fast = createFastGanStep({ generator: g, discriminator: d });
    const real = tf.zeros([4, 28, 28, 1]), z = tf.zeros([3, 100]);
    expect(() => fast.step({ real, z })).toThrow(/same batch size; got 4 and 3/);
    [real, z].forEach((t) => t.dispose());
    fast.dispose(); g.dispose(); d.dispose();
  });
});

describe('nativeOps', () => {
  it('runs TensorFlow kernels tfjs does not expose (LeakyReluGrad, BiasAddGrad)', () => {
    const o = nativeOps();
    const r = tf.tidy(() => {
      const dy = tf.tensor2d([[1, 1], [1, 1]]), x = tf.tensor2d([[-1, 2], [3, -4]]);
      return [o.leakyReluGrad(dy, x, 0.2).arraySync(), o.biasAddGrad(x).arraySync()];
    });
    expect(r[0]).toEqual([[0.2, 1], [1, 0.2]].map((row) => row.map((v) => Math.fround(v))));
    expect(r[1]).toEqual([2, -2]);
    o.dispose();
  });
});
