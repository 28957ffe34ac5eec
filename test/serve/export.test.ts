import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { exportGenerator, generate, loadExport } from '../../lib/serve/export';
import { MAX_REDRAWS, sampleLatent } from '../../lib/serve/latent';
import { float16Bits, float16Value, pruneByMagnitude, toUint8 } from '../../lib/serve/quantize';
import { tinyGenerator, tmpDir } from './fixtures';
import { buildGan, disposeGan } from '../../lib/models/build';
import { conditionalGan } from '../../lib/models/config';
import { loadGenerator, saveGenerator } from '../../lib/models/io';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const webLatent = require('../../lib/serve/web/latent.js') as { sampleLatent: typeof sampleLatent };

describe('seeded latents', () => {
  it('are standard normal, reproducible, and identical to the browser copy bit for bit', () => {
    const z = sampleLatent(123, 1000, 100);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const std = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(std - 1)).toBeLessThan(0.02);
    expect(sampleLatent(123, 2, 100)).toEqual(z.subarray(0, 200));
    expect(sampleLatent(124, 2, 100)).not.toEqual(z.subarray(0, 200));
    for (const [seed, t] of [[0, undefined], [4294967295, undefined], [99, 0.5], [7, 0.01]] as const) {
      expect(Buffer.from(webLatent.sampleLatent(seed, 8, 64, t).buffer))
        .toEqual(Buffer.from(sampleLatent(seed, 8, 64, t).buffer));
    }
  });

  it('truncate |z| to the threshold (redrawing, then clipping)', () => {
    const z = sampleLatent(5, 100, 64, 0.5);
    expect(Math.max(...z.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(new Set(z).size).toBeGreaterThan(6000); // redrawn, not mostly clipped
    expect(MAX_REDRAWS).toBe(64);
    expect(() => sampleLatent(1.5, 1, 1)).toThrow('Expected seed to be an integer in [0, 4294967295]; got 1.5.');
  });
});

describe('weight compression', () => {
  it('encodes float16 with round-to-nearest-even, subnormals and overflow', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(1e6)).toBe(0x7c00);
    expect(float16Bits(2 ** -24)).toBe(1);
    expect(float16Bits(1e-9)).toBe(0);
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    const xs = Array.from(sampleLatent(1, 1, 1000));
    for (const x of xs) expect(Math.abs(float16Value(float16Bits(x)) - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11 + 2 ** -25);
  });

  it('quantizes to uint8 with 0 exact and error under half a step', () => {
    const v = Float32Array.from([-0.3, 0, 0.1, 0.9, 0.25]);
    const q = toUint8(v);
    const back = Array.from(q.bytes, (b) => b * q.scale + q.min);
    expect(back[1]).toBe(0);
    back.forEach((b, i) => expect(Math.abs(b - v[i])).toBeLessThanOrEqual(q.scale / 2 + 1e-7));
  });

  it('prunes the smallest magnitudes', () => {
    const v = Float32Array.from([0.5, -0.1, 0.05, -0.9, 0.2, 0.01]);
    expect(pruneByMagnitude(v, 0.5)).toBe(0.5);
    expect(Array.from(v)).toEqual([0.5, 0, 0, Math.fround(-0.9), Math.fround(0.2), 0]);
    expect(() => pruneByMagnitude(v, 1)).toThrow('Expected prune sparsity in [0, 1); got 1.');
  });
});

describe('exportGenerator / loadExport', () => {
  it('writes the TF.js layers format plus ganbook.json, and float16/uint8 exports load in tf.loadLayersModel', async () => {
    const g = tinyGenerator({ conditional: 3 });
    const before = tf.memory().numTensors;
    const opts = { count: 8, seed: 4, label: 1 };
    const meta0 = { latentDim: 8, numClasses: 3 };
    const ref = generate(g, meta0, opts);
    const root = tmpDir();
    const results: Record<string, { weights: number; maxDiff: number }> = {};
    for (const [name, o] of [['f32', {}], ['f16', { quantize: 'float16' }], ['u8', { quantize: 'uint8' }], ['pruned', { prune: 0.5 }]] as const) {
      const dir = path.join(root, name);
      const r = await exportGenerator(g, dir, { ...o, meta: { dataset: 'tiny', labels: ['x', 'y', 'z'], metrics: { fcd: 1.5 } } });
      expect(fs.readdirSync(dir).sort()).toEqual(['ganbook.json', 'group1-shard1of1.bin', 'model.json']);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(json.format).toBe('layers-model');
      const { model, meta } = await loadExport(dir);
      expect(meta).toMatchObject({
        format: 'ganbook-generator/1', latentDim: 8, imageShape: [8, 8, 1], numClasses: 3, dataset: 'tiny',
        labels: ['x', 'y', 'z'], metrics: { fcd: 1.5 }, range: [-1, 1], weightBytes: r.sizes.weights,
      });
      const out = generate(model, meta, opts);
      results[name] = { weights: r.sizes.weights, maxDiff: tf.tidy(() => out.sub(ref).abs().max().dataSync()[0]) };
      if (name === 'f16') {
        // tfjs decodes the float16 manifest entries to exactly our rounding of the original weights.
        const orig = g.getWeights().map((w) => w.dataSync());
        const loaded = model.getWeights().map((w) => w.dataSync());
        orig.forEach((w, i) => w.forEach((x, j) => expect(loaded[i][j]).toBe(Math.fround(float16Value(float16Bits(x))))));
        expect(json.weightsManifest[0].weights[0].quantization).toEqual({ dtype: 'float16' });
      }
      if (name === 'u8') expect(json.weightsManifest[0].weights[0].quantization).toMatchObject({ dtype: 'uint8' });
      if (name === 'pruned') {
        const kernel = model.weights.find((w) => /dense.*kernel/.test(w.name))!.read().dataSync();
        expect(kernel.filter((x) => x === 0).length).toBe(Math.floor(kernel.length / 2));
      }
      out.dispose();
      model.dispose();
    }
    ref.dispose();
    expect(results.f32.maxDiff).toBe(0);
    expect(results.f16.weights * 2).toBe(results.f32.weights);
    expect(results.u8.weights * 4).toBe(results.f32.weights);
    expect(results.f16.maxDiff).toBeLessThan(0.01);
    expect(results.u8.maxDiff).toBeLessThan(0.25);
    expect(results.u8.maxDiff).toBeGreaterThan(results.f16.maxDiff);
    expect(results.pruned.maxDiff).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before); // loaded models and outputs all disposed
    g.dispose();
  });

  it('reads a folder saved with plain model.save (metadata inferred) and explains a missing folder', async () => {
    const g = tinyGenerator();
    const dir = tmpDir();
    await g.save(`file://${dir}`);
    const { model, meta } = await loadExport(dir);
    expect(meta).toMatchObject({ latentDim: 8, imageShape: [8, 8, 1], numClasses: 0, config: {} });
    model.dispose();
    g.dispose();
    await expect(loadExport(path.join(dir, 'nope'))).rejects.toThrow(/Expected an exported generator at .*model\.json; got no such file/);
    expect(() => generate(g, { latentDim: 8, numClasses: 0 }, { count: 1, seed: 1, label: 2 }))
      .toThrow('Expected no label: this generator is unconditional; got label 2. Remove it.');
  });

  it('interoperates with lib/models: serves saveGenerator folders, and loadGenerator reads exports', async () => {
    const gan = buildGan(conditionalGan({ arch: 'fc', latentDim: 16, generator: { widths: [32] }, discriminator: { widths: [32] } }));
    const saved = tmpDir();
    await saveGenerator(gan, saved, { dataset: 'mnist' });
    const a = await loadExport(saved);
    expect(a.meta).toMatchObject({ latentDim: 16, imageShape: [28, 28, 1], numClasses: 10, dataset: 'mnist' });
    const exported = tmpDir();
    await exportGenerator(gan.generator, exported, { quantize: 'float16', meta: { config: gan.config as unknown as Record<string, unknown>, dataset: 'mnist' } });
    const b = await loadGenerator(exported);
    expect(b.meta).toMatchObject({ format: 'ganbook-generator/1', latentDim: 16, numClasses: 10, imageShape: [28, 28, 1], config: gan.config });
    const x = generate(a.model, a.meta, { count: 2, seed: 1, label: 4 });
    const y = generate(b.model, b.meta, { count: 2, seed: 1, label: 4 });
    expect(tf.tidy(() => x.sub(y).abs().max().dataSync()[0])).toBeLessThan(0.01);
    tf.dispose([x, y]);
    a.model.dispose();
    b.model.dispose();
    disposeGan(gan);
  });

  it('asks for numClasses when a conditional generator has no Embedding layer', async () => {
    const z = tf.input({ shape: [4] });
    const l = tf.input({ shape: [1] });
    const x = tf.layers.reshape({ targetShape: [2, 2, 2] }).apply(tf.layers.dense({ units: 8 }).apply(tf.layers.concatenate().apply([z, l]))) as import('../../lib/backend').SymbolicTensor;
    const m = tf.model({ inputs: [z, l], outputs: x });
    await expect(exportGenerator(m, tmpDir())).rejects.toThrow('Pass { meta: { numClasses } }.');
    const r = await exportGenerator(m, tmpDir(), { meta: { numClasses: 5 } });
    expect(r.meta.numClasses).toBe(5);
    m.dispose();
  });
});
