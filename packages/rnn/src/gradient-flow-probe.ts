/**
 * Probing a (saved) recurrent model's gradient flow through time: for one batch, the loss, the
 * gradient of every parameter, and per step t the norm ‖∂L/∂h_t‖ of the top layer's hidden
 * output (the quantity PyTorch users read off `h_t.retain_grad()` in a step-by-step unroll),
 * for the LSTM the cell-state path ‖∂L/∂c_t‖, the Jacobian-product norm ‖∂h_{T−1}/∂h_t‖₂ (batch
 * mean) and the gate means. This is the library half of `gradlab probe`.
 *
 * References: Pascanu, Mikolov & Bengio (2013), sect. 2–3; Bengio, Simard & Frasconi (1994).
 */
import { ShapeError, describeValue, oneOf, parseOptions, tf } from '@gradlab/core';
import { z } from 'zod';

/** One row of the per-step table: column name → number. */
export type FlowStepRow = Record<string, number>;
import { bptt } from './bptt.js';
import { jacobianNorms } from './jacobian-norms.js';
import type { RecurrentNet } from './recurrent-net.js';

/** Probe losses: 'last-mse' is `nn.MSELoss()(head(h_T), y)` (mean over batch and outputs). */
export const PROBE_LOSSES = ['last-mse'] as const;
/** A probe loss. */
export type ProbeLoss = (typeof PROBE_LOSSES)[number];

/** Options of {@link probeGradientFlow}. */
export interface GradientFlowProbeOptions {
  /** Loss (default 'last-mse'). */
  loss?: ProbeLoss;
  /** Also measure ‖∂h_{T−1}/∂h_t‖₂ (default true; costs T backward steps at batch H·B). */
  jacobian?: boolean;
}

const optionsSchema = z.strictObject({
  loss: oneOf(PROBE_LOSSES).default('last-mse'),
  jacobian: z.boolean({ error: 'true or false' }).default(true),
});

/** What {@link probeGradientFlow} returns; call `dispose()` when done. */
export interface GradientFlowProbe {
  /** The loss. */
  loss: number;
  /** Columns of {@link GradientFlowProbe.rows}, in order. */
  columns: string[];
  /** One row per step t = 0 … T−1 (0-based, PyTorch's output index). */
  rows: FlowStepRow[];
  /** ∂L/∂θ under the parameter names (PyTorch state_dict names). */
  grads: Record<string, tf.Tensor>;
  /** Frees `grads`. */
  dispose(): void;
}

/**
 * Measures gradient flow through time for one batch.
 * @param net the model (e.g. from {@link netFromStateDict}); not changed
 * @param x inputs [T, B, D], time-major
 * @param y targets [B, O] of the readout at the last step
 * @returns loss, per-step rows (t, lag, grad_h_l2, [grad_c_l2], [jac_l2], [gate means]) and gradients
 * @throws ShapeError naming x or y and the expected shape; ValidationError for a bad option
 * @example
 * const p = probeGradientFlow(net, x, y); p.rows[0].grad_h_l2; p.dispose();
 */
export function probeGradientFlow(net: RecurrentNet, x: tf.Tensor, y: tf.Tensor, options: GradientFlowProbeOptions = {}): GradientFlowProbe {
  const where = 'probeGradientFlow';
  const opts = parseOptions(where, optionsSchema, options);
  const { steps, batch } = net.checkInput(x, where);
  if (!(y instanceof tf.Tensor) || y.rank !== 2 || y.shape[0] !== batch || y.shape[1] !== net.spec.outputSize) {
    throw new ShapeError(
      `${where}: expected y to have shape [${batch}, ${net.spec.outputSize}] (batch of x × outputs of head.weight), got ${y instanceof tf.Tensor ? describeValue(y.shape) : describeValue(y)}`,
    );
  }
  const g = bptt(net, x, y, { loss: 'mse', at: 'last', measure: true });
  try {
    const jac = opts.jacobian ? jacobianNorms(net, x) : undefined;
    const columns = ['t', 'lag', 'grad_h_l2'];
    if (g.gradC.length > 0) columns.push('grad_c_l2');
    if (jac) columns.push('jac_l2');
    const gates = Object.keys(g.gateMeans);
    for (const k of gates) columns.push(`gate_${k}_mean`);
    const rows: FlowStepRow[] = [];
    for (let t = 0; t < steps; t++) {
      const row: FlowStepRow = { t, lag: steps - 1 - t, grad_h_l2: g.gradH[t]! };
      if (g.gradC.length > 0) row['grad_c_l2'] = g.gradC[t]!;
      if (jac) row['jac_l2'] = jac.mean[t]!;
      for (const k of gates) row[`gate_${k}_mean`] = g.gateMeans[k]![t]!;
      rows.push(row);
    }
    tf.dispose([g.state.h, ...(g.state.c ? [g.state.c] : [])]);
    return { loss: g.loss, columns, rows, grads: g.grads, dispose: () => tf.dispose(Object.values(g.grads)) };
  } catch (e) {
    g.dispose();
    throw e;
  }
}
