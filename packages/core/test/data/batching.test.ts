import { describe, expect, test } from 'vitest';
import { Rng, minibatches, oneHot, tf, trainTestSplit, unlabeledMinibatches } from '@gradlab/core';
import { batchIndices, takeRows } from '../../src/data/batching.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const flat = (batches: Int32Array[]) => batches.flatMap((b) => Array.from(b));

describe('batching', () => {
  test('batchIndices covers every index exactly once per epoch, shuffled and seeded', () => {
    const batches = batchIndices(103, 10, new Rng(1).fork('epoch/0'));
    expect(batches.map((b) => b.length)).toEqual([...Array<number>(10).fill(10), 3]);
    const all = flat(batches);
    expect([...all].sort((a, b) => a - b)).toEqual(range(103));
    expect(all).not.toEqual(range(103));
    expect(flat(batchIndices(103, 10, new Rng(1).fork('epoch/0')))).toEqual(all);
    expect(flat(batchIndices(103, 10, new Rng(1).fork('epoch/1')))).not.toEqual(all);
  });

  test('without an rng the order is 0..n-1; dropLast drops the short tail', () => {
    expect(flat(batchIndices(7, 3, undefined))).toEqual(range(7));
    expect(batchIndices(7, 3, undefined, { dropLast: true }).map((b) => Array.from(b))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(batchIndices(0, 3, undefined)).toEqual([]);
    expect(() => batchIndices(7, 0, undefined)).toThrow(/^batchIndices: expected batchSize to be a positive integer, got 0$/);
  });

  test('trainTestSplit is disjoint, complete, sorted and seeded', () => {
    const { train, test: held } = trainTestSplit(50, 0.2, new Rng(3));
    expect(held.length).toBe(10);
    expect(train.length).toBe(40);
    expect([...train, ...held].sort((a, b) => a - b)).toEqual(range(50));
    expect(Array.from(held)).toEqual([...held].sort((a, b) => a - b));
    expect(Array.from(trainTestSplit(50, 0.2, new Rng(3)).test)).toEqual(Array.from(held));
    expect(() => trainTestSplit(50, 1.5, new Rng(3))).toThrow(/^trainTestSplit: expected testFraction to be a number in \[0, 1\], got 1.5$/);
  });

  test('takeRows copies the chosen rows and labels', () => {
    const data = { x: new Float32Array([0, 1, 10, 11, 20, 21]), y: new Int32Array([5, 6, 7]), shape: [3, 2] as [number, number], numClasses: 8 };
    const sub = takeRows(data, [2, 0]);
    expect(Array.from(sub.x)).toEqual([20, 21, 0, 1]);
    expect(Array.from(sub.y)).toEqual([7, 5]);
    expect(sub.shape).toEqual([2, 2]);
    expect(() => takeRows(data, [3])).toThrow(/^takeRows: expected indices\[0\] to be an integer in \[0, 3\), got 3$/);
  });

  test('minibatches gather matching rows of x and y, cover each row once, and leak nothing', () => {
    const n = 23;
    const x = tf.tensor2d(range(n * 3), [n, 3]); // row i = [3i, 3i+1, 3i+2]
    const y = tf.tensor1d(range(n), 'int32');
    const before = tf.memory().numTensors;
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = minibatches(x, y, 5, new Rng(8).fork(`epoch/${epoch}`));
      expect(batches.map((b) => b.x.shape)).toEqual([[5, 3], [5, 3], [5, 3], [5, 3], [3, 3]]);
      const seen: number[] = [];
      for (const b of batches) {
        expect(b.x.dtype).toBe('float32');
        expect(b.y.dtype).toBe('int32');
        const ys = Array.from(b.y.dataSync());
        expect(ys).toEqual(Array.from(b.indices));
        expect(Array.from(b.x.dataSync())).toEqual(ys.flatMap((i) => [3 * i, 3 * i + 1, 3 * i + 2]));
        seen.push(...ys);
        b.x.dispose();
        b.y.dispose();
      }
      expect(seen.sort((a, b) => a - b)).toEqual(range(n));
    }
    expect(tf.memory().numTensors).toBe(before);
    // The same seed gives the same batches.
    const a = minibatches(x, y, 5, new Rng(8).fork('epoch/0'));
    const b = minibatches(x, y, 5, new Rng(8).fork('epoch/0'));
    expect(a.map((m) => Array.from(m.indices))).toEqual(b.map((m) => Array.from(m.indices)));
    for (const m of [...a, ...b]) tf.dispose([m.x, m.y]);
    // Inputs are left as they were.
    expect(Array.from(y.dataSync())).toEqual(range(n));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  test('unlabeledMinibatches keeps trailing dimensions; mismatched rows are a ShapeError', () => {
    const x = tf.zeros([10, 2, 2]);
    const y = tf.zeros([9]);
    const before = tf.memory().numTensors;
    const batches = unlabeledMinibatches(x, 4, undefined, { dropLast: true });
    expect(batches.map((b) => b.shape)).toEqual([
      [4, 2, 2],
      [4, 2, 2],
    ]);
    tf.dispose(batches);
    expect(() => minibatches(x, y, 4, undefined)).toThrow(/^minibatches: expected y to have 10 rows like x \(\[10, 2, 2\]\), got \[9\]$/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  test('oneHot encodes, checks the range and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const t = oneHot(new Int32Array([2, 0, 1]), 3);
    expect(t.shape).toEqual([3, 3]);
    expect(Array.from(t.dataSync())).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    t.dispose();
    const labels = tf.tensor1d([1, 1], 'int32');
    const u = oneHot(labels, 2);
    expect(Array.from(u.dataSync())).toEqual([0, 1, 0, 1]);
    tf.dispose([u, labels]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => oneHot([0, 3], 3)).toThrow(/^oneHot: expected labels\[1\] to be an integer in \[0, 3\), got 3$/);
  });
});
