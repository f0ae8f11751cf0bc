import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, test } from 'vitest';
import { Rng, scaleToSpectralRadius, spectralRadius, tf } from '@gradlab/core';

/** ρ from a dense eigen-decomposition (the reference for well-behaved matrices). */
function eigRadius(rows: number[][]): number {
  const eig = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: false });
  return Math.max(...eig.realEigenvalues.map((re, i) => Math.hypot(re, eig.imaginaryEigenvalues[i]!)));
}

function jordan(n: number, lambda: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? lambda : j === i + 1 ? 1 : 0)));
}

function radius(rows: number[][]): number {
  const w = tf.tensor2d(rows);
  try {
    return spectralRadius(w);
  } finally {
    w.dispose();
  }
}

describe('spectralRadius: non-finite input is refused before any decomposition', () => {
  test.each([
    [NaN, /^spectralRadius: expected W to hold finite numbers, got NaN at \[1, 0\]$/],
    [Infinity, /^spectralRadius: expected W to hold finite numbers, got Infinity at \[1, 0\]$/],
    [-Infinity, /^spectralRadius: expected W to hold finite numbers, got -Infinity at \[1, 0\]$/],
  ])('%s', (bad, message) => {
    const w = tf.tensor2d([
      [1, 2],
      [bad, 4],
    ]);
    const before = tf.memory().numTensors;
    expect(() => spectralRadius(w)).toThrow(message);
    expect(() => scaleToSpectralRadius(w, 1)).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  test('a matrix that is not square', () => {
    const w = tf.zeros([2, 3]);
    expect(() => spectralRadius(w)).toThrow(/^spectralRadius: expected W\.shape to be a square matrix \[n, n\], got \[2, 3\]$/);
    w.dispose();
  });
});

describe('spectralRadius: matrices on which iteration does not settle still return, and exactly', () => {
  // Each returns after at most MAX_SQUARINGS (64) products: none of these can hang the test.
  test('a rotation by an irrational angle (power iteration cycles forever), scaled by 1.3', () => {
    const a = 1;
    expect(radius([[1.3 * Math.cos(a), -1.3 * Math.sin(a)], [1.3 * Math.sin(a), 1.3 * Math.cos(a)]])).toBeCloseTo(1.3, 6);
  });

  test.each([
    [2, 1],
    [4, 0.9],
    [8, 1.1],
  ])('a Jordan block of size %i with eigenvalue %f (defective: ‖Jᵏ‖ grows like k^(n−1)·λᵏ)', (n, lambda) => {
    // Float32 storage leaves λ exact for these values; the excess of ‖Jᵏ‖^(1/k) is ~ n·log k / k.
    expect(Math.abs(radius(jordan(n, lambda)) - Math.fround(lambda))).toBeLessThan(1e-12);
  });

  test('a cyclic permutation (the classic stall of unshifted QR) and a ±λ pair', () => {
    expect(radius([[0, 0, 1], [1, 0, 0], [0, 1, 0]])).toBeCloseTo(1, 12);
    expect(radius([[2, 0], [0, -2]])).toBeCloseTo(2, 12);
    expect(radius([[0, 1], [4, 0]])).toBeCloseTo(2, 12);
  });

  test('nilpotent and zero matrices have radius 0; a huge dynamic range does not overflow', () => {
    expect(radius([[0, 5, 1], [0, 0, 3], [0, 0, 0]])).toBe(0);
    expect(radius([[0, 0], [0, 0]])).toBe(0);
    expect(radius([[3e38, 0], [0, 1e-38]]) / Math.fround(3e38)).toBeCloseTo(1, 12);
  });

  test.each([5, 17, 40])('random non-symmetric n×n matrices, n = %i, agree with the eigen-decomposition to 1e-10', (n) => {
    const rng = new Rng(n);
    for (let trial = 0; trial < 3; trial++) {
      const rows = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.fround(rng.normal())));
      const want = eigRadius(rows);
      expect(Math.abs(radius(rows) - want) / want).toBeLessThan(1e-10);
    }
  });
});
