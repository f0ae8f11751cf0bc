import { describe, expect, test } from 'vitest';
import { Rng, shapeset } from '@gradlab/core';
import { SHAPESET_CLASSES, shapesetLabel } from '../../src/data/shapeset.js';

describe('shapeset', () => {
  test('labels are numbered stably: 3 single shapes, then the 6 unordered pairs', () => {
    expect(SHAPESET_CLASSES).toEqual([
      'ellipse',
      'triangle',
      'rectangle',
      'ellipse+ellipse',
      'ellipse+triangle',
      'ellipse+rectangle',
      'triangle+triangle',
      'triangle+rectangle',
      'rectangle+rectangle',
    ]);
    expect(shapesetLabel('triangle')).toBe(1);
    expect(shapesetLabel('rectangle', 'ellipse')).toBe(5);
    expect(shapesetLabel('ellipse', 'rectangle')).toBe(5);
    expect(shapesetLabel('rectangle', 'rectangle')).toBe(8);
    expect(() => shapesetLabel('circle' as never)).toThrow(/^shapesetLabel: expected first to be one of ellipse, triangle, rectangle, got "circle"$/);
  });

  test('is deterministic for a seed, 32×32 in [0, 1] by default, classes balanced', () => {
    const a = shapeset({ n: 90 }, new Rng(12));
    const b = shapeset({ n: 90 }, new Rng(12));
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(shapeset({ n: 90 }, new Rng(13)).x)).not.toEqual(Array.from(a.x));
    expect(a.shape).toEqual([90, 1024]);
    expect(a.numClasses).toBe(9);
    expect(a.x.reduce((m, v) => Math.min(m, v), Infinity)).toBeGreaterThanOrEqual(0);
    expect(a.x.reduce((m, v) => Math.max(m, v), -Infinity)).toBeLessThanOrEqual(1);
    const counts = new Array<number>(9).fill(0);
    for (const c of a.y) counts[c]! += 1;
    expect(counts).toEqual(new Array<number>(9).fill(10));
  });

  test('every image shows something: shapes cover between 2% and 60% of the pixels', () => {
    const size = 24;
    const { x } = shapeset({ n: 45, size, supersample: 1 }, new Rng(2));
    const d = size * size;
    for (let i = 0; i < 45; i++) {
      const img = x.subarray(i * d, (i + 1) * d);
      // The background is the most common value (shapes cover less than half the image).
      const freq = new Map<number, number>();
      for (const v of img) freq.set(v, (freq.get(v) ?? 0) + 1);
      const [, bgCount] = [...freq.entries()].sort((p, q) => q[1] - p[1])[0]!;
      const covered = (d - bgCount) / d;
      expect(covered).toBeGreaterThan(0.02);
      expect(covered).toBeLessThan(0.6);
    }
  });

  test('bad options are rejected naming the field', () => {
    expect(() => shapeset({ n: 5, size: 4 }, new Rng(0))).toThrow(/^shapeset: expected size to be an integer >= 8, got 4$/);
    expect(() => shapeset({ n: 5, minRadius: 0.3, maxRadius: 0.2 }, new Rng(0))).toThrow(/^shapeset: expected maxRadius to be at least minRadius, got 0.2$/);
    expect(() => shapeset({ n: -1 }, new Rng(0))).toThrow(/^shapeset: expected n to be a non-negative integer, got -1$/);
  });
});
