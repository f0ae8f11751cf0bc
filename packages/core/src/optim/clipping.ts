/**
 * Gradient clipping, the standard remedy for exploding gradients (Mikolov 2012; Pascanu,
 * Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks", sect. 3.2).
 *
 * - `global-norm`: rescale every gradient by min(1, max / (‖g‖ + 1e-6)), where ‖g‖ is the L2
 *   norm of all gradients concatenated — `torch.nn.utils.clip_grad_norm_`.
 * - `per-tensor`: the same rule applied to each tensor's own norm.
 * - `value`: clamp every entry to [−max, max] — `torch.nn.utils.clip_grad_value_`.
 *
 * Norms are computed as sqrt(Σ sum(g²)) (on wasm `tf.norm` is 10–15× slower) and read back in
 * one transfer. Non-finite gradients are clipped as PyTorch clips them (a NaN norm gives a NaN
 * scale; NaN entries survive value clipping), never thrown.
 */
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';
import { oneOf, parseOptions, positiveNumber } from '../errors/schema.js';
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

/** Tensors of {@link clipTensors}: the clipped gradients and the [pre, post, clipped] norms. */
export interface ClippedTensors {
  /** Clipped gradients; the inputs themselves when `config` is undefined. */
  grads: tf.Tensor[];
  /** [preNorm, postNorm, clipped (0 or 1)], float32, shape [3]. */
  summary: tf.Tensor1D;
}

/** Σ sum(g²) over a list, as one scalar (0 for an empty list). */
function sumOfSquares(grads: readonly tf.Tensor[]): tf.Scalar {
  if (grads.length === 0) return tf.scalar(0);
  const parts = grads.map((g) => tf.sum(tf.square(g)));
  return (parts.length === 1 ? parts[0]! : tf.addN(parts)) as tf.Scalar;
}

/** min(1, coef) that keeps NaN (torch.clamp(coef, max=1) does; tf.minimum differs by backend). */
function clampToOne<T extends tf.Tensor>(coef: T): T {
  return tf.where(tf.greaterEqual(coef, 1), tf.onesLike(coef), coef) as T;
}

/**
 * Clipping on tensors, without a readback: the building block of {@link clipGradients} and of
 * the optimisers' `step`. Call inside `tf.tidy`; the inputs are never disposed or changed.
 * @param grads gradients, any shapes
 * @param config the rule, or undefined for none (then `grads` are returned as they are)
 * @returns the clipped gradients and a [3] summary tensor [preNorm, postNorm, clipped]
 */
export function clipTensors(grads: readonly tf.Tensor[], config: ClipConfig | undefined): ClippedTensors {
  if (config === undefined) {
    const pre = tf.sqrt(sumOfSquares(grads));
    return { grads: [...grads], summary: tf.stack([pre, pre, tf.scalar(0)]) as tf.Tensor1D };
  }
  const { mode, max } = config;
  if (mode === 'global-norm') {
    const pre = tf.sqrt(sumOfSquares(grads));
    const coef = tf.div(max, tf.add(pre, CLIP_NORM_EPSILON));
    const scale = clampToOne(coef);
    const out = grads.map((g) => tf.mul(g, scale));
    const summary = tf.stack([pre, tf.mul(pre, scale), tf.cast(tf.less(coef, 1), 'float32')]) as tf.Tensor1D;
    return { grads: out, summary };
  }
  if (mode === 'per-tensor') {
    if (grads.length === 0) return { grads: [], summary: tf.zeros([3]) };
    const squares = tf.stack(grads.map((g) => tf.sum(tf.square(g)))); // [k]
    const norms = tf.sqrt(squares);
    const coef = tf.div(max, tf.add(norms, CLIP_NORM_EPSILON));
    const scale = clampToOne(coef);
    const scales = tf.unstack(scale);
    const out = grads.map((g, i) => tf.mul(g, scales[i]!));
    const pre = tf.sqrt(tf.sum(squares));
    const post = tf.sqrt(tf.sum(tf.square(tf.mul(norms, scale))));
    const clipped = tf.cast(tf.any(tf.less(coef, 1)), 'float32');
    return { grads: out, summary: tf.stack([pre, post, clipped]) as tf.Tensor1D };
  }
  // value: NaN entries stay NaN as with torch.clamp_ (wasm's clipByValue maps NaN to −max).
  const out = grads.map((g) => tf.where(tf.isNaN(g), g, tf.clipByValue(g, -max, max)));
  const pre = tf.sqrt(sumOfSquares(grads));
  const post = tf.sqrt(sumOfSquares(out));
  const clipped =
    grads.length === 0
      ? tf.scalar(0)
      : tf.cast(tf.greater(tf.max(tf.stack(grads.map((g) => tf.max(tf.abs(g))))), max), 'float32');
  return { grads: out, summary: tf.stack([pre, post, clipped]) as tf.Tensor1D };
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
 * Cost: O(total size), about 3 tensor ops per gradient, one readback.
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
  const s = summary.dataSync();
  summary.dispose();
  let result: tf.Tensor[] | Record<string, tf.Tensor> = out;
  if (names !== undefined) {
    const record: Record<string, tf.Tensor> = {};
    names.forEach((n, i) => (record[n] = out[i]!));
    result = record;
  }
  return { grads: result, preNorm: s[0]!, postNorm: s[1]!, clipped: s[2]! > 0 };
}

/**
 * The global L2 norm sqrt(Σ_i sum(g_i²)) of a collection of tensors, with one readback.
 * Any NaN entry gives NaN, any ±Infinity gives Infinity (float32 squares above ~1.8e19 overflow
 * to Infinity too).
 * @param grads tensors as an array or an object keyed by name (not disposed); empty gives 0
 * @returns the norm, a number ≥ 0 (or NaN / Infinity)
 * @throws ValidationError when `grads` holds something not a tensor
 * @example globalNorm({ w: tf.tensor([3, 0]), b: tf.tensor([4]) }) // 5
 */
export function globalNorm(grads: tf.Tensor[] | Record<string, tf.Tensor>): number {
  const { tensors } = entriesOf('globalNorm', grads);
  if (tensors.length === 0) return 0;
  const norm = tf.tidy(() => tf.sqrt(sumOfSquares(tensors)));
  const value = norm.dataSync()[0]!;
  norm.dispose();
  return value;
}
