/**
 * The documented initial state h0 (and c0) [numLayers, B, H] against PyTorch: forward outputs,
 * final state, loss and parameter gradients of full and truncated BPTT match `nn.RNN` / `nn.GRU`
 * / `nn.LSTM` called with `h0` / `(h0, c0)` (float64 reference from the same float32 values).
 * Fixture: /usr/bin/python3 packages/rnn/test/fixtures/make-initial-state.py
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ShapeError, ValidationError, Rng, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, bptt, netFromStateDict, truncatedBptt, truncatedGradient } from '../src/index.js';
import type { RecurrentArch, RecurrentNet, RecurrentState } from '../src/index.js';

interface Stored {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  arch: RecurrentArch;
  weights: Record<string, Stored>;
  x: Stored;
  h0: Stored;
  c0?: Stored & { omit: boolean };
  y: Stored;
  expected: { loss: number; output: number[]; hidden: number[]; h_n: number[]; c_n?: number[]; grads: Record<string, number[]> };
}

const FIXTURE = fileURLToPath(new URL('./fixtures/initial-state.json', import.meta.url));
const CASES = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: Case[] }).cases;

// Float32 against a float64 reference over ≤ 6 steps and 3 layers: measured errors are ≤ 1.5e-7.
const FORWARD_TOL = 1e-6;
const GRAD_TOL = 1e-6;

const tensor = (s: Stored) => tf.tensor(s.data, s.shape, 'float32');

function maxAbsError(got: tf.Tensor, want: number[]): number {
  const a = got.dataSync();
  expect(a.length).toBe(want.length);
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(a[i]! - want[i]!));
  return err;
}

function setup(c: Case): { net: RecurrentNet; x: tf.Tensor; y: tf.Tensor; state: RecurrentState; dispose(): void } {
  const weights = Object.fromEntries(Object.entries(c.weights).map(([k, v]) => [k, tensor(v)]));
  const net = netFromStateDict(c.arch, weights, c.name);
  tf.dispose(Object.values(weights));
  const x = tensor(c.x);
  const y = tensor(c.y);
  const h = tensor(c.h0);
  const cs = c.c0 && !c.c0.omit ? tensor(c.c0) : undefined;
  const state: RecurrentState = cs ? { h, c: cs } : { h };
  return {
    net,
    x,
    y,
    state,
    dispose: () => {
      tf.dispose([x, y, h, ...(cs ? [cs] : [])]);
      net.dispose();
    },
  };
}

describe.each(CASES)('initial state vs PyTorch: $name', (c) => {
  test('forward: readout, top-layer output and final state', () => {
    const s = setup(c);
    const before = tf.memory().numTensors;
    const out = s.net.forward(s.x, s.state);
    expect(maxAbsError(out.output, c.expected.output)).toBeLessThan(FORWARD_TOL);
    expect(maxAbsError(out.hidden, c.expected.hidden)).toBeLessThan(FORWARD_TOL);
    expect(out.state.h.shape).toEqual(c.h0.shape);
    expect(maxAbsError(out.state.h, c.expected.h_n)).toBeLessThan(FORWARD_TOL);
    if (c.expected.c_n) expect(maxAbsError(out.state.c!, c.expected.c_n)).toBeLessThan(FORWARD_TOL);
    tf.dispose([out.output, out.hidden, out.state.h, ...(out.state.c ? [out.state.c] : [])]);
    expect(tf.memory().numTensors).toBe(before);
    // The state is read, not consumed or changed.
    expect(maxAbsError(s.state.h, c.h0.data)).toBe(0);
    s.dispose();
  });

  test('bptt: loss and every parameter gradient', () => {
    const s = setup(c);
    const before = tf.memory().numTensors;
    const g = bptt(s.net, s.x, s.y, { loss: 'mse', at: 'every', state: s.state });
    expect(Math.abs(g.loss - c.expected.loss)).toBeLessThan(FORWARD_TOL);
    expect(maxAbsError(g.state.h, c.expected.h_n)).toBeLessThan(FORWARD_TOL);
    expect(Object.keys(g.grads).sort()).toEqual(Object.keys(c.expected.grads).sort());
    for (const [name, want] of Object.entries(c.expected.grads)) {
      expect(maxAbsError(g.grads[name]!, want), name).toBeLessThan(GRAD_TOL);
    }
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
  });

  test('truncated BPTT with k2 = T (every window starts at the initial state) gives the same gradient', () => {
    const s = setup(c);
    const T = c.x.shape[0]!;
    const tr = truncatedGradient(s.net, s.x, s.y, { loss: 'mse', at: 'every', k1: 2, k2: T, state: s.state });
    expect(Math.abs(tr.loss - c.expected.loss)).toBeLessThan(FORWARD_TOL);
    for (const [name, want] of Object.entries(c.expected.grads)) {
      expect(maxAbsError(tr.grads[name]!, want), name).toBeLessThan(GRAD_TOL);
    }
    tr.dispose();
    const grads: Record<string, number>[] = [];
    const r = truncatedBptt(s.net, s.x, s.y, { loss: 'mse', at: 'every', k1: T, k2: T, state: s.state }, (u) => {
      grads.push(Object.fromEntries(Object.entries(c.expected.grads).map(([n, want]) => [n, maxAbsError(u.grads[n]!, want)])));
    });
    expect(r.updates).toBe(1);
    for (const [name, err] of Object.entries(grads[0]!)) expect(err, name).toBeLessThan(GRAD_TOL);
    expect(maxAbsError(r.state.h, c.expected.h_n)).toBeLessThan(FORWARD_TOL);
    tf.dispose([r.state.h, ...(r.state.c ? [r.state.c] : [])]);
    s.dispose();
  });
});

describe('a wrongly shaped initial state is refused in one line', () => {
  const x = () => tf.zeros([4, 2, 3]);
  test.each([
    ['RNN', () => new RNN({ inputSize: 3, hiddenSize: 5, numLayers: 2 }, new Rng(1))],
    ['GRU', () => new GRU({ inputSize: 3, hiddenSize: 5, numLayers: 2 }, new Rng(1))],
    ['LSTM', () => new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2 }, new Rng(1))],
  ] as const)('%s', (where, make) => {
    const net = make();
    const xs = x();
    const y = tf.zeros([2, 1]);
    const swapped = tf.zeros([2, 2, 5]);
    const wrongLayers = tf.zeros([1, 2, 5]);
    const wrongBatch = tf.zeros([2, 3, 5]);
    const wrongHidden = tf.zeros([2, 2, 4]);
    const intState = tf.zeros([2, 2, 5], 'int32');
    const before = tf.memory().numTensors;
    const expectedShape = new RegExp(`^${where}\\.forward: expected state\\.h to be a tensor of shape \\[2, 2, 5\\] \\(numLayers, B, H\\), got \\[1, 2, 5\\]$`);
    expect(() => net.forward(xs, { h: wrongLayers })).toThrow(expectedShape);
    expect(() => net.forward(xs, { h: wrongLayers })).toThrow(ShapeError);
    expect(() => bptt(net, xs, y, { loss: 'mse', at: 'last', state: { h: wrongBatch } })).toThrow(
      new RegExp(`^bptt\\(${where}\\): expected state\\.h to be a tensor of shape \\[2, 2, 5\\] \\(numLayers, B, H\\), got \\[2, 3, 5\\]$`),
    );
    expect(() => net.forward(xs, { h: intState })).toThrow(new RegExp(`^${where}\\.forward: expected state\\.h\\.dtype to be "float32", got "int32"$`));
    if (where === 'LSTM') {
      expect(() => net.forward(xs, { h: swapped, c: wrongHidden })).toThrow(/^LSTM\.forward: expected state\.c to be a tensor of shape \[2, 2, 5\] \(numLayers, B, H\), got \[2, 2, 4\]$/);
    } else {
      expect(() => net.forward(xs, { h: swapped, c: swapped })).toThrow(ValidationError);
      expect(() => net.forward(xs, { h: swapped, c: swapped })).toThrow(new RegExp(`^${where}\\.forward: expected no state\\.c`));
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([swapped, wrongLayers, wrongBatch, wrongHidden, intState]);
    tf.dispose([xs, y]);
    net.dispose();
  });
});
