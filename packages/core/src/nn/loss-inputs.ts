/**
 * The checks an entry point makes before it builds a gradient graph around a loss: the losses
 * check again inside, but an error thrown from inside `tf.valueAndGrads` would strand the
 * tensors the caller made for it (probes, kept traces), so it must fail first.
 */
import { tf } from '../backend/tf.js';
import { ValidationError, describeValue, invalidArgument } from '../errors/gradlab-error.js';
import { checkClassLabels } from './class-labels.js';
import type { LossName } from './losses.js';

/**
 * Throws unless `x` has at least one row and, for cross-entropy on class indices, every label is
 * an integer in [0, outputs). Labels are read back once; the loss's own check then reuses it.
 * @param x the input batch [batch, …]
 * @param target labels [batch] or targets [batch, outputs]
 * @throws ValidationError naming the entry point, the field and the value
 */
export function checkLossInputs(where: string, x: tf.Tensor, target: tf.Tensor, loss: LossName, outputs: number): void {
  if (!(x instanceof tf.Tensor)) throw invalidArgument(where, 'x', x, 'a tf.Tensor [batch, inputs]');
  if (!(target instanceof tf.Tensor)) throw invalidArgument(where, 'target', target, 'a tf.Tensor');
  if (x.rank < 1 || x.shape[0] === 0) {
    throw new ValidationError(`${where}: expected x to have at least one row, got shape ${describeValue(x.shape)}`);
  }
  if (loss === 'softmax-cross-entropy' && target.rank === 1) checkClassLabels(where, target, outputs);
}
