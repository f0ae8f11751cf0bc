/**
 * Applies a row-wise tensor function to a large matrix in chunks of rows (the greedy layer-wise
 * pretraining passes a whole data set up through a trained layer): the source is read once and
 * each chunk is made from a subarray, since `tf.slice` copies its whole source on tfjs-wasm.
 */
import { tf } from '@gradlab/core';

/** Rows per chunk of {@link mapRows}. */
export const ROW_CHUNK = 10_000;

/**
 * f applied to consecutive chunks of the rows of x, results concatenated along rows.
 * @param x [n, d] float32 (not disposed)
 * @param f chunk [m, d] ↦ [m, k] (its input is disposed after the call; it must not keep it)
 * @returns [n, k]
 */
export function mapRows(x: tf.Tensor, f: (rows: tf.Tensor2D) => tf.Tensor2D, chunk: number = ROW_CHUNK): tf.Tensor2D {
  const [n, d] = x.shape as [number, number];
  if (n <= chunk) return f(x as tf.Tensor2D);
  const data = x.dataSync() as Float32Array;
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    const rows = tf.tensor2d(data.subarray(start * d, (start + m) * d), [m, d]);
    parts.push(f(rows));
    rows.dispose();
  }
  const out = tf.concat(parts, 0);
  tf.dispose(parts);
  return out;
}

/**
 * The rows of x as consecutive chunks of at most `chunk` rows, made from one readback (the
 * caller disposes them).
 * @param x [n, d] float32 (not disposed)
 * @returns chunks [m_i, d] with Σ m_i = n
 */
export function splitRows(x: tf.Tensor, chunk: number = ROW_CHUNK): tf.Tensor2D[] {
  const [n, d] = x.shape as [number, number];
  const data = x.dataSync() as Float32Array;
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    parts.push(tf.tensor2d(data.subarray(start * d, (start + m) * d), [m, d]));
  }
  return parts;
}
