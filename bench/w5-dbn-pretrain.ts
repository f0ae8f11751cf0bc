/**
 * W5 — greedy layer-wise CD-1 pretraining of a deep belief net 784-500-500-2000 on 10,000
 * binary images, one epoch per layer, minibatches of 100 (`DBN.pretrain`, which also sets each
 * layer's visible biases from its input and passes the data up between layers). A fresh DBN is
 * built before each timed run (untimed).
 */
import { Rng, tf } from '@gradlab/core';
import { DBN } from '@gradlab/rbm';
import { binaryImages } from './binary-images.js';
import { cd1Flops, matmulFlops } from './flops.js';
import type { Workload, WorkloadSize } from './workload.js';

/** Sizes of W5. */
export interface DbnSizes {
  samples: number;
  side: number;
  hidden: number[];
  batch: number;
}

/** The benchmark sizes of W5. */
export const DBN_SIZES: Record<WorkloadSize, DbnSizes> = {
  full: { samples: 10_000, side: 28, hidden: [500, 500, 2000], batch: 100 },
  tiny: { samples: 40, side: 4, hidden: [6, 5, 8], batch: 10 },
};

export const w5: Workload = {
  id: 'W5',
  title: 'DBN 784-500-500-2000, greedy CD-1 pretraining, one epoch per layer, 10,000 samples',
  runs: 5,
  warmup: 1,
  flops: (size) => {
    const s = DBN_SIZES[size];
    const sizes = [s.side * s.side, ...s.hidden];
    let total = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      total += (s.samples / s.batch) * cd1Flops(s.batch, sizes[l]!, sizes[l + 1]!);
      // The up-pass of the whole data set through layer l, the input of layer l + 1.
      if (l + 2 < sizes.length) total += matmulFlops(s.samples, sizes[l]!, sizes[l + 1]!);
    }
    return total;
  },
  setup(size) {
    const s = DBN_SIZES[size];
    const rng = new Rng(5);
    const x = binaryImages(s.samples, s.side, rng.fork('data'));
    let dbn: DBN | undefined;
    let run = 0;
    let checksum = 0;
    return {
      beforeRun() {
        dbn = new DBN({ layerSizes: [s.side * s.side, ...s.hidden] }, rng.fork(`dbn/${run}`));
      },
      run() {
        const r = dbn!.pretrain(x, { epochs: 1, batchSize: s.batch }, rng.fork(`pretrain/${run}`));
        checksum = r.layers.at(-1)!.history[0]!.reconError;
      },
      afterRun() {
        dbn!.dispose();
        dbn = undefined;
        run++;
      },
      extra: () => ({ checksum }),
      dispose() {
        dbn?.dispose();
        x.dispose();
      },
    };
  },
};
