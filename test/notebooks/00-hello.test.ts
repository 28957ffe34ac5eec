import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/00-hello.ipynb', () => {
  it('runs headless on native TensorFlow with a PNG image and a vega-lite chart', { timeout: 900_000 }, async () => {
    const outs = outputsOf(await executeNotebook('00-hello.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toMatch(/backend: 'tensorflow'/);
    expect(text).toContain('[ [ 19, 22 ], [ 43, 50 ] ]');

    const png = outs.find((o) => o.data?.['image/png']);
    expect(png).toBeDefined();
    const bytes = Buffer.from(String(png!.data!['image/png']), 'base64');
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(192); // 64 px at scale 3

    const chart = outs.find((o) => o.data?.['application/vnd.vegalite.v5+json']);
    expect(chart).toBeDefined();
    const spec = chart!.data!['application/vnd.vegalite.v5+json'] as Record<string, unknown>;
    expect(typeof spec).toBe('object'); // a JSON object, not a string
    expect(spec.$schema).toContain('vega-lite/v5');
    expect(spec.mark).toBe('line');
    expect(String(chart!.data!['image/svg+xml'])).toContain('<svg');
  });
});
