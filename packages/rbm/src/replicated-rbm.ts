/**
 * The modified RBMs of Salakhutdinov & Hinton (2009, sect. 3.1) used to pretrain a deep Boltzmann
 * machine greedily. A binary RBM in which one layer is replicated twice with tied weights:
 *
 * - **bottom** (`replicated: 'visible'`): two copies of v share W, so the hidden units get
 *   doubled bottom-up input, P(h_j = 1 | v) = σ(2·v·W_j + c_j), while P(v_i = 1 | h) = σ(W_i·h + b_i);
 * - **top** (`replicated: 'hidden'`): two copies of h share W, so the visible units get doubled
 *   top-down input, P(v_i = 1 | h) = σ(2·W_i·h + b_i), while P(h_j = 1 | v) = σ(v·W_j + c_j).
 *
 * When the two are composed into a DBM, the middle layer receives input from both v and h2, and
 * each of the two doubled inputs is halved back to one (see `deep-boltzmann-machine.ts`), which
 * is what makes the pretrained RBMs a sensible start for the DBM rather than a double count.
 *
 * With r_v copies of v and r_h copies of h, every copy of one layer joined to every copy of the
 * other by W, the energy at equal copies and the two free energies are
 *   E(v, h) = −r_v·b·v − r_h·c·h − r_v·r_h·v·W·h,
 *   F(v)    = −r_v·b·v − r_h·Σ_j softplus(r_v·v·W_j + c_j)   (the r_h copies of h summed out independently),
 *   F_h(h)  = −r_h·c·h − r_v·Σ_i softplus(r_h·W_i·h + b_i)   (the r_v copies of v summed out independently),
 * so `exactLogPartition` gives the replicated model's log Z when it enumerates the layer that is
 * not replicated ('hidden' for the bottom RBM, 'visible' for the top one),
 * and the conditionals above are those of one copy given the other layer. CD / PCD train it as
 * any RBM (`ContrastiveDivergence` uses only the conditionals): the update v·P(h | v)ᵀ on the data
 * minus the same on the chain (the true gradient of the replicated model with tied weights is r_v·r_h
 * times that; the factor is absorbed into the learning rate).
 *
 * References: R. Salakhutdinov & G. E. Hinton (2009), "Deep Boltzmann machines", AISTATS,
 * sect. 3.1; R. Salakhutdinov & G. E. Hinton (2012), "An efficient learning procedure for deep
 * Boltzmann machines", Neural Computation 24(8).
 */
import { ValidationError, tf, type Rng } from '@gradlab/core';
import { RBM } from './rbm.js';
import type { RBMParams } from './rbm.js';
import { rbmConstructorArgs } from './rbm-init.js';
import type { RBMConfig } from './rbm-init.js';

/** Which layer of a {@link ReplicatedRBM} is doubled: 'visible' (DBM bottom), 'hidden' (DBM top). */
export type ReplicatedLayer = 'visible' | 'hidden';

/** Options of {@link ReplicatedRBM}: an {@link RBMConfig} plus the replicated layer. */
export interface ReplicatedRBMConfig extends RBMConfig {
  /** 'visible': doubled bottom-up input (bottom RBM); 'hidden': doubled top-down input (top RBM). */
  replicated: ReplicatedLayer;
}

/** A binary RBM with one layer replicated twice (tied weights); see the file comment. */
export class ReplicatedRBM extends RBM {
  readonly visibleType = 'bernoulli' as const;
  protected readonly where = 'ReplicatedRBM';
  /** The replicated layer. */
  readonly replicated: ReplicatedLayer;
  /** Copies of v: 2 when the visible layer is replicated, else 1. */
  private readonly rv: number;
  /** Copies of h: 2 when the hidden layer is replicated, else 1. */
  private readonly rh: number;

  /**
   * @param config sizes, initialisation and `replicated`
   * @param rng initial weights from `rng.fork('weight')`
   * @throws ValidationError naming a bad field
   */
  constructor(config: ReplicatedRBMConfig, rng: Rng);
  /** @internal used by {@link ReplicatedRBM.withParams} */
  constructor(config: { params: RBMParams; replicated: ReplicatedLayer });
  constructor(config: ReplicatedRBMConfig | { params: RBMParams; replicated: ReplicatedLayer }, rng?: Rng) {
    const replicated = config?.replicated;
    if (replicated !== 'visible' && replicated !== 'hidden') {
      throw new ValidationError(`ReplicatedRBM: expected replicated to be one of "visible", "hidden", got ${JSON.stringify(replicated)}`);
    }
    const { replicated: _r, ...rest } = config;
    super(...rbmConstructorArgs('ReplicatedRBM', rest as RBMConfig | { params: RBMParams }, 'bernoulli', rng));
    this.replicated = replicated;
    this.rv = replicated === 'visible' ? 2 : 1;
    this.rh = replicated === 'hidden' ? 2 : 1;
  }

  /** Hidden total input r_v·v·W + c [batch, hidden]. */
  override hiddenInput(v: tf.Tensor): tf.Tensor2D {
    this.checkVisible(v, 'hiddenInput');
    return tf.tidy(() => tf.add(tf.mul(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), this.rv), this.hiddenBias));
  }

  /** P(h = 1 | v) = σ(r_v·v·W + c) [batch, hidden]. */
  override meanHidden(v: tf.Tensor): tf.Tensor2D {
    const x = this.hiddenInput(v);
    const p = tf.tidy(() => tf.sigmoid(x) as tf.Tensor2D);
    x.dispose();
    return p;
  }

  /** Visible total input r_h·h·Wᵀ + b [batch, visible]. */
  override visibleInput(h: tf.Tensor): tf.Tensor2D {
    this.checkHidden(h, 'visibleInput');
    const wt = this.transposedWeight();
    return tf.tidy(() => tf.add(tf.mul(tf.matMul(h as tf.Tensor2D, wt), this.rh), this.visibleBias));
  }

  /** P(v = 1 | h) = σ(r_h·h·Wᵀ + b) [batch, visible]. */
  meanVisible(h: tf.Tensor): tf.Tensor2D {
    const x = this.visibleInput(h);
    const p = tf.tidy(() => tf.sigmoid(x) as tf.Tensor2D);
    x.dispose();
    return p;
  }

  /** Bernoulli draws with P(v = 1) = `mean`. */
  sampleVisibleGivenMean(mean: tf.Tensor, rng: Rng): tf.Tensor2D {
    return rng.bernoulliTensor(mean) as tf.Tensor2D;
  }

  /** A ReplicatedRBM of the same kind holding copies of `params`. */
  withParams(params: RBMParams): ReplicatedRBM {
    return new ReplicatedRBM({ params, replicated: this.replicated });
  }

  /** F(v) = −r_v·b·v − r_h·Σ_j softplus(r_v·v·W_j + c_j) [batch]. */
  freeEnergy(v: tf.Tensor): tf.Tensor1D {
    this.checkVisible(v, 'freeEnergy');
    return tf.tidy(() => {
      const x = tf.add(tf.mul(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), this.rv), this.hiddenBias);
      const vb = tf.mul(tf.sum(tf.mul(v, this.visibleBias), 1), this.rv);
      return tf.neg(tf.add(vb, tf.mul(tf.sum(tf.softplus(x), 1), this.rh))) as tf.Tensor1D;
    });
  }

  /** F_h(h) = −r_h·c·h − r_v·Σ_i softplus(r_h·W_i·h + b_i) [batch]. */
  hiddenFreeEnergy(h: tf.Tensor): tf.Tensor1D {
    this.checkHidden(h, 'hiddenFreeEnergy');
    const wt = this.transposedWeight();
    return tf.tidy(() => {
      const x = tf.add(tf.mul(tf.matMul(h as tf.Tensor2D, wt), this.rh), this.visibleBias);
      const hc = tf.mul(tf.sum(tf.mul(h, this.hiddenBias), 1), this.rh);
      return tf.neg(tf.add(hc, tf.mul(tf.sum(tf.softplus(x), 1), this.rv))) as tf.Tensor1D;
    });
  }

  /** E(v, h) = −r_v·b·v − r_h·c·h − r_v·r_h·v·W·h [batch]. */
  energy(v: tf.Tensor, h: tf.Tensor): tf.Tensor1D {
    this.checkVisible(v, 'energy');
    this.checkHidden(h, 'energy');
    return tf.tidy(() => {
      const vwh = tf.sum(tf.mul(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), h), 1);
      const vb = tf.sum(tf.mul(v, this.visibleBias), 1);
      const hc = tf.sum(tf.mul(h, this.hiddenBias), 1);
      return tf.neg(tf.add(tf.add(tf.mul(vb, this.rv), tf.mul(hc, this.rh)), tf.mul(vwh, this.rv * this.rh))) as tf.Tensor1D;
    });
  }
}
