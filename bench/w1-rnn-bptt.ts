/**
 * W1 — a tanh RNN (batch 32, T = 100, input 8, hidden 128, readout at the last step, MSE): one
 * full-BPTT forward and backward pass with the per-step norms ‖∂L/∂h_t‖ (see bptt-workload.ts).
 * PyTorch peer: `bench/peer_pytorch.py` (a step-by-step unroll with `h_t.retain_grad()`).
 */
import { RNN } from '@gradlab/rnn';
import { bpttWorkload } from './bptt-workload.js';

export const w1 = bpttWorkload({
  id: 'W1',
  title: 'tanh RNN B=32 T=100 D=8 H=128, full BPTT fwd+bwd, per-step ||dL/dh_t||',
  runs: 11,
  warmup: 3,
  gates: 1,
  seed: 1,
  makeNet: (s, rng) => new RNN({ inputSize: s.input, hiddenSize: s.hidden, outputSize: 1, nonlinearity: 'tanh' }, rng),
});
