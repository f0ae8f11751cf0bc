import { describe, expect, test } from 'vitest';
import { Rng, barsAndStripes } from '@gradlab/core';
import { barsAndStripesCount, sampleBarsAndStripes } from '../../src/data/bars-and-stripes.js';

/** Which kind an n×n 0/1 image is: every column constant (bars), every row constant (stripes). */
function kinds(x: Float32Array, offset: number, n: number): { bars: boolean; stripes: boolean } {
  let bars = true;
  let stripes = true;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = x[offset + r * n + c]!;
      if (v !== 0 && v !== 1) return { bars: false, stripes: false };
      if (v !== x[offset + c]) bars = false; // differs from row 0 in its column
      if (v !== x[offset + r * n]) stripes = false; // differs from column 0 in its row
    }
  }
  return { bars, stripes };
}

describe('bars and stripes', () => {
  test.each([
    [1, 2],
    [2, 6],
    [3, 14],
    [4, 30],
  ])('n = %i gives %i distinct patterns, each a bars or a stripes pattern, labelled by kind', (n, count) => {
    const { x, y, shape, numClasses } = barsAndStripes(n);
    expect(shape).toEqual([count, n * n]);
    expect(barsAndStripesCount(n)).toBe(count);
    expect(numClasses).toBe(2);
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const k = kinds(x, i * n * n, n);
      expect(k.bars || k.stripes).toBe(true);
      // Uniform images are both; they come first, among the bars (label 0).
      expect(y[i]).toBe(k.bars ? 0 : 1);
      seen.add(Array.from(x.subarray(i * n * n, (i + 1) * n * n)).join(''));
    }
    expect(seen.size).toBe(count);
  });

  test('the order is fixed: bars by column mask, then stripes by row mask', () => {
    const { x } = barsAndStripes(2);
    const rows = Array.from({ length: 6 }, (_, i) => Array.from(x.subarray(4 * i, 4 * i + 4)).join(''));
    expect(rows).toEqual(['0000', '1010', '0101', '1111', '1100', '0011']);
  });

  test('samples are seeded, valid and roughly uniform over the 30 patterns (n = 4)', () => {
    const a = sampleBarsAndStripes(3000, 4, new Rng(1));
    expect(Array.from(sampleBarsAndStripes(3000, 4, new Rng(1)).x)).toEqual(Array.from(a.x));
    expect(Array.from(sampleBarsAndStripes(50, 4, new Rng(2)).x)).not.toEqual(Array.from(a.x.subarray(0, 800)));
    const all = barsAndStripes(4);
    const index = new Map<string, number>();
    for (let i = 0; i < 30; i++) index.set(Array.from(all.x.subarray(16 * i, 16 * i + 16)).join(''), i);
    const counts = new Array<number>(30).fill(0);
    for (let i = 0; i < 3000; i++) {
      const key = Array.from(a.x.subarray(16 * i, 16 * i + 16)).join('');
      expect(index.has(key)).toBe(true);
      counts[index.get(key)!]! += 1;
    }
    // Each count is Binomial(3000, 1/30): mean 100, sd ≈ 9.8; ±5 sd.
    for (const c of counts) expect(Math.abs(c - 100)).toBeLessThan(50);
  });

  test('bad sizes are rejected with the value and the range', () => {
    expect(() => barsAndStripes(0)).toThrow(/^barsAndStripes: expected n to be an integer in \[1, 16\], got 0$/);
    expect(() => barsAndStripes(17)).toThrow(/got 17$/);
    expect(() => sampleBarsAndStripes(-1, 4, new Rng(0))).toThrow(/^sampleBarsAndStripes: expected count to be a non-negative integer, got -1$/);
  });
});
