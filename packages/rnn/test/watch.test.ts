/**
 * `watch` (from core) attached to the recurrent training loops: full BPTT with the per-step
 * hidden states of the top layer, and truncated BPTT through its per-update callback.
 */
import { describe, expect, test } from 'vitest';
import { Rng, SGD, tensorStats, tf, watch } from '@gradlab/core';
import { RNN, bptt, truncatedBptt } from '../src/index.js';

const T = 6;
const B = 3;

function setup() {
  const net = new RNN({ inputSize: 2, hiddenSize: 4, outputSize: 1, recurrentInit: 'orthogonal', recurrentGain: 2 }, new Rng(3).fork('init'));
  const x = new Rng(3).fork('x').normalTensor([T, B, 2]);
  const y = new Rng(3).fork('y').normalTensor([B, 1]);
  return { net, x, y };
}

describe('watch on recurrent training', () => {
  test('bptt: gradient norms equal the gradients’ own, hidden states give one row per time step', () => {
    const { net, x, y } = setup();
    const opt = new SGD({ learningRate: 0.01 });
    const w = watch({ every: 1, gradScale: 'log10-abs', gradRange: [-6, 2] });
    const start = tf.memory().numTensors;
    const g = bptt(net, x, y, { loss: 'mse', at: 'last' });
    const expected = Object.fromEntries(Object.entries(g.grads).map(([n, t]) => [n, tensorStats(t).l2]));
    // The hidden states of the weights the gradient was taken at: a forward pass before the update.
    const out = net.forward(x, undefined, { training: false });
    w.observe(0, { params: net.params, grads: g.grads, activations: { h: { value: out.hidden, derivative: (h) => tf.sub(1, tf.square(h)), perStep: true } } }, () =>
      opt.step(net.params, g.grads),
    );
    tf.dispose([out.output, out.hidden, out.state.h]);
    g.dispose();
    expect(tf.memory().numTensors).toBe(start);
    for (const [n, norm] of Object.entries(expected)) {
      const row = w.rows.find((r) => r['kind'] === 'param' && r['name'] === n)!;
      expect(row['grad_norm']).toBeCloseTo(norm, 6);
      expect(row['update_ratio']).toBeGreaterThan(0);
    }
    const hs = w.rows.filter((r) => r['kind'] === 'activation');
    expect(hs.map((r) => r['index'])).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of hs) expect(Math.abs(r['act_mean'] as number)).toBeLessThanOrEqual(1);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  test('truncatedBptt: one record per update, gradients read before the callback frees them', () => {
    const { net, x, y } = setup();
    const yEvery = new Rng(4).normalTensor([T, B, 1]);
    const opt = new SGD({ learningRate: 0.01 });
    const w = watch({ every: 2 });
    const seen: number[] = [];
    const res = truncatedBptt(net, x, yEvery, { loss: 'mse', at: 'every', k1: 2, k2: 4 }, (u) => {
      seen.push(tensorStats(u.grads['weight_hh_l0']!).l2);
      w.observe(u.index, { params: net.params, grads: u.grads }, () => opt.step(net.params, u.grads));
    });
    tf.dispose([res.state.h, ...(res.state.c ? [res.state.c] : [])]);
    expect(seen.length).toBe(3);
    const rows = w.rows.filter((r) => r['kind'] === 'param' && r['name'] === 'weight_hh_l0');
    expect(rows.map((r) => r['step'])).toEqual([0, 2]);
    expect(rows[0]!['grad_norm']).toBeCloseTo(seen[0]!, 6);
    expect(rows[1]!['grad_norm']).toBeCloseTo(seen[2]!, 6);
    tf.dispose([x, y, yEvery]);
    opt.dispose();
    net.dispose();
  });
});
