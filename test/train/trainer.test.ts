import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inspect } from 'util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tf, type Tensor, type Tensor4D } from '../../lib/backend';
import { buildGan, disposeGan } from '../../lib/models/build';
import { conditionalGan, dcgan, fcGan, wganGp, type GanConfig } from '../../lib/models/config';
import { GanTrainer, type TrainerOptions } from '../../lib/train/trainer';
import { listCheckpoints } from '../../lib/train/checkpoint';
import { gifInfo } from '../../lib/plot/gif';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-train-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tinyDcgan = (o: Parameters<typeof dcgan>[0] = {}) => dcgan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] }, ...o });
const data = tf.randomUniform([48, 28, 28, 1], 0, 1, 'float32', 7) as Tensor4D;
const base: TrainerOptions = { batchSize: 8, runsDir: null, numSamples: 4, sampleEvery: 0, live: false };

async function losses(config: GanConfig, opts: TrainerOptions, steps: number) {
  const gan = buildGan(config);
  const t = new GanTrainer(gan, data, { ...base, ...opts });
  for (let i = 0; i < steps; i++) await t.step();
  const h = t.history.map((x) => [x.dLoss, x.gLoss]);
  t.dispose(); disposeGan(gan);
  return h;
}

describe('GanTrainer', () => {
  it('steps without leaking tensors and with finite losses', async () => {
    const gan = buildGan(tinyDcgan());
    const t = new GanTrainer(gan, data, { ...base, ema: 0.9 });
    await t.step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) {
      const log = await t.step();
      expect(Number.isFinite(log.dLoss) && Number.isFinite(log.gLoss)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(t.iteration).toBe(5);
    const s = t.samples();
    expect(s.shape).toEqual([4, 28, 28, 1]);
    s.dispose();
    t.dispose(); disposeGan(gan);
  });

  it('is reproducible: same seed → same losses, other seed → other losses', async () => {
    const cfg = fcGan({ latentDim: 8, generator: { widths: [16] }, discriminator: { widths: [16], dropout: 0.3 } });
    const a = await losses(cfg, { seed: 1 }, 3);
    const b = await losses(cfg, { seed: 1 }, 3);
    const c = await losses(cfg, { seed: 2 }, 3);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('resume() continues with exactly the losses of an uninterrupted run', async () => {
    const cfg = tinyDcgan({ discriminator: { widths: [4, 8], dropout: 0.2 } });
    const opts: TrainerOptions = { ...base, seed: 5, ema: 0.5, checkpointEvery: 3 };
    const full = await losses(cfg, opts, 6);

    const ganA = buildGan(cfg);
    const a = new GanTrainer(ganA, data, { ...opts, runsDir: path.join(tmp, 'resume') });
    await a.fit({ steps: 3 });
    const runDir = a.run!.dir;
    a.dispose(); disposeGan(ganA);

    const b = await GanTrainer.resume(runDir, data, { live: false });
    expect(b.iteration).toBe(3);
    for (let i = 0; i < 3; i++) await b.step();
    expect(b.history.map((x) => [x.dLoss, x.gLoss])).toEqual(full);
    b.dispose(); disposeGan(b.gan);
  });

  it('a resumed run writes a GIF of the whole history, earlier sessions included', async () => {
    const ganA = buildGan(tinyDcgan());
    const a = new GanTrainer(ganA, data, { ...base, runsDir: path.join(tmp, 'resume-gif'), sampleEvery: 2 });
    const first = await a.fit({ steps: 3 }); // samples at steps 2 and 3 (end of fit)
    expect(gifInfo(fs.readFileSync(first.gif!))).toMatchObject({ frames: 2 });
    a.dispose(); disposeGan(ganA);

    const b = await GanTrainer.resume(first.runDir!, data, { live: false });
    const second = await b.fit({ steps: 3 }); // samples at steps 4 and 6
    expect(second.gif).toBe(first.gif);
    expect(fs.readdirSync(path.join(first.runDir!, 'samples')).filter((f) => f.endsWith('.png')))
      .toEqual(['step-00000002.png', 'step-00000003.png', 'step-00000004.png', 'step-00000006.png']);
    expect(gifInfo(fs.readFileSync(second.gif!))).toMatchObject({ frames: 4 });
    b.dispose(); disposeGan(b.gan);
  });

  it('stops on a NaN loss naming the step and restores the last good checkpoint', async () => {
    const gan = buildGan(tinyDcgan());
    const t = new GanTrainer(gan, data, { ...base, runsDir: path.join(tmp, 'nan'), checkpointEvery: 2 });
    const ns = t.objective;
    t.objective = { ...ns, name: 'nan at step 5', generatorLoss: (o, f) => (t.iteration === 4 ? o.scale(ns.generatorLoss(o, f), NaN) : ns.generatorLoss(o, f)) };
    const r = await t.fit({ steps: 10 });
    expect(r.stopped).toBe('nan');
    expect(r.message).toMatch(/step 5: generator loss NaN/);
    expect(r.message).toMatch(/step-00000004/);
    expect(t.iteration).toBe(4);
    const w = t.gan.generator.getWeights()[0].dataSync();
    expect(Array.from(w).every(Number.isFinite)).toBe(true);
    t.dispose(); disposeGan(gan);
  });

  it('live view: the progress line is never behind the loss chart (short runs sample more often than liveEvery)', async () => {
    const { setFallbackSink } = await import('../../lib/display/sink');
    const seen: { progress: number; chart: number }[] = [];
    let progress = 0;
    setFallbackSink((bundle) => {
      const text = String(bundle['text/plain'] ?? '');
      const m = /^step (\d+)\/\d+/.exec(text);
      if (m) progress = Number(m[1]);
      const spec = bundle['application/vnd.vegalite.v5+json'] as { data?: { values: { step: number }[] } } | undefined;
      if (spec?.data) seen.push({ progress, chart: Math.max(...spec.data.values.map((v) => v.step)) });
    });
    try {
      const gan = buildGan(tinyDcgan());
      const t = new GanTrainer(gan, data, { ...base, runsDir: null, live: true, sampleEvery: 2, liveEvery: 10 });
      await t.fit({ steps: 8 });
      t.dispose(); disposeGan(gan);
    } finally { setFallbackSink(null); }
    expect(seen.length).toBeGreaterThanOrEqual(4);
    // Checked at the next chart update: by then the progress line has caught up with the previous chart.
    for (let i = 1; i < seen.length; i++) expect(seen[i].progress).toBeGreaterThanOrEqual(seen[i - 1].chart);
    expect(progress).toBe(8);
  });

  it('shows a fit result compactly (a few lines, not every step) and keeps it a plain object', async () => {
    const gan = buildGan(tinyDcgan());
    const t = new GanTrainer(gan, data, { ...base, runsDir: null });
    const r = await t.fit({ steps: 12 });
    const text = inspect(r);
    expect(text.split('\n').length).toBeLessThan(12);
    expect(text).toMatch(/^FitResult\n  stopped: +completed after 12 steps \(now at step 12\)\n  final losses: +D \d+\.\d{4}, G \d+\.\d{4}/);
    const bundle = (r as unknown as { toMimeBundle(): Record<string, string> }).toMimeBundle();
    expect(bundle['text/html']).toMatch(/^<table class="ganbook-table"><caption>fit\(\) result<\/caption>/);
    expect(Object.keys(r)).not.toContain('toMimeBundle');
    expect(JSON.parse(JSON.stringify(r)).history).toHaveLength(r.history.length);
    t.dispose(); disposeGan(gan);
  });

  it('honours an AbortSignal at a step boundary: checkpoint, clean return', async () => {
    const gan = buildGan(tinyDcgan());
    const t = new GanTrainer(gan, data, { ...base, runsDir: path.join(tmp, 'abort'), checkpointEvery: 0 });
    const ctl = new AbortController();
    const r = await t.fit({ steps: 50, signal: ctl.signal, callbacks: [{ onStepEnd: (log) => { if (log.step === 2) ctl.abort(); } }] });
    expect(r.stopped).toBe('interrupted');
    expect(r.step).toBe(2);
    expect(listCheckpoints(t.run!.checkpointsDir).map((d) => path.basename(d))).toEqual(['step-00000002']);
    t.dispose(); disposeGan(gan);
  });

  it('writes a run folder: config, metrics, samples, GIF, TensorBoard events, ledger', async () => {
    const gan = buildGan(tinyDcgan());
    const t = new GanTrainer(gan, data, { ...base, runsDir: path.join(tmp, 'runs'), name: 'tiny', sampleEvery: 2, logEvery: 1, pricePerHour: 3.6 });
    const r = await t.fit({ steps: 5 });
    const dir = r.runDir!;
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).gan.generator.widths).toEqual([8, 4]);
    const rows = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => x.step)).toEqual([1, 2, 3, 4, 5]);
    expect(fs.readdirSync(path.join(dir, 'samples')).filter((f) => f.endsWith('.png'))).toEqual(['step-00000002.png', 'step-00000004.png', 'step-00000005.png']);
    expect(gifInfo(fs.readFileSync(r.gif!))).toMatchObject({ frames: 3 });
    // TensorBoard: TFRecord framing (u64 length, u32 crc, data, u32 crc) holding our tags
    const tb = path.join(dir, 'tb');
    const ev = fs.readdirSync(tb).find((f) => f.startsWith('events.out.tfevents'))!;
    const buf = fs.readFileSync(path.join(tb, ev));
    let p = 0, records = 0;
    while (p < buf.length) { const len = Number(buf.readBigUInt64LE(p)); p += 12 + len + 4; records++; }
    expect(p).toBe(buf.length);
    expect(records).toBeGreaterThan(10);
    expect(buf.includes(Buffer.from('loss/generator'))).toBe(true);
    expect(buf.includes(Buffer.from('generator/'))).toBe(true); // histograms of kernels
    // ledger
    const l = r.ledger;
    expect(l.steps).toBe(5);
    expect(l.imagesSeen).toBe(40);
    expect(l.totalFlops).toBe(5 * t.flopsPerStep);
    expect(l.estimatedCost).toBeCloseTo(l.wallSeconds / 3600 * 3.6, 10);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).step).toBe(5);
    t.dispose(); disposeGan(gan);
  });

  it('trains WGAN-GP (n_critic, gradient penalty) and a conditional GAN', async () => {
    const w = buildGan(wganGp({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } }));
    const tw = new GanTrainer(w, data, { ...base, nCritic: 2 });
    const log = await tw.step();
    expect(log.gp).toBeGreaterThan(0);
    expect(tw.epoch).toBeCloseTo(2 / 6, 10);
    tw.dispose(); disposeGan(w);

    const c = buildGan(conditionalGan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } }));
    const labels = Int32Array.from({ length: 48 }, (_, i) => i % 10);
    const tc = new GanTrainer(c, { images: data, labels, numClasses: 10, name: 'synthetic' }, base);
    expect(Number.isFinite((await tc.step()).gLoss)).toBe(true);
    tc.dispose(); disposeGan(c);
  });

  it('rejects invalid hyperparameters naming the field', () => {
    const gan = buildGan(tinyDcgan());
    expect(() => new GanTrainer(gan, data, { ...base, lrG: -1 })).toThrow(/lrG/);
    expect(() => new GanTrainer(gan, data, { ...base, batchSize: 100 })).toThrow(/batchSize/);
    expect(() => new GanTrainer(gan, data, { ...base, ema: 1 })).toThrow(/ema/);
    expect(() => new GanTrainer(gan, tf.zeros([8, 32, 32, 1]) as Tensor4D, base)).toThrow(/28x28x1/);
    disposeGan(gan);
  });
});

describe('runsTable', () => {
  it('lists run folders with their ledgers and extra columns', async () => {
    const { runsTable } = await import('../../lib/train/runs-table');
    const t = runsTable(path.join(tmp, 'runs'));
    expect(t.rows.length).toBe(1);
    expect(t.rows[0].steps).toBe(5);
    expect(t.rows[0].arch).toBe('dcgan');
    const html = String(runsTable([t.rows[0].run].map((r) => path.join(tmp, 'runs', r)), { [path.join(tmp, 'runs', t.rows[0].run)]: { score: 0.5 } }).toMimeBundle()['text/html']);
    expect(html).toMatch(/<th style="text-align:right">score<\/th>[\s\S]*<td style="text-align:right">0\.500<\/td>/);
  });
});

describe('fit() and the kernel interrupt', () => {
  it('defaults to interruptSignal(): requestInterrupt() stops at the next step boundary', async () => {
    const { requestInterrupt, resetInterrupt } = await import('../../lib/display/interrupt');
    const gan = buildGan(tinyDcgan());
    const t = new GanTrainer(gan, data, { ...base, runsDir: path.join(tmp, 'kernel-abort'), checkpointEvery: 0 });
    resetInterrupt();
    const warn = vi.spyOn(console, 'warn');
    const r = await t.fit({ steps: 50, callbacks: [{ onStepEnd: (log) => { if (log.step === 3) requestInterrupt(); } }] });
    resetInterrupt();
    expect(r.stopped).toBe('interrupted');
    expect(r.step).toBe(3);
    expect(r.lastCheckpoint).toMatch(/step-00000003$/);
    // The cell's output says where it stopped and how to go on (the kernel shows only "interrupted").
    expect(r.message).toMatch(/^Interrupted at step 3; checkpoint \S*kernel-abort\S*step-00000003 written\. Continue with await trainer\.fit\(\{ steps \}\), or in a new kernel GanTrainer\.resume\('\S*kernel-abort\S*', data\)\.$/);
    expect(warn).toHaveBeenCalledWith(`ganbook: ${r.message}`);
    warn.mockRestore();
    t.dispose(); disposeGan(gan);
  });
});

describe('generator export', () => {
  it('saveGenerator() and generatorFromCheckpoint() give the trained generator back', async () => {
    const { generatorFromCheckpoint } = await import('../../lib/train/export');
    const { loadGenerator } = await import('../../lib/models/io');
    const gan = buildGan(tinyDcgan());
    const t = new GanTrainer(gan, { images: data, name: 'synthetic' }, { ...base, runsDir: path.join(tmp, 'export'), checkpointEvery: 0 });
    const r = await t.fit({ steps: 2 });
    const meta = await t.saveGenerator();
    expect(meta).toMatchObject({ latentDim: 8, dataset: 'synthetic', step: 2, numClasses: 0 });
    const z = tf.randomNormal([2, 8], 0, 1, 'float32', 3);
    const want = Array.from((gan.generator.predict(z) as Tensor).dataSync());
    const loaded = await loadGenerator(meta.dir);
    expect(Array.from((loaded.model.predict(z) as Tensor).dataSync())).toEqual(want);
    const fromCkpt = generatorFromCheckpoint(r.lastCheckpoint!);
    expect(fromCkpt.step).toBe(2);
    expect(Array.from((fromCkpt.generator.predict(z) as Tensor).dataSync())).toEqual(want);
    t.dispose(); disposeGan(gan);
  });
});

describe('fastStep option (lib/train/fast-step)', () => {
  it('runs the native fast step, agrees with the reference step and resumes exactly', async () => {
    const cfg = tinyDcgan();
    const ref = await losses(cfg, { seed: 9, fastStep: false }, 3);
    const gan = buildGan(cfg);
    const forced = new GanTrainer(gan, data, { ...base, fastStep: false });
    expect(forced.stepMode).toBe('autodiff');
    forced.dispose();
    const t = new GanTrainer(gan, data, { ...base, seed: 9 }); // fast by default
    expect(t.stepMode).toBe('native');
    for (let i = 0; i < 3; i++) await t.step();
    t.history.forEach((h, i) => { expect(h.dLoss).toBeCloseTo(ref[i][0], 3); expect(h.gLoss).toBeCloseTo(ref[i][1], 3); });
    t.dispose(); disposeGan(gan);

    const opts: TrainerOptions = { ...base, seed: 9, fastStep: true, checkpointEvery: 2 };
    const full = await losses(cfg, opts, 4);
    const ganA = buildGan(cfg);
    const a = new GanTrainer(ganA, data, { ...opts, runsDir: path.join(tmp, 'fast-resume') });
    await a.fit({ steps: 2 });
    a.dispose(); disposeGan(ganA);
    const b = await GanTrainer.resume(a.run!.dir, data, { live: false });
    expect(b.stepMode).toBe('native');
    for (let i = 0; i < 2; i++) await b.step();
    expect(b.history.map((x) => [x.dLoss, x.gLoss])).toEqual(full);
    b.dispose(); disposeGan(b.gan);
  });
});
