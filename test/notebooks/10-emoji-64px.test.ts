import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/10-emoji-64px.ipynb', () => {
  it('trains the conditional emoji GAN at 64x64x3 and scores its samples box-filtered for the emoji classifier (smoke mode)', async () => {
    const outs = outputsOf(await executeNotebook('10-emoji-64px.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toMatch(/emoji, training split: 288 images of 64x64x3/);
    expect(text).toMatch(/completed after 8 steps/);
    expect(text).toMatch(/requested category overall: \d+\.\d% of samples; the classifier on held-out real emoji, averaged over the categories as the samples are: \d+\.\d% \(the ceiling\)/);
    expect(text).toMatch(/Fréchet classifier distance \d+\.\d at the data's category mix; real training images: \d+\.\d → \d+\.\d\dx the baseline/);
    expect(text).toContain('top: 64 px; bottom: the same reduced to 32 px');
    // the data grid, the summary's samples, the category grid and the 64/32 comparison are PNGs
    expect(outs.filter((o) => o.data?.['image/png']).length).toBeGreaterThanOrEqual(3);
  }, 600_000); // a kernel start, the 64-px emoji cache, a smoke training and the evaluations
});
