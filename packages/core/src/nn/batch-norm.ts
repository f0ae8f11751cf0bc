/**
 * Batch normalisation (Ioffe & Szegedy 2015) over the batch axis of [batch, features]:
 * training mode normalises with the batch mean and biased variance and the running statistics
 * follow `running = (1 − momentum)·running + momentum·batch` with the unbiased variance, exactly
 * as PyTorch's `nn.BatchNorm1d` (momentum 0.1, eps 1e-5).
 */
import { tf } from '../backend/tf.js';

/** PyTorch's default ε. */
export const BATCH_NORM_EPSILON = 1e-5;
/** PyTorch's default running-average momentum. */
export const BATCH_NORM_MOMENTUM = 0.1;

/**
 * Normalises z [batch, features] with the given statistics, then scales and shifts.
 * @returns γ·(z − mean)/√(var + ε) + β
 */
export function batchNormApply(
  z: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = BATCH_NORM_EPSILON,
): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tf.mul(tf.sub(z, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta));
}

/** Batch mean and biased variance over axis 0: both [features]. */
export function batchMoments(z: tf.Tensor): { mean: tf.Tensor; variance: tf.Tensor } {
  return tf.tidy(() => {
    const mean = tf.mean(z, 0);
    const variance = tf.mean(tf.square(tf.sub(z, mean)), 0);
    return { mean, variance };
  });
}
