import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/03-dcgan.ipynb', () => {
  it('trains DCGAN (reference and strong recipe) on MNIST and Fashion-MNIST, scores samples and compares runs (smoke mode)', async () => {
    const outs = outputsOf(await executeNotebook('03-dcgan.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toMatch(/MNIST \d+ images, Fashion-MNIST \d+ images/);
    expect(text).toContain('Conv2DTranspose');
    expect(text).toMatch(/% of 1000 samples are classified with ≥ 0\.9 confidence/);
    const table = outs.find((o) => String(o.data?.['text/html'] ?? '').includes('ganbook-runs'));
    expect(String(table!.data!['text/html'])).toMatch(/dcgan-mnist[\s\S]*dcgan-strong-mnist[\s\S]*dcgan-fashion/);
    // the stronger recipe: refine conv in G, scored per epoch on G and its EMA
    expect(text).toMatch(/reference dcgan\(\)\s+\d+\s+[\d.]+\nstrong\s+\d+\s+[\d.]+/);
    expect(text).toContain('Recognizable samples after each epoch');
    expect(text).toMatch(/lr ×0\.5\d · done/); // lrDecay: halfway down after half an epoch of a 0 → 1 epoch decay
    expect(text).toMatch(/EMA generator: \d+\.\d% of 1000 samples classified with ≥ 0\.9 confidence; samples per digit 0-9: (\d+ ){9}\d+/);
    expect(text).toMatch(/samples\.gif/);
    expect(outs.filter((o) => o.data?.['image/png']).length).toBeGreaterThanOrEqual(4);
  }, 300_000); // a kernel start + smoke training: ~1 min, more on a busy machine
});
