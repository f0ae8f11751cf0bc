import { describe, expect, test } from 'vitest';
import { Rng, gaussianMixture } from '@gradlab/core';

describe('gaussianMixture', () => {
  test('is deterministic for a seed and differs across seeds', () => {
    const a = gaussianMixture({ n: 200, k: 4, d: 3 }, new Rng(9));
    const b = gaussianMixture({ n: 200, k: 4, d: 3 }, new Rng(9));
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(gaussianMixture({ n: 200, k: 4, d: 3 }, new Rng(10)).x)).not.toEqual(Array.from(a.x));
  });

  test('the means depend on (seed, k, d, separation) only, not on n', () => {
    const a = gaussianMixture({ n: 10, k: 5, d: 2 }, new Rng(3));
    const b = gaussianMixture({ n: 999, k: 5, d: 2 }, new Rng(3));
    expect(Array.from(b.means)).toEqual(Array.from(a.means));
  });

  test('balanced classes differ in size by at most one; shapes and label range', () => {
    const { y, shape, numClasses, x } = gaussianMixture({ n: 1001, k: 7, d: 5 }, new Rng(4));
    expect(shape).toEqual([1001, 5]);
    expect(x.length).toBe(5005);
    expect(numClasses).toBe(7);
    const counts = new Array<number>(7).fill(0);
    for (const c of y) counts[c]! += 1;
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1001);
  });

  test('the closest means are `separation` apart and class means / spread match (n = 30000, 5 se)', () => {
    const k = 3;
    const d = 2;
    const std = 0.5;
    const n = 30_000;
    const { x, y, means } = gaussianMixture({ n, k, d, separation: 6, std }, new Rng(5));
    let minDist = Infinity;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) minDist = Math.min(minDist, Math.hypot(means[i * d]! - means[j * d]!, means[i * d + 1]! - means[j * d + 1]!));
    expect(minDist).toBeCloseTo(6, 4);
    const sums = new Float64Array(k * d);
    const sq = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      counts[y[i]!]! += 1;
      for (let c = 0; c < d; c++) {
        const r = x[i * d + c]! - means[y[i]! * d + c]!;
        sums[y[i]! * d + c]! += r;
        sq[y[i]! * d + c]! += r * r;
      }
    }
    for (let j = 0; j < k * d; j++) {
      const m = counts[Math.floor(j / d)]!;
      expect(Math.abs(sums[j]! / m)).toBeLessThan((5 * std) / Math.sqrt(m));
      expect(Math.abs(Math.sqrt(sq[j]! / m) - std)).toBeLessThan((5 * std) / Math.sqrt(2 * m));
    }
  });

  test('unbalanced labels are i.i.d. uniform; k = 1 puts the one mean at the origin', () => {
    const { y } = gaussianMixture({ n: 3000, k: 3, balanced: false }, new Rng(6));
    const counts = [0, 0, 0];
    for (const c of y) counts[c]! += 1;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(5 * Math.sqrt(3000 * (1 / 3) * (2 / 3)));
    expect(Array.from(gaussianMixture({ n: 1, k: 1, d: 3 }, new Rng(0)).means)).toEqual([0, 0, 0]);
  });

  test('bad options are rejected naming the field', () => {
    expect(() => gaussianMixture({ n: 10, k: 0 }, new Rng(0))).toThrow(/^gaussianMixture: expected k to be a positive integer, got 0$/);
    expect(() => gaussianMixture({ n: 10, std: -1 }, new Rng(0))).toThrow(/^gaussianMixture: expected std to be a finite number > 0, got -1$/);
    expect(() => gaussianMixture({ n: 10, sigma: 1 } as never, new Rng(0))).toThrow(/^gaussianMixture: unknown option "sigma"/);
  });
});
