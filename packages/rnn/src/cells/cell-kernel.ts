/**
 * The contract between a recurrent cell's equations and the BPTT machinery: one forward step
 * that returns the new state and what its backward step will need, and one backward step that
 * maps the gradient with respect to the step's output state to the gradients of its gate
 * pre-activations and of its input state. The sequence-level code (projections of all steps in
 * one matmul, weight gradients in one matmul over all steps) lives in `unroll.ts`.
 *
 * Shapes: B = batch, H = hidden size, G = gates. Backward steps also accept a leading extra
 * dimension on the incoming gradients ([S, B, H]), which the Jacobian measurement uses to push
 * H basis vectors at once; caches then broadcast.
 */
import { tf } from '@gradlab/core';
import type { CellType } from '../recurrent-config.js';

/** The recurrent state after a step: h [B, H] and, for the LSTM, the cell state c [B, H]. */
export interface CellState {
  h: tf.Tensor;
  c?: tf.Tensor;
}

/** One layer's parameters, arranged once per pass for the step functions. */
export interface LayerWeights {
  /** weight_ih [G·H, D] (PyTorch layout), for the input gradient. */
  wih: tf.Tensor;
  /** weight_hh [G·H, H] (PyTorch layout), for the recurrent gradient dh_{t−1} = dZ·W_hh. */
  whh: tf.Tensor;
  /** weight_ihᵀ [D, G·H], for the projection of all steps at once. */
  wihT: tf.Tensor;
  /** Per gate, the transposed recurrent block [H, H]: the gate's recurrent term is h·whhT[g]. */
  whhT: tf.Tensor[];
  /** weight_hhᵀ [H, G·H]: every gate's recurrent term in one matmul. */
  whhTAll: tf.Tensor;
  /** Bias added to the input projection [G·H] (b_ih + b_hh, except GRU's b_hn). */
  projBias: tf.Tensor;
  /** GRU only: b_hn [H], which sits inside r ⊙ (W_hn h + b_hn). */
  bhn?: tf.Tensor;
}

/** What one backward step returns. */
export interface StepGradient {
  /** ∂L/∂(input-side pre-activations) [B, G·H]: gradients of weight_ih, bias_ih and the input. */
  dZx: tf.Tensor;
  /** ∂L/∂(recurrent-side pre-activations) [B, G·H]: gradients of weight_hh, bias_hh (= dZx except for the GRU). */
  dZh: tf.Tensor;
  /** ∂L/∂h_{t−1} [B, H]. */
  dh: tf.Tensor;
  /** LSTM: ∂L/∂c_{t−1} [B, H]. */
  dc?: tf.Tensor;
}

/** The equations of one cell type. */
export interface CellKernel<C = unknown> {
  /** Cell type. */
  readonly cell: CellType;
  /** Gate names in PyTorch's weight order. */
  readonly gateNames: readonly string[];
  /** Whether the state carries a cell state c (LSTM). */
  readonly hasCellState: boolean;
  /**
   * true: `step` receives the input projection per gate ([B, H] each); false: as one tensor
   * [B, G·H] (a one-element array), for kernels that compute all gates with one matmul.
   */
  readonly splitGates: boolean;
  /**
   * One forward step.
   * @param xw the input projection of this step (bias included): per gate [B, H], or one
   *   [B, G·H] tensor when `splitGates` is false
   * @param prev the state after the previous step
   */
  step(xw: readonly tf.Tensor[], prev: CellState, w: LayerWeights): { state: CellState; cache: C };
  /**
   * One backward step.
   * @param dh ∂L/∂h_t [B, H] (or [S, B, H])
   * @param dc LSTM: ∂L/∂c_t arriving from step t+1 (undefined = zero)
   */
  backStep(dh: tf.Tensor, dc: tf.Tensor | undefined, cache: C, w: LayerWeights): StepGradient;
  /** The gate activations of a step, in {@link CellKernel.gateNames} order (for gate means). */
  gates(cache: C): tf.Tensor[];
  /**
   * Optional fast path for BPTT: turns a window's caches into per-step factors computed with a
   * few ops over all steps at once, so that {@link CellKernel.fastBackStep} needs only a
   * handful of ops per step. Used by `backprop`; the Jacobian measurement uses `backStep`.
   */
  prepareBackward?(caches: readonly C[]): unknown[];
  /** The backward step on prepared factors (same contract as `backStep`, [B, H] gradients only). */
  fastBackStep?(dh: tf.Tensor, dc: tf.Tensor | undefined, prepared: unknown, w: LayerWeights): StepGradient;
}

/** a·w for a [.., K] and w [K, N], flattening leading dimensions (tfjs matMul wants rank 2 here). */
export function matMulRows(a: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (a.rank === 2) return tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D);
  const lead = a.shape.slice(0, -1);
  const flat = tf.reshape(a, [-1, a.shape[a.rank - 1]!]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(flat, w as tf.Tensor2D), [...lead, w.shape[1]!]);
}
