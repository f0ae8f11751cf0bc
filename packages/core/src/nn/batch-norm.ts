/**
 * Batch normalisation (Ioffe & Szegedy 2015) over the batch axis of [batch, features]:
 * training mode normalises with the batch mean and biased variance and the running statistics
 * follow `running = (1 − momentum)·running + momentum·batch` with the unbiased variance, exactly
 * as PyTorch's `nn.BatchNorm1d` (momentum 0.1, eps 1e-5). Over NHWC maps [batch, h, w, channels]
 * the statistics run over axes [0, 1, 2], one per channel, as `nn.BatchNorm2d`.
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

/**
 * Batch mean and biased variance over `axes` (default [0]; [0, 1, 2] for NHWC maps): both
 * [features] (the last axis).
 */
export function batchMoments(z: tf.Tensor, axes: number[] = [0]): { mean: tf.Tensor; variance: tf.Tensor } {
  return tf.tidy(() => {
    const mean = tf.mean(z, axes);
    const variance = tf.mean(tf.square(tf.sub(z, mean)), axes);
    return { mean, variance };
  });
}

/**
 * Moves running statistics toward a batch's, as a PyTorch forward in training mode does:
 * running = (1 − momentum)·running + momentum·batch with the unbiased variance (n/(n − 1)
 * times the biased one; n = the number of values per feature), and counts the batch.
 * @param n values averaged per feature (batch, or batch·h·w for NHWC maps)
 */
export function updateRunningMoments(
  running: { mean: tf.Variable; variance: tf.Variable; count: tf.Variable },
  batch: { mean: tf.Tensor; variance: tf.Tensor },
  n: number,
  momentum = BATCH_NORM_MOMENTUM,
): void {
  tf.tidy(() => {
    running.count.assign(tf.add(running.count, tf.scalar(1, 'int32')));
    running.mean.assign(tf.add(tf.mul(running.mean, 1 - momentum), tf.mul(batch.mean, momentum)));
    const unbiased = n > 1 ? tf.mul(batch.variance, n / (n - 1)) : batch.variance;
    running.variance.assign(tf.add(tf.mul(running.variance, 1 - momentum), tf.mul(unbiased, momentum)));
  });
}
