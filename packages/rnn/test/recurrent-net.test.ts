import { describe, expect, test } from 'vitest';
import { Rng, spectralRadius, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, bptt } from '../src/index.js';

describe('configuration errors name the field, the value and the expectation', () => {
  test.each([
    [() => new LSTM({ inputSize: 2, hiddenSize: 12.5 }, new Rng(1)), /^LSTM: expected hiddenSize to be a positive integer, got 12\.5$/],
    [() => new RNN({ inputSize: 0, hiddenSize: 4 }, new Rng(1)), /^RNN: expected inputSize to be a positive integer, got 0$/],
    [() => new RNN({ inputSize: 1, hiddenSize: 4, nonlinearity: 'gelu' as never }, new Rng(1)), /^RNN: expected nonlinearity to be one of "tanh", "relu", "sigmoid", "linear", got "gelu"$/],
    [() => new GRU({ inputSize: 1, hiddenSize: 4, recurrentInit: 'xavier' as never }, new Rng(1)), /^GRU: expected recurrentInit to be one of "pytorch", .*got "xavier"$/],
    [() => new LSTM({ inputSize: 1, hiddenSize: 4, forgetBias: Infinity }, new Rng(1)), /^LSTM: expected forgetBias to be a finite number, got Infinity$/],
    [() => new GRU({ inputSize: 1, hiddenSize: 4, forgetBias: 1 } as never, new Rng(1)), /^GRU: unknown option "forgetBias"/],
  ])('%#', (make, message) => {
    expect(make).toThrow(message);
  });

  test('bad x, target and state shapes', () => {
    const net = new LSTM({ inputSize: 3, hiddenSize: 4, outputSize: 2, numLayers: 2 }, new Rng(1));
    const x = tf.zeros([5, 2, 3]);
    const y = tf.zeros([2, 2]);
    expect(() => bptt(net, tf.zeros([5, 3]), y, { loss: 'mse', at: 'last' })).toThrow(/^bptt\(LSTM\): expected x to have shape \[T, B, 3\] \(time-major, T ≥ 1, B ≥ 1\), got \[5, 3\]$/);
    expect(() => bptt(net, x, tf.zeros([2, 3]), { loss: 'mse', at: 'last' })).toThrow(/expected target to have shape \[2, 2\] for loss "mse" at "last", got \[2, 3\]/);
    expect(() => bptt(net, x, tf.zeros([2], 'int32'), { loss: 'softmax-cross-entropy', at: 'every' })).toThrow(/expected target to have shape \[5, 2, 2\] \(or labels \[5, 2\]\)/);
    expect(() => bptt(net, x, y, { loss: 'mse', at: 'last', state: { h: tf.zeros([1, 2, 4]) } })).toThrow(/expected state\.h to be a tensor of shape \[2, 2, 4\] \(numLayers, B, H\), got \[1, 2, 4\]/);
    expect(() => bptt(net, x, tf.zeros([5, 2, 2]), { loss: 'mse', at: 'every', steps: [7] })).toThrow(/expected steps to be a non-empty array of integers in \[0, 5\), got \[7\]/);
    expect(() => bptt(net, x, y, { loss: 'hinge' as never, at: 'last' })).toThrow(/expected loss to be one of "mse", "softmax-cross-entropy", got "hinge"/);
    net.dispose();
    tf.dispose([x, y]);
  });

  test('a disposed network says so', () => {
    const net = new RNN({ inputSize: 1, hiddenSize: 2 }, new Rng(1));
    net.dispose();
    expect(() => net.forward(tf.zeros([2, 1, 1]))).toThrow(/RNN: the network was disposed/);
  });
});

describe('initialisation', () => {
  test('W = s·Q is orthogonal times s; IRNN starts at the identity; spectral radius rescaling', () => {
    const q = new RNN({ inputSize: 1, hiddenSize: 6, recurrentInit: 'orthogonal', recurrentGain: 0.5 }, new Rng(2));
    const w = q.params['weight_hh_l0']!;
    const wtw = tf.matMul(w, w, true, false);
    expect(Array.from(wtw.dataSync()).every((v, i) => Math.abs(v - (i % 7 === 0 ? 0.25 : 0)) < 1e-5)).toBe(true);
    const irnn = new RNN({ inputSize: 1, hiddenSize: 3, nonlinearity: 'relu', recurrentInit: 'identity', biasInit: 'zeros' }, new Rng(3));
    expect(Array.from(irnn.params['weight_hh_l0']!.dataSync())).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(irnn.params['bias_ih_l0']!.dataSync())).toEqual([0, 0, 0]);
    const rho = new RNN({ inputSize: 1, hiddenSize: 8, spectralRadius: 1.2 }, new Rng(4));
    expect(spectralRadius(rho.params['weight_hh_l0']!)).toBeCloseTo(1.2, 4);
    tf.dispose(wtw);
    [q, irnn, rho].forEach((n) => n.dispose());
  });

  test('the same seed gives the same weights; named forks keep streams apart', () => {
    const a = new LSTM({ inputSize: 2, hiddenSize: 3 }, new Rng(5));
    const b = new LSTM({ inputSize: 2, hiddenSize: 3 }, new Rng(5));
    const c = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2 }, new Rng(5));
    for (const k of Object.keys(a.params)) {
      expect(Array.from(a.params[k]!.dataSync())).toEqual(Array.from(b.params[k]!.dataSync()));
      // Adding a layer does not change the first layer's draws.
      if (k.endsWith('_l0') && !k.startsWith('head')) expect(Array.from(a.params[k]!.dataSync())).toEqual(Array.from(c.params[k]!.dataSync()));
    }
    [a, b, c].forEach((n) => n.dispose());
  });
});

describe('seeded regression and inputs', () => {
  test('a seeded LSTM gives a recorded loss and gradient norm; x, target and parameters are not changed', () => {
    const net = new LSTM({ inputSize: 2, hiddenSize: 5, outputSize: 1 }, new Rng(42));
    const r = new Rng(43);
    const x = r.normalTensor([8, 3, 2]);
    const y = r.normalTensor([3, 1]);
    const before = [Array.from(x.dataSync()), Array.from(y.dataSync()), ...Object.values(net.params).map((p) => Array.from(p.dataSync()))];
    const g = bptt(net, x, y, { loss: 'mse', at: 'last' });
    const after = [Array.from(x.dataSync()), Array.from(y.dataSync()), ...Object.values(net.params).map((p) => Array.from(p.dataSync()))];
    expect(after).toEqual(before);
    // Recorded on the wasm and cpu backends (identical there in float32).
    expect(g.loss).toBeCloseTo(REGRESSION.loss, 5);
    expect(g.gradH[0]!).toBeCloseTo(REGRESSION.gradH0, 7);
    g.dispose();
    tf.dispose([x, y]);
    net.dispose();
  });
});

const REGRESSION = { loss: 0.8689990043640137, gradH0: 0.00581035467188569 };
