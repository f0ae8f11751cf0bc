/**
 * Elman's simple recurrent cell, h_t = f(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh), as
 * `torch.nn.RNN` (f = tanh or relu) plus sigmoid and linear for the vanishing-gradient study.
 *
 * Backward: dz_t = dh_t ⊙ f'(z_t), with f' computed from the output h_t (1 − h² for tanh,
 * h(1 − h) for sigmoid, [h > 0] for relu, 1 for linear); dh_{t−1} = dz_t W_hh.
 *
 * References: Elman (1990), "Finding structure in time"; Pascanu, Mikolov & Bengio (2013).
 */
import { tf } from '@gradlab/core';
import type { RNNNonlinearity } from '../recurrent-config.js';
import { matMulRows } from './cell-kernel.js';
import type { CellKernel, CellState, LayerWeights } from './cell-kernel.js';

/** What an RNN step keeps for its backward step. */
export interface RNNCache {
  /** h_t [B, H]. */
  h: tf.Tensor;
}

function apply(f: RNNNonlinearity, z: tf.Tensor): tf.Tensor {
  switch (f) {
    case 'tanh':
      return tf.tanh(z);
    case 'relu':
      return tf.relu(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'linear':
      return z;
  }
}

/** f'(z) written in terms of h = f(z); undefined for linear (f' = 1). */
function derivativeFromOutput(f: RNNNonlinearity, h: tf.Tensor): tf.Tensor | undefined {
  switch (f) {
    case 'tanh':
      return tf.sub(1, tf.square(h));
    case 'relu':
      // relu'(0) = 0, as PyTorch's autograd takes it.
      return tf.cast(tf.greater(h, 0), 'float32');
    case 'sigmoid':
      return tf.mul(h, tf.sub(1, h));
    case 'linear':
      return undefined;
  }
}

/** The kernel of a simple RNN with nonlinearity `f`. */
export function rnnKernel(f: RNNNonlinearity): CellKernel<RNNCache> {
  return {
    cell: 'rnn',
    gateNames: ['h'],
    hasCellState: false,
    splitGates: true,
    step(xw: readonly tf.Tensor[], prev: CellState, w: LayerWeights) {
      const h = apply(f, tf.add(xw[0]!, tf.matMul(prev.h as tf.Tensor2D, w.whhT[0] as tf.Tensor2D)));
      return { state: { h }, cache: { h } };
    },
    backStep(dh: tf.Tensor, _dc: tf.Tensor | undefined, cache: RNNCache, w: LayerWeights) {
      const d = derivativeFromOutput(f, cache.h);
      const dz = d === undefined ? dh : tf.mul(dh, d);
      return { dZx: dz, dZh: dz, dh: matMulRows(dz, w.whh) };
    },
    gates: () => [],
  };
}
