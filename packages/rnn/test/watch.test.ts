/**
 * `watch` (from core) attached to the recurrent training loops: full BPTT with the per-step
 * hidden states of the top layer, truncated BPTT through its per-update callback, and the
 * `watch` option of trainOnTask.
 */
import { describe, expect, test } from 'vitest';
import { Rng, SGD, tensorStats, tf, watch, type Watcher } from '@gradlab/core';
import { LSTM, RNN, addingProblem, bptt, trainOnTask, truncatedBptt } from '../src/index.js';

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

describe('trainOnTask with a watcher', () => {
  const task = addingProblem(8);
  const run = (make: () => RNN | LSTM, truncation: { k1: number; k2: number } | undefined, watcher: Watcher | undefined) => {
    const net = make();
    const opt = new SGD({ learningRate: 0.05, clip: { mode: 'global-norm', max: 1 } });
    const test = task.testSet(16, 9);
    const records = trainOnTask(
      net,
      task,
      { iterations: 7, batchSize: 4, optimizer: opt, evalEvery: 3, testSet: test, ...(truncation ? { truncation } : {}), ...(watcher ? { watch: watcher } : {}) },
      new Rng(5).fork('batches'),
    );
    const params = Object.fromEntries(Object.entries(net.params).map(([n, p]) => [n, Array.from(p.dataSync())]));
    test.dispose();
    opt.dispose();
    net.dispose();
    return { records, params };
  };
  const rnn = () => new RNN({ inputSize: 2, hiddenSize: 5, outputSize: 1, recurrentInit: 'orthogonal', recurrentGain: 1.5 }, new Rng(2).fork('init'));
  const lstm = () => new LSTM({ inputSize: 2, hiddenSize: 4, outputSize: 1 }, new Rng(2).fork('init'));

  test.each([
    ['RNN, full BPTT', rnn, undefined, 7],
    ['LSTM, truncated BPTT(2, 4) (the adding loss is at the last step: one update a minibatch)', lstm, { k1: 2, k2: 4 }, 7],
  ] as const)('%s: records and weights bit for bit the same with and without it; one record per watched update', (_label, make, truncation, updates) => {
    const start = tf.memory().numTensors;
    const plain = run(make, truncation, undefined);
    const w = watch({ every: 3, gradScale: 'log10-abs', gradRange: [-8, 2] });
    const watched = run(make, truncation, w);
    expect(tf.memory().numTensors).toBe(start);
    expect(watched.records).toEqual(plain.records);
    expect(watched.params).toEqual(plain.params);
    const steps = [...new Set(w.rows.map((r) => r['step']))];
    expect(steps).toEqual(Array.from({ length: Math.ceil(updates / 3) }, (_, i) => 3 * i));
    const names = Object.keys(watched.params);
    expect(w.rows.filter((r) => r['step'] === 0 && r['kind'] === 'param').map((r) => r['name'])).toEqual(names);
    for (const r of w.rows.filter((r) => r['kind'] === 'param')) expect(r['update_ratio']).toBeGreaterThan(0);
    const h = w.rows.filter((r) => r['kind'] === 'activation');
    // Hidden states under full BPTT only; a simple tanh RNN's get a saturation, an LSTM's none.
    expect(h.length).toBe(truncation === undefined ? steps.length : 0);
    for (const r of h) expect(r['act_saturation']).toBeGreaterThanOrEqual(0);
  });

  test('the first watched update holds the gradient of the first minibatch at the initial weights', () => {
    const w = watch({ every: 100 });
    run(rnn, undefined, w);
    const net = rnn();
    const batch = task.sample(4, new Rng(5).fork('batches'));
    const g = bptt(net, batch.x, batch.y, { ...task.loss, measure: false });
    for (const [n, t] of Object.entries(g.grads)) {
      const row = w.rows.find((r) => r['kind'] === 'param' && r['name'] === n)!;
      expect(row['grad_norm']).toBeCloseTo(tensorStats(t).l2, 6);
      expect(row['weight_norm']).toBeCloseTo(tensorStats(net.params[n]!).l2, 6);
    }
    const out = net.forward(batch.x, undefined, { training: false });
    const hs = Array.from(out.hidden.dataSync());
    const h = w.rows.find((r) => r['kind'] === 'activation')!;
    expect(h['name']).toBe('h');
    expect(h['act_mean']).toBeCloseTo(hs.reduce((a, v) => a + v, 0) / hs.length, 6);
    expect(h['act_saturation']).toBeCloseTo(hs.filter((v) => 1 - v * v <= 0.01).length / hs.length, 6);
    tf.dispose([out.output, out.hidden, out.state.h]);
    g.dispose();
    batch.dispose();
    net.dispose();
  });
});
