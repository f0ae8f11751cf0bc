/**
 * The seam between the recurrent training loops and core's `watch`: one optimiser update,
 * observed when the watcher records its index. The watcher gets the parameters, their
 * gradients, the update itself (so it measures Δθ) and, when the minibatch is given, the top
 * layer's hidden states h [T, B, H] of a forward pass at the weights the gradient was taken at,
 * as one activation `h` over all steps. The saturation of h is read from h itself for a simple
 * RNN (tanh: f' = 1 − h², sigmoid: f' = h(1 − h), ReLU: f' = [h > 0]); the LSTM's and GRU's h
 * is a product of gates, so it gets none. Nothing here draws a random number (the forward pass
 * runs without dropout) or changes a tensor the loop owns, so training is bit for bit the same
 * with and without a watcher.
 */
import { tf, type StepReport, type WatchedActivation, type Watcher } from '@gradlab/core';
import type { RecurrentNet } from './recurrent-net.js';

/** f'(z) of a simple RNN's nonlinearity from its output h, with γ = sup |f'|; undefined where none is defined. */
function hiddenDerivative(net: RecurrentNet): Pick<WatchedActivation, 'derivative' | 'gamma'> {
  if (net.spec.cell !== 'rnn') return {};
  switch (net.spec.nonlinearity) {
    case 'tanh':
      return { derivative: (h) => tf.sub(1, tf.square(h)), gamma: 1 };
    case 'sigmoid':
      return { derivative: (h) => tf.mul(h, tf.sub(1, h)), gamma: 0.25 };
    case 'relu':
      return { derivative: (h) => tf.cast(tf.greater(h, 0), 'float32'), gamma: 1 };
    default:
      return {};
  }
}

/**
 * Steps the optimiser through `update`, observed by `watcher` when it records `index`.
 * @param index the update's 0-based index in the run (the watch rows' `step`)
 * @param grads ∂L/∂θ by parameter name (read before `update` runs; not disposed)
 * @param x the minibatch [T, B, input] whose hidden states to record; none recorded without it
 * @returns what `update` returned
 */
export function watchedUpdate(
  watcher: Watcher | undefined,
  net: RecurrentNet,
  index: number,
  grads: Record<string, tf.Tensor>,
  update: () => StepReport,
  x?: tf.Tensor,
): StepReport {
  if (watcher === undefined || !watcher.shouldRecord(index)) return update();
  const out = x === undefined ? undefined : net.forward(x, undefined, { training: false });
  try {
    const activations = out === undefined ? {} : { activations: { h: { value: out.hidden, ...hiddenDerivative(net) } } };
    return watcher.observe(index, { params: net.params, grads, ...activations }, update)!;
  } finally {
    if (out !== undefined) tf.dispose([out.output, out.hidden, out.state.h, ...(out.state.c ? [out.state.c] : [])]);
  }
}
