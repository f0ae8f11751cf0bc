/**
 * @gradlab/core — what the RBM and RNN packages share: the TensorFlow.js backend, seeded
 * randomness, initialisers, activations, MLPs, optimisers, gradient probes, data, io, the
 * experiment runner and plots. Everything public is exported by name from this file.
 */
export { tf } from './backend/tf.js';
export { initBackend, backendInfo, BACKEND_NAMES } from './backend/backend.js';
export type { BackendInfo, BackendName, BackendConfig } from './backend/backend.js';
export { registerFastMatMulGradient } from './backend/matmul-gradient.js';

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
  standardUniform,
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
export { fans } from './init/fans.js';
export { spectralRadius, scaleToSpectralRadius } from './init/spectral-radius.js';
export { activation, ACTIVATION_NAMES, DEFAULT_LEAKY_RELU_SLOPE, DEFAULT_ELU_ALPHA } from './activations/activations.js';
export type { Activation, ActivationName } from './activations/activations.js';
export { dense } from './nn/dense.js';
export { batchNormApply, batchMoments, BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from './nn/batch-norm.js';
export { softmaxCrossEntropy, mse, bceWithLogits, binaryCrossEntropy, lossByName, LOSS_NAMES } from './nn/losses.js';
export type { LossName } from './nn/losses.js';
export { MLP, mlpForward, MLP_DEFAULTS } from './nn/mlp.js';
export type { MLPConfig, MLPSpec, MLPTrace, MLPForwardOptions, MLPGradients } from './nn/mlp.js';

// ---- optim (SGD, momentum, Adam, clipping, weight decay), probe, gradcheck ----
export { Optimizer } from './optim/optimizer.js';
export type { NamedVariables, NamedTensors, StepReport, UpdateContext } from './optim/optimizer.js';
export { SGD, SGD_DEFAULTS } from './optim/sgd.js';
export type { SGDConfig, MomentumSchedule } from './optim/sgd.js';
export { Adam, ADAM_DEFAULTS } from './optim/adam.js';
export type { AdamConfig } from './optim/adam.js';
export { clipGradients, globalNorm, CLIP_MODES, CLIP_NORM_EPSILON } from './optim/clipping.js';
export type { ClipConfig, ClipMode, ClipResult } from './optim/clipping.js';
export { scaledSumOfSquares, scaledSumOfSquaresAll } from './linalg/scaled-sum-of-squares.js';
export type { ScaledSumOfSquares, ScaledSumOfSquaresAndMax } from './linalg/scaled-sum-of-squares.js';
export { tensorStats, tensorStatsMany, TENSOR_STATS_COLUMNS } from './probe/tensor-stats.js';
export type { TensorStats } from './probe/tensor-stats.js';
export { saturationFraction, DEFAULT_SATURATION_THRESHOLD } from './probe/saturation.js';
export type { SaturationOptions } from './probe/saturation.js';
export { histogram, DEFAULT_HISTOGRAM_BINS } from './probe/histogram.js';
export type { Histogram, HistogramOptions } from './probe/histogram.js';
export { GradientProbe, PROBE_COLUMNS } from './probe/gradient-probe.js';
export type { GradientProbeConfig, ProbeRow, ProbeTags } from './probe/gradient-probe.js';
export { numericGradient, GRADCHECK_DEFAULTS } from './gradcheck/finite-differences.js';
export type { NumericGradientOptions, SampledGradient, ScalarFunction } from './gradcheck/finite-differences.js';
export { checkGradients } from './gradcheck/check-gradients.js';
export type { CheckGradientsOptions, GradientCheckResult, GradientCheckPoint } from './gradcheck/check-gradients.js';
export { autodiffGradients } from './gradcheck/autodiff.js';

// ---- data (IDX, synthetic sets, batching) and safetensors ----
export type { LabeledData } from './data/labeled-data.js';
export { parseIdx, readIdx, encodeIdx, writeIdx, MAX_IDX_DATA_BYTES } from './data/idx.js';
export type { IdxArray, IdxDtype, IdxInput, IdxTypedArray, IdxWriteOptions, IdxReadOptions } from './data/idx.js';
export { loadMnistLike, findDataDir, DEFAULT_DATA_DIR, MNIST_FILES } from './data/mnist-like.js';
export type { MnistLike, MnistLikeConfig } from './data/mnist-like.js';
export { loadImageData } from './data/image-data.js';
export type { ImageData, ImageDataConfig } from './data/image-data.js';
export {
  barsAndStripes,
  sampleBarsAndStripes,
  barsAndStripesCount,
  MAX_BARS_AND_STRIPES_ENUMERATE,
  MAX_BARS_AND_STRIPES_SAMPLE,
} from './data/bars-and-stripes.js';
export {
  gaussianMixture,
  DEFAULT_MIXTURE_COMPONENTS,
  DEFAULT_MIXTURE_DIM,
  DEFAULT_MIXTURE_SEPARATION,
  DEFAULT_MIXTURE_STD,
} from './data/gaussian-mixture.js';
export type { GaussianMixture, GaussianMixtureConfig } from './data/gaussian-mixture.js';
export { shapeset, shapesetLabel, SHAPESET_SHAPES, SHAPESET_CLASSES, DEFAULT_SHAPESET_SIZE } from './data/shapeset.js';
export type { ShapesetConfig, ShapesetShape } from './data/shapeset.js';
export { batchIndices, trainTestSplit, takeRows, minibatches, unlabeledMinibatches, oneHot } from './data/batching.js';
export type { BatchOptions, Minibatch } from './data/batching.js';
export { parseCsvData, readCsvData } from './data/csv-data.js';
export { firstNonFinite, unravelIndex } from './io/non-finite.js';
export type { CsvData, CsvDataOptions } from './data/csv-data.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  saveSafetensors,
  loadSafetensors,
  MAX_SAFETENSORS_HEADER_BYTES,
} from './io/safetensors.js';
export type {
  SafetensorsDtype,
  SafetensorsTypedArray,
  SafetensorsArray,
  DecodedSafetensors,
  LoadedSafetensors,
  SafetensorsReadOptions,
} from './io/safetensors.js';

// ---- io (atomic writes, CSV, manifest), experiment runner, plot ----
export { z } from 'zod';
export { writeFileAtomic, writeFileAtomicSync, removeStaleTempFiles } from './io/atomic-write.js';
export { formatNumber, toCsv, writeCsv, parseResultsCsv, readResultsCsv, CSV_SIGNIFICANT_DIGITS } from './io/csv.js';
export type { CsvValue, CsvRow } from './io/csv.js';
export {
  sha256File,
  gitCommit,
  packageVersions,
  writeManifest,
  readManifest,
  verifyManifest,
  MANIFEST_FILE,
  MANIFEST_FORMAT_VERSION,
} from './io/manifest.js';
export type {
  Manifest,
  ManifestInput,
  ManifestOutput,
  ManifestProblem,
  ManifestVerification,
  ManifestCells,
  ManifestDivergence,
} from './io/manifest.js';
export { defineExperiment, checkSeeds, EXPERIMENT_NAME_PATTERN } from './experiment/define-experiment.js';
export type {
  CellValue,
  Row,
  ExperimentContext,
  PlotOutput,
  ExperimentDefinition,
  AnyExperimentDefinition,
} from './experiment/define-experiment.js';
export { runExperiment, resolveConfig, DEFAULT_SIZE } from './experiment/runner.js';
export type { RunOptions, RunResult, ExperimentSize } from './experiment/runner.js';
export { mergeExperiment } from './experiment/merge.js';
export { CellPool, defaultJobs } from './experiment/cell-pool.js';
export { seedSummary, summaryColumns, summaryFileName, SUMMARY_STATS, SUMMARY_SEEDS_COLUMN } from './experiment/seed-summary.js';
export type { SummarySpec } from './experiment/seed-summary.js';
export type { CellPoolOptions, PoolTask, PoolHandlers } from './experiment/cell-pool.js';
export { describeDivergence } from './experiment/run-cell.js';
export type { CellOutcome } from './experiment/run-cell.js';
export type { MergeOptions } from './experiment/merge.js';
export type { AssembledOutputs } from './experiment/assemble-results.js';
export { readCellsConfig, CELLS_DIR } from './experiment/cells-store.js';
export { writeCellArtifact, collectCellArtifacts, cellArtifactsDir, ARTIFACT_FILE_PATTERN } from './experiment/cell-artifacts.js';
export type { CellsConfig, CellMeta, CellStatus, Divergence } from './experiment/cells-store.js';
export { cellKey, cellId, canonicalJson, configHash, CONFIG_HASH_LENGTH } from './experiment/cell-id.js';
export { parseShard, shardFromEnv, checkShard, formatShard, inShard } from './experiment/shard.js';
export type { Shard } from './experiment/shard.js';
export type { RunEvent, RunEventHandler } from './experiment/run-events.js';
export { renderSvg } from './plot/render-svg.js';
export type { VegaLiteSpec } from './plot/render-svg.js';
export { lineChart, DEFAULT_CHART_WIDTH, DEFAULT_CHART_HEIGHT, BAND_OPACITY } from './plot/charts.js';
export type { LineChartConfig, LineBand } from './plot/charts.js';
export { imageGridPng, encodeGrayscalePng, crc32 } from './plot/image-grid.js';
export type { ImageGridOptions } from './plot/image-grid.js';
