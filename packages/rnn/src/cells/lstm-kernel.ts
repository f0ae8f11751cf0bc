/**
 * The LSTM cell with forget gate, exactly as `torch.nn.LSTM` (gate order i, f, g, o):
 *
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
 *   c' = f ⊙ c + i ⊙ g                       h' = o ⊙ tanh(c')
 *
 * Backward (δ = ∂L/∂·): δc_t = δc_{t+1→t} + δh ⊙ o ⊙ (1 − tanh²c'), then
 * δi = δc_t ⊙ g ⊙ i(1−i), δf = δc_t ⊙ c ⊙ f(1−f), δg = δc_t ⊙ i ⊙ (1−g²), δo = δh ⊙ tanh c' ⊙ o(1−o),
 * δh_{t−1} = [δi δf δg δo] W_hh, δc_{t−1} = δc_t ⊙ f. The cell-state path δc_t → δc_{t−1} = δc_t ⊙ f
 * is the constant error carousel that lets gradients survive long lags.
 *
 * References: Hochreiter & Schmidhuber (1997), "Long short-term memory"; Gers, Schmidhuber &
 * Cummins (2000), "Learning to forget"; Graves (2012), "Supervised sequence labelling", ch. 4.
 */
import { tf } from '@gradlab/core';
import { matMulRows } from './cell-kernel.js';
import type { CellKernel, CellState, LayerWeights } from './cell-kernel.js';

/** What an LSTM step keeps for its backward step ([B, H] each). */
export interface LSTMCache {
  i: tf.Tensor;
  f: tf.Tensor;
  g: tf.Tensor;
  o: tf.Tensor;
  /** c_{t−1}. */
  cPrev: tf.Tensor;
  /** tanh(c_t). */
  tc: tf.Tensor;
}

function gate(xw: tf.Tensor, h: tf.Tensor, whhT: tf.Tensor): tf.Tensor {
  return tf.add(xw, tf.matMul(h as tf.Tensor2D, whhT as tf.Tensor2D));
}

/** The LSTM kernel. */
export function lstmKernel(): CellKernel<LSTMCache> {
  return {
    cell: 'lstm',
    gateNames: ['i', 'f', 'g', 'o'],
    hasCellState: true,
    step(xw: readonly tf.Tensor[], prev: CellState, w: LayerWeights) {
      const h = prev.h;
      const cPrev = prev.c!;
      const i = tf.sigmoid(gate(xw[0]!, h, w.whhT[0]!));
      const f = tf.sigmoid(gate(xw[1]!, h, w.whhT[1]!));
      const g = tf.tanh(gate(xw[2]!, h, w.whhT[2]!));
      const o = tf.sigmoid(gate(xw[3]!, h, w.whhT[3]!));
      const c = tf.add(tf.mul(f, cPrev), tf.mul(i, g));
      const tc = tf.tanh(c);
      return { state: { h: tf.mul(o, tc), c }, cache: { i, f, g, o, cPrev, tc } };
    },
    backStep(dh: tf.Tensor, dcNext: tf.Tensor | undefined, k: LSTMCache, w: LayerWeights) {
      const dO = tf.mul(tf.mul(dh, k.tc), tf.mul(k.o, tf.sub(1, k.o)));
      const fromH = tf.mul(tf.mul(dh, k.o), tf.sub(1, tf.square(k.tc)));
      const dc = dcNext === undefined ? fromH : tf.add(dcNext, fromH);
      const dI = tf.mul(tf.mul(dc, k.g), tf.mul(k.i, tf.sub(1, k.i)));
      const dF = tf.mul(tf.mul(dc, k.cPrev), tf.mul(k.f, tf.sub(1, k.f)));
      const dG = tf.mul(tf.mul(dc, k.i), tf.sub(1, tf.square(k.g)));
      const dZ = tf.concat([dI, dF, dG, dO], -1);
      return { dZx: dZ, dZh: dZ, dh: matMulRows(dZ, w.whh), dc: tf.mul(dc, k.f) };
    },
    gates: (k: LSTMCache) => [k.i, k.f, k.g, k.o],
  };
}
