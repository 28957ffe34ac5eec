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
// widgets (issue 16)
export { Widget, IntSlider, FloatSlider, Dropdown, Button, Label, HTML, Image, HBox, VBox, latentExplorer, runExplorer, trainingControls, slerp } from './widgets/index';
export type { ExplorableGenerator, SliderOptions } from './widgets/index';
export { interruptSignal, requestInterrupt, resetInterrupt, throwIfInterrupted, interruptedError, interruptibleSleep } from './display/interrupt';
export { table, Table } from './plot/table';
export type { TableOptions } from './plot/table';
export { imageGrid, toPng } from './plot/image';
export { renderSvg, isVegaLiteSpec, VEGA_LITE_MIME } from './plot/chart';
export type { VegaLiteSpec } from './plot/chart';
// models (issue 5)
export { fcGan, dcgan, wganGp, conditionalGan, validateConfig } from './models/config';
export { sngan } from './models/sngan';
export { emojiGan, emojiTrainer } from './models/emoji';
export type { GanConfig, GanOverrides, NetConfig, ConditionalConfig, Arch, Activation, Norm, Initializer, LossKind } from './models/config';
export { buildGan, buildGenerator, buildDiscriminator, disposeGan } from './models/build';
export type { Gan } from './models/build';
export { summary, ModelSummary } from './models/summary';
export { layerFlops, modelFlops, trainStepFlops } from './models/flops';
export { saveGenerator, loadGenerator } from './models/io';
export { loadPretrained, pretrainedNames } from './models/pretrained';
export type { GeneratorMeta } from './models/io';
// training (issue 5)
export { GanTrainer, NonFiniteLossError } from './train/trainer';
export type { TrainerOptions, TrainerCallbacks, StepLog, FitResult } from './train/trainer';
export { nonSaturating, hinge, leastSquares, wassersteinGp, gradientPenaltyOf, r1PenaltyOf, objectiveFor, objectiveNames, registerObjective } from './train/objectives/index';
export type { Objective as AdversarialObjective, ObjectiveDefaults, ObjectiveOptions, LossOps, Penalty } from './train/objectives/index';
export { autodiffStep, autodiffUpdate } from './train/train-step';
export type { TrainStep, StepContext, StepFactory, StepInit, StepResult } from './train/train-step';
export { nativeStep } from './train/engine/native-step';
export { registerLayerRule } from './train/engine/layers';
export type { LayerRule } from './train/engine/layers';
export { lrScale } from './train/schedule';
export type { LrDecay } from './train/schedule';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, listCheckpoints } from './train/checkpoint';
export { RunTracker } from './train/run';
export { costLedger } from './train/ledger';
export type { CostLedger } from './train/ledger';
export { runsTable, RunsTable } from './train/runs-table';
export type { RunRow } from './train/runs-table';
export { generatorFromCheckpoint } from './train/export';
export { progressBar } from './train/live';
export { lossChart } from './plot/charts-train';
export { encodeGif, gifInfo } from './plot/gif';
export type { GifFrame } from './plot/gif';
// data (issue 4)
export { Dataset } from './data/dataset';
export type { DatasetInit, DatasetAttribute, PixelStore } from './data/dataset';
export { loadDataset, loadIdxDataset } from './data/load';
export type { LoadOptions } from './data/load';
export { loadImageFolder, compositeOver } from './data/folder';
export type { ImageFolderOptions, Background } from './data/folder';
export { loadEmoji, emojiCatalogue, EMOJI_CATEGORIES, EMOJI_STYLES } from './data/emoji';
export type { EmojiOptions, EmojiStyle, EmojiCatalogue, EmojiImage } from './data/emoji';
export { readIdx, decodeIdx, encodeIdx, writeIdx } from './data/idx';
export type { IdxArray, IdxType } from './data/idx';
export { scaleTo, oneHot, shuffle, split } from './data/prep';
export type { PixelRange } from './data/prep';
export { batches, batchCount } from './data/batches';
export type { Batch, BatchOptions } from './data/batches';
export { saveDataset, loadSavedDataset } from './data/save';
export { seededRandom, permutation } from './data/random';
export { DATASETS, EMOJI_SOURCES, datasetNames } from '../datasets/registry';
export { augment, augmentDataset, augmentPreview, AugmentPreview } from './data/augment';
export type { AugmentOptions } from './data/augment';
export { findIssues, CleaningReport } from './data/clean';
export type { CleanOptions, ImageIssue, IssueKind } from './data/clean';
export { pixelStats, classBalanceChart, pixelStatsChart } from './data/stats';
export type { PixelStats } from './data/stats';
// metrics (issue 6)
export { mse, mseEach, psnr, ssim, ssimEach, msSsim, msSsimEach, msSsimDiversity, gaussianTaps, MS_SSIM_WEIGHTS } from './metrics/pixel';
export type { PixelOptions, SsimOptions, MsSsimOptions, DiversityOptions } from './metrics/pixel';
export { classifierScore, frechetClassifierDistance, kernelClassifierDistance, precisionRecall, classifierOutputs } from './metrics/scores';
export type { ClassifierMetricOptions, KernelDistanceOptions, KernelDistance, PrecisionRecallOptions } from './metrics/scores';
export { loadClassifier, classify, classAccuracy, classifierInput, buildClassifier, buildColourClassifier, CLASSIFIER_DATASETS, CLASSIFIER_INPUT } from './metrics/classifier';
export type { Classifier, ClassifierDataset, ClassifierStats, ClassifierOutputs } from './metrics/classifier';
export { frechetDistance, featureStatistics, polynomialMmd2, sqrtmPsd } from './metrics/linalg';
export { precisionRecallFeatures } from './metrics/neighbours';
export type { PrecisionRecall, FeatureMatrix } from './metrics/neighbours';
export { memorization, MemorizationReport, unitImages } from './metrics/memorization';
export type { MemorizationOptions } from './metrics/memorization';
export { evaluateGenerator, evaluateImages, realBaseline, sampleGenerator, latentCodes, EvaluationReport } from './metrics/evaluate';
export type { EvaluateOptions, EvaluateImagesOptions, EvaluationScores, ClassQuality, GeneratorLike, SampleFn } from './metrics/evaluate';
export { recognizableShare } from './metrics/recognizable';
export type { Recognizable, RecognizableOptions } from './metrics/recognizable';
export { scoreRun, scoreCurveChart, runCheckpoints, loadCheckpointGenerator } from './metrics/runs';
export type { RunScore, CheckpointGenerator } from './metrics/runs';
// tune (issue 8)
export { searchSpace, SearchSpace, float, int, choice } from './tune/space';
export type { Params, ParamSpec, SpaceSpec, ChoiceValue } from './tune/space';
export { gridSearch, randomSearch, bayesOpt, samplerFromConfig, logExpectedImprovement } from './tune/samplers';
export type { Sampler, SamplerConfig, BayesOptions } from './tune/samplers';
export { medianPruner, noPruner } from './tune/pruners';
export type { Pruner } from './tune/pruners';
export { GaussianProcess, logMarginalLikelihood, matern52 } from './tune/gp';
export type { GpHyper } from './tune/gp';
export { Study } from './tune/study';
export type { Objective, TrialContext, StudyOptions, OptimizeOptions } from './tune/study';
export { openStorage } from './tune/storage';
export type { StudyStorage } from './tune/storage';
export { startWorkers } from './tune/workers';
export type { TuneWorkers } from './tune/workers';
export type { TrialRecord, TrialState } from './tune/trial';
export { scoreChart, paramsChart, trialsTable, compareChart, compareTable } from './tune/charts';
export { rngFor } from './tune/random';
export { ganObjective, defaultGanSetup } from './tune/gan-objective';
export type { GanObjective, GanObjectiveOptions, GanSetup } from './tune/gan-objective';
// serve (issue 7)
export { exportGenerator, loadExport, describeGenerator, generate, META_FILE as EXPORT_META_FILE } from './serve/export';
export type { ExportMeta, ExportOptions, ExportResult, Compression, LoadedGenerator, GenerateOptions } from './serve/export';
export { compareCompression, CompressionReport, DEFAULT_VARIANTS } from './serve/compress';
export type { CompressionVariant, CompareOptions, CompressionRow } from './serve/compress';
export { createServer, startServer } from './serve/server';
export type { ServerOptions, RunningServer, GenerateRequest } from './serve/server';
export { sampleLatent } from './serve/latent';
// speed (issue 9)
export { createFastGanStep, referenceGanStep } from './train/fast-step';
export type { FastGanStep, FastStepModels, FastStepOptimizers, FastStepBatch, FastStepOptions } from './train/fast-step';
export { referenceDcgan } from './train/fast-reference';
