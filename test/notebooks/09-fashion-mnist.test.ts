import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/09-fashion-mnist.ipynb', () => {
  it('trains the strong recipe and the conditional one on Fashion-MNIST, scores both against the real ceiling (smoke mode)', async () => {
    const outs = outputsOf(await executeNotebook('09-fashion-mnist.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toMatch(/256 training images of 28x28x1; classes: T-shirt\/top, Trouser/);
    expect(text).toMatch(/completed after 8 steps/);
    expect(text).toMatch(/Confident samples \(≥ 0\.9\) during training/);
    expect(text).toMatch(/EMA generator: \d+\.\d% confident vs \d+\.\d% for real test images: \d+\.\d% of the ceiling \(goal ≥ 80%\)/);
    expect(text).toMatch(/Samples per class/);
    expect(text).toMatch(/precision \d\.\d{3}, recall \d\.\d{3} \(real training images: \d\.\d{3} \/ \d\.\d{3}\)/);
    expect(text).toMatch(/Conditional EMA generator, per requested item/);
    expect(text).toMatch(/conditional EMA generator: \d+\.\d% confident \(\d+\.\d% confidently the requested item\) vs \d+\.\d% for real test images/);
    expect(text).toMatch(/run folders: runs\/dcgan-sn-fashion-\S+, runs\/cdcgan-sn-fashion-/);
    expect(outs.filter((o) => o.data?.['image/png']).length).toBeGreaterThanOrEqual(3);
  }, 600_000);
});
