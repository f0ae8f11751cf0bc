import { describe, expect, test } from 'vitest';
import { Rng, ShapeError, barsAndStripes, tf } from '@gradlab/core';
import {
  BernoulliRBM,
  ContrastiveDivergence,
  GaussianBernoulliRBM,
  contrastiveDivergenceStatistics,
  exactLogLikelihood,
  trainRBM,
} from '../src/index.js';
import type { Params64 } from './brute-force.js';
import { bernoulliProb, hiddenInput, params64, sigmoid, states, visibleInput } from './brute-force.js';

function randomRBM(V: number, H: number, seed: number): BernoulliRBM {
  const r = new Rng(seed);
  const p = { weight: r.fork('w').normalTensor([V, H]), visibleBias: r.fork('b').normalTensor([V], 0, 0.5), hiddenBias: r.fork('c').normalTensor([H], 0, 0.5) };
  const rbm = BernoulliRBM.fromParams(p);
  tf.dispose(Object.values(p));
  return rbm;
}

/** Exact E[ΔW], E[Δb], E[Δc] of one CD-k update from a single data vector v0, by enumeration. */
function exactCD(p: Params64, v0: number[], k: number, mode: 'mean' | 'sample'): { W: number[][]; b: number[]; c: number[] } {
  const vs = states(p.V);
  const hs = states(p.H);
  const pH = (v: number[]) => hiddenInput(p, v).map(sigmoid);
  const pV = (h: number[]) => visibleInput(p, h).map(sigmoid);
  // T(v → v′) = Σ_h P(h | v) P(v′ | h)
  const step = (dist: number[]) =>
    vs.map((v2) => vs.reduce((s, v, i) => s + dist[i]! * hs.reduce((t, h) => t + bernoulliProb(h, pH(v)) * bernoulliProb(v2, pV(h)), 0), 0));
  let dist: number[] = vs.map((v) => (v.every((x, i) => x === v0[i]) ? 1 : 0));
  // Weighted negative states: list of (probability, visible vector).
  let negatives: [number, number[]][];
  if (mode === 'sample') {
    for (let s = 0; s < k; s++) dist = step(dist);
    negatives = vs.map((v, i) => [dist[i]!, v]);
  } else {
    for (let s = 0; s < k - 1; s++) dist = step(dist);
    negatives = [];
    hs.forEach((h) => {
      const ph = vs.reduce((s, v, i) => s + dist[i]! * bernoulliProb(h, pH(v)), 0);
      negatives.push([ph, pV(h)]);
    });
  }
  const h0 = pH(v0);
  const W = v0.map((vi, i) => h0.map((hj) => vi * hj));
  const b = [...v0];
  const c = [...h0];
  for (const [prob, vn] of negatives) {
    const hn = pH(vn);
    for (let i = 0; i < p.V; i++) {
      b[i]! -= prob * vn[i]!;
      for (let j = 0; j < p.H; j++) W[i]![j]! -= prob * vn[i]! * hn[j]!;
    }
    for (let j = 0; j < p.H; j++) c[j]! -= prob * hn[j]!;
  }
  return { W, b, c };
}

describe('contrastiveDivergenceStatistics', () => {
  test.each([
    [1, 'mean'],
    [1, 'sample'],
    [3, 'sample'],
    [2, 'mean'],
  ] as const)('the CD-%i (%s) update matches its exact expectation (±5 standard errors)', (k, mode) => {
    const rbm = randomRBM(3, 2, 17);
    const p = params64(rbm);
    const v0 = [1, 0, 1];
    const n = 40000;
    const batch = tf.tidy(() => tf.tile(tf.tensor2d([v0]), [n, 1]));
    const g = contrastiveDivergenceStatistics(rbm, batch, new Rng(k).fork(mode), { k, negativeVisible: mode });
    const exact = exactCD(p, v0, k, mode);
    const W = g.weight.arraySync() as number[][];
    const b = g.visibleBias.arraySync() as number[];
    const c = g.hiddenBias.arraySync() as number[];
    // Each entry is a mean of n terms bounded in [−1, 1]: standard error ≤ 0.5/√n.
    const tol = 5 * (0.5 / Math.sqrt(n));
    W.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - exact.W[i]![j]!)).toBeLessThan(tol)));
    b.forEach((x, i) => expect(Math.abs(x - exact.b[i]!)).toBeLessThan(tol));
    c.forEach((x, j) => expect(Math.abs(x - exact.c[j]!)).toBeLessThan(tol));
    expect(g.negativeVisible.shape).toEqual([n, 3]);
    tf.dispose([batch, g.weight, g.visibleBias, g.hiddenBias, g.negativeVisible]);
    rbm.dispose();
  });

  test('the expectation of the CD update is not the likelihood gradient at a mismatched model (a non-trivial check)', () => {
    // With k → large the CD-k expectation approaches the log-likelihood gradient; CD-1 differs.
    const rbm = randomRBM(3, 2, 17);
    const p = params64(rbm);
    const a = exactCD(p, [1, 0, 1], 1, 'sample');
    const b = exactCD(p, [1, 0, 1], 12, 'sample');
    expect(Math.abs(a.W[0]![0]! - b.W[0]![0]!)).toBeGreaterThan(1e-3);
    rbm.dispose();
  });
});

describe('ContrastiveDivergence', () => {
  test('one CD-1 step from rest applies −η·(−ΔW + λW) (first momentum step)', () => {
    const rbm = randomRBM(4, 3, 2);
    const before = rbm.weight.arraySync() as number[][];
    const x = tf.tensor2d([[1, 0, 1, 0], [0, 1, 1, 1]]);
    const cd = new ContrastiveDivergence(rbm, { learningRate: 0.5, weightCost: 0.01 });
    // The same draws as the step: a fork with the same path.
    const g = contrastiveDivergenceStatistics(rbm, x, new Rng(9).fork('s'));
    const dW = g.weight.arraySync() as number[][];
    cd.step(x, new Rng(9).fork('s'));
    const after = rbm.weight.arraySync() as number[][];
    after.forEach((row, i) => row.forEach((w, j) => expect(w).toBeCloseTo(before[i]![j]! + 0.5 * (dW[i]![j]! - 0.01 * before[i]![j]!), 5)));
    expect(cd.stepCount).toBe(1);
    expect(cd.takeReconstructionError()).toBeGreaterThan(0);
    expect(cd.takeReconstructionError()).toBeNaN();
    tf.dispose([x, g.weight, g.visibleBias, g.hiddenBias, g.negativeVisible]);
    cd.dispose();
    rbm.dispose();
  });

  test.each(['cd', 'pcd', 'fpcd'] as const)('%s: no leaks over repeated steps, data not mutated, chains persist', (method) => {
    const rbm = randomRBM(6, 4, 3);
    const x = tf.tensor2d([[1, 0, 1, 0, 1, 1], [0, 0, 1, 1, 0, 1], [1, 1, 1, 0, 0, 0]]);
    const before = Array.from(x.dataSync());
    const cd = new ContrastiveDivergence(rbm, { method, k: 2, sparsityTarget: 0.1, ...(method === 'cd' ? {} : { numChains: 5 }) });
    const rng = new Rng(1);
    cd.step(x, rng);
    cd.takeReconstructionError();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) cd.step(x, rng);
    cd.takeReconstructionError();
    expect(tf.memory().numTensors).toBe(n);
    expect(Array.from(x.dataSync())).toEqual(before);
    if (method === 'cd') expect(cd.persistentChains).toBeUndefined();
    else expect(cd.persistentChains!.shape).toEqual([5, 6]);
    const live = tf.memory().numTensors;
    cd.dispose();
    expect(tf.memory().numTensors).toBeLessThan(live);
    x.dispose();
    rbm.dispose();
  });

  test('momentum and learning rate are settable between steps and validated', () => {
    const rbm = randomRBM(2, 2, 4);
    const cd = new ContrastiveDivergence(rbm, { learningRate: 0.1, momentum: 0 });
    cd.momentum = 0.9;
    expect(cd.momentum).toBe(0.9);
    expect(() => (cd.momentum = 1)).toThrow(/ContrastiveDivergence: expected momentum to be a number in \[0, 1\), got 1/);
    cd.learningRate = 0.05;
    expect(cd.learningRate).toBe(0.05);
    cd.dispose();
    rbm.dispose();
  });

  test('errors name the field, the value and the expectation', () => {
    const rbm = randomRBM(3, 2, 1);
    expect(() => new ContrastiveDivergence(rbm, { k: 0 })).toThrow(/ContrastiveDivergence: expected k to be a positive integer, got 0/);
    expect(() => new ContrastiveDivergence(rbm, { method: 'cd-k' as 'cd' })).toThrow(/expected method to be one of "cd", "pcd", "fpcd", got "cd-k"/);
    expect(() => new ContrastiveDivergence(rbm, { numChains: 10 })).toThrow(/numChains applies to method "pcd" or "fpcd"/);
    expect(() => new ContrastiveDivergence(rbm, { sparsityTarget: 1.5 })).toThrow(/expected sparsityTarget to be a number in \(0, 1\), got 1.5/);
    expect(() => new ContrastiveDivergence(rbm, { bogus: 1 } as object)).toThrow(/unknown option "bogus"/);
    const cd = new ContrastiveDivergence(rbm);
    const bad = tf.zeros([4, 5]);
    expect(() => cd.step(bad, new Rng(0))).toThrow(ShapeError);
    expect(() => trainRBM(rbm, bad, { epochs: 1 }, new Rng(0))).toThrow(/trainRBM: expected visible states of shape \[batch, 3\], got \[4,5\]/);
    expect(() => trainRBM(rbm, tf.zeros([4, 3]), { epochs: 0 }, new Rng(0))).toThrow(/trainRBM: expected epochs to be a positive integer, got 0/);
    bad.dispose();
    cd.dispose();
    rbm.dispose();
  });
});

describe('trainRBM on 4×4 bars-and-stripes', () => {
  const data = barsAndStripes(4);

  test.each(['cd', 'pcd', 'fpcd'] as const)('%s raises the exact log-likelihood well above the initial model', (method) => {
    const x = tf.tensor2d(data.x, data.shape);
    const means = tf.tidy(() => tf.mean(x, 0));
    const rbm = new BernoulliRBM({ numVisible: 16, numHidden: 12, visibleMeans: means, weightStd: 0.1 }, new Rng(1).fork('init'));
    const initial = exactLogLikelihood(rbm, x);
    const seen: number[] = [];
    const { history, steps } = trainRBM(
      rbm,
      x,
      // PCD needs many chains: with one per row of a 10-row batch its estimate is too noisy.
      { epochs: 150, batchSize: 10, method, learningRate: 0.1, weightCost: 0, finalMomentum: 0.5, ...(method === 'cd' ? {} : { numChains: 100 }), onEpoch: (s) => void seen.push(s.epoch) },
      new Rng(1).fork('train'),
    );
    const final = exactLogLikelihood(rbm, x);
    expect(history).toHaveLength(150);
    expect(steps).toBe(450);
    expect(seen[149]).toBe(150);
    expect(history[0]!.momentum).toBe(0.5);
    expect(history[149]!.momentum).toBe(0.5);
    expect(history[149]!.reconError).toBeLessThan(history[0]!.reconError);
    expect(initial).toBeLessThan(-10.5); // ≈ 16·log(1/2) = −11.09
    expect(final).toBeGreaterThan(initial + 2.5);
    tf.dispose([x, means]);
    rbm.dispose();
  });

  test('same seed gives identical weights; onEpoch can stop training', () => {
    const x = tf.tensor2d(data.x, data.shape);
    const run = () => {
      const rbm = new BernoulliRBM({ numVisible: 16, numHidden: 8 }, new Rng(3));
      const r = trainRBM(rbm, x, { epochs: 10, batchSize: 10, method: 'pcd', onEpoch: (s) => (s.epoch === 4 ? 'stop' : undefined) }, new Rng(3).fork('t'));
      const w = Array.from(rbm.weight.dataSync());
      rbm.dispose();
      return { w, epochs: r.history.length };
    };
    const a = run();
    const b = run();
    expect(a.epochs).toBe(4);
    expect(a.w).toEqual(b.w);
    x.dispose();
  });

  test.each(['cd', 'pcd', 'fpcd'] as const)('trainRBM (%s) leaves no tensors behind', (method) => {
    const x = tf.tensor2d(data.x, data.shape);
    const n = tf.memory().numTensors;
    const rbm = new BernoulliRBM({ numVisible: 16, numHidden: 6 }, new Rng(1));
    trainRBM(rbm, x, { epochs: 3, batchSize: 7, method, k: 2, sparsityTarget: 0.1 }, new Rng(2));
    rbm.dispose(); // the model owns W, b, c and the cached Wᵀ; everything else is freed by trainRBM
    expect(tf.memory().numTensors).toBe(n);
    x.dispose();
  });

  test('a GaussianBernoulliRBM learns the mean of real-valued data', () => {
    const r = new Rng(4);
    const n = 400;
    const x = tf.tidy(() => tf.add(r.normalTensor([n, 3]), tf.tensor1d([1, -1, 0.5])));
    const rbm = new GaussianBernoulliRBM({ numVisible: 3, numHidden: 4 }, new Rng(4).fork('init'));
    trainRBM(rbm, x, { epochs: 30, batchSize: 20, learningRate: 0.01 }, new Rng(4).fork('train'));
    const sampled = rbm.gibbs(tf.zeros([2000, 3]), 50, new Rng(5));
    const mean = tf.tidy(() => tf.mean(sampled, 0).arraySync() as number[]);
    expect(mean[0]).toBeCloseTo(1, 0);
    expect(mean[1]).toBeCloseTo(-1, 0);
    tf.dispose([x, sampled]);
    rbm.dispose();
  });
});
