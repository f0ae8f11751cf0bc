/**
 * `tf.tidy` for results typed as interfaces. tfjs types its result as `TensorContainer`, which
 * interfaces such as `Record<string, tf.Tensor>` fields do not satisfy; tidy itself walks any
 * object and keeps every tensor it finds. Never return big typed arrays through it (tidy walks
 * every element): read back outside.
 */
import { tf } from '@gradlab/core';

/** Runs `fn` in a `tf.tidy` scope and returns its result, keeping the tensors it holds. */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
