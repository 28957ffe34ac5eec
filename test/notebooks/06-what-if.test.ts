import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/06-what-if.ipynb', () => {
  it('trains seven configs (WGAN-GP, SNGAN and a hand-built generator among them) on the native step and compares them in one runs table (smoke mode)', async () => {
    const outs = outputsOf(await executeNotebook('06-what-if.ipynb'));
    const text = outs.map(textOf).join('\n');
    for (const name of ['baseline', 'g-no-batchnorm', 'latent-8', 'd-wide', 'wgan-gp', 'sngan', 'upsample-g']) expect(text).toMatch(new RegExp(`${name} \\(native step\\): \\d+ steps`));
    const html = String(outs.find((o) => String(o.data?.['text/html'] ?? '').includes('ganbook-runs'))!.data!['text/html']);
    expect((html.match(/<tr>/g) ?? []).length).toBe(8); // header + 7 runs
    expect(html).toContain('confident ≥0.9');
    expect(outs.some((o) => o.data?.['image/png'])).toBe(true);
  }, 300_000); // a kernel start + smoke training: ~1 min, more on a busy machine
});
