/**
 * Elementwise activations with their derivatives and the bound γ = sup |f'(z)|.
 *
 * γ is what the vanishing-gradient conditions use: for a recurrent map h_t = f(W h_{t−1} + …)
 * the Jacobian norm is at most ‖W‖·γ, so ‖W‖ < 1/γ makes gradients vanish (Pascanu, Mikolov &
 * Bengio 2013, sect. 3.1): γ = 1/4 for the logistic sigmoid, 1 for tanh.
 */
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';

/** Names of the built-in activations. */
export const ACTIVATION_NAMES = ['sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu', 'softsign', 'linear'] as const;
/** A built-in activation name. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number];

/** An activation: the function, its derivative in terms of the pre-activation, and γ. */
export interface Activation {
  /** Name, as used in configs and CSVs. */
  readonly name: ActivationName;
  /** f(z), elementwise. */
  fn(z: tf.Tensor): tf.Tensor;
  /** f'(z), elementwise, in terms of the pre-activation z. */
  derivative(z: tf.Tensor): tf.Tensor;
  /** sup over z of |f'(z)|. */
  readonly gamma: number;
}

/** Default negative slope of leaky ReLU (as PyTorch). */
export const DEFAULT_LEAKY_RELU_SLOPE = 0.01;
/** Default α of ELU (as PyTorch). */
export const DEFAULT_ELU_ALPHA = 1;

const sigmoid: Activation = {
  name: 'sigmoid',
  fn: (z) => tf.sigmoid(z),
  derivative: (z) =>
    tf.tidy(() => {
      const s = tf.sigmoid(z);
      return tf.mul(s, tf.sub(1, s));
    }),
  gamma: 0.25,
};

const tanh: Activation = {
  name: 'tanh',
  fn: (z) => tf.tanh(z),
  derivative: (z) => tf.tidy(() => tf.sub(1, tf.square(tf.tanh(z)))),
  gamma: 1,
};

const relu: Activation = {
  name: 'relu',
  fn: (z) => tf.relu(z),
  // f'(0) = 0, as PyTorch's autograd takes it.
  derivative: (z) => tf.tidy(() => tf.cast(tf.greater(z, 0), 'float32')),
  gamma: 1,
};

function leakyRelu(slope = DEFAULT_LEAKY_RELU_SLOPE): Activation {
  return {
    name: 'leaky-relu',
    fn: (z) => tf.leakyRelu(z, slope),
    derivative: (z) => tf.tidy(() => tf.where(tf.greater(z, 0), tf.onesLike(z), tf.fill(z.shape, slope))),
    gamma: Math.max(1, Math.abs(slope)),
  };
}

function elu(alpha = DEFAULT_ELU_ALPHA): Activation {
  return {
    name: 'elu',
    fn: (z) =>
      alpha === 1 ? tf.elu(z) : tf.tidy(() => tf.where(tf.greater(z, 0), z, tf.mul(alpha, tf.sub(tf.exp(z), 1)))),
    derivative: (z) => tf.tidy(() => tf.where(tf.greater(z, 0), tf.onesLike(z), tf.mul(alpha, tf.exp(z)))),
    gamma: Math.max(1, alpha),
  };
}

const softsign: Activation = {
  name: 'softsign',
  fn: (z) => tf.tidy(() => tf.div(z, tf.add(1, tf.abs(z)))),
  derivative: (z) => tf.tidy(() => tf.reciprocal(tf.square(tf.add(1, tf.abs(z))))),
  gamma: 1,
};

const linear: Activation = {
  name: 'linear',
  fn: (z) => tf.clone(z),
  derivative: (z) => tf.onesLike(z),
  gamma: 1,
};

/**
 * Looks up an activation by name.
 * @param name one of {@link ACTIVATION_NAMES}
 * @param options `slope` for leaky-relu (default 0.01), `alpha` for elu (default 1)
 * @throws ValidationError for an unknown name
 * @example activation('tanh').gamma // 1
 */
export function activation(name: ActivationName, options: { slope?: number; alpha?: number } = {}): Activation {
  switch (name) {
    case 'sigmoid':
      return sigmoid;
    case 'tanh':
      return tanh;
    case 'relu':
      return relu;
    case 'leaky-relu':
      return leakyRelu(options.slope);
    case 'elu':
      return elu(options.alpha);
    case 'softsign':
      return softsign;
    case 'linear':
      return linear;
    default:
      throw invalidArgument('activation', 'name', name, `one of ${ACTIVATION_NAMES.join(', ')}`);
  }
}
