import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/05-deploy.ipynb', () => {
  // The kernel compiles lib/ first (a minute or more on a busy machine), then Chromium starts.
  it('exports, compares compression, serves, calls the API, screenshots the browser demo and shuts down', { timeout: 900_000 }, async () => {
    const outs = outputsOf(await executeNotebook('05-deploy.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toMatch(/mnist-dcgan: \d+ parameters, latent 100/); // the shipped generator, no training
    expect(text).toMatch(/\| uint8 \(shipped\) \| 2\.89 MB \| 80\.0% \|/); // its model card
    expect(text).toMatch(/deployed \(float16\): \d+\.\d% recognizable; shipped: \d+\.\d% ± \d+\.\d \(95%\): the same within sampling error/);
    expect(text).toMatch(/Compression: size vs quality \(100 images, seed 0, FCD on mnist\)/);
    for (const v of ['float32', 'float16', 'uint8', 'pruned 50% + uint8']) expect(text).toContain(v);
    expect(text).toMatch(/http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain("compression: { quantize: 'float16', prune: 0 }");
    expect(text).toContain('{ sameSeedByteIdentical: true, otherSeedDiffers: true }');
    expect(text).toContain('400 {"count":1000} → Expected "count" to be an integer from 1 to 256; got 1000.');
    expect(text).toContain('400 {"count":4,"label":3} → Unexpected field "label": this model is unconditional. Remove "label".');
    expect(text).toContain('400 {"count":2,"format":"gif"} → Expected "format" to be "png" or "json"; got "gif".');
    expect(text).toMatch(/tensors: \d+ while serving → \d+ after close/);
    const pngs = outs.filter((o) => o.data?.['image/png']).map((o) => Buffer.from(String(o.data!['image/png']), 'base64'));
    expect(pngs).toHaveLength(3); // the server's grid, the truncation grid, the browser screenshot
    const [served, truncated, screenshot] = pngs;
    // The server's bytes as sent: an 8x8 grid of 28 px digits with 2 px gaps.
    expect([served.readUInt32BE(16), served.readUInt32BE(20)]).toEqual([8 * 30 - 2, 8 * 30 - 2]);
    expect(truncated.readUInt32BE(16)).toBeGreaterThan(0);
    expect([screenshot.readUInt32BE(16), screenshot.readUInt32BE(20)]).toEqual([900, 700]);
    expect(outs.some((o) => String(o.data?.['text/html'] ?? '').includes('<table class="ganbook-compression">'))).toBe(true);
    expect(outs.some((o) => o.data?.['application/vnd.jupyter.widget-view+json'])).toBe(true); // the latent explorer
  });
});
