/**
 * Exact log-likelihood of a small two-RBM deep belief net. The DBN's generative model is the
 * top RBM over (h1, h2), which gives the prior P(h1) = exp(−F_top(h1)) / Z_top, and the directed
 * bottom layer P(v | h1) = Π_i Bernoulli(v_i; σ(W1_i·h1 + b_i)). So
 *
 *   log P(v) = log Σ_h1 exp(−F_top(h1) − log Z_top + v·(W1·h1 + b) − Σ_i softplus(W1_i·h1 + b_i)),
 *
 * computed by enumerating h1 (2^H1 states) in chunks combined in float64, as in
 * `exact-likelihood.ts`. This is the quantity Salakhutdinov & Murray (2008) bound and estimate
 * for DBNs on MNIST; here it is exact, for comparing a DBN with a DBM or an RBM of the same size.
 *
 * Complexity O(2^H1 · (n + H2) · (V + H1)) for n rows.
 *
 * References: G. E. Hinton, S. Osindero & Y.-W. Teh (2006), "A fast learning algorithm for deep
 * belief nets"; R. Salakhutdinov & I. Murray (2008), "On the quantitative analysis of deep belief
 * networks", ICML, sect. 4.
 */
import { ValidationError, tf } from '@gradlab/core';
import { DBN } from './deep-belief-net.js';
import { ENUMERATION_CHUNK, MAX_EXACT_UNITS, binaryStates, logAddExp, exactLogPartition } from './exact-likelihood.js';

/**
 * log P(v) of each row under a two-RBM DBN with binary units.
 * @param dbn a DBN of depth 2 with Bernoulli units throughout and H1 ≤ 25 (not changed)
 * @param v [n, V] (not changed)
 * @returns float64 log-probabilities, one per row
 * @throws ValidationError for another depth, Gaussian units, or H1 > 25
 * @example const lp = dbnLogProbability(dbn, x);
 */
export function dbnLogProbability(dbn: DBN, v: tf.Tensor): Float64Array {
  const where = 'dbnLogProbability';
  if (!(dbn instanceof DBN)) throw new ValidationError(`${where}: expected dbn to be a DBN, got ${typeof dbn}`);
  if (dbn.depth !== 2) throw new ValidationError(`${where}: expected a DBN of two RBMs, got ${dbn.depth}`);
  const [bottom, top] = dbn.layers as [DBN['layers'][number], DBN['layers'][number]];
  if (bottom.visibleType !== 'bernoulli' || top.hiddenType !== 'bernoulli') {
    throw new ValidationError(`${where}: expected binary units in every layer, got visible "${bottom.visibleType}" and top hidden "${top.hiddenType}"`);
  }
  const H1 = bottom.numHidden;
  if (H1 > MAX_EXACT_UNITS) throw new ValidationError(`${where}: expected the first hidden layer to have at most ${MAX_EXACT_UNITS} units (it is enumerated), got ${H1}`);
  bottom.checkVisible(v, where);
  const logZTop = exactLogPartition(top);
  const n = v.shape[0]!;
  const acc = new Float64Array(n).fill(-Infinity);
  const wt = bottom.transposedWeight(); // [H1, V]
  const vw = tf.tidy(() => tf.matMul(v as tf.Tensor2D, bottom.weight as tf.Tensor2D)); // [n, H1]
  const vb = tf.tidy(() => tf.sum(tf.mul(v, bottom.visibleBias), 1));
  try {
    const total = 2 ** H1;
    for (let start = 0; start < total; start += ENUMERATION_CHUNK) {
      const count = Math.min(ENUMERATION_CHUNK, total - start);
      const part = tf.tidy(() => {
        const h1 = binaryStates(H1, start, count);
        const prior = tf.neg(top.freeEnergy(h1)); // [K], before − log Z_top
        const normaliser = tf.sum(tf.softplus(tf.add(tf.matMul(h1, wt), bottom.visibleBias)), 1); // [K]
        const cross = tf.matMul(vw, tf.transpose(h1)); // [n, K]
        return tf.logSumExp(tf.add(cross, tf.sub(prior, normaliser)), 1);
      });
      const values = part.dataSync();
      part.dispose();
      for (let i = 0; i < n; i++) acc[i] = logAddExp(acc[i]!, values[i]!);
    }
    const bias = vb.dataSync();
    return Float64Array.from(acc, (a, i) => a + bias[i]! - logZTop);
  } finally {
    tf.dispose([vw, vb]);
  }
}

/**
 * Average exact log-likelihood (1/n) Σ log P(v_n) of a two-RBM DBN, in nats.
 * @param v data [n, V]
 */
export function dbnExactLogLikelihood(dbn: DBN, v: tf.Tensor): number {
  const lp = dbnLogProbability(dbn, v);
  let s = 0;
  for (const x of lp) s += x;
  return s / lp.length;
}

