/**
 * W3 — an LSTM (batch 32, input 8, hidden 128, one output, MSE at every step) trained online on
 * one sequence of T = 1000 steps by truncated BPTT(k1 = 50, k2 = 50): 20 chunks, each a forward
 * and backward pass over 50 steps and one SGD step (`truncatedBptt` with an `onUpdate` that
 * steps the optimiser, as the tbptt-window experiment does).
 *
 * Memory: only the current window's caches may be alive. `extra()` reports tf.memory() seen
 * inside the update callbacks and the engine's peak bytes over a whole T = 1000 run against a
 * T = 100 run: the peaks differ only by the 900 extra steps of inputs (x and y cut per step,
 * 900·32·9·4 B ≈ 1 MB), so no cache outlives its window.
 */
import { Rng, SGD, tf } from '@gradlab/core';
import { LSTM, truncatedBptt } from '@gradlab/rnn';
import type { TruncatedBpttOptions } from '@gradlab/rnn';
import { recurrentFlops } from './flops.js';
import type { Workload, WorkloadSize } from './workload.js';

/** Sizes of W3. */
export interface TbpttSizes {
  batch: number;
  steps: number;
  input: number;
  hidden: number;
  k: number;
}

/** The benchmark sizes of W3. */
export const TBPTT_SIZES: Record<WorkloadSize, TbpttSizes> = {
  full: { batch: 32, steps: 1000, input: 8, hidden: 128, k: 50 },
  tiny: { batch: 4, steps: 12, input: 3, hidden: 5, k: 4 },
};

/** Learning rate of the SGD step after every chunk. */
export const W3_LEARNING_RATE = 0.01;

export const w3: Workload = {
  id: 'W3',
  title: 'LSTM B=32 T=1000 D=8 H=128, truncated BPTT k1=k2=50, SGD step per chunk',
  runs: 5,
  warmup: 1,
  flops: (size) => {
    const s = TBPTT_SIZES[size];
    return recurrentFlops({ gates: 4, steps: s.steps, batch: s.batch, input: s.input, hidden: s.hidden, output: 1, lossSteps: s.steps });
  },
  setup(size) {
    const s = TBPTT_SIZES[size];
    const rng = new Rng(3);
    const net = new LSTM({ inputSize: s.input, hiddenSize: s.hidden, outputSize: 1 }, rng.fork('net'));
    const x = rng.fork('x').normalTensor([s.steps, s.batch, s.input]);
    const y = rng.fork('y').normalTensor([s.steps, s.batch, 1]);
    const opt = new SGD({ learningRate: W3_LEARNING_RATE });
    const options: TruncatedBpttOptions = { loss: 'mse', at: 'every', k1: s.k, k2: s.k };
    const inUpdate = { minTensors: Infinity, maxTensors: 0, maxBytes: 0 };
    const train = (xs: tf.Tensor, ys: tf.Tensor, watch: boolean): number => {
      const r = truncatedBptt(net, xs, ys, options, (u) => {
        if (watch) {
          const m = tf.memory();
          inUpdate.minTensors = Math.min(inUpdate.minTensors, m.numTensors);
          inUpdate.maxTensors = Math.max(inUpdate.maxTensors, m.numTensors);
          inUpdate.maxBytes = Math.max(inUpdate.maxBytes, m.numBytes);
        }
        opt.step(net.params, u.grads);
      });
      tf.dispose([r.state.h, r.state.c!]);
      return r.loss;
    };
    let checksum = 0;
    return {
      run() {
        checksum = train(x, y, true);
      },
      async extra() {
        // Engine peak bytes over a run of the whole sequence against a run of its first 2 chunks.
        const short = tf.tidy(() => ({ x: tf.slice(x, 0, 2 * s.k), y: tf.slice(y, 0, 2 * s.k) }));
        const resident = tf.memory().numBytes;
        const pShort = (await tf.profile(() => void train(short.x, short.y, false))).peakBytes;
        const pLong = (await tf.profile(() => void train(x, y, false))).peakBytes;
        tf.dispose([short.x, short.y]);
        return {
          checksum,
          tensors_in_update_min: inUpdate.minTensors,
          tensors_in_update_max: inUpdate.maxTensors,
          bytes_in_update_max_mb: inUpdate.maxBytes / 2 ** 20,
          resident_mb: resident / 2 ** 20,
          [`peak_mb_T${s.steps}`]: pLong / 2 ** 20,
          [`peak_mb_T${2 * s.k}`]: pShort / 2 ** 20,
        };
      },
      dispose() {
        opt.dispose();
        net.dispose();
        tf.dispose([x, y]);
      },
    };
  },
};
