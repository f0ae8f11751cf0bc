/**
 * Reverse-mode gradients by tfjs autodiff (the tape of `tf.grads`) for a scalar function of
 * named tensors: the second reference, beside finite differences, for explicit backprop code.
 * Parameters the function does not depend on get zero gradients (tf.grads would throw).
 */
import { tf } from '../backend/tf.js';
import { ShapeError, describeValue, invalidArgument } from '../errors/gradlab-error.js';
import { checkParams } from './finite-differences.js';
import type { ScalarFunction } from './finite-differences.js';

/**
 * ∂f/∂θ for every named tensor θ, by tfjs autodiff.
 *
 * Cost: one forward and one backward pass of f.
 * @param f θ ↦ scalar tensor, called once with `params` themselves (it must not dispose them)
 * @param params the point θ, float32 tensors (or variables) by name (not changed)
 * @returns a new tensor per name, shaped like the parameter (zeros where f does not depend on
 *   it); the caller disposes them
 * @throws ValidationError for bad params; ShapeError when f does not return a scalar
 * @example
 * const g = autodiffGradients(({ w }) => tf.sum(tf.square(w)), { w }); // g.w = 2w
 * tf.dispose(g);
 */
export function autodiffGradients(f: ScalarFunction, params: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const where = 'autodiffGradients';
  if (typeof f !== 'function') throw invalidArgument(where, 'f', f, 'a function (params) => scalar tensor');
  const names = checkParams(where, params);
  if (names.length === 0) return {};
  const xs = names.map((n) => params[n]!);
  return tf.tidy(() => {
    const { grads } = tf.engine().gradients(
      () => {
        const y = f(params);
        if (!(y instanceof tf.Tensor)) throw invalidArgument(where, 'the value of f', y, 'a scalar tf.Tensor');
        if (y.size !== 1) throw new ShapeError(`${where}: expected f to return a scalar, got shape ${describeValue(y.shape)}`);
        return tf.reshape(y, []);
      },
      xs,
      undefined,
      true,
    );
    const out: Record<string, tf.Tensor> = {};
    names.forEach((n, i) => (out[n] = (grads[i] as tf.Tensor | undefined) ?? tf.zerosLike(xs[i]!)));
    return out;
  });
}
