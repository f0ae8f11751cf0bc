/**
 * rbm-monitor: the reconstruction error and the free-energy gap against values worked out by
 * hand on RBMs with W = 0, and against brute force (F(v) summed over every hidden state,
 * the mean-field reconstruction written out in float64) on tiny RBMs.
 */
import { describe, expect, test } from 'vitest';
import { Rng, ShapeError, tf } from '@gradlab/core';
import { BernoulliRBM, GaussianBernoulliRBM, freeEnergyGap, meanFreeEnergy, reconstructionError } from '../src/index.js';
import { energy, hiddenInput, logSumExp, params64, sigmoid, states, visibleInput, type Params64 } from './brute-force.js';

/** An RBM with the given parameters (W [V][H], b [V], c [H]). */
function rbmOf<T extends BernoulliRBM | GaussianBernoulliRBM>(make: (p: { weight: tf.Tensor; visibleBias: tf.Tensor; hiddenBias: tf.Tensor }) => T, W: number[][], b: number[], c: number[]): T {
  const p = { weight: tf.tensor2d(W), visibleBias: tf.tensor1d(b), hiddenBias: tf.tensor1d(c) };
  const rbm = make(p);
  tf.dispose(Object.values(p));
  return rbm;
}
const bernoulli = (W: number[][], b: number[], c: number[]) => rbmOf((p) => BernoulliRBM.fromParams(p), W, b, c);
const gaussian = (W: number[][], b: number[], c: number[]) => rbmOf((p) => GaussianBernoulliRBM.fromParams(p), W, b, c);

/** F(v) = −log Σ_h exp(−E(v, h)) over all 2^H hidden states (binary RBM). */
function freeEnergy64(p: Params64, v: number[]): number {
  return -logSumExp(states(p.H).map((h) => -energy(p, v, h)));
}

/** Mean squared error per unit between v and σ(b + W·σ(c + vW)), in float64. */
function reconError64(p: Params64, vs: number[][]): number {
  let sum = 0;
  for (const v of vs) {
    const r = visibleInput(p, hiddenInput(p, v).map(sigmoid)).map(sigmoid);
    v.forEach((x, i) => (sum += (x - r[i]!) ** 2));
  }
  return sum / (vs.length * p.V);
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

describe('reconstructionError', () => {
  test.each([
    // W = 0: the hidden units carry nothing, the reconstruction is σ(b) whatever v is.
    ['b = 0: every unit reconstructs to 1/2', [0, 0], [[1, 0], [0, 1], [1, 1]], 0.25],
    // σ(ln 3) = 3/4: errors (1 − 3/4)² and (0 − 1/2)² → (1/16 + 1/4) / 2.
    ['b = (ln 3, 0), v = (1, 0)', [Math.log(3), 0], [[1, 0]], 0.15625],
    // (0 − 3/4)² and (1 − 1/2)², then (1/16 + 1/4) from (1, 0): (9/16 + 1/4 + 1/16 + 1/4) / 4.
    ['b = (ln 3, 0), v = (0, 1) and (1, 0)', [Math.log(3), 0], [[0, 1], [1, 0]], 0.28125],
  ])('hand value, Bernoulli RBM with W = 0, %s', (_, b, v, expected) => {
    const rbm = bernoulli([[0], [0]], b, [0.3]);
    const x = tf.tensor2d(v);
    expect(reconstructionError(rbm, x)).toBeCloseTo(expected, 6);
    tf.dispose(x);
    rbm.dispose();
  });

  test('hand value, Gaussian-Bernoulli RBM with W = 0: the reconstruction is b', () => {
    const rbm = gaussian([[0], [0]], [1, -1], [0]);
    const x = tf.tensor2d([[1.5, 0]]);
    expect(reconstructionError(rbm, x)).toBeCloseTo((0.5 ** 2 + 1 ** 2) / 2, 6); // 0.625
    tf.dispose(x);
    rbm.dispose();
  });

  test.each([
    ['hand weights V=2, H=1', () => bernoulli([[1], [-1]], [0.5, 0], [0])],
    ['random V=4, H=3', () => randomRBM(4, 3, 11)],
  ])('brute force, %s, every visible state', (_, make) => {
    const rbm = make();
    const p = params64(rbm);
    const vs = states(p.V);
    const x = tf.tensor2d(vs);
    expect(reconstructionError(rbm, x)).toBeCloseTo(reconError64(p, vs), 5);
    // A single row too: the mean is per unit, not per row.
    const one = tf.tensor2d([vs[1]!]);
    expect(reconstructionError(rbm, one)).toBeCloseTo(reconError64(p, [vs[1]!]), 5);
    tf.dispose([x, one]);
    rbm.dispose();
  });
});

describe('freeEnergyGap', () => {
  test('hand value, Bernoulli RBM with W = 0: F(v) = −b·v − Σ softplus(c), gap ln 3', () => {
    const rbm = bernoulli([[0], [0]], [Math.log(3), 0], [0]);
    const train = tf.tensor2d([[1, 0]]); // F = −ln 3 − ln 2
    const heldOut = tf.tensor2d([[0, 1]]); // F = −ln 2
    const g = freeEnergyGap(rbm, train, heldOut);
    expect(g.train).toBeCloseTo(-Math.log(6), 6);
    expect(g.heldOut).toBeCloseTo(-Math.log(2), 6);
    expect(g.gap).toBeCloseTo(Math.log(3), 6);
    tf.dispose([train, heldOut]);
    rbm.dispose();
  });

  test('hand value, Gaussian-Bernoulli RBM with W = 0: F(v) = |v − b|²/2 − Σ softplus(c), gap 2', () => {
    const rbm = gaussian([[0], [0]], [1, -1], [0]);
    const train = tf.tensor2d([[1, -1]]); // F = −ln 2
    const heldOut = tf.tensor2d([[3, -1]]); // F = 2 − ln 2
    const g = freeEnergyGap(rbm, train, heldOut);
    expect([g.train, g.heldOut, g.gap].map((x) => Number(x.toFixed(6)))).toEqual([-0.693147, 1.306853, 2]);
    tf.dispose([train, heldOut]);
    rbm.dispose();
  });

  test('brute force over the hidden states, hand weights V=2, H=1, sets of different sizes', () => {
    // F(1,0) = −(0.5 + ln(1 + e)), F(1,1) = −(0.5 + ln 2), F(0,0) = −ln 2, F(0,1) = −ln(1 + 1/e).
    const rbm = bernoulli([[1], [-1]], [0.5, 0], [0]);
    const p = params64(rbm);
    const trainRows = [[1, 0], [1, 1]];
    const heldRows = [[0, 0], [0, 1], [0, 1]];
    const train = tf.tensor2d(trainRows);
    const heldOut = tf.tensor2d(heldRows);
    const g = freeEnergyGap(rbm, train, heldOut);
    const a = mean(trainRows.map((v) => freeEnergy64(p, v)));
    const b = mean(heldRows.map((v) => freeEnergy64(p, v)));
    expect(a).toBeCloseTo(-(0.5 + Math.log(1 + Math.E) + 0.5 + Math.log(2)) / 2, 12);
    expect(g.train).toBeCloseTo(a, 5);
    expect(g.heldOut).toBeCloseTo(b, 5);
    expect(g.gap).toBeCloseTo(b - a, 5); // 1.0633
    expect(meanFreeEnergy(rbm, heldOut)).toBeCloseTo(b, 5);
    tf.dispose([train, heldOut]);
    rbm.dispose();
  });

  test('brute force, random V=4, H=3: training rows against the other visible states', () => {
    const rbm = randomRBM(4, 3, 12);
    const p = params64(rbm);
    const all = states(4);
    const trainRows = all.slice(0, 5);
    const heldRows = all.slice(5);
    const train = tf.tensor2d(trainRows);
    const heldOut = tf.tensor2d(heldRows);
    const g = freeEnergyGap(rbm, train, heldOut);
    expect(g.gap).toBeCloseTo(mean(heldRows.map((v) => freeEnergy64(p, v))) - mean(trainRows.map((v) => freeEnergy64(p, v))), 4);
    tf.dispose([train, heldOut]);
    rbm.dispose();
  });

  test('data of the wrong rank is named in the error', () => {
    const rbm = bernoulli([[1], [-1]], [0.5, 0], [0]);
    const flat = tf.tensor1d([1, 0]);
    const rows = tf.tensor2d([[1, 0]]);
    expect(() => freeEnergyGap(rbm, flat, rows)).toThrow(ShapeError);
    expect(() => freeEnergyGap(rbm, flat, rows)).toThrow(/^freeEnergyGap: expected train and heldOut of shape \[n, 2\], got \[2\] and \[1,2\]$/);
    tf.dispose([flat, rows]);
    rbm.dispose();
  });
});

/** A Bernoulli RBM with O(1) parameters, so that every term matters. */
function randomRBM(V: number, H: number, seed: number): BernoulliRBM {
  const r = new Rng(seed);
  const p = {
    weight: r.fork('w').normalTensor([V, H], 0, 1),
    visibleBias: r.fork('b').normalTensor([V], 0, 0.5),
    hiddenBias: r.fork('c').normalTensor([H], 0, 0.5),
  };
  const rbm = BernoulliRBM.fromParams(p);
  tf.dispose(Object.values(p));
  return rbm;
}
