/**
 * W4 — a Bernoulli RBM 784×500 trained by CD-1 for one epoch over 10,000 binary images in
 * minibatches of 100 (`trainRBM` with its defaults: learning rate 0.1, momentum 0.5, weight cost
 * 2e-4, shuffled batches, reconstruction error tracked): 100 updates.
 * Peers: the same CD-1 written in PyTorch, and scikit-learn's `BernoulliRBM.partial_fit` over
 * the same batches (which is PCD-1 without momentum or weight cost; see BENCHMARKS.md).
 */
import { Rng, tf } from '@gradlab/core';
import { BernoulliRBM, trainRBM } from '@gradlab/rbm';
import { binaryImages } from './binary-images.js';
import { cd1Flops } from './flops.js';
import type { Workload, WorkloadSize } from './workload.js';

/** Sizes of W4. */
export interface RbmSizes {
  samples: number;
  side: number;
  hidden: number;
  batch: number;
}

/** The benchmark sizes of W4. */
export const RBM_SIZES: Record<WorkloadSize, RbmSizes> = {
  full: { samples: 10_000, side: 28, hidden: 500, batch: 100 },
  tiny: { samples: 40, side: 4, hidden: 6, batch: 10 },
};

export const w4: Workload = {
  id: 'W4',
  title: 'Bernoulli RBM 784x500, CD-1, batch 100, one epoch over 10,000 samples',
  runs: 5,
  warmup: 1,
  flops: (size) => {
    const s = RBM_SIZES[size];
    return (s.samples / s.batch) * cd1Flops(s.batch, s.side * s.side, s.hidden);
  },
  setup(size) {
    const s = RBM_SIZES[size];
    const rng = new Rng(4);
    const x = binaryImages(s.samples, s.side, rng.fork('data'));
    const rbm = new BernoulliRBM({ numVisible: s.side * s.side, numHidden: s.hidden }, rng.fork('rbm'));
    let epoch = 0;
    let checksum = 0;
    return {
      run() {
        const r = trainRBM(rbm, x, { epochs: 1, batchSize: s.batch }, rng.fork(`train/${epoch++}`));
        checksum = r.history[0]!.reconError;
      },
      extra: () => ({ checksum }),
      dispose() {
        rbm.dispose();
        x.dispose();
      },
    };
  },
};
