/**
 * The restricted Boltzmann machine (Smolensky 1986; Hinton 2002): a bipartite Markov random
 * field over visible units v [V] and binary hidden units h [H] with energy
 *
 *   E(v, h) = e(v) − c·h − v·W·h,        W [V, H], visible bias b [V], hidden bias c [H],
 *
 * where e(v) is the visible term (−b·v for binary visibles, |v − b|²/2 for unit-variance
 * Gaussian ones). The hidden units are conditionally independent given v:
 * P(h_j = 1 | v) = σ(v·W_j + c_j). This file holds what every visible type shares — the
 * parameters, the hidden conditionals, Gibbs sampling, reconstruction — and declares what each
 * type defines: the visible conditionals, the energy and the two free energies.
 *
 * Weights are stored [visible, hidden] (core's `[in, out]`, so `meanHidden` and an unrolled MLP
 * need no transpose). A transposed copy Wᵀ [hidden, visible] is cached for the down-pass and
 * refreshed automatically whenever W is assigned (tfjs-wasm multiplies by a transposed operand
 * about ten times slower than by a plain one).
 *
 * References: P. Smolensky (1986), "Information processing in dynamical systems: foundations of
 * harmony theory"; G. E. Hinton (2002), "Training products of experts by minimizing contrastive
 * divergence", Neural Computation 14(8); G. E. Hinton (2010), "A practical guide to training
 * restricted Boltzmann machines", UTML TR 2010-003; A. Fischer & C. Igel (2014), "Training
 * restricted Boltzmann machines: an introduction", Pattern Recognition 47(1).
 */
import { ShapeError, ValidationError, invalidArgument, tf, type Rng } from '@gradlab/core';
import { timesWeight } from './fresh-weight-product.js';

/** Visible unit types. */
export const VISIBLE_TYPES = ['bernoulli', 'gaussian'] as const;
/** The type of the visible units: binary (`'bernoulli'`) or unit-variance Gaussian. */
export type VisibleType = (typeof VISIBLE_TYPES)[number];

/** Hidden unit types. */
export const HIDDEN_TYPES = ['bernoulli', 'gaussian'] as const;
/** The type of the hidden units: binary (`'bernoulli'`) or linear with unit-variance Gaussian noise. */
export type HiddenType = (typeof HIDDEN_TYPES)[number];

/** The three parameter tensors of an RBM, by name. */
export interface RBMParams<T extends tf.Tensor = tf.Tensor> {
  /** W [visible, hidden]. */
  weight: T;
  /** b [visible]. */
  visibleBias: T;
  /** c [hidden]. */
  hiddenBias: T;
}

/** Names of {@link RBMParams}, in a fixed order. */
export const RBM_PARAM_NAMES = ['weight', 'visibleBias', 'hiddenBias'] as const;

/** One Gibbs sweep v → h → v′. */
export interface GibbsState {
  /** The hidden sample h ~ P(h | v) [batch, hidden]. */
  hidden: tf.Tensor2D;
  /** The visible sample v′ ~ P(v | h) [batch, visible]. */
  visible: tf.Tensor2D;
}

/** A tensor owned by the model: made a variable, the source disposed. */
export function ownVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}

/**
 * Base class of {@link BernoulliRBM}, {@link GaussianBernoulliRBM} and
 * {@link BernoulliGaussianRBM}: parameters, hidden
 * conditionals and Gibbs sampling. Subclasses supply the visible conditionals and energies.
 * Every method that returns tensors returns new ones (the caller disposes them) and leaves its
 * inputs untouched.
 */
export abstract class RBM {
  /** Number of visible units V. */
  readonly numVisible: number;
  /** Number of hidden units H. */
  readonly numHidden: number;
  /** Visible unit type. */
  abstract readonly visibleType: VisibleType;
  /** Hidden unit type ('bernoulli' except in {@link BernoulliGaussianRBM}). */
  readonly hiddenType: HiddenType = 'bernoulli';
  /** Name used in error messages. */
  protected abstract readonly where: string;
  /** W [visible, hidden]. */
  readonly weight: tf.Variable;
  /** b [visible]. */
  readonly visibleBias: tf.Variable;
  /** c [hidden]. */
  readonly hiddenBias: tf.Variable;
  private transposed: tf.Tensor2D | undefined;
  private transposedOf: object | undefined;
  private disposed = false;

  protected constructor(numVisible: number, numHidden: number, params: RBMParams) {
    this.numVisible = numVisible;
    this.numHidden = numHidden;
    this.weight = ownVariable(params.weight);
    this.visibleBias = ownVariable(params.visibleBias);
    this.hiddenBias = ownVariable(params.hiddenBias);
  }

  /** The trainable parameters by name (the variables themselves, for an optimiser). */
  get params(): Record<(typeof RBM_PARAM_NAMES)[number], tf.Variable> {
    return { weight: this.weight, visibleBias: this.visibleBias, hiddenBias: this.hiddenBias };
  }

  /**
   * Wᵀ [hidden, visible], cached until W is next assigned (the cache is keyed on the storage
   * of W, which `Variable.assign` replaces). Owned by the model: do not dispose.
   */
  transposedWeight(): tf.Tensor2D {
    this.checkLive();
    const id = this.weight.dataId as object;
    if (this.transposed === undefined || this.transposedOf !== id) {
      this.transposed?.dispose();
      this.transposed = tf.tidy(() => tf.keep(tf.transpose(this.weight) as tf.Tensor2D));
      this.transposedOf = id;
    }
    return this.transposed;
  }

  /**
   * Hidden total input v·W + c.
   * @param v visible states [batch, visible]
   * @returns [batch, hidden]
   */
  hiddenInput(v: tf.Tensor): tf.Tensor2D {
    this.checkVisible(v, 'hiddenInput');
    return tf.tidy(() => tf.add(tf.matMul(v as tf.Tensor2D, this.weight as tf.Tensor2D), this.hiddenBias));
  }

  /**
   * E[h | v]: P(h = 1 | v) = σ(v·W + c) for binary hiddens (sklearn's `_mean_hiddens`), v·W + c
   * for linear Gaussian ones.
   * @param v visible states [batch, visible]
   * @returns [batch, hidden]
   */
  meanHidden(v: tf.Tensor): tf.Tensor2D {
    this.checkVisible(v, 'meanHidden');
    return tf.tidy(() => this.hiddenActivation(tf.add(timesWeight(v as tf.Tensor2D, () => this.weight as tf.Tensor2D, () => this.transposedWeight()), this.hiddenBias)) as tf.Tensor2D);
  }

  /** E[h | v] from the total input x = v·W + c: σ(x) for binary hiddens. Called inside tidy. */
  protected hiddenActivation(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(x);
  }

  /**
   * A sample from P(h | v) given its mean E[h | v]: Bernoulli draws for binary hiddens, mean +
   * N(0, 1) noise for linear Gaussian ones.
   * @param mean [batch, hidden] (not disposed)
   * @returns [batch, hidden]
   */
  sampleHiddenGivenMean(mean: tf.Tensor, rng: Rng): tf.Tensor2D {
    return rng.bernoulliTensor(mean) as tf.Tensor2D;
  }

  /**
   * A sample h ~ P(h | v) drawn with `rng` (0/1 for binary hiddens).
   * @param v visible states [batch, visible]
   * @returns [batch, hidden]
   */
  sampleHidden(v: tf.Tensor, rng: Rng): tf.Tensor2D {
    const p = this.meanHidden(v);
    const h = this.sampleHiddenGivenMean(p, rng);
    p.dispose();
    return h;
  }

  /**
   * Visible total input h·Wᵀ + b (the mean of P(v | h) for Gaussian visibles).
   * @param h hidden states [batch, hidden]
   * @returns [batch, visible]
   */
  visibleInput(h: tf.Tensor): tf.Tensor2D {
    this.checkHidden(h, 'visibleInput');
    const wt = this.transposedWeight();
    return tf.tidy(() => tf.add(tf.matMul(h as tf.Tensor2D, wt), this.visibleBias));
  }

  /**
   * E[v | h]: σ(h·Wᵀ + b) for binary visibles, h·Wᵀ + b for Gaussian ones.
   * @param h hidden states [batch, hidden]
   * @returns [batch, visible]
   */
  abstract meanVisible(h: tf.Tensor): tf.Tensor2D;

  /**
   * A sample from P(v | h) given its mean E[v | h] (from {@link RBM.meanVisible}): Bernoulli
   * draws for binary visibles, mean + N(0, 1) noise for Gaussian ones.
   * @param mean [batch, visible] (not disposed)
   * @returns [batch, visible]
   */
  abstract sampleVisibleGivenMean(mean: tf.Tensor, rng: Rng): tf.Tensor2D;

  /**
   * An RBM of the same type holding copies of `params` (used for the fast-weight chains of
   * FPCD and for annealed models).
   */
  abstract withParams(params: RBMParams): RBM;

  /**
   * A sample v ~ P(v | h) drawn with `rng`: 0/1 for binary visibles, N(h·Wᵀ + b, I) for
   * Gaussian ones.
   * @param h hidden states [batch, hidden]
   * @returns [batch, visible]
   */
  sampleVisible(h: tf.Tensor, rng: Rng): tf.Tensor2D {
    const mean = this.meanVisible(h);
    const v = this.sampleVisibleGivenMean(mean, rng);
    mean.dispose();
    return v;
  }

  /**
   * Free energy F(v) = −log Σ_h exp(−E(v, h)), so P(v) = exp(−F(v)) / Z.
   * @param v visible states [batch, visible]
   * @returns [batch]
   */
  abstract freeEnergy(v: tf.Tensor): tf.Tensor1D;

  /**
   * Free energy of the hidden layer F_h(h) = −log ∫ exp(−E(v, h)) dv (a sum for binary
   * visibles), so P(h) = exp(−F_h(h)) / Z. Used to enumerate the hidden layer for log Z.
   * @param h hidden states [batch, hidden]
   * @returns [batch]
   */
  abstract hiddenFreeEnergy(h: tf.Tensor): tf.Tensor1D;

  /**
   * Energy E(v, h) of joint states.
   * @param v [batch, visible]
   * @param h [batch, hidden]
   * @returns [batch]
   */
  abstract energy(v: tf.Tensor, h: tf.Tensor): tf.Tensor1D;

  /**
   * One block Gibbs sweep: h ~ P(h | v), then v′ ~ P(v | h). sklearn's `gibbs` returns
   * `visible` of this.
   * @param v visible states [batch, visible]
   * @param rng random stream for both draws
   */
  gibbsStep(v: tf.Tensor, rng: Rng): GibbsState {
    const hidden = this.sampleHidden(v, rng);
    const visible = this.sampleVisible(hidden, rng);
    return { hidden, visible };
  }

  /**
   * `steps` Gibbs sweeps from v; returns the last visible sample.
   * @param v start states [batch, visible] (not disposed)
   * @param steps number of sweeps, a non-negative integer (0 returns a copy of v)
   * @returns [batch, visible]
   */
  gibbs(v: tf.Tensor, steps: number, rng: Rng): tf.Tensor2D {
    if (!Number.isSafeInteger(steps) || steps < 0) throw invalidArgument(`${this.where}.gibbs`, 'steps', steps, 'a non-negative integer');
    this.checkVisible(v, 'gibbs');
    let current = tf.clone(v) as tf.Tensor2D;
    for (let s = 0; s < steps; s++) {
      const { hidden, visible } = this.gibbsStep(current, rng);
      hidden.dispose();
      current.dispose();
      current = visible;
    }
    return current;
  }

  /**
   * Deterministic mean-field reconstruction E[v | h = P(h | v)] (the "reconstruction" of
   * Hinton's guide, sect. 5, with probabilities in place of samples).
   * @param v [batch, visible]
   * @returns [batch, visible]
   */
  reconstruct(v: tf.Tensor): tf.Tensor2D {
    const p = this.meanHidden(v);
    const r = this.meanVisible(p);
    p.dispose();
    return r;
  }

  /**
   * Replaces parameters by copies of the given tensors (any subset); shapes must match.
   * @throws ShapeError naming the parameter
   */
  setParams(values: Partial<RBMParams>): void {
    this.checkLive();
    for (const name of RBM_PARAM_NAMES) {
      const t = values[name];
      if (t === undefined) continue;
      const target = this[name];
      if (t.shape.join(',') !== target.shape.join(',')) {
        throw new ShapeError(`${this.where}.setParams: expected ${name} of shape [${target.shape}], got [${t.shape}]`);
      }
      tf.tidy(() => target.assign(tf.cast(t, 'float32')));
    }
  }

  /** Copies of the parameters (the caller disposes them). */
  getParams(): RBMParams {
    this.checkLive();
    return { weight: tf.clone(this.weight), visibleBias: tf.clone(this.visibleBias), hiddenBias: tf.clone(this.hiddenBias) };
  }

  /** Whether {@link RBM.dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the parameters and the cached transpose. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.transposed?.dispose();
    this.transposed = undefined;
    tf.dispose([this.weight, this.visibleBias, this.hiddenBias]);
  }

  /** @throws ShapeError unless v is [batch, visible] */
  checkVisible(v: tf.Tensor, method: string): void {
    this.checkLive();
    if (!(v instanceof tf.Tensor)) throw invalidArgument(`${this.where}.${method}`, 'v', v, `a tf.Tensor of shape [batch, ${this.numVisible}]`);
    if (v.rank !== 2 || v.shape[1] !== this.numVisible) {
      throw new ShapeError(`${this.where}.${method}: expected visible states of shape [batch, ${this.numVisible}], got [${v.shape}]`);
    }
  }

  /** @throws ShapeError unless h is [batch, hidden] */
  checkHidden(h: tf.Tensor, method: string): void {
    this.checkLive();
    if (!(h instanceof tf.Tensor)) throw invalidArgument(`${this.where}.${method}`, 'h', h, `a tf.Tensor of shape [batch, ${this.numHidden}]`);
    if (h.rank !== 2 || h.shape[1] !== this.numHidden) {
      throw new ShapeError(`${this.where}.${method}: expected hidden states of shape [batch, ${this.numHidden}], got [${h.shape}]`);
    }
  }

  private checkLive(): void {
    if (this.disposed) throw new ValidationError(`${this.where}: this model was disposed`);
  }
}
