/**
 * Checking class labels before a cross-entropy. `tf.oneHot` turns a label outside [0, C) into
 * an all-zero row (and a float label is truncated by the int32 cast), so a bad label would not
 * fail: its row would silently drop out of the loss. Labels are small ([batch] or [T, B]), so
 * they are read back once and scanned on the CPU; labels made on the host ({@link classLabelTensor})
 * are scanned there instead, with no readback.
 */
import { tf } from '../backend/tf.js';
import { ValidationError, invalidArgument } from '../errors/gradlab-error.js';

// Tensors are immutable (variables excepted), so a label tensor checked once against C classes
// stays valid: a second check (the loss inside MLP.gradients after its entry check) is free.
const checked = new WeakMap<tf.Tensor, number>();

/** The multi-index of flat position `i` in `shape`, as `[t, b]` (or `i` for 1-D). */
function indexOf(i: number, shape: readonly number[]): string {
  if (shape.length <= 1) return String(i);
  const idx: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Throws unless every label is an integer in [0, classes). One readback of `labels`.
 * @param where the entry point, first in the message
 * @param labels class indices, any shape (int32 or float32)
 * @param classes the number of classes C ≥ 1
 * @throws ValidationError naming the first bad label's index, its value and the valid range
 * @example checkClassLabels('MLP.gradients', tf.tensor1d([0, 7], 'int32'), 3)
 * // MLP.gradients: expected labels to be integers in [0, 2] (3 classes), got 7 at index 1
 */
export function checkClassLabels(where: string, labels: tf.Tensor, classes: number): void {
  if (labels.isDisposed) throw invalidArgument(where, 'labels', 'a disposed tensor', 'a live tf.Tensor');
  const immutable = !(labels instanceof tf.Variable);
  if (immutable && checked.get(labels) === classes) return;
  scanLabels(where, labels.dataSync(), labels.shape, classes);
  if (immutable) checked.set(labels, classes);
}

/** Throws at the first value that is not an integer in [0, classes), naming its index in `shape`. */
function scanLabels(where: string, data: ArrayLike<number>, shape: readonly number[], classes: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
      throw new ValidationError(`${where}: expected labels to be integers in [0, ${classes - 1}] (${classes} classes), got ${v} at index ${indexOf(i, shape)}`);
    }
  }
}

/**
 * An int32 label tensor made from values on the host and checked there as it is made, so that
 * every later {@link checkClassLabels} of it is free. A generator of minibatches (a sequence
 * task, a data set) makes a new label tensor per training step; checked at the loss instead,
 * each would cost a readback, a GPU→CPU sync per step.
 * @param where names the maker in the message, as in {@link checkClassLabels}
 * @param values class indices (not kept: the tensor copies them)
 * @param shape the tensor's shape ([B], or [T, B] for a label per step)
 * @param classes the number of classes C ≥ 1
 * @returns a new int32 tensor; the caller disposes it
 * @throws ValidationError naming the first bad label's index, its value and the valid range
 * @example const y = classLabelTensor('temporalOrder.sample', new Int32Array([3, 0]), [2], 4);
 */
export function classLabelTensor(where: string, values: Int32Array | readonly number[], shape: readonly number[], classes: number): tf.Tensor {
  scanLabels(where, values, shape, classes);
  const t = tf.tensor(values instanceof Int32Array ? values : Int32Array.from(values), [...shape], 'int32');
  checked.set(t, classes);
  return t;
}
