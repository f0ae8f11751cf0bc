/**
 * Annealed importance sampling (AIS) estimate of an RBM's log partition function (Neal 2001;
 * Salakhutdinov & Murray 2008), for models too large to enumerate.
 *
 * A base model A with the same hidden layer and no weights, p_A(v) ∝ exp(b_A·v) (binary
 * visibles) or exp(−|v − b_A|²/2) (Gaussian visibles), has a known log Z_A. The annealed
 * distributions, for 0 = β_0 < β_1 < … < β_K = 1,
 *
 *   log p_β*(v) = (1 − β)·a_A(v) + β·a_B(v) + Σ_j log(1 + exp(β·(v·W_j + c_j))),
 *
 * with a(v) = b·v (binary) or −|v − b|²/2 (Gaussian), move from A to the model B. Each run draws
 * v_1 ~ p_A, then alternates the weight update log w += log p_k*(v_k) − log p_{k−1}*(v_k) with
 * one Gibbs transition T_k that leaves p_k invariant: h ~ σ(β_k·(v·W + c)), then
 * v ~ σ((1 − β_k)·b_A + β_k·(b_B + h·Wᵀ)) (binary) or N(same, I) (Gaussian). Then
 *
 *   Ẑ_B = Z_A · mean_runs(w),    log Ẑ_B ± its standard error.
 *
 * The estimate is unbiased for Z (not log Z) and tends to underestimate log Z when the runs
 * are too few or the schedule too short; the ±3σ interval of Salakhutdinov & Murray is returned.
 *
 * Complexity: O(K · runs · V · H): two matrix products of [runs, V]×[V, H] size per β.
 *
 * References: R. M. Neal (2001), "Annealed importance sampling", Statistics and Computing 11;
 * R. Salakhutdinov & I. Murray (2008), "On the quantitative analysis of deep belief networks",
 * ICML (the schedule of 14,500 βs: 500 up to 0.5, 4,000 up to 0.9, 10,000 up to 1).
 */
import { ShapeError, ValidationError, parseOptions, positiveInt, tf, type Rng } from '@gradlab/core';
import { z } from 'zod';
import { HALF_LOG_2PI } from './gaussian-bernoulli-rbm.js';
import { RBM } from './rbm.js';
import { VISIBLE_MEAN_EPSILON } from './rbm-init.js';

/** Default number of independent AIS runs (Salakhutdinov & Murray 2008). */
export const DEFAULT_AIS_RUNS = 100;
/** Default number of intermediate distributions (Salakhutdinov & Murray 2008). */
export const DEFAULT_AIS_BETAS = 14_500;

/** Options of {@link annealedImportanceSampling}. */
export interface AISConfig {
  /** Independent runs M ≥ 1 (default 100). */
  numRuns?: number;
  /**
   * Number of intermediate distributions K ≥ 1 (default 14,500), spaced as Salakhutdinov &
   * Murray: 500/14,500 of them up to β = 0.5, 4,000/14,500 up to 0.9, the rest up to 1.
   */
  numBetas?: number;
  /** An explicit increasing schedule from 0 to 1 (overrides `numBetas`). */
  betas?: number[];
  /**
   * Data [n, visible] to fit the base model to: its visible biases become the logits of the
   * data's per-unit means (binary; the "base-rate model") or the means (Gaussian). Default: the
   * base model uses the RBM's own visible biases.
   */
  data?: tf.Tensor;
}

/** What {@link annealedImportanceSampling} returns. */
export interface AISResult {
  /** The estimate log Ẑ. */
  logZ: number;
  /** Standard error of log Ẑ (delta method: sd(w) / (√M · mean(w))). */
  stdErr: number;
  /** log(Ẑ − 3σ̂) (−Infinity when Ẑ − 3σ̂ ≤ 0), σ̂ = sd(Ẑ-estimates of one run) / √M. */
  logZLow: number;
  /** log(Ẑ + 3σ̂). */
  logZHigh: number;
  /** log Z of the base model. */
  logZBase: number;
  /** The runs' log importance weights. */
  logWeights: Float64Array;
}

const aisSchema = z.strictObject({
  numRuns: positiveInt().optional(),
  numBetas: positiveInt().optional(),
  betas: z.array(z.number({ error: 'an array of numbers' }), { error: 'an array of numbers' }).optional(),
  data: z.custom<tf.Tensor>((v) => v instanceof tf.Tensor, { error: 'a tf.Tensor [n, visible]' }).optional(),
});

/**
 * The schedule 0 = β_0 < … < β_K = 1 in Salakhutdinov & Murray's proportions.
 * @param numBetas K ≥ 1
 * @returns K + 1 values
 */
export function aisSchedule(numBetas: number): Float64Array {
  if (!Number.isSafeInteger(numBetas) || numBetas < 1) throw new ValidationError(`aisSchedule: expected numBetas to be a positive integer, got ${String(numBetas)}`);
  const k1 = Math.max(1, Math.round((numBetas * 500) / 14_500));
  const k2 = Math.max(0, Math.round((numBetas * 4_000) / 14_500));
  const k3 = Math.max(0, numBetas - k1 - k2);
  const out = new Float64Array(numBetas + 1);
  let i = 0;
  const segment = (from: number, to: number, steps: number) => {
    for (let s = 0; s < steps; s++) out[i++] = from + ((to - from) * s) / steps;
  };
  if (k3 === 0 && k2 === 0) segment(0, 1, k1);
  else if (k3 === 0) {
    segment(0, 0.5, k1);
    segment(0.5, 1, k2);
  } else {
    segment(0, 0.5, k1);
    segment(0.5, 0.9, k2);
    segment(0.9, 1, k3);
  }
  out[numBetas] = 1;
  return out;
}

function checkBetas(betas: number[]): Float64Array {
  const b = Float64Array.from(betas);
  const ok = b.length >= 2 && b[0] === 0 && b[b.length - 1] === 1 && b.every((x, i) => Number.isFinite(x) && (i === 0 || x > b[i - 1]!));
  if (!ok) {
    throw new ValidationError(
      `annealedImportanceSampling: expected betas to be a strictly increasing array from 0 to 1 with at least 2 values, got an array of length ${betas.length}` +
        (b.length > 0 ? ` from ${b[0]} to ${b[b.length - 1]}` : ''),
    );
  }
  return b;
}

/** The base model's visible biases b_A [visible]. */
function baseBias(rbm: RBM, data: tf.Tensor | undefined): tf.Tensor1D {
  if (data === undefined) return tf.clone(rbm.visibleBias) as tf.Tensor1D;
  if (data.rank !== 2 || data.shape[1] !== rbm.numVisible) {
    throw new ShapeError(`annealedImportanceSampling: expected data of shape [n, ${rbm.numVisible}], got [${data.shape}]`);
  }
  return tf.tidy(() => {
    const m = tf.mean(data, 0);
    if (rbm.visibleType === 'gaussian') return m as tf.Tensor1D;
    const p = tf.clipByValue(m, VISIBLE_MEAN_EPSILON, 1 - VISIBLE_MEAN_EPSILON);
    return tf.log(tf.div(p, tf.sub(1, p))) as tf.Tensor1D;
  });
}

/** log Z_A: Σ softplus(b_A) + H log 2 (binary) or V/2 log 2π + H log 2 (Gaussian). */
function baseLogPartition(rbm: RBM, bA: tf.Tensor1D): number {
  const h = rbm.numHidden * Math.LN2;
  if (rbm.visibleType === 'gaussian') return rbm.numVisible * HALF_LOG_2PI + h;
  const s = tf.tidy(() => tf.sum(tf.softplus(bA)));
  const value = s.dataSync()[0]!;
  s.dispose();
  return value + h;
}

/**
 * Estimates log Z of an RBM by annealed importance sampling.
 * @param rbm a BernoulliRBM or GaussianBernoulliRBM (not changed)
 * @param rng random stream for the base samples and every transition
 * @param config `{ numRuns = 100, numBetas = 14500, betas, data }`
 * @returns log Ẑ with its standard error, the ±3σ̂ interval, log Z_A and the log weights
 * @throws ValidationError for bad options; ShapeError for data of the wrong shape
 * @example
 * const ais = annealedImportanceSampling(rbm, rng.fork('ais'), { numRuns: 100, data: x });
 * const ll = meanFreeEnergy… // −mean F(v) − ais.logZ
 */
export function annealedImportanceSampling(rbm: RBM, rng: Rng, config: AISConfig = {}): AISResult {
  if (!(rbm instanceof RBM)) throw new ValidationError(`annealedImportanceSampling: expected rbm to be an RBM, got ${typeof rbm}`);
  if (rbm.hiddenType !== 'bernoulli') {
    throw new ValidationError(`annealedImportanceSampling: expected an RBM with binary hidden units, got hidden type "${rbm.hiddenType}" (enumerate its visible layer with exactLogPartition instead)`);
  }
  const c = parseOptions('annealedImportanceSampling', aisSchema, config);
  const runs = c.numRuns ?? DEFAULT_AIS_RUNS;
  const betas = c.betas !== undefined ? checkBetas(c.betas) : aisSchedule(c.numBetas ?? DEFAULT_AIS_BETAS);
  const gaussian = rbm.visibleType === 'gaussian';
  const V = rbm.numVisible;
  const bA = baseBias(rbm, c.data);
  const logZBase = baseLogPartition(rbm, bA);
  const W = rbm.weight;
  const wt = rbm.transposedWeight();
  const cHid = rbm.hiddenBias;
  const bB = rbm.visibleBias;

  // Gaussian: (1−β)(−|v−b_A|²/2) + β(−|v−b_B|²/2) changes by Δβ·(|v−b_A|² − |v−b_B|²)/2 = Δβ·(v·(b_B − b_A) + (|b_A|² − |b_B|²)/2).
  // Binary: (1−β) b_A·v + β b_B·v changes by Δβ·v·(b_B − b_A). Both: Δβ·(v·δ + κ).
  const delta = tf.tidy(() => tf.reshape(tf.sub(bB, bA), [V, 1]) as tf.Tensor2D);
  const kappaT = tf.tidy(() => (gaussian ? tf.mul(tf.sub(tf.sum(tf.square(bA)), tf.sum(tf.square(bB))), 0.5) : tf.scalar(0)));
  const kappa = kappaT.dataSync()[0]!;
  kappaT.dispose();

  // v_1 ~ p_A.
  let v: tf.Tensor2D = tf.tidy(() => {
    const mean = tf.tile(tf.reshape(bA, [1, V]), [runs, 1]);
    if (gaussian) return tf.add(mean, rng.normalTensor([runs, V])) as tf.Tensor2D;
    return rng.bernoulliTensor(tf.sigmoid(mean)) as tf.Tensor2D;
  });
  let logW: tf.Tensor1D = tf.zeros([runs]);
  try {
    for (let k = 1; k < betas.length; k++) {
      const beta = betas[k]!;
      const prev = betas[k - 1]!;
      const next = tf.tidy(() => {
        const x = tf.add(tf.matMul(v, W as tf.Tensor2D), cHid); // [runs, H]
        const bx = tf.mul(x, beta);
        const hiddenTerm = tf.sub(tf.sum(tf.softplus(bx), 1), tf.sum(tf.softplus(tf.mul(x, prev)), 1));
        const visibleTerm = tf.mul(tf.add(tf.reshape(tf.matMul(v, delta), [runs]), kappa), beta - prev);
        const w = tf.add(logW, tf.add(hiddenTerm, visibleTerm)) as tf.Tensor1D;
        if (k === betas.length - 1) return { w, v: v };
        // Transition T_k leaving p_k invariant.
        const h = rng.bernoulliTensor(tf.sigmoid(bx));
        const mean = tf.add(tf.mul(tf.matMul(h as tf.Tensor2D, wt), beta), tf.add(tf.mul(bA, 1 - beta), tf.mul(bB, beta)));
        const vNext = gaussian ? tf.add(mean, rng.normalTensor([runs, V])) : rng.bernoulliTensor(tf.sigmoid(mean));
        return { w, v: vNext as tf.Tensor2D };
      });
      logW.dispose();
      logW = next.w;
      if (next.v !== v) {
        v.dispose();
        v = next.v;
      }
    }
    const logWeights = Float64Array.from(logW.dataSync());
    return summarise(logWeights, logZBase);
  } finally {
    tf.dispose([v, logW, bA, delta]);
  }
}

/** log Ẑ, its standard error and the ±3σ̂ interval from the log weights (float64). */
export function summarise(logWeights: Float64Array, logZBase: number): AISResult {
  const m = logWeights.length;
  let max = -Infinity;
  for (const x of logWeights) max = Math.max(max, x);
  let sum = 0;
  for (const x of logWeights) sum += Math.exp(x - max);
  const mean = sum / m;
  let sq = 0;
  for (const x of logWeights) sq += (Math.exp(x - max) - mean) ** 2;
  const sd = m > 1 ? Math.sqrt(sq / (m - 1)) : 0;
  const se = sd / Math.sqrt(m);
  const logZ = logZBase + max + Math.log(mean);
  const low = mean - 3 * se;
  return {
    logZ,
    stdErr: se / mean,
    logZLow: low > 0 ? logZBase + max + Math.log(low) : -Infinity,
    logZHigh: logZBase + max + Math.log(mean + 3 * se),
    logZBase,
    logWeights,
  };
}
