/**
 * The contractive penalty of Rifai et al. (2011): the squared Frobenius norm of the encoder's
 * Jacobian J_f(x) = ∂h/∂x, for an encoder h = φ(x·W + c) with an elementwise activation φ.
 * Because J_ji = φ'(z_j)·W_ij, it has the closed form
 *
 *   ‖J_f(x)‖²_F = Σ_j φ'(z_j)² Σ_i W_ij²          (sigmoid: φ' = h(1 − h); tanh: 1 − h²; linear: 1)
 *
 * costing O(V·H) per batch on top of the encoder instead of O(V·H) per example. Its gradient,
 * with s = φ'(z), s' = φ''(z) and w_j = Σ_i W_ij²:
 *
 *   ∂‖J‖²/∂z_j = 2 s_j s'_j w_j                     (sigmoid: s' = s(1 − 2h); tanh: −2h·s; linear: 0)
 *   ∂‖J‖²/∂W_ij (direct) = 2 s_j² W_ij
 *
 * Both are written in terms of h so that the caller's forward pass is reused. An activation is a
 * {@link EncoderDerivatives} entry: adding one is adding its two derivatives, not a branch.
 *
 * Reference: S. Rifai, P. Vincent, X. Muller, X. Glorot & Y. Bengio (2011), "Contractive
 * auto-encoders: explicit invariance during feature extraction", ICML (the penalty and its
 * closed form for a sigmoid encoder).
 */
import { tf } from '@gradlab/core';

/** φ' and φ'' of an elementwise encoder activation, each as a function of h = φ(z). */
export interface EncoderDerivatives {
  /** φ'(z) from h. */
  slope(h: tf.Tensor): tf.Tensor;
  /** φ''(z) from h and s = φ'(z); null when φ'' ≡ 0 (the penalty does not depend on z). */
  curvature: ((h: tf.Tensor, s: tf.Tensor) => tf.Tensor) | null;
}

/** The encoders whose penalty has a closed form here. */
export const CONTRACTIVE_ENCODERS: Readonly<Record<'sigmoid' | 'tanh' | 'linear', EncoderDerivatives>> = Object.freeze({
  sigmoid: { slope: (h) => tf.mul(h, tf.sub(1, h)), curvature: (h, s) => tf.mul(s, tf.sub(1, tf.mul(2, h))) },
  tanh: { slope: (h) => tf.sub(1, tf.square(h)), curvature: (h, s) => tf.mul(tf.mul(-2, h), s) },
  linear: { slope: (h) => tf.onesLike(h), curvature: null },
});

/**
 * ‖J_f(x_b)‖²_F for each row b, by the closed form. Call inside `tf.tidy`.
 * @param h the codes φ(x·W + c) [batch, H]
 * @param weight W [V, H]
 * @returns [batch]
 */
export function jacobianFrobeniusSquared(h: tf.Tensor2D, weight: tf.Tensor2D, encoder: EncoderDerivatives): tf.Tensor1D {
  const s = encoder.slope(h);
  return tf.sum(tf.mul(tf.square(s), tf.sum(tf.square(weight), 0)), 1) as tf.Tensor1D;
}

/**
 * The penalty λ/B·Σ_b ‖J_f(x_b)‖²_F (mean over the batch) and its gradients. Call inside `tf.tidy`.
 * @param h the codes [batch, H]
 * @param weight W [V, H]
 * @param lambda the contraction strength λ
 * @returns `value` (scalar), `dz` = ∂/∂z [batch, H] (to backpropagate through the encoder's
 *   pre-activation: ∂/∂W += xᵀ·dz, ∂/∂c += Σ_b dz) and `dWeight` [V, H], the direct term
 */
export function contractivePenalty(h: tf.Tensor2D, weight: tf.Tensor2D, lambda: number, encoder: EncoderDerivatives): { value: tf.Scalar; dz: tf.Tensor2D | null; dWeight: tf.Tensor2D } {
  const batch = h.shape[0];
  const s = encoder.slope(h);
  const s2 = tf.square(s);
  const colNorms = tf.sum(tf.square(weight), 0); // w_j [H]
  const value = tf.mul(tf.sum(tf.mul(s2, colNorms)), lambda / batch) as tf.Scalar;
  const dWeight = tf.mul(weight, tf.mul(tf.sum(s2, 0), (2 * lambda) / batch)) as tf.Tensor2D;
  const dz = encoder.curvature === null ? null : (tf.mul(tf.mul(tf.mul(s, encoder.curvature(h, s)), colNorms), (2 * lambda) / batch) as tf.Tensor2D);
  return { value, dz, dWeight };
}
