/**
 * Unrolls a pretrained stack (the RBMs of a DBN, the encoders of a stacked autoencoder) into a
 * core {@link MLP} with logistic hidden layers and a new, randomly initialised output layer, for
 * supervised fine-tuning by backpropagation (Hinton, Osindero & Teh 2006; Bengio et al. 2007).
 * Layer l of the MLP gets the stack's W_l [in, out] and hidden bias c_l. Being a core MLP, it saves
 * and loads as a PyTorch `nn.Sequential(Linear, Sigmoid, …, Linear)` with core's
 * `saveMLPTorchWeights` / `loadMLPTorchWeights`.
 */
import { MLP, ValidationError, tf, type InitName, type Rng } from '@gradlab/core';

/** Options of the `toMLP` methods. */
export interface ToMLPOptions {
  /** Initialiser of the new output layer (default 'glorot-uniform'). */
  outputInit?: InitName;
}

/**
 * A sigmoid MLP [in, h_1, …, h_L, numOutputs] whose hidden layers are the given (weight, bias)
 * pairs (copied) and whose output layer is new.
 * @param where caller name for messages
 * @param layers W_l [in_l, out_l] and c_l [out_l], consecutive sizes matching
 * @param numOutputs width of the new output layer, a positive integer
 * @param rng the output layer from `rng.fork('layer{L}')` (core MLP's convention)
 */
export function unrollToMLP(where: string, layers: { weight: tf.Tensor; bias: tf.Tensor }[], numOutputs: number, rng: Rng, options: ToMLPOptions = {}): MLP {
  if (!Number.isSafeInteger(numOutputs) || numOutputs < 1) {
    throw new ValidationError(`${where}: expected numOutputs to be a positive integer, got ${String(numOutputs)}`);
  }
  const sizes = [layers[0]!.weight.shape[0]!, ...layers.map((l) => l.weight.shape[1]!), numOutputs];
  const mlp = new MLP({ layerSizes: sizes, activation: 'sigmoid', init: options.outputInit ?? 'glorot-uniform' }, rng);
  const values: Record<string, tf.Tensor> = {};
  layers.forEach((l, i) => {
    values[`layer${i}.weight`] = l.weight;
    values[`layer${i}.bias`] = l.bias;
  });
  // In a tidy, so that any intermediate copy made while assigning is freed.
  tf.tidy(() => mlp.setParams(values));
  return mlp;
}
