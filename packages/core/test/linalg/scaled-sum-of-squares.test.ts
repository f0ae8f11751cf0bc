// Norms that neither overflow nor underflow float32, against float64 references computed in JS
// over the same float32 entries.
import { describe, expect, test, vi } from 'vitest';
import { Rng, globalNorm, scaledSumOfSquares, scaledSumOfSquaresAll, tf } from '@gradlab/core';

/** ‖x‖₂ in float64 of the float32-rounded entries (NaN / Infinity propagate as in IEEE). */
function reference(...parts: ArrayLike<number>[]): number {
  let s = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) s += Math.fround(p[i]!) ** 2;
  return Math.sqrt(s);
}

/** `n` entries ~ N(0, 1)·scale (float32), seeded. */
function entries(n: number, scale: number, seed: number): number[] {
  return Array.from(new Rng(seed).normalArray(n, 0, 1), (v) => Math.fround(v * scale));
}

const REL = 1e-6;

describe('globalNorm / scaledSumOfSquares against float64', () => {
  // Plain float32 Σ x² is Infinity from ‖x‖ ≈ 1.8e19 on, and 0 for entries below ~1e−23.
  test.each([
    ['1e25', [entries(300, 1e25, 1)]],
    ['3e38 (near the float32 maximum; the norm itself exceeds it)', [entries(50, 1e38, 2).map((v) => Math.fround(Math.max(-3.4e38, Math.min(3.4e38, v * 3))))]],
    ['1e-30', [entries(300, 1e-30, 3)]],
    ['subnormal 1e-40', [entries(40, 1e-40, 4)]],
    ['1 (ordinary)', [entries(1000, 1, 5)]],
    ['mixed in one tensor: 1e25, 1, 1e-30', [[...entries(10, 1e25, 6), ...entries(10, 1, 7), ...entries(10, 1e-30, 8)]]],
    ['mixed across tensors', [entries(20, 1e25, 9), entries(20, 1e-30, 10), entries(5, 1, 11)]],
    ['many tensors, 1e-30 … 1e30', Array.from({ length: 61 }, (_, k) => entries(7 + k, 10 ** (k - 30), 100 + k))],
  ])('%s: finite, within 1e-6 of the float64 norm', (_, parts) => {
    const want = reference(...parts);
    expect(Number.isFinite(want) && want > 0).toBe(true);
    const ts = parts.map((p) => tf.tensor1d(p));
    const got = globalNorm(ts);
    expect(Math.abs(got - want)).toBeLessThanOrEqual(REL * want);
    tf.dispose(ts);
  });

  test('zeros and empty tensors give exactly 0', () => {
    const ts = [tf.zeros([3, 4]), tf.zeros([0]), tf.zeros([2, 0])];
    expect(globalNorm(ts)).toBe(0);
    expect(globalNorm([ts[1]!])).toBe(0);
    expect(globalNorm([tf.zeros([0, 5]), tf.tensor1d([3, 4])])).toBeCloseTo(5, 6);
    tf.dispose(ts);
  });

  test.each([
    ['a NaN entry gives NaN', [1e25, Number.NaN, 1], Number.NaN],
    ['NaN beats Infinity', [Number.POSITIVE_INFINITY, Number.NaN], Number.NaN],
    ['+Infinity gives Infinity', [1, Number.POSITIVE_INFINITY, 1e-30], Infinity],
    ['-Infinity gives Infinity', [Number.NEGATIVE_INFINITY, 0], Infinity],
  ])('%s', (_, xs, want) => {
    const t = tf.tensor1d(xs);
    const other = tf.tensor1d([1e20, 2]);
    expect(globalNorm([other, t])).toBe(want);
    expect(globalNorm([t])).toBe(want);
    tf.dispose([t, other]);
  });

  test('the scale is a power of two, so the result is bit for bit the unscaled one where that does not overflow', () => {
    const xs = entries(777, 3, 12);
    const t = tf.tensor1d(xs);
    const plain = tf.tidy(() => tf.sqrt(tf.sum(tf.square(t))));
    const { scale, sumSq } = tf.tidy(() => {
      const r = scaledSumOfSquares(t);
      return { scale: r.scale, sumSq: r.sumSq };
    });
    const s = scale.dataSync()[0]!;
    expect(Math.log2(s)).toBe(Math.round(Math.log2(s)));
    expect(Math.abs(Math.max(...xs.map(Math.abs)) / s)).toBeLessThan(2);
    expect(Math.fround(s * Math.fround(Math.sqrt(sumSq.dataSync()[0]!)))).toBe(plain.dataSync()[0]);
    tf.dispose([t, plain, scale, sumSq]);
  });

  test('row-wise (axis 1): one norm per row, rows of very different scale', () => {
    const rows = [entries(12, 1e25, 13), entries(12, 1e-30, 14), new Array<number>(12).fill(0), entries(12, 1, 15)];
    const x = tf.tensor2d(rows);
    const out = tf.tidy(() => {
      const r = scaledSumOfSquares(x, 1);
      return tf.stack([r.scale, r.sumSq]);
    });
    const v = out.dataSync();
    rows.forEach((row, i) => {
      const got = v[i]! * Math.sqrt(v[rows.length + i]!);
      const want = reference(row);
      expect(Math.abs(got - want)).toBeLessThanOrEqual(REL * want);
    });
    tf.dispose([x, out]);
  });

  test('scaledSumOfSquaresAll is one readback-free op chain; globalNorm reads back once and leaks nothing', () => {
    const ts = [tf.tensor1d(entries(9, 1e25, 16)), tf.tensor2d([[1e-30, 2e-30]])];
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      scaledSumOfSquaresAll(ts);
    });
    expect(tf.memory().numTensors).toBe(before);
    const spy = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    globalNorm(ts);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(ts[1]!.dataSync())).toEqual([Math.fround(1e-30), Math.fround(2e-30)]); // not changed
    tf.dispose(ts);
  });
});
