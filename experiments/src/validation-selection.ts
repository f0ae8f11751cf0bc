/**
 * Early stopping by validation, as a model-selection step: train for a fixed number of epochs,
 * measure the validation error after each, and keep the weights of the epoch with the lowest
 * error (the first on a tie), so that the test set is looked at once, on the chosen weights.
 */
import { type MLP, ValidationError, tf } from '@gradlab/core';

/** Rows evaluated per forward pass (bounds the memory of evaluating 10,000 images). */
const EVAL_CHUNK = 2000;

/** Fraction of rows of (x, y) that `net` (evaluation mode) misclassifies. */
export function errorRate(net: MLP, x: tf.Tensor2D, y: tf.Tensor1D): number {
  const n = x.shape[0];
  let wrong = 0;
  for (let s = 0; s < n; s += EVAL_CHUNK) {
    const m = Math.min(EVAL_CHUNK, n - s);
    const miss = tf.tidy(() => {
      const logits = net.forward(tf.slice(x, [s, 0], [m, -1]));
      return tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), tf.slice(y, [s], [m])), 'float32'));
    });
    wrong += miss.dataSync()[0]!;
    miss.dispose();
  }
  return wrong / n;
}

/** What {@link selectByValidation} chose. */
export interface Selection {
  /** The chosen epoch (1-based). */
  epoch: number;
  /** Its validation error. */
  error: number;
}

/**
 * Runs `epochs` epochs and leaves `net` holding the parameters of the epoch whose validation
 * error was lowest (the first such epoch).
 * @param trainEpoch trains epoch e (1-based) and returns the validation error after it
 */
export function selectByValidation(net: MLP, epochs: number, trainEpoch: (epoch: number) => number): Selection {
  let best: Selection | undefined;
  let kept: Record<string, tf.Tensor> | undefined;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const error = trainEpoch(epoch);
      if (best === undefined || error < best.error) {
        best = { epoch, error };
        if (kept !== undefined) tf.dispose(Object.values(kept));
        kept = Object.fromEntries(Object.entries(net.params).map(([k, v]) => [k, tf.clone(v)]));
      }
    }
    if (kept !== undefined) net.setParams(kept);
  } finally {
    if (kept !== undefined) tf.dispose(Object.values(kept));
  }
  if (best === undefined) throw new ValidationError(`selectByValidation: expected epochs to be a positive integer, got ${epochs}`);
  return best;
}
