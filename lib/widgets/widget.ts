/**
 * Two-way widgets from TypeScript cells over the standard Jupyter widget protocol (ipywidgets 8,
 * protocol 2.x: comm target `jupyter.widget`), rendered by the `@jupyter-widgets/controls` front-end
 * that `jupyterlab_widgets` installs (`npm run setup`), in JupyterLab, VS Code and any front-end
 * that speaks the protocol. No custom front-end extension.
 *
 * The kernel side of the protocol: each widget is a comm; its state (model attributes) is sent at
 * `comm_open` and by `update` messages; the front-end sends `update` (a user moved a slider),
 * `request_state` and `custom` (a button click). Binary attributes (an image's bytes) travel as
 * buffers with `buffer_paths`. Source: jupyter-widgets/ipywidgets `packages/schema/messages.md`.
 */

/** A comm as the ganbook kernel exposes it (kernel/comms.js). */
interface KernelComm {
  id: string;
  send(data: unknown, metadata?: unknown, buffers?: Uint8Array[]): unknown;
  close(data?: unknown): unknown;
  onMsg(cb: (data: Record<string, unknown>, buffers: Uint8Array[]) => void): unknown;
  onClose(cb: () => void): unknown;
}
interface KernelApi { comms: { open(target: string, data: unknown, metadata?: unknown, buffers?: Uint8Array[]): KernelComm } }

/** The widget protocol version this kernel side speaks (ipywidgets 8). */
export const WIDGET_PROTOCOL_VERSION = '2.1.0';
const CONTROLS = { module: '@jupyter-widgets/controls', version: '2.0.0' };
const BASE = { module: '@jupyter-widgets/base', version: '2.0.0' };
/** MIME type of a widget view in a display_data / execute_result. */
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';

function kernelApi(): KernelApi {
  const k = (globalThis as Record<symbol, unknown>)[Symbol.for('ganbook.kernel')] as KernelApi | undefined;
  if (!k) throw new Error('Widgets need a live front-end: run this in the ganbook Jupyter kernel (JupyterLab, VS Code, jupyter console), not in a script or `npm run notebooks`.');
  return k;
}

export type WidgetState = Record<string, unknown>;
type Observer<T> = (change: { name: string; old: T; new: T; owner: Widget }) => void;

/**
 * Base of every widget: owns a comm, keeps the state, sends changes, applies the front-end's.
 *
 * @example
 * ```ts
 * const s = new IntSlider({ value: 3, max: 10, description: 'seed' });
 * s.observe('value', ({ new: v }) => console.log('seed', v));
 * s; // as a cell's last value: the slider, live
 * ```
 */
export class Widget {
  readonly modelId: string;
  protected readonly state: WidgetState;
  private readonly comm: KernelComm;
  private readonly observers = new Map<string, Observer<unknown>[]>();
  private readonly customHandlers: ((content: Record<string, unknown>) => void)[] = [];
  private closed = false;

  /**
   * @param model `_model_name` / `_view_name` and their module (`@jupyter-widgets/controls` or `/base`);
   *   `layout`: CSS layout attributes (ipywidgets' Layout names: `width`, `align_self`, `margin`, …).
   * @param state initial attributes; `Uint8Array` values travel as binary buffers.
   * @throws Error outside the ganbook kernel (no front-end to talk to).
   */
  constructor(model: { model: string; view: string | null; base?: boolean; layout?: WidgetState }, state: WidgetState) {
    const api = kernelApi();
    const mod = model.base ? BASE : CONTROLS;
    const layout = model.base ? null : new Layout(model.layout);
    this.state = {
      _model_module: mod.module, _model_module_version: mod.version, _model_name: model.model,
      _view_module: mod.module, _view_module_version: mod.version, _view_name: model.view, _view_count: null,
      ...(layout ? { layout: `IPY_MODEL_${layout.modelId}`, tabbable: null, tooltip: null } : {}),
      ...state,
    };
    const { json, paths, buffers } = splitBuffers(this.state);
    this.comm = api.comms.open('jupyter.widget', { state: json, buffer_paths: paths }, { version: WIDGET_PROTOCOL_VERSION }, buffers);
    this.modelId = this.comm.id;
    this.comm.onMsg((data, bufs) => this.receive(data, bufs));
    this.comm.onClose(() => { this.closed = true; });
  }

  /** The current value of an attribute. */
  get<T = unknown>(name: string): T { return this.state[name] as T; }

  /** Changes attributes here and in every view; observers run. */
  set(patch: WidgetState): this {
    const changed = this.apply(patch);
    if (Object.keys(changed).length && !this.closed) {
      const { json, paths, buffers } = splitBuffers(changed);
      this.comm.send({ method: 'update', state: json, buffer_paths: paths }, {}, buffers);
    }
    return this;
  }

  /** `cb({ name, old, new })` after `name` changes, from the front-end or from code. */
  observe<T = unknown>(name: string, cb: Observer<T>): this {
    const list = this.observers.get(name) ?? [];
    list.push(cb as Observer<unknown>);
    this.observers.set(name, list);
    return this;
  }

  /** `cb(content)` for each custom message from the front-end (e.g. a button's click). */
  onCustom(cb: (content: Record<string, unknown>) => void): this { this.customHandlers.push(cb); return this; }

  /** Closes the widget (its views disappear). */
  close(): void { if (!this.closed) { this.closed = true; this.comm.close(); } }

  /** The widget's view, for display (a cell's last value, `show(widget)`). */
  toMimeBundle(): Record<string, unknown> {
    return {
      [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: this.modelId },
      'text/plain': `${String(this.state._model_name).replace(/Model$/, '')}(${this.describe()})`,
    };
  }

  /** Short text for `text/plain` (front-ends without widget support show this). */
  protected describe(): string {
    const v = this.state.value;
    return v === undefined || v instanceof Uint8Array ? '' : `value=${JSON.stringify(v)}`;
  }

  private apply(patch: WidgetState): WidgetState {
    const changed: WidgetState = {};
    const events: [string, unknown, unknown][] = [];
    for (const [k, v] of Object.entries(patch)) {
      const old = this.state[k];
      if (old === v) continue;
      this.state[k] = v;
      changed[k] = v;
      events.push([k, old, v]);
    }
    for (const [name, old, nv] of events) {
      for (const cb of this.observers.get(name) ?? []) cb({ name, old, new: nv, owner: this });
    }
    return changed;
  }

  private receive(data: Record<string, unknown>, bufs: Uint8Array[]): void {
    if (data.method === 'update' || data.method === 'echo_update') {
      const st = { ...(data.state as WidgetState) };
      ((data.buffer_paths as string[][]) ?? []).forEach((p, i) => { if (p.length === 1) st[p[0]] = new Uint8Array(bufs[i]); });
      this.apply(st);
    } else if (data.method === 'request_state') {
      const { json, paths, buffers } = splitBuffers(this.state);
      this.comm.send({ method: 'update', state: json, buffer_paths: paths }, {}, buffers);
    } else if (data.method === 'custom') {
      for (const cb of this.customHandlers) cb((data.content ?? {}) as Record<string, unknown>);
    }
  }
}

/** Top-level Uint8Array attributes → buffers with their paths (the protocol's binary transport). */
function splitBuffers(state: WidgetState): { json: WidgetState; paths: string[][]; buffers: Uint8Array[] } {
  const json: WidgetState = {}, paths: string[][] = [], buffers: Uint8Array[] = [];
  for (const [k, v] of Object.entries(state)) {
    if (v instanceof Uint8Array) { paths.push([k]); buffers.push(v); } else json[k] = v;
  }
  return { json, paths, buffers };
}

/** CSS layout of a widget (`@jupyter-widgets/base` LayoutModel); every control gets one. */
export class Layout extends Widget {
  constructor(state: WidgetState = {}) { super({ model: 'LayoutModel', view: 'LayoutView', base: true }, state); }
}
