import { describe, expect, test } from 'vitest';
import { ACTIVATION_NAMES, activation, tf } from '@gradlab/core';

describe('activations', () => {
  const zs = tf.linspace(-6, 6, 241);

  test.each(ACTIVATION_NAMES.map((n) => [n]))('%s: derivative equals tfjs autodiff and never exceeds γ', (name) => {
    const act = activation(name);
    const before = tf.memory().numTensors;
    const ours = act.derivative(zs);
    const auto = tf.grad((z: tf.Tensor) => tf.sum(act.fn(z)))(zs);
    const a = ours.dataSync();
    const b = auto.dataSync();
    const zv = zs.dataSync();
    let sup = 0;
    for (let i = 0; i < a.length; i++) {
      if (Math.abs(zv[i]!) > 1e-6) expect(a[i]!).toBeCloseTo(b[i]!, 5); // kinks at 0 may differ
      sup = Math.max(sup, Math.abs(a[i]!));
    }
    expect(sup).toBeLessThanOrEqual(act.gamma + 1e-6);
    tf.dispose([ours, auto]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('γ is 1/4 for sigmoid (attained at 0) and 1 for tanh', () => {
    expect(activation('sigmoid').gamma).toBe(0.25);
    expect(activation('tanh').gamma).toBe(1);
    const d = activation('sigmoid').derivative(tf.scalar(0));
    expect(d.dataSync()[0]).toBeCloseTo(0.25, 7);
    d.dispose();
  });

  test('an unknown name is rejected naming the choices', () => {
    expect(() => activation('gelu' as never)).toThrow(/activation: expected name to be one of sigmoid, tanh, relu, leaky-relu, elu, softsign, linear, got "gelu"/);
  });
});
