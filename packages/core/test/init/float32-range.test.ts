import { describe, expect, test } from 'vitest';
import {
  Rng,
  constant,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  identity,
  normal,
  orthogonal,
  scaleToSpectralRadius,
  tf,
  uniform,
} from '@gradlab/core';

function allFinite(t: tf.Tensor): boolean {
  return t.dataSync().every((v) => Number.isFinite(v));
}

describe('a gain or scale that overflows float32 is refused, naming the field', () => {
  test.each([
    ['glorotUniform', () => glorotUniform(NaN), /^glorotUniform: expected gain to be a finite number, got NaN$/],
    ['heNormal', () => heNormal(Infinity), /^heNormal: expected gain to be a finite number, got Infinity$/],
    ['orthogonal', () => orthogonal(1e39), /^orthogonal: expected gain to be a number with \|gain\| ≤ 3\.40e\+38, so the weights fit float32 \(max 3\.40e\+38\), got 1e\+39$/],
    ['identity', () => identity(-1e39), /^identity: expected scale to be a number with \|scale\| ≤ 3\.40e\+38, .*got -1e\+39$/],
    ['constant', () => constant(4e38), /^constant: expected value to be a number with \|value\| ≤ 3\.40e\+38, .*got 4e\+38$/],
    ['uniform', () => uniform(1e39), /^uniform: expected limit to be a number with \|limit\| ≤ 3\.40e\+38, .*got 1e\+39$/],
    // Box–Muller draws reach 8.57 standard deviations, so std 1e38 can reach 8.6e38.
    ['normal', () => normal(1e38), /^normal: expected std to be a number with \|std\| ≤ 3\.97e\+37, .*got 1e\+38$/],
  ])('%s (at construction)', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  test.each([
    // gain·√(6/(fanIn+fanOut)) = 3e38·√(6/8) = 2.6e38 fits; for [2, 2] it is 3e38·√1.5 = 3.7e38.
    ['glorotUniform', glorotUniform(3e38), /^glorotUniform: expected gain to be a number with \|gain\| ≤ 2\.78e\+38, .*got 3e\+38$/],
    ['heUniform', heUniform(3e38), /^heUniform: expected gain to be a number with \|gain\| ≤ 2\.78e\+38, .*got 3e\+38$/],
    ['glorotNormal', glorotNormal(1e38), /^glorotNormal: expected gain to be a number with \|gain\| ≤ 5\.61e\+37, .*got 1e\+38$/],
    ['heNormal', heNormal(1e38), /^heNormal: expected gain to be a number with \|gain\| ≤ 5\.61e\+37, .*got 1e\+38$/],
  ] as const)('%s (at draw time, where the fan is known)', (_name, init, message) => {
    const before = tf.memory().numTensors;
    expect(() => init([2, 2], new Rng(1))).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('large gains that still fit give finite weights', () => {
    for (const w of [glorotUniform(3e38)([3, 5], new Rng(1)), orthogonal(3e38)([4, 4], new Rng(2)), normal(3.9e37)([50, 50], new Rng(3))]) {
      expect(allFinite(w)).toBe(true);
      w.dispose();
    }
  });

  test('scaleToSpectralRadius: a radius whose scaled W overflows', () => {
    const w = tf.tensor2d([
      [0.5, 0],
      [0, 0.25],
    ]);
    // ρ(W) = 0.5 and max |w| = 0.5: factor rho/0.5 must keep 1·factor (the scalar) in float32.
    expect(() => scaleToSpectralRadius(w, 1e39)).toThrow(/^scaleToSpectralRadius: expected rho to be a number with \|rho\| ≤ 1\.70e\+38, .*got 1e\+39$/);
    const ok = scaleToSpectralRadius(w, 1e38);
    expect(allFinite(ok)).toBe(true);
    tf.dispose([w, ok]);
  });
});
