import { describe, expect, it } from 'vitest';
import { Matrix, SVD } from 'ml-matrix';
import { tf, type Scalar, type Tensor, type Tensor4D, type Variable } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { dcgan, validateConfig } from '../../lib/models/config';
import { sngan } from '../../lib/models/sngan';
import { SpectralNormalization } from '../../lib/models/layers/spectral-norm';
import { GanTrainer } from '../../lib/train/trainer';
import { Tape, type Val } from '../../lib/train/engine/tape';
import { NetProgram } from '../../lib/train/engine/layers';
import { nativeOps } from '../../lib/train/fast-ops';
import '../../lib/train/engine/rules/spectral-norm';

/** Largest singular value of a kernel viewed as [fan-in, units], by SVD (ml-matrix). */
const topSingular = (w: Float32Array, units: number) => {
  const rows = w.length / units;
  const m = new Matrix(Array.from({ length: rows }, (_, i) => Array.from(w.subarray(i * units, (i + 1) * units))));
  return new SVD(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal[0];
};

describe('spectral normalisation (Miyato et al. 2018)', () => {
  it('power iterations converge to the kernel\'s top singular value; W/σ has spectral norm 1', () => {
    const layer = SpectralNormalization.wrap(tf.layers.conv2d({ filters: 6, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 2);
    const y0 = layer.apply(x, { training: true }) as Tensor;
    for (let i = 0; i < 40; i++) tf.dispose(layer.apply(x, { training: true }) as Tensor);
    const w = layer.kernel.read().dataSync() as Float32Array;
    const sigma = topSingular(w, 6);
    // Inference with the converged u: the output equals the conv with W/σ_true.
    const want = tf.conv2d(x as Tensor4D, tf.div(layer.kernel.read(), sigma) as Tensor4D, 1, 'valid');
    const got = layer.apply(x, { training: false }) as Tensor;
    expect(tf.max(tf.abs(tf.sub(got, tf.add(want, (layer.inner as unknown as { bias: { read(): Tensor } }).bias.read())))).dataSync()[0]).toBeLessThan(1e-4);
    expect(sigma).toBeGreaterThan(0.5);
    expect(y0.shape).toEqual([2, 6, 6, 6]);
    tf.dispose([x, y0, want, got]);
  });

  it('sngan(): hinge + spectral norm in every D weight layer; u is a (checkpointed) non-trainable weight', () => {
    const cfg = sngan();
    expect(cfg.loss).toBe('hinge');
    expect(cfg.discriminator.weightNorm).toBe('spectral');
    const gan = buildGan(cfg);
    const sn = gan.discriminator.layers.filter((l) => l.getClassName() === 'SpectralNormalization');
    expect(sn.length).toBe(3); // two convs and the logit
    expect(gan.discriminator.nonTrainableWeights.map((w) => w.name).filter((n) => n.endsWith('/u')).length).toBe(3);
    expect(gan.discriminator.trainableWeights.length).toBe(6);
    expect(() => validateConfig({ ...dcgan(), discriminator: { ...dcgan().discriminator, weightNorm: 'spectrum' } })).toThrow(/weightNorm one of 'none', 'spectral'; got "spectrum"/);
    disposeGan(gan);
  });

  it('native engine and tfjs autodiff train sngan() to the same losses', async () => {
    const images = tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 5) as Tensor4D;
    const cfg = sngan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } });
    const run = async (fastStep: boolean) => {
      const gan = buildGan(cfg);
      const t = new GanTrainer(gan, images, { batchSize: 8, runsDir: null, sampleEvery: 0, live: false, fastStep });
      for (let i = 0; i < 3; i++) await t.step();
      const out = { mode: t.stepMode, losses: t.history.map((h) => [h.dLoss, h.gLoss]) };
      t.dispose(); disposeGan(gan);
      return out;
    };
    const nat = await run(true), ref = await run(false);
    expect([nat.mode, ref.mode]).toEqual(['native', 'autodiff']);
    nat.losses.flat().forEach((v, i) => expect(Math.abs(v - ref.losses.flat()[i])).toBeLessThan(5e-5)); // float32 round-off of σ and W/σ
    expect(Math.abs(nat.losses[0][0] - 2)).toBeLessThan(0.2); // hinge D loss of a near-random critic ≈ 2
    images.dispose();
  });

  it('the engine rule\'s gradients through σ equal tfjs autodiff\'s (and both advance u the same)', () => {
    const d = buildGan(sngan({ discriminator: { widths: [4, 8] } })).discriminator;
    const x = tf.randomUniform([6, 28, 28, 1], -1, 1, 'float32', 9);
    const vars = d.trainableWeights.map((w) => w.read() as Variable);
    const us = d.nonTrainableWeights.map((w) => w.read().clone());
    const reset = () => d.nonTrainableWeights.forEach((w, i) => w.write(us[i].clone()));
    // tfjs autodiff: hinge loss on "real" logits, mean(relu(1 - D(x))).
    const ref = tf.variableGrads(() => tf.mean(tf.relu(tf.sub(1, d.apply(x, { training: true }) as Tensor))) as Scalar, vars);
    const uRef = d.nonTrainableWeights.map((w) => w.read().dataSync());
    reset();
    const tape = new Tape(nativeOps());
    const params = new Map<Variable, Val>();
    const prog = new NetProgram(d, 'critic');
    const got = tf.tidy(() => {
      const out = prog.run(tape, [tape.leaf(x)], { params, trainable: true, bnStats: [] });
      const loss = tape.mean(tape.relu(tape.sub(tape.scalar(1), out)));
      return tape.grad(loss, vars.map((v) => params.get(v)!)).map((g) => tf.keep(g.t));
    });
    vars.forEach((v, i) => {
      const a = ref.grads[v.name], b = got[i];
      const scale = tf.max(tf.abs(a)).dataSync()[0];
      expect(scale, `gradient ${i} is not zero`).toBeGreaterThan(1e-6);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0], `gradient ${v.name}`).toBeLessThan(1e-4 * scale);
    });
    // Same iteration (the rule runs it with raw MatMul, tfjs with BatchMatMul: last-bit round-off).
    d.nonTrainableWeights.forEach((w, i) => Array.from(w.read().dataSync()).forEach((x, j) => expect(Math.abs(x - uRef[i][j])).toBeLessThan(1e-6)));
    tf.dispose([x, ...us, ...got, ...Object.values(ref.grads), ref.value]);
    tape.dispose(); d.dispose();
  });
});

describe('FLOPs of wrapped layers', () => {
  it('sngan()\'s discriminator counts as many FLOPs as dcgan()\'s (same convolutions)', async () => {
    const { modelFlops } = await import('../../lib/models/flops');
    const a = buildGan(sngan()), b = buildGan(dcgan());
    expect(modelFlops(a.discriminator)).toBe(modelFlops(b.discriminator));
    expect(modelFlops(a.discriminator)).toBeGreaterThan(1e6);
    disposeGan(a); disposeGan(b);
  });
});
