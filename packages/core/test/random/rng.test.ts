import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';

describe('Rng', () => {
  test('the same seed and path give the same stream', () => {
    expect(Array.from(new Rng(7).uniformArray(5))).toEqual(Array.from(new Rng(7).uniformArray(5)));
    expect(new Rng(7).next()).not.toBe(new Rng(8).next());
  });

  test('seed 0 is a seed like any other, not "unseeded"', () => {
    expect(new Rng(0).next()).toBe(new Rng(0).next());
    expect(new Rng(0).next()).not.toBe(new Rng(1).next());
  });

  test('fork streams do not depend on the order forks are made or on draws from the parent', () => {
    const a = new Rng(42);
    const x1 = a.fork('init').uniformArray(4);
    const y1 = a.fork('data').uniformArray(4);
    const b = new Rng(42);
    b.uniformArray(100); // draws from the parent must not shift the children
    const y2 = b.fork('data').uniformArray(4);
    const x2 = b.fork('init').uniformArray(4);
    expect(Array.from(x2)).toEqual(Array.from(x1));
    expect(Array.from(y2)).toEqual(Array.from(y1));
    expect(Array.from(x1)).not.toEqual(Array.from(y1));
    expect(Array.from(a.fork('a').fork('b').uniformArray(3))).toEqual(Array.from(a.fork('a/b').uniformArray(3)));
  });

  test('normal draws have mean 0 and std 1 within 4 standard errors (n = 200000)', () => {
    const n = 200_000;
    const xs = new Rng(3).normalArray(n);
    let s = 0;
    let s2 = 0;
    for (const x of xs) {
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    // Var of the sample variance of a Gaussian is 2/n.
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });

  test('permutation is a permutation and is seeded', () => {
    const p = new Rng(5).permutation(1000);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(new Rng(5).permutation(1000))).toEqual(Array.from(p));
  });

  test('bernoulliTensor frequencies match the probabilities and nothing leaks', () => {
    const probs = tf.tensor1d([0, 0.2, 0.5, 0.9, 1]);
    const rng = new Rng(11);
    const before = tf.memory().numTensors;
    const counts = new Float64Array(5);
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const s = rng.bernoulliTensor(probs);
      const v = s.dataSync();
      for (let j = 0; j < 5; j++) counts[j]! += v[j]!;
      s.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const p = [0, 0.2, 0.5, 0.9, 1];
    p.forEach((pj, j) => {
      const se = Math.sqrt((pj * (1 - pj)) / n) + 1e-12;
      expect(Math.abs(counts[j]! / n - pj)).toBeLessThanOrEqual(4 * se);
    });
    probs.dispose();
  });

  test('bad seeds and fork names are rejected with a message naming them', () => {
    expect(() => new Rng(1.5)).toThrow(/Rng: expected seed to be a safe integer or a string, got 1.5/);
    expect(() => new Rng(1).fork('')).toThrow(/Rng.fork: expected name to be a non-empty string/);
    expect(() => new Rng(1).int(0)).toThrow(/Rng.int: expected n to be a positive integer, got 0/);
  });
});
