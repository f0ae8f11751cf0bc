/**
 * Pseudo-log-likelihood (Besag 1975) of a binary RBM, per visible unit:
 *
 *   PLL(v) = (1/V) Σ_i log P(v_i | v_{−i}),   log P(v_i | v_{−i}) = −softplus(F(v) − F(ṽ^(i)))
 *
 * where ṽ^(i) is v with unit i flipped. Flipping unit i changes the hidden input by s_i·W_i
 * (s_i = 1 − 2v_i), so F(v) − F(ṽ^(i)) = s_i·b_i + Σ_j [softplus(x_j + s_i·W_ij) − softplus(x_j)]
 * with x = v·W + c — all V flips of a row cost one [V, H] elementwise pass, no extra products.
 *
 * Two estimators: the exact mean over all units (default), and scikit-learn's stochastic one
 * (`BernoulliRBM.score_samples`: one random unit per row) — the same expectation, but here
 * *not* multiplied by V, so both are per unit and comparable across model sizes.
 *
 * Complexity: exact O(n·V·H) elementwise (rows are chunked to bound memory); stochastic
 * O(n·V·H) in two matrix products.
 *
 * References: J. Besag (1975), "Statistical analysis of non-lattice data", The Statistician 24;
 * scikit-learn `sklearn/neural_network/_rbm.py` (`score_samples`).
 */
import { ValidationError, tf, type Rng } from '@gradlab/core';
import { RBM } from './rbm.js';

/** Elements of the [rows, V, H] intermediate of the exact estimator per chunk. */
export const PLL_CHUNK_ELEMENTS = 1 << 22;

/** Options of {@link pseudoLikelihood}. */
export interface PseudoLikelihoodOptions {
  /** When given, scikit-learn's estimator: one unit per row, drawn from this stream. Default: exact over all units. */
  rng?: Rng;
}

function checkBinary(rbm: RBM, where: string): void {
  if (!(rbm instanceof RBM)) throw new ValidationError(`${where}: expected rbm to be an RBM, got ${typeof rbm}`);
  if (rbm.visibleType !== 'bernoulli' || rbm.hiddenType !== 'bernoulli') {
    throw new ValidationError(
      `${where}: expected an RBM with binary visible and hidden units (a BernoulliRBM), got visible type "${rbm.visibleType}" and hidden type "${rbm.hiddenType}"`,
    );
  }
}

/**
 * log P(v_i | v_{−i}) for every row and unit (the exact estimator's terms).
 * @param v binary data [n, visible] (not changed)
 * @returns [n, visible]
 */
export function conditionalLogLikelihoods(rbm: RBM, v: tf.Tensor): tf.Tensor2D {
  checkBinary(rbm, 'conditionalLogLikelihoods');
  rbm.checkVisible(v, 'conditionalLogLikelihoods');
  const [n, V] = v.shape as [number, number];
  const H = rbm.numHidden;
  const rowsPerChunk = Math.max(1, Math.floor(PLL_CHUNK_ELEMENTS / (V * H)));
  // Chunks are cut from one readback (tf.slice copies its whole source on wasm).
  const all = rowsPerChunk >= n ? undefined : (v.dataSync() as Float32Array);
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < n; start += rowsPerChunk) {
    const count = Math.min(rowsPerChunk, n - start);
    parts.push(
      tf.tidy(() => {
        const rows = all === undefined ? v : tf.tensor2d(all.subarray(start * V, (start + count) * V), [count, V]);
        const x = rbm.hiddenInput(rows); // [r, H]
        const s = tf.sub(1, tf.mul(rows, 2)); // [r, V]
        const flipped = tf.add(tf.expandDims(x, 1), tf.mul(tf.expandDims(s, 2), tf.expandDims(rbm.weight, 0))); // [r, V, H]
        const base = tf.sum(tf.softplus(x), 1, true); // [r, 1]
        const gap = tf.add(tf.mul(s, rbm.visibleBias), tf.sub(tf.sum(tf.softplus(flipped), 2), base)); // F(v) − F(ṽ)
        return tf.neg(tf.softplus(gap)) as tf.Tensor2D;
      }),
    );
  }
  if (parts.length === 1) return parts[0]!;
  const out = tf.concat(parts, 0);
  tf.dispose(parts);
  return out;
}

/**
 * Mean pseudo-log-likelihood per visible unit over the rows of `v` (nats; ≤ 0, and 0 for a
 * model that predicts every unit from the others perfectly).
 * @param rbm a BernoulliRBM (not changed)
 * @param v binary data [n, visible] (not changed)
 * @param options `{ rng }`: give a stream for scikit-learn's one-random-unit estimator
 * @throws ValidationError for Gaussian visibles; ShapeError for data of the wrong shape
 * @example pseudoLikelihood(rbm, x) // e.g. −0.21 nats per unit on bars-and-stripes
 */
export function pseudoLikelihood(rbm: RBM, v: tf.Tensor, options: PseudoLikelihoodOptions = {}): number {
  checkBinary(rbm, 'pseudoLikelihood');
  rbm.checkVisible(v, 'pseudoLikelihood');
  const [n, V] = v.shape as [number, number];
  if (n === 0) return Number.NaN;
  let result: tf.Tensor;
  if (options.rng === undefined) {
    const terms = conditionalLogLikelihoods(rbm, v);
    result = tf.tidy(() => tf.mean(terms));
    terms.dispose();
  } else {
    const flip = new Float32Array(n * V);
    for (let r = 0; r < n; r++) flip[r * V + options.rng.int(V)] = 1;
    result = tf.tidy(() => {
      const mask = tf.tensor2d(flip, [n, V]);
      const corrupted = tf.add(v, tf.mul(mask, tf.sub(1, tf.mul(v, 2)))); // v XOR mask
      const gap = tf.sub(rbm.freeEnergy(v), rbm.freeEnergy(corrupted));
      return tf.mean(tf.neg(tf.softplus(gap)));
    });
  }
  const value = result.dataSync()[0]!;
  result.dispose();
  return value;
}
