/**
 * Synthetic binary "images" for the RBM workloads W4 and W5: n rows of 784 pixels, pixel i on
 * with a probability that varies smoothly over a 28×28 grid (bright centre, dark border, as
 * MNIST's mean image), drawn from a seeded Rng. Only the sizes matter for timing; the data are
 * realistic enough that the hidden units neither saturate nor die.
 */
import { Rng, tf } from '@gradlab/core';

/** n × side² binary pixels, float32 [n, side²]. */
export function binaryImages(n: number, side: number, rng: Rng): tf.Tensor2D {
  const d = side * side;
  const p = new Float32Array(d);
  const c = (side - 1) / 2;
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const r2 = ((i - c) ** 2 + (j - c) ** 2) / (c * c + 1e-9);
      p[i * side + j] = 0.45 * Math.exp(-2 * r2);
    }
  }
  const u = rng.uniformArray(n * d);
  const x = new Float32Array(n * d);
  for (let k = 0; k < n * d; k++) x[k] = u[k]! < p[k % d]! ? 1 : 0;
  return tf.tensor2d(x, [n, d]);
}
