/**
 * `show(x)`: one call for everything displayable in a notebook cell.
 *
 * - image tensors `[h,w]`, `[h,w,c]`, `[n,h,w,c]` (a grid) → PNG;
 * - vega-lite specs → `application/vnd.vegalite.v5+json` plus an SVG fallback;
 * - objects with a `toMimeBundle()` method (datasets, models, runs, tables) → their bundle;
 * - strings → text; anything else → its JSON.
 *
 * @example
 * ```ts
 * await show(tf.randomUniform([16, 28, 28, 1]));          // a 4x4 image grid
 * await show({ mark: 'bar', data: { values }, encoding }); // a chart
 * const h = await show(chart, { displayId: 'loss' });      // later: h.update(newChart)
 * ```
 */
import { tf, type Tensor } from '../backend';
import { toPng, type GridOptions } from '../plot/image';
import { isVegaLiteSpec, renderSvg, withSchema, VEGA_LITE_MIME, type VegaLiteSpec } from '../plot/chart';
import { publish, type MimeBundle } from './sink';
import { svgToPng } from './raster';

/** Something that knows how to display itself. */
export interface Displayable {
  toMimeBundle(): MimeBundle | Promise<MimeBundle>;
}

export interface ShowOptions extends GridOptions {
  /** Give the output an id so {@link DisplayHandle.update} can replace it in place. */
  displayId?: string;
  /** Skip the SVG fallback for charts (faster in tight loops). */
  svgFallback?: boolean;
  /** Also rasterise charts to `image/png` (for viewers without SVG, e.g. some exporters); default false. */
  pngFallback?: boolean;
}

/** A displayed output that can be replaced in place (live training views). */
export interface DisplayHandle {
  readonly displayId: string;
  update(x: unknown, opts?: ShowOptions): Promise<void>;
}

function isDisplayable(x: unknown): x is Displayable {
  return !!x && typeof (x as Displayable).toMimeBundle === 'function';
}

/** Converts anything showable to a MIME bundle (exported for tests and other sinks). */
export async function toMimeBundle(x: unknown, opts: ShowOptions = {}): Promise<MimeBundle> {
  if (x instanceof tf.Tensor) {
    return { 'image/png': await toPng(x as Tensor, opts), 'text/plain': `<image tensor [${x.shape}]>` };
  }
  if (isDisplayable(x)) return await x.toMimeBundle();
  if (isVegaLiteSpec(x)) {
    const spec = withSchema(x as VegaLiteSpec);
    const bundle: MimeBundle = { [VEGA_LITE_MIME]: spec, 'text/plain': `<vega-lite chart${spec.title ? `: ${JSON.stringify(spec.title)}` : ''}>` };
    if (opts.svgFallback !== false || opts.pngFallback) {
      const svg = await renderSvg(spec);
      if (opts.svgFallback !== false) bundle['image/svg+xml'] = svg;
      if (opts.pngFallback) bundle['image/png'] = svgToPng(svg);
    }
    return bundle;
  }
  if (typeof x === 'string') return { 'text/plain': x };
  return { 'text/plain': JSON.stringify(x, null, 2) ?? String(x) };
}

/** True for tensors that look like images or batches of images: `[h,w,c]` / `[n,h,w,c]`, c in 1,3,4, h,w >= 8. */
export function isImageTensor(x: unknown): x is Tensor {
  if (!(x instanceof tf.Tensor) || x.isDisposed) return false;
  const s = x.shape;
  const c = s[s.length - 1];
  return (s.length === 3 || s.length === 4) && (c === 1 || c === 3 || c === 4)
    && s[s.length - 3] >= 8 && s[s.length - 2] >= 8 && x.dtype !== 'string' && x.dtype !== 'complex64';
}

/**
 * The rich view of a cell's last expression (the kernel's `execute_result`), or null for plain
 * values: displayables, vega-lite specs, tensors (values as text, plus a PNG for image tensors).
 *
 * @example
 * ```ts
 * await resultBundle(tf.zeros([28, 28, 1])); // { 'text/plain': 'Tensor ...', 'image/png': ... }
 * ```
 */
export async function resultBundle(x: unknown): Promise<MimeBundle | null> {
  if (x instanceof tf.Tensor) {
    const text = x.isDisposed ? `<disposed tensor [${x.shape}]>` : x.toString();
    return isImageTensor(x) ? { ...(await toMimeBundle(x)), 'text/plain': text } : { 'text/plain': text };
  }
  if (isDisplayable(x) || isVegaLiteSpec(x)) return toMimeBundle(x);
  return null;
}

// The kernel (kernel/layer.js) finds resultBundle here, without lib importing the kernel.
(globalThis as unknown as Record<symbol, unknown>)[Symbol.for('ganbook.display')] = { resultBundle };

let counter = 0;

/** Displays `x` in the notebook (or the REPL's sink). */
export async function show(x: unknown, opts: ShowOptions = {}): Promise<void> {
  await showLive(x, opts);
}

/**
 * Displays `x` and returns a handle whose `update(y)` replaces the output in place
 * (Jupyter `display_id` / `update_display_data`): for live training views.
 */
export async function showLive(x: unknown, opts: ShowOptions = {}): Promise<DisplayHandle> {
  const displayId = opts.displayId ?? `ganbook-${process.pid}-${++counter}`;
  const bundle = await toMimeBundle(x, opts);
  if (!publish(bundle, { displayId })) console.log(bundle['text/plain'] ?? '[no text representation]');
  return {
    displayId,
    async update(next: unknown, o: ShowOptions = {}) {
      publish(await toMimeBundle(next, { ...opts, ...o }), { displayId, update: true });
    },
  };
}
