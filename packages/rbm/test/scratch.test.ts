import { test } from 'vitest';
import { Rng, barsAndStripes, tf } from '@gradlab/core';
import { BernoulliRBM, exactLogLikelihood, trainRBM } from '../src/index.js';
test('explore', () => {
  const data = barsAndStripes(4);
  const x = tf.tensor2d(data.x, data.shape);
  for (const [method, lr, mom, bs, std] of [['cd', 0.05, 0.5, 10, 0.1], ['pcd', 0.05, 0.5, 10, 0.1], ['pcd', 0.1, 0.5, 10, 0.1], ['fpcd', 0.05, 0.5, 10, 0.1], ['cd', 0.1, 0.5, 10, 0.1]] as const) {
    const rbm = new BernoulliRBM({ numVisible: 16, numHidden: 12, weightStd: std }, new Rng(1).fork('init'));
    const lls: string[] = [];
    const t0 = performance.now();
    trainRBM(rbm, x, { epochs: 600, batchSize: bs, method, learningRate: lr, finalMomentum: mom, initialMomentum: Math.min(mom, 0.5), weightCost: 0, ...(method === 'cd' ? {} : { numChains: 100 }), onEpoch: (s) => { if (s.epoch % 50 === 0) lls.push(exactLogLikelihood(rbm, x).toFixed(2)); } }, new Rng(1).fork('train'));
    console.log('R', method, lr, mom, bs, std, lls.join(' '), (performance.now() - t0).toFixed(0), 'ms');
    rbm.dispose();
  }
});
