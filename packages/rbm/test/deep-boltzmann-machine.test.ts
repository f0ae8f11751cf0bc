import { describe, expect, test } from 'vitest';
import { Rng, barsAndStripes, tf } from '@gradlab/core';
import {
  DBM,
  DBMTrainer,
  dbmAnnealedImportanceSampling,
  dbmAsBipartiteRBM,
  dbmAscentDirection,
  dbmExactLogLikelihood,
  dbmExactLogPartition,
  dbmLogProbability,
  exactLogPartition,
  meanFieldLowerBound,
  trainDBM,
  trainRBM,
} from '../src/index.js';
import { ReplicatedRBM } from '../src/replicated-rbm.js';
import { logSumExp, sigmoid, states } from './brute-force.js';
import { bruteLogProb, bruteLogZ, dbm64, meanField64, modelMoments } from './dbm-brute-force.js';

/** A DBM with N(0, scale²) weights and N(0, (scale/2)²) biases. */
function randomDBM(sizes: [number, number, number], seed: number, scale = 1, zeroW2 = false): DBM {
  const r = new Rng(seed);
  const [V, H1, H2] = sizes;
  const p = {
    weight1: r.fork('w1').normalTensor([V, H1], 0, scale),
    weight2: zeroW2 ? tf.zeros([H1, H2]) : r.fork('w2').normalTensor([H1, H2], 0, scale),
    visibleBias: r.fork('b').normalTensor([V], 0, scale / 2),
    hiddenBias1: r.fork('c1').normalTensor([H1], 0, scale / 2),
    hiddenBias2: r.fork('c2').normalTensor([H2], 0, scale / 2),
  };
  const dbm = DBM.fromParams(p);
  tf.dispose(Object.values(p));
  return dbm;
}

const flat = (t: tf.Tensor) => Array.from(t.dataSync());
const bas = barsAndStripes(4);

describe('DBM exact likelihood (h1 enumerated, v and h2 summed out)', () => {
  test('log Z and log P(v) match a brute-force sum over every (v, h1, h2); P sums to 1 (V=4, H1=3, H2=2)', () => {
    const dbm = randomDBM([4, 3, 2], 1, 1.2);
    const p = dbm64(dbm);
    const logZ = dbmExactLogPartition(dbm);
    expect(logZ).toBeCloseTo(bruteLogZ(p), 4);
    const vs = states(4);
    const v = tf.tensor2d(vs);
    const lp = dbmLogProbability(dbm, v);
    vs.forEach((row, i) => expect(lp[i]).toBeCloseTo(bruteLogProb(p, row, bruteLogZ(p)), 4));
    expect(logSumExp(Array.from(lp))).toBeCloseTo(0, 5);
    expect(dbmExactLogLikelihood(dbm, v, logZ)).toBeCloseTo(Array.from(lp).reduce((a, b) => a + b, 0) / 16, 6);
    v.dispose();
    dbm.dispose();
  });

  test('the enumeration crosses chunk boundaries (H1 = 15 > 2^14 states per chunk): log Z matches summing v instead', () => {
    // With H2 = 1 the pair (v, h2) is small enough to enumerate the other way: log Z = log Σ_{v,h2} Π_j (1 + e^{x_j}).
    const dbm = randomDBM([3, 15, 1], 2, 0.5);
    const p = dbm64(dbm);
    const terms: number[] = [];
    for (const v of states(3)) {
      for (const h2 of states(1)) {
        let t = v.reduce((s, vi, i) => s + vi * p.b[i]!, 0) + h2[0]! * p.c2[0]!;
        for (let j = 0; j < 15; j++) {
          const x = p.c1[j]! + v.reduce((s, vi, i) => s + vi * p.W1[i]![j]!, 0) + h2[0]! * p.W2[j]![0]!;
          t += Math.log1p(Math.exp(x));
        }
        terms.push(t);
      }
    }
    expect(dbmExactLogPartition(dbm)).toBeCloseTo(logSumExp(terms), 3);
    dbm.dispose();
  });

  test('rejects a first hidden layer too large to enumerate, in one line', () => {
    const dbm = new DBM({ layerSizes: [2, 26, 1] }, new Rng(1));
    expect(() => dbmExactLogPartition(dbm)).toThrow(/^dbmExactLogPartition: expected the first hidden layer to have at most 25 units \(it is enumerated\), got 26$/);
    dbm.dispose();
  });
});

describe('DBM partition function by AIS (the DBM as an RBM over h1 and [v, h2])', () => {
  test('the bipartite RBM has the DBM\'s log Z exactly; AIS over h1 lands within 3 standard errors (or 0.1 nats) of it', () => {
    const dbm = randomDBM([12, 8, 5], 14, 0.6);
    const rbm = dbmAsBipartiteRBM(dbm);
    expect([rbm.numVisible, rbm.numHidden]).toEqual([8, 17]);
    const exact = dbmExactLogPartition(dbm);
    expect(exactLogPartition(rbm)).toBeCloseTo(exact, 4);
    rbm.dispose();
    const n0 = tf.memory().numTensors;
    const ais = dbmAnnealedImportanceSampling(dbm, new Rng(15), { numRuns: 100, numBetas: 1000 });
    expect(tf.memory().numTensors).toBe(n0);
    expect(Math.abs(ais.logZ - exact)).toBeLessThan(Math.max(0.1, 3 * ais.stdErr));
    dbm.dispose();
  });
});

describe('DBM mean field', () => {
  test('matches the fixed-point equations written out in float64, with and without damping', () => {
    const dbm = randomDBM([5, 4, 3], 3, 1);
    const p = dbm64(dbm);
    const vs = [
      [1, 0, 1, 1, 0],
      [0, 0, 1, 0, 1],
    ];
    const v = tf.tensor2d(vs);
    for (const [iterations, damping] of [
      [0, 0],
      [3, 0],
      [7, 0.4],
    ] as const) {
      const mf = dbm.meanField(v, { iterations, damping });
      const m1 = mf.hidden1.arraySync();
      const m2 = mf.hidden2.arraySync();
      vs.forEach((row, n) => {
        const ref = meanField64(p, row, iterations, damping);
        ref.mu1.forEach((x, j) => expect(m1[n]![j]).toBeCloseTo(x, 5));
        ref.mu2.forEach((x, k) => expect(m2[n]![k]).toBeCloseTo(x, 5));
      });
      tf.dispose([mf.hidden1, mf.hidden2]);
    }
    v.dispose();
    dbm.dispose();
  });

  test('the lower bound never exceeds log P(v), rises with every undamped sweep, and is exact when W2 = 0', () => {
    const dbm = randomDBM([4, 3, 3], 4, 1.5);
    const p = dbm64(dbm);
    const logZ = bruteLogZ(p);
    const vs = states(4);
    const v = tf.tensor2d(vs);
    const exact = vs.map((row) => bruteLogProb(p, row, logZ));
    let previous: Float64Array | undefined;
    for (let it = 0; it <= 8; it++) {
      const mf = dbm.meanField(v, { iterations: it });
      const bound = meanFieldLowerBound(dbm, v, mf, logZ);
      bound.forEach((b, n) => {
        expect(b).toBeLessThanOrEqual(exact[n]! + 1e-5);
        if (previous !== undefined) expect(b).toBeGreaterThanOrEqual(previous[n]! - 1e-5);
      });
      previous = bound;
      tf.dispose([mf.hidden1, mf.hidden2]);
    }
    // Some gap remains for this strongly coupled model: the bound is not trivially equal.
    expect(Math.max(...exact.map((e, n) => e - previous![n]!))).toBeGreaterThan(1e-3);
    // W2 = 0: the posterior factorises, so mean field is exact and so is the bound.
    const free = randomDBM([4, 3, 3], 5, 1.5, true);
    const pf = dbm64(free);
    const lzf = bruteLogZ(pf);
    const mf = free.meanField(v, { iterations: 1 });
    const bound = meanFieldLowerBound(free, v, mf, lzf);
    const mu1 = mf.hidden1.arraySync();
    vs.forEach((row, n) => {
      expect(bound[n]).toBeCloseTo(bruteLogProb(pf, row, lzf), 4);
      for (let j = 0; j < 3; j++) expect(mu1[n]![j]).toBeCloseTo(sigmoid(pf.c1[j]! + row.reduce((s, x, i) => s + x * pf.W1[i]![j]!, 0)), 5);
    });
    tf.dispose([mf.hidden1, mf.hidden2, v]);
    dbm.dispose();
    free.dispose();
  });
});

describe('DBM learning rule', () => {
  test('the update direction matches brute force: mean-field data statistics minus the exact model expectation (Gibbs chains, ±0.03)', () => {
    const dbm = randomDBM([4, 3, 2], 6, 0.8);
    const p = dbm64(dbm);
    const data = [
      [1, 0, 1, 0],
      [1, 1, 0, 0],
      [0, 1, 1, 1],
    ];
    const v = tf.tensor2d(data);
    const rng = new Rng(7);
    // 6000 independent chains, 60 sweeps from the bottom-up start: the chains forget it.
    const start = tf.tidy(() => tf.fill([6000, 4], 0.5));
    let state = dbm.initialState(start, rng);
    let last: ReturnType<DBM['gibbsStep']> | undefined;
    for (let s = 0; s < 60; s++) {
      const next = dbm.gibbsStep(state, rng);
      tf.dispose(Object.values(state));
      state = next;
      last = next;
    }
    const mf = dbm.meanField(v, { iterations: 10 });
    const d = dbmAscentDirection(v, mf, last!);
    const model = modelMoments(p);
    const pos = data.map((row) => meanField64(p, row, 10));
    const B = data.length;
    const want = {
      weight1: Array.from({ length: 4 }, (_, i) => Array.from({ length: 3 }, (_, j) => pos.reduce((s, q, n) => s + data[n]![i]! * q.mu1[j]!, 0) / B - model.vh1[i]![j]!)).flat(),
      weight2: Array.from({ length: 3 }, (_, j) => Array.from({ length: 2 }, (_, k) => pos.reduce((s, q) => s + q.mu1[j]! * q.mu2[k]!, 0) / B - model.h1h2[j]![k]!)).flat(),
      visibleBias: Array.from({ length: 4 }, (_, i) => data.reduce((s, row) => s + row[i]!, 0) / B - model.v[i]!),
      hiddenBias1: Array.from({ length: 3 }, (_, j) => pos.reduce((s, q) => s + q.mu1[j]!, 0) / B - model.h1[j]!),
      hiddenBias2: Array.from({ length: 2 }, (_, k) => pos.reduce((s, q) => s + q.mu2[k]!, 0) / B - model.h2[k]!),
    };
    for (const name of Object.keys(want) as (keyof typeof want)[]) {
      const got = flat(d[name]);
      want[name].forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThan(0.03));
    }
    tf.dispose([v, start, mf.hidden1, mf.hidden2, ...Object.values(state), ...Object.values(d)]);
    dbm.dispose();
  });

  test('DBMTrainer.step moves the parameters by η·(that direction − λ·W) on its first step (momentum buffer empty)', () => {
    const v = tf.tensor2d([
      [1, 0, 1, 0, 1],
      [0, 1, 1, 0, 0],
    ]);
    const lr = 0.3;
    const cost = 0.01;
    const dbm = randomDBM([5, 4, 3], 8, 0.7);
    const before = dbm.getParams();
    // Replay the trainer's draws: chains start at the minibatch, then one sweep.
    const replay = new Rng(9);
    const state = dbm.initialState(v, replay);
    const next = dbm.gibbsStep(state, replay);
    const mf = dbm.meanField(v, { iterations: 4 });
    const d = dbmAscentDirection(v, mf, next);
    const trainer = new DBMTrainer(dbm, { learningRate: lr, momentum: 0.9, weightCost: cost, meanFieldIterations: 4 });
    trainer.step(v, new Rng(9));
    for (const name of ['weight1', 'weight2', 'visibleBias', 'hiddenBias1', 'hiddenBias2'] as const) {
      const delta = flat(dbm[name]).map((x, i) => x - flat(before[name])[i]!);
      const decay = name.startsWith('weight') ? flat(before[name]).map((w) => cost * w) : delta.map(() => 0);
      const dir = flat(d[name]);
      delta.forEach((x, i) => expect(x).toBeCloseTo(lr * (dir[i]! - decay[i]!), 5));
    }
    expect(trainer.stepCount).toBe(1);
    expect(trainer.chains?.visible.shape).toEqual([2, 5]);
    trainer.dispose();
    tf.dispose([v, mf.hidden1, mf.hidden2, ...Object.values(before), ...Object.values(state), ...Object.values(next), ...Object.values(d)]);
    dbm.dispose();
  });
});

describe('modified RBMs of the greedy pretraining (sect. 3.1)', () => {
  test.each(['visible', 'hidden'] as const)('replicated %s layer: doubled conditionals; F, F_h, E and log Z agree with brute force over both copies', (replicated) => {
    const r = new Rng(10);
    const params = { weight: r.fork('w').normalTensor([3, 4], 0, 1), visibleBias: r.fork('b').normalTensor([3], 0, 0.5), hiddenBias: r.fork('c').normalTensor([4], 0, 0.5) };
    const rbm = new ReplicatedRBM({ params, replicated });
    const W = params.weight.arraySync() as number[][];
    const b = params.visibleBias.arraySync() as number[];
    const c = params.hiddenBias.arraySync() as number[];
    const rv = replicated === 'visible' ? 2 : 1;
    const rh = replicated === 'hidden' ? 2 : 1;
    const vs = states(3);
    const hs = states(4);
    const vT = tf.tensor2d(vs);
    const hT = tf.tensor2d(hs);
    const ph = rbm.meanHidden(vT).arraySync();
    const pv = rbm.meanVisible(hT).arraySync();
    vs.forEach((v, n) => c.forEach((cj, j) => expect(ph[n]![j]).toBeCloseTo(sigmoid(cj + rv * v.reduce((s, x, i) => s + x * W[i]![j]!, 0)), 5)));
    hs.forEach((h, n) => b.forEach((bi, i) => expect(pv[n]![i]).toBeCloseTo(sigmoid(bi + rh * h.reduce((s, x, j) => s + x * W[i]![j]!, 0)), 5)));
    // The replicated model itself: r_v copies of v and r_h copies of h, every copy pair joined by W.
    const E = (vc: number[][], hc: number[][]) => {
      let e = 0;
      for (const v of vc) e -= v.reduce((s, x, i) => s + x * b[i]!, 0);
      for (const h of hc) e -= h.reduce((s, x, j) => s + x * c[j]!, 0);
      for (const v of vc) for (const h of hc) e -= v.reduce((s, x, i) => s + x * h.reduce((t, y, j) => t + y * W[i]![j]!, 0), 0);
      return e;
    };
    const copies = (layer: number[][], r: number) => (r === 1 ? layer.map((x) => [x]) : layer.flatMap((x) => layer.map((y) => [x, y])));
    const F = rbm.freeEnergy(vT).arraySync();
    vs.forEach((v, n) => expect(F[n]).toBeCloseTo(-logSumExp(copies(hs, rh).map((hc) => -E(new Array(rv).fill(v), hc))), 4));
    const Fh = rbm.hiddenFreeEnergy(hT).arraySync();
    hs.forEach((h, n) => expect(Fh[n]).toBeCloseTo(-logSumExp(copies(vs, rv).map((vc) => -E(vc, new Array(rh).fill(h)))), 4));
    const e = rbm.energy(tf.tensor2d([vs[5]!]), tf.tensor2d([hs[9]!])).arraySync();
    expect(e[0]).toBeCloseTo(E(new Array(rv).fill(vs[5]!), new Array(rh).fill(hs[9]!)), 5);
    // log Z over every copy, by enumerating the layer that is not replicated.
    const all = copies(vs, rv).flatMap((vc) => copies(hs, rh).map((hc) => -E(vc, hc)));
    expect(exactLogPartition(rbm, { layer: replicated === 'visible' ? 'hidden' : 'visible' })).toBeCloseTo(logSumExp(all), 4);
    tf.dispose([vT, hT, ...Object.values(params)]);
    rbm.dispose();
  });

  test('pretrain composes the two RBMs: W1, W2, b, c2 from them and c1 the mean of their biases for h1', () => {
    const x = tf.tensor2d(bas.x, bas.shape);
    const dbm = new DBM({ layerSizes: [16, 6, 4], weightStd: 0.1 }, new Rng(11));
    const init = dbm.getParams();
    dbm.pretrain(x, { epochs: 3, batchSize: 10, method: 'pcd', learningRate: 0.05, numChains: 20 }, new Rng(12));
    // The same by hand with the pieces the pretraining uses.
    const bottom = new ReplicatedRBM({ params: { weight: init.weight1, visibleBias: init.visibleBias, hiddenBias: init.hiddenBias1 }, replicated: 'visible' });
    const top = new ReplicatedRBM({ params: { weight: init.weight2, visibleBias: init.hiddenBias1, hiddenBias: init.hiddenBias2 }, replicated: 'hidden' });
    const means = tf.tidy(() => {
      const p = tf.clipByValue(tf.mean(x, 0), 1e-3, 1 - 1e-3);
      return tf.log(tf.div(p, tf.sub(1, p)));
    });
    bottom.setParams({ visibleBias: means });
    {
      const cfg = { epochs: 3, batchSize: 10, method: 'pcd' as const, learningRate: 0.05, numChains: 20 };
      trainRBM(bottom, x, cfg, new Rng(12).fork('layer0'));
      const feats = bottom.meanHidden(x);
      trainRBM(top, feats, cfg, new Rng(12).fork('layer1'));
      expect(flat(dbm.weight1)).toEqual(flat(bottom.weight));
      expect(flat(dbm.weight2)).toEqual(flat(top.weight));
      expect(flat(dbm.visibleBias)).toEqual(flat(bottom.visibleBias));
      expect(flat(dbm.hiddenBias2)).toEqual(flat(top.hiddenBias));
      const c1 = flat(bottom.hiddenBias).map((cb, j) => (cb + flat(top.visibleBias)[j]!) / 2);
      flat(dbm.hiddenBias1).forEach((x, j) => expect(x).toBeCloseTo(c1[j]!, 6));
      tf.dispose([x, feats, means, ...Object.values(init)]);
      bottom.dispose();
      top.dispose();
      dbm.dispose();
    }
  });
});

describe('DBM training on 4×4 bars-and-stripes', () => {
  const x = () => tf.tensor2d(bas.x, bas.shape);
  const run = (seed: number, trainEpochs: number) => {
    const data = x();
    const dbm = new DBM({ layerSizes: [16, 10, 6], weightStd: 0.1 }, new Rng(seed).fork('init'));
    const ll0 = dbmExactLogLikelihood(dbm, data);
    dbm.pretrain(data, { epochs: 150, batchSize: 10, method: 'pcd', learningRate: 0.05, initialMomentum: 0.5, finalMomentum: 0.5, weightCost: 0, numChains: 50 }, new Rng(seed).fork('pretrain'));
    const ll1 = dbmExactLogLikelihood(dbm, data);
    const lr = 0.02;
    trainDBM(
      dbm,
      data,
      {
        epochs: trainEpochs,
        batchSize: 10,
        learningRate: lr,
        initialMomentum: 0.5,
        finalMomentum: 0.5,
        weightCost: 0,
        numChains: 50,
        onEpoch: (s) => {
          s.trainer.learningRate = lr * Math.max(0.01, 1 - s.epoch / trainEpochs);
        },
      },
      new Rng(seed).fork('train'),
    );
    const ll2 = dbmExactLogLikelihood(dbm, data);
    const w = [...flat(dbm.weight1), ...flat(dbm.weight2), ...flat(dbm.hiddenBias1)];
    data.dispose();
    dbm.dispose();
    return { ll0, ll1, ll2, w };
  };

  test('pretraining and then DBM learning each raise the exact log-likelihood; same seed, same bits; no leaks', () => {
    const n0 = tf.memory().numTensors;
    const a = run(1, 200);
    expect(tf.memory().numTensors).toBe(n0);
    // Untrained: about −16 log 2 = −11.1 nats; the optimum is −log 30 = −3.40. Each phase must add
    // clearly more than the run-to-run noise of a few tenths (measured: seed 1 −11.15 → −9.23 →
    // −8.62, seed 2 −11.14 → −9.15 → −8.29).
    expect(a.ll0).toBeLessThan(-10.5);
    expect(a.ll1).toBeGreaterThan(a.ll0 + 1.5);
    expect(a.ll2).toBeGreaterThan(a.ll1 + 0.4);
    expect(a.ll2).toBeLessThanOrEqual(-Math.log(30) + 1e-6);
    const b = run(1, 200);
    expect(b.w).toEqual(a.w);
    expect(b.ll2).toBe(a.ll2);
  });
});

describe('DBM.toMLP', () => {
  test("'plain' holds (W1, c1), (W2, c2); 'mean-field' holds [W1; W2ᵀ] so its first layer on [v, μ2] is the mean-field update of μ1, its second μ2", () => {
    const dbm = randomDBM([5, 4, 3], 13, 0.6);
    const v = tf.tensor2d([
      [1, 0, 1, 1, 0],
      [0, 1, 0, 0, 1],
    ]);
    dbm.transposed(); // the model's cached transposes, made once
    const n0 = tf.memory().numTensors;
    const plain = dbm.toMLP(2, new Rng(1));
    expect(plain.spec.layerSizes).toEqual([5, 4, 3, 2]);
    const pp = plain.params;
    expect(flat(pp['layer0.weight']!)).toEqual(flat(dbm.weight1));
    expect(flat(pp['layer1.weight']!)).toEqual(flat(dbm.weight2));
    expect(flat(pp['layer1.bias']!)).toEqual(flat(dbm.hiddenBias2));
    const mlp = dbm.toMLP(2, new Rng(1), { input: 'mean-field' });
    expect(mlp.spec.layerSizes).toEqual([8, 4, 3, 2]);
    const input = dbm.meanFieldInput(v, { iterations: 50 });
    const mf = dbm.meanField(v, { iterations: 50 });
    const first = tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(input, mlp.params['layer0.weight']!), mlp.params['layer0.bias']!)));
    flat(first).forEach((x, i) => expect(x).toBeCloseTo(flat(mf.hidden1)[i]!, 4));
    // At the fixed point the second layer reproduces q(h2) too: the unrolled net's hidden
    // forward pass is the DBM's mean-field posterior, layer by layer.
    const second = tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(first, mlp.params['layer1.weight']!), mlp.params['layer1.bias']!)));
    flat(second).forEach((x, i) => expect(x).toBeCloseTo(flat(mf.hidden2)[i]!, 4));
    tf.dispose([input, first, second, mf.hidden1, mf.hidden2]);
    plain.dispose();
    mlp.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    v.dispose();
    dbm.dispose();
  });
});

describe('DBM bad configurations, one line each', () => {
  const dbm = () => new DBM({ layerSizes: [4, 3, 2] }, new Rng(1));
  test.each([
    [() => new DBM({ layerSizes: [4, 3] }, new Rng(1)), /^DBM: expected layerSizes to be an array of 3 positive integers \[visible, hidden1, hidden2\], got/],
    [() => new DBM({ layerSizes: [4, 0, 2] }, new Rng(1)), /^DBM: expected layerSizes\[1\] to be a positive integer, got 0$/],
    [() => new DBM({ layerSizes: [4, 3, 2], weightStd: -1 }, new Rng(1)), /^DBM: expected weightStd to be/],
    [() => new DBM({ layerSizes: [4, 3, 2], depth: 2 } as never, new Rng(1)), /^DBM: unknown option "depth"/],
    [() => dbm().meanField(tf.zeros([2, 4]), { damping: 1 }), /^DBM\.meanField: expected damping to be a number in \[0, 1\), got 1$/],
    [() => dbm().meanField(tf.zeros([2, 5])), /^DBM\.meanField: expected v of shape \[batch, 4\], got \[2,5\]$/],
    [() => new DBMTrainer(dbm(), { k: 0 }), /^DBMTrainer: expected k to be a positive integer, got 0$/],
    [() => trainDBM(dbm(), tf.zeros([2, 4]), { epochs: 0 }, new Rng(1)), /^trainDBM: expected epochs to be a positive integer, got 0$/],
    [() => trainDBM(dbm(), tf.zeros([2, 4]), { epochs: 1, meanFieldIterations: 1.5 }, new Rng(1)), /^trainDBM: expected meanFieldIterations to be a non-negative integer, got 1\.5$/],
    [() => dbm().pretrain(tf.zeros([2, 4]), { epochs: 1, layers: [{}, {}, {}] }, new Rng(1)), /^DBM\.pretrain: expected layers to be an array of at most 2 per-layer option objects, got 3 entries$/],
    [() => dbm().toMLP(2, new Rng(1), { input: 'augmented' as never }), /^DBM\.toMLP: expected input to be one of "plain", "mean-field", got "augmented"$/],
    [() => new ReplicatedRBM({ numVisible: 2, numHidden: 2, replicated: 'both' as never }, new Rng(1)), /^ReplicatedRBM: expected replicated to be one of "visible", "hidden", got "both"$/],
  ])('%#', (f, message) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  test('a disposed DBM says so', () => {
    const d = dbm();
    d.dispose();
    expect(() => d.meanField(tf.zeros([1, 4]))).toThrow(/^DBM: this model was disposed$/);
  });
});
