import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import { GRU, LSTM } from '../src/index.js';
import type { RecurrentNet } from '../src/index.js';
import { unroll } from '../src/unroll.js';

/** Walks a window backwards step by step with `backStep`, or with `prepareBackward` + `fastBackStep`. */
function walk(net: RecurrentNet, x: tf.Tensor[], fast: boolean): number[][] {
  return tf.tidy(() => {
    const k = net.kernel;
    const w = net.layerWeights();
    const trace = unroll(k, w, x, net.zeroState(x[0]!.shape[0]!));
    const layer = trace.layers[0]!;
    const prepared = fast ? k.prepareBackward!(layer.caches) : undefined;
    const rng = new Rng(9);
    let dh = rng.normalTensor(layer.states[0]!.h.shape);
    let dc: tf.Tensor | undefined;
    const out: tf.Tensor[] = [];
    for (let t = x.length - 1; t >= 0; t--) {
      const g = fast ? k.fastBackStep!(dh, dc, prepared![t], w[0]!) : k.backStep(dh, dc, layer.caches[t], w[0]!);
      out.push(g.dZx, g.dZh, g.dh, ...(g.dc ? [g.dc] : []));
      dh = g.dh;
      dc = g.dc;
    }
    return out.map((t) => Array.from(t.dataSync()));
  });
}

function both(make: (rng: Rng) => RecurrentNet): { plain: number[][]; fast: number[][] } {
  const rng = new Rng(4);
  const net = make(rng.fork('net'));
  const x = Array.from({ length: 7 }, (_, t) => rng.fork(`x${t}`).normalTensor([4, 3]));
  const before = tf.memory().numTensors;
  const plain = walk(net, x, false);
  const fast = walk(net, x, true);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose(x);
  net.dispose();
  return { plain, fast };
}

describe('fast backward steps (factors prepared for all steps) against the plain steps', () => {
  test('GRU: every dZx, dZh and dh identical to the bit over 7 steps (same products, same order); nothing leaks', () => {
    const { plain, fast } = both((rng) => new GRU({ inputSize: 3, hiddenSize: 5 }, rng));
    expect(fast).toEqual(plain);
  });

  test('LSTM: equal up to float rounding (its fast path groups the gate products differently); nothing leaks', () => {
    const { plain, fast } = both((rng) => new LSTM({ inputSize: 3, hiddenSize: 5 }, rng));
    expect(fast.length).toBe(plain.length);
    fast.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - plain[i]![j]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(plain[i]![j]!)))));
  });
});
