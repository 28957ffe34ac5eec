import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/08-colour-gan.ipynb', () => {
  it('loads emoji, trains a colour DCGAN and a conditional one, evaluates both against the emoji classifier (smoke mode)', async () => {
    const outs = outputsOf(await executeNotebook('08-colour-gan.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toMatch(/emoji, training split: 288 images of 32x32x3/);
    expect(text).toContain('Smileys & Emotion');
    expect(text).toMatch(/emoji classifier: \d+\.\d% accuracy on held-out emoji/);
    expect(text).toContain('top: real emoji; bottom: the same through DiffAugment'); // what the critic sees
    expect(text).toMatch(/completed after 8 steps/);
    expect(text).toMatch(/requested category overall: \d+\.\d% of samples \(goal ≥ 60%\)/);
    expect(text).toMatch(/Conditional generator: share of samples the classifier puts in the requested category/);
    // colour images: PNGs of the samples, and the widget state of the latent explorer
    const pngs = outs.filter((o) => o.data?.['image/png']);
    expect(pngs.length).toBeGreaterThanOrEqual(4);
    expect(outs.some((o) => o.data?.['application/vnd.jupyter.widget-view+json'])).toBe(true);
  }, 600_000); // a kernel start, the emoji cache, two smoke trainings and the evaluations
});
