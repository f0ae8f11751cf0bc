/**
 * Exact partition function and log-likelihood of a small RBM by enumerating its smaller layer:
 *
 *   log Z = log Σ_h exp(−F_h(h))   (hidden layer, 2^H states; any visible type)
 *         = log Σ_v exp(−F(v))     (visible layer, 2^V states; binary visibles only)
 *   log P(v) = −F(v) − log Z.
 *
 * The states are enumerated in chunks (each one matrix product and one log-sum-exp on the
 * backend, one readback), and the chunks are combined in float64 in JS. Feasible up to about
 * 20–25 units in the enumerated layer (2^20 ≈ 10⁶ states); this is the ground truth that CD,
 * PCD and AIS are measured against on bars-and-stripes.
 *
 * Complexity: O(2^m · m · n) for m enumerated and n other units; memory O(chunk · (m + n)).
 *
 * References: A. Fischer & C. Igel (2014), "Training restricted Boltzmann machines: an
 * introduction", sect. 5; R. Salakhutdinov & I. Murray (2008), "On the quantitative analysis of
 * deep belief networks", ICML (which compares AIS against this enumeration).
 */
import { ValidationError, tf } from '@gradlab/core';
import { RBM } from './rbm.js';

/** Largest layer {@link exactLogPartition} enumerates (2^25 states). */
export const MAX_EXACT_UNITS = 25;
/** States per chunk of the enumeration. */
export const ENUMERATION_CHUNK = 1 << 14;

/** Which layer to enumerate. */
export type EnumeratedLayer = 'auto' | 'visible' | 'hidden';

/** Options of {@link exactLogPartition}. */
export interface ExactLogPartitionOptions {
  /** 'hidden', 'visible' (binary visibles only) or 'auto' (default): the smaller one allowed. */
  layer?: EnumeratedLayer;
}

/**
 * All 2^n binary states with indices [start, start + count), row-major, unit j = bit j.
 * @returns float32 [count, n]
 */
export function binaryStates(n: number, start: number, count: number): tf.Tensor2D {
  const out = new Float32Array(count * n);
  for (let i = 0; i < count; i++) {
    let idx = start + i;
    for (let j = 0; j < n; j++) {
      out[i * n + j] = idx & 1;
      idx >>>= 1;
    }
  }
  return tf.tensor2d(out, [count, n]);
}

/** log(e^a + e^b) in float64 (shared by the DBM and DBN enumerations). */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

function chooseLayer(rbm: RBM, layer: EnumeratedLayer): 'visible' | 'hidden' {
  const where = 'exactLogPartition';
  if (layer !== 'auto' && layer !== 'visible' && layer !== 'hidden') {
    throw new ValidationError(`${where}: expected layer to be one of "auto", "visible", "hidden", got ${JSON.stringify(layer)}`);
  }
  const visibleOk = rbm.visibleType === 'bernoulli';
  const hiddenOk = rbm.hiddenType === 'bernoulli';
  let chosen: 'visible' | 'hidden';
  if (layer === 'auto') chosen = !hiddenOk || (visibleOk && rbm.numVisible < rbm.numHidden) ? 'visible' : 'hidden';
  else chosen = layer;
  if (chosen === 'visible' && !visibleOk) {
    throw new ValidationError(`${where}: expected layer "hidden" for Gaussian visible units (they cannot be enumerated), got "visible"`);
  }
  if (chosen === 'hidden' && !hiddenOk) {
    throw new ValidationError(`${where}: expected layer "visible" for Gaussian hidden units (they cannot be enumerated), got "hidden"`);
  }
  const units = chosen === 'visible' ? rbm.numVisible : rbm.numHidden;
  if (units > MAX_EXACT_UNITS) {
    throw new ValidationError(
      `${where}: expected the enumerated ${chosen} layer to have at most ${MAX_EXACT_UNITS} units, got ${units}` +
        (layer === 'auto' ? ' (the smaller layer); use annealedImportanceSampling for larger models' : ''),
    );
  }
  return chosen;
}

/**
 * log Z of an RBM, exactly, by enumerating the smaller layer.
 * @param rbm a BernoulliRBM (either layer), GaussianBernoulliRBM (hidden layer) or
 *   BernoulliGaussianRBM (visible layer)
 * @param options `{ layer = 'auto' }`
 * @returns log Z (float64 accumulation of float32 chunk sums)
 * @throws ValidationError when the enumerated layer has more than 25 units, or 'visible' is
 *   asked of Gaussian visibles
 * @example const logZ = exactLogPartition(rbm); // 16 visible, 12 hidden: 4096 hidden states
 */
export function exactLogPartition(rbm: RBM, options: ExactLogPartitionOptions = {}): number {
  if (!(rbm instanceof RBM)) throw new ValidationError(`exactLogPartition: expected rbm to be an RBM, got ${typeof rbm}`);
  const layer = chooseLayer(rbm, options.layer ?? 'auto');
  const n = layer === 'visible' ? rbm.numVisible : rbm.numHidden;
  const total = 2 ** n;
  let logZ = -Infinity;
  for (let start = 0; start < total; start += ENUMERATION_CHUNK) {
    const count = Math.min(ENUMERATION_CHUNK, total - start);
    const part = tf.tidy(() => {
      const states = binaryStates(n, start, count);
      const f = layer === 'visible' ? rbm.freeEnergy(states) : rbm.hiddenFreeEnergy(states);
      return tf.logSumExp(tf.neg(f));
    });
    const value = part.dataSync()[0]!;
    part.dispose();
    logZ = logAddExp(logZ, value);
  }
  return logZ;
}

/**
 * log P(v) = −F(v) − log Z for each row.
 * @param v [batch, visible] (not changed)
 * @param logZ log Z from {@link exactLogPartition} (or an AIS estimate); computed when omitted
 * @returns float64 log-probabilities, one per row
 */
export function logProbability(rbm: RBM, v: tf.Tensor, logZ: number = exactLogPartition(rbm)): Float64Array {
  const f = rbm.freeEnergy(v);
  const values = f.dataSync();
  f.dispose();
  return Float64Array.from(values, (x) => -x - logZ);
}

/**
 * Average log-likelihood (1/n) Σ log P(v_n) of the rows of `v` (in nats; bars-and-stripes'
 * optimum is −log 30 ≈ −3.40 with all 30 patterns).
 * @param v data [n, visible] (not changed)
 * @param logZ log Z; computed exactly when omitted
 * @example exactLogLikelihood(rbm, barsAndStripesTensor)
 */
export function exactLogLikelihood(rbm: RBM, v: tf.Tensor, logZ?: number): number {
  const lp = logProbability(rbm, v, logZ ?? exactLogPartition(rbm));
  let s = 0;
  for (const x of lp) s += x;
  return s / lp.length;
}
