/**
 * ganbook: helpers for GAN notebooks on TensorFlow.js. Import everything from here:
 * `import { tf, show, loadDataset } from '../lib';`
 */
export { SMOKE, smoke } from './env';
export { tf, ready, backendInfo, hasNodeHelpers } from './backend';
export type { Tf, BackendInfo, BackendChoice, Tensor, Tensor2D, Tensor3D, Tensor4D, LayersModel } from './backend';
export { show, showLive, toMimeBundle } from './display/show';
export type { DisplayHandle, ShowOptions, Displayable } from './display/show';
export { publish, inKernel, setFallbackSink } from './display/sink';
export { imageGrid, toPng } from './plot/image';
export { renderSvg, isVegaLiteSpec, VEGA_LITE_MIME } from './plot/chart';
export type { VegaLiteSpec } from './plot/chart';
