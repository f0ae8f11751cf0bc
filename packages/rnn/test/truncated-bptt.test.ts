import { describe, expect, test } from 'vitest';
import { Rng, SGD, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, bptt, gradientAgreement, truncatedBptt, truncatedGradient } from '../src/index.js';
import type { RecurrentNet } from '../src/index.js';

const T = 7;
const B = 2;
const D = 3;
const H = 4;

const nets: [string, () => RecurrentNet][] = [
  ['rnn', () => new RNN({ inputSize: D, hiddenSize: H, outputSize: 2 }, new Rng(1))],
  ['lstm (2 layers)', () => new LSTM({ inputSize: D, hiddenSize: H, outputSize: 2, numLayers: 2 }, new Rng(2))],
  ['gru', () => new GRU({ inputSize: D, hiddenSize: H, outputSize: 2 }, new Rng(3))],
];

function seq(seed: number) {
  const r = new Rng(seed);
  return { x: r.normalTensor([T, B, D]), y: r.normalTensor([T, B, 2]), yLast: r.normalTensor([B, 2]) };
}

describe.each(nets)('truncated BPTT, %s', (_name, make) => {
  test('BPTT(T, T) equals full BPTT exactly', () => {
    const net = make();
    const { x, y, yLast } = seq(4);
    for (const [target, at] of [[y, 'every'], [yLast, 'last']] as const) {
      const full = bptt(net, x, target, { loss: 'mse', at });
      const tr = truncatedGradient(net, x, target, { loss: 'mse', at, k1: T, k2: T });
      expect(tr.updates).toBe(1);
      expect(tr.loss).toBe(full.loss);
      for (const k of Object.keys(full.grads)) expect(Array.from(tr.grads[k]!.dataSync())).toEqual(Array.from(full.grads[k]!.dataSync()));
      full.dispose();
      tr.dispose();
    }
    tf.dispose([x, y, yLast]);
    net.dispose();
  });

  test('windows that reach back to step 0 sum to the full gradient; short windows do not', () => {
    const net = make();
    const { x, y, yLast } = seq(5);
    const full = bptt(net, x, y, { loss: 'mse', at: 'every' });
    const long = truncatedGradient(net, x, y, { loss: 'mse', at: 'every', k1: 2, k2: T });
    expect(long.updates).toBe(4);
    expect(long.loss).toBeCloseTo(full.loss, 6);
    const a = gradientAgreement(long.grads, full.grads);
    expect(a.relativeError).toBeLessThan(1e-5);
    const short = truncatedGradient(net, x, y, { loss: 'mse', at: 'every', k1: 1, k2: 1 });
    const s = gradientAgreement(short.grads, full.grads);
    expect(s.relativeError).toBeGreaterThan(1e-3);
    expect(s.cosine).toBeLessThan(1);
    tf.dispose([x, y, yLast]);
    full.dispose();
    long.dispose();
    short.dispose();
    net.dispose();
  });

  test('no tensor leaks, with and without updates', () => {
    const net = make();
    const { x, y, yLast } = seq(6);
    const opt = new SGD({ learningRate: 0.01 });
    const run = () => {
      const r = truncatedBptt(net, x, y, { loss: 'mse', at: 'every', k1: 2, k2: 3, measure: true }, (u) => opt.step(net.params, u.grads));
      tf.dispose([r.state.h, ...(r.state.c ? [r.state.c] : [])]);
      truncatedGradient(net, x, yLast, { loss: 'mse', at: 'last', k1: 3, k2: 3 }).dispose();
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([x, y, yLast]);
    net.dispose();
  });
});

describe('BPTT(k1, k2) by hand', () => {
  // Scalar linear RNN h_t = w·h_{t−1} + u·x_t, y_t = v·h_t, w = 0.5, u = v = 1, x = 1, 2, 3, 4,
  // targets 0, MSE at every step: h = 1, 2.5, 4.25, 6.125 and L = (1/4)·Σ h_t².
  function scalarNet(): RecurrentNet {
    const net = new RNN({ inputSize: 1, hiddenSize: 1, outputSize: 1, nonlinearity: 'linear' }, new Rng(0));
    net.setParams({
      weight_ih_l0: tf.tensor2d([[1]]),
      weight_hh_l0: tf.tensor2d([[0.5]]),
      bias_ih_l0: tf.tensor1d([0]),
      bias_hh_l0: tf.tensor1d([0]),
      'head.weight': tf.tensor2d([[1]]),
      'head.bias': tf.tensor1d([0]),
    });
    return net;
  }
  const x = () => tf.tensor3d([1, 2, 3, 4], [4, 1, 1]);
  const y = () => tf.zeros([4, 1, 1]);

  // Full: ∂L/∂w = ½ Σ h_t ∂h_t/∂w with ∂h/∂w = 0, 1, 3, 5.75 → ½(2.5 + 12.75 + 35.21875).
  // BPTT(2, 2): chunk [0, 2) gives h_1·h_0 = 2.5; chunk [2, 4) starts from h_1 (constant):
  //   ∂h_2/∂w = 2.5, ∂h_3/∂w = 4.25 + 0.5·2.5 = 5.5 → 4.25·2.5 + 6.125·5.5 = 44.3125;
  //   weighted ½·2.5 + ½·44.3125 = 23.40625.
  // BPTT(1, 2): windows [0,1), [0,2), [1,3), [2,4) give 0, 2·2.5·1, 2·4.25·3, 2·6.125·5.5,
  //   each weighted ¼ → 24.46875.
  // The readout's gradient is not truncated: ∂L/∂v = ½ Σ h_t² = 31.4140625.
  test.each([
    [4, 4, 25.234375],
    [2, 2, 23.40625],
    [1, 2, 24.46875],
    [2, 3, 25.234375],
  ])('BPTT(%i, %i): ∂L/∂w = %f', (k1, k2, expected) => {
    const net = scalarNet();
    const [xs, ys] = [x(), y()];
    const g = truncatedGradient(net, xs, ys, { loss: 'mse', at: 'every', k1, k2 });
    expect(g.grads['weight_hh_l0']!.dataSync()[0]).toBeCloseTo(expected, 4);
    expect(g.grads['head.weight']!.dataSync()[0]).toBeCloseTo(31.4140625, 4);
    expect(g.loss).toBeCloseTo((1 + 6.25 + 18.0625 + 37.515625) / 4, 4);
    g.dispose();
    tf.dispose([xs, ys]);
    net.dispose();
  });

  test('online updates: the second chunk runs with the parameters after the first update', () => {
    const net = scalarNet();
    const [xs, ys] = [x(), y()];
    const seen: number[] = [];
    const opt = new SGD({ learningRate: 0.1 });
    const r = truncatedBptt(net, xs, ys, { loss: 'mse', at: 'every', k1: 2, k2: 2 }, (u) => {
      seen.push(u.grads['weight_hh_l0']!.dataSync()[0]!, u.windowStart, u.chunkStart, u.end);
      opt.step(net.params, u.grads);
    });
    // Chunk 1: L1 = (h0² + h1²)/2, ∂L1/∂w = h1·h0 = 2.5; w becomes 0.5 − 0.25 = 0.25.
    expect(seen.slice(0, 4)).toEqual([2.5, 0, 0, 2]);
    expect(net.params['weight_hh_l0']!.dataSync()[0]).not.toBeCloseTo(0.5, 3);
    expect(r.updates).toBe(2);
    // The state carried into chunk 2 is h_1 = 2.5, computed with the old w (no recompute for k2 = k1).
    expect(seen.slice(5, 8)).toEqual([2, 2, 4]);
    tf.dispose([r.state.h, xs, ys]);
    opt.dispose();
    net.dispose();
  });

  // resetState, BPTT(2, 2): chunk [2, 4) starts from 0, not h_1: h_2 = 3, h_3 = 5.5,
  //   ∂h_3/∂w = h_2 = 3 → ∂(chunk loss)/∂w = h_3·3 = 16.5; weighted ½·2.5 + ½·16.5 = 9.5.
  //   Loss ½·(1 + 6.25)/2 + ½·(9 + 30.25)/2 = 11.625; ∂L/∂v = ½(1 + 6.25 + 9 + 30.25) = 23.25.
  // With k2 = T there is one window from step 0, so resetting changes nothing.
  test.each([
    [2, 2, 9.5, 11.625, 23.25],
    [4, 4, 25.234375, (1 + 6.25 + 18.0625 + 37.515625) / 4, 31.4140625],
  ])('resetState, BPTT(%i, %i): ∂L/∂w = %f', (k1, k2, dw, loss, dv) => {
    const net = scalarNet();
    const [xs, ys] = [x(), y()];
    const before = tf.memory().numTensors;
    const g = truncatedGradient(net, xs, ys, { loss: 'mse', at: 'every', k1, k2, resetState: true });
    expect(g.grads['weight_hh_l0']!.dataSync()[0]).toBeCloseTo(dw, 4);
    expect(g.grads['head.weight']!.dataSync()[0]).toBeCloseTo(dv, 4);
    expect(g.loss).toBeCloseTo(loss, 4);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => truncatedGradient(net, xs, ys, { loss: 'mse', at: 'every', k1, k2, resetState: 1 as unknown as boolean })).toThrow(/resetState.*a boolean/);
    tf.dispose([xs, ys]);
    net.dispose();
  });

  test('rejects k2 < k1 naming both', () => {
    const net = scalarNet();
    const [xs, ys] = [x(), y()];
    expect(() => truncatedBptt(net, xs, ys, { loss: 'mse', at: 'every', k1: 3, k2: 2 })).toThrow(/expected k2 to be an integer >= k1 = 3, got 2/);
    expect(() => truncatedBptt(net, xs, ys, { loss: 'mse', at: 'every', k1: 0, k2: 2 })).toThrow(/expected k1 to be a positive integer, got 0/);
    tf.dispose([xs, ys]);
    net.dispose();
  });
});
