import { describe, expect, test } from 'vitest';
import { Rng, ShapeError, autodiffGradients, checkGradients, numericGradient, tf, type ScalarFunction } from '@gradlab/core';
import { GRADCHECK_DEFAULTS } from '../../src/gradcheck/finite-differences.js';

const rng = new Rng(2024);
const x = rng.fork('x').normalTensor([8, 3]); // [batch, in]
const y = rng.fork('y').normalTensor([8, 2]); // [batch, out]

// Least squares: f = ½ mean_batch ‖x W + b − y‖², ∂f/∂W = xᵀ r / B, ∂f/∂b = Σ_batch r / B.
const leastSquares: ScalarFunction = ({ w, b }) =>
  tf.tidy(() => tf.div(tf.mul(0.5, tf.sum(tf.square(tf.sub(tf.add(tf.matMul(x, w!), b!), y)))), 8));
function leastSquaresGrads(w: tf.Tensor, b: tf.Tensor, wrongScale = 1): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const r = tf.sub(tf.add(tf.matMul(x, w), b), y);
    return { w: tf.mul(tf.div(tf.matMul(tf.transpose(x), r), 8), wrongScale), b: tf.div(tf.sum(r, 0), 8) };
  });
}

// f = Σ v ⊙ tanh(W u): ∂f/∂W = ((1 − tanh²) ⊙ v) uᵀ, ∂f/∂u = Wᵀ ((1 − tanh²) ⊙ v).
const v = rng.fork('v').normalTensor([4, 5]);
const tanhLoss: ScalarFunction = ({ W, u }) => tf.tidy(() => tf.sum(tf.mul(v, tf.tanh(tf.matMul(W!, u!)))));
function tanhGrads(W: tf.Tensor, u: tf.Tensor, forgetDerivative = false): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const h = tf.tanh(tf.matMul(W, u));
    const delta = forgetDerivative ? v : tf.mul(v, tf.sub(1, tf.square(h)));
    return { W: tf.matMul(delta, tf.transpose(u)), u: tf.matMul(tf.transpose(W), delta) };
  });
}

describe('numericGradient', () => {
  test('central differences of Σ w² give 2w at every coordinate', () => {
    const w = tf.tensor2d([[1, -2], [0.5, 3]]);
    const num = numericGradient(({ w }) => tf.sum(tf.square(w!)), { w });
    expect(num.w!.shape).toEqual([2, 2]);
    expect(Array.from(num.w!.indices)).toEqual([0, 1, 2, 3]);
    Array.from(num.w!.values).forEach((g, i) => expect(g).toBeCloseTo(2 * [1, -2, 0.5, 3][i]!, 2));
    w.dispose();
  });

  test('samples distinct coordinates, reproducibly from the Rng', () => {
    const big = tf.zeros([10, 10]);
    const f: ScalarFunction = ({ big }) => tf.sum(big!);
    const a = numericGradient(f, { big }, { indices: 5, rng: new Rng(1) });
    const b = numericGradient(f, { big }, { indices: 5, rng: new Rng(1) });
    const c = numericGradient(f, { big }, { indices: 5, rng: new Rng(2) });
    const ia = Array.from(a.big!.indices);
    expect(ia.length).toBe(5);
    expect(new Set(ia).size).toBe(5);
    expect([...ia].sort((p, q) => p - q)).toEqual(ia);
    expect(Array.from(b.big!.indices)).toEqual(ia);
    expect(Array.from(c.big!.indices)).not.toEqual(ia);
    Array.from(a.big!.values).forEach((g) => expect(g).toBeCloseTo(1, 3));
    const explicit = numericGradient(f, { big }, { indices: { big: [0, 99] } });
    expect(Array.from(explicit.big!.indices)).toEqual([0, 99]);
    big.dispose();
  });

  test('rejects bad options, non-scalar f and an epsilon lost in float32', () => {
    const w = tf.tensor1d([1e6, 1]);
    const f: ScalarFunction = ({ w }) => tf.sum(w!);
    expect(() => numericGradient(f, { w }, { epsilon: 0 })).toThrow(/numericGradient: expected epsilon to be a finite number > 0, got 0/);
    expect(() => numericGradient(f, { w }, { epsilon: 1e-3 })).toThrow(
      /numericGradient: expected epsilon to change params\["w"\]\[0\] = 1000000 in float32, got 0.001/,
    );
    expect(() => numericGradient(({ w }) => tf.mul(w!, 2), { w }, { epsilon: 1 })).toThrow(ShapeError);
    expect(() => numericGradient(({ w }) => tf.mul(w!, 2), { w }, { epsilon: 1 })).toThrow(/numericGradient: expected f to return a scalar, got shape \[2\]/);
    expect(() => numericGradient(f, { w }, { indices: { v: [0] } })).toThrow(/numericGradient: expected a name in indices to be one of the params \(w\), got "v"/);
    expect(() => numericGradient(f, { w }, { indices: { w: [2] } })).toThrow(/expected indices\["w"\]\[0\] to be an integer in \[0, 1\], got 2/);
    w.dispose();
  });
});

describe('checkGradients', () => {
  test('passes the right least-squares gradient and catches one 5% off', () => {
    const w = rng.fork('w').normalTensor([3, 2]);
    const b = rng.fork('b').normalTensor([2]);
    const right = leastSquaresGrads(w, b);
    const wrong = leastSquaresGrads(w, b, 1.05);
    const ok = checkGradients(leastSquares, { w, b }, right);
    expect(ok.ok).toBe(true);
    expect(ok.checked).toBe(8);
    expect(ok.maxRelError).toBeLessThan(1e-2);
    const bad = checkGradients(leastSquares, { w, b }, wrong);
    expect(bad.ok).toBe(false);
    expect(bad.worst!.name).toBe('w');
    expect(bad.worst!.analytic / bad.worst!.numeric).toBeCloseTo(1.05, 2);
    tf.dispose([w, b, right, wrong]);
  });

  test('tanh(Wx): explicit backprop passes, a forgotten tanh′ fails, autodiff agrees', () => {
    const W = rng.fork('W').normalTensor([4, 3], 0, 0.8);
    const u = rng.fork('u').normalTensor([3, 5]);
    const right = tanhGrads(W, u);
    const wrong = tanhGrads(W, u, true);
    const auto = autodiffGradients(tanhLoss, { W, u });
    expect(checkGradients(tanhLoss, { W, u }, right).ok).toBe(true);
    expect(checkGradients(tanhLoss, { W, u }, auto).ok).toBe(true);
    const bad = checkGradients(tanhLoss, { W, u }, wrong);
    expect(bad.ok).toBe(false);
    expect(bad.maxRelError).toBeGreaterThan(0.1);
    for (const n of ['W', 'u']) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(auto[n]!, right[n]!))).dataSync()[0]!);
      expect(d).toBeLessThan(1e-5);
    }
    tf.dispose([W, u, right, wrong, auto]);
  });

  test('big tensors are checked on `samples` coordinates per tensor', () => {
    const W = rng.fork('bigW').normalTensor([40, 30], 0, 0.1);
    const u = rng.fork('bigU').normalTensor([30, 2]);
    const vv = rng.fork('bigV').normalTensor([40, 2]);
    const f: ScalarFunction = ({ W, u }) => tf.tidy(() => tf.mean(tf.mul(vv, tf.tanh(tf.matMul(W!, u!)))));
    const auto = autodiffGradients(f, { W, u });
    const r = checkGradients(f, { W, u }, auto, { samples: 7, rng: new Rng(9) });
    expect(r.checked).toBe(14);
    expect(r.ok).toBe(true);
    expect(GRADCHECK_DEFAULTS).toMatchObject({ epsilon: 1e-3, rtol: 1e-2, atol: 1e-3, samples: 20 });
    tf.dispose([W, u, vv, auto]);
  });

  test('a NaN gradient never passes', () => {
    const w = tf.tensor1d([1, 2]);
    const g = { w: tf.tensor1d([2, Number.NaN]) };
    const r = checkGradients(({ w }) => tf.sum(tf.square(w!)), { w }, g);
    expect(r.ok).toBe(false);
    expect(r.worst).toMatchObject({ name: 'w', index: 1 });
    tf.dispose([w, g]);
  });

  test('leaks nothing and changes neither params nor gradients', () => {
    const W = rng.fork('W2').normalTensor([4, 3]);
    const u = rng.fork('u2').normalTensor([3, 5]);
    const right = tanhGrads(W, u);
    const w0 = Array.from(W.dataSync());
    const g0 = Array.from(right.W!.dataSync());
    const before = tf.memory().numTensors;
    checkGradients(tanhLoss, { W, u }, right, { samples: 4 });
    tf.dispose(autodiffGradients(tanhLoss, { W, u }));
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(W.dataSync())).toEqual(w0);
    expect(Array.from(right.W!.dataSync())).toEqual(g0);
    tf.dispose([W, u, right]);
  });

  test('mismatched gradients are rejected with a message naming them', () => {
    const w = tf.zeros([2, 3]);
    const f: ScalarFunction = ({ w }) => tf.sum(w!);
    const g = { w: tf.zeros([3, 2]) };
    expect(() => checkGradients(f, { w }, g)).toThrow(ShapeError);
    expect(() => checkGradients(f, { w }, g)).toThrow(
      /checkGradients: expected analyticGrads\["w"\] to have shape \[2, 3\] \(the shape of params\["w"\]\), got \[3, 2\]/,
    );
    expect(() => checkGradients(f, { w }, {})).toThrow(/checkGradients: expected analyticGrads\["w"\] to be a tf.Tensor \(every parameter needs a gradient\)/);
    expect(() => checkGradients(f, { w }, { w: g.w, x: g.w })).toThrow(/expected every name in analyticGrads to be a parameter, got "x"/);
    expect(() => checkGradients(f, { w }, g, { samples: 0 })).toThrow(/checkGradients: expected samples to be a positive integer, got 0/);
    expect(() => checkGradients(f, { w }, g, { rtol: -1 })).toThrow(/checkGradients: expected rtol to be a finite number >= 0, got -1/);
    tf.dispose([w, g]);
  });
});

describe('autodiffGradients', () => {
  test('works on variables and gives zeros to parameters f does not use', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const unused = tf.variable(tf.tensor2d([[5]]));
    const g = autodiffGradients(({ a }) => tf.sum(tf.mul(a!, a!)), { a, unused });
    expect(Array.from(g.a!.dataSync())).toEqual([2, 4]);
    expect(g.unused!.shape).toEqual([1, 1]);
    expect(Array.from(g.unused!.dataSync())).toEqual([0]);
    expect(() => autodiffGradients(({ a }) => tf.mul(a!, 2), { a })).toThrow(/autodiffGradients: expected f to return a scalar, got shape \[2\]/);
    tf.dispose([a, unused, g]);
  });
});
