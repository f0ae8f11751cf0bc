/**
 * Fixed-width histogram of a tensor's values, computed in JS after one readback, with the
 * binning rules of `numpy.histogram`: `bins` equal-width bins over `range` (default: the finite
 * min and max), each bin half-open [a, b) except the last, which is closed [a, b]. Values
 * outside the range are counted in `outOfRange`, NaN / ±Infinity in `nonFinite`.
 */
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';

/** Default number of bins (as numpy). */
export const DEFAULT_HISTOGRAM_BINS = 10;

/** Options of {@link histogram}. */
export interface HistogramOptions {
  /** Number of equal-width bins; a positive integer (default 10). */
  bins?: number;
  /** [low, high], finite, low < high (default: the finite min and max; ±0.5 around a single value). */
  range?: readonly [number, number];
}

/** A histogram. */
export interface Histogram {
  /** Bin edges, length bins + 1, increasing. */
  edges: number[];
  /** Entries per bin, length bins. */
  counts: number[];
  /** Finite entries outside `range` (counted in no bin). */
  outOfRange: number;
  /** NaN or ±Infinity entries (counted in no bin). */
  nonFinite: number;
}

/**
 * Histogram of the values of `t`.
 *
 * Cost: one readback and O(size) JS work.
 * @param t a tensor (not disposed, not changed) or an array of numbers
 * @param options `bins` (default 10), `range` (default the finite min..max)
 * @returns edges [bins + 1], counts [bins], out-of-range and non-finite counts
 * @throws ValidationError for a bad `bins` or `range`
 * @example
 * histogram(tf.tensor([0, 1, 1, 2, NaN]), { bins: 2 }) // { edges: [0, 1, 2], counts: [1, 3], outOfRange: 0, nonFinite: 1 }
 */
export function histogram(t: tf.Tensor | ArrayLike<number>, options: HistogramOptions = {}): Histogram {
  const where = 'histogram';
  const bins = options.bins ?? DEFAULT_HISTOGRAM_BINS;
  if (!Number.isSafeInteger(bins) || bins < 1) throw invalidArgument(where, 'bins', bins, 'a positive integer');
  let values: ArrayLike<number>;
  if (t instanceof tf.Tensor) {
    if (t.isDisposed) throw invalidArgument(where, 't', 'a disposed tensor', 'a live tf.Tensor');
    values = t.dataSync() as ArrayLike<number>;
  } else if (t !== null && typeof t === 'object' && typeof (t as ArrayLike<number>).length === 'number') {
    values = t;
  } else {
    throw invalidArgument(where, 't', t, 'a tf.Tensor or an array of numbers');
  }

  let nonFinite = 0;
  let lo: number;
  let hi: number;
  if (options.range !== undefined) {
    const r = options.range;
    if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || !(r[0] < r[1])) {
      throw invalidArgument(where, 'range', r, 'a pair [low, high] of finite numbers with low < high');
    }
    [lo, hi] = r as [number, number];
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) {
      lo = 0;
      hi = 1;
    } else if (lo === hi) {
      lo -= 0.5;
      hi += 0.5;
    }
  }

  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
  const counts = new Array<number>(bins).fill(0);
  let outOfRange = 0;
  const scale = bins / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < lo || v > hi) {
      outOfRange++;
      continue;
    }
    let k = Math.min(bins - 1, Math.floor((v - lo) * scale));
    // Correct rounding at the edges, as numpy does: v must lie in [edges[k], edges[k + 1]).
    if (k > 0 && v < edges[k]!) k--;
    else if (k < bins - 1 && v >= edges[k + 1]!) k++;
    counts[k]!++;
  }
  return { edges, counts, outOfRange, nonFinite };
}
