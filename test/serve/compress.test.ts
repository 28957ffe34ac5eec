import { describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { compareCompression } from '../../lib/serve/compress';
import { tinyGenerator, tmpDir } from './fixtures';

describe('compareCompression', () => {
  it('reports size and quality per variant: smaller files, growing error, no leaks', async () => {
    const g = tinyGenerator({ conditional: 2 });
    const before = tf.memory().numTensors;
    const report = await compareCompression(g, { dir: tmpDir(), count: 300 });
    expect(tf.memory().numTensors).toBe(before);
    const by = Object.fromEntries(report.rows.map((r) => [r.variant, r]));
    expect(Object.keys(by)).toEqual(['float32', 'float16', 'uint8', 'pruned 50%', 'pruned 50% + uint8', 'pruned 80% + uint8']);
    const params = g.countParams();
    expect(by.float32.weightBytes).toBe(params * 4);
    expect(by.float16.weightBytes).toBe(params * 2);
    expect(by.uint8.weightBytes).toBe(params);
    expect(by['pruned 50%'].gzipBytes).toBeLessThan(by.float32.gzipBytes);
    expect(by.float32.mse).toBe(0);
    expect(by.float32.maxPixelDelta).toBe(0);
    expect(by.float16.mse).toBeGreaterThan(0);
    expect(by.uint8.mse).toBeGreaterThan(by.float16.mse);
    expect(by['pruned 80% + uint8'].mse).toBeGreaterThan(by['pruned 50% + uint8'].mse);
    expect(by.uint8.reduction).toBeGreaterThan(3.5);
    const text = report.toText();
    expect(text.split('\n')[0]).toBe('Compression: size vs quality (300 images, seed 0)');
    expect(text).toContain('MSE vs float32');
    expect(report.toMimeBundle()['text/html']).toContain('<td style="text-align:left">pruned 50% + uint8</td>');
    g.dispose();
  });

  it('adds the Fréchet classifier distance (lib/metrics) for 28x28 MNIST-shaped outputs', async () => {
    const g = tinyGenerator({ size: 28 });
    const report = await compareCompression(g, {
      dir: tmpDir(), count: 64, dataset: 'mnist', variants: [{ name: 'float32' }, { name: 'uint8', quantize: 'uint8' }],
    });
    for (const r of report.rows) expect(r.fcd).toBeGreaterThan(0);
    expect(report.toText()).toContain('FCD (lower is better)');
    g.dispose();
  });
});
