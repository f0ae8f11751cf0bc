/**
 * Full backpropagation through time with per-step measurements: the loss, ∂L/∂θ for every
 * parameter (by PyTorch name), and for every step t the norm ‖∂L/∂h_t‖ of the top layer's
 * hidden output, for the LSTM the cell-state path ‖∂L/∂c_t‖, and the mean gate activations.
 *
 * Cost: one forward and one backward pass over T steps; per layer two matmuls over all steps
 * for the weight gradients; one readback for the loss and the records.
 *
 * References: Werbos (1990), "Backpropagation through time: what it does and how to do it";
 * Pascanu, Mikolov & Bengio (2013) for ‖∂L/∂h_t‖ as the measure of vanishing / exploding.
 */
import { parseOptions, tf } from '@gradlab/core';
import { z } from 'zod';
import { tidy } from './typed-tidy.js';
import { dropoutOptionsShape } from './layer-dropout.js';
import type { RecurrentDropoutMasks } from './layer-dropout.js';

import type { RecurrentNet, RecurrentState } from './recurrent-net.js';
import { checkTarget, lossSteps, sequenceLossShape } from './sequence-loss.js';
import type { SequenceLossConfig } from './sequence-loss.js';
import { unstackTime } from './time-steps.js';
import { recordColumns, windowGradient } from './window-gradient.js';

/** Options of {@link bptt}. */
export interface BPTTOptions extends SequenceLossConfig {
  /** Initial state h (and c) [numLayers, B, H]; default zeros. */
  state?: RecurrentState;
  /** Record per-step norms and gate means (default true; a few ops per pass, not per step). */
  measure?: boolean;
  /** Training mode: dropout between stacked layers on (default true; no effect with rate 0). */
  training?: boolean;
  /** Keep masks of the pass (default: drawn by the net, see `RecurrentNet.dropoutPass`). */
  dropout?: RecurrentDropoutMasks;
}

/** Per-step measurements of a backward pass; arrays of length T (empty when not measured). */
export interface StepRecords {
  /**
   * ‖∂L/∂h_t‖, Frobenius over batch × hidden, top layer; computed scaled by the power of two
   * above the largest |entry|, so it is finite whenever the gradient is (no float32 overflow of
   * the squares) and non-zero for tiny non-zero gradients.
   */
  gradH: Float64Array;
  /**
   * LSTM: ‖∂L/∂c_t‖, the cell-state path: the gradient with respect to c_t as the state handed
   * to step t+1 (what `c_t.retain_grad()` gives in a PyTorch step-by-step unroll; 0 at the last
   * step, whose loss reads h_T only), top layer; empty otherwise.
   */
  gradC: Float64Array;
  /** Mean activation of each gate per step (LSTM: i, f, g, o; GRU: r, z, n), top layer. */
  gateMeans: Record<string, Float64Array>;
}

/** What {@link bptt} returns; call `dispose()` when done. */
export interface BPTTResult extends StepRecords {
  /** The loss (mean, as PyTorch's reductions). */
  loss: number;
  /** ∂L/∂θ by parameter name (same names and shapes as `net.params`). */
  grads: Record<string, tf.Tensor>;
  /** State after the last step, h (and c) [numLayers, B, H]. */
  state: RecurrentState;
  /** Frees `grads` and `state`. */
  dispose(): void;
}

const optionsSchema = z.strictObject({
  ...sequenceLossShape,
  state: z.custom<RecurrentState>((v: unknown) => v === undefined || (typeof v === 'object' && v !== null), { error: 'an object { h, c? }' }).optional(),
  measure: z.boolean({ error: 'a boolean' }).optional(),
  ...dropoutOptionsShape,
});

/** Splits a per-step record [n, C] read back as a flat array into named series. */
export function unpackRecords(net: RecurrentNet, flat: ArrayLike<number>, offset: number, steps: number): StepRecords {
  const cols = recordColumns(net);
  const C = cols.length;
  const col = (j: number) => {
    const out = new Float64Array(steps);
    for (let t = 0; t < steps; t++) out[t] = flat[offset + t * C + j]!;
    return out;
  };
  // A norm is recorded as (scale, sumSq); multiplied out here, in float64, it cannot overflow.
  const norm = (j: number) => {
    const out = new Float64Array(steps);
    for (let t = 0; t < steps; t++) out[t] = flat[offset + t * C + j]! * Math.sqrt(flat[offset + t * C + j + 1]!);
    return out;
  };
  const gateMeans: Record<string, Float64Array> = {};
  let gradC = new Float64Array(0);
  cols.forEach((name, j) => {
    if (name === 'grad_c_scale') gradC = norm(j);
    else if (name.startsWith('gate_')) gateMeans[name.slice(5)] = col(j);
  });
  return { gradH: norm(0), gradC, gateMeans };
}

/**
 * Full BPTT over a sequence, with explicit forward caches and backward pass.
 * @param net an {@link RNN}, {@link LSTM} or {@link GRU}
 * @param x inputs [T, B, D], time-major, float32 (not disposed)
 * @param target at 'last': [B, O] (mse) or int32 labels [B]; at 'every': [T, B, O] or labels [T, B]
 * @param options loss, position, optional loss steps, initial state, measure
 * @returns loss, gradients by parameter name, per-step records, final state
 * @throws ShapeError / ValidationError naming the bad input
 * @example
 * const g = bptt(lstm, x, y, { loss: 'mse', at: 'last' });
 * optimizer.step(lstm.params, g.grads); // g.gradH[t] = ‖∂L/∂h_t‖
 * g.dispose();
 */
export function bptt(net: RecurrentNet, x: tf.Tensor, target: tf.Tensor, options: BPTTOptions): BPTTResult {
  const where = `bptt(${net.where})`;
  const opts = parseOptions(where, optionsSchema, options) as BPTTOptions;
  const { steps, batch } = net.checkInput(x, where);
  checkTarget(target, opts, steps, batch, net.spec.outputSize, where);
  const at = lossSteps(opts, steps, where);
  const measure = opts.measure ?? true;
  const drop = net.dropoutPass(opts.training ?? true, opts.dropout, steps, batch, where);
  const out = tidy(() => {
    const weights = net.layerWeights();
    const start = net.toCellStates(opts.state, batch, where);
    const inputs = unstackTime(x);
    const perStep = opts.at === 'last' ? [target] : unstackTime(target);
    const w = windowGradient(net, weights, { inputs, start, lossAt: at, targets: at.map((t) => (opts.at === 'last' ? perStep[0]! : perStep[t]!)), loss: opts.loss, scale: 1, measure, inputFactors: drop?.window(0, steps) });
    const summary = tf.concat([tf.reshape(w.loss!, [1]), ...(w.record ? [tf.reshape(w.record, [-1])] : [])]);
    return { grads: w.grads!, summary, state: net.fromCellStates(w.states[steps - 1]!) };
  });
  const flat = out.summary.dataSync();
  out.summary.dispose();
  const records = measure ? unpackRecords(net, flat, 1, steps) : { gradH: new Float64Array(0), gradC: new Float64Array(0), gateMeans: {} };
  return {
    loss: flat[0]!,
    grads: out.grads,
    state: out.state,
    ...records,
    dispose: () => {
      tf.dispose(Object.values(out.grads));
      tf.dispose([out.state.h, ...(out.state.c ? [out.state.c] : [])]);
    },
  };
}
