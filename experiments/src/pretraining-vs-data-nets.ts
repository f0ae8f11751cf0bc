/**
 * The four nets pretraining-vs-data compares, each a recipe behind one interface: how to build
 * it (for `sigmoid-dbn`, greedy CD-1 pretraining of a DBN on the training images, then unrolled;
 * Hinton, Osindero & Teh 2006) and which fine-tuning learning rate it takes. A new net is a new
 * entry in {@link NET_RECIPES}, not a branch in the training loop.
 */
import { MLP, tf, type Rng } from '@gradlab/core';
import { DBN } from '@gradlab/rbm';

/** The nets compared. */
export const PRETRAINING_VS_DATA_NETS = ['sigmoid-random', 'sigmoid-dbn', 'relu-he', 'relu-he-dropout'] as const;
/** A net. */
export type NetName = (typeof PRETRAINING_VS_DATA_NETS)[number];

/** The config fields a recipe reads. */
export interface NetRecipeConfig {
  batchSize: number;
  sigmoidLearningRate: number;
  reluLearningRate: number;
  dropout: number;
  pretrainEpochs: number;
  rbmLearningRate: number;
}

/** How one net is made and fine-tuned. */
export interface NetRecipe {
  /**
   * A fresh net [input, hidden…, classes].
   * @param trainX the training images [n, input] (pretraining reads them; not disposed)
   * @param rng the net's stream
   */
  build(sizes: number[], trainX: tf.Tensor2D, config: NetRecipeConfig, rng: Rng): MLP;
  /** Fine-tuning learning rate. */
  learningRate(config: NetRecipeConfig): number;
}

const sigmoidRate = (c: NetRecipeConfig) => c.sigmoidLearningRate;
const reluRate = (c: NetRecipeConfig) => c.reluLearningRate;

/** The recipe of every net. */
export const NET_RECIPES: Readonly<Record<NetName, NetRecipe>> = {
  'sigmoid-random': {
    build: (sizes, _x, _c, rng) => new MLP({ layerSizes: sizes, activation: 'sigmoid', init: 'standard' }, rng.fork('init')),
    learningRate: sigmoidRate,
  },
  'sigmoid-dbn': {
    build: (sizes, x, c, rng) => {
      const dbn = new DBN({ layerSizes: sizes.slice(0, -1) }, rng.fork('dbn'));
      try {
        dbn.pretrain(x, { epochs: c.pretrainEpochs, batchSize: c.batchSize, learningRate: c.rbmLearningRate }, rng.fork('pretrain'));
        return dbn.toMLP(sizes[sizes.length - 1]!, rng.fork('head'));
      } finally {
        dbn.dispose();
      }
    },
    learningRate: sigmoidRate,
  },
  'relu-he': {
    build: (sizes, _x, _c, rng) => new MLP({ layerSizes: sizes, activation: 'relu', init: 'he-normal' }, rng.fork('init')),
    learningRate: reluRate,
  },
  'relu-he-dropout': {
    // Same init stream as relu-he: the two start from the same weights and differ only by dropout.
    build: (sizes, _x, c, rng) => new MLP({ layerSizes: sizes, activation: 'relu', init: 'he-normal', dropout: c.dropout }, rng.fork('init')),
    learningRate: reluRate,
  },
};

/** The recipe of `net`. */
export function netRecipe(net: NetName): NetRecipe {
  return NET_RECIPES[net];
}
