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
// models (issue 5)
export { fcGan, dcgan, wganGp, conditionalGan, validateConfig } from './models/config';
export type { GanConfig, GanOverrides, NetConfig, ConditionalConfig, Arch, Activation, Norm, Initializer, LossKind } from './models/config';
export { buildGan, buildGenerator, buildDiscriminator, disposeGan } from './models/build';
export type { Gan } from './models/build';
export { summary, ModelSummary } from './models/summary';
export { layerFlops, modelFlops, trainStepFlops } from './models/flops';
export { saveGenerator, loadGenerator } from './models/io';
export type { GeneratorMeta } from './models/io';
