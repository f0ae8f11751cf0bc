/**
 * The Euclidean norm without overflow or underflow, in the form of LAPACK's `dlassq`: a pair
 * (scale, sumSq) with ‖x‖ = scale · sqrt(sumSq) and sumSq = Σ (x_i / scale)². The scale is the
 * power of two just above max |x_i|, so every scaled entry lies in (−2, 2): the float32 sum of
 * squares neither overflows (a plain Σ x² is Infinity once ‖x‖ passes ~1.8e19, e.g. for entries
 * near 1e25) nor flushes tiny entries to 0 (Σ x² is 0 for entries near 1e−30). Because the scale
 * is a power of two, dividing by it is exact: wherever the plain Σ x² does not overflow or
 * underflow, (scale, sumSq) gives bit for bit the norm it gave. The pair is multiplied out in
 * float64 after the readback, so even a norm beyond the float32 range is a finite number.
 *
 * Only a non-finite entry gives a non-finite norm: a NaN entry gives NaN, ±Infinity (and no
 * NaN) gives Infinity.
 *
 * Cost: 10 tensor ops for one tensor, or for all rows of a matrix at once (abs, max; log, mul,
 * ceil, clip, pow on the maxima; div, square, sum); `tf.norm` is 10–15× slower on wasm.
 *
 * References: Blue (1978), "A portable Fortran program to find the Euclidean norm of a vector",
 * ACM TOMS 4(1); Anderson (2017), "Algorithm 978: Safe scaling in the Level 1 BLAS", ACM TOMS
 * 44(1) (power-of-two scaling, as in LAPACK 3.10's dnrm2).
 */
import { tf } from '../backend/tf.js';

/** Exponent range of the scale: 2^−126 (smallest normal float32) … 2^127 (largest power of two). */
const MIN_EXPONENT = -126;
const MAX_EXPONENT = 127;

/** A norm as LAPACK's (scale, sumsq) pair: ‖x‖ = scale · sqrt(sumSq). Tensors owned by the enclosing tidy. */
export interface ScaledSumOfSquares {
  /**
   * A power of two in [2^−126, 2^127] with max |x| / scale < 2: a divisor that is never 0 or
   * Infinity, and divides exactly. With a NaN entry it may be anything (sumSq is NaN then).
   */
  scale: tf.Tensor;
  /** Σ (x / scale)², in [0, 4n) for finite x; NaN with a NaN entry, Infinity with ±Infinity. */
  sumSq: tf.Tensor;
}

/** What {@link scaledSumOfSquares} returns: the pair, and max |x|. */
export interface ScaledSumOfSquaresAndMax extends ScaledSumOfSquares {
  /** max |x| itself (0 for an all-zero x; NaN with a NaN entry). */
  maxAbs: tf.Tensor;
}

/**
 * The power of two 2^⌈log₂ m⌉, clamped to [2^−126, 2^127], for each m ≥ 0 of `maxAbs`: a safe,
 * exact divisor (x / scale ∈ (−2, 2) even where float32 log rounds ⌈log₂ m⌉ one short). Call
 * inside tidy.
 */
export function powerOfTwoScale(maxAbs: tf.Tensor): tf.Tensor {
  const exponent = tf.clipByValue(tf.ceil(tf.mul(tf.log(maxAbs), Math.LOG2E)), MIN_EXPONENT, MAX_EXPONENT);
  return tf.pow(2, exponent);
}

/**
 * ‖x‖₂ as LAPACK's (scale, sumSq) pair, over all entries or along one axis (e.g. per row: axis
 * 1 of [n, k]). Call inside `tf.tidy`; `x` is not changed.
 *
 * An empty reduction gives the norm 0 (scale 2^−126, sumSq 0, as an all-zero x): the wasm
 * backend's max and sum of an empty tensor return uninitialised memory.
 * @param x a float32 tensor, any shape
 * @param axis the axis to reduce (negative counts from the end); default all entries
 * @returns scale, sumSq and maxAbs, each of the reduced shape (a scalar by default, [n] for rows)
 * @example
 * const { scale, sumSq } = scaledSumOfSquares(tf.tensor([3e25, 4e25])); // 2^86 · sqrt(sumSq) = 5e25
 * const rows = scaledSumOfSquares(tf.reshape(stacked, [n, -1]), 1);        // n norms in 10 ops
 */
export function scaledSumOfSquares(x: tf.Tensor, axis?: number): ScaledSumOfSquaresAndMax {
  if (x.size === 0) {
    const shape = axis === undefined ? [] : x.shape.filter((_, i) => i !== (axis < 0 ? axis + x.rank : axis));
    return { scale: tf.fill(shape, 2 ** MIN_EXPONENT), sumSq: tf.zeros(shape), maxAbs: tf.zeros(shape) };
  }
  if (axis === undefined) {
    const maxAbs = tf.max(tf.abs(x));
    const scale = powerOfTwoScale(maxAbs);
    return { scale, sumSq: tf.sum(tf.square(tf.div(x, scale))), maxAbs };
  }
  const kept = tf.max(tf.abs(x), axis, true);
  const keptScale = powerOfTwoScale(kept);
  const sumSq = tf.sum(tf.square(tf.div(x, keptScale)), axis);
  return { scale: tf.reshape(keptScale, sumSq.shape), sumSq, maxAbs: tf.reshape(kept, sumSq.shape) };
}

/**
 * ‖x‖₂ of several tensors concatenated (the global gradient norm) as a scalar (scale, sumSq)
 * pair: one flattened concatenation, then {@link scaledSumOfSquares}. Empty tensors are skipped;
 * an empty list gives 0. Call inside `tf.tidy`.
 * @param xs float32 tensors, any shapes (not changed)
 * @returns scalar scale, sumSq and maxAbs
 */
export function scaledSumOfSquaresAll(xs: readonly tf.Tensor[]): ScaledSumOfSquaresAndMax {
  const parts = xs.filter((x) => x.size > 0).map((x) => (x.rank === 1 ? x : tf.reshape(x, [-1])));
  if (parts.length === 0) return scaledSumOfSquares(tf.zeros([0]));
  return scaledSumOfSquares(parts.length === 1 ? parts[0]! : tf.concat(parts));
}

/**
 * The (scale, sumSq) pair of each of k tensors, as [k] tensors, with the scales of all of them
 * from one op chain (2 + 3 ops per tensor, plus 7): the building block of per-tensor clipping.
 * Empty tensors get the pair of an all-zero one. Call inside `tf.tidy`.
 * @param xs float32 tensors, any shapes (not changed), at least one
 * @returns [k] scales and sums of squares, and the scales as k scalars (to divide each tensor by)
 */
export function scaledSumOfSquaresEach(xs: readonly tf.Tensor[]): ScaledSumOfSquares & { scales: tf.Tensor[] } {
  const maxAbs = tf.stack(xs.map((x) => (x.size === 0 ? tf.scalar(0) : tf.max(tf.abs(x)))));
  const scale = powerOfTwoScale(maxAbs); // [k]
  const scales = xs.length === 1 ? [tf.reshape(scale, [])] : tf.unstack(scale);
  const sumSq = tf.stack(xs.map((x, i) => (x.size === 0 ? tf.scalar(0) : tf.sum(tf.square(tf.div(x, scales[i]!))))));
  return { scale, sumSq, scales };
}

/**
 * Combines k parts' pairs, ‖x_i‖² = scale_i² · sumSq_i, into the pair of their concatenation
 * without squaring a norm: with M = max_i scale_i, sumSq = Σ_i sumSq_i · (scale_i / M)² (each
 * ratio ≤ 1; exact when the scales are powers of two). Call inside `tf.tidy`.
 * @param parts [k] scales > 0 (e.g. from {@link scaledSumOfSquares}) and [k] sums of squares
 * @returns the scalar pair (scale M, sumSq)
 */
export function combineScaledSumOfSquares(parts: ScaledSumOfSquares): ScaledSumOfSquares {
  const scale = tf.max(parts.scale);
  return { scale, sumSq: tf.sum(tf.mul(parts.sumSq, tf.square(tf.div(parts.scale, scale)))) };
}
