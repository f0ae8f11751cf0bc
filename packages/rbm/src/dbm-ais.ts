/**
 * Annealed importance sampling for a two-hidden-layer DBM, for models too large to enumerate.
 *
 * A two-hidden-layer DBM is bipartite: its layers split into {h1} and {v, h2}, with no
 * connections inside either side. So it *is* an RBM with h1 as its "visible" layer and the
 * concatenation [v, h2] as its "hidden" layer, weights [W1ᵀ | W2] [H1, V + H2], "visible" bias c1
 * and "hidden" bias [b, c2]; the two have the same energy, hence the same partition function.
 * `dbmAnnealedImportanceSampling` builds that RBM and runs the package's RBM AIS on it
 * (Salakhutdinov & Murray 2008), which anneals over h1 with v and h2 summed out exactly.
 *
 * With log Ẑ from here, `meanFieldLowerBound(dbm, v, dbm.meanField(v), logẐ)` is the estimated
 * lower bound on log P(v) that the paper reports for MNIST.
 *
 * References: R. Salakhutdinov & G. E. Hinton (2009), "Deep Boltzmann machines", AISTATS, sect. 4;
 * R. Salakhutdinov & I. Murray (2008), "On the quantitative analysis of deep belief networks", ICML.
 */
import { ValidationError, tf, type Rng } from '@gradlab/core';
import { annealedImportanceSampling } from './annealed-importance-sampling.js';
import type { AISConfig, AISResult } from './annealed-importance-sampling.js';
import { BernoulliRBM } from './bernoulli-rbm.js';
import { DBM } from './deep-boltzmann-machine.js';

/**
 * The DBM as an RBM over h1 ("visible", H1 units) and [v, h2] ("hidden", V + H2 units), with the
 * same energy and partition function.
 * @returns a new BernoulliRBM (the caller disposes it)
 */
export function dbmAsBipartiteRBM(dbm: DBM): BernoulliRBM {
  if (!(dbm instanceof DBM)) throw new ValidationError(`dbmAsBipartiteRBM: expected dbm to be a DBM, got ${typeof dbm}`);
  const { w1 } = dbm.transposed();
  const params = tf.tidy(() => ({
    weight: tf.concat([w1, dbm.weight2], 1), // [H1, V + H2]
    visibleBias: tf.clone(dbm.hiddenBias1),
    hiddenBias: tf.concat([dbm.visibleBias, dbm.hiddenBias2]),
  }));
  try {
    return BernoulliRBM.fromParams(params);
  } finally {
    tf.dispose(Object.values(params));
  }
}

/**
 * Estimates log Z of a DBM by AIS over its first hidden layer.
 * @param dbm the model (not changed)
 * @param rng random stream for the runs
 * @param config the RBM AIS options `{ numRuns = 100, numBetas = 14500, betas }`; `data`, when given, is
 *   first-hidden-layer activity [n, H1] (e.g. the mean-field μ1 of the training data) for the base-rate model
 * @returns log Ẑ with its standard error and ±3σ̂ interval
 * @example const { logZ } = dbmAnnealedImportanceSampling(dbm, rng.fork('ais'), { numRuns: 100 });
 */
export function dbmAnnealedImportanceSampling(dbm: DBM, rng: Rng, config: AISConfig = {}): AISResult {
  const rbm = dbmAsBipartiteRBM(dbm);
  try {
    return annealedImportanceSampling(rbm, rng, config);
  } finally {
    rbm.dispose();
  }
}
