/**
 * Summary statistics of a tensor — L2 norm, RMS, max |x|, mean, standard deviation and the
 * count of non-finite entries — the numbers used to watch gradients vanish or explode and
 * activations saturate (Glorot & Bengio 2010, "Understanding the difficulty of training deep
 * feedforward neural networks", sect. 4).
 *
 * Statistics cover the finite entries only; NaN and ±Infinity are counted, never thrown. Many
 * tensors are summarised with ONE readback: each tensor's raw sums are stacked into one
 * [k, 6] tensor. The common all-finite case costs ~13 ops per tensor plus 7; tensors that turn out to
 * hold non-finite values are recomputed with a finiteness mask (a second readback, only then).
 * The standard deviation is the population one (divide by n, as `numpy.std`), computed from
 * centred values (two-pass), so it stays accurate when |mean| ≫ std.
 *
 * Nothing overflows or underflows: every sum runs over x / s, s the power of two just above
 * max |x| (LAPACK's scaling, see `scaledSumOfSquares`), and is multiplied back by s in float64
 * after the readback, so entries near 1e25 have a finite L2 norm, RMS and std, and entries near
 * 1e−30 a non-zero one. Dividing by a power of two is exact, so where the unscaled sums did not
 * overflow or underflow the statistics are bit for bit what they were.
 */
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';
import { powerOfTwoScale } from '../linalg/scaled-sum-of-squares.js';

/** Statistics of the finite entries of one tensor. */
export interface TensorStats {
  /** L2 norm sqrt(Σ x²). 0 when there is no finite entry. */
  l2: number;
  /** Root mean square sqrt(Σ x² / count). NaN when count is 0. */
  rms: number;
  /** max |x|. NaN when count is 0. */
  maxAbs: number;
  /** Mean. NaN when count is 0. */
  mean: number;
  /** Population standard deviation (divide by count). NaN when count is 0. */
  std: number;
  /** Number of NaN or ±Infinity entries (excluded from every other statistic). */
  nonFinite: number;
  /** Number of finite entries the statistics cover (count + nonFinite = size). */
  count: number;
}

/** The fields of {@link TensorStats} in a fixed order, for CSV columns. */
export const TENSOR_STATS_COLUMNS = ['l2', 'rms', 'maxAbs', 'mean', 'std', 'nonFinite', 'count'] as const;

/** Values per tensor in the stacked readback. */
const RAW = 6;

/** One tensor readied for its statistics: float32, non-finite entries zeroed when masked, and max |x|. */
interface Prepared {
  x: tf.Tensor;
  bad: tf.Scalar;
  n: tf.Scalar | number;
  mask: tf.Tensor | undefined;
  maxAbs: tf.Scalar;
}

function prepare(t: tf.Tensor, masked: boolean): Prepared {
  const x = t.dtype === 'float32' ? t : tf.cast(t, 'float32');
  if (!masked) return { x, bad: tf.scalar(0), n: x.size, mask: undefined, maxAbs: tf.max(tf.abs(x)) as tf.Scalar };
  const finite = tf.isFinite(x);
  const mask = tf.cast(finite, 'float32');
  const zeroed = tf.where(finite, x, tf.zerosLike(x));
  const good = tf.sum(mask) as tf.Scalar;
  return { x: zeroed, bad: tf.sub(x.size, good), n: good, mask, maxAbs: tf.max(tf.abs(zeroed)) as tf.Scalar };
}

/**
 * [nonFiniteCount, Σ(x/s)², maxAbs, s, mean(x/s), Σ(x/s − mean(x/s))²] of one prepared tensor,
 * s the power of two just above maxAbs; call inside tidy.
 */
function rawStats(p: Prepared, scale: tf.Tensor): tf.Tensor1D {
  const u = tf.div(p.x, scale);
  const sumSq = tf.sum(tf.square(u));
  const mean = tf.div(tf.sum(u), p.n);
  let centred = tf.sub(u, mean);
  if (p.mask !== undefined) centred = tf.mul(centred, p.mask);
  const m2 = tf.sum(tf.square(centred));
  return tf.stack([p.bad, sumSq, p.maxAbs, scale, mean, m2]) as tf.Tensor1D;
}

function fromRaw(size: number, r: ArrayLike<number>, offset: number): TensorStats {
  const nonFinite = Math.round(r[offset]!);
  const count = size - nonFinite;
  if (count === 0) return { l2: 0, rms: NaN, maxAbs: NaN, mean: NaN, std: NaN, nonFinite, count };
  const sumSq = r[offset + 1]!;
  const scale = r[offset + 3]!;
  return {
    l2: scale * Math.sqrt(sumSq),
    rms: scale * Math.sqrt(sumSq / count),
    maxAbs: r[offset + 2]!,
    mean: scale * r[offset + 4]!,
    std: scale * Math.sqrt(r[offset + 5]! / count),
    nonFinite,
    count,
  };
}

/** Stats of many tensors: one readback, plus one more for those holding non-finite values. */
function statsOf(tensors: readonly tf.Tensor[]): TensorStats[] {
  const out: TensorStats[] = new Array<TensorStats>(tensors.length);
  const live: number[] = [];
  tensors.forEach((t, i) => {
    if (t.size === 0) out[i] = fromRaw(0, new Array<number>(RAW).fill(0), 0);
    else live.push(i);
  });
  if (live.length === 0) return out;
  const first = readRows(live.map((i) => tensors[i]!), false);
  const redo: number[] = [];
  live.forEach((i, j) => {
    // The scaled sum of squares is finite exactly when every entry is; otherwise mask and recompute.
    if (Number.isFinite(first[j * RAW + 1]!)) out[i] = fromRaw(tensors[i]!.size, first, j * RAW);
    else redo.push(i);
  });
  if (redo.length > 0) {
    const second = readRows(redo.map((i) => tensors[i]!), true);
    redo.forEach((i, j) => (out[i] = fromRaw(tensors[i]!.size, second, j * RAW)));
  }
  return out;
}

function readRows(tensors: readonly tf.Tensor[], masked: boolean): Float32Array {
  const all = tf.tidy(() => {
    const prepared = tensors.map((t) => prepare(t, masked));
    // The scales of all tensors in one op chain (5 ops however many tensors there are).
    const scales = prepared.length === 1 ? [powerOfTwoScale(prepared[0]!.maxAbs)] : tf.unstack(powerOfTwoScale(tf.stack(prepared.map((p) => p.maxAbs))));
    const rows = prepared.map((p, i) => rawStats(p, scales[i]!));
    return rows.length === 1 ? rows[0]! : tf.concat(rows);
  });
  const values = all.dataSync() as Float32Array;
  all.dispose();
  return values;
}

function checkTensor(where: string, field: string, t: unknown): tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw invalidArgument(where, field, t, 'a tf.Tensor');
  if (t.isDisposed) throw invalidArgument(where, field, 'a disposed tensor', 'a live tf.Tensor');
  if (t.dtype === 'string' || t.dtype === 'complex64') throw invalidArgument(where, `${field}.dtype`, t.dtype, 'a real dtype');
  return t;
}

/**
 * Statistics of the finite entries of a tensor, with one readback (two if it holds NaN/Inf).
 *
 * Cost: O(size), ~17 tensor ops (~24 when non-finite entries are present).
 * @param t any real tensor (not disposed, not changed)
 * @returns {@link TensorStats}: l2, rms, maxAbs, mean, std over the finite entries, the
 *   number of non-finite entries and the number of finite ones
 * @throws ValidationError when `t` is not a live real tensor
 * @example
 * tensorStats(tf.tensor([3, -4, NaN])) // { l2: 5, rms: 3.54, maxAbs: 4, mean: -0.5, std: 3.5, nonFinite: 1, count: 2 }
 */
export function tensorStats(t: tf.Tensor): TensorStats {
  return statsOf([checkTensor('tensorStats', 't', t)])[0]!;
}

/**
 * {@link tensorStats} of many tensors with one readback (per-layer, per-parameter or per-time
 * step statistics in one transfer).
 * @param tensors an array or an object of tensors keyed by name (not disposed, not changed)
 * @returns the statistics in the same form: an array in the same order, or an object with the
 *   same keys
 * @throws ValidationError when an entry is not a live real tensor
 * @example
 * const rows = tensorStatsMany(grads); // { 'layer0.weight': { l2, rms, ... }, ... }
 */
export function tensorStatsMany(tensors: readonly tf.Tensor[]): TensorStats[];
export function tensorStatsMany(tensors: Record<string, tf.Tensor>): Record<string, TensorStats>;
export function tensorStatsMany(
  tensors: readonly tf.Tensor[] | Record<string, tf.Tensor>,
): TensorStats[] | Record<string, TensorStats> {
  const where = 'tensorStatsMany';
  if (Array.isArray(tensors)) {
    return statsOf(tensors.map((t, i) => checkTensor(where, `tensors[${i}]`, t)));
  }
  if (tensors === null || typeof tensors !== 'object' || tensors instanceof tf.Tensor) {
    throw invalidArgument(where, 'tensors', tensors, 'an array of tensors or an object of tensors keyed by name');
  }
  const record = tensors as Record<string, tf.Tensor>;
  const names = Object.keys(record);
  const stats = statsOf(names.map((n) => checkTensor(where, `tensors[${JSON.stringify(n)}]`, record[n])));
  const out: Record<string, TensorStats> = {};
  names.forEach((n, i) => (out[n] = stats[i]!));
  return out;
}
