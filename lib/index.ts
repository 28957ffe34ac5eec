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
export { resultBundle, isImageTensor } from './display/show';
export { interruptSignal, requestInterrupt, resetInterrupt, throwIfInterrupted, interruptedError, sleep } from './display/interrupt';
export { table, Table } from './plot/table';
export type { TableOptions } from './plot/table';
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
// data (issue 4)
export { Dataset } from './data/dataset';
export type { DatasetInit, PixelStore } from './data/dataset';
export { loadDataset, loadIdxDataset } from './data/load';
export type { LoadOptions } from './data/load';
export { loadImageFolder } from './data/folder';
export type { ImageFolderOptions } from './data/folder';
export { readIdx, decodeIdx, encodeIdx, writeIdx } from './data/idx';
export type { IdxArray, IdxType } from './data/idx';
export { scaleTo, oneHot, shuffle, split } from './data/prep';
export type { PixelRange } from './data/prep';
export { batches, batchCount } from './data/batches';
export type { Batch, BatchOptions } from './data/batches';
export { saveDataset, loadSavedDataset } from './data/save';
export { seededRandom, permutation } from './data/random';
export { DATASETS, datasetNames } from '../datasets/registry';
export { augment, augmentDataset, augmentPreview, AugmentPreview } from './data/augment';
export type { AugmentOptions } from './data/augment';
export { findIssues, CleaningReport } from './data/clean';
export type { CleanOptions, ImageIssue, IssueKind } from './data/clean';
export { pixelStats, classBalanceChart, pixelStatsChart } from './data/stats';
export type { PixelStats } from './data/stats';
