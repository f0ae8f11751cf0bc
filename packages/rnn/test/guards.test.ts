import { describe, expect, test } from 'vitest';
import { Rng, spectralRadius, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, bptt, truncatedBptt } from '../src/index.js';

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
