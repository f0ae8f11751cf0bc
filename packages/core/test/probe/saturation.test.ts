import { describe, expect, test } from 'vitest';
import { saturationFraction, tf } from '@gradlab/core';
import { DEFAULT_SATURATION_THRESHOLD } from '../../src/probe/saturation.js';

const dTanh = (z: tf.Tensor): tf.Tensor => tf.tidy(() => tf.sub(1, tf.square(tf.tanh(z))));
const dSigmoid = (z: tf.Tensor): tf.Tensor =>
  tf.tidy(() => {
    const s = tf.sigmoid(z);
    return tf.mul(s, tf.sub(1, s));
  });
const dRelu = (z: tf.Tensor): tf.Tensor => tf.tidy(() => tf.cast(tf.greater(z, 0), 'float32'));

describe('saturationFraction', () => {
  test("counts units whose derivative is at most 1% of γ", () => {
    // tanh'(z) <= 0.01 ⇔ |z| >= atanh(sqrt(0.99)) ≈ 2.993
    const z = tf.tensor2d([[0, 1, 2.9, 3.1], [-3.5, -10, 0.5, NaN]]);
    expect(saturationFraction(z, dTanh, 1)).toBeCloseTo(3 / 7, 6);
    // sigmoid'(z) <= 0.0025 ⇔ |z| >= ~5.99
    const s = tf.tensor1d([0, 5.9, 6.1, -8]);
    expect(saturationFraction(s, dSigmoid, 0.25)).toBeCloseTo(0.5, 6);
    expect(DEFAULT_SATURATION_THRESHOLD).toBe(0.01);
    // ReLU: the off units.
    const r = tf.tensor1d([-1, 0, 0.1, 2, -3]);
    expect(saturationFraction(r, dRelu, 1)).toBeCloseTo(0.6, 6);
    // threshold 0.5: sigmoid′ ≤ 0.125 everywhere but z = 0
    expect(saturationFraction(s, dSigmoid, 0.25, { threshold: 0.5 })).toBeCloseTo(0.75, 6);
    tf.dispose([z, s, r]);
  });

  test('leaks nothing (the derivative tensor is freed) and rejects bad arguments', () => {
    const z = tf.tensor1d([0, 4]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) saturationFraction(z, dTanh, 1);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => saturationFraction(z, dTanh, 0)).toThrow(/saturationFraction: expected gamma to be a finite number > 0, got 0/);
    expect(() => saturationFraction(z, 'tanh' as never, 1)).toThrow(/saturationFraction: expected derivativeFn to be a function/);
    expect(() => saturationFraction(z, dTanh, 1, { threshold: 2 })).toThrow(/expected threshold to be a number in \(0, 1\], got 2/);
    z.dispose();
  });
});
