/**
 * Bars and stripes (MacKay 2003): binary n×n images in which either every column is all-on or
 * all-off ("bars", vertical) or every row is ("stripes", horizontal). There are 2^n bar
 * patterns and 2^n stripe patterns; the blank and the full image are both, so there are
 * 2^(n+1) − 2 distinct patterns (30 for n = 4). Small enough to enumerate, which is why it is the
 * standard test bed for RBMs with an exact log-likelihood.
 *
 * Fixed order of {@link barsAndStripes}: first the bars, for mask m = 0 … 2^n − 1 (column j is
 * on when bit j of m is set; this includes the blank and the full image), then the stripes, for
 * m = 1 … 2^n − 2 (row i on when bit i of m is set). Label 0 = bars, 1 = stripes.
 *
 * References: D. J. C. MacKay, "Information Theory, Inference, and Learning Algorithms" (2003),
 * ch. 43; Fischer & Igel, "Training restricted Boltzmann machines: an introduction" (2014).
 */
import { invalidArgument } from '../errors/gradlab-error.js';
import type { Rng } from '../random/rng.js';
import type { LabeledData } from './labeled-data.js';

/** Largest n {@link barsAndStripes} enumerates (2^17 − 2 patterns of 256 pixels). */
export const MAX_BARS_AND_STRIPES_ENUMERATE = 16;
/** Largest n {@link sampleBarsAndStripes} samples. */
export const MAX_BARS_AND_STRIPES_SAMPLE = 30;

function checkN(where: string, n: unknown, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw invalidArgument(where, 'n', n, `an integer in [1, ${max}]`);
  }
  return n;
}

/** Number of distinct n×n bars-and-stripes patterns, 2^(n+1) − 2. */
export function barsAndStripesCount(n: number): number {
  checkN('barsAndStripesCount', n, MAX_BARS_AND_STRIPES_SAMPLE);
  return 2 ** (n + 1) - 2;
}

/** Writes pattern number `index` (in the fixed order) into `out` at `offset`; returns its label. */
function writePattern(index: number, n: number, out: Float32Array, offset: number): 0 | 1 {
  const bars = 2 ** n;
  const isBars = index < bars;
  const mask = isBars ? index : index - bars + 1;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const bit = isBars ? c : r;
      out[offset + r * n + c] = Math.floor(mask / 2 ** bit) % 2;
    }
  }
  return isBars ? 0 : 1;
}

/**
 * All distinct n×n bars-and-stripes patterns, in the fixed order described above.
 * @param n image side, an integer in [1, 16] (1 gives the two 1×1 images)
 * @returns `{ x: [2^(n+1) − 2, n*n] of 0/1, y: 0 bars / 1 stripes, shape, numClasses: 2 }`
 * @throws ValidationError when n is not an integer in [1, 16]
 * @example barsAndStripes(4).shape // [30, 16]
 */
export function barsAndStripes(n: number): LabeledData {
  checkN('barsAndStripes', n, MAX_BARS_AND_STRIPES_ENUMERATE);
  const count = 2 ** (n + 1) - 2;
  const d = n * n;
  const x = new Float32Array(count * d);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) y[i] = writePattern(i, n, x, i * d);
  return { x, y, shape: [count, d], numClasses: 2 };
}

/**
 * Draws `count` patterns i.i.d. and uniformly from the 2^(n+1) − 2 distinct n×n patterns
 * (each distinct pattern equally likely, so the blank and the full image are not counted twice).
 * @param count number of samples, a non-negative integer
 * @param n image side, an integer in [1, 30]
 * @param rng random stream (one `rng.int` draw per sample)
 * @returns `{ x: [count, n*n] of 0/1, y: 0 bars / 1 stripes, shape, numClasses: 2 }`
 * @throws ValidationError for a bad count or n
 * @example sampleBarsAndStripes(1000, 4, rng.fork('data/bas'))
 */
export function sampleBarsAndStripes(count: number, n: number, rng: Rng): LabeledData {
  if (!Number.isSafeInteger(count) || count < 0) throw invalidArgument('sampleBarsAndStripes', 'count', count, 'a non-negative integer');
  checkN('sampleBarsAndStripes', n, MAX_BARS_AND_STRIPES_SAMPLE);
  const total = 2 ** (n + 1) - 2;
  const d = n * n;
  const x = new Float32Array(count * d);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) y[i] = writePattern(rng.int(total), n, x, i * d);
  return { x, y, shape: [count, d], numClasses: 2 };
}
