/**
 * The full-BPTT workloads W1 (tanh RNN) and W2 (LSTM): batch 32, T = 100, input 8, hidden 128,
 * one output read out at the last step, MSE; one forward and backward pass with the per-step
 * norms ‖∂L/∂h_t‖ as the time-gradients experiment computes them (`bptt(..., { measure: true })`).
 * They differ only in the network, so one factory builds both.
 */
import { Rng, tf } from '@gradlab/core';
import { bptt, type RecurrentNet } from '@gradlab/rnn';
import { recurrentFlops } from './flops.js';
import type { Workload, WorkloadId, WorkloadSize } from './workload.js';

/** Sizes of W1 and W2. */
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

/** What distinguishes one full-BPTT workload from another. */
export interface BpttWorkloadSpec {
  id: WorkloadId;
  title: string;
  runs: number;
  warmup: number;
  /** Gate blocks per step (1 for an RNN, 4 for an LSTM), for the FLOP count. */
  gates: number;
  /** Seed of the network and data. */
  seed: number;
  /** The network at the given sizes. */
  makeNet(s: SequenceSizes, rng: Rng): RecurrentNet;
}

/** A full-BPTT workload (see the file comment). */
export function bpttWorkload(spec: BpttWorkloadSpec): Workload {
  return {
    id: spec.id,
    title: spec.title,
    runs: spec.runs,
    warmup: spec.warmup,
    flops: (size) => {
      const s = SEQUENCE_SIZES[size];
      return recurrentFlops({ gates: spec.gates, steps: s.steps, batch: s.batch, input: s.input, hidden: s.hidden, output: 1, lossSteps: 1 });
    },
    setup(size) {
      const s = SEQUENCE_SIZES[size];
      const rng = new Rng(spec.seed);
      const net = spec.makeNet(s, rng.fork('net'));
      // x [T, B, D] ~ N(0, 1) and y [B, 1] ~ N(0, 1).
      const data = rng.fork('data');
      const x = data.fork('x').normalTensor([s.steps, s.batch, s.input]);
      const y = data.fork('y').normalTensor([s.batch, 1]);
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
}
