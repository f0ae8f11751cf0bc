// Dropout between stacked recurrent layers (the `dropout` argument of nn.RNN / nn.LSTM / nn.GRU).
// PyTorch fixture from fixtures/make_dropout_fixture.py: torch's own masks, made visible by
// writing the stack out (PyTorch is not needed to run this test).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, bptt, truncatedBptt, truncatedGradient } from '../src/index.js';
import type { RecurrentConfig, RecurrentNet } from '../src/index.js';

interface DropoutCase {
  name: string;
  cell: 'rnn' | 'lstm' | 'gru';
  config: RecurrentConfig;
  params: Record<string, { shape: number[]; data: number[] }>;
  x: number[];
  y: number[];
  shape: [number, number, number];
  masks: number[][];
  readout: number[];
  h_n: number[];
  loss: number;
  grads: Record<string, number[]>;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/dropout-torch.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: DropoutCase[];
};

function make(cell: 'rnn' | 'lstm' | 'gru', config: RecurrentConfig, rng: Rng): RecurrentNet {
  return cell === 'rnn' ? new RNN(config, rng) : cell === 'lstm' ? new LSTM(config, rng) : new GRU(config, rng);
}

function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
  return err;
}

describe(`recurrent dropout against PyTorch ${fixture.torch} (fixed masks, the stack written out)`, () => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s: readout, h_n, loss and every gradient', (_, c) => {
    const net = make(c.cell, c.config, new Rng(0));
    const values = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
    net.setParams(values);
    tf.dispose(Object.values(values));
    const [T, B] = c.shape;
    const H = c.config.hiddenSize;
    const x = tf.tensor(c.x, c.shape);
    const y = tf.tensor(c.y, [T, B, c.config.outputSize!]);
    const masks = c.masks.map((m) => tf.tensor(m, [T, B, H]));

    const out = net.forward(x, undefined, { training: true, dropout: masks });
    expect(maxAbsError(out.output.dataSync(), c.readout)).toBeLessThan(1e-5);
    expect(maxAbsError(out.state.h.dataSync(), c.h_n)).toBeLessThan(1e-5);
    const g = bptt(net, x, y, { loss: 'mse', at: 'every', dropout: masks });
    expect(Math.abs(g.loss - c.loss)).toBeLessThan(1e-6);
    for (const [name, expected] of Object.entries(c.grads)) {
      expect(maxAbsError(g.grads[name]!.dataSync(), expected), name).toBeLessThan(1e-5);
    }
    // Truncated windows that all reach back to step 0 sum to the full gradient only if a step
    // recomputed by several windows keeps its mask.
    const tr = truncatedGradient(net, x, y, { loss: 'mse', at: 'every', k1: 2, k2: T, dropout: masks });
    expect(tr.updates).toBe(Math.ceil(T / 2));
    for (const [name, expected] of Object.entries(c.grads)) {
      expect(maxAbsError(tr.grads[name]!.dataSync(), expected), `truncated ${name}`).toBeLessThan(1e-5);
    }
    // The masks matter: evaluation differs.
    const evalOut = net.forward(x);
    expect(maxAbsError(evalOut.output.dataSync(), c.readout)).toBeGreaterThan(1e-3);
    g.dispose();
    tr.dispose();
    tf.dispose([out.output, out.hidden, out.state.h, out.state.c, evalOut.output, evalOut.hidden, evalOut.state.h, evalOut.state.c].filter((t) => t !== undefined));
    tf.dispose([x, y, ...masks]);
    net.dispose();
  });
});

const config = { inputSize: 3, hiddenSize: 5, outputSize: 2, numLayers: 3 };
const cells = ['rnn', 'lstm', 'gru'] as const;

function sequence(seed: number) {
  const r = new Rng(seed);
  return { x: r.normalTensor([6, 2, 3]), y: r.normalTensor([6, 2, 2]) };
}

function values(o: { output: tf.Tensor; hidden: tf.Tensor; state: { h: tf.Tensor; c?: tf.Tensor } }): number[] {
  const v = Array.from(o.output.dataSync());
  tf.dispose([o.output, o.hidden, o.state.h, ...(o.state.c ? [o.state.c] : [])]);
  return v;
}

describe.each(cells)('recurrent dropout, %s', (cell) => {
  test('rate 0 is the net without dropout, bit for bit; rate > 0 is too in evaluation', () => {
    const { x, y } = sequence(1);
    const plain = make(cell, config, new Rng(5));
    const zero = make(cell, { ...config, dropout: 0 }, new Rng(5));
    const half = make(cell, { ...config, dropout: 0.5 }, new Rng(5));
    const ref = values(plain.forward(x));
    expect(values(zero.forward(x, undefined, { training: true }))).toEqual(ref);
    expect(values(half.forward(x))).toEqual(ref);
    const gp = bptt(plain, x, y, { loss: 'mse', at: 'every' });
    const gz = bptt(zero, x, y, { loss: 'mse', at: 'every' });
    const ge = bptt(half, x, y, { loss: 'mse', at: 'every', training: false });
    const gt = bptt(half, x, y, { loss: 'mse', at: 'every' });
    for (const k of Object.keys(gp.grads)) {
      expect(Array.from(gz.grads[k]!.dataSync())).toEqual(Array.from(gp.grads[k]!.dataSync()));
      expect(Array.from(ge.grads[k]!.dataSync())).toEqual(Array.from(gp.grads[k]!.dataSync()));
    }
    expect(gt.loss).not.toBe(gp.loss); // training mode drops
    [gp, gz, ge, gt].forEach((g) => g.dispose());
    [plain, zero, half].forEach((n) => n.dispose());
    tf.dispose([x, y]);
  });

  test('masks are reproducible per seed and different per pass; the n-th pass draws from rng.fork("dropout/pass{n}")', () => {
    const { x } = sequence(2);
    const passes = (seed: number) => {
      const net = make(cell, { ...config, dropout: 0.3 }, new Rng(seed));
      const out = [0, 1].map(() => values(net.forward(x, undefined, { training: true })));
      const explicit = values(net.forward(x, undefined, { training: true, dropout: new Rng(seed).fork('dropout/pass0') }));
      net.dispose();
      return { out, explicit };
    };
    const a = passes(7);
    expect(passes(7)).toEqual(a);
    expect(a.out[1]).not.toEqual(a.out[0]);
    expect(a.explicit).toEqual(a.out[0]);
    // Another seed gives other masks on the same weights.
    const net = make(cell, { ...config, dropout: 0.3 }, new Rng(7));
    const other = values(net.forward(x, undefined, { training: true, dropout: new Rng(8).fork('dropout/pass0') }));
    expect(other).not.toEqual(a.out[0]);
    net.dispose();
    x.dispose();
  });

  test('no tensor leaks: forward, bptt and truncated BPTT with dropout', () => {
    const { x, y } = sequence(3);
    const net = make(cell, { ...config, dropout: 0.4 }, new Rng(3));
    const run = () => {
      values(net.forward(x, undefined, { training: true }));
      bptt(net, x, y, { loss: 'mse', at: 'every' }).dispose();
      const r = truncatedBptt(net, x, y, { loss: 'mse', at: 'every', k1: 2, k2: 3 });
      tf.dispose([r.state.h, ...(r.state.c ? [r.state.c] : [])]);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
    tf.dispose([x, y]);
  });
});

test('E[output] is the evaluation output for a linear 2-layer RNN (mean of 2000 passes within 5 standard errors)', () => {
  // Layer 2 and the readout are linear in the dropped input, so the expectation passes through.
  const net = new RNN({ inputSize: 3, hiddenSize: 4, outputSize: 2, numLayers: 2, nonlinearity: 'linear', dropout: 0.5 }, new Rng(4));
  const x = new Rng(4).fork('x').normalTensor([3, 2, 3]);
  const evalOut = values(net.forward(x));
  const N = 2000;
  const sum = new Float64Array(evalOut.length);
  const sumSq = new Float64Array(evalOut.length);
  for (let k = 0; k < N; k++) {
    values(net.forward(x, undefined, { training: true })).forEach((v, i) => {
      sum[i]! += v;
      sumSq[i]! += v * v;
    });
  }
  evalOut.forEach((e, i) => {
    const mean = sum[i]! / N;
    const se = Math.sqrt((sumSq[i]! / N - mean * mean) / N);
    expect(se).toBeGreaterThan(0);
    expect(Math.abs(mean - e), `output ${i}`).toBeLessThan(5 * se);
  });
  x.dispose();
  net.dispose();
});

test('bad rates and masks are rejected with one clear line', () => {
  const rng = new Rng(0);
  expect(() => new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: 1 }, rng)).toThrow(/^LSTM: expected dropout to be a number in \[0, 1\), got 1$/);
  expect(() => new GRU({ inputSize: 2, hiddenSize: 3, numLayers: 2, dropout: -0.5 }, rng)).toThrow(/^GRU: expected dropout to be a number in \[0, 1\), got -0.5$/);
  expect(() => new RNN({ inputSize: 2, hiddenSize: 3, dropout: 0.2 }, rng)).toThrow(
    /^RNN: expected dropout to be 0 when numLayers is 1 \(dropout acts between stacked layers\), got 0.2$/,
  );
  const net = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 3, dropout: 0.2 }, rng);
  const x = tf.ones([4, 2, 2]);
  const y = tf.ones([4, 2, 1]);
  const one = tf.ones([4, 2, 3]);
  const wrong = tf.ones([4, 2, 2]);
  expect(() => net.forward(x, undefined, { training: true, dropout: [one] })).toThrow(
    /^LSTM.forward: expected dropout to be 2 keep masks \[T, B, H\] \(one per layer boundary\), got "an array of length 1"$/,
  );
  expect(() => bptt(net, x, y, { loss: 'mse', at: 'every', dropout: [one, wrong] })).toThrow(
    /^bptt\(LSTM\): expected dropout\[1\] to be a keep mask of shape \[4, 2, 3\], got \[4, 2, 2\]$/,
  );
  expect(() => bptt(net, x, y, { loss: 'mse', at: 'every', dropout: 0.5 as never })).toThrow(
    /^bptt\(LSTM\): expected dropout to be an Rng or an array of keep masks \[T, B, H\], got 0.5$/,
  );
  tf.dispose([x, y, one, wrong]);
  net.dispose();
});
