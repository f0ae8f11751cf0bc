/**
 * @gradlab/rbm — restricted Boltzmann machines (binary and Gaussian visibles) trained by CD-k,
 * PCD and FPCD; exact, annealed-importance-sampling and pseudo log-likelihoods; deep belief
 * nets, two-hidden-layer deep Boltzmann machines and (denoising, contractive, convolutional, stacked, deep)
 * autoencoders with their PCA and logistic-PCA baselines, with greedy layer-wise pretraining and unrolling
 * into core MLPs and ConvNets for fine-tuning. Everything public is exported by name from here.
 */
export { RBM, VISIBLE_TYPES, HIDDEN_TYPES } from './rbm.js';
export type { RBMParams, VisibleType, HiddenType } from './rbm.js';

export type { RBMConfig } from './rbm-init.js';
export { BernoulliRBM } from './bernoulli-rbm.js';
export type { BernoulliRBMConfig } from './bernoulli-rbm.js';
export { GaussianBernoulliRBM } from './gaussian-bernoulli-rbm.js';
export type { GaussianBernoulliRBMConfig } from './gaussian-bernoulli-rbm.js';
export { BernoulliGaussianRBM } from './bernoulli-gaussian-rbm.js';
export type { BernoulliGaussianRBMConfig } from './bernoulli-gaussian-rbm.js';

export { ContrastiveDivergence, contrastiveDivergenceStatistics, CD_METHODS } from './contrastive-divergence.js';
export type { CDMethod, ContrastiveDivergenceConfig } from './contrastive-divergence.js';
export { trainRBM } from './train-rbm.js';
export type { TrainRBMConfig, TrainRBMResult, RBMEpochStats } from './train-rbm.js';

export { reconstructionError, meanFreeEnergy, freeEnergyGap } from './rbm-monitor.js';
export type { FreeEnergyGap } from './rbm-monitor.js';
export { exactLogPartition, exactLogLikelihood, logProbability, MAX_EXACT_UNITS } from './exact-likelihood.js';
export type { ExactLogPartitionOptions } from './exact-likelihood.js';
export { annealedImportanceSampling } from './annealed-importance-sampling.js';
export type { AISConfig, AISResult } from './annealed-importance-sampling.js';
export { pseudoLikelihood } from './pseudo-likelihood.js';
export type { PseudoLikelihoodOptions } from './pseudo-likelihood.js';
export { encodeRBM, decodeRBM, saveRBM, loadRBM } from './rbm-safetensors.js';

export { DBN } from './deep-belief-net.js';
export type { DBNConfig, DBNPretrainConfig, DBNPretrainResult, DBNLayerTrainConfig } from './deep-belief-net.js';
export { DeepAutoencoder, fineTuneAutoencoder, AUTOENCODER_ACTIVATIONS } from './deep-autoencoder.js';
export type { DeepAutoencoderConfig, AutoencoderActivation, AutoencoderGradients } from './deep-autoencoder.js';
export { Autoencoder, trainAutoencoder } from './autoencoder.js';
export type { AutoencoderConfig } from './autoencoder.js';
export { StackedAutoencoder } from './stacked-autoencoder.js';
export type { StackedAutoencoderConfig, StackedPretrainConfig } from './stacked-autoencoder.js';
export { ConvAutoencoder, trainConvAutoencoder, CONV_AUTOENCODER_ACTIVATIONS } from './conv-autoencoder.js';
export type { ConvAutoencoderConfig, ConvAutoencoderActivation } from './conv-autoencoder.js';
export { StackedConvAutoencoder } from './stacked-conv-autoencoder.js';
export type { StackedConvAutoencoderConfig, ToConvNetOptions } from './stacked-conv-autoencoder.js';
export { maskingNoise, BACKPROP_OPTIMIZERS } from './backprop-training.js';
export type { BackpropConfig, BackpropEpochStats, ReconstructionModel } from './backprop-training.js';
export type { ToMLPOptions } from './unroll-mlp.js';
export { PCA } from './pca.js';
export { LogisticPCA, fitLogisticPCA, LOGISTIC_PCA_LEARNING_RATE, LOGISTIC_PCA_INIT_STD } from './logistic-pca.js';
export type { LogisticPCAConfig } from './logistic-pca.js';
export { saveAutoencoderTorchWeights, loadDeepAutoencoderTorchWeights, loadStackedAutoencoderTorchWeights } from './autoencoder-torch-weights.js';
export type { AutoencoderTorchOptions } from './autoencoder-torch-weights.js';

export { DBM, DEFAULT_MEAN_FIELD_ITERATIONS } from './deep-boltzmann-machine.js';
export type { DBMConfig, DBMParams, DBMState, MeanFieldMarginals, MeanFieldOptions, DBMToMLPOptions } from './deep-boltzmann-machine.js';
export type { DBMPretrainConfig } from './dbm-pretraining.js';
export { trainDBM, DBMTrainer, dbmAscentDirection, DBM_TRAIN_DEFAULTS } from './train-dbm.js';
export type { TrainDBMConfig, DBMTrainerConfig, DBMEpochStats, DBMChainStatistics } from './train-dbm.js';
export { dbmExactLogPartition, dbmLogProbability, dbmExactLogLikelihood, meanFieldLowerBound } from './dbm-exact-likelihood.js';
export { dbnLogProbability, dbnExactLogLikelihood } from './dbn-exact-likelihood.js';
export { dbmAnnealedImportanceSampling, dbmAsBipartiteRBM } from './dbm-ais.js';
