/**
 * Exact partition function and log-likelihood of a small two-hidden-layer DBM, and the
 * mean-field variational lower bound on log P(v).
 *
 * Given h1, the layers v and h2 are independent, so both sum out in closed form and only h1 is
 * enumerated (2^H1 states):
 *
 *   log Z       = log Σ_h1 exp(c1·h1 + Σ_i softplus(W1_i·h1 + b_i) + Σ_m softplus(h1·W2_m + c2_m)),
 *   log P*(v)   = b·v + log Σ_h1 exp(c1·h1 + v·W1·h1 + Σ_m softplus(h1·W2_m + c2_m)),
 *   log P(v)    = log P*(v) − log Z.
 *
 * The lower bound of a factorised Q with marginals μ1, μ2 (Salakhutdinov & Hinton 2009, sect. 3):
 *
 *   log P(v) ≥ b·v + c1·μ1 + c2·μ2 + v·W1·μ1 + μ1·W2·μ2 + H(μ1) + H(μ2) − log Z,
 *
 * with H the entropy of independent Bernoullis; the gap is KL(Q ‖ P(h1, h2 | v)).
 *
 * States are enumerated in chunks (one readback each) and combined in float64 in JS, as in
 * `exact-likelihood.ts`. Complexity O(2^H1 · (V + H2) · H1) for log Z and O(n · 2^H1 · H1) more
 * for n rows.
 *
 * References: R. Salakhutdinov & G. E. Hinton (2009), "Deep Boltzmann machines", AISTATS,
 * sects. 3 (the bound) and 4 (likelihoods estimated by AIS; this is the exact value on tiny models).
 */
import { ValidationError, tf } from '@gradlab/core';
import { DBM } from './deep-boltzmann-machine.js';
import type { MeanFieldMarginals } from './deep-boltzmann-machine.js';
import { ENUMERATION_CHUNK, MAX_EXACT_UNITS, binaryStates, logAddExp } from './exact-likelihood.js';

function checkDBM(where: string, dbm: DBM): void {
  if (!(dbm instanceof DBM)) throw new ValidationError(`${where}: expected dbm to be a DBM, got ${typeof dbm}`);
  const H1 = dbm.layerSizes[1];
  if (H1 > MAX_EXACT_UNITS) {
    throw new ValidationError(`${where}: expected the first hidden layer to have at most ${MAX_EXACT_UNITS} units (it is enumerated), got ${H1}`);
  }
}


/** c1·h1 + Σ_m softplus(h1·W2_m + c2_m) for states h1 [K, H1] → [K] (call inside tidy). */
function topTerm(dbm: DBM, h1: tf.Tensor2D): tf.Tensor1D {
  const c1h = tf.sum(tf.mul(h1, dbm.hiddenBias1), 1);
  return tf.add(c1h, tf.sum(tf.softplus(tf.add(tf.matMul(h1, dbm.weight2 as tf.Tensor2D), dbm.hiddenBias2)), 1)) as tf.Tensor1D;
}

/**
 * log Z of a DBM, exactly, by enumerating its first hidden layer.
 * @returns log Z (float64 accumulation of float32 chunk sums)
 * @throws ValidationError when H1 > 25
 * @example const logZ = dbmExactLogPartition(dbm); // [16, 12, 8]: 4096 states
 */
export function dbmExactLogPartition(dbm: DBM): number {
  checkDBM('dbmExactLogPartition', dbm);
  const H1 = dbm.layerSizes[1];
  const { w1 } = dbm.transposed();
  const total = 2 ** H1;
  let logZ = -Infinity;
  for (let start = 0; start < total; start += ENUMERATION_CHUNK) {
    const count = Math.min(ENUMERATION_CHUNK, total - start);
    const part = tf.tidy(() => {
      const h1 = binaryStates(H1, start, count);
      const visible = tf.sum(tf.softplus(tf.add(tf.matMul(h1, w1), dbm.visibleBias)), 1);
      return tf.logSumExp(tf.add(topTerm(dbm, h1), visible));
    });
    logZ = logAddExp(logZ, part.dataSync()[0]!);
    part.dispose();
  }
  return logZ;
}

/**
 * log P(v) for each row: log P*(v) (h1 enumerated, h2 summed out) − log Z.
 * @param v [n, V] (not changed)
 * @param logZ log Z; computed exactly when omitted
 * @returns float64 log-probabilities, one per row
 */
export function dbmLogProbability(dbm: DBM, v: tf.Tensor, logZ?: number): Float64Array {
  checkDBM('dbmLogProbability', dbm);
  dbm.checkRows(v, 0, 'dbmLogProbability', 'v');
  const Z = logZ ?? dbmExactLogPartition(dbm);
  const H1 = dbm.layerSizes[1];
  const n = v.shape[0]!;
  const acc = new Float64Array(n).fill(-Infinity);
  const total = 2 ** H1;
  const vw = tf.tidy(() => tf.matMul(v as tf.Tensor2D, dbm.weight1 as tf.Tensor2D)); // [n, H1]
  try {
    for (let start = 0; start < total; start += ENUMERATION_CHUNK) {
      const count = Math.min(ENUMERATION_CHUNK, total - start);
      const part = tf.tidy(() => {
        const h1 = binaryStates(H1, start, count);
        const cross = tf.matMul(vw, tf.transpose(h1)); // [n, K]
        return tf.logSumExp(tf.add(cross, topTerm(dbm, h1)), 1);
      });
      const values = part.dataSync();
      part.dispose();
      for (let i = 0; i < n; i++) acc[i] = logAddExp(acc[i]!, values[i]!);
    }
  } finally {
    vw.dispose();
  }
  const bv = tf.tidy(() => tf.sum(tf.mul(v, dbm.visibleBias), 1));
  const bias = bv.dataSync();
  bv.dispose();
  return Float64Array.from(acc, (a, i) => a + bias[i]! - Z);
}

/**
 * Average exact log-likelihood (1/n) Σ log P(v_n) in nats (bars-and-stripes' optimum with all
 * 30 4×4 patterns is −log 30 ≈ −3.40).
 * @param v data [n, V]
 * @param logZ log Z; computed exactly when omitted
 */
export function dbmExactLogLikelihood(dbm: DBM, v: tf.Tensor, logZ?: number): number {
  const lp = dbmLogProbability(dbm, v, logZ);
  let s = 0;
  for (const x of lp) s += x;
  return s / lp.length;
}

/**
 * The mean-field lower bound on log P(v) for each row (the bound before − log Z when `logZ` is 0).
 * @param v [n, V]
 * @param marginals μ1 [n, H1], μ2 [n, H2] (e.g. from `dbm.meanField(v)`)
 * @param logZ log Z (exact or estimated)
 * @returns float64 bounds, one per row
 */
export function meanFieldLowerBound(dbm: DBM, v: tf.Tensor, marginals: MeanFieldMarginals, logZ: number): Float64Array {
  if (!(dbm instanceof DBM)) throw new ValidationError(`meanFieldLowerBound: expected dbm to be a DBM, got ${typeof dbm}`);
  dbm.checkRows(v, 0, 'meanFieldLowerBound', 'v');
  dbm.checkRows(marginals?.hidden1, 1, 'meanFieldLowerBound', 'marginals.hidden1');
  dbm.checkRows(marginals.hidden2, 2, 'meanFieldLowerBound', 'marginals.hidden2');
  const out = tf.tidy(() => {
    const { hidden1: m1, hidden2: m2 } = marginals;
    const entropy = (m: tf.Tensor) => {
      // Clipped so that a saturated marginal contributes 0·log 0 = 0, not NaN.
      const p = tf.clipByValue(m, 1e-7, 1 - 1e-7);
      return tf.neg(tf.sum(tf.add(tf.mul(m, tf.log(p)), tf.mul(tf.sub(1, m), tf.log(tf.sub(1, p)))), 1));
    };
    const negEnergy = tf.addN([
      tf.sum(tf.mul(v, dbm.visibleBias), 1),
      tf.sum(tf.mul(m1, dbm.hiddenBias1), 1),
      tf.sum(tf.mul(m2, dbm.hiddenBias2), 1),
      tf.sum(tf.mul(tf.matMul(v as tf.Tensor2D, dbm.weight1 as tf.Tensor2D), m1), 1),
      tf.sum(tf.mul(tf.matMul(m1, dbm.weight2 as tf.Tensor2D), m2), 1),
    ]);
    return tf.add(negEnergy, tf.add(entropy(m1), entropy(m2)));
  });
  const values = out.dataSync();
  out.dispose();
  return Float64Array.from(values, (x) => x - logZ);
}
