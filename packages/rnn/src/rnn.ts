/**
 * `RNN`: a stack of simple (Elman) recurrent layers with a linear readout, weight-compatible
 * with `torch.nn.RNN` (+ `nn.Linear` head) for the tanh and relu nonlinearities.
 *
 * h_t = f(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh); y_t = h_t W_headᵀ + b_head.
 * Cost per step: one [B, H]×[H, H] matmul and 2 elementwise ops forward, about as much back.
 *
 * References: Elman (1990); Le, Jaitly & Hinton (2015) for the IRNN (relu, W_hh = I, zero
 * biases); Pascanu, Mikolov & Bengio (2013) for W_hh = s·Q.
 */
import type { Rng } from '@gradlab/core';
import { rnnKernel } from './cells/rnn-kernel.js';
import { parseRecurrentConfig } from './recurrent-config.js';
import type { RNNConfig } from './recurrent-config.js';
import { RecurrentNet } from './recurrent-net.js';

/**
 * A simple recurrent network.
 * @example
 * const irnn = new RNN({ inputSize: 2, hiddenSize: 100, nonlinearity: 'relu', recurrentInit: 'identity', biasInit: 'zeros' }, rng);
 * const { output } = irnn.forward(x); // [T, B, 1]
 * irnn.dispose();
 */
export class RNN extends RecurrentNet {
  /**
   * @param config sizes, nonlinearity (default 'tanh') and initialisation; see {@link RNNConfig}
   * @param rng parameters are drawn from `rng.fork(name)` (e.g. `weight_hh_l0/h`)
   * @throws ValidationError naming the bad field, e.g. `RNN: expected hiddenSize to be a positive integer, got 12.5`
   */
  constructor(config: RNNConfig, rng: Rng) {
    const spec = parseRecurrentConfig('rnn', config);
    super(spec, rnnKernel(spec.nonlinearity), rng);
  }
}
