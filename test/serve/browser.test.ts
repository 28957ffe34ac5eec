import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { exportGenerator } from '../../lib/serve/export';
import { startServer, type RunningServer } from '../../lib/serve/server';
import { tinyGenerator, tmpDir } from './fixtures';

declare const window: { ganbook: {
  ready: Promise<void>; render(s: Record<string, unknown>): Promise<void>; pixels(): number[]; backend(): string; numTensors(): number;
} };
declare const document: { getElementById(id: string): { getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } }; width: number; height: number } };

function variance(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
}

/** RGB channels of RGBA bytes. */
const rgb = (rgba: number[]) => rgba.filter((_, i) => i % 4 !== 3);

describe('browser demo in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    const dir = tmpDir();
    const g = tinyGenerator({ channels: 3 });
    await exportGenerator(g, dir, { quantize: 'float16', meta: { dataset: 'tiny-rgb' } });
    g.dispose();
    server = await startServer({ modelDir: dir });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless=new'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function serverPixels(seed: number): Promise<number[]> {
    const res = await fetch(`${server.url}/v1/generate`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seed, format: 'json' }),
    });
    return ((await res.json()) as { pixels: number[] }).pixels;
  }

  it('loads the exported model with TensorFlow.js and renders what the server renders for the same z', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${server.url}/`);
    await page.evaluate(() => window.ganbook.ready);
    const backend = await page.evaluate(() => window.ganbook.backend());
    expect(['webgl', 'cpu', 'wasm', 'webgpu']).toContain(backend);
    console.log(`browser backend: ${backend}`);

    await page.evaluate(() => window.ganbook.render({ seedA: 42, seedB: 43, t: 0 }));
    const a = rgb(await page.evaluate(() => window.ganbook.pixels()));
    expect(a).toHaveLength(8 * 8 * 3);
    expect(variance(a)).toBeGreaterThan(0);
    const refA = await serverPixels(42);
    const diffA = a.map((v, i) => Math.abs(v - refA[i]));
    console.log(`max abs browser-server pixel difference: ${Math.max(...diffA)}`);
    expect(Math.max(...diffA)).toBeLessThanOrEqual(2); // same z, same weights: equal up to float rounding

    // The upscaled view canvas is a non-blank picture too.
    const view = await page.evaluate(() => {
      const c = document.getElementById('view');
      return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    });
    expect(variance(rgb(view))).toBeGreaterThan(0);

    // Interpolation: t = 1 is seed B; t = 0.5 is neither endpoint.
    await page.evaluate(() => window.ganbook.render({ t: 1 }));
    const b = rgb(await page.evaluate(() => window.ganbook.pixels()));
    const refB = await serverPixels(43);
    expect(Math.max(...b.map((v, i) => Math.abs(v - refB[i])))).toBeLessThanOrEqual(2);
    await page.evaluate(() => window.ganbook.render({ t: 0.5 }));
    const mid = rgb(await page.evaluate(() => window.ganbook.pixels()));
    expect(mid).not.toEqual(a);
    expect(mid).not.toEqual(b);

    // A latent slider moves the image; the page keeps no tensors between renders.
    const tensors = await page.evaluate(() => window.ganbook.numTensors());
    await page.evaluate(() => window.ganbook.render({ t: 0, offsets: [2, -2, 1, 0, 0, 0, 0, 0] }));
    const moved = rgb(await page.evaluate(() => window.ganbook.pixels()));
    expect(moved).not.toEqual(a);
    expect(await page.evaluate(() => window.ganbook.numTensors())).toBe(tensors);
    expect(errors, errors.join("\n")).toEqual([]);
    await page.close();
  });
});
