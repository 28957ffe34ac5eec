/**
 * Two-way widgets at the message level (ipywidgets 8 protocol over comms), through jupyter_client:
 * models opened with their state and layout, a view as the cell's value, front-end updates observed
 * in the kernel, binary image buffers, button clicks; the latent and run explorers.
 */
import * as fs from 'fs';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kernel, ofType, type Msg } from './client';
import { IntSlider } from '../../lib/widgets/controls';

const root = path.resolve(__dirname, '..', '..');
const runsDir = path.join(root, 'out', 'test-widgets-runs');
let k: Kernel;
beforeAll(async () => {
  fs.rmSync(runsDir, { recursive: true, force: true });
  k = await Kernel.start();
  const r = await k.execute("import { tf, IntSlider, Label, Button, VBox, latentExplorer, runExplorer, trainingControls, buildGan, dcgan, GanTrainer } from './lib';", { timeout: 280 });
  expect(r.reply.content.status).toBe('ok');
}, 400_000);
afterAll(async () => { await k?.shutdown(); fs.rmSync(runsDir, { recursive: true, force: true }); });

const opens = (ms: Msg[]) => ms.filter((m) => m.msg_type === 'comm_open' && m.content.target_name === 'jupyter.widget');
const modelOf = (ms: Msg[], name: string) => opens(ms).find((m) => m.content.data.state._model_name === name)!;
const updates = (ms: Msg[], commId: string) => ms.filter((m) => m.msg_type === 'comm_msg' && m.content.comm_id === commId && m.content.data.method === 'update');
const png = (b64: string) => Buffer.from(b64, 'base64');
const isPng = (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

describe('widgets', () => {
  it('refuses outside a kernel with what to do', () => {
    expect(() => new IntSlider()).toThrow(/Widgets need a live front-end: run this in the ganbook Jupyter kernel/);
  });

  it('opens models with state, layout and style, shows the view as the cell value, and hears the front-end', async () => {
    const r = await k.execute(`const s = new IntSlider({ value: 3, max: 10, description: 'n' });
const l = new Label({ value: 'n=3' });
s.observe('value', ({ new: v }) => l.set({ value: 'n=' + v }));
new VBox([s, l])`);
    expect(r.reply.content.status).toBe('ok');
    const slider = modelOf(r.iopub, 'IntSliderModel');
    expect(slider.metadata.version).toBe('2.1.0');
    expect(slider.content.data.state).toMatchObject({ _model_module: '@jupyter-widgets/controls', _model_module_version: '2.0.0', _view_name: 'IntSliderView', value: 3, min: 0, max: 10, step: 1, description: 'n' });
    const ids = new Set(opens(r.iopub).map((m) => m.content.comm_id));
    for (const ref of [slider.content.data.state.layout, slider.content.data.state.style]) expect(ids.has(ref.replace('IPY_MODEL_', ''))).toBe(true);
    const view = ofType(r, 'execute_result')[0].content.data['application/vnd.jupyter.widget-view+json'];
    const box = opens(r.iopub).find((m) => m.content.comm_id === view.model_id)!;
    expect(box.content.data.state._model_name).toBe('VBoxModel');
    const label = modelOf(r.iopub, 'LabelModel');
    expect(box.content.data.state.children).toEqual([`IPY_MODEL_${slider.content.comm_id}`, `IPY_MODEL_${label.content.comm_id}`]);
    // The user drags the slider to 7: the kernel's observer updates the label's views.
    const moved = await k.shell('comm_msg', { comm_id: slider.content.comm_id, data: { method: 'update', state: { value: 7 }, buffer_paths: [] } });
    expect(updates(moved.iopub, label.content.comm_id).map((m) => m.content.data.state)).toEqual([{ value: 'n=7' }]);
    expect(ofType(await k.execute('s.value'), 'execute_result')[0].content.data['text/plain']).toBe('7');
    // A front-end asking for the state gets all of it.
    const st = await k.shell('comm_msg', { comm_id: label.content.comm_id, data: { method: 'request_state' } });
    expect(updates(st.iopub, label.content.comm_id)[0].content.data.state).toMatchObject({ _model_name: 'LabelModel', value: 'n=7' });
  });

  it('runs a button click handler in the kernel', async () => {
    const r = await k.execute("let clicks = 0;\nconst b = new Button({ description: 'go' });\nb.onClick(() => { clicks++; });\nb");
    const button = modelOf(r.iopub, 'ButtonModel');
    await k.shell('comm_msg', { comm_id: button.content.comm_id, data: { method: 'custom', content: { event: 'click' } } });
    await k.shell('comm_msg', { comm_id: button.content.comm_id, data: { method: 'custom', content: { event: 'click' } } });
    expect(ofType(await k.execute('clicks'), 'execute_result')[0].content.data['text/plain']).toBe('2');
  });

  it('latentExplorer: the image (PNG buffer) changes when a seed slider moves, and follows the class picker', async () => {
    const r = await k.execute("const cg = buildGan(dcgan({ latentDim: 16, conditional: { numClasses: 3 } }));\nawait latentExplorer(cg, { dims: 2, scale: 2 })", { timeout: 120 });
    expect(r.reply.content.status).toBe('ok');
    const image = modelOf(r.iopub, 'ImageModel');
    const first = [...updates(r.iopub, image.content.comm_id)].pop()!;
    expect(first.content.data.buffer_paths).toEqual([['value']]);
    const before = png(first.buffers[0]);
    expect(isPng(before)).toBe(true);
    const seedA = opens(r.iopub).find((m) => m.content.data.state.description === 'seed A')!;
    const moved = await k.shell('comm_msg', { comm_id: seedA.content.comm_id, data: { method: 'update', state: { value: 5 }, buffer_paths: [] } });
    // Rendering is async: the image update may come after the slider message is answered.
    let after = updates(moved.iopub, image.content.comm_id);
    if (after.length === 0) after = updates(await k.iopub(image.content.comm_id, 30), image.content.comm_id);
    expect(after.length).toBeGreaterThan(0);
    const next = png(after[after.length - 1].buffers[0]);
    expect(isPng(next)).toBe(true);
    expect(next.equals(before)).toBe(false);
    expect(modelOf(r.iopub, 'DropdownModel').content.data.state._options_labels).toEqual(['0', '1', '2']);
  });

  it('trainingControls: the Stop button stops a running fit() at a step boundary, as an interrupt does', async () => {
    const start = await k.execute(`const sg = buildGan(dcgan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } }));
const st = new GanTrainer(sg, tf.randomUniform([32, 28, 28, 1], -1, 1) as any, { batchSize: 8, runsDir: null, live: false });
const ctl = trainingControls({ every: 1 });
const running = st.fit({ steps: 100000, callbacks: [ctl.callbacks] }); // not awaited: the cell returns, training goes on
ctl.widget`, { timeout: 120 });
    expect(start.reply.content.status).toBe('ok');
    const stop = modelOf(start.iopub, 'ButtonModel');
    expect(stop.content.data.state).toMatchObject({ description: 'Stop', button_style: 'danger' });
    const status = modelOf(start.iopub, 'LabelModel');
    await k.iopub(status.content.comm_id, 30); // a step has run: the losses label moved
    await k.shell('comm_msg', { comm_id: stop.content.comm_id, data: { method: 'custom', content: { event: 'click' } } });
    const r = await k.execute("const done = await running;\n[done.stopped, done.step < 100000, /^Interrupted at step \\d+/.test(done.message ?? '')]", { timeout: 120 });
    expect(ofType(r, 'execute_result')[0].content.data['text/plain']).toBe("[ 'interrupted', true, true ]");
  });

  it('runExplorer: a step slider over the saved sample grids, the chart marked at that step', async () => {
    const train = await k.execute(`const rg = buildGan(dcgan({ latentDim: 8, generator: { widths: [8, 4] }, discriminator: { widths: [4, 8] } }));
const rt = new GanTrainer(rg, tf.randomUniform([32, 28, 28, 1], -1, 1) as any, { batchSize: 8, runsDir: ${JSON.stringify(runsDir)}, sampleEvery: 2, numSamples: 4, live: false, checkpointEvery: 0 });
const fr = await rt.fit({ steps: 6 });
fr.runDir`, { timeout: 200 });
    expect(train.reply.content.status).toBe('ok');
    const runDir = JSON.parse(ofType(train, 'execute_result')[0].content.data['text/plain'].replace(/^'|'$/g, '"'));
    const grids = fs.readdirSync(path.join(runDir, 'samples')).filter((f) => f.endsWith('.png')).sort();
    expect(grids.length).toBeGreaterThanOrEqual(3);
    const r = await k.execute('await runExplorer(fr.runDir!)', { timeout: 120 });
    expect(r.reply.content.status).toBe('ok');
    const slider = modelOf(r.iopub, 'IntSliderModel');
    expect(slider.content.data.state).toMatchObject({ min: 0, max: grids.length - 1, value: grids.length - 1 });
    const image = modelOf(r.iopub, 'ImageModel');
    const chart = modelOf(r.iopub, 'HTMLModel');
    const moved = await k.shell('comm_msg', { comm_id: slider.content.comm_id, data: { method: 'update', state: { value: 0 }, buffer_paths: [] } });
    let got = moved.iopub;
    if (updates(got, chart.content.comm_id).length === 0) got = got.concat(await k.iopub(chart.content.comm_id, 30));
    const img = updates(got, image.content.comm_id).pop()!;
    expect(png(img.buffers[0]).equals(fs.readFileSync(path.join(runDir, 'samples', grids[0])))).toBe(true);
    const svg = updates(got, chart.content.comm_id).pop()!.content.data.state.value as string;
    expect(svg).toMatch(/^<svg/);
    expect(updates(got, modelOf(r.iopub, 'LabelModel').content.comm_id).pop()!.content.data.state.value).toMatch(new RegExp(`^step ${Number(/\d+/.exec(grids[0])![0])} \\(1 of ${grids.length} grids\\)$`));
  });
});
