// gradientAgreement against float64 references, from tiny to exploding gradients.
import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import { gradientAgreement } from '../src/index.js';

const SHAPES: Record<string, number[]> = { weight_hh_l0: [4, 4], bias_hh_l0: [4], 'head.weight': [1, 4] };

/** Float32 tensors ~ N(0, 1)·scale by name, and their values. */
function grads(seed: number, scale: number): { tensors: Record<string, tf.Tensor>; values: number[] } {
  const rng = new Rng(seed);
  const values: number[] = [];
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const v = Array.from(rng.normalArray(shape.reduce((a, b) => a * b, 1), 0, 1), (x) => Math.fround(x * scale));
    values.push(...v);
    tensors[name] = tf.tensor(v, shape);
  }
  return { tensors, values };
}

function reference(a: number[], b: number[]) {
  const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
  const na = Math.sqrt(a.reduce((s, x) => s + x * x, 0));
  const nb = Math.sqrt(b.reduce((s, x) => s + x * x, 0));
  const nd = Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));
  return { cosine: dot / (na * nb), relativeError: nd / nb, norm: na, referenceNorm: nb };
}

describe('gradientAgreement', () => {
  test.each([
    ['1', 1],
    ['1e25 (Σ g² overflows float32)', 1e25],
    ['1e-30 (Σ g² underflows to 0)', 1e-30],
  ])('matches float64 at scale %s', (_, scale) => {
    const g = grads(1, scale);
    const r = grads(2, scale);
    const want = reference(g.values, r.values);
    const before = tf.memory().numTensors;
    const got = gradientAgreement(g.tensors, r.tensors);
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(got.cosine - want.cosine)).toBeLessThanOrEqual(1e-6);
    for (const k of ['relativeError', 'norm', 'referenceNorm'] as const) {
      expect(Math.abs(got[k] - want[k]), k).toBeLessThanOrEqual(1e-6 * want[k]);
    }
    tf.dispose([Object.values(g.tensors), Object.values(r.tensors)]);
  });

  test('a zero reference gives a NaN cosine and an infinite relative error; NaN entries give NaN', () => {
    const g = grads(3, 1);
    const zero = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, tf.zeros(s)]));
    const z = gradientAgreement(g.tensors, zero);
    expect(z.cosine).toBeNaN();
    expect(z.relativeError).toBe(Infinity);
    expect(z.referenceNorm).toBe(0);
    const bad = { ...g.tensors, bias_hh_l0: tf.tensor1d([1, Number.NaN, 0, 0]) };
    expect(gradientAgreement(bad, g.tensors).norm).toBeNaN();
    tf.dispose([Object.values(g.tensors), Object.values(zero), bad.bias_hh_l0]);
  });
});
