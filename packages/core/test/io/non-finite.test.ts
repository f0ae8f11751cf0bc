import { describe, expect, test } from 'vitest';
import { firstNonFinite, unravelIndex } from '@gradlab/core';

describe('firstNonFinite / unravelIndex', () => {
  test('firstNonFinite finds the first NaN or ±Infinity, or -1', () => {
    expect(firstNonFinite(new Float32Array([1, 2, 3]))).toBe(-1);
    expect(firstNonFinite([])).toBe(-1);
    expect(firstNonFinite(new Float64Array([0, -Infinity, NaN]))).toBe(1);
    expect(firstNonFinite([1, 2, NaN, Infinity])).toBe(2);
  });

  test('unravelIndex inverts row-major flattening for every element of [2, 3, 4]', () => {
    const shape = [2, 3, 4];
    let flat = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(unravelIndex(flat++, shape)).toEqual([i, j, k]);
    expect(unravelIndex(7, [4, 3])).toEqual([2, 1]);
    expect(unravelIndex(5, [9])).toEqual([5]);
  });
});
