/**
 * The autodiff step the feed-forward models ({@link MLP}, {@link ConvNet}) share: loss and
 * gradients with respect to every parameter and to "probes", zero tensors added to each layer's
 * output, whose gradient is ∂L/∂h_l (tfjs has no hook on intermediate gradients).
 */
import { tf } from '../backend/tf.js';

/** What {@link probedGradients} returns; the caller disposes the tensors. */
export interface ProbedGradients {
  /** The loss value (one readback). */
  loss: number;
  /** ∂L/∂θ by parameter name. */
  grads: Record<string, tf.Tensor>;
  /** ∂L/∂h_l, one per probe, shaped like it. */
  activationGrads: tf.Tensor[];
}

/**
 * @param params the parameters differentiated, by name
 * @param probeShapes one shape per layer output probed
 * @param lossOf the loss from the parameters (as tensors, by the same names) and the probes;
 *   anything it needs past the gradient computation it `tf.keep`s
 */
export function probedGradients(
  params: Record<string, tf.Variable>,
  probeShapes: readonly number[][],
  lossOf: (params: Record<string, tf.Tensor>, probes: tf.Tensor[]) => tf.Scalar,
): ProbedGradients {
  const names = Object.keys(params);
  const probes = probeShapes.map((shape) => tf.zeros(shape));
  const f = (...xs: tf.Tensor[]): tf.Scalar => {
    const named: Record<string, tf.Tensor> = {};
    names.forEach((n, i) => (named[n] = xs[i]!));
    return lossOf(named, xs.slice(names.length));
  };
  const { value, grads } = tf.valueAndGrads(f)([...names.map((n) => params[n]!), ...probes]);
  tf.dispose(probes);
  const loss = value.dataSync()[0]!;
  value.dispose();
  const out: Record<string, tf.Tensor> = {};
  names.forEach((n, i) => (out[n] = grads[i]!));
  return { loss, grads: out, activationGrads: grads.slice(names.length) };
}
