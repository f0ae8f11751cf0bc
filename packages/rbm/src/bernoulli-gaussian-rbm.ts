/**
 * Bernoulli–Gaussian restricted Boltzmann machine: binary visible units and *linear* hidden
 * units with unit-variance Gaussian noise — the top ("code") layer of Hinton & Salakhutdinov's
 * deep autoencoder (their `rbmhidlinear.m`), whose real-valued code uses the whole range
 * instead of saturating:
 *
 *   E(v, h) = −b·v − c·h + |h|²/2 − v·W·h,
 *   P(h | v) = N(v·W + c, I),            P(v_i = 1 | h) = σ(W_i·h + b_i),
 *   F(v)   = −b·v − |v·W + c|²/2 − (H/2)·log 2π,
 *   F_h(h) = |h|²/2 − c·h − Σ_i log(1 + exp(W_i·h + b_i)).
 *
 * Trained by the same CD-k / PCD code (the hidden statistics are the means v·W + c). Its log Z
 * is exact by enumerating the (binary) visible layer; AIS and the pseudo-likelihood are defined
 * here for binary hidden units only. Use a small learning rate (Hinton & Salakhutdinov: 0.001).
 *
 * Complexity: O(batch·V·H) per conditional or free energy.
 *
 * References: G. E. Hinton & R. R. Salakhutdinov (2006), "Reducing the dimensionality of data
 * with neural networks", Science 313, and its supporting code; M. Welling, M. Rosen-Zvi &
 * G. E. Hinton (2005), "Exponential family harmoniums with an application to information
 * retrieval", NIPS.
 */
import { tf, type Rng } from '@gradlab/core';
import { HALF_LOG_2PI } from './gaussian-bernoulli-rbm.js';
import { RBM } from './rbm.js';
import type { RBMParams } from './rbm.js';
import { rbmConstructorArgs } from './rbm-init.js';
import type { RBMConfig } from './rbm-init.js';

/** Options of {@link BernoulliGaussianRBM}; see {@link RBMConfig}. */
export type BernoulliGaussianRBMConfig = RBMConfig;

/**
 * An RBM with binary visible units and linear, unit-variance Gaussian hidden units.
 *
 * Parameters: `numVisible` V ≥ 1, `numHidden` H ≥ 1 (e.g. a 30-unit code), `weightStd`
 * (default 0.01), `visibleMeans`, `hiddenBias` (default 0).
 * Shapes: visible [batch, V] (0/1 or in [0, 1]), hidden [batch, H] (real).
 * @example
 * const top = new BernoulliGaussianRBM({ numVisible: 250, numHidden: 30 }, rng.fork('init'));
 * trainRBM(top, features, { epochs: 20, learningRate: 0.001 }, rng.fork('train'));
 */
export class BernoulliGaussianRBM extends RBM {
  readonly visibleType = 'bernoulli' as const;
  override readonly hiddenType = 'gaussian' as const;
  protected readonly where = 'BernoulliGaussianRBM';

  /**
   * @param config sizes and initialisation, see {@link RBMConfig}
   * @param rng initial weights are drawn from `rng.fork('weight')`
   * @throws ValidationError naming a bad field
   */
  constructor(config: BernoulliGaussianRBMConfig, rng: Rng);
  /** @internal used by {@link BernoulliGaussianRBM.fromParams} */
  constructor(config: { params: RBMParams });
  constructor(config: BernoulliGaussianRBMConfig | { params: RBMParams }, rng?: Rng) {
    super(...rbmConstructorArgs('BernoulliGaussianRBM', config, 'bernoulli', rng));
  }

  /** A model holding copies of the given parameters (W [V, H], b [V], c [H]; not disposed). */
  static fromParams(params: RBMParams): BernoulliGaussianRBM {
    return new BernoulliGaussianRBM({ params });
  }

  /** A BernoulliGaussianRBM holding copies of `params`. */
  withParams(params: RBMParams): BernoulliGaussianRBM {
    return BernoulliGaussianRBM.fromParams(params);
  }

  /** E[h | v] = v·W + c (linear). */
  protected override hiddenActivation(x: tf.Tensor): tf.Tensor {
    return x;
  }

  /** `mean` + N(0, I) noise [batch, hidden]. */
  override sampleHiddenGivenMean(mean: tf.Tensor, rng: Rng): tf.Tensor2D {
    const noise = rng.normalTensor(mean.shape);
    const h = tf.add(mean, noise) as tf.Tensor2D;
    noise.dispose();
    return h;
  }

  /** P(v = 1 | h) = σ(h·Wᵀ + b) [batch, visible]. */
  meanVisible(h: tf.Tensor): tf.Tensor2D {
    this.checkHidden(h, 'meanVisible');
    const wt = this.transposedWeight();
    return tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(h as tf.Tensor2D, wt), this.visibleBias)) as tf.Tensor2D);
  }

  /** Bernoulli draws with P(v = 1) = `mean` [batch, visible]. */
  sampleVisibleGivenMean(mean: tf.Tensor, rng: Rng): tf.Tensor2D {
    return rng.bernoulliTensor(mean) as tf.Tensor2D;
  }

  /** F(v) = −b·v − |v·W + c|²/2 − (H/2)·log 2π [batch]. */
  freeEnergy(v: tf.Tensor): tf.Tensor1D {
    this.checkVisible(v, 'freeEnergy');
    return tf.tidy(() => {
      const x = tf.add(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), this.hiddenBias);
      const vb = tf.sum(tf.mul(v, this.visibleBias), 1);
      return tf.sub(tf.neg(tf.add(vb, tf.mul(tf.sum(tf.square(x), 1), 0.5))), this.numHidden * HALF_LOG_2PI) as tf.Tensor1D;
    });
  }

  /** F_h(h) = |h|²/2 − c·h − Σ_i softplus(h·Wᵀ_i + b_i) [batch]. */
  hiddenFreeEnergy(h: tf.Tensor): tf.Tensor1D {
    this.checkHidden(h, 'hiddenFreeEnergy');
    const wt = this.transposedWeight();
    return tf.tidy(() => {
      const x = tf.add(tf.matMul(h as tf.Tensor2D, wt), this.visibleBias);
      const quad = tf.sub(tf.mul(tf.sum(tf.square(h), 1), 0.5), tf.sum(tf.mul(h, this.hiddenBias), 1));
      return tf.sub(quad, tf.sum(tf.softplus(x), 1)) as tf.Tensor1D;
    });
  }

  /** E(v, h) = −b·v − c·h + |h|²/2 − v·W·h [batch]. */
  energy(v: tf.Tensor, h: tf.Tensor): tf.Tensor1D {
    this.checkVisible(v, 'energy');
    this.checkHidden(h, 'energy');
    return tf.tidy(() => {
      const vwh = tf.sum(tf.mul(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), h), 1);
      const vb = tf.sum(tf.mul(v, this.visibleBias), 1);
      const hc = tf.sum(tf.mul(h, this.hiddenBias), 1);
      const hh = tf.mul(tf.sum(tf.square(h), 1), 0.5);
      return tf.sub(hh, tf.add(tf.add(vb, hc), vwh)) as tf.Tensor1D;
    });
  }
}
