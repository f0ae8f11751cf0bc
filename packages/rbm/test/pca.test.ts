/**
 * The deep autoencoder's baselines: the symmetric eigendecomposition against its defining
 * identities, PCA against scikit-learn (fixture from fixtures/make-pca-fixture.py), and logistic
 * PCA's written-out gradients against tfjs autodiff and its fit against PCA on binary data drawn
 * from a low-rank logistic model.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Rng, autodiffGradients, tf } from '@gradlab/core';
import { LogisticPCA, PCA, fitLogisticPCA } from '../src/index.js';
import { logisticPcaGradients } from '../src/logistic-pca.js';
import { symmetricEigen } from '../src/symmetric-eigen.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/pca-sklearn.json', import.meta.url), 'utf8')) as {
  k: number;
  train: number[][];
  test: number[][];
  mean: number[];
  explained_variance: number[];
  components: number[][];
  test_reconstruction: number[][];
  test_error: number;
};

/** A random symmetric n×n matrix (B + Bᵀ)/2. */
function randomSymmetric(n: number, rng: Rng): Float64Array {
  const b = Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (b[i * n + j]! + b[j * n + i]!) / 2;
  return a;
}

describe('symmetricEigen', () => {
  test('a 2×2 by hand: [[2, 1], [1, 2]] has eigenvalues 3 and 1, vectors (1, 1)/√2 and (1, −1)/√2 up to sign', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(Array.from(values)).toEqual([expect.closeTo(3, 12), expect.closeTo(1, 12)]);
    expect(Math.abs(vectors[0]! * vectors[1]!)).toBeCloseTo(0.5, 12);
    expect(vectors[0]! * vectors[1]!).toBeGreaterThan(0);
    expect(vectors[2]! * vectors[3]!).toBeCloseTo(-0.5, 12);
  });

  test.each([1, 2, 5, 17, 60])('n = %d: A v = λ v, V Vᵀ = I, λ descending, trace kept', (n) => {
    const a = randomSymmetric(n, new Rng(n));
    const { values, vectors } = symmetricEigen(a, n);
    let worst = 0;
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[r * n + j]!;
        worst = Math.max(worst, Math.abs(av - values[r]! * vectors[r * n + i]!));
      }
      for (let s = 0; s < n; s++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += vectors[r * n + j]! * vectors[s * n + j]!;
        worst = Math.max(worst, Math.abs(dot - (r === s ? 1 : 0)));
      }
      if (r > 0) expect(values[r]!).toBeLessThanOrEqual(values[r - 1]!);
    }
    expect(worst).toBeLessThan(1e-10);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i]!;
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 9);
  });

  test('repeated eigenvalues and a zero matrix', () => {
    const diag = Float64Array.of(2, 0, 0, 0, 5, 0, 0, 0, 2);
    expect(Array.from(symmetricEigen(diag, 3).values)).toEqual([5, 2, 2]);
    expect(Array.from(symmetricEigen(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
  });

  test('bad shape: named in the error', () => {
    expect(() => symmetricEigen(new Float64Array(5), 2)).toThrow(/symmetricEigen: expected a to hold n × n = 2 × 2 numbers, got 5/);
  });
});

describe('PCA', () => {
  test('matches scikit-learn: explained variances, components up to sign, held-out reconstructions and error', () => {
    const train = tf.tensor2d(fixture.train);
    const test = tf.tensor2d(fixture.test);
    const pca = PCA.fit(train, fixture.k);
    Array.from(pca.explainedVariance).forEach((v, i) => expect(v).toBeCloseTo(fixture.explained_variance[i]!, 4));
    Array.from(pca.mean.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(fixture.mean[i]!, 5));
    const comps = pca.components.arraySync();
    comps.forEach((row, i) => {
      const dot = row.reduce((s, v, j) => s + v * fixture.components[i]![j]!, 0);
      expect(Math.abs(dot)).toBeCloseTo(1, 5);
    });
    const recon = pca.reconstruct(test);
    recon.arraySync().forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(fixture.test_reconstruction[i]![j]!, 4)));
    expect(pca.reconstructionError(test)).toBeCloseTo(fixture.test_error, 4);
    expect(pca.transform(test).shape).toEqual([5, fixture.k]);
    tf.dispose([train, test, recon]);
    pca.dispose();
  });

  test('all components reconstruct exactly; the training error of k components is the sum of the dropped variances × (n − 1)/n', () => {
    const train = tf.tensor2d(fixture.train);
    const n = fixture.train.length;
    const d = fixture.train[0]!.length;
    const full = PCA.fit(train, d);
    expect(full.reconstructionError(train)).toBeLessThan(1e-8);
    const dropped = Array.from(full.explainedVariance).slice(fixture.k).reduce((s, v) => s + v, 0);
    const pca = PCA.fit(train, fixture.k);
    expect(pca.reconstructionError(train)).toBeCloseTo((dropped * (n - 1)) / n, 4);
    tf.dispose(train);
    full.dispose();
    pca.dispose();
  });

  test('leaks nothing; bad input named', () => {
    const train = tf.tensor2d(fixture.train);
    const test = tf.tensor2d(fixture.test);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const pca = PCA.fit(train, 3);
      pca.reconstructionError(test);
      tf.dispose([pca.reconstruct(test), pca.transform(test)]);
      pca.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => PCA.fit(train, 13)).toThrow(/PCA: expected numComponents to be an integer in \[1, 12\], got 13/);
    expect(() => PCA.fit(tf.tensor2d([[1, 2]]), 1)).toThrow(/PCA: expected x to have at least 2 rows, got 1/);
    const pca = PCA.fit(train, 2);
    const wrong = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => pca.reconstruct(wrong)).toThrow(/PCA\.reconstruct: expected x of shape \[n ≥ 1, 12\], got \[2, 3\]/);
    tf.dispose([train, test, wrong]);
    pca.dispose();
  });
});

/** n binary rows drawn from a rank-2 logistic model with sharp logits (the model from `model`, the rows from `rows`). */
function lowRankBinary(n: number, d: number, model: Rng, rows: Rng = model): tf.Tensor2D {
  const v = Array.from({ length: 2 * d }, () => 3 * model.normal());
  const rng = rows;
  const u = Array.from({ length: n * 2 }, () => rng.normal());
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const theta = u[2 * i]! * v[j]! + u[2 * i + 1]! * v[d + j]!;
      x[i * d + j] = rng.next() < 1 / (1 + Math.exp(-theta)) ? 1 : 0;
    }
  }
  return tf.tensor2d(x, [n, d]);
}

describe('logistic PCA', () => {
  test('written-out gradients equal tfjs autodiff', () => {
    const r = new Rng(5);
    const x = tf.tidy(() => r.uniformTensor([7, 6])) as tf.Tensor2D;
    const p = { a: r.normalTensor([7, 3]), basis: r.normalTensor([3, 6]), bias: r.normalTensor([6]) };
    const n = 10; // the gradients are divided by all rows, of which these 7 are a chunk
    const f = (q: Record<string, tf.Tensor>) => {
      const theta = tf.add(tf.matMul(q['a']!, q['basis']!), q['bias']!);
      const prob = tf.sigmoid(theta);
      return tf.div(tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(prob)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, prob)))))), n) as tf.Scalar;
    };
    const auto = autodiffGradients(f, p);
    const g = logisticPcaGradients(x, p.a as tf.Tensor2D, p.basis as tf.Tensor2D, p.bias as tf.Tensor1D, n);
    expect(g.loss.dataSync()[0]).toBeCloseTo(f(p).dataSync()[0]!, 4);
    for (const [name, mine] of [['a', g.dA], ['basis', g.dV], ['bias', g.db]] as const) {
      const ref = auto[name]!.dataSync();
      Array.from(mine.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5));
    }
    tf.dispose([x, p.a, p.basis, p.bias, g.loss, g.dA, g.dV, g.db, ...Object.values(auto)]);
  });

  test('on binary data from a rank-2 logistic model: the loss falls, and it reconstructs held-out rows better than PCA with 2 components', () => {
    const rng = new Rng(11);
    const train = lowRankBinary(300, 20, rng.fork('model'), rng.fork('train'));
    const heldOut = lowRankBinary(100, 20, rng.fork('model'), rng.fork('test'));
    const lpca = fitLogisticPCA(train, { numComponents: 2, iterations: 300 }, rng.fork('lpca'));
    expect(lpca.losses).toHaveLength(300);
    expect(lpca.losses.at(-1)!).toBeLessThan(0.8 * lpca.losses[0]!);
    const pca = PCA.fit(train, 2);
    const [ours, linear] = [lpca.reconstructionError(heldOut), pca.reconstructionError(heldOut)];
    expect(ours).toBeLessThan(linear);
    tf.dispose([train, heldOut]);
    lpca.dispose();
    pca.dispose();
  });

  test('same seed, same bits; encoding uses no randomness; leaks nothing; bad options named', () => {
    const x = lowRankBinary(60, 8, new Rng(3));
    const fit = () => fitLogisticPCA(x, { numComponents: 2, iterations: 20 }, new Rng(4));
    const before = tf.memory().numTensors;
    const [a, b] = [fit(), fit()];
    expect(Array.from(a.basis.dataSync())).toEqual(Array.from(b.basis.dataSync()));
    expect(a.reconstructionError(x)).toBe(b.reconstructionError(x));
    const enc = a.encode(x);
    expect(enc.shape).toEqual([60, 2]);
    expect(a.reconstructionError(x)).toBe(b.reconstructionError(x)); // encoding left the basis intact
    enc.dispose();
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => fitLogisticPCA(x, { numComponents: 9, iterations: 5 }, new Rng(1))).toThrow(/fitLogisticPCA: expected numComponents to be an integer in \[1, 8\], got 9/);
    expect(() => fitLogisticPCA(x, { numComponents: 2, iterations: 0 }, new Rng(1))).toThrow(/fitLogisticPCA: expected iterations to be a positive integer, got 0/);
    expect(() => fitLogisticPCA(x, { numComponents: 2, iterations: 5, learningRate: -1 }, new Rng(1))).toThrow(/expected learningRate to be a finite number > 0, got -1/);
    const l = fitLogisticPCA(x, { numComponents: 2, iterations: 1 }, new Rng(1));
    const wrong = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => l.encode(wrong)).toThrow(/LogisticPCA\.encode: expected x to be a tensor of shape \[n ≥ 1, 8\], got \[2, 3\]/);
    expect(l).toBeInstanceOf(LogisticPCA);
    tf.dispose([x, wrong]);
    l.dispose();
  });
});
