import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import {
  ADDING_BASELINE_ACCURACY,
  ADDING_BASELINE_MSE,
  LSTM,
  addingProblem,
  copyMemory,
  copyMemoryBaseline,
  delayedEcho,
  temporalOrder,
} from '../src/index.js';

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

describe('adding problem', () => {
  test('two markers, one per half, and the target is the sum of the marked values', () => {
    const T = 20;
    const b = addingProblem(T).sample(50, new Rng(1));
    expect(b.x.shape).toEqual([T, 50, 2]);
    expect(b.y.shape).toEqual([50, 1]);
    const x = b.x.arraySync() as number[][][];
    const y = b.y.dataSync();
    for (let i = 0; i < 50; i++) {
      const marked = x.map((s, t) => [t, s[i]![0]!, s[i]![1]!] as const).filter(([, , m]) => m === 1);
      expect(marked).toHaveLength(2);
      expect(marked[0]![0]).toBeLessThan(T / 2);
      expect(marked[1]![0]).toBeGreaterThanOrEqual(T / 2);
      expect(y[i]).toBeCloseTo(marked[0]![1] + marked[1]![1], 5);
    }
    b.dispose();
  });

  test('predicting 1 gives MSE ≈ 1/6 and accuracy ≈ 0.078 (statistical, 20k sequences, 4σ)', () => {
    const b = addingProblem(4).sample(20000, new Rng(2));
    const y = b.y.dataSync();
    let mse = 0;
    let hit = 0;
    for (const v of y) {
      mse += (v - 1) ** 2;
      if (Math.abs(v - 1) < 0.04) hit++;
    }
    mse /= y.length;
    // Var((S − 1)²) = E(S−1)⁴ − (1/6)² = 1/15 − 1/36 for the triangular S.
    expect(Math.abs(mse - ADDING_BASELINE_MSE)).toBeLessThan(4 * Math.sqrt((1 / 15 - 1 / 36) / y.length));
    const p = ADDING_BASELINE_ACCURACY;
    expect(Math.abs(hit / y.length - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / y.length));
    b.dispose();
  });

  test('a fixed test set per seed', () => {
    const task = addingProblem(10);
    const [a, b, c] = [task.testSet(8, 1), task.testSet(8, 1), task.testSet(8, 2)];
    expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    expect(Array.from(a.x.dataSync())).not.toEqual(Array.from(c.x.dataSync()));
    [a, b, c].forEach((s) => s.dispose());
  });

  test('evaluate gives finite loss and accuracy, without leaks', () => {
    const task = addingProblem(10);
    const net = new LSTM({ inputSize: 2, hiddenSize: 4 }, new Rng(3));
    const b = task.testSet(16, 1);
    task.evaluate(net, b);
    const before = tf.memory().numTensors;
    const s = task.evaluate(net, b);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(s.loss) && s.accuracy >= 0 && s.accuracy <= 1).toBe(true);
    b.dispose();
    net.dispose();
  });

  test('rejects a bad length', () => {
    expect(() => addingProblem(1)).toThrow(/addingProblem: expected steps to be an integer >= 2, got 1/);
  });
});

describe('copy memory', () => {
  test('symbols, delimiter and targets are where Arjovsky et al. put them', () => {
    const delay = 5;
    const task = copyMemory(delay);
    expect(task.steps).toBe(delay + 20);
    expect(task.baselineLoss).toBeCloseTo((10 * Math.log(8)) / (delay + 20), 12);
    expect(copyMemoryBaseline(100)).toBeCloseTo((10 * Math.log(8)) / 120, 12);
    const b = task.sample(3, new Rng(4));
    const x = b.x.arraySync() as number[][][];
    const y = b.y.arraySync() as number[][];
    for (let i = 0; i < 3; i++) {
      const inputs = x.map((s) => argmax(s[i]!));
      const targets = y.map((s) => s[i]!);
      expect(inputs.slice(0, 10).every((s) => s >= 1 && s <= 8)).toBe(true);
      expect(inputs.slice(10).filter((s) => s !== 0)).toEqual([9]);
      expect(inputs[delay + 9]).toBe(9);
      expect(targets.slice(0, delay + 10).every((s) => s === 0)).toBe(true);
      expect(targets.slice(delay + 10)).toEqual(inputs.slice(0, 10));
    }
    b.dispose();
  });
});

describe('temporal order', () => {
  test('one relevant symbol in each window, the label is their order', () => {
    const T = 50;
    const b = temporalOrder(T).sample(20, new Rng(5));
    const x = b.x.arraySync() as number[][][];
    const y = b.y.dataSync();
    for (let i = 0; i < 20; i++) {
      const symbols = x.map((s) => argmax(s[i]!));
      const relevant = symbols.map((s, t) => [t, s] as const).filter(([, s]) => s >= 4);
      expect(relevant).toHaveLength(2);
      expect(relevant[0]![0]).toBeGreaterThanOrEqual(5);
      expect(relevant[0]![0]).toBeLessThan(10);
      expect(relevant[1]![0]).toBeGreaterThanOrEqual(25);
      expect(relevant[1]![0]).toBeLessThan(30);
      expect(y[i]).toBe(2 * (relevant[0]![1] - 4) + (relevant[1]![1] - 4));
    }
    b.dispose();
  });
});

describe('delayed echo', () => {
  test('y_t = x_{t−L} on the loss steps L … T−1', () => {
    const task = delayedEcho(3, 12, 5);
    expect(task.loss.steps).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const b = task.sample(4, new Rng(6));
    const x = b.x.arraySync() as number[][][];
    const y = b.y.arraySync() as number[][];
    for (let t = 3; t < 12; t++) for (let i = 0; i < 4; i++) expect(y[t]![i]).toBe(argmax(x[t - 3]![i]!));
    b.dispose();
    expect(() => delayedEcho(5, 5)).toThrow(/delayedEcho: expected steps to be an integer > delay = 5, got 5/);
  });
});
