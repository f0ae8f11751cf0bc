/**
 * One epoch of supervised fine-tuning, the loop the pretraining experiments share
 * (pretraining, pretraining-vs-data, conv-pretraining, dbm-fine-tuning): the training rows
 * shuffled into minibatches, and one optimiser step on each minibatch's softmax cross-entropy.
 */
import { minibatches, tf, type NamedTensors, type NamedVariables, type Optimizer, type Rng } from '@gradlab/core';

/** A classifier the loop can train: an `MLP` or a `ConvNet`. */
export interface FineTunedNet {
  /** The parameters the optimiser updates, by name. */
  readonly params: NamedVariables;
  /** One minibatch's loss (mean over its rows) and ∂L/∂θ, freed by `dispose`. */
  gradients(x: tf.Tensor, target: tf.Tensor, loss: 'softmax-cross-entropy'): { loss: number; grads: NamedTensors; dispose(): void };
}

/**
 * Trains `net` for one epoch in place: a shuffle of (x, y) into minibatches of `batchSize` rows
 * (the last one shorter when it does not divide), one `optimizer` step per minibatch.
 * @param x training inputs [n, …]; y class labels [n] (int32); neither disposed
 * @param shuffle the epoch's own stream (the experiments pass `rng.fork(\`shuffle/${epoch}\`)`),
 *   so that an epoch's order never depends on how many epochs came before
 * @returns the mean over the n rows of the minibatch losses, each taken before its step
 */
export function fineTuneEpoch(net: FineTunedNet, optimizer: Optimizer, x: tf.Tensor, y: tf.Tensor, batchSize: number, shuffle: Rng): number {
  const batches = minibatches(x, y, batchSize, shuffle);
  let lossSum = 0;
  try {
    for (const b of batches) {
      const g = net.gradients(b.x, b.y, 'softmax-cross-entropy');
      lossSum += g.loss * b.x.shape[0]!;
      optimizer.step(net.params, g.grads);
      g.dispose();
    }
  } finally {
    for (const b of batches) tf.dispose([b.x, b.y]);
  }
  return lossSum / x.shape[0]!;
}
