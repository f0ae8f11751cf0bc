// Inverted dropout: the op, and in the MLP. PyTorch fixture from fixtures/make_dropout_fixture.py
// (torch's own dropout masks, fixed; PyTorch is not needed to run this test).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MLP, Rng, dropout, dropoutMask, mlpForward, tf, type LossName, type MLPConfig } from '@gradlab/core';

interface DropoutCase {
  name: string;
  config: MLPConfig;
  loss_name: LossName;
  params: Record<string, { shape: number[]; data: number[] }>;
  x: { shape: number[]; data: number[] };
  target: number[] | number[][];
  masks: (number[] | null)[];
  output: number[];
  loss: number;
  grads: Record<string, number[]>;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/dropout-torch.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: DropoutCase[];
};

function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
  return err;
}

describe(`MLP with dropout against PyTorch ${fixture.torch} (fixed masks drawn by torch's dropout)`, () => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s: logits, loss and every gradient', (_, c) => {
    const net = new MLP(c.config, new Rng(0));
    const values = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
    net.setParams(values);
    tf.dispose(Object.values(values));
    const sizes = c.config.layerSizes;
    const batch = c.x.shape[0]!;
    const masks = c.masks.map((m, l) => (m === null ? undefined : tf.tensor(m, [batch, sizes[l + 1]!])));
    const x = tf.tensor(c.x.data, c.x.shape);
    const target = c.loss_name === 'softmax-cross-entropy' ? tf.tensor1d(c.target as number[], 'int32') : tf.tensor2d(c.target as number[][]);

    const logits = net.forward(x, { training: true, dropout: masks });
    // float32 on both sides: a few ulps of O(1) values.
    expect(maxAbsError(logits.dataSync(), c.output)).toBeLessThan(1e-5);
    const g = net.gradients(x, target, c.loss_name, { dropout: masks });
    expect(Math.abs(g.loss - c.loss)).toBeLessThan(1e-5);
    for (const [name, expected] of Object.entries(c.grads)) {
      expect(maxAbsError(g.grads[name]!.dataSync(), expected), name).toBeLessThan(1e-5);
    }
    // The masks matter: without them (evaluation) the logits differ.
    const plain = net.forward(x);
    expect(maxAbsError(plain.dataSync(), c.output)).toBeGreaterThan(1e-2);
    g.dispose();
    tf.dispose([logits, plain, x, target, ...masks.filter((m) => m !== undefined)]);
    net.dispose();
  });
});

describe('dropout (the op)', () => {
  test('a given mask: x · mask / (1 − p), and ∂/∂x is mask / (1 − p)', () => {
    const x = tf.tensor2d([
      [1, -2, 3],
      [0.5, 4, -1],
    ]);
    const mask = tf.tensor2d([
      [1, 0, 1],
      [0, 1, 1],
    ]);
    const before = x.dataSync().slice();
    const y = dropout(x, 0.25, mask);
    const keep = [1, 0, 1, 0, 1, 1];
    expect(Array.from(y.dataSync())).toEqual(Array.from(before, (v, i) => Math.fround((v * keep[i]!) / 0.75)));
    const dx = tf.grad((t: tf.Tensor) => tf.sum(dropout(t, 0.25, mask)))(x);
    expect(Array.from(dx.dataSync())).toEqual(keep.map((v) => Math.fround(v / 0.75)));
    expect(Array.from(x.dataSync())).toEqual(Array.from(before)); // input not changed
    tf.dispose([x, mask, y, dx]);
  });

  test('rate 0 is the identity and draws nothing', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const rng = new Rng(1);
    const y = dropout(x, 0, rng);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    expect(rng.next()).toBe(new Rng(1).next());
    tf.dispose([x, y]);
  });

  test('keep masks: P(keep) = 1 − p within 4 standard errors, reproducible per seed, different across seeds', () => {
    const n = 200_000;
    for (const p of [0.1, 0.5, 0.8]) {
      const m = dropoutMask([n], p, new Rng(7).fork(`p${p}`));
      const kept = m.sum().dataSync()[0]! / n;
      expect(Math.abs(kept - (1 - p))).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
      m.dispose();
    }
    const draw = (seed: number) => {
      const m = dropoutMask([64, 32], 0.5, new Rng(seed).fork('dropout'));
      const d = Array.from(m.dataSync());
      m.dispose();
      return d;
    };
    expect(draw(3)).toEqual(draw(3));
    const a = draw(3);
    const b = draw(4);
    expect(a.filter((v, i) => v !== b[i]).length / a.length).toBeGreaterThan(0.4); // independent masks differ in ~half
  });

  test('E[dropout(x)] = x: the mean over 4000 masks is within 5 standard errors at every entry', () => {
    const x = tf.tensor1d([0.3, -1.2, 2.5, 0, 7]);
    const p = 0.4;
    const rng = new Rng(11);
    const N = 4000;
    const sum = new Float64Array(5);
    for (let k = 0; k < N; k++) {
      const y = dropout(x, p, rng);
      y.dataSync().forEach((v, i) => (sum[i]! += v));
      y.dispose();
    }
    const xs = x.dataSync();
    xs.forEach((v, i) => {
      // Var[x·m/(1−p)] = x² p / (1 − p).
      const se = Math.abs(v) * Math.sqrt(p / (1 - p) / N);
      expect(Math.abs(sum[i]! / N - v)).toBeLessThanOrEqual(5 * se + 1e-9);
    });
    x.dispose();
  });

  test('bad rates and masks are rejected with one clear line', () => {
    const x = tf.ones([2, 3]);
    const rng = new Rng(0);
    expect(() => dropout(x, 1, rng)).toThrow(/^dropout: expected rate to be a number in \[0, 1\), got 1$/);
    expect(() => dropout(x, -0.1, rng)).toThrow(/^dropout: expected rate to be a number in \[0, 1\), got -0.1$/);
    expect(() => dropout(x, NaN, rng)).toThrow(/^dropout: expected rate to be a number in \[0, 1\), got NaN$/);
    expect(() => dropoutMask([2], 1.5, rng)).toThrow(/^dropoutMask: expected rate to be a number in \[0, 1\), got 1.5$/);
    const wrong = tf.ones([3, 2]);
    expect(() => dropout(x, 0.5, wrong)).toThrow(/^dropout: expected mask to have the shape of x \[2,3\], got \[3,2\]$/);
    tf.dispose([x, wrong]);
  });
});

describe('MLP dropout', () => {
  const sizes = [6, 8, 8, 3];
  const input = () => new Rng(5).fork('x').normalTensor([4, 6]);

  test('off in evaluation: forward equals the same net without dropout, and is deterministic', () => {
    const withDrop = new MLP({ layerSizes: sizes, dropout: 0.5 }, new Rng(1));
    const without = new MLP({ layerSizes: sizes }, new Rng(1));
    const x = input();
    const a = withDrop.forward(x);
    const b = without.forward(x);
    const c = withDrop.forward(x, { training: false });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(c.dataSync())).toEqual(Array.from(b.dataSync()));
    const y = tf.tensor1d([0, 1, 2, 1], 'int32');
    const ga = withDrop.gradients(x, y, 'softmax-cross-entropy', { training: false });
    const gb = without.gradients(x, y, 'softmax-cross-entropy', { training: false });
    expect(ga.loss).toBe(gb.loss);
    // In training mode the masks change the loss.
    const gt = withDrop.gradients(x, y, 'softmax-cross-entropy');
    expect(gt.loss).not.toBe(gb.loss);
    tf.dispose([x, y, a, b, c]);
    [ga, gb, gt].forEach((g) => g.dispose());
    withDrop.dispose();
    without.dispose();
  });

  test('masks are reproducible per seed, different per training pass and across seeds', () => {
    const passes = (seed: number) => {
      const net = new MLP({ layerSizes: sizes, dropout: [0.3, 0.5] }, new Rng(seed));
      const x = input();
      const out = [0, 1, 2].map(() => {
        const y = net.forward(x, { training: true });
        const d = Array.from(y.dataSync());
        y.dispose();
        return d;
      });
      x.dispose();
      net.dispose();
      return out;
    };
    const first = passes(9);
    expect(passes(9)).toEqual(first);
    expect(first[1]).not.toEqual(first[0]);
    expect(first[2]).not.toEqual(first[1]);
    // Another seed: other weights as well as other masks; compare the masks themselves.
    const mask = (seed: number) => {
      const m = dropoutMask([4, 8], 0.5, new Rng(seed).fork('dropout/pass0/layer0'));
      const d = Array.from(m.dataSync());
      m.dispose();
      return d;
    };
    expect(mask(9)).not.toEqual(mask(10));
    // The MLP draws layer l of pass n from rng.fork('dropout/pass{n}/layer{l}'): the same
    // masks passed explicitly give the same logits.
    const net = new MLP({ layerSizes: sizes, dropout: [0.3, 0.5] }, new Rng(9));
    const x = input();
    const implicit = net.forward(x, { training: true });
    const explicit = net.forward(x, { training: true, dropout: new Rng(9).fork('dropout/pass0') });
    expect(Array.from(explicit.dataSync())).toEqual(first[0]);
    expect(Array.from(implicit.dataSync())).toEqual(first[0]);
    tf.dispose([x, implicit, explicit]);
    net.dispose();
  });

  test.each([
    ['dropout on the last hidden layer only (tanh), feeding the linear output layer', { layerSizes: [5, 6, 6, 2], activation: 'tanh', dropout: [0, 0.5] }],
    ['dropout on every layer of a linear net (independent masks)', { layerSizes: [5, 6, 6, 2], activation: 'linear', dropout: 0.3 }],
  ] as [string, MLPConfig][])('E[output] = evaluation output: %s (mean of 3000 passes within 5 standard errors)', (_, config) => {
    const net = new MLP(config, new Rng(2));
    const x = new Rng(2).fork('x').normalTensor([3, 5]);
    const evalOut = net.forward(x).dataSync().slice();
    const N = 3000;
    const sum = new Float64Array(evalOut.length);
    const sumSq = new Float64Array(evalOut.length);
    for (let k = 0; k < N; k++) {
      const y = net.forward(x, { training: true });
      y.dataSync().forEach((v, i) => {
        sum[i]! += v;
        sumSq[i]! += v * v;
      });
      y.dispose();
    }
    evalOut.forEach((e, i) => {
      const mean = sum[i]! / N;
      const se = Math.sqrt((sumSq[i]! / N - mean * mean) / N);
      expect(se).toBeGreaterThan(0); // the passes did differ
      expect(Math.abs(mean - e), `output ${i}`).toBeLessThan(5 * se);
    });
    x.dispose();
    net.dispose();
  });

  test('no tensor leaks: repeated training forward and gradients with dropout', () => {
    const net = new MLP({ layerSizes: sizes, dropout: 0.5, norm: 'batch' }, new Rng(4));
    const x = input();
    const y = tf.tensor1d([0, 1, 2, 1], 'int32');
    const run = () => {
      net.forward(x, { training: true }).dispose();
      net.gradients(x, y, 'softmax-cross-entropy').dispose();
      const masks = [dropoutMask([4, 8], 0.5, new Rng(0)), dropoutMask([4, 8], 0.5, new Rng(1))];
      net.gradients(x, y, 'softmax-cross-entropy', { dropout: masks }).dispose();
      tf.dispose(masks);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    net.dispose();
  });

  test('bad rates are rejected with one clear line', () => {
    const rng = new Rng(0);
    const make = (dropout: unknown) => () => new MLP({ layerSizes: [4, 5, 5, 2], dropout } as MLPConfig, rng);
    expect(make(1)).toThrow(/^MLP: expected dropout to be a number in \[0, 1\), got 1$/);
    expect(make(-0.2)).toThrow(/^MLP: expected dropout to be a number in \[0, 1\), got -0.2$/);
    expect(make([0.1, 1.5])).toThrow(/^MLP: expected dropout\[1\] to be a number in \[0, 1\), got 1.5$/);
    expect(make('0.5')).toThrow(/^MLP: expected dropout to be a number in \[0, 1\) or an array of them, one per hidden layer, got "0.5"$/);
    expect(make([0.1, 0.2, 0.3])).toThrow(/^MLP: expected dropout to be one rate or an array of 2 \(one per hidden layer\), got \[0.1, 0.2, 0.3\]$/);
    // The pure forward pass needs its masks in training mode.
    const net = new MLP({ layerSizes: [4, 5, 2], dropout: 0.5 }, rng);
    const x = tf.ones([2, 4]);
    expect(() => mlpForward(net.spec, net.params, net.buffers, x, { training: true })).toThrow(
      /^mlpForward: expected options.dropout to be an Rng or one keep mask per hidden layer in training mode with dropout, got undefined$/,
    );
    expect(() => net.forward(x, { training: true, dropout: [] })).toThrow(
      /^mlpForward: expected options.dropout\[0\] to be a keep mask \[batch, width\] \(the layer has dropout\), got undefined$/,
    );
    x.dispose();
    net.dispose();
  });
});
