/**
 * A chart cell executed through the ganbook kernel renders where people read notebooks:
 * in `jupyter nbconvert --to html` (the SVG fallback is in the page) and in JupyterLab
 * (vega-embed draws the vega-lite output; checked in headless Chromium with a screenshot).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, startLab, type Lab } from './lab';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { root, venvBin, jupyterEnv } = require('../../scripts/env') as { root: string; venvBin: string; jupyterEnv: (e?: Record<string, string>) => NodeJS.ProcessEnv };

const dir = path.join(root, 'out', 'test-lab');
const rel = path.relative(root, dir);

const spec = {
  title: 'Loss per step', width: 320, height: 160, mark: 'line',
  data: { values: Array.from({ length: 20 }, (_, i) => ({ step: i, loss: 1 / (1 + i) })) },
  encoding: { x: { field: 'step', type: 'quantitative', title: 'step' }, y: { field: 'loss', type: 'quantitative', title: 'loss (nats)' } },
};
const notebook = {
  nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: 'ganbook', display_name: 'TypeScript (ganbook)', language: 'typescript' }, language_info: { name: 'typescript' } },
  cells: [
    { id: 'c1', cell_type: 'markdown', metadata: {}, source: '# A chart' },
    { id: 'c2', cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: `import { show } from './lib/display/show';\nawait show(${JSON.stringify(spec)});` },
    { id: 'c3', cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: "import { table } from './lib/plot/table';\ntable([{ step: 1, loss: 0.5 }], { title: 'Losses' })" },
  ],
};

/** Runs a command without blocking the test worker (vitest's RPC times out on long spawnSync). */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: root, env: jupyterEnv() });
    let out = '';
    p.stdout.on('data', (d) => { out += String(d); });
    p.stderr.on('data', (d) => { out += String(d); });
    const timer = setTimeout(() => p.kill(), 300_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out); else reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out}`));
    });
  });
}

const executed = path.join(dir, 'run', 'chart.ipynb');
beforeAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'chart.ipynb'), JSON.stringify(notebook, null, 1));
  await run(process.execPath, [path.join(root, 'scripts', 'run-notebooks.js'), `--outdir=${path.join(dir, 'run')}`, path.join(rel, 'chart.ipynb')]);
  // Headless runs are untrusted: SVG/HTML outputs stay hidden until the notebook is trusted.
  await run(path.join(venvBin, 'jupyter'), ['trust', executed]);
}, 400_000);

describe('a chart cell', () => {
  it('is in the executed notebook as vega-lite JSON with an SVG fallback, and the table as an execute_result', () => {
    const nb = JSON.parse(fs.readFileSync(executed, 'utf8'));
    const chart = nb.cells[1].outputs.find((o: any) => o.output_type === 'display_data');
    expect(chart.data['application/vnd.vegalite.v5+json'].title).toBe('Loss per step');
    expect(chart.data['image/svg+xml']).toBeDefined();
    const result = nb.cells[2].outputs.find((o: any) => o.output_type === 'execute_result');
    expect(result.execution_count).toBe(nb.cells[2].execution_count);
    expect([].concat(result.data['text/html']).join('')).toContain('<caption');
  });

  it('renders in jupyter nbconvert --to html', async () => {
    await run(path.join(venvBin, 'jupyter'), ['nbconvert', '--to', 'html', '--output-dir', dir, executed]);
    const html = fs.readFileSync(path.join(dir, 'chart.html'), 'utf8');
    // nbconvert shows the SVG fallback as an <img> data URL (the vega-lite JSON needs JavaScript).
    const m = html.match(/data-mime-type="image\/svg\+xml"[^>]*>\s*<img[^>]*src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/);
    expect(m, 'an SVG output in the HTML').not.toBeNull();
    const svg = Buffer.from(m![1], 'base64').toString('utf8');
    expect(svg).toMatch(/<svg[^>]*class="marks"/);
    expect(svg).toContain('Loss per step');
    expect(svg).toContain('loss (nats)');
    expect(html).toMatch(/<table class="ganbook-table">/);
  });

  describe('in JupyterLab (headless Chromium)', () => {
    let lab: Lab | null = null;
    let url = '';
    beforeAll(async () => {
      lab = await startLab();
      url = lab.urlOf(path.relative(root, executed));
    }, 120_000);
    afterAll(() => { lab?.stop(); });

    it('draws the vega-lite chart with vega-embed and the table', async () => {
      const { chromium: pw } = await import('playwright-core');
      const browser = await pw.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        await page.goto(url, { timeout: 90_000 });
        const chart = page.locator('.jp-OutputArea-output .vega-embed svg.marks, .jp-OutputArea-output .vega-embed canvas').first();
        await chart.waitFor({ state: 'visible', timeout: 90_000 });
        await page.locator('table.ganbook-table').first().waitFor({ state: 'visible', timeout: 30_000 });
        await page.screenshot({ path: path.join(dir, 'jupyterlab.png') });
        const box = await chart.boundingBox();
        expect(box!.width).toBeGreaterThan(200);
        expect(box!.height).toBeGreaterThan(100);
        // Drawn by vega-embed from the vega-lite JSON (JupyterLab's renderer draws on a canvas), not
        // the SVG fallback: JupyterLab prefers the vega-lite MIME type.
        const output = await page.locator('.vega-embed').first().evaluate((el) => {
          const out = el.closest('.jp-OutputArea-output');
          return { cls: out?.className ?? '', mime: out?.getAttribute('data-mime-type') ?? '' };
        });
        expect(`${output.mime} ${output.cls}`).toMatch(/vegalite|Vega/);
        expect(await page.locator('.jp-RenderedSVG').count()).toBe(0);
        expect(await page.locator('table.ganbook-table caption').first().textContent()).toBe('Losses');
      } finally {
        await browser.close();
      }
    }, 180_000);
  });
});
