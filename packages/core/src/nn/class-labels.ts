/**
 * Checking class labels before a cross-entropy. `tf.oneHot` turns a label outside [0, C) into
 * an all-zero row (and a float label is truncated by the int32 cast), so a bad label would not
 * fail: its row would silently drop out of the loss. Labels are small ([batch] or [T, B]), so
 * they are read back once and scanned on the CPU.
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
  const data = labels.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
      throw new ValidationError(
        `${where}: expected labels to be integers in [0, ${classes - 1}] (${classes} classes), got ${v} at index ${indexOf(i, labels.shape)}`,
      );
    }
  }
  if (immutable) checked.set(labels, classes);
}
