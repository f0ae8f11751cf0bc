import { describe, expect, test } from 'vitest';
import { Rng, barsAndStripes, tf } from '@gradlab/core';
import {
  BernoulliGaussianRBM,
  BernoulliRBM,
  GaussianBernoulliRBM,
  annealedImportanceSampling,
  exactLogPartition,
  pseudoLikelihood,
} from '../src/index.js';
import { aisSchedule } from '../src/annealed-importance-sampling.js';
import { conditionalLogLikelihoods } from '../src/pseudo-likelihood.js';
import { logSumExp, states } from './brute-force.js';

function randomParams(V: number, H: number, seed: number, scale: number) {
  const r = new Rng(seed);
  return {
    weight: r.fork('w').normalTensor([V, H], 0, scale),
    visibleBias: r.fork('b').normalTensor([V], 0, 0.5 * scale),
    hiddenBias: r.fork('c').normalTensor([H], 0, 0.5 * scale),
  };
}

function randomRBM(V: number, H: number, seed: number, scale = 1): BernoulliRBM {
  const p = randomParams(V, H, seed, scale);
  const rbm = BernoulliRBM.fromParams(p);
  tf.dispose(Object.values(p));
  return rbm;
}

function randomGaussianRBM(V: number, H: number, seed: number, scale = 0.5): GaussianBernoulliRBM {
  const p = randomParams(V, H, seed, scale);
  const rbm = GaussianBernoulliRBM.fromParams(p);
  tf.dispose(Object.values(p));
  return rbm;
}

describe('GaussianBernoulliRBM free energies and partition function', () => {
  test('F(v) and F_h(h) match brute force; log Z matches numerical integration over v (V=2, H=3)', () => {
    const rbm = randomGaussianRBM(2, 3, 5, 0.8);
    const hs = states(3);
    const hT = tf.tensor2d(hs);
    // F(v) = −log Σ_h exp(−E(v, h)), using the model's energy at a few points.
    const vs = [
      [0.3, -1.2],
      [2, 0.5],
    ];
    const vT = tf.tensor2d(vs);
    const F = rbm.freeEnergy(vT).arraySync();
    vs.forEach((v, i) => {
      const e = tf.tidy(() => rbm.energy(tf.tensor2d(hs.map(() => v)), hT).arraySync());
      expect(F[i]).toBeCloseTo(-logSumExp(e.map((x) => -x)), 4);
    });
    // Grid over v ∈ [−12, 12]² for the integrals.
    const step = 0.05;
    const grid: number[][] = [];
    for (let a = -12; a <= 12; a += step) for (let b = -12; b <= 12; b += step) grid.push([a, b]);
    const gT = tf.tensor2d(grid);
    const fGrid = rbm.freeEnergy(gT).arraySync();
    const logZGrid = logSumExp(fGrid.map((f) => -f)) + 2 * Math.log(step);
    expect(exactLogPartition(rbm)).toBeCloseTo(logZGrid, 3);
    const Fh = rbm.hiddenFreeEnergy(hT).arraySync();
    hs.forEach((h, j) => {
      const e = tf.tidy(() => rbm.energy(gT, tf.tile(tf.tensor2d([h]), [grid.length, 1])).arraySync());
      expect(Fh[j]).toBeCloseTo(-(logSumExp(e.map((x) => -x)) + 2 * Math.log(step)), 3);
    });
    expect(() => exactLogPartition(rbm, { layer: 'visible' })).toThrow(/expected layer "hidden" for Gaussian visible units/);
    tf.dispose([hT, vT, gT]);
    rbm.dispose();
  });

  test('sampleVisible draws N(h·Wᵀ + b, 1): mean and variance (±5 standard errors)', () => {
    const rbm = randomGaussianRBM(3, 2, 9);
    const n = 20000;
    const h = tf.tidy(() => tf.tile(tf.tensor2d([[1, 0]]), [n, 1]));
    const s = rbm.sampleVisible(h, new Rng(2));
    const m = rbm.meanVisible(h);
    const [mean, variance] = tf.tidy(() => {
      const mo = tf.moments(s, 0);
      return [mo.mean.arraySync() as number[], mo.variance.arraySync() as number[]];
    });
    const expected = (m.arraySync() as number[][])[0]!;
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(mean[i]! - expected[i]!)).toBeLessThan(5 / Math.sqrt(n));
      expect(Math.abs(variance[i]! - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    }
    tf.dispose([h, s, m]);
    rbm.dispose();
  });
});

describe('BernoulliGaussianRBM (linear Gaussian hidden units)', () => {
  test('F(v), F_h(h) and log Z match numerical integration over h (V=3, H=2)', () => {
    const p = randomParams(3, 2, 12, 0.7);
    const rbm = BernoulliGaussianRBM.fromParams(p);
    tf.dispose(Object.values(p));
    const vs = states(3);
    const step = 0.05;
    const grid: number[][] = [];
    for (let a = -10; a <= 10; a += step) for (let b = -10; b <= 10; b += step) grid.push([a, b]);
    const gT = tf.tensor2d(grid);
    const vT = tf.tensor2d(vs);
    const F = rbm.freeEnergy(vT).arraySync();
    const logs: number[] = [];
    vs.forEach((v, i) => {
      const e = tf.tidy(() => rbm.energy(tf.tile(tf.tensor2d([v]), [grid.length, 1]), gT).arraySync());
      const logInt = logSumExp(e.map((x) => -x)) + 2 * Math.log(step);
      logs.push(logInt);
      expect(F[i]).toBeCloseTo(-logInt, 3);
    });
    expect(exactLogPartition(rbm)).toBeCloseTo(logSumExp(logs), 3);
    // F_h(h) = −log Σ_v exp(−E(v, h)) at two points.
    const hs = [
      [0.3, -1],
      [1.5, 0.2],
    ];
    const Fh = rbm.hiddenFreeEnergy(tf.tensor2d(hs)).arraySync();
    hs.forEach((h, j) => {
      const e = tf.tidy(() => rbm.energy(vT, tf.tile(tf.tensor2d([h]), [vs.length, 1])).arraySync());
      expect(Fh[j]).toBeCloseTo(-logSumExp(e.map((x) => -x)), 4);
    });
    expect(() => exactLogPartition(rbm, { layer: 'hidden' })).toThrow(/expected layer "visible" for Gaussian hidden units/);
    expect(() => annealedImportanceSampling(rbm, new Rng(0))).toThrow(/expected an RBM with binary hidden units, got hidden type "gaussian"/);
    tf.dispose([gT, vT]);
    rbm.dispose();
  });

  test('sampleHidden draws N(v·W + c, 1) (±5 standard errors)', () => {
    const rbm = new BernoulliGaussianRBM({ numVisible: 3, numHidden: 2, weightStd: 1 }, new Rng(3));
    const n = 20000;
    const v = tf.tidy(() => tf.tile(tf.tensor2d([[1, 0, 1]]), [n, 1]));
    const s = rbm.sampleHidden(v, new Rng(4));
    const m = tf.tidy(() => (rbm.meanHidden(v).arraySync() as number[][])[0]!);
    const [mean, variance] = tf.tidy(() => {
      const mo = tf.moments(s, 0);
      return [mo.mean.arraySync() as number[], mo.variance.arraySync() as number[]];
    });
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(mean[j]! - m[j]!)).toBeLessThan(5 / Math.sqrt(n));
      expect(Math.abs(variance[j]! - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    }
    tf.dispose([v, s]);
    rbm.dispose();
  });
});

describe('annealedImportanceSampling', () => {
  test('the schedule follows Salakhutdinov & Murray (14,500 βs: 0.5 at 500, 0.9 at 4,500)', () => {
    const b = aisSchedule(14_500);
    expect(b).toHaveLength(14_501);
    expect(b[0]).toBe(0);
    expect(b[500]).toBeCloseTo(0.5, 12);
    expect(b[4500]).toBeCloseTo(0.9, 12);
    expect(b[14_500]).toBe(1);
    expect(b.every((x, i) => i === 0 || x > b[i - 1]!)).toBe(true);
    expect(aisSchedule(1)).toEqual(Float64Array.from([0, 1]));
  });

  test('a 16×12 Bernoulli RBM: the exact log Z lies within the AIS error bars', () => {
    const rbm = randomRBM(16, 12, 3, 0.7);
    const exact = exactLogPartition(rbm);
    const data = barsAndStripes(4);
    const x = tf.tensor2d(data.x, data.shape);
    const ais = annealedImportanceSampling(rbm, new Rng(1).fork('ais'), { numRuns: 100, numBetas: 3000, data: x });
    expect(exact).toBeGreaterThanOrEqual(ais.logZLow);
    expect(exact).toBeLessThanOrEqual(ais.logZHigh);
    expect(Math.abs(ais.logZ - exact)).toBeLessThan(Math.max(0.1, 4 * ais.stdErr));
    expect(ais.logWeights).toHaveLength(100);
    expect(ais.stdErr).toBeGreaterThan(0);
    x.dispose();
    rbm.dispose();
  });

  test('a Gaussian–Bernoulli RBM: AIS agrees with hidden-layer enumeration', () => {
    const rbm = randomGaussianRBM(4, 10, 6, 0.6);
    const exact = exactLogPartition(rbm);
    const ais = annealedImportanceSampling(rbm, new Rng(2), { numRuns: 100, numBetas: 2000 });
    expect(exact).toBeGreaterThanOrEqual(ais.logZLow);
    expect(exact).toBeLessThanOrEqual(ais.logZHigh);
    rbm.dispose();
  });

  test('no leaks, the model is not changed, errors are clear', () => {
    const rbm = randomRBM(5, 3, 1);
    const w = Array.from(rbm.weight.dataSync());
    annealedImportanceSampling(rbm, new Rng(0), { numRuns: 4, numBetas: 10 });
    const n = tf.memory().numTensors;
    annealedImportanceSampling(rbm, new Rng(0), { numRuns: 4, numBetas: 10 });
    expect(tf.memory().numTensors).toBe(n);
    expect(Array.from(rbm.weight.dataSync())).toEqual(w);
    expect(() => annealedImportanceSampling(rbm, new Rng(0), { betas: [0, 0.5, 0.4, 1] })).toThrow(
      /annealedImportanceSampling: expected betas to be a strictly increasing array from 0 to 1/,
    );
    expect(() => annealedImportanceSampling(rbm, new Rng(0), { numRuns: 0 })).toThrow(/expected numRuns to be a positive integer, got 0/);
    const bad = tf.zeros([3, 4]);
    expect(() => annealedImportanceSampling(rbm, new Rng(0), { data: bad })).toThrow(/expected data of shape \[n, 5\], got \[3,4\]/);
    bad.dispose();
    rbm.dispose();
  });
});

describe('pseudoLikelihood', () => {
  test('equals the direct computation (1/V) Σ_i log σ(F(ṽ⁽ⁱ⁾) − F(v)) from free energies', () => {
    const rbm = randomRBM(6, 5, 8);
    const rows = [
      [1, 0, 1, 1, 0, 0],
      [0, 0, 0, 1, 1, 1],
      [1, 1, 1, 1, 1, 0],
    ];
    const x = tf.tensor2d(rows);
    const F = (vs: number[][]) => tf.tidy(() => Array.from(rbm.freeEnergy(tf.tensor2d(vs)).dataSync()));
    const f0 = F(rows);
    let total = 0;
    rows.forEach((v, r) => {
      const flips = v.map((_, i) => v.map((x, j) => (i === j ? 1 - x : x)));
      const f1 = F(flips);
      f1.forEach((f) => (total += -Math.log1p(Math.exp(-(f - f0[r]!)))));
    });
    const direct = total / (rows.length * 6);
    expect(pseudoLikelihood(rbm, x)).toBeCloseTo(direct, 5);
    const terms = conditionalLogLikelihoods(rbm, x);
    expect(terms.shape).toEqual([3, 6]);
    terms.dispose();
    x.dispose();
    rbm.dispose();
  });

  test('chunked evaluation equals evaluation in parts', () => {
    const rbm = randomRBM(40, 30, 2, 0.3);
    const r = new Rng(3);
    const x = tf.tidy(() => r.bernoulliTensor(tf.fill([4000, 40], 0.4))); // 4.8M elements of [n, V, H]: two chunks
    const all = pseudoLikelihood(rbm, x);
    const [a, b] = tf.tidy(() => [tf.slice(x, [0, 0], [2000, 40]), tf.slice(x, [2000, 0], [2000, 40])]);
    const halves = (pseudoLikelihood(rbm, a!) + pseudoLikelihood(rbm, b!)) / 2;
    expect(all).toBeLessThan(0);
    expect(all).toBeCloseTo(halves, 5);
    tf.dispose([x, a!, b!]);
    rbm.dispose();
  });

  test("scikit-learn's one-random-unit estimator has the exact value as its expectation (±5 SE)", () => {
    const rbm = randomRBM(5, 4, 4);
    const n = 20000;
    const x = tf.tidy(() => tf.tile(tf.tensor2d([[1, 0, 0, 1, 1]]), [n, 1]));
    const exact = pseudoLikelihood(rbm, tf.tensor2d([[1, 0, 0, 1, 1]]));
    const terms = tf.tidy(() => Array.from(conditionalLogLikelihoods(rbm, tf.tensor2d([[1, 0, 0, 1, 1]])).dataSync()));
    const sd = Math.sqrt(terms.reduce((s, t) => s + (t - exact) ** 2, 0) / terms.length);
    const stochastic = pseudoLikelihood(rbm, x, { rng: new Rng(7) });
    expect(Math.abs(stochastic - exact)).toBeLessThan(5 * (sd / Math.sqrt(n)) + 1e-6);
    x.dispose();
    rbm.dispose();
  });

  test('rejects Gaussian visibles, with a clear message', () => {
    const rbm = randomGaussianRBM(3, 2, 1);
    const x = tf.zeros([1, 3]);
    expect(() => pseudoLikelihood(rbm, x)).toThrow(/pseudoLikelihood: expected an RBM with binary visible and hidden units \(a BernoulliRBM\), got visible type "gaussian" and hidden type "bernoulli"/);
    x.dispose();
    rbm.dispose();
  });
});
