/**
 * Contrastive divergence and its persistent variants for training RBMs.
 *
 * The log-likelihood gradient of an RBM is a difference of two expectations,
 *   ∂ log P(v) / ∂W = E_data[v·P(h | v)ᵀ] − E_model[v·P(h | v)ᵀ],
 * and the methods differ in where the negative ("model") samples come from:
 *
 * - **CD-k** (Hinton 2002): a k-step Gibbs chain started at each training vector; the chain's
 *   hidden layer is sampled at every step, its visible layer is sampled at intermediate steps
 *   and, at the last step, either sampled or replaced by its mean E[v | h] (`negativeVisible:
 *   'mean'`, Hinton & Salakhutdinov's code and Hinton's guide, sect. 3).
 * - **PCD** (Tieleman 2008; Younes 1989): persistent chains carried across minibatches, each
 *   advanced k Gibbs steps per update with sampled visibles.
 * - **FPCD** (Tieleman & Hinton 2009): PCD whose chains run with regular + fast weights; the
 *   fast weights take the same update with their own learning rate and decay by 19/20 per step,
 *   which pushes the chains away from modes they have just visited.
 *
 * The update (Hinton 2010, sects. 9–11): gradient ascent with momentum (core SGD, whose
 * buffer b = μ·b + d and step θ −= η·b match Hinton & Salakhutdinov's increments exactly),
 * L2 weight cost on W only, and an optional sparsity target q → p on the hidden units.
 *
 * Cost per update: CD-k 2k + 2 matrix products of [batch, V]×[V, H] size, PCD 2k + 3 (one more
 * for the reconstruction error when tracked), FPCD two more for the chain parameters' sum.
 *
 * References: G. E. Hinton (2002), "Training products of experts by minimizing contrastive
 * divergence", Neural Computation 14(8); T. Tieleman (2008), "Training restricted Boltzmann
 * machines using approximations to the likelihood gradient", ICML; T. Tieleman & G. E. Hinton
 * (2009), "Using fast weights to improve persistent contrastive divergence", ICML; G. E. Hinton
 * (2010), "A practical guide to training restricted Boltzmann machines", UTML TR 2010-003;
 * H. Lee, C. Ekanadham & A. Ng (2008), "Sparse deep belief net model for visual area V2".
 */
import {
  SGD,
  ShapeError,
  ValidationError,
  nonNegativeNumber,
  oneOf,
  parseOptions,
  positiveInt,
  positiveNumber,
  tf,
  type Rng,
  type WatchedActivation,
  type Watcher,
} from '@gradlab/core';
import { z } from 'zod';
import { RBM, RBM_PARAM_NAMES } from './rbm.js';
import type { RBMParams } from './rbm.js';
import { ALONE, isRecorded, watchedStep } from './watched-step.js';
import type { WatchPlacement } from './watched-step.js';

/** Training methods: contrastive divergence, persistent CD, fast-weights persistent CD. */
export const CD_METHODS = ['cd', 'pcd', 'fpcd'] as const;
/** A training method, see {@link CD_METHODS}. */
export type CDMethod = (typeof CD_METHODS)[number];
/** What the last visible state of a CD chain is: a sample, or its mean E[v | h]. */
export const NEGATIVE_VISIBLE_MODES = ['mean', 'sample'] as const;
/** See {@link NEGATIVE_VISIBLE_MODES}. */
export type NegativeVisibleMode = (typeof NEGATIVE_VISIBLE_MODES)[number];

/** Options of {@link ContrastiveDivergence}. */
export interface ContrastiveDivergenceConfig {
  /** 'cd' (default), 'pcd' or 'fpcd'. */
  method?: CDMethod;
  /** Gibbs steps per update k ≥ 1 (default 1; CD-10 and PCD-1 are the classic comparisons). */
  k?: number;
  /**
   * Learning rate η > 0. Default 0.1 for binary visibles (Hinton & Salakhutdinov's epsilonw),
   * 0.01 for Gaussian visibles (which need 10–100× smaller, Hinton 2010 sect. 13.2).
   */
  learningRate?: number;
  /** Momentum μ in [0, 1) (default 0.5; `trainRBM` switches to 0.9 after 5 epochs). Settable between steps. */
  momentum?: number;
  /** L2 weight cost λ ≥ 0 on W (not on biases) (default 2e-4; range 1e-5–1e-2, Hinton 2010 sect. 10). */
  weightCost?: number;
  /** Target mean activation p of each hidden unit in (0, 1) (default: no sparsity penalty; typical 0.01–0.1). */
  sparsityTarget?: number;
  /** Weight of the sparsity penalty ≥ 0 (default 0.01 when a target is given). */
  sparsityCost?: number;
  /** Decay of the running estimate q of each hidden unit's mean activation, in [0, 1) (default 0.95). */
  sparsityDecay?: number;
  /** CD only: the last visible state is its mean ('mean', default) or a sample ('sample'). */
  negativeVisible?: NegativeVisibleMode;
  /** PCD / FPCD: number of persistent chains (default: the size of the first minibatch). */
  numChains?: number;
  /** FPCD: learning rate of the fast weights > 0 (default: `learningRate`). */
  fastLearningRate?: number;
  /** FPCD: factor the fast weights decay by at every update, in [0, 1) (default 19/20, Tieleman & Hinton 2009). */
  fastWeightDecay?: number;
  /** Accumulate the reconstruction error of each minibatch (default true; costs one product for PCD). */
  trackReconstruction?: boolean;
}

/** Defaults of {@link ContrastiveDivergenceConfig}. */
export const CD_DEFAULTS = Object.freeze({
  method: 'cd' as CDMethod,
  k: 1,
  learningRate: 0.1,
  gaussianLearningRate: 0.01,
  momentum: 0.5,
  weightCost: 2e-4,
  sparsityCost: 0.01,
  sparsityDecay: 0.95,
  negativeVisible: 'mean' as NegativeVisibleMode,
  fastWeightDecay: 19 / 20,
  trackReconstruction: true,
});

const unitInterval = () =>
  z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' });
const openUnit = () =>
  z.number({ error: 'a number in (0, 1)' }).gt(0, { error: 'a number in (0, 1)' }).lt(1, { error: 'a number in (0, 1)' });

const cdSchema = z.strictObject({
  method: oneOf(CD_METHODS).optional(),
  k: positiveInt().optional(),
  learningRate: positiveNumber().optional(),
  momentum: unitInterval().optional(),
  weightCost: nonNegativeNumber().optional(),
  sparsityTarget: openUnit().optional(),
  sparsityCost: nonNegativeNumber().optional(),
  sparsityDecay: unitInterval().optional(),
  negativeVisible: oneOf(NEGATIVE_VISIBLE_MODES).optional(),
  numChains: positiveInt().optional(),
  fastLearningRate: positiveNumber().optional(),
  fastWeightDecay: unitInterval().optional(),
  trackReconstruction: z.boolean({ error: 'a boolean' }).optional(),
});

/** Zod schema of {@link ContrastiveDivergenceConfig} (reused by `trainRBM`). */
export const contrastiveDivergenceSchema = cdSchema;

/** The ascent direction of one update and what produced it; every tensor owned by the caller. */
export interface CDStatistics extends RBMParams {
  /** The negative-phase visible states the statistics used [n, visible]. */
  negativeVisible: tf.Tensor2D;
}

/** Options of {@link contrastiveDivergenceStatistics}. */
export interface CDStatisticsOptions {
  /** Gibbs steps k ≥ 1 (default 1). */
  k?: number;
  /** Whether the last visible state is a sample or its mean (default 'mean'). */
  negativeVisible?: NegativeVisibleMode;
}

/**
 * The CD-k estimate of the log-likelihood gradient for one minibatch (no learning rate, no
 * weight cost): with h0 ~ P(h | v0) and a k-step chain v0 → h0 → v1 → … → v_k,
 *   ΔW = v0ᵀ·P(h | v0)/B − v_kᵀ·P(h | v_k)/B,  Δb = mean(v0 − v_k),  Δc = mean(P(h|v0) − P(h|v_k)).
 * @param rbm the model (not changed)
 * @param v0 data [batch, visible] (not changed)
 * @param rng random stream for every draw of the chain
 * @returns ΔW [V, H], Δb [V], Δc [H] and v_k [batch, V]; the caller disposes them
 * @throws ShapeError for data of the wrong shape; ValidationError for a bad k
 * @example const g = contrastiveDivergenceStatistics(rbm, batch, rng, { k: 10 }); … tf.dispose(Object.values(g));
 */
export function contrastiveDivergenceStatistics(rbm: RBM, v0: tf.Tensor, rng: Rng, options: CDStatisticsOptions = {}): CDStatistics {
  const k = options.k ?? 1;
  if (!Number.isSafeInteger(k) || k < 1) throw new ValidationError(`contrastiveDivergenceStatistics: expected k to be a positive integer, got ${String(k)}`);
  rbm.checkVisible(v0, 'contrastiveDivergenceStatistics');
  return tf.tidy(() => {
    const chain = runCDChain(rbm, v0 as tf.Tensor2D, rng, k, options.negativeVisible ?? 'mean', false);
    const stats = ascentDirection(rbm, v0 as tf.Tensor2D, chain.h0, chain.vNeg);
    return { ...stats, negativeVisible: chain.vNeg };
  });
}

interface ChainResult {
  /** P(h | v0) [B, H]. */
  h0: tf.Tensor2D;
  /** Negative visible states [N, V]. */
  vNeg: tf.Tensor2D;
  /** Sum over the batch of the mean squared reconstruction error per unit (when tracked). */
  recon: tf.Scalar | undefined;
}

/** The CD-k chain from v0 (call inside tidy). */
function runCDChain(rbm: RBM, v0: tf.Tensor2D, rng: Rng, k: number, mode: NegativeVisibleMode, track: boolean): ChainResult {
  const h0 = rbm.meanHidden(v0);
  let h = rbm.sampleHiddenGivenMean(h0, rng);
  let vNeg: tf.Tensor2D | undefined;
  let recon: tf.Scalar | undefined;
  for (let s = 1; s <= k; s++) {
    const mean = rbm.meanVisible(h);
    if (s === 1 && track) recon = reconSum(v0, mean, rbm.numVisible);
    vNeg = s === k && mode === 'mean' ? mean : rbm.sampleVisibleGivenMean(mean, rng);
    if (s < k) h = rbm.sampleHiddenGivenMean(rbm.meanHidden(vNeg), rng);
  }
  return { h0, vNeg: vNeg!, recon };
}

/** Σ over rows of the mean over units of (v − r)². */
function reconSum(v: tf.Tensor, r: tf.Tensor, numVisible: number): tf.Scalar {
  return tf.div(tf.sum(tf.squaredDifference(v, r)), numVisible) as tf.Scalar;
}

/** Positive minus negative statistics (call inside tidy). */
function ascentDirection(rbm: RBM, v0: tf.Tensor2D, h0: tf.Tensor2D, vNeg: tf.Tensor2D): RBMParams {
  const hNeg = rbm.meanHidden(vNeg);
  const b = v0.shape[0]!;
  const n = vNeg.shape[0]!;
  // Explicit transposes: matMul with transposeA is ~10× slower on tfjs-wasm.
  const pos = tf.matMul(tf.transpose(v0), h0);
  const neg = tf.matMul(tf.transpose(vNeg), hNeg);
  const weight = b === n ? tf.div(tf.sub(pos, neg), b) : tf.sub(tf.div(pos, b), tf.div(neg, n));
  const visibleBias = tf.sub(tf.mean(v0, 0), tf.mean(vNeg, 0));
  const hiddenBias = tf.sub(tf.mean(h0, 0), tf.mean(hNeg, 0));
  return { weight, visibleBias, hiddenBias };
}

/**
 * Trains an RBM by CD-k, PCD or FPCD, one minibatch per {@link ContrastiveDivergence.step}.
 * Owns its optimiser state (momentum buffers), the persistent chains and the fast weights;
 * call `dispose()` when done. `trainRBM` runs it over epochs.
 *
 * Parameters (all optional): method 'cd' | 'pcd' | 'fpcd' (default 'cd'); k ≥ 1 (1);
 * learningRate (0.1 binary, 0.01 Gaussian visibles); momentum in [0, 1) (0.5); weightCost (2e-4);
 * sparsityTarget in (0, 1) (off), sparsityCost (0.01), sparsityDecay (0.95); negativeVisible
 * 'mean' | 'sample' ('mean'); numChains (first batch size); fastLearningRate (= learningRate);
 * fastWeightDecay (0.95).
 * @example
 * const cd = new ContrastiveDivergence(rbm, { method: 'pcd', learningRate: 0.05 });
 * for (const batch of batches) cd.step(batch, rng);
 * const err = cd.takeReconstructionError();
 * cd.dispose();
 */
export class ContrastiveDivergence {
  /** The model trained (not owned). */
  readonly rbm: RBM;
  /** Training method. */
  readonly method: CDMethod;
  /** Gibbs steps per update. */
  readonly k: number;
  /** L2 weight cost on W. */
  readonly weightCost: number;
  /** Sparsity target p, or undefined when off. */
  readonly sparsityTarget: number | undefined;
  /** Sparsity penalty weight. */
  readonly sparsityCost: number;
  /** Decay of the running mean activation q. */
  readonly sparsityDecay: number;
  /** CD's last visible state: mean or sample. */
  readonly negativeVisible: NegativeVisibleMode;
  /** FPCD fast-weight learning rate. */
  readonly fastLearningRate: number;
  /** FPCD fast-weight decay per update. */
  readonly fastWeightDecay: number;
  /** Whether the reconstruction error is accumulated. */
  readonly trackReconstruction: boolean;
  private readonly numChainsOption: number | undefined;
  private readonly optimizer: SGD;
  private mu: number;
  private chains: tf.Tensor2D | undefined;
  private fast: RBMParams<tf.Variable> | undefined;
  private chainModel: RBM | undefined;
  private activity: tf.Tensor1D | undefined;
  private reconTotal: tf.Scalar | undefined;
  private reconCount = 0;
  private updates = 0;
  private disposed = false;
  private readonly watch: { watcher: Watcher; placement: WatchPlacement } | undefined;

  /**
   * @param rbm the model to train (its parameters are updated in place)
   * @param config see {@link ContrastiveDivergenceConfig}
   * @param watch internal: `trainRBM`'s `watch` option, with where this trainer's rows go
   * @throws ValidationError naming a bad field, e.g.
   *   `ContrastiveDivergence: expected k to be a positive integer, got 0`
   */
  constructor(rbm: RBM, config: ContrastiveDivergenceConfig = {}, watch?: { watcher: Watcher; placement: WatchPlacement }) {
    if (!(rbm instanceof RBM)) throw new ValidationError(`ContrastiveDivergence: expected rbm to be an RBM (BernoulliRBM, GaussianBernoulliRBM or BernoulliGaussianRBM), got ${typeof rbm}`);
    const c = parseOptions('ContrastiveDivergence', cdSchema, config);
    this.rbm = rbm;
    this.method = c.method ?? CD_DEFAULTS.method;
    this.k = c.k ?? CD_DEFAULTS.k;
    const lr = c.learningRate ?? (rbm.visibleType === 'gaussian' ? CD_DEFAULTS.gaussianLearningRate : CD_DEFAULTS.learningRate);
    this.mu = c.momentum ?? CD_DEFAULTS.momentum;
    this.weightCost = c.weightCost ?? CD_DEFAULTS.weightCost;
    this.sparsityTarget = c.sparsityTarget;
    this.sparsityCost = c.sparsityCost ?? CD_DEFAULTS.sparsityCost;
    this.sparsityDecay = c.sparsityDecay ?? CD_DEFAULTS.sparsityDecay;
    this.negativeVisible = c.negativeVisible ?? CD_DEFAULTS.negativeVisible;
    this.numChainsOption = c.numChains;
    this.fastLearningRate = c.fastLearningRate ?? lr;
    this.fastWeightDecay = c.fastWeightDecay ?? CD_DEFAULTS.fastWeightDecay;
    this.trackReconstruction = c.trackReconstruction ?? CD_DEFAULTS.trackReconstruction;
    if (c.numChains !== undefined && this.method === 'cd') {
      throw new ValidationError(`ContrastiveDivergence: numChains applies to method "pcd" or "fpcd", got method "cd"`);
    }
    this.optimizer = new SGD({ learningRate: lr, momentum: () => this.mu });
    this.watch = watch;
  }

  /** Learning rate of the next update (settable between steps, e.g. for a decay schedule). */
  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  set learningRate(value: number) {
    this.optimizer.learningRate = value;
  }

  /** Momentum μ of the next update, in [0, 1) (settable between steps). */
  get momentum(): number {
    return this.mu;
  }

  set momentum(value: number) {
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
      throw new ValidationError(`ContrastiveDivergence: expected momentum to be a number in [0, 1), got ${String(value)}`);
    }
    this.mu = value;
  }

  /** Number of updates taken. */
  get stepCount(): number {
    return this.updates;
  }

  /** The persistent chains' visible states [numChains, visible] (PCD / FPCD after the first step; owned, do not dispose). */
  get persistentChains(): tf.Tensor2D | undefined {
    return this.chains;
  }

  /**
   * One update from a minibatch.
   * @param v0 data [batch, visible] (not changed, not disposed)
   * @param rng random stream for the Gibbs chain (use one stream for the whole run)
   * @throws ShapeError for data of the wrong shape; ValidationError after dispose()
   */
  step(v0: tf.Tensor, rng: Rng): void {
    if (this.disposed) throw new ValidationError('ContrastiveDivergence.step: this trainer was disposed');
    this.rbm.checkVisible(v0, 'ContrastiveDivergence.step');
    const batch = v0.shape[0]!;
    if (batch === 0) throw new ShapeError('ContrastiveDivergence.step: expected a minibatch of at least one row, got 0 rows');
    const watched = isRecorded(this.watch?.watcher, this.watch?.placement ?? ALONE, this.updates);
    const { grads, hidden } = tf.tidy(() => {
      let h0: tf.Tensor2D;
      let vNeg: tf.Tensor2D;
      let recon: tf.Scalar | undefined;
      if (this.method === 'cd') {
        const chain = runCDChain(this.rbm, v0 as tf.Tensor2D, rng, this.k, this.negativeVisible, this.trackReconstruction);
        ({ h0, vNeg, recon } = chain);
      } else {
        h0 = this.rbm.meanHidden(v0);
        if (this.trackReconstruction) {
          const r = this.rbm.meanVisible(this.rbm.sampleHiddenGivenMean(h0, rng));
          recon = reconSum(v0, r, this.rbm.numVisible);
        }
        const model = this.method === 'fpcd' ? this.fastChainModel() : this.rbm;
        let v = this.chains ?? this.initialChains(v0 as tf.Tensor2D, rng);
        for (let s = 0; s < this.k; s++) v = model.gibbsStep(v, rng).visible;
        this.replaceChains(v);
        vNeg = v;
      }
      // FPCD: the chains run with regular + fast weights; the statistics use the regular model.
      const d = ascentDirection(this.rbm, v0 as tf.Tensor2D, h0, vNeg);
      if (this.method === 'fpcd') this.updateFastWeights(d);
      if (recon !== undefined) this.addRecon(recon, batch);
      // P(h | v0) leaves the scope only for a watcher's recorded step.
      return { grads: this.lossGradient(d, v0 as tf.Tensor2D, h0), hidden: watched ? h0 : undefined };
    });
    try {
      watchedStep(
        this.watch?.watcher,
        this.watch?.placement ?? ALONE,
        this.updates,
        () => ({ params: this.rbm.params, grads, activations: { hidden: this.hiddenActivation(hidden!) } }),
        () => this.optimizer.step(this.rbm.params, grads),
      );
    } finally {
      tf.dispose([...Object.values(grads), ...(hidden === undefined ? [] : [hidden])]);
    }
    this.updates += 1;
  }

  /**
   * Mean squared reconstruction error per visible unit, E[(v − E[v | h])²] with h ~ P(h | v),
   * over the minibatches since the last call (NaN when none); resets the accumulator. One readback.
   */
  takeReconstructionError(): number {
    if (this.reconTotal === undefined || this.reconCount === 0) return Number.NaN;
    const total = this.reconTotal.dataSync()[0]!;
    const mean = total / this.reconCount;
    this.reconTotal.dispose();
    this.reconTotal = undefined;
    this.reconCount = 0;
    return mean;
  }

  /** Forgets momentum buffers, chains, fast weights and the sparsity estimate. */
  reset(): void {
    this.optimizer.reset();
    this.chains?.dispose();
    this.chains = undefined;
    if (this.fast !== undefined) tf.dispose(Object.values(this.fast));
    this.fast = undefined;
    this.chainModel?.dispose();
    this.chainModel = undefined;
    this.activity?.dispose();
    this.activity = undefined;
    this.reconTotal?.dispose();
    this.reconTotal = undefined;
    this.reconCount = 0;
    this.updates = 0;
  }

  /** Frees every tensor the trainer owns (not the model). */
  dispose(): void {
    if (this.disposed) return;
    this.reset();
    this.optimizer.dispose();
    this.disposed = true;
  }

  /** Chains at the first PCD update: the first rows of the data (cycled), sampled for binary visibles. */
  private initialChains(v0: tf.Tensor2D, rng: Rng): tf.Tensor2D {
    const n = this.numChainsOption ?? v0.shape[0]!;
    const rows = n === v0.shape[0] ? v0 : tf.gather(v0, tf.tensor1d(Array.from({ length: n }, (_, i) => i % v0.shape[0]!), 'int32'));
    return this.rbm.visibleType === 'bernoulli' ? (rng.bernoulliTensor(rows) as tf.Tensor2D) : (tf.clone(rows) as tf.Tensor2D);
  }

  private replaceChains(v: tf.Tensor2D): void {
    const old = this.chains;
    this.chains = tf.keep(v);
    if (old !== undefined && old !== v) old.dispose();
  }

  /** The model the FPCD chains run with: regular + fast parameters. */
  private fastChainModel(): RBM {
    if (this.fast === undefined) {
      this.fast = {
        weight: tf.variable(tf.zerosLike(this.rbm.weight), false),
        visibleBias: tf.variable(tf.zerosLike(this.rbm.visibleBias), false),
        hiddenBias: tf.variable(tf.zerosLike(this.rbm.hiddenBias), false),
      };
      const p = { weight: this.rbm.weight, visibleBias: this.rbm.visibleBias, hiddenBias: this.rbm.hiddenBias };
      this.chainModel = this.rbm.withParams(p);
    } else {
      const sum: Partial<RBMParams> = {};
      for (const name of RBM_PARAM_NAMES) sum[name] = tf.add(this.rbm[name], this.fast[name]);
      this.chainModel!.setParams(sum);
    }
    return this.chainModel!;
  }

  /** θ_fast = decay·θ_fast + η_fast·d (Tieleman & Hinton 2009, Algorithm 1). */
  private updateFastWeights(d: RBMParams): void {
    const fast = this.fast!;
    for (const name of RBM_PARAM_NAMES) {
      fast[name].assign(tf.add(tf.mul(fast[name], this.fastWeightDecay), tf.mul(d[name], this.fastLearningRate)));
    }
  }

  /** P(h | v0) for a watcher: binary hidden units are logistic (f' = h(1 − h), γ = 1/4); linear ones get no saturation. */
  private hiddenActivation(h: tf.Tensor): WatchedActivation {
    if (this.rbm.hiddenType !== 'bernoulli') return { value: h };
    return { value: h, derivative: (p) => tf.mul(p, tf.sub(1, p)), gamma: 0.25 };
  }

  private addRecon(recon: tf.Scalar, batch: number): void {
    const old = this.reconTotal;
    this.reconTotal = tf.keep(old === undefined ? recon : (tf.add(old, recon) as tf.Scalar));
    old?.dispose();
    this.reconCount += batch;
  }

  /** −d plus the weight cost and the sparsity penalty, as named gradients for the optimiser. */
  private lossGradient(d: RBMParams, v0: tf.Tensor2D, h0: tf.Tensor2D): Record<string, tf.Tensor> {
    let weight = tf.neg(d.weight);
    if (this.weightCost > 0) weight = tf.add(weight, tf.mul(this.rbm.weight, this.weightCost));
    let hiddenBias = tf.neg(d.hiddenBias);
    if (this.sparsityTarget !== undefined && this.sparsityCost > 0) {
      const batchMean = tf.mean(h0, 0) as tf.Tensor1D;
      const old = this.activity;
      const q = old === undefined ? batchMean : (tf.add(tf.mul(old, this.sparsityDecay), tf.mul(batchMean, 1 - this.sparsityDecay)) as tf.Tensor1D);
      this.activity = tf.keep(q);
      old?.dispose();
      // Hinton 2010 sect. 11: the penalty's derivative w.r.t. a hidden unit's total input is q − p.
      const excess = tf.mul(tf.sub(q, this.sparsityTarget), this.sparsityCost);
      hiddenBias = tf.add(hiddenBias, excess);
      const vMean = tf.reshape(tf.mean(v0, 0), [-1, 1]);
      weight = tf.add(weight, tf.matMul(vMean, tf.reshape(excess, [1, -1])));
    }
    return { weight, visibleBias: tf.neg(d.visibleBias), hiddenBias };
  }
}
