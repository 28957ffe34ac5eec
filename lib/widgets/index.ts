/** Two-way Jupyter widgets from TypeScript cells (see ./widget.ts for the protocol). */
export { Widget, Layout, WIDGET_VIEW_MIME, WIDGET_PROTOCOL_VERSION } from './widget';
export type { WidgetState } from './widget';
export { IntSlider, FloatSlider, Dropdown, Button, Label, HTML, Image, HBox, VBox } from './controls';
export type { SliderOptions } from './controls';
export { latentExplorer, runExplorer, trainingControls, slerp } from './explorers';
export type { ExplorableGenerator } from './explorers';
