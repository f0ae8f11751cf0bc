/**
 * Cutting a time-major tensor into per-step tensors. On the wasm backend `tf.slice`,
 * `tf.unstack`, `tf.split` and `tf.gather` read their whole source for every piece (cutting
 * [100, 32, 512] into 100 steps took ~460 ms, against ~6 ms here), so the tensor is read back
 * once and each step is uploaded from a subarray. Used for the input projection of a whole
 * sequence (one matmul, then one cut) and for targets.
 */
import { tf } from '@gradlab/core';

/**
 * Splits `t` along axis 0 into `parts` equal tensors of shape [rows / parts, ...rest].
 * One readback; the pieces are new tensors (tracked by an enclosing `tf.tidy`).
 */
export function splitRows(t: tf.Tensor, parts: number): tf.Tensor[] {
  const rows = t.shape[0]!;
  if (parts < 1 || rows % parts !== 0) throw new RangeError(`splitRows: ${rows} rows do not split into ${parts} parts`);
  const shape = [rows / parts, ...t.shape.slice(1)];
  const size = t.size / parts;
  const data = t.dataSync();
  const out: tf.Tensor[] = [];
  for (let p = 0; p < parts; p++) out.push(tf.tensor(data.subarray(p * size, (p + 1) * size) as Float32Array, shape, t.dtype));
  return out;
}

/**
 * Splits a projection [steps·B, G·H] into per step, per gate tensors [B, H]: out[t][g].
 * One readback, steps·G uploads.
 */
export function splitStepsAndGates(proj: tf.Tensor, steps: number, gates: number): tf.Tensor[][] {
  const [rows, cols] = proj.shape as [number, number];
  const batch = rows / steps;
  const hidden = cols / gates;
  const data = proj.dataSync() as Float32Array;
  const out: tf.Tensor[][] = [];
  for (let t = 0; t < steps; t++) {
    const perGate: tf.Tensor[] = [];
    for (let g = 0; g < gates; g++) {
      if (gates === 1) {
        perGate.push(tf.tensor(data.subarray(t * batch * cols, (t + 1) * batch * cols), [batch, hidden], 'float32'));
        continue;
      }
      const block = new Float32Array(batch * hidden);
      for (let b = 0; b < batch; b++) {
        const from = (t * batch + b) * cols + g * hidden;
        block.set(data.subarray(from, from + hidden), b * hidden);
      }
      perGate.push(tf.tensor(block, [batch, hidden], 'float32'));
    }
    out.push(perGate);
  }
  return out;
}

/** Splits a time-major tensor [T, B, ...] into T tensors [B, ...] (one readback). */
export function unstackTime(t: tf.Tensor): tf.Tensor[] {
  const [steps, batch] = t.shape as [number, number];
  return splitRows(tf.reshape(t, [steps * batch, ...t.shape.slice(2)]), steps);
}
