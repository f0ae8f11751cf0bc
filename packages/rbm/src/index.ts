/**
 * @gradlab/rbm — restricted Boltzmann machines (binary and Gaussian visibles) trained by CD-k,
 * PCD and FPCD; exact, annealed-importance-sampling and pseudo log-likelihoods; deep belief
 * nets and (denoising, stacked, deep) autoencoders, with greedy layer-wise pretraining and
 * unrolling into core MLPs for fine-tuning. Everything public is exported by name from here.
 */
export { RBM, RBM_PARAM_NAMES, VISIBLE_TYPES, HIDDEN_TYPES } from './rbm.js';
export type { RBMParams, GibbsState, VisibleType, HiddenType } from './rbm.js';
export { DEFAULT_WEIGHT_STD, DEFAULT_HIDDEN_BIAS, VISIBLE_MEAN_EPSILON } from './rbm-init.js';
export type { RBMConfig } from './rbm-init.js';
export { BernoulliRBM } from './bernoulli-rbm.js';
export type { BernoulliRBMConfig } from './bernoulli-rbm.js';
export { GaussianBernoulliRBM, HALF_LOG_2PI } from './gaussian-bernoulli-rbm.js';
export type { GaussianBernoulliRBMConfig } from './gaussian-bernoulli-rbm.js';
export { BernoulliGaussianRBM } from './bernoulli-gaussian-rbm.js';
export type { BernoulliGaussianRBMConfig } from './bernoulli-gaussian-rbm.js';

export {
  ContrastiveDivergence,
  contrastiveDivergenceStatistics,
  CD_METHODS,
  CD_DEFAULTS,
  NEGATIVE_VISIBLE_MODES,
} from './contrastive-divergence.js';
export type {
  CDMethod,
  NegativeVisibleMode,
  ContrastiveDivergenceConfig,
  CDStatistics,
  CDStatisticsOptions,
} from './contrastive-divergence.js';
export { trainRBM, DEFAULT_RBM_BATCH_SIZE, MOMENTUM_SCHEDULE_DEFAULTS } from './train-rbm.js';
export type { TrainRBMConfig, TrainRBMResult, RBMEpochStats } from './train-rbm.js';

export { reconstructionError, meanFreeEnergy, freeEnergyGap } from './rbm-monitor.js';
export type { FreeEnergyGap } from './rbm-monitor.js';
export { exactLogPartition, exactLogLikelihood, logProbability, binaryStates, MAX_EXACT_UNITS } from './exact-likelihood.js';
export type { ExactLogPartitionOptions, EnumeratedLayer } from './exact-likelihood.js';
export { annealedImportanceSampling, aisSchedule, DEFAULT_AIS_RUNS, DEFAULT_AIS_BETAS } from './annealed-importance-sampling.js';
export type { AISConfig, AISResult } from './annealed-importance-sampling.js';
export { pseudoLikelihood, conditionalLogLikelihoods } from './pseudo-likelihood.js';
export type { PseudoLikelihoodOptions } from './pseudo-likelihood.js';
export { encodeRBM, decodeRBM, saveRBM, loadRBM, rbmToArrays, rbmMetadata, SKLEARN_RBM_NAMES, RBM_MODEL_METADATA_KEY } from './rbm-safetensors.js';

export { DBN } from './deep-belief-net.js';
export type { DBNConfig, DBNPretrainConfig, DBNPretrainResult, DBNLayerTrainConfig } from './deep-belief-net.js';
export { DeepAutoencoder, fineTuneAutoencoder, AUTOENCODER_ACTIVATIONS, DEEP_AUTOENCODER_DEFAULTS } from './deep-autoencoder.js';
export type { DeepAutoencoderConfig, AutoencoderActivation, AutoencoderGradients } from './deep-autoencoder.js';
export { Autoencoder, trainAutoencoder } from './autoencoder.js';
export type { AutoencoderConfig } from './autoencoder.js';
export { StackedAutoencoder } from './stacked-autoencoder.js';
export type { StackedAutoencoderConfig, StackedPretrainConfig } from './stacked-autoencoder.js';
export { maskingNoise, BACKPROP_DEFAULTS, BACKPROP_OPTIMIZERS } from './backprop-training.js';
export type { BackpropConfig, BackpropEpochStats, ReconstructionModel } from './backprop-training.js';
export type { ToMLPOptions } from './unroll-mlp.js';
export { saveAutoencoderTorchWeights, loadDeepAutoencoderTorchWeights, loadStackedAutoencoderTorchWeights } from './autoencoder-torch-weights.js';
export type { AutoencoderTorchOptions } from './autoencoder-torch-weights.js';
