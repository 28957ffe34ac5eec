/**
 * TensorBoard, read and served by TensorBoard itself: a run's events hold the fixed-noise sample
 * grid as an image per sample step (grey and colour, pixel-identical to samples/step-*.png) beside
 * the scalars and histograms, checked with TensorBoard's EventAccumulator; `npm run tensorboard`
 * serves them on 127.0.0.1 and headless Chromium shows the Images tab.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { dcgan } from '../../lib/models/config';
import { GanTrainer } from '../../lib/train/trainer';

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-tb-'));
const children: ChildProcess[] = [];
afterAll(() => { children.forEach((c) => c.kill('SIGTERM')); fs.rmSync(tmp, { recursive: true, force: true }); });

const small = { latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } };

async function train(name: string, shape: [number, number, number]): Promise<string> {
  const gan = buildGan(dcgan({ ...small, imageShape: shape }));
  const data = tf.randomUniform([16, ...shape], -1, 1, 'float32', 5) as Tensor4D;
  const t = new GanTrainer(gan, data, { batchSize: 4, runsDir: tmp, name, sampleEvery: 2, numSamples: 4, live: false, checkpointEvery: 0, tensorboard: true, logEvery: 1 });
  const r = await t.fit({ steps: 4 });
  t.dispose(); disposeGan(gan); data.dispose();
  return r.runDir!;
}

/** What TensorBoard's own EventAccumulator reads from a run's tb/ folder. */
function accumulate(tbDir: string): { images: { step: number; width: number; height: number; png: string }[]; scalars: number[]; histograms: string[] } {
  const r = spawnSync(path.join(root, '.venv', 'bin', 'python'), ['-c', [
    'import sys, json, base64',
    'from tensorboard.backend.event_processing.event_accumulator import EventAccumulator',
    'ea = EventAccumulator(sys.argv[1], size_guidance={"images": 0, "histograms": 0, "scalars": 0}); ea.Reload()',
    'print(json.dumps({"images": [{"step": i.step, "width": i.width, "height": i.height, "png": base64.b64encode(i.encoded_image_string).decode()} for i in ea.Images("samples/image")],',
    // tfjs-node writes histograms as TF2 tensor summaries (plugin "histograms"): listed under "tensors".
    '  "scalars": [e.step for e in ea.Scalars("loss/generator")],',
    '  "histograms": [t for t in ea.Tags()["tensors"] if ea.SummaryMetadata(t).plugin_data.plugin_name == "histograms"]}))',
  ].join('\n'), tbDir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const pixels = async (png: Uint8Array) => { const t = tf.node.decodePng(png, 0); const d = Array.from(await t.data()); const s = t.shape; t.dispose(); return { s, d }; };

describe('TensorBoard image summaries', () => {
  for (const [label, shape] of [['grey', [28, 28, 1]], ['colour', [32, 32, 3]]] as const) {
    it(`${label}: the sample grid of every sample step, pixel for pixel the saved PNG, beside scalars and histograms`, async () => {
      const runDir = await train(`tb-${label}`, [...shape] as [number, number, number]);
      const ev = accumulate(path.join(runDir, 'tb'));
      expect(ev.images.map((i) => i.step)).toEqual([2, 4]);
      expect(ev.scalars).toEqual([1, 2, 3, 4]);
      expect(ev.histograms.some((t) => t.startsWith('generator/'))).toBe(true);
      for (const im of ev.images) {
        const saved = await pixels(fs.readFileSync(path.join(runDir, 'samples', `step-${String(im.step).padStart(8, '0')}.png`)));
        const logged = await pixels(Buffer.from(im.png, 'base64'));
        expect([im.height, im.width]).toEqual(saved.s.slice(0, 2));
        expect(logged.s).toEqual(saved.s);
        expect(logged.s[2]).toBe(shape[2]);
        expect(logged.d).toEqual(saved.d);
      }
    }, 120_000);
  }

  it('npm run tensorboard serves them on 127.0.0.1; the Images tab shows the grid (headless Chromium)', async () => {
    const tb = spawn(process.execPath, [path.join(root, 'scripts', 'tensorboard.js'), '--logdir', tmp, '--port', '0'], { cwd: root });
    children.push(tb);
    let out = '';
    tb.stdout.on('data', (d) => { out += d; });
    tb.stderr.on('data', (d) => { out += d; });
    const t0 = Date.now();
    while (!/at (http:\/\/127\.0\.0\.1:\d+)\//.test(out)) {
      if (Date.now() - t0 > 90_000) throw new Error(`npm run tensorboard did not serve:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1];
    let tags: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 60 && !Object.keys(tags).some((run) => 'samples/image' in (tags[run] ?? {})); i++) {
      tags = await (await fetch(`${url}/data/plugin/images/tags`)).json() as typeof tags;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(Object.entries(tags).filter(([, t]) => 'samples/image' in t).map(([run]) => run.split('/')[0]).sort()).toEqual(expect.arrayContaining([expect.stringMatching(/^tb-colour/), expect.stringMatching(/^tb-grey/)]));
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({ executablePath: process.env.GANBOOK_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`${url}/#images`, { timeout: 60_000 });
      // TensorBoard's images live in shadow DOM; Playwright's CSS locators pierce it.
      const img = page.locator('img[src*="individualImage"]').first();
      await img.waitFor({ state: 'visible', timeout: 60_000 });
      await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth), { timeout: 30_000 }).toBeGreaterThan(0);
      fs.mkdirSync(path.join(root, 'out'), { recursive: true });
      await page.screenshot({ path: path.join(root, 'out', 'tensorboard-images.png') });
      expect(await page.locator('text=samples/image').count()).toBeGreaterThanOrEqual(1);
    } finally {
      await browser.close();
    }
  }, 180_000);
});
