/**
 * W2 — W1 with an LSTM (hidden 128): one full-BPTT forward and backward pass over T = 100 with
 * the per-step norms ‖∂L/∂h_t‖ (and, as gradlab's LSTM records them, ‖∂L/∂c_t‖ and the mean
 * gate activations). See bptt-workload.ts.
 */
import { LSTM } from '@gradlab/rnn';
import { bpttWorkload } from './bptt-workload.js';

export const w2 = bpttWorkload({
  id: 'W2',
  title: 'LSTM B=32 T=100 D=8 H=128, full BPTT fwd+bwd, per-step ||dL/dh_t||, ||dL/dc_t||, gate means',
  runs: 9,
  warmup: 2,
  gates: 4,
  seed: 2,
  makeNet: (s, rng) => new LSTM({ inputSize: s.input, hiddenSize: s.hidden, outputSize: 1 }, rng),
});
