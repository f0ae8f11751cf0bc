/**
 * What the feed-forward models ({@link MLP}, {@link ConvNet}) share about their named state:
 * parameters and buffers as tfjs variables in two records, one layer's batch-norm state under
 * PyTorch's names, and replacing them from tensors with names and shapes checked.
 */
import { tf } from '../backend/tf.js';
import { ShapeError, invalidArgument } from '../errors/gradlab-error.js';

/** A variable made from `t`, which is disposed (tf.variable copies). Names stay unset: tfjs names are global. */
export function ownVariable(t: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/**
 * Adds one layer's batch norm: γ = 1 and β = 0 to `params` as `{prefix}.gamma` / `.beta`, the
 * running mean 0, running variance 1 and an int32 batch count 0 to `buffers` (PyTorch's
 * `running_mean`, `running_var`, `num_batches_tracked`).
 * @param width features normalised (units, or channels of a map)
 */
export function addBatchNormState(params: Record<string, tf.Variable>, buffers: Record<string, tf.Variable>, prefix: string, width: number): void {
  params[`${prefix}.gamma`] = ownVariable(tf.ones([width]), true);
  params[`${prefix}.beta`] = ownVariable(tf.zeros([width]), true);
  buffers[`${prefix}.running_mean`] = ownVariable(tf.zeros([width]), false);
  buffers[`${prefix}.running_var`] = ownVariable(tf.ones([width]), false);
  buffers[`${prefix}.num_batches_tracked`] = ownVariable(tf.scalar(0, 'int32'), false);
}

/** `record[name]`, or a ValidationError from `where` naming the missing parameter. */
export function namedParam(where: string, record: Record<string, tf.Tensor>, name: string): tf.Tensor {
  const t = record[name];
  if (t === undefined) throw invalidArgument(where, 'parameters', Object.keys(record), `a record containing "${name}"`);
  return t;
}

/**
 * Assigns copies of `values` to the parameters and buffers of the same names, each cast to its
 * target's dtype (float32; int32 for `num_batches_tracked`).
 * @param where names the method in messages, e.g. `MLP.setParams`
 * @throws ValidationError for an unknown name; ShapeError for a shape that differs
 */
export function setNamedParams(where: string, params: Record<string, tf.Variable>, buffers: Record<string, tf.Variable>, values: Record<string, tf.Tensor>): void {
  for (const [name, t] of Object.entries(values)) {
    const target = params[name] ?? buffers[name];
    if (target === undefined) {
      throw invalidArgument(where, 'name', name, `one of ${[...Object.keys(params), ...Object.keys(buffers)].join(', ')}`);
    }
    if (target.shape.join(',') !== t.shape.join(',')) {
      throw new ShapeError(`${where}: expected "${name}" of shape [${target.shape}], got [${t.shape}]`);
    }
    tf.tidy(() => target.assign(t.dtype === target.dtype ? t : tf.cast(t, target.dtype)));
  }
}
