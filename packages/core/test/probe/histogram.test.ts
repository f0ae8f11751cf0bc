import { describe, expect, test } from 'vitest';
import { histogram, tf } from '@gradlab/core';

describe('histogram', () => {
  test('numpy binning: half-open bins, the last one closed', () => {
    // numpy.histogram([0, 1, 1, 2], bins=2) -> counts [1, 3], edges [0, 1, 2]
    const t = tf.tensor1d([0, 1, 1, 2, Number.NaN, Number.POSITIVE_INFINITY]);
    expect(histogram(t, { bins: 2 })).toEqual({ edges: [0, 1, 2], counts: [1, 3], outOfRange: 0, nonFinite: 2 });
    t.dispose();
  });

  test('a fixed range counts values outside it separately', () => {
    const h = histogram([-5, -1, -0.5, 0, 0.5, 0.99, 1, 7], { bins: 4, range: [-1, 1] });
    expect(h.edges).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(h.counts).toEqual([1, 1, 1, 3]);
    expect(h.outOfRange).toBe(2);
  });

  test('counts add up, edges are increasing, a constant tensor gets a unit range', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const h = histogram(xs, { bins: 13 });
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(h.edges.length).toBe(14);
    h.edges.slice(1).forEach((e, i) => expect(e).toBeGreaterThan(h.edges[i]!));
    expect(histogram([2, 2, 2], { bins: 2 })).toEqual({ edges: [1.5, 2, 2.5], counts: [0, 3], outOfRange: 0, nonFinite: 0 });
    expect(histogram([], {}).counts).toEqual(new Array(10).fill(0));
  });

  test('leaks nothing and rejects bad options', () => {
    const t = tf.tensor1d([1, 2, 3]);
    const before = tf.memory().numTensors;
    histogram(t);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => histogram(t, { bins: 0 })).toThrow(/histogram: expected bins to be a positive integer, got 0/);
    expect(() => histogram(t, { range: [1, 1] })).toThrow(/histogram: expected range to be a pair \[low, high\] of finite numbers with low < high, got \[1, 1\]/);
    t.dispose();
  });
});
