/**
 * The gradient of the losses inside one window of steps: forward over the window from a given
 * state (treated as a constant), readout and loss at the window's loss steps, then the explicit
 * backward pass. Full BPTT is one window over the whole sequence; truncated BPTT(k1, k2) is a
 * sequence of windows (Williams & Peng 1990). Call inside `tf.tidy`.
 */
import { tf } from '@gradlab/core';
import type { CellState, LayerWeights } from './cells/cell-kernel.js';
import type { RecurrentNet } from './recurrent-net.js';
import { readoutBackward } from './sequence-loss.js';
import type { SequenceLossName } from './sequence-loss.js';
import { backprop, rowMeans, unroll } from './unroll.js';

/** One window's inputs. */
export interface WindowInput {
  /** Per step of the window, the input [B, D]. */
  inputs: readonly tf.Tensor[];
  /** Per layer, the state before the window's first step (no gradient flows into it). */
  start: readonly CellState[];
  /** The loss steps, as 0-based indices into the window (may be empty: forward only). */
  lossAt: readonly number[];
  /** The targets of those steps, aligned with `lossAt`. */
  targets: readonly tf.Tensor[];
  /** Loss name. */
  loss: SequenceLossName;
  /** Multiplies the gradient (not the reported loss). */
  scale: number;
  /** Whether to record per-step norms and gate means. */
  measure: boolean;
  /** Per layer, the dropout factor on its inputs over the window's steps (see `layer-dropout.ts`). */
  inputFactors?: readonly (tf.Tensor | undefined)[];
}

/** One window's outputs (tensors owned by the enclosing tidy). */
export interface WindowOutput {
  /** Mean loss over the window's loss rows; undefined without loss steps. */
  loss: tf.Scalar | undefined;
  /** ∂(scale·L)/∂θ for every parameter; undefined without loss steps. */
  grads: Record<string, tf.Tensor> | undefined;
  /**
   * Per step [n, C] with C = 2 (+2 for the LSTM) (+ gates): ‖∂L/∂h_t‖ of the top layer as a
   * (scale, sumSq) pair (the norm is scale · sqrt(sumSq), multiplied out in float64 after the
   * readback so that it cannot overflow float32), then ‖∂L/∂c_t‖ likewise, then the mean of each
   * gate activation; undefined unless measured with a loss.
   */
  record: tf.Tensor | undefined;
  /** Per step, per layer, the state after the step. */
  states: CellState[][];
}

/** Columns of {@link WindowOutput.record} for a network. */
export function recordColumns(net: RecurrentNet): string[] {
  const cols = ['grad_h_scale', 'grad_h_sumsq'];
  if (net.kernel.hasCellState) cols.push('grad_c_scale', 'grad_c_sumsq');
  if (net.cell !== 'rnn') for (const g of net.kernel.gateNames) cols.push(`gate_${g}`);
  return cols;
}

/** Computes one window's loss, gradients and records. Call inside `tf.tidy`. */
export function windowGradient(net: RecurrentNet, weights: readonly LayerWeights[], w: WindowInput): WindowOutput {
  const trace = unroll(net.kernel, weights, w.inputs, w.start, w.inputFactors);
  const n = trace.steps;
  const states = Array.from({ length: n }, (_, t) => trace.layers.map((l) => l.states[t]!));
  if (w.lossAt.length === 0) return { loss: undefined, grads: undefined, record: undefined, states };
  const top = trace.layers[trace.layers.length - 1]!;
  const head = readoutBackward(
    net.params['head.weight']!,
    net.params['head.bias']!,
    w.lossAt.map((t) => top.states[t]!.h),
    w.targets,
    w.loss,
    w.scale,
  );
  const dhTop: (tf.Tensor | undefined)[] = new Array<tf.Tensor | undefined>(n).fill(undefined);
  w.lossAt.forEach((t, i) => (dhTop[t] = head.dh[i]));
  const back = backprop(net.kernel, weights, trace, dhTop, w.measure);
  const grads: Record<string, tf.Tensor> = {};
  for (const name of Object.keys(net.params)) {
    grads[name] = name === 'head.weight' ? head.dWeight : name === 'head.bias' ? head.dBias : back.grads[name]!;
  }
  let record: tf.Tensor | undefined;
  if (w.measure) {
    const cols: tf.Tensor[] = [back.hNorms!.scale, back.hNorms!.sumSq];
    if (net.kernel.hasCellState) cols.push(back.cNorms!.scale, back.cNorms!.sumSq);
    if (net.cell !== 'rnn') {
      const perStep = top.caches.map((c) => net.kernel.gates(c));
      for (let g = 0; g < net.kernel.gateNames.length; g++) cols.push(rowMeans(perStep.map((gs) => gs[g]!), n));
    }
    record = tf.stack(cols, 1);
  }
  return { loss: head.loss, grads, record, states };
}
