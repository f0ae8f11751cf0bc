import { expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import { DBN, dbnExactLogLikelihood, dbnLogProbability } from '../src/index.js';
import { bernoulliProb, exactVisibleDistribution, logSumExp, params64, sigmoid, states, visibleInput } from './brute-force.js';

test('a two-RBM DBN: log P(v) matches the brute-force sum Σ_h1 P_top(h1) P(v | h1); P sums to 1 (V=4, H1=3, H2=2)', () => {
  const dbn = new DBN({ layerSizes: [4, 3, 2], weightStd: 1 }, new Rng(1));
  const r = new Rng(2);
  for (const [l, rbm] of dbn.layers.entries()) {
    const b = r.fork(`b${l}`).normalTensor([rbm.numVisible], 0, 0.7);
    const c = r.fork(`c${l}`).normalTensor([rbm.numHidden], 0, 0.7);
    rbm.setParams({ visibleBias: b, hiddenBias: c });
    tf.dispose([b, c]);
  }
  const bottom = params64(dbn.layers[0]!);
  const prior = exactVisibleDistribution(params64(dbn.layers[1]!)); // P(h1), in the order of states(3)
  const vs = states(4);
  const v = tf.tensor2d(vs);
  const lp = dbnLogProbability(dbn, v);
  vs.forEach((row, i) => {
    const p = states(3).reduce((s, h1, k) => s + prior[k]! * bernoulliProb(row, visibleInput(bottom, h1).map(sigmoid)), 0);
    expect(lp[i]).toBeCloseTo(Math.log(p), 4);
  });
  expect(logSumExp(Array.from(lp))).toBeCloseTo(0, 5);
  expect(dbnExactLogLikelihood(dbn, v)).toBeCloseTo(Array.from(lp).reduce((a, b) => a + b, 0) / 16, 6);
  const n0 = tf.memory().numTensors;
  dbnLogProbability(dbn, v);
  expect(tf.memory().numTensors).toBe(n0);
  v.dispose();
  dbn.dispose();
});

test('rejects a DBN of another depth, in one line', () => {
  const dbn = new DBN({ layerSizes: [4, 3, 2, 2] }, new Rng(1));
  const v = tf.zeros([1, 4]);
  expect(() => dbnLogProbability(dbn, v)).toThrow(/^dbnLogProbability: expected a DBN of two RBMs, got 3$/);
  v.dispose();
  dbn.dispose();
});
