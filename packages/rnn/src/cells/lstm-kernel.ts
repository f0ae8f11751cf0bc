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
 * Speed (per-op dispatch dominates at research sizes): forward, one [B, H]×[H, 4H] matmul for
 * all gates, σ and tanh over the whole [B, 4H], four slices, five cell ops. Backward (fast path),
 * the factors that do not depend on δ — Q = [g⊙i(1−i), c⊙f(1−f), i⊙(1−g²), tanh c'⊙o(1−o)] and
 * R = o⊙(1 − tanh²c') — are computed once for all steps; then a step is
 * δc = δc_next + δh⊙R, δZ = [δc δc δc δh]⊙Q, δh_{t−1} = δZ·W_hh, δc_{t−1} = δc⊙f: six ops.
 *
 * References: Hochreiter & Schmidhuber (1997), "Long short-term memory"; Gers, Schmidhuber &
 * Cummins (2000), "Learning to forget"; Graves (2012), "Supervised sequence labelling", ch. 4.
 */
import { tf } from '@gradlab/core';
import { matMulRows } from './cell-kernel.js';
import type { CellKernel, CellState, LayerWeights } from './cell-kernel.js';
import { splitRows } from '../time-steps.js';

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

/** Per-step factors of the fast backward step. */
interface LSTMPrepared {
  /** [B, 4H]. */
  q: tf.Tensor;
  /** [B, H]. */
  r: tf.Tensor;
  /** The forget gate [B, H]. */
  f: tf.Tensor;
}

/** The LSTM kernel. */
export function lstmKernel(): CellKernel<LSTMCache> {
  return {
    cell: 'lstm',
    gateNames: ['i', 'f', 'g', 'o'],
    hasCellState: true,
    splitGates: false,
    step(xw: readonly tf.Tensor[], prev: CellState, w: LayerWeights) {
      const H = prev.h.shape[1]!;
      const B = prev.h.shape[0]!;
      const z = tf.add(xw[0]!, tf.matMul(prev.h as tf.Tensor2D, w.whhTAll as tf.Tensor2D)); // [B, 4H]
      const s = tf.sigmoid(z);
      const i = tf.slice(s, [0, 0], [B, H]);
      const f = tf.slice(s, [0, H], [B, H]);
      const o = tf.slice(s, [0, 3 * H], [B, H]);
      const g = tf.tanh(tf.slice(z, [0, 2 * H], [B, H]));
      const cPrev = prev.c!;
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
    prepareBackward(caches: readonly LSTMCache[]): LSTMPrepared[] {
      const n = caches.length;
      const all = (key: keyof LSTMCache) => (n === 1 ? caches[0]![key] : tf.concat(caches.map((c) => c[key]), 0)); // [n·B, H]
      const [i, f, g, o, cPrev, tc] = (['i', 'f', 'g', 'o', 'cPrev', 'tc'] as const).map(all) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const q = tf.concat(
        [
          tf.mul(g, tf.mul(i, tf.sub(1, i))),
          tf.mul(cPrev, tf.mul(f, tf.sub(1, f))),
          tf.mul(i, tf.sub(1, tf.square(g))),
          tf.mul(tc, tf.mul(o, tf.sub(1, o))),
        ],
        1,
      );
      const r = tf.mul(o, tf.sub(1, tf.square(tc)));
      const qs = n === 1 ? [q] : splitRows(q, n);
      const rs = n === 1 ? [r] : splitRows(r, n);
      return caches.map((c, t) => ({ q: qs[t]!, r: rs[t]!, f: c.f }));
    },
    fastBackStep(dh: tf.Tensor, dcNext: tf.Tensor | undefined, prepared: unknown, w: LayerWeights) {
      const p = prepared as LSTMPrepared;
      const fromH = tf.mul(dh, p.r);
      const dc = dcNext === undefined ? fromH : tf.add(dcNext, fromH);
      const dZ = tf.mul(tf.concat([dc, dc, dc, dh], 1), p.q);
      return { dZx: dZ, dZh: dZ, dh: tf.matMul(dZ as tf.Tensor2D, w.whh as tf.Tensor2D), dc: tf.mul(dc, p.f) };
    },
  };
}
