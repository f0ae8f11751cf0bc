/**
 * Bernoulli restricted Boltzmann machine: binary visible and binary hidden units with energy
 *
 *   E(v, h) = −b·v − c·h − v·W·h,
 *   P(h_j = 1 | v) = σ(v·W_j + c_j),     P(v_i = 1 | h) = σ(W_i·h + b_i),
 *   F(v)   = −b·v − Σ_j log(1 + exp(v·W_j + c_j))          (free energy of v)
 *   F_h(h) = −c·h − Σ_i log(1 + exp(W_i·h + b_i))          (free energy of h)
 *
 * The estimator of scikit-learn's `sklearn.neural_network.BernoulliRBM` (same maths; its
 * `components_` is Wᵀ, see `rbm-safetensors.ts`), trained here by CD-k, PCD or FPCD
 * (`contrastive-divergence.ts`). Visible data in [0, 1] are accepted (probabilities act as
 * mean-field inputs, as in Hinton & Salakhutdinov's code).
 *
 * Complexity: every conditional and free energy is one [batch, V]×[V, H] matrix product,
 * O(batch·V·H); memory O(V·H).
 *
 * References: G. E. Hinton (2002), "Training products of experts by minimizing contrastive
 * divergence"; G. E. Hinton (2010), "A practical guide to training restricted Boltzmann
 * machines"; scikit-learn `sklearn/neural_network/_rbm.py`.
 */
import { tf, type Rng } from '@gradlab/core';
import { timesWeight } from './fresh-weight-product.js';
import { RBM } from './rbm.js';
import type { RBMParams } from './rbm.js';
import { rbmConstructorArgs } from './rbm-init.js';
import type { RBMConfig } from './rbm-init.js';

/** Options of {@link BernoulliRBM}; see {@link RBMConfig}. */
export type BernoulliRBMConfig = RBMConfig;

/**
 * A restricted Boltzmann machine with binary visible and hidden units.
 *
 * Parameters: `numVisible` V ≥ 1, `numHidden` H ≥ 1, `weightStd` (default 0.01),
 * `visibleMeans` (default: visible biases 0), `hiddenBias` (default 0).
 * Shapes: visible states [batch, V], hidden states [batch, H]; W [V, H], b [V], c [H].
 * @example
 * const rbm = new BernoulliRBM({ numVisible: 16, numHidden: 12, visibleMeans: dataMeans }, rng.fork('init'));
 * trainRBM(rbm, x, { epochs: 100, method: 'pcd', learningRate: 0.05 }, rng.fork('train'));
 * const f = rbm.freeEnergy(x); // [batch]
 * rbm.dispose();
 */
export class BernoulliRBM extends RBM {
  readonly visibleType = 'bernoulli' as const;
  protected readonly where = 'BernoulliRBM';

  /**
   * @param config sizes and initialisation, see {@link RBMConfig}
   * @param rng initial weights are drawn from `rng.fork('weight')`
   * @throws ValidationError naming a bad field, e.g. `BernoulliRBM: expected numHidden to be a positive integer, got 0`
   */
  constructor(config: BernoulliRBMConfig, rng: Rng);
  /** @internal used by {@link BernoulliRBM.fromParams} */
  constructor(config: { params: RBMParams });
  constructor(config: BernoulliRBMConfig | { params: RBMParams }, rng?: Rng) {
    super(...rbmConstructorArgs('BernoulliRBM', config, 'bernoulli', rng));
  }

  /**
   * A model holding copies of the given parameters.
   * @param params W [V, H], b [V], c [H] (not disposed)
   * @throws ShapeError when the shapes do not fit together
   */
  static fromParams(params: RBMParams): BernoulliRBM {
    return new BernoulliRBM({ params });
  }

  /** P(v = 1 | h) = σ(h·Wᵀ + b) [batch, visible]. */
  meanVisible(h: tf.Tensor): tf.Tensor2D {
    this.checkHidden(h, 'meanVisible');
    return tf.tidy(() => tf.sigmoid(tf.add(timesWeight(h as tf.Tensor2D, () => this.transposedWeight(), () => this.weight as tf.Tensor2D), this.visibleBias)) as tf.Tensor2D);
  }

  /** Bernoulli draws with P(v = 1) = `mean` [batch, visible]. */
  sampleVisibleGivenMean(mean: tf.Tensor, rng: Rng): tf.Tensor2D {
    return rng.bernoulliTensor(mean) as tf.Tensor2D;
  }

  /** A BernoulliRBM holding copies of `params`. */
  withParams(params: RBMParams): BernoulliRBM {
    return BernoulliRBM.fromParams(params);
  }

  /** F(v) = −b·v − Σ_j softplus(v·W_j + c_j) [batch]; sklearn's `_free_energy`. */
  freeEnergy(v: tf.Tensor): tf.Tensor1D {
    this.checkVisible(v, 'freeEnergy');
    return tf.tidy(() => {
      const x = tf.add(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), this.hiddenBias);
      const vb = tf.sum(tf.mul(v, this.visibleBias), 1);
      return tf.neg(tf.add(vb, tf.sum(tf.softplus(x), 1))) as tf.Tensor1D;
    });
  }

  /** F_h(h) = −c·h − Σ_i softplus(h·Wᵀ_i + b_i) [batch]. */
  hiddenFreeEnergy(h: tf.Tensor): tf.Tensor1D {
    this.checkHidden(h, 'hiddenFreeEnergy');
    const wt = this.transposedWeight();
    return tf.tidy(() => {
      const x = tf.add(tf.matMul(h as tf.Tensor2D, wt), this.visibleBias);
      const hc = tf.sum(tf.mul(h, this.hiddenBias), 1);
      return tf.neg(tf.add(hc, tf.sum(tf.softplus(x), 1))) as tf.Tensor1D;
    });
  }

  /** E(v, h) = −b·v − c·h − v·W·h [batch]. */
  energy(v: tf.Tensor, h: tf.Tensor): tf.Tensor1D {
    this.checkVisible(v, 'energy');
    this.checkHidden(h, 'energy');
    return tf.tidy(() => {
      const vwh = tf.sum(tf.mul(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), h), 1);
      const vb = tf.sum(tf.mul(v, this.visibleBias), 1);
      const hc = tf.sum(tf.mul(h, this.hiddenBias), 1);
      return tf.neg(tf.add(tf.add(vb, hc), vwh)) as tf.Tensor1D;
    });
  }
}
