/**
 * W6 — a 20-hidden-layer sigmoid MLP (input 784, width 256, 10-way softmax, Glorot-uniform
 * init) on a batch of 128: one forward and backward pass (`MLP.gradients`) and the per-layer
 * statistics of the weight gradients — ‖∂L/∂W_l‖ among them — in one readback
 * (`tensorStatsMany`), as the depth-gradients experiment records them.
 */
import { MLP, Rng, tensorStatsMany, tf } from '@gradlab/core';
import { mlpFlops } from './flops.js';
import type { Workload, WorkloadSize } from './workload.js';

/** Sizes of W6. */
export interface MlpSizes {
  batch: number;
  input: number;
  width: number;
  depth: number;
  classes: number;
}

/** The benchmark sizes of W6. */
export const MLP_SIZES: Record<WorkloadSize, MlpSizes> = {
  full: { batch: 128, input: 784, width: 256, depth: 20, classes: 10 },
  tiny: { batch: 8, input: 12, width: 6, depth: 4, classes: 3 },
};

/** [input, width × depth, classes]. */
export function mlpLayerSizes(s: MlpSizes): number[] {
  return [s.input, ...Array.from({ length: s.depth }, () => s.width), s.classes];
}

export const w6: Workload = {
  id: 'W6',
  title: '20-hidden-layer sigmoid MLP 784-256x20-10, batch 128, fwd+bwd, per-layer gradient norms',
  runs: 11,
  warmup: 3,
  flops: (size) => {
    const s = MLP_SIZES[size];
    return mlpFlops(s.batch, mlpLayerSizes(s));
  },
  setup(size) {
    const s = MLP_SIZES[size];
    const rng = new Rng(6);
    const net = new MLP({ layerSizes: mlpLayerSizes(s), activation: 'sigmoid', init: 'glorot-uniform' }, rng.fork('net'));
    const x = rng.fork('x').normalTensor([s.batch, s.input]);
    const labels = rng.fork('y').permutation(s.batch).map((i) => i % s.classes);
    const y = tf.tensor1d(labels, 'int32');
    const weights = Object.keys(net.params).filter((n) => n.endsWith('.weight'));
    let checksum = 0;
    return {
      run() {
        const g = net.gradients(x, y, 'softmax-cross-entropy');
        const stats = tensorStatsMany(weights.map((n) => g.grads[n]!));
        checksum = g.loss + stats[0]!.l2;
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
