import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/02-train-gan.ipynb', () => {
  it('builds the FC GAN, steps, fits with a live view and shows the ledger (smoke mode)', async () => {
    const outs = outputsOf(await executeNotebook('02-train-gan.ipynb'));
    const text = outs.map(textOf).join('\n');
    // summaries: the generator's parameter count 1,486,352 = hand-computed 100→256→512→1024→784
    expect(text).toContain('total params 1,486,352');
    expect(text).toMatch(/step: 1,\s+dLoss: [\d.]+/);
    expect(text).toMatch(/completed after \d+ steps/);
    expect(outs.filter((o) => o.data?.['image/png']).length).toBeGreaterThanOrEqual(2);
    expect(outs.some((o) => o.data?.['application/vnd.vegalite.v5+json'])).toBe(true);
    expect(outs.some((o) => String(o.data?.['text/html'] ?? '').includes('<progress'))).toBe(true);
    expect(outs.some((o) => String(o.data?.['text/html'] ?? '').includes('ganbook-runs'))).toBe(true);
  }, 300_000); // a kernel start + smoke training: ~1 min, more on a busy machine
});
