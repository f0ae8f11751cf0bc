/**
 * ‖∂h_T/∂h_t‖₂, the spectral norm of the product of step Jacobians
 * ∂h_T/∂h_t = Π_{s=t+1..T} ∂h_s/∂h_{s−1} of the top layer, for every step t and every sequence
 * of the batch — the quantity whose geometric decay (‖·‖ ≤ η^{T−t} with η = ‖W_hh‖·γ < 1) is
 * the vanishing-gradient condition of Pascanu, Mikolov & Bengio (2013, sect. 3.1), and whose
 * growth is the exploding one. For the LSTM the derivative is taken with c_t held fixed (the
 * state is (h_t, c_t)); the path through the cell state is measured by ‖∂L/∂c_t‖ in `bptt`.
 *
 * Method (explicit products, for research sizes): H basis vectors are pushed backwards through
 * the cell's own backward step at once (batch S·B), giving every row of ∂h_T/∂h_t. Each step the
 * products are rescaled per sequence and the log-scale accumulated in float64, so norms like
 * 0.25^200 ≈ 1e−120 are measured exactly instead of underflowing float32; each product is
 * divided by its own largest entry before its Gram matrix is formed, so no square under- or
 * overflows. The spectral norm of
 * each H×H product M is sqrt(λ_max(MᵀM)), with λ_max from 8 repeated squarings of the
 * (Frobenius-normalised) Gram matrix: tr(P·G)/tr(P) with P = G^256, a lower bound that is
 * within ~1% of λ_max whatever the eigenvalue gap (power iteration; Golub & Van Loan 2013,
 * sect. 8.2).
 *
 * Cost: T backward steps at batch H·B, then ~20 batched [T·B, H, H] matmuls. Memory: T·B·H²
 * floats. Meant for H ≤ ~256.
 */
import { tf } from '@gradlab/core';
import type { RecurrentNet, RecurrentState } from './recurrent-net.js';
import { unstackTime } from './time-steps.js';
import { tidy } from './typed-tidy.js';
import { unroll } from './unroll.js';

/** Repeated squarings of the Gram matrix in the spectral-norm estimate (P = G^(2^8)). */
export const SPECTRAL_SQUARINGS = 8;

/** What {@link jacobianNorms} returns. */
export interface JacobianNorms {
  /** Sequence length T. */
  steps: number;
  /** Batch size B. */
  batch: number;
  /** ‖∂h_{T−1}/∂h_t‖₂ for t = 0 … T−1 (0-based; 1 at t = T−1) and each sequence b, at [t·B + b]. */
  norms: Float64Array;
  /** Mean over the batch of {@link JacobianNorms.norms}, per step t. */
  mean: Float64Array;
  /** Largest over the batch, per step t. */
  max: Float64Array;
}

/** Frobenius norm of each matrix of a batch [N, a, b], with 0 replaced by 1 (safe divisor) → [N, 1, 1]. */
function safeFrobenius(m: tf.Tensor): tf.Tensor {
  const f = tf.sqrt(tf.sum(tf.square(m), [1, 2], true));
  return tf.where(tf.greater(f, 0), f, tf.onesLike(f));
}

/**
 * Spectral norms ‖∂h_T/∂h_t‖₂ of the top layer for every step and sequence, at the current
 * parameters.
 * @param net the network (not changed)
 * @param x inputs [T, B, D] (not disposed)
 * @param state initial state, default zeros
 * @returns norms per (t, b), and their batch mean and max per t
 * @throws ShapeError for a wrongly shaped x or state
 * @example
 * const j = jacobianNorms(rnn, x);
 * j.mean[T - 1 - lag] // ≤ (s·γ)^lag for W_hh = s·Q
 */
export function jacobianNorms(net: RecurrentNet, x: tf.Tensor, state?: RecurrentState): JacobianNorms {
  const where = `jacobianNorms(${net.where})`;
  const { steps: T, batch: B } = net.checkInput(x, where);
  const H = net.spec.hiddenSize;
  const out = tidy(() => {
    const weights = net.layerWeights();
    const trace = unroll(net.kernel, weights, unstackTime(x), net.toCellStates(state, B, where));
    const top = trace.layers[trace.layers.length - 1]!;
    const w = weights[weights.length - 1]!;
    // Row i of the seeds is e_i for every sequence: dh [H (seed), B, H].
    const eye = tf.reshape(tf.eye(H), [H, 1, H]);
    let dh: tf.Tensor = tf.tile(eye, [1, B, 1]);
    let dc: tf.Tensor | undefined;
    let logScale: tf.Tensor = tf.zeros([1, B, 1]);
    const products: tf.Tensor[] = new Array<tf.Tensor>(T);
    const logs: tf.Tensor[] = new Array<tf.Tensor>(T);
    products[T - 1] = dh;
    logs[T - 1] = logScale;
    for (let t = T - 1; t >= 1; t--) {
      const g = net.kernel.backStep(dh, dc, top.caches[t], w);
      let m = tf.max(tf.abs(g.dh), [0, 2], true); // [1, B, 1]
      if (g.dc !== undefined) m = tf.maximum(m, tf.max(tf.abs(g.dc), [0, 2], true));
      const scale = tf.where(tf.greater(m, 0), m, tf.onesLike(m));
      dh = tf.div(g.dh, scale);
      dc = g.dc === undefined ? undefined : tf.div(g.dc, scale);
      logScale = tf.add(logScale, tf.log(scale));
      products[t - 1] = dh;
      logs[t - 1] = logScale;
    }
    // M[t·B + b] = ∂h_T/∂h_t of sequence b (up to its scale), [T·B, H, H]; each divided by its own
    // largest |entry| (for the LSTM the step scale also covers ∂/∂c, which can dwarf ∂/∂h: a
    // 1e−30 product would square to 0 in the Gram matrix).
    const raw = tf.reshape(tf.transpose(tf.stack(products), [0, 2, 1, 3]), [T * B, H, H]);
    const rawMax = tf.max(tf.abs(raw), [1, 2], true); // [T·B, 1, 1]
    const own = tf.where(tf.greater(rawMax, 0), rawMax, tf.onesLike(rawMax));
    const M = tf.div(raw, own);
    const gram = tf.matMul(tf.transpose(M, [0, 2, 1]), M);
    const f0 = safeFrobenius(gram);
    const G0 = tf.div(gram, f0);
    let P = G0;
    for (let k = 0; k < SPECTRAL_SQUARINGS; k++) {
      const P2 = tf.matMul(P, P);
      P = tf.div(P2, safeFrobenius(P2));
    }
    const trace_ = tf.sum(tf.mul(P, tf.eye(H)), [1, 2]);
    const lambda = tf.div(tf.sum(tf.mul(P, G0), [1, 2]), tf.where(tf.greater(trace_, 0), trace_, tf.onesLike(trace_)));
    const sigma = tf.mul(tf.sqrt(tf.mul(tf.relu(lambda), tf.reshape(f0, [-1]))), tf.reshape(own, [-1])); // [T·B]
    return tf.concat([sigma, tf.reshape(tf.stack(logs), [-1])]);
  });
  const flat = out.dataSync();
  out.dispose();
  const norms = new Float64Array(T * B);
  const mean = new Float64Array(T);
  const max = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let sum = 0;
    let big = 0;
    for (let b = 0; b < B; b++) {
      const v = flat[t * B + b]! * Math.exp(flat[T * B + t * B + b]!);
      norms[t * B + b] = v;
      sum += v;
      big = Math.max(big, v);
    }
    mean[t] = sum / B;
    max[t] = big;
  }
  return { steps: T, batch: B, norms, mean, max };
}
