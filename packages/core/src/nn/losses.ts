/**
 * Loss functions, each the mean over the batch as PyTorch's defaults (`reduction='mean'`):
 * softmax cross-entropy (`nn.CrossEntropyLoss`), mean squared error (`nn.MSELoss`, mean over
 * every element) and binary cross-entropy on logits (`nn.BCEWithLogitsLoss`) or probabilities
 * (`nn.BCELoss`, with log clamped at −100 as PyTorch does).
 */
import { tf } from '../backend/tf.js';
import { ShapeError, ValidationError, describeValue, invalidArgument } from '../errors/gradlab-error.js';
import { checkClassLabels } from './class-labels.js';

/** Names of the built-in losses. */
export const LOSS_NAMES = ['softmax-cross-entropy', 'mse', 'bce-with-logits'] as const;
/** A loss name. */
export type LossName = (typeof LOSS_NAMES)[number];

/** A mean over no rows is not a loss (tfjs returns NaN or, on wasm, a denormal like −3.6e-41). */
function nonEmpty(prediction: tf.Tensor, where: string): void {
  if (prediction.size === 0) {
    throw new ValidationError(`${where}: expected at least one row and one output, got a prediction of shape ${describeValue(prediction.shape)}`);
  }
}

function sameShape(a: tf.Tensor, b: tf.Tensor, where: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${where}: expected target shape [${a.shape}] to equal the prediction shape, got [${b.shape}]`);
  }
}

/**
 * Mean softmax cross-entropy.
 * @param logits [batch, classes]
 * @param labels int32 class indices [batch], or one-hot / soft targets [batch, classes]
 * @throws ValidationError for no rows, or a label that is not an integer in [0, classes)
 *   (class indices are read back once to check them)
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (logits.rank !== 2) throw invalidArgument('softmaxCrossEntropy', 'logits.shape', logits.shape, 'a 2-D shape [batch, classes]');
    nonEmpty(logits, 'softmaxCrossEntropy');
    if (labels.rank === 1 && labels.shape[0] !== logits.shape[0]) {
      throw new ShapeError(`softmaxCrossEntropy: expected ${logits.shape[0]} labels (one per row of logits), got ${labels.shape[0]}`);
    }
    if (labels.rank === 1) checkClassLabels('softmaxCrossEntropy', labels, logits.shape[1]!);
    const targets =
      labels.rank === 1 ? tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]!).asType('float32') : labels;
    sameShape(logits, targets, 'softmaxCrossEntropy');
    return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** Mean squared error over every element. */
export function mse(prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    sameShape(prediction, target, 'mse');
    nonEmpty(prediction, 'mse');
    return tf.mean(tf.squaredDifference(prediction, target)) as tf.Scalar;
  });
}

/** Mean binary cross-entropy of targets in [0, 1] against logits (numerically stable form). */
export function bceWithLogits(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    sameShape(logits, target, 'bceWithLogits');
    nonEmpty(logits, 'bceWithLogits');
    // max(z, 0) − z·t + log(1 + exp(−|z|))
    const z = logits;
    return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, target)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))) as tf.Scalar;
  });
}

/** Mean binary cross-entropy of targets in [0, 1] against probabilities, log clamped at −100. */
export function binaryCrossEntropy(probs: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    sameShape(probs, target, 'binaryCrossEntropy');
    nonEmpty(probs, 'binaryCrossEntropy');
    const logP = tf.maximum(tf.log(probs), -100);
    const log1mP = tf.maximum(tf.log(tf.sub(1, probs)), -100);
    return tf.neg(tf.mean(tf.add(tf.mul(target, logP), tf.mul(tf.sub(1, target), log1mP)))) as tf.Scalar;
  });
}

/** Applies a loss by name. */
export function lossByName(name: LossName, prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
  switch (name) {
    case 'softmax-cross-entropy':
      return softmaxCrossEntropy(prediction, target);
    case 'mse':
      return mse(prediction, target);
    case 'bce-with-logits':
      return bceWithLogits(prediction, target);
    default:
      throw invalidArgument('loss', 'name', name, `one of ${LOSS_NAMES.join(', ')}`);
  }
}
