import { describe, expect, test } from 'vitest';
import { Rng, autodiffGradients, checkGradients, tf } from '@gradlab/core';
import { registerFastMatMulGradient } from '../../src/backend/matmul-gradient.js';

describe('the explicit-transpose BatchMatMul gradient (registered by initBackend)', () => {
  test.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('transposeA=%s, transposeB=%s: autodiff matches finite differences', (ta, tb) => {
    registerFastMatMulGradient(); // idempotent
    const r = new Rng(1);
    const a = r.normalTensor(ta ? [4, 3] : [3, 4]);
    const b = r.normalTensor(tb ? [5, 4] : [4, 5]);
    const w = r.normalTensor([3, 5]);
    const f = (p: Record<string, tf.Tensor>) => tf.sum(tf.mul(tf.tanh(tf.matMul(p['a']!, p['b']!, ta, tb)), w));
    const g = autodiffGradients(f, { a, b });
    expect(g['a']!.shape).toEqual(a.shape);
    expect(g['b']!.shape).toEqual(b.shape);
    expect(checkGradients(f, { a, b }, g, { rng: new Rng(2) }).ok).toBe(true);
    tf.dispose([a, b, w, ...Object.values(g)]);
  });

  test('batched (rank-3) products get the right gradient shapes and values', () => {
    const r = new Rng(3);
    const a = r.normalTensor([2, 3, 4]);
    const b = r.normalTensor([2, 4, 5]);
    const f = (p: Record<string, tf.Tensor>) => tf.sum(tf.square(tf.matMul(p['a']!, p['b']!)));
    const g = autodiffGradients(f, { a, b });
    expect(checkGradients(f, { a, b }, g, { rng: new Rng(4), atol: 1e-2 }).ok).toBe(true);
    tf.dispose([a, b, ...Object.values(g)]);
  });
});
