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
   * One forward step.
   * @param xw per gate, the input projection of this step (bias included) [B, H]
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
}

/** a·w for a [.., K] and w [K, N], flattening leading dimensions (tfjs matMul wants rank 2 here). */
export function matMulRows(a: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (a.rank === 2) return tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D);
  const lead = a.shape.slice(0, -1);
  const flat = tf.reshape(a, [-1, a.shape[a.rank - 1]!]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(flat, w as tf.Tensor2D), [...lead, w.shape[1]!]);
}
