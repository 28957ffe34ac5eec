/**
 * The controls a notebook needs, as `@jupyter-widgets/controls` 2.0 models (the names, attributes
 * and defaults of ipywidgets 8's Python classes): sliders, a dropdown, a button, text, an image and
 * layout boxes. Each is a {@link Widget}: `get`/`set`/`observe`, and displayed as a cell's value.
 *
 * @example
 * ```ts
 * const seed = new IntSlider({ value: 0, max: 99, description: 'seed' });
 * const label = new Label({ value: 'seed 0' });
 * seed.observe<number>('value', ({ new: v }) => label.set({ value: `seed ${v}` }));
 * new VBox([seed, label]);
 * ```
 */
import { Widget, type WidgetState } from './widget';

/** A style model (slider handle colour, description width, …). */
class Style extends Widget {
  constructor(model: string) { super({ model, view: 'StyleView' }, { description_width: '' }); }
}

const described = (o: { description?: string; disabled?: boolean }) => ({
  description: o.description ?? '', description_allow_html: false, disabled: o.disabled ?? false,
});

export interface SliderOptions { value?: number; min?: number; max?: number; step?: number; description?: string; disabled?: boolean; continuousUpdate?: boolean }

function slider(o: SliderOptions, int: boolean): WidgetState {
  const min = o.min ?? 0, max = o.max ?? (int ? 100 : 10);
  if (!(min <= max)) throw new Error(`Expected min ≤ max for a slider; got min ${min}, max ${max}.`);
  const value = Math.min(max, Math.max(min, o.value ?? min));
  return {
    ...described(o), value, min, max, step: o.step ?? (int ? 1 : 0.1), orientation: 'horizontal', readout: true,
    readout_format: int ? 'd' : '.2f', continuous_update: o.continuousUpdate ?? true, behavior: 'drag-tap',
    style: `IPY_MODEL_${new Style('SliderStyleModel').modelId}`,
  };
}

/** An integer slider. `value` is clamped to [min, max] (defaults 0, 100, step 1). */
export class IntSlider extends Widget {
  constructor(o: SliderOptions = {}) { super({ model: 'IntSliderModel', view: 'IntSliderView' }, slider(o, true)); }
  get value(): number { return this.get<number>('value'); }
  set value(v: number) { this.set({ value: v }); }
}

/** A float slider (defaults 0 to 10, step 0.1). */
export class FloatSlider extends Widget {
  constructor(o: SliderOptions = {}) { super({ model: 'FloatSliderModel', view: 'FloatSliderView' }, slider(o, false)); }
  get value(): number { return this.get<number>('value'); }
  set value(v: number) { this.set({ value: v }); }
}

/**
 * A dropdown over labels; `value` is the selected label, `index` its position.
 * @throws Error when `options` is empty or `value` is not one of them.
 */
export class Dropdown extends Widget {
  constructor(o: { options: string[]; value?: string; description?: string; disabled?: boolean }) {
    if (o.options.length === 0) throw new Error('Expected at least one option for a Dropdown.');
    const index = o.value === undefined ? 0 : o.options.indexOf(o.value);
    if (index < 0) throw new Error(`Expected the Dropdown value to be one of ${JSON.stringify(o.options)}; got ${JSON.stringify(o.value)}.`);
    super({ model: 'DropdownModel', view: 'DropdownView' }, {
      ...described(o), _options_labels: o.options, index, style: `IPY_MODEL_${new Style('DescriptionStyleModel').modelId}`,
    });
  }
  get index(): number { return this.get<number>('index'); }
  get value(): string { return this.get<string[]>('_options_labels')[this.index]; }
  protected override describe(): string { return `value=${JSON.stringify(this.value)}`; }
}

/** A button; `onClick(cb)` runs `cb` in the kernel when it is clicked. */
export class Button extends Widget {
  constructor(o: { description?: string; tooltip?: string; icon?: string; buttonStyle?: '' | 'primary' | 'success' | 'info' | 'warning' | 'danger'; disabled?: boolean } = {}) {
    super({ model: 'ButtonModel', view: 'ButtonView' }, {
      description: o.description ?? '', tooltip: o.tooltip ?? null, icon: o.icon ?? '', button_style: o.buttonStyle ?? '',
      disabled: o.disabled ?? false, style: `IPY_MODEL_${new Style('ButtonStyleModel').modelId}`,
    });
  }
  onClick(cb: () => void): this { return this.onCustom((c) => { if (c.event === 'click') cb(); }); }
  protected override describe(): string { return `description=${JSON.stringify(this.get('description'))}`; }
}

/** Plain text. */
export class Label extends Widget {
  constructor(o: { value?: string } = {}) {
    super({ model: 'LabelModel', view: 'LabelView' }, { ...described({}), value: o.value ?? '', placeholder: '', style: `IPY_MODEL_${new Style('LabelStyleModel').modelId}` });
  }
}

/** HTML (e.g. an SVG chart) shown as is. */
export class HTML extends Widget {
  constructor(o: { value?: string } = {}) {
    super({ model: 'HTMLModel', view: 'HTMLView' }, { ...described({}), value: o.value ?? '', placeholder: '', style: `IPY_MODEL_${new Style('HTMLStyleModel').modelId}` });
  }
}

/** An image from encoded bytes (`format` png by default); `width`/`height` in pixels as strings ('256'), as ipywidgets' Image. */
export class Image extends Widget {
  constructor(o: { value: Uint8Array; format?: 'png' | 'jpeg' | 'gif' | 'svg+xml'; width?: string; height?: string; layout?: WidgetState }) {
    super({ model: 'ImageModel', view: 'ImageView', layout: o.layout }, { value: o.value, format: o.format ?? 'png', width: o.width ?? '', height: o.height ?? '' });
  }
  get value(): Uint8Array { return this.get<Uint8Array>('value'); }
  set value(v: Uint8Array) { this.set({ value: v }); }
}

abstract class Box extends Widget {
  constructor(model: string, view: string, children: Widget[]) {
    super({ model, view }, { children: children.map((c) => `IPY_MODEL_${c.modelId}`), box_style: '' });
    this.children = children;
  }
  children: Widget[];
  protected override describe(): string { return `${this.children.length} children`; }
}

/** Children side by side. */
export class HBox extends Box { constructor(children: Widget[]) { super('HBoxModel', 'HBoxView', children); } }
/** Children one under another. */
export class VBox extends Box { constructor(children: Widget[]) { super('VBoxModel', 'VBoxView', children); } }
