/**
 * A labelled mixture of k isotropic Gaussians in d dimensions: the simplest classification set
 * whose difficulty is set by one number, the ratio of mean separation to noise.
 *
 * Generative process:
 *  1. means μ_1 … μ_k: drawn i.i.d. from N(0, I_d), then rescaled together so that the smallest
 *     pairwise distance ‖μ_i − μ_j‖ equals `separation` (k = 1: the one mean is 0);
 *  2. labels: balanced (each class ⌊n/k⌋ or ⌈n/k⌉ times, classes with the lower index get the
 *     extra ones) in a random order, or i.i.d. uniform when `balanced` is false;
 *  3. x_i = μ_{y_i} + std · ε_i with ε_i ~ N(0, I_d).
 *
 * The three steps draw from the forks `means`, `labels` and `noise` of the given `Rng`, so the
 * means depend only on (seed, k, d, separation) and do not change with n. For two classes the
 * Bayes error is Φ(−separation / (2·std)).
 */
import { z } from 'zod';
import { parseOptions, positiveInt, positiveNumber, nonNegativeInt } from '../errors/schema.js';
import type { Rng } from '../random/rng.js';
import type { LabeledData } from './labeled-data.js';

/** Default number of components. */
export const DEFAULT_MIXTURE_COMPONENTS = 3;
/** Default dimension. */
export const DEFAULT_MIXTURE_DIM = 2;
/** Default minimum distance between two means. */
export const DEFAULT_MIXTURE_SEPARATION = 4;
/** Default per-coordinate standard deviation of each component. */
export const DEFAULT_MIXTURE_STD = 1;

/** Options of {@link gaussianMixture}. */
export interface GaussianMixtureConfig {
  /** Number of samples (non-negative integer, required). */
  n: number;
  /** Number of components = classes (positive integer, default 3). */
  k?: number;
  /** Dimension (positive integer, default 2). */
  d?: number;
  /** Smallest distance between two means (> 0, default 4). */
  separation?: number;
  /** Standard deviation of every coordinate of every component (> 0, default 1). */
  std?: number;
  /** Exactly balanced classes (default true) or i.i.d. uniform labels. */
  balanced?: boolean;
}

/** A Gaussian mixture sample: the data plus the component means. */
export interface GaussianMixture extends LabeledData {
  /** Component means, row-major. */ // [k, d]
  means: Float32Array;
}

const schema = z.strictObject({
  n: nonNegativeInt(),
  k: positiveInt().default(DEFAULT_MIXTURE_COMPONENTS),
  d: positiveInt().default(DEFAULT_MIXTURE_DIM),
  separation: positiveNumber().default(DEFAULT_MIXTURE_SEPARATION),
  std: positiveNumber().default(DEFAULT_MIXTURE_STD),
  balanced: z.boolean({ error: 'a boolean' }).default(true),
});

/**
 * Samples a labelled mixture of k isotropic Gaussians (see the file comment for the process).
 * @param config `{ n, k = 3, d = 2, separation = 4, std = 1, balanced = true }`
 * @param rng random stream; the forks `means`, `labels` and `noise` are used
 * @returns `{ x: [n, d], y: [n] in [0, k), shape, numClasses: k, means: [k, d] }`
 * @throws ValidationError for a bad option (e.g. `gaussianMixture: expected k to be a positive integer, got 0`)
 * @example const { x, y } = gaussianMixture({ n: 600, k: 3, d: 2, separation: 5 }, rng.fork('data'))
 */
export function gaussianMixture(config: GaussianMixtureConfig, rng: Rng): GaussianMixture {
  const { n, k, d, separation, std, balanced } = parseOptions('gaussianMixture', schema, config);
  // 1. Means, rescaled so that the closest pair is `separation` apart.
  const raw = rng.fork('means').normalArray(k * d);
  let minDist = Infinity;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (raw[i * d + c]! - raw[j * d + c]!) ** 2;
      minDist = Math.min(minDist, Math.sqrt(s));
    }
  }
  const means = new Float32Array(k * d);
  if (k > 1) for (let i = 0; i < means.length; i++) means[i] = (raw[i]! * separation) / minDist;
  // 2. Labels.
  const labelRng = rng.fork('labels');
  const y = new Int32Array(n);
  if (balanced) {
    const perm = labelRng.permutation(n);
    for (let i = 0; i < n; i++) y[perm[i]!] = i % k;
  } else {
    for (let i = 0; i < n; i++) y[i] = labelRng.int(k);
  }
  // 3. Points.
  const noise = rng.fork('noise').normalArray(n * d, 0, std);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const m = y[i]! * d;
    for (let c = 0; c < d; c++) x[i * d + c] = means[m + c]! + noise[i * d + c]!;
  }
  return { x, y, shape: [n, d], numClasses: k, means };
}
