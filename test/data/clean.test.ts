import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../lib/backend';
import { findIssues } from '../../lib/data/clean';
import { Dataset } from '../../lib/data/dataset';
import { loadDataset } from '../../lib/data/load';
import { classBalanceChart, pixelStats, pixelStatsChart } from '../../lib/data/stats';
import { toMimeBundle } from '../../lib/display/show';

let dirty: Dataset;
beforeAll(async () => {
  const base = await loadDataset('mnist-1k', { limit: 200 });
  const per = 784;
  const extra = 4;
  const pixels = new Uint8Array((base.size + extra) * per);
  pixels.set(base.pixels);
  const labels = new Int32Array(base.size + extra);
  labels.set(base.labels!);
  const at = (k: number): Uint8Array => pixels.subarray((base.size + k) * per, (base.size + k + 1) * per);
  at(0).set(base.pixels.subarray(3 * per, 4 * per)); labels[200] = 7;               // 200: duplicate of #3 (label 1), relabelled
  /* 201 stays all zeros */                                                          // 201: blank
  at(2).fill(128);                                                                   // 202: constant grey
  at(3).set(base.pixels.subarray(5 * per, 6 * per).map((v) => 255 - v));             // 203: inverted digit: outlier
  dirty = new Dataset({ name: 'dirty', pixels, shape: [204, 28, 28, 1], labels, classNames: base.classNames });
});

describe('findIssues', () => {
  it('flags exactly the planted duplicate, blank, constant and outlier images', () => {
    const r = findIssues(dirty);
    expect(r.counts()).toEqual({ duplicate: 1, constant: 2, outlier: 1 });
    expect(r.flagged()).toEqual([200, 201, 202, 203]);
    expect(r.flagged(['duplicate'])).toEqual([200]);
    const dup = r.issues.find((i) => i.kind === 'duplicate')!;
    expect(dup.detail).toBe('same pixels as #3 (labels differ: 1 vs 7)');
    expect(r.issues.find((i) => i.index === 203)!.kind).toBe('outlier');
  });

  it('filters in one call and reports class balance', () => {
    const r = findIssues(dirty);
    const clean = r.filter();
    expect(clean.size).toBe(200);
    expect(findIssues(clean).flagged()).toEqual([]);
    expect(r.filter(['constant']).size).toBe(202);
    // First 200 MNIST labels (counted with Python) plus the planted images' labels 7, 0, 0, 0.
    expect(r.classCounts).toEqual([24, 26, 20, 21, 21, 13, 19, 22, 15, 23]);
    expect(r.imbalance).toBe(2); // 26 / 13
    expect(r.underRepresented).toEqual([]); // default threshold: half the mean count (10.2)
    expect(findIssues(dirty, { minClassFraction: 0.75 }).underRepresented).toEqual(['5', '8']); // below 15.3
  });

  it('shows as an HTML table, and as a vega-lite chart', async () => {
    const r = findIssues(dirty);
    const bundle = r.toMimeBundle();
    const html = String(bundle['text/html']);
    expect(html).toContain('<table>');
    expect(html).toMatch(/exact duplicates.*<td>1<\/td>/);
    expect(html).toMatch(/blank \/ constant images<\/td><td>2<\/td>/);
    expect(String(bundle['text/plain'])).toContain('4 flagged');
    const spec = r.chart();
    const values = (spec.data as { values: { status: string; count: number }[] }).values;
    expect(values.reduce((a, v) => a + v.count, 0)).toBe(204);
    expect(values.filter((v) => v.status === 'constant').reduce((a, v) => a + v.count, 0)).toBe(2);
    const shown = await toMimeBundle(spec);
    expect(String(shown['image/svg+xml'])).toContain('<svg');
  });
});

describe('pixel statistics and charts', () => {
  it('per-image statistics', () => {
    const s = pixelStats(dirty);
    expect(s.imageMean[201]).toBe(0);
    expect(s.imageMean[202]).toBeCloseTo(128 / 255, 6);
    expect(s.imageStd[202]).toBeCloseTo(0, 6);
    expect(s.histogram.reduce((a, b) => a + b, 0)).toBe(204 * 784);
    expect(s.min).toBe(0);
    expect(s.max).toBe(1);
  });

  it('class balance and pixel charts are vega-lite specs with titles and data', async () => {
    const bal = classBalanceChart(dirty);
    expect(String(bal.title)).toContain('images per class');
    expect((bal.data as { values: { count: number }[] }).values.map((v) => v.count)).toEqual(dirty.classCounts());
    const px = pixelStatsChart(dirty);
    expect(String(px.title)).toMatch(/pixel statistics \(mean 0\.\d{4}, std 0\.\d{4}\)/);
    const before = tf.memory().numTensors;
    expect(String((await toMimeBundle(px))['image/svg+xml'])).toContain('<svg');
    const dsBundle = await toMimeBundle(dirty);
    expect(Buffer.from(dsBundle['image/png'] as Uint8Array).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(String(dsBundle['text/plain'])).toContain('Dataset "dirty": 204 images 28x28x1');
    expect(tf.memory().numTensors).toBe(before);
  });
});
