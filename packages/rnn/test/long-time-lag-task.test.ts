import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import { LONG_TIME_LAG_TOLERANCE, LSTM, RNN, longTimeLag, longTimeLagBaseline } from '../src/index.js';

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

describe('long time lag (Hochreiter & Schmidhuber 1997, task 2a)', () => {
  test.each([4, 10, 100])('p = %i: shapes, one-hot inputs, sizes p + 1', (p) => {
    const task = longTimeLag(p);
    expect([task.steps, task.inputSize, task.outputSize]).toEqual([p, p + 1, p + 1]);
    const b = task.sample(6, new Rng(1));
    expect(b.x.shape).toEqual([p, 6, p + 1]);
    expect(b.y.shape).toEqual([p, 6]);
    expect(b.y.dtype).toBe('int32');
    const rowSums = tf.sum(b.x, 2).dataSync();
    expect(Array.from(rowSums).every((s) => s === 1)).toBe(true);
    b.dispose();
  });

  test('the two sequences: (x|y, a_1, …, a_{p−1}) → next symbol; the last target is the first symbol', () => {
    const p = 6;
    const b = longTimeLag(p).sample(40, new Rng(2));
    const x = b.x.arraySync() as number[][][];
    const y = b.y.arraySync() as number[][];
    const firsts = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const inputs = x.map((s) => argmax(s[i]!));
      const targets = y.map((s) => s[i]!);
      const first = inputs[0]!;
      firsts.add(first);
      expect([p - 1, p]).toContain(first); // x or y
      expect(inputs.slice(1)).toEqual([0, 1, 2, 3, 4]); // a_1 … a_{p−1}
      expect(targets.slice(0, p - 1)).toEqual([0, 1, 2, 3, 4]); // the next symbol
      expect(targets[p - 1]).toBe(first); // s_p = s_0
    }
    expect([...firsts].sort()).toEqual([p - 1, p]); // both sequences occur
    b.dispose();
  });

  test('x and y each with probability ½ (20k draws, 4σ)', () => {
    const p = 3;
    const b = longTimeLag(p).sample(20000, new Rng(3));
    const last = Array.from(b.y.dataSync()).slice((p - 1) * 20000);
    const ys = last.filter((s) => s === p).length / last.length;
    expect(Math.abs(ys - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / 20000));
    b.dispose();
  });

  test('deterministic per seed: the same rng gives the same batch, the test set depends on the seed only', () => {
    const task = longTimeLag(8);
    const a = task.sample(16, new Rng(4));
    const b = task.sample(16, new Rng(4));
    expect(Array.from(a.y.dataSync())).toEqual(Array.from(b.y.dataSync()));
    const [s1, s1b, s2] = [task.testSet(32, 1), longTimeLag(8, 'last').testSet(32, 1), task.testSet(32, 2)];
    expect(Array.from(s1.y.dataSync())).toEqual(Array.from(s1b.y.dataSync()));
    expect(Array.from(s1.y.dataSync())).not.toEqual(Array.from(s2.y.dataSync()));
    [a, b, s1, s1b, s2].forEach((t) => t.dispose());
  });

  test('baselines: ln 2 / p over every step, ln 2 at the last step; a memoryless predictor scores no sequence', () => {
    expect(longTimeLagBaseline(10)).toBeCloseTo(Math.log(2) / 10, 12);
    expect(longTimeLag(10).baselineLoss).toBeCloseTo(Math.log(2) / 10, 12);
    expect(longTimeLag(10, 'last').baselineLoss).toBeCloseTo(Math.log(2), 12);
    expect(longTimeLag(10).loss).toEqual({ loss: 'softmax-cross-entropy', at: 'every' });
    expect(longTimeLag(10, 'last').loss).toEqual({ loss: 'softmax-cross-entropy', at: 'every', steps: [9] });
    expect(LONG_TIME_LAG_TOLERANCE).toBe(0.25);
  });

  test('evaluate: a net with zero weights predicts uniformly — loss ln(p + 1), nothing correct — without leaks', () => {
    const p = 5;
    const net = new RNN({ inputSize: p + 1, hiddenSize: 3, outputSize: p + 1, inputInit: 'zeros', recurrentInit: 'zeros', biasInit: 'zeros', headInit: 'zeros' }, new Rng(5));
    for (const predict of ['every', 'last'] as const) {
      const task = longTimeLag(p, predict);
      const b = task.testSet(8, 1);
      task.evaluate(net, b);
      const before = tf.memory().numTensors;
      const s = task.evaluate(net, b);
      expect(tf.memory().numTensors).toBe(before);
      expect(s.loss).toBeCloseTo(Math.log(p + 1), 5);
      expect(s.accuracy).toBe(0);
      b.dispose();
    }
    net.dispose();
  });

  test('evaluate gives finite scores for an LSTM, and does not change the batch', () => {
    const task = longTimeLag(4);
    const net = new LSTM({ inputSize: 5, hiddenSize: 4, outputSize: 5 }, new Rng(6));
    const b = task.testSet(8, 1);
    const x = Array.from(b.x.dataSync());
    const s = task.evaluate(net, b);
    expect(Number.isFinite(s.loss) && s.accuracy >= 0 && s.accuracy <= 1).toBe(true);
    expect(Array.from(b.x.dataSync())).toEqual(x);
    b.dispose();
    net.dispose();
  });

  test('rejects a bad lag or prediction mode', () => {
    expect(() => longTimeLag(1)).toThrow(/longTimeLag: expected lag to be an integer >= 2, got 1/);
    expect(() => longTimeLag(2.5)).toThrow(/longTimeLag: expected lag to be an integer >= 2, got 2\.5/);
    expect(() => longTimeLag(4, 'first' as never)).toThrow(/longTimeLag: expected predict to be one of every, last, got "first"/);
    expect(() => longTimeLag(4).sample(0, new Rng(1))).toThrow(/longTimeLag\.sample: expected batch to be a positive integer, got 0/);
  });
});
