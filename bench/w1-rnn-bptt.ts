/**
 * W1 — a tanh RNN (batch 32, T = 100, input 8, hidden 128, one output read out at the last
 * step, MSE): one full-BPTT forward and backward pass with the per-step norms ‖∂L/∂h_t‖, as
 * the time-gradients experiment computes them (`bptt(..., { measure: true })`).
 * PyTorch peer: `bench/peer_pytorch.py` (a step-by-step unroll with `h_t.retain_grad()`).
 */
import { Rng, tf } from '@gradlab/core';
import { RNN, bptt } from '@gradlab/rnn';
import { recurrentFlops } from './flops.js';
import type { Workload, WorkloadSize } from './workload.js';

/** Sizes of W1 (and W2). */
export interface SequenceSizes {
  batch: number;
  steps: number;
  input: number;
  hidden: number;
}

/** The benchmark sizes of W1 and W2. */
export const SEQUENCE_SIZES: Record<WorkloadSize, SequenceSizes> = {
  full: { batch: 32, steps: 100, input: 8, hidden: 128 },
  tiny: { batch: 4, steps: 6, input: 3, hidden: 5 },
};

/** x [T, B, D] ~ N(0, 1) and y [B, 1] ~ N(0, 1), from a fixed seed. */
export function sequenceData(s: SequenceSizes, rng: Rng): { x: tf.Tensor; y: tf.Tensor } {
  return { x: rng.fork('x').normalTensor([s.steps, s.batch, s.input]), y: rng.fork('y').normalTensor([s.batch, 1]) };
}

export const w1: Workload = {
  id: 'W1',
  title: 'tanh RNN B=32 T=100 D=8 H=128, full BPTT fwd+bwd, per-step ||dL/dh_t||',
  runs: 11,
  warmup: 3,
  flops: (size) => {
    const s = SEQUENCE_SIZES[size];
    return recurrentFlops({ gates: 1, steps: s.steps, batch: s.batch, input: s.input, hidden: s.hidden, output: 1, lossSteps: 1 });
  },
  setup(size) {
    const s = SEQUENCE_SIZES[size];
    const rng = new Rng(1);
    const net = new RNN({ inputSize: s.input, hiddenSize: s.hidden, outputSize: 1, nonlinearity: 'tanh' }, rng.fork('net'));
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
