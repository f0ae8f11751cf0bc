import { describe, expect, test } from 'vitest';
import { Rng, ShapeError, autodiffGradients, barsAndStripes, checkGradients, mlpForward, tf } from '@gradlab/core';
import {
  Autoencoder,
  BernoulliGaussianRBM,
  DBN,
  DeepAutoencoder,
  StackedAutoencoder,
  fineTuneAutoencoder,
  maskingNoise,
  trainAutoencoder,
} from '../src/index.js';

const bas = barsAndStripes(4);

/** The per-example loss of a network as a pure function of named tensors (the reference for explicit backprop). */
function reconLoss(y: tf.Tensor, target: tf.Tensor, output: 'sigmoid' | 'linear'): tf.Scalar {
  const batch = target.shape[0]!;
  if (output === 'linear') return tf.div(tf.sum(tf.square(tf.sub(y, target))), batch) as tf.Scalar;
  const p = tf.sigmoid(y);
  return tf.div(tf.neg(tf.sum(tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p)))))), batch) as tf.Scalar;
}

describe('Autoencoder (tied weights, denoising)', () => {
  test.each(['sigmoid', 'linear'] as const)('%s output: explicit gradients match tfjs autodiff and finite differences', (output) => {
    const ae = new Autoencoder({ numVisible: 6, numHidden: 4, outputActivation: output }, new Rng(1));
    const r = new Rng(2);
    const x = tf.tidy(() => (output === 'sigmoid' ? r.uniformTensor([5, 6]) : r.normalTensor([5, 6])));
    const noisy = maskingNoise(x, 0.3, new Rng(3));
    const f = (p: Record<string, tf.Tensor>) => {
      const h = tf.sigmoid(tf.add(tf.matMul(noisy, p['weight']!), p['hiddenBias']!));
      const z = tf.add(tf.matMul(h, tf.transpose(p['weight']!)), p['visibleBias']!);
      return reconLoss(z, x, output);
    };
    const params = { ...ae.params } as Record<string, tf.Tensor>;
    const g = ae.gradients(noisy, x);
    const auto = autodiffGradients(f, params);
    for (const name of Object.keys(params)) {
      const a = Array.from(auto[name]!.dataSync());
      Array.from(g.grads[name]!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(a[i]!, 4));
    }
    expect(g.loss).toBeCloseTo(f(params).dataSync()[0]!, 4);
    const fd = checkGradients(f, params, g.grads, { rng: new Rng(4), atol: 2e-3 });
    expect(fd.ok).toBe(true);
    g.dispose();
    tf.dispose([x, noisy, ...Object.values(auto)]);
    ae.dispose();
  });

  test('trainAutoencoder lowers the reconstruction error; same seed, same weights; no leaks', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const run = () => {
      const ae = new Autoencoder({ numVisible: 16, numHidden: 8 }, new Rng(5));
      const hist = trainAutoencoder(ae, x, { epochs: 30, batchSize: 10, learningRate: 0.5, noise: 0.2 }, new Rng(5).fork('t'));
      const w = Array.from(ae.params.weight.dataSync());
      ae.dispose();
      return { hist, w };
    };
    const a = run();
    const n = tf.memory().numTensors;
    const b = run();
    expect(tf.memory().numTensors).toBe(n);
    expect(a.w).toEqual(b.w);
    expect(a.hist.at(-1)!.loss).toBeLessThan(a.hist[0]!.loss);
    x.dispose();
  });

  test('masking noise zeroes the given fraction and leaves the input alone', () => {
    const x = tf.ones([200, 50]);
    const m = maskingNoise(x, 0.25, new Rng(1));
    const frac = 1 - tf.tidy(() => tf.mean(m).dataSync()[0]!);
    expect(Math.abs(frac - 0.25)).toBeLessThan(0.02);
    expect(tf.tidy(() => tf.min(x).dataSync()[0])).toBe(1);
    expect(() => maskingNoise(x, 1, new Rng(1))).toThrow(/maskingNoise: expected noise to be a number in \[0, 1\), got 1/);
    tf.dispose([x, m]);
  });
});

describe('DeepAutoencoder', () => {
  test.each([
    ['linear', 'sigmoid'],
    ['sigmoid', 'linear'],
  ] as const)('code %s, output %s: explicit backprop matches autodiff and finite differences', (code, output) => {
    const ae = new DeepAutoencoder({ layerSizes: [6, 5, 3], codeActivation: code, outputActivation: output, init: 'glorot-uniform' }, new Rng(7));
    const r = new Rng(8);
    const x = tf.tidy(() => (output === 'sigmoid' ? r.uniformTensor([4, 6]) : r.normalTensor([4, 6])));
    const acts = ['sigmoid', code, 'sigmoid', output === 'sigmoid' ? 'logit' : 'linear'];
    const names = ['encoder0', 'encoder1', 'decoder0', 'decoder1'];
    const f = (p: Record<string, tf.Tensor>) => {
      let a: tf.Tensor = x;
      names.forEach((n, k) => {
        const z = tf.add(tf.matMul(a, p[`${n}.weight`]!), p[`${n}.bias`]!);
        a = acts[k] === 'sigmoid' ? tf.sigmoid(z) : z;
      });
      return reconLoss(a, x, output);
    };
    const params = { ...ae.params } as Record<string, tf.Tensor>;
    const g = ae.gradients(x);
    const auto = autodiffGradients(f, params);
    for (const name of Object.keys(params)) {
      const a = Array.from(auto[name]!.dataSync());
      Array.from(g.grads[name]!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(a[i]!, 4));
    }
    expect(checkGradients(f, params, g.grads, { rng: new Rng(9), atol: 2e-3 }).ok).toBe(true);
    g.dispose();
    tf.dispose([x, ...Object.values(auto)]);
    ae.dispose();
  });

  test('fine-tuning lowers the reconstruction error; encode/decode shapes; errors are clear', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const ae = new DeepAutoencoder({ layerSizes: [16, 12, 4], init: 'glorot-uniform' }, new Rng(1));
    const before = ae.reconstructionError(x);
    const hist = fineTuneAutoencoder(ae, x, { epochs: 100, batchSize: 10, optimizer: 'adam', learningRate: 0.01 }, new Rng(2));
    expect(hist).toHaveLength(100);
    expect(ae.reconstructionError(x)).toBeLessThan(0.5 * before);
    const code = ae.encode(x);
    expect(code.shape).toEqual([30, 4]);
    const back = ae.decode(code);
    expect(back.shape).toEqual([30, 16]);
    expect(() => ae.encode(tf.zeros([2, 5]))).toThrow(/DeepAutoencoder.encode: expected input of shape \[batch, 16\], got \[2,5\]/);
    expect(() => new DeepAutoencoder({ layerSizes: [16] }, new Rng(1))).toThrow(/DeepAutoencoder: expected layerSizes to be an array of at least 2 positive integers/);
    expect(() => fineTuneAutoencoder(ae, x, { epochs: 1, learningRate: -1 }, new Rng(1))).toThrow(/fineTuneAutoencoder: expected learningRate to be a finite number > 0, got -1/);
    tf.dispose([x, code, back]);
    ae.dispose();
  });
});

describe('DBN', () => {
  test('greedy pretraining, up-pass, toMLP and toAutoencoder agree with the RBMs', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const dbn = new DBN({ layerSizes: [16, 12, 8, 3], topHiddenType: 'gaussian' }, new Rng(1));
    expect(dbn.layers[2]).toBeInstanceOf(BernoulliGaussianRBM);
    const seen: string[] = [];
    const result = dbn.pretrain(
      x,
      { epochs: 5, batchSize: 10, learningRate: 0.1, layers: [{}, {}, { learningRate: 0.001 }], onEpoch: (s) => void seen.push(`${s.layer}:${s.epoch}`) },
      new Rng(1).fork('pretrain'),
    );
    expect(result.layers.map((l) => l.history.length)).toEqual([5, 5, 5]);
    expect(seen[0]).toBe('0:1');
    expect(seen.at(-1)).toBe('2:5');
    // Visible biases were set from the data means (0.5 for every pixel of bars-and-stripes: logit ≈ 0, then trained).
    const ups = dbn.upPass(x);
    expect(ups.map((u) => u.shape)).toEqual([
      [30, 12],
      [30, 8],
      [30, 3],
    ]);
    // The autoencoder's encoder is the up-pass (linear code), its decoder the transposed weights.
    const ae = dbn.toAutoencoder();
    expect(ae.codeActivation).toBe('linear');
    const code = ae.encode(x);
    Array.from(code.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ups[2]!.dataSync()[i]!, 4));
    const d0 = ae.params['decoder0.weight']!.arraySync() as number[][];
    const w2 = dbn.layers[2]!.weight.arraySync() as number[][];
    expect(d0[1]![5]).toBeCloseTo(w2[5]![1]!, 6);
    expect(() => dbn.toMLP(2, new Rng(1))).toThrow(/DBN.toMLP: expected every RBM to have binary hidden units/);
    tf.dispose([...ups, code]);
    ae.dispose();
    dbn.dispose();
    x.dispose();
  });

  test('toMLP copies the recognition weights: the MLP hidden activations are the up-pass', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const dbn = new DBN({ layerSizes: [16, 10, 6] }, new Rng(2));
    dbn.pretrain(x, { epochs: 3, batchSize: 10 }, new Rng(2).fork('p'));
    const mlp = dbn.toMLP(2, new Rng(3));
    expect(mlp.spec.layerSizes).toEqual([16, 10, 6, 2]);
    expect(mlp.spec.activation).toBe('sigmoid');
    const ups = dbn.upPass(x);
    const trace = tf.tidy(() => mlpForward(mlp.spec, mlp.params, mlp.buffers, x).post.map((t) => t.arraySync() as number[][]));
    ups.forEach((u, l) => (u.arraySync() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(trace[l]![i]![j]).toBeCloseTo(v, 5))));
    tf.dispose(ups);
    mlp.dispose();
    dbn.dispose();
    x.dispose();
  });

  test('sampling: shapes, probabilities in [0, 1], deterministic per seed, no leaks', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const dbn = new DBN({ layerSizes: [16, 12, 8] }, new Rng(3));
    dbn.pretrain(x, { epochs: 2, batchSize: 10 }, new Rng(3));
    const a = dbn.sample(7, new Rng(4), { steps: 20 });
    const n = tf.memory().numTensors;
    const b = dbn.sample(7, new Rng(4), { steps: 20 });
    expect(tf.memory().numTensors).toBe(n + 1);
    expect(a.shape).toEqual([7, 16]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync()).every((p) => p >= 0 && p <= 1)).toBe(true);
    const start = tf.tidy(() => tf.slice(x, [0, 0], [7, 16]));
    const c = dbn.sample(7, new Rng(5), { steps: 5, start });
    expect(c.shape).toEqual([7, 16]);
    expect(() => dbn.sample(3, new Rng(1), { start })).toThrow(/DBN.sample: expected start of shape \[3, 16\], got \[7,16\]/);
    tf.dispose([a, b, c, start, x]);
    dbn.dispose();
    expect(() => dbn.sample(1, new Rng(1))).toThrow(/DBN: this model was disposed/);
  });

  test('pretraining, toMLP and toAutoencoder leave no tensors behind', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const n = tf.memory().numTensors;
    const dbn = new DBN({ layerSizes: [16, 8, 4] }, new Rng(1));
    dbn.pretrain(x, { epochs: 2, batchSize: 10 }, new Rng(2));
    const sae = new StackedAutoencoder({ layerSizes: [16, 8, 4] }, new Rng(1));
    sae.pretrain(x, { epochs: 2, batchSize: 10, noise: 0.1 }, new Rng(2));
    const ae = dbn.toAutoencoder();
    fineTuneAutoencoder(ae, x, { epochs: 2, batchSize: 10, learningRate: 0.01 }, new Rng(3));
    const mlps = [dbn.toMLP(2, new Rng(4)), sae.toMLP(2, new Rng(4))];
    for (const m of mlps) m.dispose();
    ae.dispose();
    sae.dispose();
    dbn.dispose();
    expect(tf.memory().numTensors).toBe(n);
    x.dispose();
  });

  test('errors name the field, the value and the expectation', () => {
    expect(() => new DBN({ layerSizes: [4] }, new Rng(1))).toThrow(/DBN: expected layerSizes to be an array of at least 2 positive integers/);
    expect(() => new DBN({ layerSizes: [4, 2], visibleType: 'gaussian', topHiddenType: 'gaussian' }, new Rng(1))).toThrow(/at most one Gaussian layer/);
    const dbn = new DBN({ layerSizes: [4, 3] }, new Rng(1));
    const bad = tf.zeros([2, 5]);
    expect(() => dbn.pretrain(bad, { epochs: 1 }, new Rng(1))).toThrow(ShapeError);
    expect(() => dbn.toMLP(0, new Rng(1))).toThrow(/DBN.toMLP: expected numOutputs to be a positive integer, got 0/);
    bad.dispose();
    dbn.dispose();
  });
});

describe('StackedAutoencoder', () => {
  test('pretraining trains each layer on the codes below; toMLP hidden activations are the codes', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const sae = new StackedAutoencoder({ layerSizes: [16, 10, 6] }, new Rng(1));
    const hist = sae.pretrain(x, { epochs: 20, batchSize: 10, learningRate: 0.5, noise: 0.2, layers: [{}, { noise: 0 }] }, new Rng(2));
    expect(hist.map((h) => h.history.length)).toEqual([20, 20]);
    expect(hist[0]!.history.at(-1)!.loss).toBeLessThan(hist[0]!.history[0]!.loss);
    const codes = sae.encode(x);
    const mlp = sae.toMLP(3, new Rng(3));
    const post = tf.tidy(() => mlpForward(mlp.spec, mlp.params, mlp.buffers, x).post[1]!.arraySync() as number[][]);
    (codes.arraySync() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(post[i]![j]).toBeCloseTo(v, 5)));
    codes.dispose();
    mlp.dispose();
    sae.dispose();
    x.dispose();
  });
});
