import { describe, expect, test, vi } from 'vitest';
import { Rng, SGD, spectralRadius, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, bptt, copyMemory, temporalOrder, trainOnTask, truncatedBptt } from '../src/index.js';
import { makeBatch } from '../src/tasks/sequence-task.js';

describe('cross-entropy labels outside [0, O) are refused, naming the first bad index', () => {
  const make = () => new GRU({ inputSize: 2, hiddenSize: 4, outputSize: 3 }, new Rng(3));

  test('bptt at "last" (label 5 for 3 classes used to drop out of the loss)', () => {
    const net = make();
    const x = tf.ones([4, 3, 2]);
    const y = tf.tensor1d([0, 5, 2], 'int32');
    const before = tf.memory().numTensors;
    expect(() => bptt(net, x, y, { loss: 'softmax-cross-entropy', at: 'last' })).toThrow(
      /^bptt\(GRU\): expected labels to be integers in \[0, 2\] \(3 classes\), got 5 at index 1$/,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    net.dispose();
  });

  test('bptt and truncatedBptt at "every": the index is [t, b]', () => {
    const net = make();
    const x = tf.ones([4, 2, 2]);
    const y = tf.tensor2d([[0, 1], [2, 0], [1, -1], [0, 0]], [4, 2], 'int32');
    const before = tf.memory().numTensors;
    expect(() => bptt(net, x, y, { loss: 'softmax-cross-entropy', at: 'every' })).toThrow(/^bptt\(GRU\): expected labels to be .*got -1 at index \[2, 1\]$/);
    // A label outside the loss steps is still a wrong label: the whole target is checked.
    expect(() => bptt(net, x, y, { loss: 'softmax-cross-entropy', at: 'every', steps: [0, 1] })).toThrow(/got -1 at index \[2, 1\]$/);
    const updates: number[] = [];
    expect(() => truncatedBptt(net, x, y, { loss: 'softmax-cross-entropy', at: 'every', k1: 1, k2: 2 }, (u) => updates.push(u.index))).toThrow(
      /^truncatedBptt\(GRU\): expected labels to be .*got -1 at index \[2, 1\]$/,
    );
    // Refused before any update is applied.
    expect(updates).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    net.dispose();
  });

  test('a task checks its labels as it makes them: training on a fresh batch per step never reads a batch\'s labels back', () => {
    for (const made of [temporalOrder(10), copyMemory(3)]) {
      // Every label tensor the task makes, to tell a check of them from other readbacks.
      const labels = new Set<tf.Tensor>();
      const task = { ...made, sample: (b: number, rng: Rng) => {
        const batch = made.sample(b, rng);
        labels.add(batch.y);
        return batch;
      } };
      const net = new LSTM({ inputSize: task.inputSize, hiddenSize: 4, outputSize: task.outputSize }, new Rng(1));
      const optimizer = new SGD({ learningRate: 0.1 });
      const test = task.testSet(6, 1);
      labels.add(test.y);
      const spy = vi.spyOn(tf.Tensor.prototype, 'dataSync');
      try {
        const records = trainOnTask(net, task, { iterations: 4, batchSize: 5, optimizer, evalEvery: 2, testSet: test }, new Rng(2));
        expect(records.map((r) => r.iteration)).toEqual([0, 2, 4]);
        expect(labels.size).toBe(5);
        // Losses, norms and scores are read back; the labels themselves never are.
        expect(spy.mock.contexts.length).toBeGreaterThan(0);
        expect(spy.mock.contexts.filter((t) => labels.has(t as tf.Tensor)).length).toBe(0);
      } finally {
        spy.mockRestore();
        test.dispose();
        optimizer.dispose();
        net.dispose();
      }
    }
  });

  test('a bad label made by a task generator is refused where it is made, naming its index', () => {
    const x = new Float32Array(2 * 2 * 3);
    const before = tf.memory().numTensors;
    expect(() => makeBatch(x, [2, 2, 3], new Int32Array([0, 1, 2, 3]), [2, 2], { classes: 3, where: 'myTask.sample' })).toThrow(
      /^myTask\.sample: expected labels to be integers in \[0, 2\] \(3 classes\), got 3 at index \[1, 1\]$/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  test('valid labels still give the mean cross-entropy of the readout', () => {
    const net = make();
    const x = tf.ones([3, 2, 2]);
    const y = tf.tensor2d([[0, 1], [2, 0], [1, 2]], [3, 2], 'int32');
    const g = bptt(net, x, y, { loss: 'softmax-cross-entropy', at: 'every' });
    const out = net.forward(x);
    const logits = tf.reshape(out.output, [6, 3]);
    const logp = tf.logSoftmax(logits).arraySync() as number[][];
    const labels = y.dataSync();
    const want = -logp.reduce((s, row, i) => s + row[labels[i]!]!, 0) / 6;
    expect(g.loss).toBeCloseTo(want, 6);
    g.dispose();
    tf.dispose([x, y, out.output, out.hidden, out.state.h, logits]);
    net.dispose();
  });
});

describe('a recurrent gain or spectral radius that overflows float32 is refused, naming the field', () => {
  test('recurrentGain 1e39 with spectralRadius 1.1 (used to hang in the eigen-decomposition)', () => {
    expect(() => new RNN({ inputSize: 1, hiddenSize: 4, recurrentGain: 1e39, spectralRadius: 1.1 }, new Rng(1))).toThrow(
      /^RNN: expected recurrentGain to be a number with \|recurrentGain\| ≤ 3\.40e\+38, so the weights fit float32 \(max 3\.40e\+38\), got 1e\+39$/,
    );
  });

  test('an identity W times a gain beyond float32', () => {
    expect(() => new GRU({ inputSize: 1, hiddenSize: 4, recurrentInit: 'identity', recurrentGain: -5e38 }, new Rng(1))).toThrow(/^GRU: expected recurrentGain to be .*got -5e\+38$/);
  });

  test('spectralRadius 1e39', () => {
    expect(() => new LSTM({ inputSize: 1, hiddenSize: 4, spectralRadius: 1e39 }, new Rng(1))).toThrow(/^LSTM: expected spectralRadius to be a number with \|spectralRadius\| ≤ .*got 1e\+39$/);
  });

  test('a huge gain that still fits is undone by the spectral radius', () => {
    const net = new RNN({ inputSize: 1, hiddenSize: 4, recurrentGain: 1e38, spectralRadius: 1.1 }, new Rng(1));
    expect(spectralRadius(net.params['weight_hh_l0']!)).toBeCloseTo(1.1, 5);
    net.dispose();
  });
});
