import { describe, expect, test } from 'vitest';
import {
  MLP,
  Rng,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  identity,
  initializer,
  lecunNormal,
  normal,
  orthogonal,
  scaleToSpectralRadius,
  spectralRadius,
  tf,
  type Initializer,
} from '@gradlab/core';
import { standardUniform } from '../../src/init/initializers.js';

function moments(t: tf.Tensor): { mean: number; variance: number; maxAbs: number } {
  const d = t.dataSync();
  let s = 0;
  let s2 = 0;
  let m = 0;
  for (const v of d) {
    s += v;
    s2 += v * v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / d.length;
  return { mean, variance: s2 / d.length - mean * mean, maxAbs: m };
}

describe('initialiser statistics against their formulas', () => {
  const fanIn = 300;
  const fanOut = 200;
  const n = fanIn * fanOut;
  // Tolerance: the sample variance of n iid draws has relative s.e. √((κ−1)/n) ≤ √(2/n) ≈ 0.006; 4 s.e.
  const rel = 4 * Math.sqrt(2 / n);
  const cases: [string, Initializer, number, number | undefined][] = [
    ['standard U[±1/√fanIn]', standardUniform(), 1 / (3 * fanIn), 1 / Math.sqrt(fanIn)],
    ['glorot uniform', glorotUniform(), 2 / (fanIn + fanOut), Math.sqrt(6 / (fanIn + fanOut))],
    ['glorot normal', glorotNormal(), 2 / (fanIn + fanOut), undefined],
    ['he normal', heNormal(), 2 / fanIn, undefined],
    ['he uniform', heUniform(), 2 / fanIn, Math.sqrt(6 / fanIn)],
    ['lecun normal', lecunNormal(), 1 / fanIn, undefined],
    ['N(0, 0.01²)', normal(0.01), 1e-4, undefined],
    ["'glorot-uniform-x4': 16× Glorot's variance", initializer('glorot-uniform-x4'), (16 * 2) / (fanIn + fanOut), 4 * Math.sqrt(6 / (fanIn + fanOut))],
  ];
  test.each(cases)('%s: variance and range', (_, init, variance, bound) => {
    const w = init([fanIn, fanOut], new Rng(1));
    const m = moments(w);
    expect(Math.abs(m.variance / variance - 1)).toBeLessThan(rel);
    expect(Math.abs(m.mean)).toBeLessThan(5 * Math.sqrt(variance / n));
    if (bound !== undefined) expect(m.maxAbs).toBeLessThanOrEqual(bound * (1 + 1e-6));
    w.dispose();
  });

  test.each([
    [64, 64],
    [100, 40],
    [40, 100],
  ])('orthogonal [%i, %i]: WᵀW = I (tall) or WWᵀ = I (wide), scaled by the gain', (rows, cols) => {
    const gain = 1.5;
    const w = orthogonal(gain)([rows, cols], new Rng(2));
    const gram = tf.tidy(() => (rows >= cols ? tf.matMul(w, w, true, false) : tf.matMul(w, w, false, true)));
    const k = Math.min(rows, cols);
    const g = gram.dataSync();
    let err = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) err = Math.max(err, Math.abs(g[i * k + j]! - (i === j ? gain * gain : 0)));
    expect(err).toBeLessThan(1e-5);
    tf.dispose([w, gram]);
  });

  test('identity(scale) and spectral-radius scaling', () => {
    const eye = identity(0.5)([4, 4], new Rng(0));
    expect(spectralRadius(eye)).toBeCloseTo(0.5, 6);
    // A rotation-like matrix has complex eigenvalues: ρ must use their modulus.
    const rot = tf.tensor2d([
      [0, -2],
      [2, 0],
    ]);
    expect(spectralRadius(rot)).toBeCloseTo(2, 6);
    const w = normal(1)([50, 50], new Rng(3));
    for (const rho of [0.5, 1, 1.5]) {
      const s = scaleToSpectralRadius(w, rho);
      expect(spectralRadius(s)).toBeCloseTo(rho, 4);
      s.dispose();
    }
    tf.dispose([eye, rot, w]);
    expect(() => identity()([3, 4], new Rng(0))).toThrow(/identity: expected shape to be a square 2-D shape \[n, n\], got \[3, 4\]/);
  });

  test('initialisers are seeded and do not leak', () => {
    const before = tf.memory().numTensors;
    const a = initializer('orthogonal')([8, 8], new Rng(9));
    const b = initializer('orthogonal')([8, 8], new Rng(9));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => initializer('xavier' as never)).toThrow(/initializer: expected name to be one of zeros, standard/);
  });
});

describe('the per-layer variance factor at initialisation (depth 50, width 256)', () => {
  // Glorot & Bengio 2010 / He et al. 2015: with equal widths n, Var(z_{l+1}) = n·Var(W)·E[a_l²];
  // for ReLU E[a²] = Var(z)/2, so Glorot (Var W = 1/n) halves the variance per layer and He
  // (Var W = 2/n) keeps it. We measure the geometric-mean ratio of E[z²] between consecutive layers.
  function perLayerFactor(init: 'glorot-uniform' | 'he-normal', act: 'relu' | 'tanh'): number {
    const depth = 50;
    const width = 256;
    const net = new MLP({ layerSizes: [width, ...Array(depth).fill(width), 10], activation: act, init }, new Rng(7));
    const x = new Rng(8).normalTensor([512, width]);
    const g = net.gradients(x, tf.zeros([512], 'int32'), 'softmax-cross-entropy');
    const second = g.pre.map((z) => tf.tidy(() => tf.mean(tf.square(z)).dataSync()[0]!));
    const factor = Math.exp((Math.log(second[depth - 1]!) - Math.log(second[0]!)) / (depth - 1));
    g.dispose();
    tf.dispose(x);
    net.dispose();
    return factor;
  }

  test('ReLU + Glorot roughly halves the variance per layer', () => {
    const f = perLayerFactor('glorot-uniform', 'relu');
    expect(f).toBeGreaterThan(0.45);
    expect(f).toBeLessThan(0.55);
  });

  test('ReLU + He keeps it', () => {
    const f = perLayerFactor('he-normal', 'relu');
    expect(f).toBeGreaterThan(0.93);
    expect(f).toBeLessThan(1.07);
  });
});
