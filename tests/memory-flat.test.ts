/**
 * Memory stays flat over long runs (issue 6, part 6). Two runs of benchmark size, through the
 * public APIs and their progress callbacks:
 *
 * - W3: an LSTM (hidden 128), batch 32, one sequence of T = 1000 steps, truncated BPTT with
 *   k1 = k2 = 50 and an SGD step per chunk (20 chunks per sequence), over two sequences;
 * - a DBN 784-256-128 greedily pretrained by CD-1 on 2,000 binary 784-dim rows, 5 epochs per layer.
 *
 * Checked: the live tensor count and bytes (tf.memory()) at the 2nd chunk / epoch equal those at
 * the last (a leak of one tensor per chunk would add 38 between them, one per minibatch 60 per
 * DBN layer);
 * nothing is left after the run; and the resident set size grows by less than RSS_GROWTH_LIMIT
 * between the 2nd and the last chunk / epoch. Timings are never asserted.
 */
import { describe, expect, test } from 'vitest';
import { Rng, SGD, backendInfo, tf } from '@gradlab/core';
import { LSTM, delayedEcho, truncatedBptt } from '@gradlab/rnn';
import { DBN } from '@gradlab/rbm';

/**
 * Largest RSS growth allowed between an early and a late chunk / epoch. Generous: RSS moves
 * with the V8 heap and garbage collection timing, and the wasm heap only grows (it is reused,
 * never returned). Measured here: +20 MB (W3) and +7 MB (DBN). A leaked W3 window cache (gates
 * and states of 50 steps × 32 × 128, ~6 MB) per chunk would cross it within the 38 chunks; a
 * leaked tensor of any size is caught exactly by the tensor checks.
 */
const RSS_GROWTH_LIMIT = 200 * 2 ** 20;

/** One sample of the process's memory. */
interface MemorySample {
  label: string;
  numTensors: number;
  numBytes: number;
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size so far, bytes. */
  maxRss: number;
}

function sample(label: string): MemorySample {
  const m = tf.memory();
  return { label, numTensors: m.numTensors, numBytes: m.numBytes, rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function report(title: string, samples: MemorySample[]): void {
  const lines = samples.map((s) => `  ${s.label}: ${s.numTensors} tensors, ${mb(s.numBytes)} in tensors, rss ${mb(s.rss)}, peak rss ${mb(s.maxRss)}`);
  console.log(`${title} (backend ${backendInfo().name}):\n${lines.join('\n')}`);
}

/** Early and late samples agree: same tensors and bytes, bounded RSS growth. */
function expectFlat(early: MemorySample, late: MemorySample): void {
  expect(late.numTensors, `${late.label} vs ${early.label}: tensors`).toBe(early.numTensors);
  expect(late.numBytes, `${late.label} vs ${early.label}: bytes`).toBe(early.numBytes);
  expect(late.rss - early.rss, `${late.label} vs ${early.label}: rss growth`).toBeLessThan(RSS_GROWTH_LIMIT);
  expect(late.maxRss - early.maxRss, `${late.label} vs ${early.label}: peak rss growth`).toBeLessThan(RSS_GROWTH_LIMIT);
}

describe('memory stays flat over long runs', () => {
  test('W3: LSTM batch 32, T = 1000, truncated BPTT(50, 50) with an SGD step per chunk, two sequences', () => {
    const W3 = { batch: 32, steps: 1000, hidden: 128, k: 50, sequences: 2 };
    const baseline = tf.memory().numTensors;
    const rng = new Rng(3);
    // Delayed echo (delay 10) has a loss at every step from t = 10, so every chunk makes an update.
    const task = delayedEcho(10, W3.steps);
    const net = new LSTM({ inputSize: task.inputSize, hiddenSize: W3.hidden, outputSize: task.outputSize }, rng.fork('net'));
    const opt = new SGD({ learningRate: 0.1, momentum: 0.9, clip: { mode: 'global-norm', max: 1 } });
    const samples: MemorySample[] = [];
    let updates = 0;
    for (let s = 1; s <= W3.sequences; s++) {
      const batch = task.sample(W3.batch, rng.fork(`data/${s}`));
      const r = truncatedBptt(net, batch.x, batch.y, { ...task.loss, k1: W3.k, k2: W3.k }, (u) => {
        opt.step(net.params, u.grads);
        updates++;
        samples.push(sample(`sequence ${s} chunk ${u.index + 1}`));
      });
      tf.dispose([r.state.h, ...(r.state.c ? [r.state.c] : [])]);
      batch.dispose();
    }
    expect(updates).toBe(W3.sequences * (W3.steps / W3.k));
    const early = samples[1]!;
    const late = samples[samples.length - 1]!;
    report('W3 truncated BPTT', [samples[0]!, early, samples[W3.steps / W3.k - 1]!, late]);
    expectFlat(early, late);
    // Every chunk between them too: a leak that is freed later would still show here.
    for (const m of samples.slice(1)) expect(m.numTensors, m.label).toBe(early.numTensors);
    opt.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  test('DBN 784-256-128 greedy CD-1 pretraining, 5 epochs per layer on 2,000 rows of 784', () => {
    const DATA = { rows: 2000, dim: 784, sizes: [784, 256, 128], epochs: 5 };
    const baseline = tf.memory().numTensors;
    const rng = new Rng(5);
    const x = tf.tidy(() => rng.fork('data').bernoulliTensor(tf.fill([DATA.rows, DATA.dim], 0.2)));
    const dbn = new DBN({ layerSizes: DATA.sizes }, rng.fork('dbn'));
    const samples: MemorySample[][] = DATA.sizes.slice(1).map(() => []);
    dbn.pretrain(
      x,
      { epochs: DATA.epochs, batchSize: 100, momentumSwitchEpoch: 2, onEpoch: (st) => void samples[st.layer]!.push(sample(`layer ${st.layer} epoch ${st.epoch}`)) },
      rng.fork('pretrain'),
    );
    report('DBN pretraining', samples.flatMap((l) => [l[0]!, l[1]!, l[l.length - 1]!]));
    for (const layer of samples) {
      expect(layer).toHaveLength(DATA.epochs);
      expectFlat(layer[1]!, layer[layer.length - 1]!);
    }
    // From the 2nd epoch of the first layer to the last epoch of the last layer: only RSS (the
    // layers differ in size, so their tensors do).
    const first = samples[0]![1]!;
    const last = samples[samples.length - 1]![DATA.epochs - 1]!;
    expect(last.rss - first.rss).toBeLessThan(RSS_GROWTH_LIMIT);
    expect(last.maxRss - first.maxRss).toBeLessThan(RSS_GROWTH_LIMIT);
    dbn.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
