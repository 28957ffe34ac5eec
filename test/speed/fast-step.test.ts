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

  it('portable mode (tfjs ops, any backend) also matches the reference', () => {
    const ref = referenceDcgan(8), fst = referenceDcgan(9);
    copyWeights(ref.g, fst.g); copyWeights(ref.d, fst.d);
    const adam = () => tf.train.adam(2e-4, 0.5);
    const opt = { generator: adam(), discriminator: adam() };
    const fast = createFastGanStep({ generator: fst.g, discriminator: fst.d }, { generator: adam(), discriminator: adam() }, { portable: true });
    expect(fast.mode).toBe('fast');
    const real = tf.randomUniform([8, 28, 28, 1], -1, 1, 'float32', 3);
    let before = 0;
    for (let i = 0; i < 3; i++) {
      if (i === 1) before = tf.memory().numTensors; // after the optimizers made their slots
      const z = tf.randomNormal([8, 100], 0, 1, 'float32', 20 + i);
      const r = referenceGanStep({ generator: ref.g, discriminator: ref.d }, opt, { real, z }), f = fast.step({ real, z });
      expect(Math.abs(r.dLoss.dataSync()[0] - f.dLoss.dataSync()[0])).toBeLessThan(1e-5);
      expect(Math.abs(r.gLoss.dataSync()[0] - f.gLoss.dataSync()[0])).toBeLessThan(1e-5);
      tf.dispose([z, r.dLoss, r.gLoss, f.dLoss, f.gLoss]);
    }
    expect(tf.memory().numTensors).toBe(before);
    const wr = [...ref.g.getWeights(), ...ref.d.getWeights()], wf = [...fst.g.getWeights(), ...fst.d.getWeights()];
    // 1, 5: G's pre-batch-norm biases (see the first test); 10, 11: G's second BN moving stats
    // (they average the conv bias in).
    const tol = (i: number) => ([1, 5].includes(i) ? 2 * 2e-4 * 3 : [10, 12].includes(i) ? 1e-4 : 2e-5);
    wr.forEach((w, i) => expect(maxAbsDiff(w, wf[i]), `weight ${i} ${w.shape}`).toBeLessThan(tol(i)));
    real.dispose(); fast.dispose(); opt.generator.dispose(); opt.discriminator.dispose();
    [ref.g, ref.d, fst.g, fst.d].forEach((m) => m.dispose());
  });

  it('exports its Adam state into the tfjs optimizers (checkpoints) and resumes from them', async () => {
    const ref = referenceDcgan(6), fst = referenceDcgan(7), cont = referenceDcgan(10);
    copyWeights(ref.g, fst.g); copyWeights(ref.d, fst.d); copyWeights(ref.g, cont.g); copyWeights(ref.d, cont.d);
    const B = 8, adam = () => tf.train.adam(2e-4, 0.5);
    const optR = { generator: adam(), discriminator: adam() }, optF = { generator: adam(), discriminator: adam() };
    const fast = createFastGanStep({ generator: fst.g, discriminator: fst.d }, optF);
    const real = tf.randomUniform([B, 28, 28, 1], -1, 1, 'float32', 5);
    const both = (i: number, f: { step: typeof fast.step }) => {
      const z = tf.randomNormal([B, 100], 0, 1, 'float32', 50 + i);
      const r = referenceGanStep({ generator: ref.g, discriminator: ref.d }, optR, { real, z });
      const q = f.step({ real, z });
      const out = [r.gLoss.dataSync()[0], q.gLoss.dataSync()[0]];
      tf.dispose([z, r.dLoss, r.gLoss, q.dLoss, q.gLoss]);
      return out;
    };
    // An uninterrupted fast step on a third copy: what the resumed one must reproduce.
    const uninterrupted = createFastGanStep({ generator: cont.g, discriminator: cont.d }, { generator: adam(), discriminator: adam() });
    const stepOnly = (i: number) => {
      const z = tf.randomNormal([B, 100], 0, 1, 'float32', 50 + i);
      const q = uninterrupted.step({ real, z });
      tf.dispose([z, q.dLoss, q.gLoss]);
    };
    both(0, fast); both(1, fast); stepOnly(0); stepOnly(1); stepOnly(2);
    await fast.exportToOptimizers();
    for (const which of ['generator', 'discriminator'] as const) {
      const wr = await optR[which].getWeights(), wf = await optF[which].getWeights();
      expect(wf.length).toBe(wr.length);
      expect(wf[0].tensor.dataSync()[0]).toBe(2);
      for (let i = 1; i < wr.length; i++) {
        expect(wf[i].tensor.shape).toEqual(wr[i].tensor.shape);
        // Relative to the slot's scale: Adam's first update is ±lr for every element whatever the
        // gradient's size, so elements whose gradient is at rounding level (e.g. biases before batch
        // norm) take a CPU-dependent sign and the second gradients differ by up to ~2% of the slot's
        // scale (measured on an AMD EPYC). A wrong slot order or layout would differ by ~100%.
        const scale = tf.tidy(() => wr[i].tensor.abs().max().dataSync()[0]);
        expect(maxAbsDiff(wr[i].tensor, wf[i].tensor), `${which} slot ${wr[i].name}`).toBeLessThan(1e-6 + 0.05 * scale);
      }
    }
    // "Checkpoint restore": new optimizers loaded from optF's weights, a new fast step imports them.
    const restored = { generator: adam(), discriminator: adam() };
    for (const which of ['generator', 'discriminator'] as const) {
      await restored[which].setWeights((await optF[which].getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
    }
    const resumed = createFastGanStep({ generator: fst.g, discriminator: fst.d }, restored);
    await resumed.importFromOptimizers();
    expect(resumed.iterations).toBe(2);
    const [rg, fg] = both(2, resumed);
    expect(Math.abs(rg - fg)).toBeLessThan(1e-5);
    // Against the reference only to within Adam's rounding-sign effect (see above); against the
    // uninterrupted fast step to within rounding: a resume that lost or misplaced the moments would
    // move every weight by ~lr (2e-4).
    const wr = ref.d.getWeights(), wf = fst.d.getWeights(), wc = cont.d.getWeights();
    wr.forEach((w, i) => expect(maxAbsDiff(w, wf[i]), `D weight ${i} vs reference`).toBeLessThan(2e-4));
    wc.forEach((w, i) => expect(maxAbsDiff(w, wf[i]), `D weight ${i} vs uninterrupted`).toBeLessThan(1e-6));
    real.dispose(); fast.dispose(); resumed.dispose(); uninterrupted.dispose();
    [optR, optF, restored].forEach((o) => { o.generator.dispose(); o.discriminator.dispose(); });
    [ref.g, ref.d, fst.g, fst.d, cont.g, cont.d].forEach((m) => m.dispose());
  });

  it('keeps the tensor count flat across steps (and optimizer exports)', async () => {
    const { g, d } = referenceDcgan(3);
    const opt = { generator: tf.train.adam(2e-4, 0.5), discriminator: tf.train.adam(2e-4, 0.5) };
    const fast = createFastGanStep({ generator: g, discriminator: d }, opt);
    const real = tf.randomUniform([8, 28, 28, 1], -1, 1);
    const one = () => {
      const z = tf.randomNormal([8, 100]);
      const r = fast.step({ real, z });
      [z, r.dLoss, r.gLoss].forEach((t) => t.dispose());
    };
    one(); one();
    await fast.exportToOptimizers();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) { one(); await fast.exportToOptimizers(); }
    expect(tf.memory().numTensors).toBe(before);
    fast.dispose(); real.dispose(); g.dispose(); d.dispose(); opt.generator.dispose(); opt.discriminator.dispose();
  });

  it('matches the reference with batch norm in D (separate real/fake passes) and ReLU/sigmoid', () => {
    const build = () => {
      const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
      const g = tf.sequential({ layers: [
        tf.layers.dense({ inputShape: [16], units: 7 * 7 * 8, kernelInitializer: init(1) }), tf.layers.reLU(),
        tf.layers.reshape({ targetShape: [7, 7, 8] }),
        tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 4, padding: 'valid', activation: 'sigmoid', kernelInitializer: init(2) })] });
      const d = tf.sequential({ layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(3) }),
        tf.layers.batchNormalization(), tf.layers.leakyReLU({ alpha: 0.2 }),
        tf.layers.flatten(), tf.layers.dense({ units: 1, kernelInitializer: init(4) })] });
      return { g, d };
    };
    const a = build(), b = build();
    const opt = { generator: tf.train.adam(1e-3, 0.5), discriminator: tf.train.adam(1e-3, 0.5) };
    const fast = createFastGanStep({ generator: b.g, discriminator: b.d }, { generator: tf.train.adam(1e-3, 0.5), discriminator: tf.train.adam(1e-3, 0.5) });
    expect(fast.mode).toBe('fast');
    const real = tf.randomUniform([6, 28, 28, 1], -1, 1, 'float32', 4);
    for (let i = 0; i < 3; i++) {
      const z = tf.randomNormal([6, 16], 0, 1, 'float32', 40 + i);
      const r = referenceGanStep({ generator: a.g, discriminator: a.d }, opt, { real, z }), f = fast.step({ real, z });
      expect(Math.abs(r.dLoss.dataSync()[0] - f.dLoss.dataSync()[0])).toBeLessThan(1e-5);
      expect(Math.abs(r.gLoss.dataSync()[0] - f.gLoss.dataSync()[0])).toBeLessThan(1e-5);
      tf.dispose([z, r.dLoss, r.gLoss, f.dLoss, f.gLoss]);
    }
    const wa = [...a.g.getWeights(), ...a.d.getWeights()], wb = [...b.g.getWeights(), ...b.d.getWeights()];
    // Weight 5 is D's conv bias right before its batch norm: zero true gradient, Adam on noise
    // (<= 2 lr steps); the BN's moving mean (10) averages that bias in (momentum 0.99, 3 passes).
    const tol = (i: number) => (i === 5 ? 2 * 1e-3 * 3 : i === 10 ? 1e-3 : 2e-5);
    wa.forEach((w, i) => expect(maxAbsDiff(w, wb[i]), `weight ${i} ${w.shape}`).toBeLessThan(tol(i)));
    real.dispose(); fast.dispose(); opt.generator.dispose(); opt.discriminator.dispose();
    [a.g, a.d, b.g, b.d].forEach((m) => m.dispose());
  });

  it('falls back to the reference formulation, saying why, for unsupported models', () => {
    const { g } = referenceDcgan(4);
    const d = tf.sequential({ layers: [tf.layers.globalMaxPooling2d({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 1 })] });
    const step = createFastGanStep({ generator: g, discriminator: d });
    expect(step.mode).toBe('reference');
    expect(step.reason).toMatch(/GlobalMaxPooling2D\): no engine rule \(registerLayerRule/);
    const real = tf.randomUniform([4, 28, 28, 1], -1, 1), z = tf.randomNormal([4, 100]);
    const { dLoss, gLoss } = step.step({ real, z });
    expect(Number.isFinite(dLoss.dataSync()[0]) && Number.isFinite(gLoss.dataSync()[0])).toBe(true);
    [real, z, dLoss, gLoss].forEach((t) => t.dispose());
    step.dispose(); g.dispose(); d.dispose();
  });

  it('rejects mismatched batch sizes and shapes with clear messages', () => {
    const { g, d } = referenceDcgan(5);
    const fast = createFastGanStep({ generator: g, discriminator: d });
    const real = tf.zeros([4, 28, 28, 1]), z = tf.zeros([3, 100]);
    expect(() => fast.step({ real, z })).toThrow(/same batch size; got 4 and 3/);
    const z2 = tf.zeros([4, 50]), real2 = tf.zeros([4, 32, 32, 1]), z3 = tf.zeros([4, 100]);
    expect(() => fast.step({ real, z: z2 })).toThrow(/Expected z of shape \[n, 100\]; got \[4, 50\]/);
    expect(() => fast.step({ real: real2, z: z3 })).toThrow(/Expected real images of shape \[n, 28, 28, 1\]; got \[4, 32, 32, 1\]/);
    [real, z, z2, real2, z3].forEach((t) => t.dispose());
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
