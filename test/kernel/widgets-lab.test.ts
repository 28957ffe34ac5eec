/**
 * Widgets in real JupyterLab (headless Chromium, the jupyterlab_widgets front-end `npm run setup`
 * installs): a cell shows latentExplorer live from the ganbook kernel; moving the seed slider with
 * the keyboard changes the generated image on screen.
 */
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, startLab, type Lab } from './lab';

const root = path.resolve(__dirname, '..', '..');
const dir = path.join(root, 'out', 'test-lab-widgets');
const file = path.join(dir, 'explorer.ipynb');
const cell = (source: string) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source });
let lab: Lab | null = null;

beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'ganbook', display_name: 'TypeScript (ganbook)', language: 'typescript' }, language_info: { name: 'typescript' } },
    cells: [cell("import { buildGan, dcgan, latentExplorer } from './lib';\nawait latentExplorer(buildGan(dcgan({ latentDim: 16 })), { dims: 2, scale: 4 })")],
  }));
  lab = await startLab();
}, 120_000);
afterAll(() => { lab?.stop(); });

describe('widgets in JupyterLab', () => {
  it('latentExplorer renders, and moving the seed slider redraws the image', async () => {
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(lab!.urlOf(path.relative(root, file)), { timeout: 90_000 });
      // The visible notebook (a restored workspace may hold other tabs); wait for the ganbook kernel, run the cell.
      const nb = page.locator('.jp-NotebookPanel:visible').first();
      await page.locator('.jp-StatusBar-TextItem:has-text("ganbook) | Idle")').first().waitFor({ timeout: 90_000 });
      await nb.locator('.jp-Cell .jp-InputArea-editor').first().click();
      await page.keyboard.press('Shift+Enter');
      const img = nb.locator('.jp-OutputArea-output .widget-image').first();
      await img.waitFor({ state: 'visible', timeout: 120_000 });
      await page.waitForFunction(() => ((document.querySelector('.widget-image') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0, null, { timeout: 60_000 });
      const before = await img.screenshot();
      await page.screenshot({ path: path.join(dir, 'before.png') });
      // The first slider is seed A: focus its handle and step it with the keyboard.
      const handle = nb.locator('.jp-OutputArea-output .widget-slider .noUi-handle').first();
      await handle.focus();
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      await expect.poll(async () => (await nb.locator('.jp-OutputArea-output .widget-readout').first().textContent())?.trim(), { timeout: 30_000 }).toBe('3');
      await expect.poll(async () => !(await img.screenshot()).equals(before), { timeout: 60_000, interval: 500 }).toBe(true);
      await page.screenshot({ path: path.join(dir, 'after.png') });
      expect(await nb.locator('.jp-OutputArea-output .widget-slider').count()).toBe(5); // seeds A, B, t, 2 shifts
    } finally {
      await browser.close();
    }
  }, 300_000);
});
