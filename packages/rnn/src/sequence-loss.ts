/**
 * Losses of a sequence model's linear readout y_t = h_t W_headᵀ + b_head, at the last step
 * (sequence → one target: adding problem, temporal order) or at every step (sequence →
 * sequence: copy memory, delayed echo), with PyTorch's reductions: `nn.MSELoss` (mean over every
 * element) and `nn.CrossEntropyLoss` (mean over the included rows). The loss and its gradient
 * with respect to the readout come from core's losses (tfjs autodiff on a two-op graph); the
 * readout's own backward is written out.
 */
import { ShapeError, checkClassLabels, describeValue, invalidArgument, lossByName, oneOf, tf } from '@gradlab/core';
import { z } from 'zod';

import { splitRows } from './time-steps.js';

/** Losses available on sequences. */
export const SEQUENCE_LOSS_NAMES = ['mse', 'softmax-cross-entropy'] as const;
/** A sequence loss name. */
export type SequenceLossName = (typeof SEQUENCE_LOSS_NAMES)[number];
/** Where the loss is taken. */
export const LOSS_POSITIONS = ['last', 'every'] as const;

/** Which loss, and where. */
export interface SequenceLossConfig {
  /** 'mse' (targets [.., O]) or 'softmax-cross-entropy' (int32 labels, or [.., O] probabilities). */
  loss: SequenceLossName;
  /**
   * 'last': one target per sequence, read out from h_T (y [B, O] or labels [B]).
   * 'every': a target per step (y [T, B, O] or labels [T, B]).
   */
  at: 'last' | 'every';
  /** With at = 'every', the 0-based steps that carry a loss (default all), e.g. the answer phase of a task. */
  steps?: number[];
}

/** Zod schema of {@link SequenceLossConfig} fields. */
export const sequenceLossShape = {
  loss: oneOf(SEQUENCE_LOSS_NAMES),
  at: oneOf(LOSS_POSITIONS),
  steps: z.array(z.number({ error: 'an array of step indices' }).int({ error: 'an array of step indices' }).min(0)).optional(),
};

/**
 * The loss steps of a sequence of length T, sorted.
 * @throws ValidationError for steps outside [0, T) or an empty list
 */
export function lossSteps(config: SequenceLossConfig, steps: number, where: string): number[] {
  if (config.at === 'last') {
    if (config.steps !== undefined) throw invalidArgument(where, 'steps', config.steps, 'undefined when at is "last"');
    return [steps - 1];
  }
  if (config.steps === undefined) return Array.from({ length: steps }, (_, t) => t);
  const out = [...new Set(config.steps)].sort((a, b) => a - b);
  if (out.length === 0 || out[0]! < 0 || out[out.length - 1]! >= steps || !out.every(Number.isInteger)) {
    throw invalidArgument(where, 'steps', config.steps, `a non-empty array of integers in [0, ${steps})`);
  }
  return out;
}

/**
 * Checks the target against the loss and the sequence shape, and class labels against the
 * readout's O classes (one readback of the labels per call, not per step or window).
 * @throws ShapeError / ValidationError naming target, its shape and the expected one, or the
 *   first label outside [0, O) by its index ([b] at 'last', [t, b] at 'every')
 */
export function checkTarget(target: unknown, config: SequenceLossConfig, steps: number, batch: number, outputs: number, where: string): void {
  if (!(target instanceof tf.Tensor)) throw invalidArgument(where, 'target', target, 'a tf.Tensor');
  if (target.isDisposed) throw invalidArgument(where, 'target', 'a disposed tensor', 'a live tf.Tensor');
  const lead = config.at === 'last' ? [batch] : [steps, batch];
  const dense = [...lead, outputs];
  const isLabels = config.loss === 'softmax-cross-entropy' && target.rank === lead.length;
  const expected = isLabels ? lead : dense;
  const ok = target.rank === expected.length && expected.every((d, i) => target.shape[i] === d);
  if (!ok) {
    const alt = config.loss === 'softmax-cross-entropy' ? ` (or labels ${describeValue(lead)})` : '';
    throw new ShapeError(`${where}: expected target to have shape ${describeValue(dense)}${alt} for loss "${config.loss}" at "${config.at}", got ${describeValue(target.shape)}`);
  }
  if (isLabels && target.dtype !== 'int32') throw invalidArgument(where, 'target.dtype', target.dtype, '"int32" for class labels');
  if (isLabels) checkClassLabels(where, target, outputs);
  if (!isLabels && target.dtype !== 'float32') throw invalidArgument(where, 'target.dtype', target.dtype, '"float32"');
}

/** What {@link readoutBackward} returns. */
export interface ReadoutGradient {
  /** Loss over the given rows (unscaled). */
  loss: tf.Scalar;
  /** ∂(scale·L)/∂head.weight [O, H]. */
  dWeight: tf.Tensor;
  /** ∂(scale·L)/∂head.bias [O]. */
  dBias: tf.Tensor;
  /** ∂(scale·L)/∂h_t for each given step [B, H]. */
  dh: tf.Tensor[];
}

/**
 * Readout, loss and their backward for the top hidden outputs at the loss steps. Call inside `tf.tidy`.
 * @param hs top-layer h_t at each loss step [B, H]
 * @param targets the matching targets ([B, O] or labels [B])
 * @param scale multiplies the gradient (chunk weights of truncated BPTT)
 */
export function readoutBackward(
  headWeight: tf.Tensor,
  headBias: tf.Tensor,
  hs: readonly tf.Tensor[],
  targets: readonly tf.Tensor[],
  loss: SequenceLossName,
  scale: number,
): ReadoutGradient {
  const H = hs.length === 1 ? hs[0]! : tf.concat([...hs], 0); // [m·B, H]
  const Y = tf.add(tf.matMul(H as tf.Tensor2D, tf.transpose(headWeight) as tf.Tensor2D), headBias);
  const joined = targets.length === 1 ? targets[0]! : tf.concat([...targets], 0);
  // Labels were checked once by checkTarget; as one-hot rows the loss does not read them back again.
  const target = loss === 'softmax-cross-entropy' && joined.rank === 1 ? tf.oneHot(joined, Y.shape[1]!).asType('float32') : joined;
  const { value, grad } = tf.valueAndGrad((y: tf.Tensor) => lossByName(loss, y, target))(Y);
  const dY = scale === 1 ? grad : tf.mul(grad, scale);
  const dH = tf.matMul(dY as tf.Tensor2D, headWeight as tf.Tensor2D); // [m·B, H]
  const dh = hs.length === 1 ? [dH] : splitRows(dH, hs.length);
  return { loss: value, dWeight: tf.matMul(tf.transpose(dY) as tf.Tensor2D, H as tf.Tensor2D), dBias: tf.sum(dY, 0), dh };
}
