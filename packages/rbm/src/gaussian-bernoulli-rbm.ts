/**
 * Gaussian–Bernoulli restricted Boltzmann machine: real-valued visible units with unit variance
 * and binary hidden units, for real-valued data standardised to zero mean and unit variance per
 * component (Hinton 2010, sect. 13.2):
 *
 *   E(v, h) = |v − b|²/2 − c·h − v·W·h,
 *   P(h_j = 1 | v) = σ(v·W_j + c_j),     P(v | h) = N(b + W·h, I),
 *   F(v)   = |v − b|²/2 − Σ_j log(1 + exp(v·W_j + c_j)),
 *   F_h(h) = −c·h − b·(Wh) − |Wh|²/2 − (V/2)·log 2π.
 *
 * The hidden free energy integrates v out in closed form, so log Z is exact by enumerating the
 * hidden layer (up to about 20–25 hidden units). Learning rates must be one to two orders of
 * magnitude smaller than for binary visibles (Hinton 2010): the reconstructions are unbounded.
 *
 * Complexity: O(batch·V·H) per conditional or free energy; memory O(V·H).
 *
 * References: G. E. Hinton & R. R. Salakhutdinov (2006), "Reducing the dimensionality of data
 * with neural networks", Science 313; G. E. Hinton (2010), "A practical guide to training
 * restricted Boltzmann machines", sect. 13.2; K. Cho, A. Ilin & T. Raiko (2011), "Improved
 * learning of Gaussian-Bernoulli restricted Boltzmann machines".
 */
import { tf, type Rng } from '@gradlab/core';
import { RBM } from './rbm.js';
import type { RBMParams } from './rbm.js';
import { rbmConstructorArgs } from './rbm-init.js';
import type { RBMConfig } from './rbm-init.js';

/** ½·log 2π. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Options of {@link GaussianBernoulliRBM}; see {@link RBMConfig} (`visibleMeans` = data means). */
export type GaussianBernoulliRBMConfig = RBMConfig;

/**
 * A restricted Boltzmann machine with unit-variance Gaussian visible units and binary hidden
 * units.
 *
 * Parameters: `numVisible` V ≥ 1, `numHidden` H ≥ 1, `weightStd` (default 0.01),
 * `visibleMeans` (the data means; default 0), `hiddenBias` (default 0).
 * Shapes: visible states [batch, V] (real), hidden states [batch, H] (0/1).
 * @example
 * const rbm = new GaussianBernoulliRBM({ numVisible: 2, numHidden: 8 }, rng.fork('init'));
 * trainRBM(rbm, standardised, { epochs: 50, learningRate: 0.01 }, rng.fork('train'));
 */
export class GaussianBernoulliRBM extends RBM {
  readonly visibleType = 'gaussian' as const;
  protected readonly where = 'GaussianBernoulliRBM';

  /**
   * @param config sizes and initialisation, see {@link RBMConfig}
   * @param rng initial weights are drawn from `rng.fork('weight')`
   * @throws ValidationError naming a bad field
   */
  constructor(config: GaussianBernoulliRBMConfig, rng: Rng);
  /** @internal used by {@link GaussianBernoulliRBM.fromParams} */
  constructor(config: { params: RBMParams });
  constructor(config: GaussianBernoulliRBMConfig | { params: RBMParams }, rng?: Rng) {
    super(...rbmConstructorArgs('GaussianBernoulliRBM', config, 'gaussian', rng));
  }

  /**
   * A model holding copies of the given parameters.
   * @param params W [V, H], b [V], c [H] (not disposed)
   * @throws ShapeError when the shapes do not fit together
   */
  static fromParams(params: RBMParams): GaussianBernoulliRBM {
    return new GaussianBernoulliRBM({ params });
  }

  /** E[v | h] = h·Wᵀ + b [batch, visible]. */
  meanVisible(h: tf.Tensor): tf.Tensor2D {
    return this.visibleInput(h);
  }

  /** `mean` + N(0, I) noise [batch, visible]. */
  sampleVisibleGivenMean(mean: tf.Tensor, rng: Rng): tf.Tensor2D {
    const noise = rng.normalTensor(mean.shape);
    const v = tf.add(mean, noise) as tf.Tensor2D;
    noise.dispose();
    return v;
  }

  /** A GaussianBernoulliRBM holding copies of `params`. */
  withParams(params: RBMParams): GaussianBernoulliRBM {
    return GaussianBernoulliRBM.fromParams(params);
  }

  /** F(v) = |v − b|²/2 − Σ_j softplus(v·W_j + c_j) [batch]. */
  freeEnergy(v: tf.Tensor): tf.Tensor1D {
    this.checkVisible(v, 'freeEnergy');
    return tf.tidy(() => {
      const x = tf.add(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), this.hiddenBias);
      const quad = tf.mul(tf.sum(tf.square(tf.sub(v, this.visibleBias)), 1), 0.5);
      return tf.sub(quad, tf.sum(tf.softplus(x), 1)) as tf.Tensor1D;
    });
  }

  /** F_h(h) = −c·h − b·(Wh) − |Wh|²/2 − (V/2)·log 2π [batch]. */
  hiddenFreeEnergy(h: tf.Tensor): tf.Tensor1D {
    this.checkHidden(h, 'hiddenFreeEnergy');
    const wt = this.transposedWeight();
    return tf.tidy(() => {
      const u = tf.matMul(h as tf.Tensor2D, wt); // [batch, visible]
      const hc = tf.sum(tf.mul(h, this.hiddenBias), 1);
      const bu = tf.sum(tf.mul(u, this.visibleBias), 1);
      const uu = tf.mul(tf.sum(tf.square(u), 1), 0.5);
      return tf.sub(tf.neg(tf.add(tf.add(hc, bu), uu)), this.numVisible * HALF_LOG_2PI) as tf.Tensor1D;
    });
  }

  /** E(v, h) = |v − b|²/2 − c·h − v·W·h [batch]. */
  energy(v: tf.Tensor, h: tf.Tensor): tf.Tensor1D {
    this.checkVisible(v, 'energy');
    this.checkHidden(h, 'energy');
    return tf.tidy(() => {
      const vwh = tf.sum(tf.mul(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), h), 1);
      const quad = tf.mul(tf.sum(tf.square(tf.sub(v, this.visibleBias)), 1), 0.5);
      const hc = tf.sum(tf.mul(h, this.hiddenBias), 1);
      return tf.sub(tf.sub(quad, hc), vwh) as tf.Tensor1D;
    });
  }
}
