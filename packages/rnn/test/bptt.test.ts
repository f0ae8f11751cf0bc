import { describe, expect, test } from 'vitest';
import { Rng, autodiffGradients, checkGradients, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, bptt } from '../src/index.js';
import type { RecurrentNet, RNNNonlinearity } from '../src/index.js';
import { referenceLoss } from './reference-forward.js';
import type { ReferenceSpec } from './reference-forward.js';

type Case = { name: string; cell: 'rnn' | 'lstm' | 'gru'; nonlinearity?: RNNNonlinearity; numLayers: number };
const CASES: Case[] = [
  { name: 'rnn-tanh', cell: 'rnn', nonlinearity: 'tanh', numLayers: 1 },
  { name: 'rnn-relu 2 layers', cell: 'rnn', nonlinearity: 'relu', numLayers: 2 },
  { name: 'rnn-sigmoid', cell: 'rnn', nonlinearity: 'sigmoid', numLayers: 1 },
  { name: 'rnn-linear', cell: 'rnn', nonlinearity: 'linear', numLayers: 1 },
  { name: 'lstm', cell: 'lstm', numLayers: 1 },
  { name: 'lstm 2 layers', cell: 'lstm', numLayers: 2 },
  { name: 'gru', cell: 'gru', numLayers: 1 },
  { name: 'gru 2 layers', cell: 'gru', numLayers: 2 },
];

const T = 6;
const B = 3;
const D = 2;
const H = 4;
const O = 2;

function make(c: Case, seed = 1): RecurrentNet {
  const rng = new Rng(seed).fork(c.name);
  const base = { inputSize: D, hiddenSize: H, outputSize: O, numLayers: c.numLayers };
  if (c.cell === 'rnn') return new RNN({ ...base, nonlinearity: c.nonlinearity, recurrentGain: 1.5 }, rng);
  if (c.cell === 'lstm') return new LSTM(base, rng);
  return new GRU(base, rng);
}

function data(seed: number) {
  const r = new Rng(seed).fork('data');
  return {
    x: r.normalTensor([T, B, D]),
    yLast: r.normalTensor([B, O]),
    labels: tf.tensor2d(Array.from({ length: T * B }, () => r.int(O)), [T, B], 'int32'),
  };
}

function maxRelErr(a: Record<string, tf.Tensor>, b: Record<string, tf.Tensor>): number {
  let worst = 0;
  for (const k of Object.keys(a)) {
    const x = a[k]!.dataSync();
    const y = b[k]!.dataSync();
    let num = 0;
    let den = 0;
    for (let i = 0; i < x.length; i++) {
      num = Math.max(num, Math.abs(x[i]! - y[i]!));
      den = Math.max(den, Math.abs(y[i]!));
    }
    worst = Math.max(worst, num / Math.max(den, 1e-6));
  }
  return worst;
}

describe.each(CASES)('explicit BPTT, $name', (c) => {
  const spec: ReferenceSpec = { cell: c.cell, nonlinearity: c.nonlinearity, numLayers: c.numLayers, hiddenSize: H };

  test('matches tfjs autodiff (loss at the last step, MSE) and finite differences', () => {
    const net = make(c);
    const { x, yLast, labels } = data(2);
    const g = bptt(net, x, yLast, { loss: 'mse', at: 'last' });
    const f = (p: Record<string, tf.Tensor>) => referenceLoss(spec, p, x, yLast, 'mse', 'last');
    const ref = autodiffGradients(f, net.params);
    expect(Object.keys(g.grads).sort()).toEqual(Object.keys(net.params).sort());
    for (const k of Object.keys(net.params)) expect(g.grads[k]!.shape).toEqual(net.params[k]!.shape);
    expect(maxRelErr(g.grads, ref)).toBeLessThan(1e-4);
    const refLoss = f(net.params);
    expect(g.loss).toBeCloseTo(refLoss.dataSync()[0]!, 5);
    const check = checkGradients(f, net.params, g.grads, { samples: 6 });
    expect(check.ok, JSON.stringify(check.worst)).toBe(true);
    tf.dispose([x, yLast, labels, refLoss, ...Object.values(ref)]);
    g.dispose();
    net.dispose();
  });

  test('matches tfjs autodiff with cross-entropy on a subset of steps', () => {
    const net = make(c, 3);
    const { x, yLast, labels } = data(4);
    const steps = [1, 3, 5];
    const g = bptt(net, x, labels, { loss: 'softmax-cross-entropy', at: 'every', steps });
    const ref = autodiffGradients((p) => referenceLoss(spec, p, x, labels, 'softmax-cross-entropy', 'every', steps), net.params);
    expect(maxRelErr(g.grads, ref)).toBeLessThan(1e-4);
    tf.dispose([x, yLast, labels, ...Object.values(ref)]);
    g.dispose();
    net.dispose();
  });
});

describe('per-step records', () => {
  test('gradH is ‖∂L/∂h_t‖ of the top layer (autodiff through a probe)', () => {
    const net = new LSTM({ inputSize: D, hiddenSize: H, outputSize: O, numLayers: 2 }, new Rng(5));
    const { x, yLast, labels } = data(6);
    const g = bptt(net, x, yLast, { loss: 'mse', at: 'last' });
    expect(g.gradH.length).toBe(T);
    expect(g.gradC.length).toBe(T);
    expect(Object.keys(g.gateMeans)).toEqual(['i', 'f', 'g', 'o']);
    // ∂L/∂h_T = 2(y − t)/(B·O) · W_head; its norm is the last record.
    const dLast = tf.tidy(() => {
      const out = net.forward(x);
      const yT = tf.squeeze(tf.slice(out.output, [T - 1], [1]), [0]);
      const d = tf.matMul(tf.mul(tf.sub(yT, yLast), 2 / (B * O)), net.params['head.weight']!);
      return tf.sqrt(tf.sum(tf.square(d)));
    });
    expect(g.gradH[T - 1]).toBeCloseTo(dLast.dataSync()[0]!, 5);
    for (const v of g.gateMeans['f']!) expect(v).toBeGreaterThan(0.5); // forget bias 1
    tf.dispose([x, yLast, labels, dLast]);
    g.dispose();
    net.dispose();
  });
});

describe('per-step norms neither overflow nor underflow', () => {
  // A ReLU RNN without biases, read out without bias against a zero target, is positively
  // homogeneous: at inputs α·x every ∂L/∂h_t is α times its value at x, exactly when α is a power
  // of two (every float operation scales exactly). The unscaled values are the reference.
  test.each([
    ['2^80 (entries ~1e25: Σ x² overflows float32)', 2 ** 80],
    ['2^-110 (entries ~1e-33: Σ x² underflows to 0)', 2 ** -110],
  ])('gradH at inputs scaled by %s is the scaled reference', (_, alpha) => {
    const net = new RNN({ inputSize: D, hiddenSize: H, outputSize: O, nonlinearity: 'relu', recurrentGain: 3, biasInit: 'zeros' }, new Rng(8));
    const x = new Rng(9).normalTensor([T, B, D]);
    const y = tf.zeros([B, O]);
    const xs = tf.mul(x, alpha);
    const ref = bptt(net, x, y, { loss: 'mse', at: 'last' });
    const big = bptt(net, xs, y, { loss: 'mse', at: 'last' });
    for (let t = 0; t < T; t++) {
      const want = alpha * ref.gradH[t]!;
      expect(want > 0 && Number.isFinite(want)).toBe(true);
      expect(Math.abs(big.gradH[t]! - want)).toBeLessThanOrEqual(1e-6 * want);
    }
    ref.dispose();
    big.dispose();
    tf.dispose([x, y, xs]);
    net.dispose();
  });
});

describe('memory', () => {
  test.each(CASES)('no tensor leaks ($name)', (c) => {
    const net = make(c);
    const { x, yLast, labels } = data(7);
    bptt(net, x, yLast, { loss: 'mse', at: 'last' }).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      bptt(net, x, yLast, { loss: 'mse', at: 'last' }).dispose();
      bptt(net, x, labels, { loss: 'softmax-cross-entropy', at: 'every' }).dispose();
      const out = net.forward(x);
      tf.dispose([out.output, out.hidden, out.state.h, ...(out.state.c ? [out.state.c] : [])]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, yLast, labels]);
    net.dispose();
  });
});
