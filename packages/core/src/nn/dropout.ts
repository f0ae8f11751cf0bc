/**
 * Inverted dropout (Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov 2014, "Dropout: a
 * simple way to prevent neural networks from overfitting", JMLR 15): in training each unit is
 * kept with probability 1 − p and the kept ones are scaled by 1 / (1 − p), so E[output] = input
 * and evaluation uses the net unchanged. This is `torch.nn.functional.dropout` (ATen computes
 * x · (mask / (1 − p)), as here).
 *
 * The keep mask is drawn in JS from an {@link Rng} (never a backend random op), so a seed gives
 * the same mask on every backend; a caller that wants PyTorch's exact numbers passes the mask.
 */
import { z } from 'zod';
import { tf } from '../backend/tf.js';
import { Rng } from '../random/rng.js';
import { ShapeError, invalidArgument } from '../errors/gradlab-error.js';

/** What a dropout rate must be, in words (used by every validator of a rate). */
export const DROPOUT_RATE_EXPECTED = 'a number in [0, 1)';

/** Zod schema of a dropout rate, for the option schemas of models that take one. */
export const dropoutRate = () =>
  z.number({ error: DROPOUT_RATE_EXPECTED }).min(0, { error: DROPOUT_RATE_EXPECTED }).lt(1, { error: DROPOUT_RATE_EXPECTED });

function checkRate(where: string, rate: unknown): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw invalidArgument(where, 'rate', rate, DROPOUT_RATE_EXPECTED);
  return rate;
}

/**
 * A keep mask: 1 with probability 1 − rate, else 0 (float32), one uniform draw per entry from
 * `rng` (entry i kept when u_i ≥ rate).
 * @param shape the shape of the activations it will mask, e.g. [batch, width]
 * @param rate drop probability p in [0, 1)
 * @param rng the stream to draw from (advanced by one draw per entry)
 * @throws ValidationError for a rate outside [0, 1)
 */
export function dropoutMask(shape: readonly number[], rate: number, rng: Rng): tf.Tensor {
  checkRate('dropoutMask', rate);
  const n = shape.reduce((a, b) => a * b, 1);
  const u = rng.uniformArray(n);
  const keep = new Float32Array(n);
  for (let i = 0; i < n; i++) keep[i] = u[i]! >= rate ? 1 : 0;
  return tf.tensor(keep, [...shape], 'float32');
}

/**
 * Inverted dropout: x · (mask / (1 − rate)), differentiable in x (the mask is a constant).
 * @param x activations, any shape (not disposed)
 * @param rate drop probability p in [0, 1); 0 returns a copy of x and draws nothing
 * @param mask a 0/1 keep mask of x's shape (not disposed), or an {@link Rng} to draw one from
 *   with {@link dropoutMask}
 * @returns a new tensor of x's shape
 * @throws ValidationError for a bad rate; ShapeError when the mask's shape differs from x's
 * @example
 * const h = tf.tidy(() => dropout(tf.relu(z), 0.5, rng.fork(`dropout/step${t}`)));
 */
export function dropout(x: tf.Tensor, rate: number, mask: tf.Tensor | Rng): tf.Tensor {
  checkRate('dropout', rate);
  if (rate === 0) return tf.clone(x);
  if (!(mask instanceof Rng) && mask.shape.join(',') !== x.shape.join(',')) {
    throw new ShapeError(`dropout: expected mask to have the shape of x [${x.shape}], got [${mask.shape}]`);
  }
  return tf.tidy(() => {
    const keep = mask instanceof Rng ? dropoutMask(x.shape, rate, mask) : mask;
    return tf.mul(x, tf.div(keep, 1 - rate));
  });
}
