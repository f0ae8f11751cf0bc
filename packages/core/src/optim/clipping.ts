/**
 * Gradient clipping, the standard remedy for exploding gradients (Mikolov 2012; Pascanu,
 * Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks", sect. 3.2).
 *
 * - `global-norm`: rescale every gradient by min(1, max / (‖g‖ + 1e-6)), where ‖g‖ is the L2
 *   norm of all gradients concatenated — `torch.nn.utils.clip_grad_norm_`.
 * - `per-tensor`: the same rule applied to each tensor's own norm.
 * - `value`: clamp every entry to [−max, max] — `torch.nn.utils.clip_grad_value_`.
 *
 * Norms never overflow: ‖g‖ is computed scaled by the power of two just above the largest
 * |entry| (`scaledSumOfSquares`, LAPACK's scaling), as ‖g‖ = scale · root, and the clipped
 * gradient as (g / scale) · (scale · min(1, max / (‖g‖ + 1e-6))) with every factor in range,
 * so a gradient with entries near 1e25 has its true, finite norm (~1e25 · sqrt(n)) and is
 * clipped to norm `max`. PyTorch's float32 `clip_grad_norm_` sums squares of the per-tensor
 * norms: there ‖g‖ overflows to inf once it passes ~1.8e19, the factor max / inf is 0 and the
 * step is zeroed (torch 1.13: entries of 1e25 give total_norm = inf and all-zero gradients;
 * see docs/optimisers.md). Here only a non-finite entry gives a non-finite norm, and then the
 * gradients are clipped as PyTorch clips them (a NaN norm gives a NaN scale, an infinite one the
 * factor 0; NaN entries survive value clipping), never thrown. The norms are read back in one
 * transfer, and multiplied out in float64.
 */
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';
import { oneOf, parseOptions, positiveNumber } from '../errors/schema.js';
import { combineScaledSumOfSquares, scaledSumOfSquaresAll, scaledSumOfSquaresEach } from '../linalg/scaled-sum-of-squares.js';
import type { ScaledSumOfSquares } from '../linalg/scaled-sum-of-squares.js';
import { z } from 'zod';

/** The clipping rules. */
export const CLIP_MODES = ['global-norm', 'per-tensor', 'value'] as const;
/** A clipping rule: see {@link CLIP_MODES}. */
export type ClipMode = (typeof CLIP_MODES)[number];

/** Added to the norm before dividing, as in `torch.nn.utils.clip_grad_norm_`. */
export const CLIP_NORM_EPSILON = 1e-6;

/** How to clip gradients. */
export interface ClipConfig {
  /** `'global-norm'` (clip_grad_norm_), `'per-tensor'` (each tensor's norm) or `'value'` (clip_grad_value_). */
  mode: ClipMode;
  /** Threshold: the largest norm (norm modes) or the largest |entry| (value mode); finite, > 0. Typical 0.1–10. */
  max: number;
}

/** Zod schema of {@link ClipConfig}, reused by the optimisers. */
export const clipConfigSchema = z.strictObject({ mode: oneOf(CLIP_MODES), max: positiveNumber() });

/** What {@link clipGradients} returns. */
export interface ClipResult<G> {
  /** The clipped gradients: new tensors (same names / order and shapes), owned by the caller. */
  grads: G;
  /** Global L2 norm of the gradients before clipping (NaN / Infinity when they are non-finite). */
  preNorm: number;
  /** Global L2 norm after clipping. */
  postNorm: number;
  /** Whether the rule changed anything (a scale < 1, or an entry beyond ±max). */
  clipped: boolean;
}

/** Tensors of {@link clipTensors}: the clipped gradients and the norms before and after. */
export interface ClippedTensors {
  /** Clipped gradients; the inputs themselves when `config` is undefined. */
  grads: tf.Tensor[];
  /**
   * [preScale, preRoot, postScale, postRoot, clipped (0 or 1)], float32, shape [5]: each norm
   * as scale · root (scale a power of two); read them with {@link readClipSummary}.
   */
  summary: tf.Tensor1D;
}

/** The norms and flag of a {@link ClippedTensors} summary read back; the norms multiplied out in float64. */
export function readClipSummary(s: ArrayLike<number>): { preNorm: number; postNorm: number; clipped: boolean } {
  return { preNorm: s[0]! * s[1]!, postNorm: s[2]! * s[3]!, clipped: s[4]! > 0 };
}

/** A norm on the device as scale · root (root = sqrt(sumSq)). */
interface ScaledNorm {
  scale: tf.Tensor;
  root: tf.Tensor;
}

function rooted(p: ScaledSumOfSquares): ScaledNorm {
  return { scale: p.scale, root: tf.sqrt(p.sumSq) };
}

/**
 * The clip rule for gradients of norm ‖g‖ = scale · root, as the multiplier m of g / scale
 * (clipped g = (g / scale) · m, exact division by a power of two):
 * m = scale · min(1, max / (‖g‖ + ε)), computed as c = max / (root + ε / scale) and
 * m = scale where c ≥ scale, c otherwise (NaN kept, as torch.clamp keeps it). No intermediate
 * leaves the float32 range (ε / scale < 1e32; c ≤ 2·max), so even a gradient whose factor
 * max / ‖g‖ would be subnormal is scaled accurately; where the unscaled rule is in range the
 * result is bit for bit g · min(1, max / (‖g‖ + ε)).
 * @returns the multiplier m and whether clipping acted (c < scale), both of the shape of `n.scale`
 */
function clipMultiplier(n: ScaledNorm, max: number): { multiplier: tf.Tensor; clipped: tf.Tensor } {
  const c = tf.div(max, tf.add(n.root, tf.div(CLIP_NORM_EPSILON, n.scale)));
  return { multiplier: tf.where(tf.greaterEqual(c, n.scale), n.scale, c), clipped: tf.less(c, n.scale) };
}

function summaryOf(pre: ScaledNorm, post: ScaledNorm, clipped: tf.Tensor): tf.Tensor1D {
  return tf.stack([pre.scale, pre.root, post.scale, post.root, tf.cast(clipped, 'float32')]) as tf.Tensor1D;
}

/**
 * Clipping on tensors, without a readback: the building block of {@link clipGradients} and of
 * the optimisers' `step`. Call inside `tf.tidy`; the inputs are never disposed or changed.
 *
 * Ops: ~20 plus 3 per gradient for `global-norm` (one concatenation, one scaled norm), ~25 plus
 * 7 per gradient for `per-tensor`, ~25 plus 4 per gradient for `value`.
 * @param grads gradients, any shapes
 * @param config the rule, or undefined for none (then `grads` are returned as they are)
 * @returns the clipped gradients and a [5] summary tensor (see {@link ClippedTensors.summary})
 */
export function clipTensors(grads: readonly tf.Tensor[], config: ClipConfig | undefined): ClippedTensors {
  if (config === undefined) {
    const pre = rooted(scaledSumOfSquaresAll(grads));
    return { grads: [...grads], summary: summaryOf(pre, pre, tf.scalar(0)) };
  }
  const { mode, max } = config;
  if (mode === 'global-norm') {
    const pre = rooted(scaledSumOfSquaresAll(grads));
    const { multiplier, clipped } = clipMultiplier(pre, max);
    const out = grads.map((g) => tf.mul(tf.div(g, pre.scale), multiplier));
    return { grads: out, summary: summaryOf(pre, { scale: multiplier, root: pre.root }, clipped) };
  }
  if (mode === 'per-tensor') {
    const zero = rooted(scaledSumOfSquaresAll([]));
    if (grads.length === 0) return { grads: [], summary: summaryOf(zero, zero, tf.scalar(0)) };
    const parts = scaledSumOfSquaresEach(grads);
    const { scale: scales, sumSq: sumSqs } = parts; // [k]
    const { multiplier, clipped } = clipMultiplier({ scale: scales, root: tf.sqrt(sumSqs) }, max);
    const multipliers = grads.length === 1 ? [tf.reshape(multiplier, [])] : tf.unstack(multiplier);
    const out = grads.map((g, i) => tf.mul(tf.div(g, parts.scales[i]!), multipliers[i]!));
    // ‖clipped g_i‖ = multiplier_i · sqrt(sumSq_i): combined as pairs, no norm is squared.
    const pre = rooted(combineScaledSumOfSquares({ scale: scales, sumSq: sumSqs }));
    const post = rooted(combineScaledSumOfSquares({ scale: multiplier, sumSq: sumSqs }));
    return { grads: out, summary: summaryOf(pre, post, tf.any(clipped)) };
  }
  // value: NaN entries stay NaN as with torch.clamp_ (wasm's clipByValue maps NaN to −max).
  const out = grads.map((g) => tf.where(tf.isNaN(g), g, tf.clipByValue(g, -max, max)));
  const pre = scaledSumOfSquaresAll(grads);
  return { grads: out, summary: summaryOf(rooted(pre), rooted(scaledSumOfSquaresAll(out)), tf.greater(pre.maxAbs, max)) };
}

/** Normalises the two accepted forms of a gradient collection. */
function entriesOf(where: string, grads: unknown): { names: string[] | undefined; tensors: tf.Tensor[] } {
  if (Array.isArray(grads)) {
    grads.forEach((g, i) => checkTensor(where, `grads[${i}]`, g));
    return { names: undefined, tensors: grads as tf.Tensor[] };
  }
  if (grads === null || typeof grads !== 'object' || grads instanceof tf.Tensor) {
    throw invalidArgument(where, 'grads', grads, 'an array of tensors or an object of tensors keyed by name');
  }
  const names = Object.keys(grads);
  const tensors = names.map((n) => checkTensor(where, `grads[${JSON.stringify(n)}]`, (grads as Record<string, unknown>)[n]));
  return { names, tensors };
}

function checkTensor(where: string, field: string, t: unknown): tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw invalidArgument(where, field, t, 'a tf.Tensor');
  if (t.isDisposed) throw invalidArgument(where, field, 'a disposed tensor', 'a live tf.Tensor');
  return t;
}

/**
 * Clips gradients by global norm, per-tensor norm or value, and reports the norms.
 *
 * The norms never overflow or underflow (see the file comment): gradients with entries near
 * 1e25 report their true norm and are clipped to norm `max` in their own direction. PyTorch's
 * float32 `clip_grad_norm_` differs there: torch 1.13 returns inf for any ‖g‖ above ~1.8e19
 * (measured: entries of 1e19 in a [3, 4] tensor, norm 4e19) and multiplies every gradient by
 * max / inf = 0; below that, and above ~1e−19, the two agree to 1e−6 (tested with PyTorch fixtures).
 *
 * Cost: O(total size), about 20 tensor ops plus 3 per gradient (per-tensor: ~25 plus 7 per gradient),
 * one readback.
 * @param grads gradients as an array or an object keyed by name (not changed, not disposed)
 * @param config `{ mode, max }`: mode one of {@link CLIP_MODES}; max finite > 0
 * @returns new clipped tensors in the same form as `grads` (the caller disposes them), the
 *   global L2 norm before and after, and whether anything was clipped
 * @throws ValidationError for a bad mode or max, or when `grads` holds something not a tensor
 * @example
 * const { grads: g, preNorm } = clipGradients(grads, { mode: 'global-norm', max: 1 });
 * optimizer.step(params, g); tf.dispose(g);
 */
export function clipGradients(grads: tf.Tensor[], config: ClipConfig): ClipResult<tf.Tensor[]>;
export function clipGradients(grads: Record<string, tf.Tensor>, config: ClipConfig): ClipResult<Record<string, tf.Tensor>>;
export function clipGradients(
  grads: tf.Tensor[] | Record<string, tf.Tensor>,
  config: ClipConfig,
): ClipResult<tf.Tensor[] | Record<string, tf.Tensor>> {
  const cfg = parseOptions('clipGradients', clipConfigSchema, config);
  const { names, tensors } = entriesOf('clipGradients', grads);
  const { out, summary } = tf.tidy(() => {
    const r = clipTensors(tensors, cfg);
    return { out: r.grads, summary: r.summary };
  });
  const s = readClipSummary(summary.dataSync());
  summary.dispose();
  let result: tf.Tensor[] | Record<string, tf.Tensor> = out;
  if (names !== undefined) {
    const record: Record<string, tf.Tensor> = {};
    names.forEach((n, i) => (record[n] = out[i]!));
    result = record;
  }
  return { grads: result, ...s };
}

/**
 * The global L2 norm sqrt(Σ_i sum(g_i²)) of a collection of tensors, with one readback, computed
 * without overflow or underflow (scaled by the power of two above the largest |entry|,
 * multiplied out in float64). Finite entries always give a finite norm (entries near 1e25 or
 * 1e−30 included); any NaN entry gives NaN, otherwise any ±Infinity gives Infinity.
 * @param grads tensors as an array or an object keyed by name (not disposed); empty gives 0
 * @returns the norm, a number ≥ 0 (or NaN / Infinity)
 * @throws ValidationError when `grads` holds something not a tensor
 * @example globalNorm({ w: tf.tensor([3e25, 0]), b: tf.tensor([4e25]) }) // 5e25
 */
export function globalNorm(grads: tf.Tensor[] | Record<string, tf.Tensor>): number {
  const { tensors } = entriesOf('globalNorm', grads);
  if (tensors.length === 0) return 0;
  const pair = tf.tidy(() => {
    const n = scaledSumOfSquaresAll(tensors);
    return tf.stack([n.scale, n.sumSq]);
  });
  const [scale, sumSq] = pair.dataSync();
  pair.dispose();
  return scale! * Math.sqrt(sumSq!);
}
