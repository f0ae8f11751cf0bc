/**
 * Saturation fraction: the share of units whose activation derivative f'(z) is at most a small
 * fraction (default 1%) of its bound γ = sup |f'|. For the logistic sigmoid and tanh these are
 * saturated units, through which almost no gradient flows (Glorot & Bengio 2010, sect. 3); for
 * ReLU (γ = 1, f' ∈ {0, 1}) they are the units that are off.
 *
 * The derivative is passed in (pre-activation tensor → derivative tensor), e.g. an activation's
 * `derivative` from the activations module, so this file depends on no particular activation.
 */
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';

/** Default threshold: a unit is saturated when f'(z) ≤ 0.01·γ. */
export const DEFAULT_SATURATION_THRESHOLD = 0.01;

/** Options of {@link saturationFraction}. */
export interface SaturationOptions {
  /** Fraction of γ at or below which a unit counts as saturated; in (0, 1] (default 0.01). */
  threshold?: number;
}

/**
 * Fraction of units with f'(z) ≤ threshold·γ, over the units whose derivative is not NaN
 * (NaN pre-activations are left out of both counts). One readback.
 *
 * Cost: O(size) plus the cost of `derivativeFn`.
 * @param preActivation z, any shape, e.g. [batch, units] (not disposed, not changed)
 * @param derivativeFn z ↦ f'(z), elementwise; its result is disposed here
 * @param gamma the bound γ = sup |f'| (1/4 for sigmoid, 1 for tanh and ReLU); finite, > 0
 * @param options `threshold` (default {@link DEFAULT_SATURATION_THRESHOLD})
 * @returns a number in [0, 1]; NaN when no derivative is finite
 * @throws ValidationError for a non-tensor, a non-function, a bad gamma or threshold
 * @example
 * saturationFraction(z, (t) => tf.tidy(() => tf.sub(1, tf.square(tf.tanh(t)))), 1) // tanh units
 */
export function saturationFraction(
  preActivation: tf.Tensor,
  derivativeFn: (z: tf.Tensor) => tf.Tensor,
  gamma: number,
  options: SaturationOptions = {},
): number {
  const where = 'saturationFraction';
  if (!(preActivation instanceof tf.Tensor) || preActivation.isDisposed) {
    throw invalidArgument(where, 'preActivation', preActivation, 'a live tf.Tensor');
  }
  if (typeof derivativeFn !== 'function') throw invalidArgument(where, 'derivativeFn', derivativeFn, 'a function (z) => tensor');
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma <= 0) throw invalidArgument(where, 'gamma', gamma, 'a finite number > 0');
  const threshold = options.threshold ?? DEFAULT_SATURATION_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw invalidArgument(where, 'threshold', threshold, 'a number in (0, 1]');
  }
  if (preActivation.size === 0) return NaN;
  const counts = tf.tidy(() => {
    const d = derivativeFn(preActivation);
    const saturated = tf.sum(tf.cast(tf.lessEqual(tf.abs(d), threshold * gamma), 'float32'));
    const valid = tf.sum(tf.cast(tf.logicalNot(tf.isNaN(d)), 'float32'));
    return tf.stack([saturated, valid]);
  });
  const [saturated, valid] = counts.dataSync();
  counts.dispose();
  return valid! > 0 ? saturated! / valid! : NaN;
}
