import { describe, expect, test } from 'vitest';
import { Rng, ShapeError, ValidationError, tf } from '@gradlab/core';
import {
  BernoulliRBM,
  GaussianBernoulliRBM,
  exactLogLikelihood,
  exactLogPartition,
  freeEnergyGap,
  logProbability,
  reconstructionError,
} from '../src/index.js';
import { energy, exactVisibleDistribution, logSumExp, params64, states } from './brute-force.js';

/** A tiny model with O(1) parameters, so that every term matters. */
function randomRBM(V: number, H: number, seed: number, scale = 1): BernoulliRBM {
  const r = new Rng(seed);
  const p = {
    weight: r.fork('w').normalTensor([V, H], 0, scale),
    visibleBias: r.fork('b').normalTensor([V], 0, 0.5 * scale),
    hiddenBias: r.fork('c').normalTensor([H], 0, 0.5 * scale),
  };
  const rbm = BernoulliRBM.fromParams(p);
  tf.dispose(Object.values(p));
  return rbm;
}

describe('BernoulliRBM free energies and partition function', () => {
  test.each([
    [3, 4],
    [5, 2],
    [4, 4],
  ])('F(v), F_h(h) and log Z match brute force over both layers (V=%i, H=%i)', (V, H) => {
    const rbm = randomRBM(V, H, 10 * V + H);
    const p = params64(rbm);
    const vs = states(V);
    const hs = states(H);
    const vT = tf.tensor2d(vs);
    const hT = tf.tensor2d(hs);
    const F = rbm.freeEnergy(vT).arraySync();
    const Fh = rbm.hiddenFreeEnergy(hT).arraySync();
    vs.forEach((v, i) => expect(F[i]).toBeCloseTo(-logSumExp(hs.map((h) => -energy(p, v, h))), 4));
    hs.forEach((h, j) => expect(Fh[j]).toBeCloseTo(-logSumExp(vs.map((v) => -energy(p, v, h))), 4));
    const logZ = logSumExp(vs.flatMap((v) => hs.map((h) => -energy(p, v, h))));
    expect(exactLogPartition(rbm, { layer: 'visible' })).toBeCloseTo(logZ, 4);
    expect(exactLogPartition(rbm, { layer: 'hidden' })).toBeCloseTo(logZ, 4);
    expect(exactLogPartition(rbm)).toBeCloseTo(logZ, 4);
    // The exact distribution sums to one.
    const lp = logProbability(rbm, vT);
    expect(lp.reduce((s, x) => s + Math.exp(x), 0)).toBeCloseTo(1, 5);
    const e = rbm.energy(tf.tensor2d([vs[1]!]), tf.tensor2d([hs[2]!]));
    expect(e.dataSync()[0]).toBeCloseTo(energy(p, vs[1]!, hs[2]!), 5);
    tf.dispose([vT, hT, e]);
    rbm.dispose();
  });

  test('enumeration across several chunks agrees with the other layer (V=15, H=3)', () => {
    const rbm = randomRBM(15, 3, 7, 0.5);
    const byVisible = exactLogPartition(rbm, { layer: 'visible' }); // 2^15 states, two chunks
    const byHidden = exactLogPartition(rbm, { layer: 'hidden' });
    expect(byVisible).toBeCloseTo(byHidden, 3);
    rbm.dispose();
  });

  test('exact log-likelihood of the data is the mean of −F(v) − log Z', () => {
    const rbm = randomRBM(4, 3, 3);
    const p = params64(rbm);
    const dist = exactVisibleDistribution(p);
    const rows = [states(4)[3]!, states(4)[9]!];
    const x = tf.tensor2d(rows);
    const expected = (Math.log(dist[3]!) + Math.log(dist[9]!)) / 2;
    expect(exactLogLikelihood(rbm, x)).toBeCloseTo(expected, 4);
    x.dispose();
    rbm.dispose();
  });

  test('a seeded model gives the recorded free energy (regression)', () => {
    const rbm = new BernoulliRBM({ numVisible: 6, numHidden: 4, weightStd: 0.5 }, new Rng(42));
    const v = tf.tensor2d([[1, 0, 1, 1, 0, 0]]);
    const f = rbm.freeEnergy(v);
    expect(f.dataSync()[0]).toBeCloseTo(REGRESSION_FREE_ENERGY, 4);
    tf.dispose([v, f]);
    rbm.dispose();
  });
});

describe('BernoulliRBM sampling', () => {
  test('the mean of many sampleHidden / sampleVisible draws is meanHidden / meanVisible (±5 standard errors)', () => {
    const rbm = randomRBM(5, 4, 11);
    const n = 20000;
    const v = tf.tidy(() => tf.tile(tf.tensor2d([[1, 0, 1, 1, 0]]), [n, 1]));
    const h = tf.tidy(() => tf.tile(tf.tensor2d([[0, 1, 1, 0]]), [n, 1]));
    const rng = new Rng(5);
    const check = (samples: tf.Tensor, means: tf.Tensor) => {
      const emp = tf.tidy(() => tf.mean(samples, 0).arraySync() as number[]);
      const p = tf.tidy(() => tf.mean(means, 0).arraySync() as number[]);
      for (let j = 0; j < p.length; j++) {
        const se = Math.sqrt((p[j]! * (1 - p[j]!)) / n);
        expect(Math.abs(emp[j]! - p[j]!)).toBeLessThan(5 * se + 1e-6);
      }
      const values = new Set(samples.dataSync());
      expect([...values].every((x) => x === 0 || x === 1)).toBe(true);
    };
    const hs = rbm.sampleHidden(v, rng);
    const hm = rbm.meanHidden(v);
    check(hs, hm);
    const vs = rbm.sampleVisible(h, rng);
    const vm = rbm.meanVisible(h);
    check(vs, vm);
    tf.dispose([v, h, hs, hm, vs, vm]);
    rbm.dispose();
  });

  test('long Gibbs chains reach the exact distribution P(v) (total variation < 0.03)', () => {
    const rbm = randomRBM(3, 2, 21);
    const exact = exactVisibleDistribution(params64(rbm));
    const chains = 8000;
    const start = tf.zeros([chains, 3]);
    const end = rbm.gibbs(start, 30, new Rng(8));
    const rows = end.arraySync() as number[][];
    const counts = new Array(8).fill(0);
    for (const r of rows) counts[r[0]! + 2 * r[1]! + 4 * r[2]!] += 1;
    const tv = 0.5 * counts.reduce((s, c, i) => s + Math.abs(c / chains - exact[i]!), 0);
    expect(tv).toBeLessThan(0.03);
    tf.dispose([start, end]);
    rbm.dispose();
  });

  test('same seed, same samples; different fork, different samples', () => {
    const rbm = randomRBM(4, 3, 1);
    const v = tf.tensor2d([[1, 1, 0, 0]]);
    const a = rbm.gibbs(v, 5, new Rng(3).fork('g'));
    const b = rbm.gibbs(v, 5, new Rng(3).fork('g'));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([v, a, b]);
    rbm.dispose();
  });
});

describe('BernoulliRBM construction and hygiene', () => {
  test('Hinton initialisation: W ~ N(0, 0.01²), c = 0, b = logit of the visible means', () => {
    const rbm = new BernoulliRBM({ numVisible: 200, numHidden: 100, visibleMeans: new Array(200).fill(0.25) }, new Rng(1));
    const w = Array.from(rbm.weight.dataSync());
    const mean = w.reduce((s, x) => s + x, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, x) => s + (x - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(std).toBeCloseTo(0.01, 3);
    expect(Array.from(rbm.hiddenBias.dataSync()).every((x) => x === 0)).toBe(true);
    expect(rbm.visibleBias.dataSync()[0]).toBeCloseTo(Math.log(0.25 / 0.75), 5);
    rbm.dispose();
    // Means of 0 and 1 give finite biases.
    const clipped = new BernoulliRBM({ numVisible: 2, numHidden: 1, visibleMeans: [0, 1] }, new Rng(1));
    expect(Array.from(clipped.visibleBias.dataSync()).every(Number.isFinite)).toBe(true);
    clipped.dispose();
  });

  test('no tensor leaks and inputs are not mutated', () => {
    const rbm = randomRBM(6, 5, 2);
    const v = tf.tensor2d([[1, 0, 1, 0, 1, 1]]);
    const h = tf.tensor2d([[1, 0, 0, 1, 1]]);
    const before = Array.from(v.dataSync());
    const rng = new Rng(0);
    const run = () => {
      tf.dispose([
        rbm.meanHidden(v),
        rbm.sampleHidden(v, rng),
        rbm.meanVisible(h),
        rbm.sampleVisible(h, rng),
        rbm.freeEnergy(v),
        rbm.hiddenFreeEnergy(h),
        rbm.energy(v, h),
        rbm.reconstruct(v),
        rbm.gibbs(v, 3, rng),
      ]);
      const g = rbm.gibbsStep(v, rng);
      tf.dispose([g.hidden, g.visible]);
      exactLogPartition(rbm);
      reconstructionError(rbm, v);
      freeEnergyGap(rbm, v, v);
    };
    run();
    const n = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(n);
    expect(Array.from(v.dataSync())).toEqual(before);
    tf.dispose([v, h]);
    const live = tf.memory().numTensors;
    rbm.dispose();
    expect(tf.memory().numTensors).toBe(live - 4); // W, b, c and the cached Wᵀ
  });

  test('setParams refreshes the cached transpose', () => {
    const rbm = randomRBM(3, 2, 4);
    const h = tf.tensor2d([[1, 1]]);
    const before = rbm.meanVisible(h);
    const w = tf.zeros([3, 2]);
    rbm.setParams({ weight: w });
    const after = rbm.meanVisible(h);
    const b = rbm.visibleBias.arraySync() as number[];
    (after.arraySync() as number[][])[0]!.forEach((x, i) => expect(x).toBeCloseTo(1 / (1 + Math.exp(-b[i]!)), 6));
    expect(Array.from(before.dataSync())).not.toEqual(Array.from(after.dataSync()));
    tf.dispose([h, before, w, after]);
    rbm.dispose();
  });

  test('errors name the field, the value and the expectation', () => {
    const rng = new Rng(0);
    expect(() => new BernoulliRBM({ numVisible: 4, numHidden: 0 }, rng)).toThrow(/BernoulliRBM: expected numHidden to be a positive integer, got 0/);
    expect(() => new BernoulliRBM({ numVisible: 2.5, numHidden: 3 }, rng)).toThrow(ValidationError);
    expect(() => new GaussianBernoulliRBM({ numVisible: 3, numHidden: 2, weightStd: -1 }, rng)).toThrow(
      /GaussianBernoulliRBM: expected weightStd to be a finite number >= 0, got -1/,
    );
    expect(() => new BernoulliRBM({ numVisible: 3, numHidden: 2, visibleMeans: [0.5] }, rng)).toThrow(
      /expected visibleMeans to hold 3 values \(one per visible unit\), got 1/,
    );
    const rbm = new BernoulliRBM({ numVisible: 3, numHidden: 2 }, rng);
    const bad = tf.zeros([2, 4]);
    expect(() => rbm.meanHidden(bad)).toThrow(ShapeError);
    expect(() => rbm.meanHidden(bad)).toThrow(/BernoulliRBM.meanHidden: expected visible states of shape \[batch, 3\], got \[2,4\]/);
    expect(() => rbm.meanVisible(bad)).toThrow(/expected hidden states of shape \[batch, 2\], got \[2,4\]/);
    expect(() => rbm.gibbs(tf.zeros([1, 3]), -1, rng)).toThrow(/expected steps to be a non-negative integer, got -1/);
    expect(() => exactLogPartition(new GaussianBernoulliRBM({ numVisible: 2, numHidden: 30 }, rng))).toThrow(
      /exactLogPartition: expected the enumerated hidden layer to have at most 25 units, got 30/,
    );
    bad.dispose();
    rbm.dispose();
    expect(() => rbm.meanHidden(bad)).toThrow(/BernoulliRBM: this model was disposed/);
  });
});

/** F([1,0,1,1,0,0]) of `new BernoulliRBM({ numVisible: 6, numHidden: 4, weightStd: 0.5 }, new Rng(42))`. */
const REGRESSION_FREE_ENERGY = -2.2537212;
