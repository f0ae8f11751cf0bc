/**
 * `LSTM`: a stack of LSTM layers (forget gate; gate order i, f, g, o) with a linear readout,
 * weight-compatible with `torch.nn.LSTM` (+ `nn.Linear` head).
 *
 * The forget-gate bias defaults to 1 (on `bias_ih`, with the `bias_hh` forget block 0), so
 * the cell state is kept by default at initialisation (Gers et al. 2000; Jozefowicz et al. 2015).
 * Cost per step: one [B, H]×[H, 4H] matmul and ~12 other ops forward; one [B, 4H]×[4H, H]
 * matmul and ~5 other ops back (the gate-derivative factors are computed for all steps at once).
 *
 * References: Hochreiter & Schmidhuber (1997); Gers, Schmidhuber & Cummins (2000).
 */
import type { Rng } from '@gradlab/core';
import { lstmKernel } from './cells/lstm-kernel.js';
import { parseRecurrentConfig } from './recurrent-config.js';
import type { LSTMConfig } from './recurrent-config.js';
import { RecurrentNet } from './recurrent-net.js';

/**
 * A long short-term memory network.
 * @example
 * const lstm = new LSTM({ inputSize: 2, hiddenSize: 64, forgetBias: 1 }, rng);
 * const g = bptt(lstm, x, y, { loss: 'mse', at: 'last' });
 * g.dispose(); lstm.dispose();
 */
export class LSTM extends RecurrentNet {
  /**
   * @param config sizes, forget bias (default 1) and initialisation; see {@link LSTMConfig}
   * @param rng parameters are drawn from `rng.fork(name)` (e.g. `weight_hh_l0/f`)
   * @throws ValidationError naming the bad field, e.g. `LSTM: expected hiddenSize to be a positive integer, got 12.5`
   */
  constructor(config: LSTMConfig, rng: Rng) {
    super(parseRecurrentConfig('lstm', config), lstmKernel(), rng);
  }
}
