/**
 * `GRU`: a stack of gated recurrent units (gate order r, z, n) with a linear readout,
 * weight-compatible with `torch.nn.GRU` (+ `nn.Linear` head), including PyTorch's placement of
 * b_hn inside the reset gate's product.
 *
 * Cost per step: three [B, H]×[H, H] matmuls and ~12 elementwise ops forward, one
 * [B, 3H]×[3H, H] matmul and ~20 elementwise ops back.
 *
 * References: Cho et al. (2014); Chung et al. (2014).
 */
import type { Rng } from '@gradlab/core';
import { gruKernel } from './cells/gru-kernel.js';
import { parseRecurrentConfig } from './recurrent-config.js';
import type { GRUConfig } from './recurrent-config.js';
import { RecurrentNet } from './recurrent-net.js';

/**
 * A gated recurrent unit network.
 * @example
 * const gru = new GRU({ inputSize: 1, hiddenSize: 32, outputSize: 1 }, rng);
 * const { output } = gru.forward(x);
 * gru.dispose();
 */
export class GRU extends RecurrentNet {
  /**
   * @param config sizes and initialisation; see {@link GRUConfig}
   * @param rng parameters are drawn from `rng.fork(name)` (e.g. `weight_hh_l0/z`)
   * @throws ValidationError naming the bad field, e.g. `GRU: expected inputSize to be a positive integer, got 0`
   */
  constructor(config: GRUConfig, rng: Rng) {
    super(parseRecurrentConfig('gru', config), gruKernel(), rng);
  }
}
