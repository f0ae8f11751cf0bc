/**
 * fineTuneEpoch: the mean loss it returns weights each minibatch by its rows (checked with a
 * frozen net, where it must equal the full-batch loss, on a set the batches do not divide); the
 * epoch's order comes from the Rng it is given and nothing else; it trains; it leaks nothing.
 */
import { describe, expect, test } from 'vitest';
import { MLP, Rng, SGD, softmaxCrossEntropy, tf } from '@gradlab/core';
import { fineTuneEpoch } from '../src/fine-tune-epoch.js';

/** 10 rows of 3 features and labels of 2 classes, from `seed`. */
function toySet(seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const x = Array.from({ length: 30 }, () => rng.normal());
  const y = Array.from({ length: 10 }, (_, i) => (x[3 * i]! + x[3 * i + 1]! > 0 ? 1 : 0));
  return { x: tf.tensor2d(x, [10, 3]), y: tf.tensor1d(y, 'int32') };
}

const net = (seed: number) => new MLP({ layerSizes: [3, 4, 2] }, new Rng(seed));
const weights = (m: MLP) => Object.values(m.params).map((p) => [...p.dataSync()]);

describe('fineTuneEpoch', () => {
  test('returns the mean loss over the rows: batches of 4, 4 and 2 weighted by their rows', () => {
    const { x, y } = toySet(1);
    const m = net(2);
    const frozen = new SGD({ learningRate: 0 });
    const full = tf.tidy(() => softmaxCrossEntropy(m.forward(x), y).dataSync()[0]!);
    // The plain mean of the three batch means would differ: the last batch has half the rows.
    expect(fineTuneEpoch(m, frozen, x, y, 4, new Rng(3).fork('shuffle/1'))).toBeCloseTo(full, 6);
    tf.dispose([x, y]);
    frozen.dispose();
    m.dispose();
  });

  test('same net, data and shuffle stream give the same weights; another stream, other weights; it trains', () => {
    const { x, y } = toySet(4);
    const run = (shuffle: string, epochs: number) => {
      const m = net(5);
      const opt = new SGD({ learningRate: 0.1, momentum: 0.5 });
      const losses = Array.from({ length: epochs }, (_, e) => fineTuneEpoch(m, opt, x, y, 3, new Rng(6).fork(`${shuffle}/${e + 1}`)));
      const w = weights(m);
      opt.dispose();
      m.dispose();
      return { w, losses };
    };
    const a = run('shuffle', 1);
    expect(run('shuffle', 1).w).toEqual(a.w);
    expect(run('other', 1).w).not.toEqual(a.w);
    const long = run('shuffle', 30);
    expect(long.losses[29]!).toBeLessThan(long.losses[0]! / 2);
    tf.dispose([x, y]);
  });

  test('leaves no tensors behind and disposes neither the data nor the net', () => {
    const { x, y } = toySet(7);
    const m = net(8);
    const opt = new SGD({ learningRate: 0.1, momentum: 0.9 });
    fineTuneEpoch(m, opt, x, y, 4, new Rng(9).fork('shuffle/1')); // creates the momentum slots
    const before = tf.memory().numTensors;
    fineTuneEpoch(m, opt, x, y, 4, new Rng(9).fork('shuffle/2'));
    expect(tf.memory().numTensors).toBe(before);
    expect(x.isDisposed || y.isDisposed).toBe(false);
    tf.dispose([x, y]);
    opt.dispose();
    m.dispose();
  });
});
