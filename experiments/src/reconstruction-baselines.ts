/**
 * The baselines a deep autoencoder's reconstructions are compared with (Hinton & Salakhutdinov
 * 2006, Fig. 2B): PCA and logistic PCA with as many components as the autoencoder's code, and
 * the mean training image (the reconstruction of a model that learned nothing about the input).
 * Each is fitted to the training rows and measured in the autoencoder's unit, Σ_j (x̂_j − x_j)²
 * per image, averaged over images.
 */
import { tf, type Rng } from '@gradlab/core';
import { PCA, fitLogisticPCA } from '@gradlab/rbm';

/** A fitted baseline: its reconstruction error on any rows, and `dispose()`. */
export interface FittedBaseline {
  /** Mean over rows of Σ_j (x̂_j − x_j)². */
  reconstructionError(x: tf.Tensor2D): number;
  dispose(): void;
}

/** What a baseline is fitted with. */
export interface BaselineOptions {
  /** Components (the autoencoder's code size). */
  components: number;
  /** Full-batch Adam steps of logistic PCA (fit and encoding alike). */
  logisticPcaIterations: number;
  /** Adam learning rate of logistic PCA. */
  logisticPcaLearningRate: number;
}

/** The mean training image as the reconstruction of every row. */
function meanImage(train: tf.Tensor2D): FittedBaseline {
  const mu = tf.tidy(() => tf.mean(train, 0));
  return {
    reconstructionError: (x) => {
      const e = tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(x, mu)), x.shape[0]));
      const v = e.dataSync()[0]!;
      e.dispose();
      return v;
    },
    dispose: () => mu.dispose(),
  };
}

/** Names of the baselines. */
export const BASELINE_NAMES = ['pca', 'logistic-pca', 'mean-image'] as const;
/** A baseline's name. */
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Baselines by name: each fits itself to the training rows. */
export const RECONSTRUCTION_BASELINES: Readonly<Record<BaselineName, (train: tf.Tensor2D, o: BaselineOptions, rng: Rng) => FittedBaseline>> = {
  pca: (train: tf.Tensor2D, o: BaselineOptions): FittedBaseline => PCA.fit(train, o.components),
  'logistic-pca': (train: tf.Tensor2D, o: BaselineOptions, rng: Rng): FittedBaseline =>
    fitLogisticPCA(train, { numComponents: o.components, iterations: o.logisticPcaIterations, learningRate: o.logisticPcaLearningRate }, rng),
  'mean-image': (train: tf.Tensor2D): FittedBaseline => meanImage(train),
};
