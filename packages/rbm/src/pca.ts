/**
 * Principal component analysis: the linear baseline a deep autoencoder is compared with
 * (Hinton & Salakhutdinov 2006, Fig. 2). The covariance is accumulated in float64 over chunks
 * of rows (each chunk one float32 matMul of the centred rows, cut from one readback: `tf.slice` copies its
 * whole source on tfjs-wasm), then fully eigendecomposed
 * (`symmetricEigen`). The reconstruction of x is μ + (x − μ) Wᵀ W with W the top k components.
 * Cost: O(n d²) for the covariance plus O(d³) for the eigendecomposition; memory O(d²).
 *
 * Conventions as scikit-learn's `PCA`: `explainedVariance` divides by n − 1; components are
 * unit rows (their sign fixed so that each row's largest-|entry| is positive).
 */
import { ValidationError, tf } from '@gradlab/core';
import { splitRows } from './row-chunks.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** Rows per chunk when accumulating the covariance or measuring the error. */
const CHUNK_ROWS = 2000;

/** A fitted PCA: mean and top-k principal directions. Call `dispose()` when done. */
export class PCA {
  /** Mean of the training rows [d]. */
  readonly mean: tf.Tensor1D;
  /** Principal directions as orthonormal rows [k, d], largest variance first. */
  readonly components: tf.Tensor2D;
  /** Variance along each component (eigenvalues of the covariance, divided by n − 1) [k]. */
  readonly explainedVariance: Float64Array;

  private constructor(mean: tf.Tensor1D, components: tf.Tensor2D, explainedVariance: Float64Array) {
    this.mean = mean;
    this.components = components;
    this.explainedVariance = explainedVariance;
  }

  /**
   * Fits the top `numComponents` principal components of the rows of x.
   * @param x [n, d] with n ≥ 2 (not changed)
   * @param numComponents k, an integer in [1, d]
   * @throws ValidationError for a bad k or fewer than 2 rows
   * @example const pca = PCA.fit(train, 30); const err = pca.reconstructionError(test); pca.dispose();
   */
  static fit(x: tf.Tensor2D, numComponents: number): PCA {
    const [n, d] = x.shape;
    if (!Number.isInteger(numComponents) || numComponents < 1 || numComponents > d) {
      throw new ValidationError(`PCA: expected numComponents to be an integer in [1, ${d}], got ${numComponents}`);
    }
    if (n < 2) throw new ValidationError(`PCA: expected x to have at least 2 rows, got ${n}`);
    const mean = tf.tidy(() => tf.mean(x, 0) as tf.Tensor1D);
    const cov = new Float64Array(d * d);
    for (const chunk of splitRows(x, CHUNK_ROWS)) {
      const part = tf.tidy(() => {
        const c = tf.sub(chunk, mean);
        return tf.matMul(tf.transpose(c), c); // explicit transpose: the fast matMul path
      });
      chunk.dispose();
      const v = part.dataSync();
      part.dispose();
      for (let i = 0; i < d * d; i++) cov[i] = cov[i]! + v[i]!;
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        const sym = (cov[i * d + j]! + cov[j * d + i]!) / 2 / (n - 1);
        cov[i * d + j] = sym;
        cov[j * d + i] = sym;
      }
      cov[i * d + i] = cov[i * d + i]! / (n - 1);
    }
    const { values, vectors } = symmetricEigen(cov, d);
    const components = tf.tensor2d(Float32Array.from(vectors.subarray(0, numComponents * d)), [numComponents, d]);
    return new PCA(mean, components, values.slice(0, numComponents));
  }

  /** k, the number of components. */
  get numComponents(): number {
    return this.components.shape[0];
  }

  /**
   * Coordinates of x in the principal subspace, (x − μ) Wᵀ.
   * @param x [n, d]
   * @returns [n, k]
   */
  transform(x: tf.Tensor2D): tf.Tensor2D {
    this.check(x, 'transform');
    return tf.tidy(() => tf.matMul(tf.sub(x, this.mean), tf.transpose(this.components)));
  }

  /**
   * Reconstruction μ + (x − μ) Wᵀ W.
   * @param x [n, d]
   * @returns [n, d]
   */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    this.check(x, 'reconstruct');
    return tf.tidy(() => tf.add(tf.matMul(this.transform(x), this.components), this.mean));
  }

  /**
   * Mean over rows of the squared reconstruction error per row, Σ_j (x̂_j − x_j)² (chunked; one readback per chunk).
   * @param x [n, d], n ≥ 1
   */
  reconstructionError(x: tf.Tensor2D): number {
    this.check(x, 'reconstructionError');
    let sum = 0;
    for (const chunk of splitRows(x, CHUNK_ROWS)) {
      const e = tf.tidy(() => tf.sum(tf.squaredDifference(this.reconstruct(chunk), chunk)));
      chunk.dispose();
      sum += e.dataSync()[0]!;
      e.dispose();
    }
    return sum / x.shape[0];
  }

  /** Frees the mean and the components. */
  dispose(): void {
    tf.dispose([this.mean, this.components]);
  }

  private check(x: tf.Tensor2D, where: string): void {
    const d = this.mean.shape[0];
    if (x.rank !== 2 || x.shape[1] !== d || x.shape[0] < 1) throw new ValidationError(`PCA.${where}: expected x of shape [n ≥ 1, ${d}], got [${x.shape.join(', ')}]`);
  }
}
