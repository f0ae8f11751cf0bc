import { describe, expect, test, vi } from 'vitest';
import { Rng, tensorStats, tensorStatsMany, tf } from '@gradlab/core';
import { TENSOR_STATS_COLUMNS } from '../../src/probe/tensor-stats.js';

/** The same statistics in doubles, over the finite entries. */
function reference(xs: ArrayLike<number>) {
  const finite = Array.from(xs).filter(Number.isFinite);
  const n = finite.length;
  const sumSq = finite.reduce((s, x) => s + x * x, 0);
  const mean = finite.reduce((s, x) => s + x, 0) / n;
  const variance = finite.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  return {
    l2: Math.sqrt(sumSq),
    rms: Math.sqrt(sumSq / n),
    maxAbs: Math.max(...finite.map(Math.abs)),
    mean,
    std: Math.sqrt(variance),
    nonFinite: xs.length - n,
    count: n,
  };
}

function expectStats(actual: Record<string, number>, expected: Record<string, number>, digits = 5): void {
  for (const k of TENSOR_STATS_COLUMNS) expect(actual[k], k).toBeCloseTo(expected[k]!, digits);
}

describe('tensorStats', () => {
  test('small exact example', () => {
    const t = tf.tensor1d([3, -4]);
    expect(tensorStats(t)).toEqual({ l2: 5, rms: Math.sqrt(12.5), maxAbs: 4, mean: -0.5, std: 3.5, nonFinite: 0, count: 2 });
    t.dispose();
  });

  test('matches a double-precision reference on random data', () => {
    const data = new Rng(1).normalArray(1000, 0.3, 2);
    const t = tf.tensor2d(data, [20, 50]);
    expectStats({ ...tensorStats(t) }, reference(data), 4);
    t.dispose();
  });

  test('std is accurate when |mean| ≫ std (two-pass, not E[x²] − E[x]²)', () => {
    const data = new Rng(2).normalArray(4096, 1000, 0.01);
    const t = tf.tensor1d(data);
    const s = tensorStats(t);
    expect(Math.abs(s.std - reference(data).std) / reference(data).std).toBeLessThan(0.05);
    t.dispose();
  });

  test('NaN and ±Infinity are counted and left out, never thrown', () => {
    const xs = [1, Number.NaN, -2, Number.POSITIVE_INFINITY, 3, Number.NEGATIVE_INFINITY];
    const t = tf.tensor1d(xs);
    const s = tensorStats(t);
    expect(s.nonFinite).toBe(3);
    expect(s.count).toBe(3);
    expectStats({ ...s }, reference(xs), 6);
    t.dispose();
    const allBad = tf.tensor1d([Number.NaN, Number.NaN]);
    expect(tensorStats(allBad)).toEqual({ l2: 0, rms: NaN, maxAbs: NaN, mean: NaN, std: NaN, nonFinite: 2, count: 0 });
    allBad.dispose();
    const empty = tf.zeros([0, 3]);
    expect(tensorStats(empty)).toMatchObject({ l2: 0, nonFinite: 0, count: 0 });
    empty.dispose();
  });

  test.each([
    ['1e25 (Σ x² overflows float32)', 1e25, 0],
    ['1e-30 (Σ x² underflows to 0 in float32)', 1e-30, 0],
    ['1e30 around a mean of 3e31', 1e30, 3e31],
  ])('%s: l2, rms, std finite and within 1e-6 of float64', (_, scale, offset) => {
    const data = new Rng(7).normalArray(500, 0, 1).map((v) => Math.fround(offset + v * scale));
    const t = tf.tensor1d(data);
    const s = tensorStats(t);
    const want = reference(data);
    for (const k of ['l2', 'rms', 'maxAbs', 'mean'] as const) {
      expect(Math.abs(s[k] - want[k]), k).toBeLessThanOrEqual(1e-6 * Math.abs(want[k]));
    }
    // std: float32 centring costs ~|mean|/std ulps when the mean dominates.
    expect(Math.abs(s.std - want.std)).toBeLessThanOrEqual((offset === 0 ? 1e-6 : 1e-3) * want.std);
    expect(s.l2).toBeGreaterThan(0);
    t.dispose();
    const withNaN = tf.tensor1d([...data, Number.NaN]);
    expect(tensorStats(withNaN)).toMatchObject({ nonFinite: 1, count: 500 });
    expect(Math.abs(tensorStats(withNaN).l2 - want.l2)).toBeLessThanOrEqual(1e-6 * want.l2);
    withNaN.dispose();
  });

  test('int and bool tensors are summarised as numbers', () => {
    const t = tf.tensor1d([1, 0, 1], 'bool');
    expect(tensorStats(t)).toMatchObject({ count: 3, maxAbs: 1, l2: Math.sqrt(2) });
    t.dispose();
  });

  test('rejects what is not a live tensor', () => {
    expect(() => tensorStats([1, 2] as unknown as tf.Tensor)).toThrow(/tensorStats: expected t to be a tf.Tensor, got \[1, 2\]/);
    const t = tf.zeros([1]);
    t.dispose();
    expect(() => tensorStats(t)).toThrow(/tensorStats: expected t to be a live tf.Tensor/);
    expect(() => tensorStatsMany(5 as unknown as tf.Tensor[])).toThrow(/tensorStatsMany: expected tensors to be an array of tensors or an object/);
  });
});

describe('tensorStatsMany', () => {
  test('equals tensorStats of each, for arrays and records, with one readback when finite', () => {
    const rng = new Rng(3);
    const ts = { a: rng.normalTensor([4, 5]), b: rng.normalTensor([7], 2, 3), c: tf.tensor1d([0, 0]) };
    const spy = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    const many = tensorStatsMany(ts);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(Object.keys(many)).toEqual(['a', 'b', 'c']);
    for (const k of ['a', 'b', 'c'] as const) expectStats({ ...many[k]! }, { ...tensorStats(ts[k]) }, 6);
    const arr = tensorStatsMany([ts.b, ts.a]);
    expectStats({ ...arr[0]! }, { ...many.b! }, 6);
    tf.dispose(ts);
  });

  test('a non-finite tensor among finite ones costs one more readback and is summarised correctly', () => {
    const good = tf.tensor1d([1, 2, 3]);
    const bad = tf.tensor1d([Number.NaN, 4]);
    const spy = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    const [g, b] = tensorStatsMany([good, bad]);
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    expect(g).toMatchObject({ count: 3, nonFinite: 0, mean: 2 });
    expect(b).toMatchObject({ count: 1, nonFinite: 1, mean: 4, std: 0, l2: 4 });
    tf.dispose([good, bad]);
  });

  test('leaks nothing and changes nothing', () => {
    const ts = [tf.tensor1d([1, Number.NaN]), tf.tensor2d([[1, 2], [3, 4]])];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tensorStatsMany(ts);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(ts[1]!.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose(ts);
  });
});
