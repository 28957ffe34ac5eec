/**
 * Three widgets built on the controls: a latent-space explorer for a generator, a step slider over
 * a run's saved sample grids with the loss chart marked at that step, and live controls (stop,
 * losses) for a running `fit()`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf, type LayersModel, type Tensor } from '../backend';
import { renderSvg, type VegaLiteSpec } from '../plot/chart';
import { lossChart, type LossPoint } from '../plot/charts-train';
import { toPng } from '../plot/image';
import { requestInterrupt } from '../display/interrupt';
import { sampleGrids } from '../train/run';
import type { TrainerCallbacks } from '../train/callbacks';
import { Button, Dropdown, FloatSlider, HBox, HTML, Image, IntSlider, Label, VBox } from './controls';

/** What {@link latentExplorer} needs: a `Gan` from `buildGan`, or `loadGenerator`'s model + meta. */
export interface ExplorableGenerator {
  generator?: LayersModel; model?: LayersModel;
  latentDim?: number; numClasses?: number;
  meta?: { latentDim: number; numClasses: number; labels?: string[] };
  labels?: string[];
}

/**
 * Spherical interpolation between two latent vectors (White 2016, "Sampling Generative Networks",
 * arXiv:1609.04468): stays on the Gaussian shell where a linear path would cut through its low-norm
 * interior. `a`, `b`: `[1, latentDim]`; `t` in [0, 1].
 */
export function slerp(a: Tensor, b: Tensor, t: number): Tensor {
  return tf.tidy(() => {
    const na = tf.div(a, tf.norm(a)), nb = tf.div(b, tf.norm(b));
    const omega = Math.acos(Math.min(1, Math.max(-1, tf.sum(tf.mul(na, nb)).dataSync()[0])));
    if (omega < 1e-6) return tf.add(tf.mul(a, 1 - t), tf.mul(b, t));
    const s = Math.sin(omega);
    return tf.add(tf.mul(a, Math.sin((1 - t) * omega) / s), tf.mul(b, Math.sin(t * omega) / s));
  });
}

/**
 * Explore a generator's latent space: seed sliders for two latent points (`z ~ N(0, I)` from each
 * seed), an interpolation slider between them (slerp), sliders that shift the first `dims` latent
 * coordinates (−3 to 3), and for a conditional generator a class picker. The image (scaled
 * `scale`x, pixel values from [-1, 1]) follows every change; the first one is drawn before the
 * promise resolves (so a saved notebook shows it).
 *
 * @example
 * ```ts
 * const gan = buildGan(dcgan()); // or await loadGenerator('exports/mnist')
 * await latentExplorer(gan, { dims: 4 })
 * ```
 * @throws Error outside the ganbook kernel, or when the generator's latent size is unknown.
 */
export async function latentExplorer(g: ExplorableGenerator, opts: { dims?: number; scale?: number; seeds?: [number, number] } = {}): Promise<VBox> {
  const model = g.generator ?? g.model;
  if (!model) throw new Error('Expected a generator: a Gan from buildGan(), or loadGenerator()\'s { model, meta }.');
  const latentDim = g.latentDim ?? g.meta?.latentDim ?? (model.inputs[0].shape[1] as number);
  if (!(latentDim > 0)) throw new Error('Cannot tell the generator\'s latent size; pass { latentDim }.');
  const numClasses = g.numClasses ?? g.meta?.numClasses ?? 0;
  const names = g.labels ?? g.meta?.labels ?? Array.from({ length: numClasses }, (_, i) => String(i));
  const dims = Math.min(opts.dims ?? 4, latentDim), scale = opts.scale ?? 6;
  const [s0, s1] = opts.seeds ?? [0, 1];
  const seedA = new IntSlider({ value: s0, max: 999, description: 'seed A' });
  const seedB = new IntSlider({ value: s1, max: 999, description: 'seed B' });
  const t = new FloatSlider({ value: 0, min: 0, max: 1, step: 0.05, description: 'A → B' });
  const shifts = Array.from({ length: dims }, (_, i) => new FloatSlider({ value: 0, min: -3, max: 3, step: 0.1, description: `z[${i}] +` }));
  const picker = numClasses > 0 ? new Dropdown({ options: names, description: 'class' }) : null;
  const render = async (): Promise<Uint8Array> => {
    const img = tf.tidy(() => {
      const za = tf.randomNormal([1, latentDim], 0, 1, 'float32', seedA.value);
      const zb = tf.randomNormal([1, latentDim], 0, 1, 'float32', seedB.value);
      const shift = tf.concat([tf.tensor2d([shifts.map((s) => s.value)]), tf.zeros([1, latentDim - dims])], 1);
      const z = tf.add(slerp(za, zb, t.value), shift);
      const inputs = picker ? [z, tf.tensor2d([[picker.index]])] : z;
      return model.predict(inputs) as Tensor;
    });
    try { return await toPng(img, { range: [-1, 1], scale, pad: 0 }); } finally { img.dispose(); }
  };
  // Not stretched to the controls' height by the flex box around it.
  const [h, w] = (model.outputs[0].shape as number[]).slice(1, 3);
  const image = new Image({ value: new Uint8Array(0), width: String(w * scale), height: String(h * scale), layout: { align_self: 'flex-start' } });
  let pending: Promise<void> = Promise.resolve();
  const update = () => { pending = pending.then(async () => { image.value = await render(); }).catch((e) => console.error(`latentExplorer: ${e.message}`)); };
  for (const w of [seedA, seedB, t, ...shifts]) w.observe('value', update);
  picker?.observe('index', update);
  update();
  await pending;
  const controls = new VBox([seedA, seedB, t, ...(picker ? [picker] : []), ...shifts]);
  return new VBox([new HBox([image, controls])]);
}

/** The losses in a run's metrics.jsonl (lines that are not step logs are skipped). */
export function runLosses(runDir: string): LossPoint[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').flatMap((l) => {
    try { const r = JSON.parse(l); return Number.isFinite(r.step) && Number.isFinite(r.dLoss) ? [{ step: r.step, dLoss: r.dLoss, gLoss: r.gLoss }] : []; } catch { return []; }
  });
}

/**
 * A step slider over every sample grid a run saved (`runs/<name>/samples/step-*.png`), with the loss
 * chart marked at the chosen step — TensorBoard's image step slider, at every saved step.
 *
 * @example
 * ```ts
 * runExplorer('runs/dcgan-mnist-20261130-081534')
 * ```
 * @throws Error when the run has no sample grids, or outside the ganbook kernel.
 */
export async function runExplorer(runDir: string, opts: { width?: number } = {}): Promise<VBox> {
  const steps = sampleGrids(runDir).map((g) => [g.step, g.file] as [number, string]);
  if (steps.length === 0) throw new Error(`Expected sample grids in ${path.join(runDir, 'samples')}; found none. Train with sampleEvery > 0 and a runsDir.`);
  const losses = runLosses(runDir);
  const slider = new IntSlider({ value: steps.length - 1, min: 0, max: steps.length - 1, description: 'sample', continuousUpdate: true });
  const label = new Label();
  const image = new Image({ value: new Uint8Array(fs.readFileSync(steps[steps.length - 1][1])) });
  const chart = new HTML();
  const chartAt = async (step: number): Promise<string> => {
    if (losses.length === 0) return '<i>no losses logged (metrics.jsonl)</i>';
    const base = lossChart(losses, { width: opts.width ?? 360, height: 180, title: 'Losses' });
    const spec: VegaLiteSpec = { ...base, layer: [...((base.layer as unknown[]) ?? [{ mark: base.mark, encoding: base.encoding }]),
      { data: { values: [{ step }] }, mark: { type: 'rule', color: 'black', strokeDash: [4, 3] }, encoding: { x: { field: 'step', type: 'quantitative' } } }] };
    if (!base.layer) { delete spec.mark; delete spec.encoding; }
    return renderSvg(spec);
  };
  let pending: Promise<void> = Promise.resolve();
  const show = (i: number) => {
    const [step, file] = steps[i];
    pending = pending.then(async () => {
      image.value = new Uint8Array(fs.readFileSync(file));
      label.set({ value: `step ${step} (${i + 1} of ${steps.length} grids)` });
      chart.set({ value: await chartAt(step) });
    }).catch((e) => console.error(`runExplorer: ${e.message}`));
  };
  slider.observe<number>('value', ({ new: i }) => show(i));
  show(steps.length - 1);
  await pending;
  return new VBox([new HBox([slider, label]), new HBox([image, chart])]);
}

/**
 * Live controls for a `fit()` in the same cell: a Stop button (the same as the kernel's interrupt:
 * the loop stops at the next step boundary and writes a checkpoint) and the latest losses. Pass the
 * returned `callbacks` to `fit()` and display `widget`.
 *
 * @example
 * ```ts
 * const ctl = trainingControls();
 * show(ctl.widget);
 * await trainer.fit({ steps: 2000, callbacks: [ctl.callbacks] });
 * ```
 */
export function trainingControls(opts: { every?: number } = {}): { widget: HBox; callbacks: TrainerCallbacks } {
  const every = opts.every ?? 10;
  const stop = new Button({ description: 'Stop', buttonStyle: 'danger', icon: 'stop', tooltip: 'Stop at the next step and write a checkpoint' });
  const status = new Label({ value: 'waiting for the first step' });
  stop.onClick(() => { requestInterrupt(); stop.set({ disabled: true, description: 'Stopping…' }); });
  const callbacks: TrainerCallbacks = {
    onStepEnd: (log) => {
      if (log.step % every === 0) status.set({ value: `step ${log.step}: D ${log.dLoss.toFixed(3)}, G ${log.gLoss.toFixed(3)}` });
    },
    onFitEnd: (r) => {
      stop.set({ disabled: true, description: r.stopped === 'completed' ? 'Done' : 'Stopped' });
      status.set({ value: `${r.stopped} at step ${r.step}: D ${r.final.dLoss.toFixed(3)}, G ${r.final.gLoss.toFixed(3)}` });
    },
  };
  return { widget: new HBox([stop, status]), callbacks };
}

