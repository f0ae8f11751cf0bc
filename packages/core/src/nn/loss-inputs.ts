/**
 * The checks an entry point makes before it builds a gradient graph around a loss: the losses
 * check again inside, but an error thrown from inside `tf.valueAndGrads` would strand the
 * tensors the caller made for it (probes, kept traces), so it must fail first.
 */
import { tf } from '../backend/tf.js';
import { ShapeError, ValidationError, describeValue, invalidArgument } from '../errors/gradlab-error.js';
import { checkClassLabels } from './class-labels.js';
import type { LossName } from './losses.js';

/**
 * Throws unless `x` has at least one row, `target` is [batch, outputs] (or class indices [batch]
 * for cross-entropy) and every class index is an integer in [0, outputs). Labels are read back
 * once; the loss's own check then reuses it.
 * @param x the input batch [batch, …]
 * @param target labels [batch] or targets [batch, outputs]
 * @throws ValidationError naming the entry point, the field and the value; ShapeError for a
 *   target that does not match the batch and the outputs
 */
export function checkLossInputs(where: string, x: tf.Tensor, target: tf.Tensor, loss: LossName, outputs: number): void {
  if (!(x instanceof tf.Tensor)) throw invalidArgument(where, 'x', x, 'a tf.Tensor [batch, inputs]');
  if (!(target instanceof tf.Tensor)) throw invalidArgument(where, 'target', target, 'a tf.Tensor');
  if (x.rank < 1 || x.shape[0] === 0) {
    throw new ValidationError(`${where}: expected x to have at least one row, got shape ${describeValue(x.shape)}`);
  }
  const rows = x.shape[0]!;
  const labels = loss === 'softmax-cross-entropy' && target.rank === 1;
  const fits = labels ? target.shape[0] === rows : target.rank === 2 && target.shape[0] === rows && target.shape[1] === outputs;
  if (!fits) {
    const alt = loss === 'softmax-cross-entropy' ? ` (or labels [${rows}])` : '';
    throw new ShapeError(`${where}: expected target to have shape [${rows}, ${outputs}]${alt} for loss "${loss}", got ${describeValue(target.shape)}`);
  }
  if (labels) checkClassLabels(where, target, outputs);
}
