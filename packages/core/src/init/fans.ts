/**
 * Fan-in and fan-out of a weight shape. gradlab stores dense kernels as [fanIn, fanOut]
 * (x · W, as tfjs does), so fanIn = shape[0], fanOut = shape[1]; a 1-D shape has fanIn =
 * fanOut = its length. Convolution kernels are stored [kh, kw, in, out] (tfjs's layout), so the
 * leading receptive field multiplies both: fanIn = kh·kw·in, fanOut = kh·kw·out, PyTorch's fans
 * for its [out, in, kh, kw] weight.
 */
import { invalidArgument } from '../errors/gradlab-error.js';

/** Fans of a kernel shape [fanIn, fanOut]. */
export function fans(shape: readonly number[], where: string): { fanIn: number; fanOut: number } {
  if (shape.length === 0 || shape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw invalidArgument(where, 'shape', shape, 'a non-empty array of positive integers');
  }
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  // Extra leading dims (e.g. stacked gate blocks) multiply like a receptive field does.
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}
