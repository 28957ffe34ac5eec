import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/04-evaluate.ipynb', () => {
  it('runs headless in smoke mode: baseline, score curve, report, reproducibility, memorization, per-class quality', { timeout: 900_000 }, async () => {
    const outs = outputsOf(await executeNotebook('04-evaluate.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toMatch(/MNIST classifier: 79338 parameters, 99\.\d\d% test accuracy/);
    expect(text).toMatch(/FCD between two random halves of the test set \(200 images each\): \d+\.\d{3}/);
    expect(text).toMatch(/FCD between the first and second half in file order: +\d+\.\d{3}/);
    expect(text).toMatch(/Fréchet classifier distance \(FID\)\s+\d+\.\d{3}/);
    expect(text).toMatch(/Scores per checkpoint/);
    expect(text).toMatch(/\(identical: true\)/);
    expect(text).toMatch(/Memorization check: 100 samples vs training set/);
    expect(text).toMatch(/Per-class quality/);
    expect(text).toMatch(/Fashion-MNIST classifier: 9\d\.\d\d% test accuracy/);

    const pngs = outs.filter((o) => o.data?.['image/png']);
    expect(pngs.length).toBeGreaterThanOrEqual(5); // baseline report, generator report, best, worst, memorization pairs
    for (const p of pngs) expect(Buffer.from(String(p.data!['image/png']), 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
    const charts = outs.filter((o) => o.data?.['application/vnd.vegalite.v5+json']);
    expect(charts.length).toBe(2); // score curve, per-class accuracy
    expect(JSON.stringify(charts[0].data!['application/vnd.vegalite.v5+json'])).toContain('Scores over training');
  });
});
