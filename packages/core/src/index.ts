/**
 * @gradlab/core — what the RBM and RNN packages share: the TensorFlow.js backend, seeded
 * randomness, initialisers, activations, MLPs, optimisers, gradient probes, data, io, the
 * experiment runner and plots. Everything public is exported by name from this file.
 */
export { tf } from './backend/tf.js';
export { initBackend, backendInfo, BACKEND_NAMES } from './backend/backend.js';
export { MAX_WASM_THREADS } from './backend/wasm-threads.js';
export type { BackendInfo, BackendName, BackendConfig } from './backend/backend.js';
export {
  GradlabError,
  ValidationError,
  ShapeError,
  FileFormatError,
  BackendError,
  ExperimentError,
  NonFiniteError,
  InterruptedError,
  invalidArgument,
  describeValue,
} from './errors/gradlab-error.js';
export type { GradlabErrorCode } from './errors/gradlab-error.js';
export {
  parseOptions,
  positiveInt,
  nonNegativeInt,
  positiveNumber,
  nonNegativeNumber,
  finiteNumber,
  probability,
  oneOf,
} from './errors/schema.js';
export { Rng } from './random/rng.js';
export type { Seed } from './random/rng.js';

// ---- init, activations, nn (MLP, batch norm, residual), losses ----
export {
  zeros,
  constant,
  normal,
  uniform,
  glorotUniform,
  glorotNormal,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  orthogonal,
  identity,
  initializer,
  INIT_NAMES,
} from './init/initializers.js';
export type { Initializer, InitName } from './init/initializers.js';
export { spectralRadius, scaleToSpectralRadius } from './init/spectral-radius.js';
export { checkScale } from './init/float32-range.js';
export { activation, ACTIVATION_NAMES } from './activations/activations.js';
export type { Activation, ActivationName } from './activations/activations.js';
export { dense } from './nn/dense.js';
export { softmaxCrossEntropy, mse, bceWithLogits, binaryCrossEntropy, lossByName, LOSS_NAMES } from './nn/losses.js';
export type { LossName } from './nn/losses.js';
export { checkClassLabels, classLabelTensor } from './nn/class-labels.js';
export { MLP, mlpForward } from './nn/mlp.js';
export type { MLPConfig, MLPForwardOptions, MLPGradients, MLPDropoutMasks } from './nn/mlp.js';
export { dropout, dropoutMask, dropoutRate } from './nn/dropout.js';
export { saveMLPTorchWeights, loadMLPTorchWeights, mlpFromStateDict, mlpToStateDict } from './nn/mlp-torch-weights.js';
export type { MLPTorchOptions } from './nn/mlp-torch-weights.js';
export { conv2d } from './nn/conv2d.js';
export type { Conv2dOptions } from './nn/conv2d.js';
export { pool2d, POOL_NAMES } from './nn/pool2d.js';
export type { PoolName } from './nn/pool2d.js';
export { ConvNet, convNetForward } from './nn/conv-net.js';
export type { ConvNetConfig, ConvNetGradients } from './nn/conv-net.js';
export { convNetLayerGradients } from './nn/conv-net-probes.js';
export type { ConvLayerGradient } from './nn/conv-net-probes.js';
export { convNetToStateDict, convNetFromStateDict, saveConvNetTorchWeights, loadConvNetTorchWeights } from './nn/conv-net-torch-weights.js';

// ---- optim (SGD, momentum, Adam, clipping, weight decay), probe, gradcheck ----
export { Optimizer } from './optim/optimizer.js';
export type { NamedVariables, NamedTensors, StepReport } from './optim/optimizer.js';
export { SGD } from './optim/sgd.js';
export type { SGDConfig, MomentumSchedule } from './optim/sgd.js';
export { Adam } from './optim/adam.js';
export type { AdamConfig } from './optim/adam.js';
export { AdamW } from './optim/adamw.js';
export { clipGradients, globalNorm, CLIP_MODES } from './optim/clipping.js';
export type { ClipConfig, ClipMode, ClipResult } from './optim/clipping.js';
export { scaledSumOfSquares, scaledSumOfSquaresAll } from './linalg/scaled-sum-of-squares.js';
export type { ScaledSumOfSquares, ScaledSumOfSquaresAndMax } from './linalg/scaled-sum-of-squares.js';
export { tensorStats, tensorStatsMany } from './probe/tensor-stats.js';
export type { TensorStats } from './probe/tensor-stats.js';
export { saturationFraction } from './probe/saturation.js';
export type { SaturationOptions } from './probe/saturation.js';
export { histogram } from './probe/histogram.js';
export type { Histogram, HistogramOptions } from './probe/histogram.js';
export { watch, Watcher, watchColumns, WATCH_DEFAULTS } from './probe/watch.js';
export type { WatchConfig, WatchInput, WatchedActivation, WatchRow, WatchHistogramScale } from './probe/watch.js';
export { layerWatchInput } from './probe/watch-layers.js';
export type { LayerWatchOptions, WatchableNet, WatchableGradients } from './probe/watch-layers.js';
export { GradientProbe } from './probe/gradient-probe.js';
export type { GradientProbeConfig, ProbeRow } from './probe/gradient-probe.js';
export { numericGradient } from './gradcheck/finite-differences.js';
export type { NumericGradientOptions, SampledGradient, ScalarFunction } from './gradcheck/finite-differences.js';
export { checkGradients } from './gradcheck/check-gradients.js';
export type { CheckGradientsOptions, GradientCheckResult, GradientCheckPoint } from './gradcheck/check-gradients.js';
export { autodiffGradients } from './gradcheck/autodiff.js';

// ---- data (IDX, synthetic sets, batching) and safetensors ----
export type { LabeledData } from './data/labeled-data.js';
export { parseIdx, readIdx, writeIdx } from './data/idx.js';
export type { IdxArray, IdxDtype, IdxWriteOptions, IdxReadOptions } from './data/idx.js';
export { loadMnistLike } from './data/mnist-like.js';
export type { MnistLike, MnistLikeConfig } from './data/mnist-like.js';
export { loadImageData } from './data/image-data.js';
export type { ImageData, ImageDataConfig } from './data/image-data.js';
export { barsAndStripes } from './data/bars-and-stripes.js';
export { gaussianMixture } from './data/gaussian-mixture.js';
export type { GaussianMixture, GaussianMixtureConfig } from './data/gaussian-mixture.js';
export { shapeset } from './data/shapeset.js';
export type { ShapesetConfig } from './data/shapeset.js';
export { trainTestSplit, minibatches, unlabeledMinibatches, oneHot } from './data/batching.js';
export type { BatchOptions, Minibatch } from './data/batching.js';
export { parseCsvData, readCsvData } from './data/csv-data.js';
export { firstNonFinite, unravelIndex } from './io/non-finite.js';
export type { CsvData, CsvDataOptions } from './data/csv-data.js';
export { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors } from './io/safetensors.js';
export type {
  SafetensorsDtype,
  SafetensorsArray,
  DecodedSafetensors,
  LoadedSafetensors,
  SafetensorsReadOptions,
} from './io/safetensors.js';

// ---- io: atomic writes ----
export {
  writeFileAtomic,
  writeFileAtomicSync,
  removeStaleTempFiles,
  stageFileSync,
  publishStagedSync,
  discardStagedSync,
} from './io/atomic-write.js';
export { fileError, describeCause, errorCode } from './io/file-error.js';
