/**
 * The contractive autoencoder (Rifai et al. 2011): Autoencoder / StackedAutoencoder with
 * `contraction` λ > 0. The closed-form penalty against the Jacobian by tfjs autodiff and by
 * float64 finite differences; the full loss and its gradient against autodiff, finite differences
 * and a PyTorch fixture (double backprop through torch's Jacobian).
 * Fixture: /usr/bin/python3 packages/rbm/test/fixtures/make-contractive-autoencoder.py
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Rng, autodiffGradients, barsAndStripes, checkGradients, tf } from '@gradlab/core';
import { Autoencoder, StackedAutoencoder, maskingNoise, trainAutoencoder } from '../src/index.js';
import { CONTRACTIVE_ENCODERS, contractivePenalty, jacobianFrobeniusSquared } from '../src/contractive-penalty.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/contractive-autoencoder.json', import.meta.url));
const bas = barsAndStripes(4);

const PHI = { sigmoid: (z: number) => 1 / (1 + Math.exp(-z)), tanh: Math.tanh, linear: (z: number) => z };
const TF_PHI = { sigmoid: tf.sigmoid, tanh: tf.tanh, linear: (z: tf.Tensor) => z };
type Encoder = keyof typeof PHI;

/** ‖∂h/∂x‖²_F of each row by central differences in float64 on the float32 parameters. */
function fdJacobianSquared(x: number[][], w: number[][], c: number[], phi: (z: number) => number): number[] {
  const eps = 1e-5;
  const enc = (row: number[]) => c.map((cj, j) => phi(row.reduce((s, xi, i) => s + xi * w[i]![j]!, cj)));
  return x.map((row) => {
    let sum = 0;
    row.forEach((_, i) => {
      const up = enc(row.map((v, k) => (k === i ? v + eps : v)));
      const down = enc(row.map((v, k) => (k === i ? v - eps : v)));
      up.forEach((u, j) => (sum += ((u - down[j]!) / (2 * eps)) ** 2));
    });
    return sum;
  });
}

/** ‖∂h/∂x‖²_F of each row from tf.grad of every output unit separately (no closed form). */
function autodiffJacobianSquared(x: tf.Tensor2D, w: tf.Tensor2D, c: tf.Tensor1D, act: Encoder): number[] {
  const out: number[] = [];
  for (let b = 0; b < x.shape[0]; b++) {
    let sum = 0;
    for (let j = 0; j < w.shape[1]; j++) {
      const g = tf.tidy(() => {
        const row = tf.slice(x, [b, 0], [1, -1]);
        const unit = (r: tf.Tensor) => tf.sum(tf.slice(TF_PHI[act](tf.add(tf.matMul(r as tf.Tensor2D, w), c)), [0, j], [1, 1]));
        return tf.sum(tf.square(tf.grad(unit)(row)));
      });
      sum += g.dataSync()[0]!;
      g.dispose();
    }
    out.push(sum);
  }
  return out;
}

/** The full loss as a pure function of the parameters, written independently of autoencoder.ts. */
function caeLoss(x: tf.Tensor, target: tf.Tensor, lambda: number, output: 'sigmoid' | 'linear') {
  return (p: Record<string, tf.Tensor>) => {
    const batch = x.shape[0]!;
    const h = tf.sigmoid(tf.add(tf.matMul(x, p['weight']!), p['hiddenBias']!));
    const z = tf.add(tf.matMul(h, tf.transpose(p['weight']!)), p['visibleBias']!);
    const recon =
      output === 'linear'
        ? tf.sum(tf.square(tf.sub(z, target)))
        : tf.neg(tf.sum(tf.add(tf.mul(target, tf.log(tf.sigmoid(z))), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, tf.sigmoid(z)))))));
    const dh = tf.mul(h, tf.sub(1, h));
    const jac = tf.sum(tf.mul(tf.square(dh), tf.sum(tf.square(p['weight']!), 0)));
    return tf.div(tf.add(recon, tf.mul(jac, lambda)), batch) as tf.Scalar;
  };
}

describe('contractive penalty (closed form)', () => {
  test.each(['sigmoid', 'tanh', 'linear'] as const)('%s encoder: ‖J_f‖²_F equals the Jacobian by tfjs autodiff and by finite differences', (act) => {
    const r = new Rng(`jac/${act}`);
    const x = r.normalTensor([4, 5]) as tf.Tensor2D;
    const w = tf.mul(r.normalTensor([5, 3]), 0.7) as tf.Tensor2D;
    const c = tf.mul(r.normalTensor([3]), 0.5) as tf.Tensor1D;
    const closed = tf.tidy(() => jacobianFrobeniusSquared(TF_PHI[act](tf.add(tf.matMul(x, w), c)) as tf.Tensor2D, w, CONTRACTIVE_ENCODERS[act]));
    const values = Array.from(closed.dataSync());
    const auto = autodiffJacobianSquared(x, w, c, act);
    const fd = fdJacobianSquared(x.arraySync(), w.arraySync(), Array.from(c.dataSync()), PHI[act]);
    values.forEach((v, b) => {
      expect(Math.abs(v - auto[b]!) / auto[b]!).toBeLessThan(1e-5);
      expect(Math.abs(v - fd[b]!) / fd[b]!).toBeLessThan(1e-5);
    });
    tf.dispose([x, w, c, closed]);
  });

  test.each(['sigmoid', 'tanh', 'linear'] as const)('%s encoder: the penalty gradient matches autodiff of the closed form', (act) => {
    const r = new Rng(`pen/${act}`);
    const x = r.normalTensor([6, 5]);
    const params = { weight: tf.mul(r.normalTensor([5, 4]), 0.7), bias: tf.mul(r.normalTensor([4]), 0.5) };
    const lambda = 0.4;
    const f = (p: Record<string, tf.Tensor>) => {
      const h = TF_PHI[act](tf.add(tf.matMul(x, p['weight']!), p['bias']!)) as tf.Tensor2D;
      return tf.mul(tf.mean(jacobianFrobeniusSquared(h, p['weight'] as tf.Tensor2D, CONTRACTIVE_ENCODERS[act])), lambda) as tf.Scalar;
    };
    const auto = autodiffGradients(f, params);
    const ours = tf.tidy(() => {
      const h = TF_PHI[act](tf.add(tf.matMul(x, params.weight), params.bias)) as tf.Tensor2D;
      const p = contractivePenalty(h, params.weight as tf.Tensor2D, lambda, CONTRACTIVE_ENCODERS[act]);
      const dz = p.dz ?? tf.zerosLike(h);
      return { value: p.value, weight: tf.add(p.dWeight, tf.matMul(tf.transpose(x), dz)), bias: tf.sum(dz, 0) };
    });
    expect(ours.value.dataSync()[0]!).toBeCloseTo(f(params).dataSync()[0]!, 5);
    for (const name of ['weight', 'bias'] as const) {
      const a = auto[name]!.dataSync();
      ours[name].dataSync().forEach((v, i) => expect(Math.abs(v - a[i]!)).toBeLessThan(1e-5 + 1e-4 * Math.abs(a[i]!)));
    }
    tf.dispose([x, ...Object.values(params), ...Object.values(auto), ...Object.values(ours)]);
  });
});

describe('contractive Autoencoder', () => {
  test.each(['sigmoid', 'linear'] as const)('%s output: loss and gradients match tfjs autodiff and finite differences', (output) => {
    const lambda = 0.5;
    const ae = new Autoencoder({ numVisible: 6, numHidden: 4, outputActivation: output, contraction: lambda }, new Rng(1));
    const r = new Rng(2);
    const x = tf.tidy(() => (output === 'sigmoid' ? r.uniformTensor([5, 6]) : r.normalTensor([5, 6])));
    const noisy = maskingNoise(x, 0.3, new Rng(3));
    const f = caeLoss(noisy, x, lambda, output);
    const params = { ...ae.params } as Record<string, tf.Tensor>;
    const g = ae.gradients(noisy, x);
    const auto = autodiffGradients(f, params);
    let maxErr = 0;
    for (const name of Object.keys(params)) {
      const a = auto[name]!.dataSync();
      g.grads[name]!.dataSync().forEach((v, i) => (maxErr = Math.max(maxErr, Math.abs(v - a[i]!))));
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(g.loss).toBeCloseTo(f(params).dataSync()[0]!, 5);
    // The penalty is part of the loss, not of the reconstruction error.
    const plainAe = new Autoencoder({ numVisible: 6, numHidden: 4, outputActivation: output }, new Rng(1));
    const plain = plainAe.gradients(noisy, x);
    expect(g.reconError).toBe(plain.reconError);
    expect(g.loss).toBeGreaterThan(plain.loss);
    const fd = checkGradients(f, params, g.grads, { rng: new Rng(4), atol: 2e-3 });
    expect(fd.ok).toBe(true);
    tf.dispose([x, noisy, ...Object.values(auto)]);
    g.dispose();
    plain.dispose();
    plainAe.dispose();
    ae.dispose();
  });

  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
    cases: {
      name: string;
      outputActivation: 'sigmoid' | 'linear';
      contraction: number;
      weight: number[][];
      hiddenBias: number[];
      visibleBias: number[];
      x: number[][];
      target: number[][];
      jacobianFrobeniusSquared: number[];
      loss: number;
      grads: { weight: number[][]; hiddenBias: number[]; visibleBias: number[] };
    }[];
  };
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s: penalty, loss and gradients match PyTorch (double backprop through autograd.functional.jacobian)', (_, c) => {
    const [V, H] = [c.weight.length, c.hiddenBias.length];
    const ae = new Autoencoder({ numVisible: V, numHidden: H, outputActivation: c.outputActivation, contraction: c.contraction, init: 'zeros' }, new Rng(0));
    ae.params.weight.assign(tf.tensor2d(c.weight));
    ae.params.hiddenBias.assign(tf.tensor1d(c.hiddenBias));
    ae.params.visibleBias.assign(tf.tensor1d(c.visibleBias));
    const x = tf.tensor2d(c.x);
    const target = tf.tensor2d(c.target);
    const jac = tf.tidy(() => jacobianFrobeniusSquared(ae.encode(x), ae.params.weight as tf.Tensor2D, CONTRACTIVE_ENCODERS.sigmoid));
    jac.dataSync().forEach((v, b) => expect(Math.abs(v - c.jacobianFrobeniusSquared[b]!) / c.jacobianFrobeniusSquared[b]!).toBeLessThan(1e-5));
    const g = ae.gradients(x, target);
    expect(Math.abs(g.loss - c.loss) / c.loss).toBeLessThan(1e-5);
    for (const name of ['weight', 'hiddenBias', 'visibleBias'] as const) {
      const ref = [c.grads[name]].flat(2) as number[];
      g.grads[name]!.dataSync().forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-5 + 1e-4 * Math.abs(ref[i]!)));
    }
    g.dispose();
    tf.dispose([x, target, jac]);
    ae.dispose();
  });

  test('λ = 0 is bit-identical to the plain (denoising) autoencoder', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const run = (config: { contraction?: number }) => {
      const ae = new Autoencoder({ numVisible: 16, numHidden: 8, ...config }, new Rng(5));
      const hist = trainAutoencoder(ae, x, { epochs: 5, batchSize: 10, learningRate: 0.5, noise: 0.2 }, new Rng(5).fork('t'));
      const w = Array.from(ae.params.weight.dataSync());
      const c = Array.from(ae.params.hiddenBias.dataSync());
      ae.dispose();
      return { hist, w, c };
    };
    const plain = run({});
    const zero = run({ contraction: 0 });
    expect(zero).toEqual(plain);
    expect(run({ contraction: 1e-3 }).w).not.toEqual(plain.w);
    x.dispose();
  });

  test('training with λ > 0 shrinks ‖J_f‖_F against λ = 0 at the same budget, still reconstructing every pattern', () => {
    // Tolerance: the CAE's mean ‖J_f‖_F at most half the plain one's on every seed (measured 0.71 against
    // 3.36 and 0.73 against 3.38, ≈ 0.21×), with every one of the 30 bars-and-stripes patterns still
    // reconstructed exactly after thresholding at 0.5, and squared error per pattern ≤ 0.05 (measured
    // 1.5e-3, against 1.5e-4–3e-4 for λ = 0).
    const x = tf.tensor2d(bas.x, bas.shape);
    const fit = (seed: number, contraction: number) => {
      const ae = new Autoencoder({ numVisible: 16, numHidden: 16, contraction }, new Rng(seed));
      trainAutoencoder(ae, x, { epochs: 150, batchSize: 10, learningRate: 0.3 }, new Rng(seed).fork('train'));
      const jac = ae.meanJacobianNorm(x);
      const y = ae.reconstruct(x);
      const [err, wrong] = tf.tidy(() => [tf.div(tf.sum(tf.squaredDifference(y, x)), x.shape[0]), tf.sum(tf.notEqual(tf.greater(y, 0.5), tf.cast(x, 'bool')))]).map((t) => {
        const v = t.dataSync()[0]!;
        t.dispose();
        return v;
      }) as [number, number];
      tf.dispose([y]);
      ae.dispose();
      return { jac, err, wrong };
    };
    for (const seed of [1, 2]) {
      const plain = fit(seed, 0);
      const cae = fit(seed, 0.1);
      expect(cae.jac).toBeLessThan(0.5 * plain.jac);
      expect(cae.wrong).toBe(0);
      expect(cae.err).toBeLessThan(0.05);
    }
    x.dispose();
  });

  test('meanJacobianNorm is the mean of √(closed form) and leaves no tensors', () => {
    const ae = new Autoencoder({ numVisible: 5, numHidden: 3, contraction: 0.2 }, new Rng(9));
    const x = new Rng(10).uniformTensor([4, 5]) as tf.Tensor2D;
    const auto = autodiffJacobianSquared(x, ae.params.weight as tf.Tensor2D, ae.params.hiddenBias as tf.Tensor1D, 'sigmoid');
    const n = tf.memory().numTensors;
    const m = ae.meanJacobianNorm(x);
    expect(tf.memory().numTensors).toBe(n);
    expect(m).toBeCloseTo(auto.reduce((s, v) => s + Math.sqrt(v), 0) / auto.length, 5);
    x.dispose();
    ae.dispose();
  });

  test.each([
    [-0.1, '-0.1'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('contraction %s is rejected with one line', (bad, shown) => {
    const message = new RegExp(`^Autoencoder: expected contraction to be a finite number >= 0, got ${shown}$`);
    expect(() => new Autoencoder({ numVisible: 4, numHidden: 2, contraction: bad }, new Rng(1))).toThrow(message);
  });
});

describe('contractive StackedAutoencoder', () => {
  test('per-layer λ, greedy pretraining, toMLP; seeded reruns bit-identical; no leaks', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const run = () => {
      const sae = new StackedAutoencoder({ layerSizes: [16, 10, 6], contraction: [0.1, 0.05] }, new Rng(1));
      const hist = sae.pretrain(x, { epochs: 4, batchSize: 10, learningRate: 0.3 }, new Rng(2));
      const mlp = sae.toMLP(3, new Rng(3));
      const w0 = Array.from(mlp.params['layer0.weight']!.dataSync());
      expect(w0).toEqual(Array.from(sae.layers[0]!.params.weight.dataSync()));
      const jac = sae.layers[0]!.meanJacobianNorm(x);
      mlp.dispose();
      sae.dispose();
      return { hist, w0, jac };
    };
    const a = run();
    const n = tf.memory().numTensors;
    const b = run();
    expect(tf.memory().numTensors).toBe(n);
    expect(b).toEqual(a);
    x.dispose();
  });

  test('contraction applies to every layer, or one per layer, and is checked', () => {
    const one = new StackedAutoencoder({ layerSizes: [6, 4, 3], contraction: 0.2 }, new Rng(1));
    expect(one.layers.map((l) => l.contraction)).toEqual([0.2, 0.2]);
    const each = new StackedAutoencoder({ layerSizes: [6, 4, 3], contraction: [0.3, 0] }, new Rng(1));
    expect(each.layers.map((l) => l.contraction)).toEqual([0.3, 0]);
    // λ = 0 layers are the plain ones, weight for weight.
    const plain = new StackedAutoencoder({ layerSizes: [6, 4, 3] }, new Rng(1));
    expect(plain.layers.map((l) => l.contraction)).toEqual([0, 0]);
    expect(Array.from(each.layers[1]!.params.weight.dataSync())).toEqual(Array.from(plain.layers[1]!.params.weight.dataSync()));
    [one, each, plain].forEach((s) => s.dispose());
    expect(() => new StackedAutoencoder({ layerSizes: [6, 4, 3], contraction: [0.1] }, new Rng(1))).toThrow(
      /^StackedAutoencoder: expected contraction to have one entry per autoencoder \(2\), got 1 entries$/,
    );
    expect(() => new StackedAutoencoder({ layerSizes: [6, 4, 3], contraction: [0.1, -1] }, new Rng(1))).toThrow(/^StackedAutoencoder: expected contraction/);
    expect(() => new StackedAutoencoder({ layerSizes: [6, 4, 3], contraction: Number.NaN }, new Rng(1))).toThrow(/^StackedAutoencoder: expected contraction/);
  });
});
