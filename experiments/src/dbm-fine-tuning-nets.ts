/**
 * The three nets dbm-fine-tuning compares, each a recipe behind one interface: how it is made
 * from the training images and how it sees an image. All have hidden layers [H1, H2] of
 * logistic units and a new 10-way softmax output layer.
 *
 * - `dbm`: a DBM [V, H1, H2] pretrained greedily with the modified RBMs, trained jointly (mean
 *   field + persistent chains), then unrolled as in Salakhutdinov & Hinton (2009): the net's
 *   input is [v, q(h2 | v)] (mean-field marginals, computed once per image from the trained DBM
 *   and then fixed), its first layer [W1; W2ᵀ] with bias c1, so its first forward pass is the
 *   mean-field update of q(h1).
 * - `dbn`: a DBN [V, H1, H2] of ordinary RBMs pretrained greedily by CD-1, unrolled by `DBN.toMLP`
 *   (Hinton, Osindero & Teh 2006); each RBM gets as many epochs as the DBM's pretraining and joint
 *   training together, so neither model has seen the data more often.
 * - `random`: the same net as `dbn`, from Glorot & Bengio's "standard" U[±1/√fan_in].
 *
 * A new net is a new entry in {@link DBM_FINE_TUNING_RECIPES}, not a branch in the training loop.
 */
import { MLP, tf, type Rng } from '@gradlab/core';
import { DBM, DBN, trainDBM } from '@gradlab/rbm';

/** The nets compared. */
export const DBM_FINE_TUNING_NETS = ['dbm', 'dbn', 'random'] as const;
/** A net. */
export type DbmFineTuningNet = (typeof DBM_FINE_TUNING_NETS)[number];

/** The config fields a recipe reads. */
export interface DbmRecipeConfig {
  hidden1: number;
  hidden2: number;
  batchSize: number;
  /** Epochs of each of the DBM's two pretraining RBMs. */
  pretrainEpochs: number;
  /** Epochs of the DBM's joint training. */
  jointEpochs: number;
  rbmLearningRate: number;
  dbmLearningRate: number;
  numChains: number;
  meanFieldIterations: number;
}

/** A made net and the way it sees images. */
export interface BuiltNet {
  net: MLP;
  /** The net's input for images x [n, V] (a new tensor; the caller disposes it). */
  input(x: tf.Tensor2D): tf.Tensor2D;
  /** Frees the net and whatever `input` needs. */
  dispose(): void;
}

/** How one net is made. */
export interface DbmFineTuningRecipe {
  /**
   * @param x the training images [n, V] (pretraining reads them; not disposed)
   * @param numClasses width of the output layer
   * @param rng the net's stream
   */
  build(x: tf.Tensor2D, numClasses: number, config: DbmRecipeConfig, rng: Rng): BuiltNet;
}

const plain = (net: MLP): BuiltNet => ({ net, input: (x) => tf.clone(x), dispose: () => net.dispose() });

/** The recipe of every net. */
export const DBM_FINE_TUNING_RECIPES: Readonly<Record<DbmFineTuningNet, DbmFineTuningRecipe>> = {
  dbm: {
    build: (x, numClasses, c, rng) => {
      const dbm = new DBM({ layerSizes: [x.shape[1], c.hidden1, c.hidden2] }, rng.fork('dbm'));
      try {
        dbm.pretrain(x, { epochs: c.pretrainEpochs, batchSize: c.batchSize, learningRate: c.rbmLearningRate }, rng.fork('pretrain'));
        trainDBM(
          dbm,
          x,
          { epochs: c.jointEpochs, batchSize: c.batchSize, learningRate: c.dbmLearningRate, numChains: c.numChains, meanFieldIterations: c.meanFieldIterations },
          rng.fork('joint'),
        );
        const net = dbm.toMLP(numClasses, rng.fork('head'), { input: 'mean-field' });
        return {
          net,
          input: (images) => dbm.meanFieldInput(images, { iterations: c.meanFieldIterations }),
          dispose: () => {
            net.dispose();
            dbm.dispose();
          },
        };
      } catch (e) {
        dbm.dispose();
        throw e;
      }
    },
  },
  dbn: {
    build: (x, numClasses, c, rng) => {
      const dbn = new DBN({ layerSizes: [x.shape[1], c.hidden1, c.hidden2] }, rng.fork('dbn'));
      try {
        dbn.pretrain(x, { epochs: c.pretrainEpochs + c.jointEpochs, batchSize: c.batchSize, learningRate: c.rbmLearningRate }, rng.fork('pretrain'));
        return plain(dbn.toMLP(numClasses, rng.fork('head')));
      } finally {
        dbn.dispose();
      }
    },
  },
  random: {
    build: (x, numClasses, c, rng) => plain(new MLP({ layerSizes: [x.shape[1], c.hidden1, c.hidden2, numClasses], activation: 'sigmoid', init: 'standard' }, rng.fork('init'))),
  },
};
