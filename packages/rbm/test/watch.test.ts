/**
 * `watch` (from core) on the rbm training loops: trainRBM (CD-k, PCD, FPCD), DBN and DBM
 * pretraining, and the backprop trainers of the autoencoders (dense, denoising, contractive,
 * convolutional, stacked, deep fine-tuning). A watched run is bit for bit the run without it;
 * rows come at the recorded steps only, with the names and steps a reader of the CSV expects;
 * one recorded step's norms equal a float64 computation from the same tensors; nothing leaks;
 * a `watch` that is not a Watcher is refused in one line.
 */
import { describe, expect, test } from 'vitest';
import { Rng, ValidationError, barsAndStripes, tf, unlabeledMinibatches, watch, type Watcher, type WatchRow } from '@gradlab/core';
import {
  Autoencoder,
  BernoulliGaussianRBM,
  BernoulliRBM,
  ConvAutoencoder,
  DBM,
  DBN,
  DeepAutoencoder,
  StackedAutoencoder,
  StackedConvAutoencoder,
  contrastiveDivergenceStatistics,
  fineTuneAutoencoder,
  trainAutoencoder,
  trainConvAutoencoder,
  trainRBM,
} from '../src/index.js';

/** 3×3 bars and stripes: 14 binary patterns of 9 pixels. */
function patterns(): tf.Tensor2D {
  const d = barsAndStripes(3);
  return tf.tensor2d(d.x, d.shape);
}

const values = (params: object) => Object.fromEntries((Object.entries(params) as [string, tf.Tensor][]).map(([n, p]) => [n, Array.from(p.dataSync())]));
const norm64 = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
const diff64 = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a, (v, i) => v - b[i]!);
const row = (w: Watcher, step: number, kind: string, name: string): WatchRow => {
  const r = w.rows.find((x) => x['step'] === step && x['kind'] === kind && x['name'] === name);
  if (r === undefined) throw new Error(`no ${kind} row ${name} at step ${step}`);
  return r;
};
/** |a − b| ≤ 1e−5·|b|: float32 arithmetic against a float64 reference. */
const expectClose = (a: unknown, b: number) => expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(1e-5 * Math.abs(b) + 1e-7);
const steps = (w: Watcher) => [...new Set(w.rows.map((r) => r['step']))];
const multiples = (every: number, updates: number) => Array.from({ length: Math.ceil(updates / every) }, (_, i) => every * i);

describe('trainRBM with a watcher', () => {
  const run = (method: 'cd' | 'pcd' | 'fpcd', gaussianHidden: boolean, watcher: Watcher | undefined) => {
    const x = patterns();
    const config = { numVisible: 9, numHidden: 4, weightStd: 0.1 };
    const rbm = gaussianHidden ? new BernoulliGaussianRBM(config, new Rng(1).fork('init')) : new BernoulliRBM(config, new Rng(1).fork('init'));
    const result = trainRBM(
      rbm,
      x,
      { epochs: 2, batchSize: 5, method, k: 2, learningRate: 0.05, sparsityTarget: 0.2, ...(watcher ? { watch: watcher } : {}) },
      new Rng(2).fork('train'),
    );
    const params = values(rbm.params);
    rbm.dispose();
    x.dispose();
    return { result, params };
  };

  test.each([
    ['cd', false],
    ['pcd', false],
    ['fpcd', false],
    ['cd', true],
  ] as const)('%s (Gaussian hidden units: %s): weights and epoch stats bit for bit the same; rows at steps 0 and 4 of the 6 updates (every 4)', (method, gaussianHidden) => {
    const start = tf.memory().numTensors;
    const plain = run(method, gaussianHidden, undefined);
    const w = watch({ every: 4 });
    const watched = run(method, gaussianHidden, w);
    expect(tf.memory().numTensors).toBe(start);
    expect(watched.params).toEqual(plain.params);
    expect(watched.result).toEqual(plain.result);
    // 14 rows in batches of 5: 3 updates an epoch, 6 in all; every 4 → steps 0 and 4.
    expect(plain.result.steps).toBe(6);
    expect(steps(w)).toEqual(multiples(4, 6));
    expect(w.rows.filter((r) => r['step'] === 0 && r['kind'] === 'param').map((r) => r['name'])).toEqual(['weight', 'visibleBias', 'hiddenBias']);
    for (const r of w.rows.filter((r) => r['kind'] === 'param')) expect(r['update_ratio']).toBeGreaterThan(0);
    const hidden = w.rows.filter((r) => r['kind'] === 'activation');
    expect(hidden.map((r) => r['name'])).toEqual(['hidden', 'hidden']);
    // Logistic hidden units get a saturation; linear Gaussian ones none.
    for (const r of hidden) {
      if (gaussianHidden) expect(r['act_saturation']).toBe('');
      else expect(r['act_saturation']).toBeGreaterThanOrEqual(0);
    }
  });

  test('CD-1, step 0: gradient, weight and update norms and the hidden statistics equal a float64 computation from the same tensors', () => {
    const start = tf.memory().numTensors;
    const x = patterns();
    const n = x.shape[0];
    const lr = 0.1;
    const weightCost = 0.01;
    const rbm = new BernoulliRBM({ numVisible: 9, numHidden: 4, weightStd: 0.5 }, new Rng(3).fork('init'));
    const before = values(rbm.params);
    // The reference: the CD-1 statistics of the first (unshuffled, whole-data) minibatch, drawn
    // from the stream trainRBM's Gibbs chain uses, at the initial weights.
    const twin = new BernoulliRBM({ numVisible: 9, numHidden: 4, weightStd: 0.5 }, new Rng(3).fork('init'));
    const d = contrastiveDivergenceStatistics(twin, x, new Rng(4).fork('train').fork('gibbs'), { k: 1 });
    const dW = d.weight.dataSync();
    const g = {
      weight: Array.from(dW, (v, i) => -v + weightCost * before['weight']![i]!),
      visibleBias: Array.from(d.visibleBias.dataSync(), (v) => -v),
      hiddenBias: Array.from(d.hiddenBias.dataSync(), (v) => -v),
    };
    tf.dispose(Object.values(d));
    twin.dispose();

    const w = watch({ every: 1 });
    const res = trainRBM(rbm, x, { epochs: 1, batchSize: n, shuffle: false, learningRate: lr, weightCost, watch: w }, new Rng(4).fork('train'));
    expect(res.steps).toBe(1);
    const after = values(rbm.params);
    for (const name of ['weight', 'visibleBias', 'hiddenBias'] as const) {
      const r = row(w, 0, 'param', name);
      expectClose(r['grad_norm'], norm64(g[name]));
      expectClose(r['weight_norm'], norm64(before[name]!));
      expectClose(r['update_norm'], norm64(diff64(after[name]!, before[name]!)));
      // The first momentum step is −η·g.
      expectClose(r['update_norm'], lr * norm64(g[name]));
    }
    // P(h | v) of the minibatch at the initial weights, sigmoid in float64.
    const W = before['weight']!;
    const c = before['hiddenBias']!;
    const xs = x.dataSync();
    const probs: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 4; j++) {
        let z = c[j]!;
        for (let v = 0; v < 9; v++) z += xs[i * 9 + v]! * W[v * 4 + j]!;
        probs.push(1 / (1 + Math.exp(-z)));
      }
    }
    const h = row(w, 0, 'activation', 'hidden');
    expectClose(h['act_mean'], probs.reduce((s, p) => s + p, 0) / probs.length);
    expect(h['act_saturation']).toBeCloseTo(probs.filter((p) => p * (1 - p) <= 0.01 * 0.25).length / probs.length, 10);
    rbm.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('DBN and DBM pretraining with a watcher', () => {
  test('DBN: rows layer{l}.*, steps counting on across layers; weights bit for bit the same', () => {
    const run = (watcher: Watcher | undefined) => {
      const x = patterns();
      const dbn = new DBN({ layerSizes: [9, 5, 3] }, new Rng(5).fork('dbn'));
      const res = dbn.pretrain(x, { epochs: 2, batchSize: 5, method: 'pcd', ...(watcher ? { watch: watcher } : {}) }, new Rng(5).fork('pretrain'));
      const params = dbn.layers.map((l) => values(l.params));
      dbn.dispose();
      x.dispose();
      return { res, params };
    };
    const start = tf.memory().numTensors;
    const plain = run(undefined);
    const w = watch({ every: 2 });
    const watched = run(w);
    expect(tf.memory().numTensors).toBe(start);
    expect(watched.params).toEqual(plain.params);
    expect(watched.res).toEqual(plain.res);
    // Each layer: 2 epochs × 3 minibatches = 6 updates; layer 1's are steps 6 … 11.
    expect(steps(w)).toEqual(multiples(2, 12));
    const names = (step: number) => w.rows.filter((r) => r['step'] === step).map((r) => `${r['kind']} ${r['name']}`);
    expect(names(4)).toEqual(['param layer0.weight', 'param layer0.visibleBias', 'param layer0.hiddenBias', 'layer layer0', 'activation layer0.hidden']);
    expect(names(6)).toEqual(['param layer1.weight', 'param layer1.visibleBias', 'param layer1.hiddenBias', 'layer layer1', 'activation layer1.hidden']);
  });

  test('DBM: the two modified RBMs as layer0 and layer1, steps counting on', () => {
    const run = (watcher: Watcher | undefined) => {
      const x = patterns();
      const dbm = new DBM({ layerSizes: [9, 5, 3], weightStd: 0.1 }, new Rng(6).fork('dbm'));
      dbm.pretrain(x, { epochs: 1, batchSize: 7, ...(watcher ? { watch: watcher } : {}) }, new Rng(6).fork('pretrain'));
      const params = values(dbm.params);
      dbm.dispose();
      x.dispose();
      return params;
    };
    const start = tf.memory().numTensors;
    const plain = run(undefined);
    const w = watch({ every: 1 });
    expect(run(w)).toEqual(plain);
    expect(tf.memory().numTensors).toBe(start);
    const weights = w.rows.filter((r) => r['kind'] === 'param' && String(r['name']).endsWith('.weight')).map((r) => `${r['step']} ${r['name']}`);
    expect(weights).toEqual(['0 layer0.weight', '1 layer0.weight', '2 layer1.weight', '3 layer1.weight']);
  });
});

describe('autoencoder trainers with a watcher', () => {
  const images = () => new Rng(7).fork('images').uniformTensor([10, 6, 6, 1]);
  const cases = {
    denoising: {
      updates: 6,
      run: (watcher: Watcher | undefined) => {
        const x = patterns();
        const ae = new Autoencoder({ numVisible: 9, numHidden: 4 }, new Rng(8).fork('ae'));
        const history = trainAutoencoder(ae, x, { epochs: 2, batchSize: 5, noise: 0.25, ...(watcher ? { watch: watcher } : {}) }, new Rng(8).fork('train'));
        const params = values(ae.params);
        ae.dispose();
        x.dispose();
        return { history, params };
      },
      names: ['weight', 'hiddenBias', 'visibleBias', 'hidden'],
    },
    contractive: {
      updates: 6,
      run: (watcher: Watcher | undefined) => {
        const x = patterns();
        const ae = new Autoencoder({ numVisible: 9, numHidden: 4, contraction: 0.1 }, new Rng(8).fork('ae'));
        const history = trainAutoencoder(ae, x, { epochs: 2, batchSize: 5, optimizer: 'adam', ...(watcher ? { watch: watcher } : {}) }, new Rng(8).fork('train'));
        const params = values(ae.params);
        ae.dispose();
        x.dispose();
        return { history, params };
      },
      names: ['weight', 'hiddenBias', 'visibleBias', 'hidden'],
    },
    convolutional: {
      updates: 6,
      run: (watcher: Watcher | undefined) => {
        const x = images();
        const ae = new ConvAutoencoder({ inputShape: [6, 6, 1], channels: 2, activation: 'tanh', outputActivation: 'linear' }, new Rng(9).fork('ae'));
        const history = trainConvAutoencoder(ae, x, { epochs: 2, batchSize: 4, noise: 0.2, learningRate: 0.01, ...(watcher ? { watch: watcher } : {}) }, new Rng(9).fork('train'));
        const params = values(ae.params);
        ae.dispose();
        x.dispose();
        return { history, params };
      },
      names: ['weight', 'hiddenBias', 'visibleBias', 'hidden'],
    },
    'deep fine-tuning': {
      updates: 6,
      run: (watcher: Watcher | undefined) => {
        const x = patterns();
        const ae = new DeepAutoencoder({ layerSizes: [9, 5, 2] }, new Rng(10).fork('ae'));
        const history = fineTuneAutoencoder(ae, x, { epochs: 2, batchSize: 5, learningRate: 0.05, ...(watcher ? { watch: watcher } : {}) }, new Rng(10).fork('train'));
        const params = values(ae.params);
        ae.dispose();
        x.dispose();
        return { history, params };
      },
      names: ['encoder0.weight', 'encoder0.bias', 'encoder1.weight', 'encoder1.bias', 'decoder0.weight', 'decoder0.bias', 'decoder1.weight', 'decoder1.bias'],
    },
    'stacked pretraining': {
      updates: 12,
      run: (watcher: Watcher | undefined) => {
        const x = patterns();
        const sae = new StackedAutoencoder({ layerSizes: [9, 5, 3] }, new Rng(11).fork('sae'));
        const history = sae.pretrain(x, { epochs: 2, batchSize: 5, noise: 0.1, ...(watcher ? { watch: watcher } : {}) }, new Rng(11).fork('pretrain'));
        const params = sae.layers.map((l) => values(l.params));
        sae.dispose();
        x.dispose();
        return { history, params };
      },
      names: ['layer0.weight', 'layer0.hiddenBias', 'layer0.visibleBias', 'layer0.hidden'],
    },
    'stacked convolutional pretraining': {
      updates: 12,
      run: (watcher: Watcher | undefined) => {
        const x = images();
        const scae = new StackedConvAutoencoder({ inputShape: [6, 6, 1], channels: [2, 3], pool: 'max' }, new Rng(12).fork('scae'));
        const history = scae.pretrain(x, { epochs: 2, batchSize: 4, learningRate: 0.05, ...(watcher ? { watch: watcher } : {}) }, new Rng(12).fork('pretrain'));
        const params = scae.layers.map((l) => values(l.params));
        scae.dispose();
        x.dispose();
        return { history, params };
      },
      names: ['layer0.weight', 'layer0.hiddenBias', 'layer0.visibleBias', 'layer0.hidden'],
    },
  };

  test.each(Object.keys(cases) as (keyof typeof cases)[])('%s: history and weights bit for bit the same; rows at every 5th step, named as the params', (name) => {
    const c = cases[name];
    const start = tf.memory().numTensors;
    const plain = c.run(undefined);
    const w = watch({ every: 5 });
    const watched = c.run(w);
    expect(tf.memory().numTensors).toBe(start);
    expect(watched.params).toEqual(plain.params);
    expect(watched.history).toEqual(plain.history);
    expect(steps(w)).toEqual(multiples(5, c.updates));
    expect(w.rows.filter((r) => r['step'] === 0 && r['kind'] !== 'layer').map((r) => r['name'])).toEqual(c.names);
    for (const r of w.rows.filter((r) => r['kind'] === 'param')) expect(Number.isFinite(r['update_norm'])).toBe(true);
    for (const r of w.rows.filter((r) => r['kind'] === 'activation')) expect(r['act_saturation']).toBeGreaterThanOrEqual(0);
  });

  test('stacked pretraining: layer 1 rows start right after layer 0’s last step', () => {
    const w = watch({ every: 1 });
    cases['stacked pretraining'].run(w);
    const weights = w.rows.filter((r) => r['kind'] === 'param' && String(r['name']).endsWith('.weight')).map((r) => `${r['step']} ${r['name']}`);
    expect(weights.slice(4, 8)).toEqual(['4 layer0.weight', '5 layer0.weight', '6 layer1.weight', '7 layer1.weight']);
  });

  test('trainAutoencoder, step 0: gradient, weight and update norms and the code statistics equal a float64 computation from the same tensors', () => {
    const start = tf.memory().numTensors;
    const x = patterns();
    const n = x.shape[0];
    const lr = 0.1;
    const ae = new Autoencoder({ numVisible: 9, numHidden: 4 }, new Rng(13).fork('ae'));
    const before = values(ae.params);
    // The trainer's first minibatch: the whole data in the order of its 'shuffle/1' stream.
    const [batch] = unlabeledMinibatches(x, n, new Rng(14).fork('train').fork('shuffle/1'));
    const ref = ae.gradients(batch!);
    const g = values(ref.grads);
    ref.dispose();
    const code = ae.encode(batch!);
    const h = Array.from(code.dataSync());
    tf.dispose([code, batch!]);

    const w = watch({ every: 1 });
    trainAutoencoder(ae, x, { epochs: 1, batchSize: n, learningRate: lr, watch: w }, new Rng(14).fork('train'));
    const after = values(ae.params);
    for (const name of ['weight', 'hiddenBias', 'visibleBias']) {
      const r = row(w, 0, 'param', name);
      expectClose(r['grad_norm'], norm64(g[name]!));
      expectClose(r['weight_norm'], norm64(before[name]!));
      expectClose(r['update_norm'], norm64(diff64(after[name]!, before[name]!)));
      // SGD with momentum: the first step is −η·g.
      expectClose(r['update_norm'], lr * norm64(g[name]!));
    }
    const a = row(w, 0, 'activation', 'hidden');
    expectClose(a['act_mean'], h.reduce((s, v) => s + v, 0) / h.length);
    expect(a['act_saturation']).toBeCloseTo(h.filter((v) => v * (1 - v) <= 0.01 * 0.25).length / h.length, 10);
    ae.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe('a watch that is not a Watcher', () => {
  const message = (where: string) => new RegExp(`^${where}: expected watch to be a Watcher \\(from watch\\(\\{ every, \\.\\.\\. \\}\\)\\), got .+$`);

  test.each([{ every: 5 }, 'yes', 1, null])('%j is refused in one line, before any update', (bad) => {
    const x = patterns();
    const rbm = new BernoulliRBM({ numVisible: 9, numHidden: 4 }, new Rng(1));
    const ae = new Autoencoder({ numVisible: 9, numHidden: 4 }, new Rng(1));
    const deep = new DeepAutoencoder({ layerSizes: [9, 4] }, new Rng(1));
    const dbn = new DBN({ layerSizes: [9, 4] }, new Rng(1));
    const weights = values(rbm.params);
    const start = tf.memory().numTensors;
    const cfg = { epochs: 1, watch: bad } as never;
    expect(() => trainRBM(rbm, x, cfg, new Rng(2))).toThrow(ValidationError);
    expect(() => trainRBM(rbm, x, cfg, new Rng(2))).toThrow(message('trainRBM'));
    expect(() => dbn.pretrain(x, cfg, new Rng(2))).toThrow(message('trainRBM'));
    expect(() => trainAutoencoder(ae, x, cfg, new Rng(2))).toThrow(message('trainAutoencoder'));
    expect(() => fineTuneAutoencoder(deep, x, cfg, new Rng(2))).toThrow(message('fineTuneAutoencoder'));
    expect(tf.memory().numTensors).toBe(start);
    expect(values(rbm.params)).toEqual(weights);
    [rbm, ae, deep, dbn, x].forEach((m) => m.dispose());
  });
});
