import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/01-data-prep.ipynb', () => {
  it('runs headless in smoke mode: loads, inspects, cleans, augments and saves', { timeout: 900_000 }, async () => {
    const outs = outputsOf(await executeNotebook('01-data-prep.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toContain('Dataset "mnist": 2,000 images 28x28x1');
    expect(text).toMatch(/mean: 0\.130\d, std: 0\.30\d\d/);
    expect(text).toContain('2004 → 2000 images; flagged: 2000, 2001, 2002, 2003');
    expect(text).toMatch(/batch: \[ 64, 28, 28, 1 \],\s+min: -1,\s+max: 1/);
    expect(text).toContain('Dataset "mnist+planted/clean/train": 1,800 images');
    expect(outs.filter((o) => o.data?.['image/png']).length).toBeGreaterThanOrEqual(3); // class grid, augmentation, fashion
    const charts = outs.filter((o) => o.data?.['application/vnd.vegalite.v5+json']);
    expect(charts.length).toBe(3); // class balance, pixel statistics, cleaning chart
    expect(outs.some((o) => String(o.data?.['text/html'] ?? '').includes('<table>'))).toBe(true);
    expect(outs.filter((o) => o.name === 'stderr').map(textOf).join('')).toBe('');
  });
});
