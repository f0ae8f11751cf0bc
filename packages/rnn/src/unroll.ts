/**
 * Backpropagation through time written out (Werbos 1990; Williams & Zipser 1995): the forward
 * pass over a window of steps keeps every step's cache, the backward pass walks them in reverse.
 * Per layer, the input projection of all steps is one matmul, and the weight gradients are
 * accumulated with one matmul over all steps: with δZ [n·B, G·H] the stacked pre-activation
 * gradients, ∂L/∂W_ih = δZᵀ X and ∂L/∂W_hh = δZᵀ H_{prev} (Pascanu et al. 2013, eq. 3–5, summed
 * over t). Per step only the recurrent matmul and the cell's elementwise ops remain.
 *
 * These are the building blocks of {@link bptt} and {@link truncatedBptt}; call them inside
 * `tf.tidy`.
 */
import { scaledSumOfSquares, tf } from '@gradlab/core';
import type { ScaledSumOfSquares } from '@gradlab/core';
import type { CellKernel, CellState, LayerWeights } from './cells/cell-kernel.js';
import { splitRows, splitStepsAndGates } from './time-steps.js';

/** One layer's forward record over a window. */
export interface LayerTrace {
  /** The layer's inputs stacked [n·B, D] (after dropout, when on). */
  x: tf.Tensor;
  /** The dropout factor mask / (1 − p) its inputs were multiplied by [n·B, D], if any. */
  inputFactor?: tf.Tensor;
  /** State before the first step of the window. */
  start: CellState;
  /** State after each step. */
  states: CellState[];
  /** Each step's cache. */
  caches: unknown[];
}

/** The forward record of a window, bottom layer first. */
export interface Trace {
  layers: LayerTrace[];
  /** Number of steps n. */
  steps: number;
}

/**
 * Runs the stack forward over a window.
 * @param inputs per step, the bottom layer's input [B, D]
 * @param start per layer, the state before the first step
 * @param inputFactors per layer, the dropout factor on its stacked inputs [n·B, D] (see
 *   `layer-dropout.ts`), or undefined where nothing is dropped
 */
export function unroll(
  kernel: CellKernel,
  weights: readonly LayerWeights[],
  inputs: readonly tf.Tensor[],
  start: readonly CellState[],
  inputFactors: readonly (tf.Tensor | undefined)[] = [],
): Trace {
  const n = inputs.length;
  const gates = kernel.splitGates ? kernel.gateNames.length : 1;
  const layers: LayerTrace[] = [];
  let below: tf.Tensor[] = [...inputs];
  weights.forEach((w, l) => {
    const inputFactor = inputFactors[l];
    const stacked = below.length === 1 ? below[0]! : tf.concat(below, 0);
    const x = inputFactor === undefined ? stacked : tf.mul(stacked, inputFactor);
    const proj = tf.add(tf.matMul(x as tf.Tensor2D, w.wihT as tf.Tensor2D), w.projBias);
    const xw = splitStepsAndGates(proj, n, gates);
    const states: CellState[] = [];
    const caches: unknown[] = [];
    let state = start[l]!;
    for (let t = 0; t < n; t++) {
      const r = kernel.step(xw[t]!, state, w);
      state = r.state;
      states.push(state);
      caches.push(r.cache);
    }
    layers.push({ x, inputFactor, start: start[l]!, states, caches });
    below = states.map((s) => s.h);
  });
  return { layers, steps: n };
}

/**
 * ‖x‖₂ of each of `n` equally shaped tensors as [n] (scale, sumSq) pairs, ‖x_t‖ = scale_t ·
 * sqrt(sumSq_t): one row-wise max and one row-wise scaled sum of squares over their
 * concatenation (no overflow for entries near 1e25, no underflow near 1e−30; see
 * `scaledSumOfSquares`).
 */
export function rowNorms(xs: readonly tf.Tensor[], n: number): ScaledSumOfSquares {
  const all = n === 1 ? xs[0]! : tf.concat([...xs], 0);
  const { scale, sumSq } = scaledSumOfSquares(tf.reshape(all, [n, -1]), 1);
  return { scale, sumSq };
}

/** Mean of each of `n` equally shaped tensors, as one [n] tensor (a row mean over their concatenation). */
export function rowMeans(xs: readonly tf.Tensor[], n: number): tf.Tensor {
  const all = n === 1 ? xs[0]! : tf.concat([...xs], 0);
  return tf.mean(tf.reshape(all, [n, -1]), 1);
}

/** What {@link backprop} returns. */
export interface BackpropResult {
  /** Gradients of the recurrent parameters, by PyTorch name (`weight_ih_l0`, …). */
  grads: Record<string, tf.Tensor>;
  /** Per step, ‖∂L/∂h_t‖ of the top layer as [n] (scale, sumSq) pairs, when measured. */
  hNorms: ScaledSumOfSquares | undefined;
  /** LSTM: per step, ‖∂L/∂c_t‖ (c_t as a state passed to step t+1) of the top layer as [n] pairs, when measured. */
  cNorms: ScaledSumOfSquares | undefined;
}

/**
 * Walks a trace backwards.
 * @param dhTop per step, the gradient reaching the top layer's h_t from outside the recurrence
 *   (the readout), or undefined where none does
 * @param measure whether to record the per-step norms of ∂L/∂h_t (and ∂L/∂c_t)
 */
export function backprop(
  kernel: CellKernel,
  weights: readonly LayerWeights[],
  trace: Trace,
  dhTop: readonly (tf.Tensor | undefined)[],
  measure: boolean,
): BackpropResult {
  const n = trace.steps;
  const grads: Record<string, tf.Tensor> = {};
  let hNorms: ScaledSumOfSquares | undefined;
  let cNorms: ScaledSumOfSquares | undefined;
  let external: (tf.Tensor | undefined)[] = [...dhTop];
  for (let l = trace.layers.length - 1; l >= 0; l--) {
    const layer = trace.layers[l]!;
    const w = weights[l]!;
    const top = l === trace.layers.length - 1;
    const dZx: tf.Tensor[] = new Array<tf.Tensor>(n);
    const dZh: tf.Tensor[] = new Array<tf.Tensor>(n);
    let dhNext: tf.Tensor | undefined;
    let dcNext: tf.Tensor | undefined;
    const prepared = kernel.prepareBackward && kernel.fastBackStep ? kernel.prepareBackward(layer.caches) : undefined;
    const record = top && measure;
    const dhs: tf.Tensor[] = new Array<tf.Tensor>(n);
    const dcs: tf.Tensor[] = [];
    for (let t = n - 1; t >= 0; t--) {
      const ext = external[t];
      let dh = ext === undefined ? dhNext : dhNext === undefined ? ext : tf.add(ext, dhNext);
      if (dh === undefined) dh = tf.zerosLike(layer.states[t]!.h);
      if (record) {
        dhs[t] = dh;
        // ∂L/∂c_t as a state variable: what flows back from step t+1 (0 at the last step).
        if (kernel.hasCellState && dcNext !== undefined) dcs[t] = dcNext;
      }
      const g = prepared ? kernel.fastBackStep!(dh, dcNext, prepared[t], w) : kernel.backStep(dh, dcNext, layer.caches[t], w);
      dZx[t] = g.dZx;
      dZh[t] = g.dZh;
      dhNext = g.dh;
      dcNext = g.dc;
    }
    if (record) {
      // The per-step norms, all steps in a few ops: a row-wise max and a row-wise scaled sum
      // of the stacked gradients.
      hNorms = rowNorms(dhs, n);
      if (kernel.hasCellState) {
        // ∂L/∂c at the last step is 0: scale 1, sumSq 0.
        const [one, zero] = [tf.ones([1]), tf.zeros([1])];
        if (n === 1) cNorms = { scale: one, sumSq: zero };
        else {
          const c = rowNorms(dcs.slice(0, n - 1), n - 1);
          cNorms = { scale: tf.concat([c.scale, one]), sumSq: tf.concat([c.sumSq, zero]) };
        }
      }
    }
    const DZx = n === 1 ? dZx[0]! : tf.concat(dZx, 0); // [n·B, G·H]
    const DZxT = tf.transpose(DZx);
    const hPrev = [layer.start.h, ...layer.states.slice(0, n - 1).map((s) => s.h)];
    const Hprev = hPrev.length === 1 ? hPrev[0]! : tf.concat(hPrev, 0); // [n·B, H]
    grads[`weight_ih_l${l}`] = tf.matMul(DZxT as tf.Tensor2D, layer.x as tf.Tensor2D);
    grads[`bias_ih_l${l}`] = tf.sum(DZx, 0);
    if (kernel.cell === 'gru') {
      const DZh = n === 1 ? dZh[0]! : tf.concat(dZh, 0);
      grads[`weight_hh_l${l}`] = tf.matMul(tf.transpose(DZh) as tf.Tensor2D, Hprev as tf.Tensor2D);
      grads[`bias_hh_l${l}`] = tf.sum(DZh, 0);
    } else {
      grads[`weight_hh_l${l}`] = tf.matMul(DZxT as tf.Tensor2D, Hprev as tf.Tensor2D);
      grads[`bias_hh_l${l}`] = tf.clone(grads[`bias_ih_l${l}`]!);
    }
    if (l > 0) {
      const dx = tf.matMul(DZx as tf.Tensor2D, w.wih as tf.Tensor2D);
      external = splitRows(layer.inputFactor === undefined ? dx : tf.mul(dx, layer.inputFactor), n);
    }
  }
  return { grads, hNorms, cNorms };
}
