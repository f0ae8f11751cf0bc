import { describe, expect, test } from 'vitest';
import { Rng, initBackend, tf } from '@gradlab/core';
import { BernoulliRBM } from '../src/index.js';
import { timesWeight } from '../src/fresh-weight-product.js';

/** The float32 bit patterns of a tensor. */
const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer));

describe('timesWeight: x·W as (Wᵀ·xᵀ)ᵀ on wasm, the same bits as the plain product', () => {
  // The shapes the RBMs of the experiments and benchmarks use: tiny enumerable models, a CD
  // minibatch on 784×500, the DBN's 500×500 and 500×2000 layers, one row, the data set's up-pass.
  test.each([
    [1, 16, 12],
    [20, 16, 12],
    [4096, 12, 16],
    [100, 784, 500],
    [100, 500, 784],
    [100, 500, 2000],
    [1, 784, 500],
    [1000, 784, 500],
    [7, 33, 5],
  ])('[%i, %i]×[%i, …] on wasm', async (batch, k, n) => {
    await initBackend({ backend: 'wasm' });
    const r = new Rng(batch * 1000 + k + n);
    const x = r.fork('x').uniformTensor([batch, k], 0, 1) as tf.Tensor2D;
    const w = r.fork('w').normalTensor([k, n], 0, 0.1) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const [plain, transposed] = tf.tidy(() => {
      const wT = tf.transpose(w);
      return [tf.matMul(x, w), timesWeight(x, () => w, () => wT)];
    });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(transposed.shape).toEqual([batch, n]);
    expect(bits(transposed)).toEqual(bits(plain));
    // …and the transposed form is the one that ran: two transposes around the product.
    const wT = tf.transpose(w);
    const profile = await tf.profile(() => timesWeight(x, () => w, () => wT));
    expect(profile.kernels.map((k) => k.name)).toEqual(['Transpose', 'BatchMatMul', 'Transpose']);
    tf.dispose([x, w, wT, plain, transposed, profile.result as tf.Tensor]);
  });

  test('a BernoulliRBM trained one CD-1 step gives the same bits on the next P(h | v) and P(v | h) as plain products', async () => {
    await initBackend({ backend: 'wasm' });
    const rng = new Rng(5);
    const rbm = new BernoulliRBM({ numVisible: 30, numHidden: 20 }, rng.fork('init'));
    const v = tf.cast(tf.less(rng.fork('v').uniformTensor([10, 30], 0, 1), 0.4), 'float32');
    const h = tf.cast(tf.less(rng.fork('h').uniformTensor([10, 20], 0, 1), 0.5), 'float32');
    rbm.weight.assign(tf.tidy(() => tf.add(rbm.weight, 0.01))); // a fresh W, as after an update
    const mh = rbm.meanHidden(v);
    const mv = rbm.meanVisible(h);
    const [ph, pv] = tf.tidy(() => [
      tf.sigmoid(tf.add(tf.matMul(v, rbm.weight), rbm.hiddenBias)),
      tf.sigmoid(tf.add(tf.matMul(h, tf.transpose(rbm.weight)), rbm.visibleBias)),
    ]);
    expect(bits(mh)).toEqual(bits(ph!));
    expect(bits(mv)).toEqual(bits(pv!));
    tf.dispose([v, h, mh, mv, ph!, pv!]);
    rbm.dispose();
  });
});
