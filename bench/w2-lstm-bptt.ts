/**
 * W2 — W1 with an LSTM (hidden 128): one full-BPTT forward and backward pass over T = 100 with
 * the per-step norms ‖∂L/∂h_t‖ (and, as gradlab's LSTM records them, ‖∂L/∂c_t‖ and the mean
 * gate activations).
 */
import { Rng, tf } from '@gradlab/core';
import { LSTM, bptt } from '@gradlab/rnn';
import { recurrentFlops } from './flops.js';
import { SEQUENCE_SIZES, sequenceData } from './w1-rnn-bptt.js';
import type { Workload } from './workload.js';

export const w2: Workload = {
  id: 'W2',
  title: 'LSTM B=32 T=100 D=8 H=128, full BPTT fwd+bwd, per-step ||dL/dh_t||, ||dL/dc_t||, gate means',
  runs: 9,
  warmup: 2,
  flops: (size) => {
    const s = SEQUENCE_SIZES[size];
    return recurrentFlops({ gates: 4, steps: s.steps, batch: s.batch, input: s.input, hidden: s.hidden, output: 1, lossSteps: 1 });
  },
  setup(size) {
    const s = SEQUENCE_SIZES[size];
    const rng = new Rng(2);
    const net = new LSTM({ inputSize: s.input, hiddenSize: s.hidden, outputSize: 1 }, rng.fork('net'));
    const { x, y } = sequenceData(s, rng.fork('data'));
    let checksum = 0;
    return {
      run() {
        const g = bptt(net, x, y, { loss: 'mse', at: 'last', measure: true });
        checksum = g.loss + g.gradH[0]!;
        g.dispose();
      },
      extra: () => ({ checksum }),
      dispose() {
        net.dispose();
        tf.dispose([x, y]);
      },
    };
  },
};
