/**
 * The seam between a feed-forward training loop (an `MLP` or a `ConvNet` with an optimiser)
 * and `watch`: from the net and the result of its `gradients(...)`, the input of one
 * `Watcher.observe` — θ, ∂L/∂θ, and hidden activations a_l with f'(z_l) (from the stored
 * pre-activations, so their saturation is exact) and γ of the net's activation.
 */
import { activation, type ActivationName } from '../activations/activations.js';
import { invalidArgument } from '../errors/gradlab-error.js';
import type { tf } from '../backend/tf.js';
import type { WatchInput, WatchedActivation } from './watch.js';

/** A net `layerWatchInput` can read: its parameters and its hidden activation. */
export interface WatchableNet {
  params: Record<string, tf.Tensor>;
  spec: { activation: ActivationName };
}

/** What `layerWatchInput` reads from one `gradients(...)` result (an `MLPGradients` or `ConvNetGradients`). */
export interface WatchableGradients {
  grads: Record<string, tf.Tensor>;
  /** Hidden pre-activations z_l, l = 1 … L. */
  pre: tf.Tensor[];
  /** Hidden activations a_l = f(z_l). */
  post: tf.Tensor[];
}

/** Options of {@link layerWatchInput}. */
export interface LayerWatchOptions {
  /** Watch only the parameters named `*.weight` (the matrices and kernels; default false: all). */
  weightsOnly?: boolean;
  /** Hidden layers whose activations to watch, 1-based (default: the first and the last, [1, L]). */
  layers?: readonly number[];
}

/**
 * The `WatchInput` of one step of a feed-forward net. Activations are named `a1` … `aL` after
 * their hidden layer. Holds views of the tensors of `g`, no new ones: observe before disposing `g`.
 * @throws ValidationError for a layer outside 1 … L
 * @example
 * const w = watch({ every: 10, gradScale: 'log10-abs', gradRange: [-10, 0] });
 * const g = net.gradients(x, y, 'softmax-cross-entropy');
 * w.observe(step, layerWatchInput(net, g, { weightsOnly: true }), () => opt.step(net.params, g.grads));
 * g.dispose();
 */
export function layerWatchInput(net: WatchableNet, g: WatchableGradients, options: LayerWatchOptions = {}): WatchInput {
  const depth = g.post.length;
  const layers = options.layers ?? (depth === 0 ? [] : [...new Set([1, depth])]);
  for (const l of layers) {
    if (!Number.isSafeInteger(l) || l < 1 || l > depth) throw invalidArgument('layerWatchInput', 'layers', layers, `integers in 1 … ${depth} (the hidden layers)`);
  }
  const names = Object.keys(net.params).filter((n) => options.weightsOnly !== true || n.endsWith('.weight'));
  const f = activation(net.spec.activation);
  const activations: Record<string, WatchedActivation> = {};
  for (const l of layers) activations[`a${l}`] = { value: g.post[l - 1]!, derivative: () => f.derivative(g.pre[l - 1]!), gamma: f.gamma };
  return {
    params: Object.fromEntries(names.map((n) => [n, net.params[n]!])),
    grads: Object.fromEntries(names.filter((n) => g.grads[n] !== undefined).map((n) => [n, g.grads[n]!])),
    activations,
  };
}
