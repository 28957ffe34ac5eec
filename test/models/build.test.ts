import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../lib/backend';
import { architectureOf, buildGan, disposeGan } from '../../lib/models/build';
import { conditionalGan, dcgan, fcGan, wganGp } from '../../lib/models/config';
import { MinibatchStdDev } from '../../lib/models/layers/minibatch-stddev';
import { modelFlops, trainStepFlops } from '../../lib/models/flops';
import { summary } from '../../lib/models/summary';
import { loadGenerator, saveGenerator } from '../../lib/models/io';

describe('model builders', () => {
  it('builds the classic FC GAN with hand-computed parameter counts', () => {
    const gan = buildGan(fcGan());
    // G: 100→256→512→1024→784 (weights + biases)
    const g = (100 * 256 + 256) + (256 * 512 + 512) + (512 * 1024 + 1024) + (1024 * 784 + 784);
    const d = (784 * 1024 + 1024) + (1024 * 512 + 512) + (512 * 256 + 256) + (256 + 1);
    expect(gan.generator.countParams()).toBe(g);
    expect(gan.discriminator.countParams()).toBe(d);
    expect(gan.generator.outputs[0].shape).toEqual([null, 28, 28, 1]);
    // FLOPs: dense layers only multiply-adds, 2*in*out per sample
    const s = summary(gan.generator);
    const dense = s.rows.filter((r) => r.type === 'Dense').map((r) => r.flops);
    expect(dense).toEqual([2 * 100 * 256, 2 * 256 * 512, 2 * 512 * 1024, 2 * 1024 * 784]);
    expect(s.totalParams).toBe(g);
    disposeGan(gan);
  });

  it('builds the reference DCGAN (28 px) with the reference parameter count and FLOPs', () => {
    const gan = buildGan(dcgan());
    // dense 100→6272, BN(6272), convT 128→64 k4, BN(64), convT 64→1 k4
    const g = (100 * 6272 + 6272) + 4 * 6272 + (4 * 4 * 128 * 64 + 64) + 4 * 64 + (4 * 4 * 64 * 1 + 1);
    const d = (4 * 4 * 1 * 64 + 64) + (4 * 4 * 64 * 128 + 128) + (7 * 7 * 128 + 1);
    expect(gan.generator.countParams()).toBe(g);
    expect(gan.discriminator.countParams()).toBe(d);
    const convT = summary(gan.generator).rows.filter((r) => r.type === 'Conv2DTranspose').map((r) => r.flops);
    expect(convT).toEqual([2 * 7 * 7 * 128 * 16 * 64, 2 * 14 * 14 * 64 * 16 * 1]);
    expect(modelFlops(gan.generator, 64)).toBe(64 * modelFlops(gan.generator, 1));
    const step = trainStepFlops(gan, 64);
    expect(step / 1e9).toBeGreaterThan(10);
    expect(step / 1e9).toBeLessThan(12);
    disposeGan(gan);
  });

  it('counts the FLOPs of pooling and bilinear upsampling in hand-built networks', () => {
    const m = tf.sequential({ layers: [
      tf.layers.upSampling2d({ inputShape: [7, 7, 2], size: [2, 2], interpolation: 'bilinear' }), // 14x14x2: 6 per output
      tf.layers.upSampling2d({ size: [2, 2] }),                                                  // 28x28x2: copies, 0
      tf.layers.averagePooling2d({ poolSize: [2, 3], strides: 2 }),                             // 14x13x2, 6 pixels each
      tf.layers.globalAveragePooling2d({}),                                                      // 14·13·2 inputs
    ] });
    const rows = summary(m).rows.map((r) => r.flops);
    expect(rows).toEqual([6 * 14 * 14 * 2, 0, 14 * 13 * 2 * 6, 14 * 13 * 2]);
    m.dispose();
  });

  it('architectureOf names which networks were built by hand, not only the config\'s arch', () => {
    const a = buildGan(dcgan()), b = buildGan(dcgan());
    expect(architectureOf(a)).toBe('dcgan');
    expect(architectureOf({ ...a, generator: b.generator })).toBe('custom G + dcgan D'); // another build counts as custom
    expect(architectureOf({ ...a, discriminator: b.discriminator })).toBe('dcgan G + custom D');
    expect(architectureOf({ ...a, config: wganGp(), generator: b.generator })).toBe('custom');
    disposeGan(a); disposeGan(b);
  });

  it('adds `refine` stride-1 convolutions at the coarsest resolution of both networks', () => {
    const base = buildGan(dcgan());
    const gan = buildGan(dcgan({ generator: { refine: 2 }, discriminator: { refine: 1 } }));
    // G: two 7x7x128 → 7x7x128 k4 convolutions, each with a batch norm (4 weights per channel)
    const gConv = 4 * 4 * 128 * 128 + 128, gBn = 4 * 128;
    expect(gan.generator.countParams()).toBe(base.generator.countParams() + 2 * (gConv + gBn));
    // D (no norm): one 7x7x128 → 7x7x128 k4 convolution after the last stride-2 one
    expect(gan.discriminator.countParams()).toBe(base.discriminator.countParams() + 4 * 4 * 128 * 128 + 128);
    const convs = summary(gan.generator).rows.filter((r) => r.type === 'Conv2D');
    expect(convs.map((r) => [r.outputShape, r.flops])).toEqual([['[n, 7, 7, 128]', 2 * 7 * 7 * 128 * 16 * 128], ['[n, 7, 7, 128]', 2 * 7 * 7 * 128 * 16 * 128]]);
    expect(gan.generator.outputs[0].shape).toEqual([null, 28, 28, 1]);
    disposeGan(base); disposeGan(gan);
    expect(() => dcgan({ generator: { refine: -1 } })).toThrow(/generator\.refine .* an integer ≥ 0; got -1/);
    expect(() => fcGan({ discriminator: { refine: 1 } })).toThrow(/discriminator\.refine 0 for arch "fc"/);
  });

  it('builds 32 and 64 px DCGANs, a conditional GAN and a WGAN-GP critic', () => {
    for (const size of [32, 64]) {
      const gan = buildGan(dcgan({ imageShape: [size, size, 3] }));
      expect(gan.generator.outputs[0].shape).toEqual([null, size, size, 3]);
      expect(gan.discriminator.outputs[0].shape).toEqual([null, 1]);
      disposeGan(gan);
    }
    const c = buildGan(conditionalGan({ conditional: { numClasses: 10 } }));
    expect(c.generator.inputs.map((i) => i.shape)).toEqual([[null, 100], [null, 1]]);
    const out = tf.tidy(() => (c.generator.predict([tf.randomNormal([3, 100]), tf.tensor2d([[0], [5], [9]])]) as Tensor).shape);
    expect(out).toEqual([3, 28, 28, 1]);
    disposeGan(c);
    const w = buildGan(wganGp());
    expect(w.discriminator.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    expect(w.discriminator.layers.some((l) => l.getClassName() === 'LayerNormalization')).toBe(true);
    disposeGan(w);
  });

  it('a projection discriminator adds ⟨E[y], φ(x)⟩ to the unconditional logit (Miyato & Koyama 2018, eq. 3)', () => {
    const c = buildGan(conditionalGan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] }, conditional: { discriminator: 'projection' } }));
    const D = c.discriminator;
    expect(D.inputs.map((i) => i.shape)).toEqual([[null, 28, 28, 1], [null, 1]]);
    const flat = D.layers.find((l) => l.getClassName() === 'Flatten' && l.outboundNodes.length > 1) ?? D.layers.filter((l) => l.getClassName() === 'Flatten')[0];
    const emb = D.layers.find((l) => l.getClassName() === 'Embedding')!;
    const dense = D.layers.filter((l) => l.getClassName() === 'Dense').pop()!;
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 4), y = tf.tensor2d([[0], [4], [9]]);
    const [got, want] = tf.tidy(() => {
      const phi = tf.model({ inputs: D.inputs[0], outputs: flat.output as never }).predict(x) as Tensor;   // [3, 392]
      const [k, b] = dense.getWeights(), E = emb.getWeights()[0];                                          // E: [10, 392]
      const psi = tf.add(tf.matMul(phi as never, k as never), b);
      const proj = tf.sum(tf.mul(phi, tf.gather(E, [0, 4, 9])), 1, true);
      return [Array.from((D.predict([x, y]) as Tensor).dataSync()), Array.from(tf.add(psi, proj).dataSync())];
    });
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 4));
    expect(emb.getWeights()[0].shape).toEqual([10, 392]);
    disposeGan(c);
    expect(() => conditionalGan({ conditional: { discriminator: 'proj' as never } })).toThrow(/conditional\.discriminator 'concat' or 'projection'; got "proj"/);
  });

  it('conditional batch norm in G: x̂ · γ[y] + β[y] per class, label-blind at initialisation (de Vries et al. 2017)', () => {
    const c = buildGan(conditionalGan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] }, conditional: { generator: 'batchnorm' } }));
    const G = c.generator;
    expect(G.inputs.map((i) => i.shape)).toEqual([[null, 8], [null, 1]]);
    expect(G.layers.some((l) => l.getClassName() === 'Concatenate')).toBe(false);   // z enters alone
    const z = tf.randomNormal([3, 8], 0, 1, 'float32', 5), y = tf.tensor2d([[0], [4], [9]]), y2 = tf.tensor2d([[1], [1], [1]]);
    // γ = 1, β = 0 for every class at first: the label changes nothing yet
    const same = tf.tidy(() => tf.sub(G.predict([z, y]) as Tensor, G.predict([z, y2]) as Tensor).abs().max().dataSync()[0]);
    expect(same).toBe(0);
    // the first batch norm (after the dense layer, [n, 7·7·8]): inference-mode x̂ = x / √(1 + ε) (its own
    // scale 1 and offset 0 at initialisation), then γ[y], β[y]
    const [gammaE, betaE] = G.layers.filter((l) => l.getClassName() === 'Embedding').slice(0, 2);
    gammaE.setWeights([tf.randomUniform([10, 392], 0.5, 1.5, 'float32', 6)]);
    betaE.setWeights([tf.randomUniform([10, 392], -1, 1, 'float32', 7)]);
    const add = G.layers.find((l) => l.getClassName() === 'Add')!;
    const dense = G.layers.find((l) => l.getClassName() === 'Dense')!;
    const [got, want] = tf.tidy(() => {
      const h = tf.model({ inputs: G.inputs, outputs: dense.output as never }).predict([z, y]) as Tensor;
      const rows = [0, 4, 9];
      const want = tf.add(tf.mul(tf.div(h, Math.sqrt(1 + 1e-3)), tf.gather(gammaE.getWeights()[0], rows)), tf.gather(betaE.getWeights()[0], rows));
      return [Array.from((tf.model({ inputs: G.inputs, outputs: add.output as never }).predict([z, y]) as Tensor).dataSync()), Array.from(want.dataSync())];
    });
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 4));
    expect(tf.tidy(() => tf.sub(G.predict([z, y]) as Tensor, G.predict([z, y2]) as Tensor).abs().max().dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose([z, y, y2]); disposeGan(c);
    expect(() => conditionalGan({ generator: { norm: 'none' }, conditional: { generator: 'batchnorm' } }))
      .toThrow(/conditional\.generator 'batchnorm' modulates the generator's batch norms, but generator\.norm is "none"/);
    expect(() => conditionalGan({ conditional: { generator: 'film' as never } })).toThrow(/conditional\.generator 'concat' or 'batchnorm'; got "film"/);
  });

  it('minibatch stddev appends the batch\'s mean feature stddev as a channel (Karras et al. 2018, §3)', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);   // two samples of 2x2x1
    const y = new MinibatchStdDev().apply(x) as Tensor;
    // per position the two samples differ by 4: population std 2 everywhere, mean 2
    expect(y.shape).toEqual([2, 2, 2, 2]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 2, 2, 3, 2, 4, 2, 5, 2, 6, 2, 7, 2, 8, 2].map((v) => expect.closeTo(v, 5)));
    const g = buildGan(dcgan({ discriminator: { minibatchStd: true } }));
    expect(g.discriminator.layers.some((l) => l.getClassName() === 'MinibatchStdDev')).toBe(true);
    expect((g.discriminator.predict(tf.zeros([3, 28, 28, 1])) as Tensor).shape).toEqual([3, 1]);
    disposeGan(g); tf.dispose([x, y]);
    expect(() => dcgan({ generator: { minibatchStd: true } })).toThrow(/generator\.minibatchStd unset: the minibatch-stddev feature is for the discriminator/);
  });

  it('same seed → same initial weights; errors name the field', () => {
    const a = buildGan(dcgan({ seed: 3 })), b = buildGan(dcgan({ seed: 3 }));
    expect(Array.from(a.generator.getWeights()[0].dataSync().slice(0, 5))).toEqual(Array.from(b.generator.getWeights()[0].dataSync().slice(0, 5)));
    disposeGan(a); disposeGan(b);
    expect(() => dcgan({ latentDim: 0 })).toThrow(/latentDim/);
    expect(() => fcGan({ discriminator: { dropout: 1.5 } })).toThrow(/discriminator\.dropout/);
    expect(() => dcgan({ imageShape: [30, 30, 1] })).toThrow(/divisible/);
  });

  it('summary renders an HTML table', () => {
    const gan = buildGan(dcgan());
    const b = summary(gan.generator).toMimeBundle();
    expect(String(b['text/html'])).toMatch(/<table[\s\S]*Conv2DTranspose[\s\S]*<\/table>/);
    expect(String(b['text/plain'])).toContain('total params');
    disposeGan(gan);
  });

  it('saves and loads a generator with metadata, same outputs', async () => {
    const gan = buildGan(dcgan({ generator: { widths: [16, 8] } }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-'));
    await saveGenerator(gan, dir, { dataset: 'mnist' });
    const { model, meta } = await loadGenerator(dir);
    expect(meta.latentDim).toBe(100);
    expect(meta.dataset).toBe('mnist');
    const z = tf.randomNormal([2, 100], 0, 1, 'float32', 1);
    const a = (gan.generator.predict(z) as Tensor).dataSync();
    const b = (model.predict(z) as Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    fs.rmSync(dir, { recursive: true });
  });
});
