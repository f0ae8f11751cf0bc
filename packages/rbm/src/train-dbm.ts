/**
 * The DBM learning rule (Salakhutdinov & Hinton 2009, sect. 3): stochastic
 * approximation of the log-likelihood gradient, a difference of data-dependent and model
 * statistics,
 *
 *   ΔW1 = E_data[v·μ1ᵀ] − E_model[v·h1ᵀ],   ΔW2 = E_data[μ1·μ2ᵀ] − E_model[h1·h2ᵀ],
 *   Δb = E_data[v] − E_model[v],  Δc1 = E_data[μ1] − E_model[h1],  Δc2 = E_data[μ2] − E_model[h2],
 *
 * where μ1, μ2 are the mean-field marginals of each training vector (`DBM.meanField`) and the
 * model's expectations come from M persistent Gibbs chains ("fantasy particles") advanced k
 * sweeps per update and never reset (Tieleman 2008). The model term is Rao–Blackwellised: after
 * the last sweep h1 is a sample, and v and h2 enter through their exact conditional means
 * P(v | h1), P(h2 | h1) — unbiased for the same expectations, with less variance.
 *
 * The update is the package's usual one: core SGD with momentum (0.5, then 0.9 after 5 epochs),
 * L2 weight cost on W1 and W2, minibatches cut once per epoch.
 *
 * Cost per update: mean field 2·(iterations + 1) products of size [batch, V]×[V, H1] or
 * [batch, H1]×[H1, H2], plus k Gibbs sweeps of the same on M chains and four for the statistics.
 *
 * References: R. Salakhutdinov & G. E. Hinton (2009), "Deep Boltzmann machines", AISTATS,
 * sect. 3; T. Tieleman (2008), "Training restricted Boltzmann machines using approximations to
 * the likelihood gradient", ICML; L. Younes (1989) on stochastic approximation.
 */
import {
  SGD,
  ShapeError,
  ValidationError,
  nonNegativeNumber,
  parseOptions,
  positiveInt,
  positiveNumber,
  tf,
  type Rng,
} from '@gradlab/core';
import { z } from 'zod';
import { DBM } from './deep-boltzmann-machine.js';
import type { DBMParams, DBMState, MeanFieldMarginals } from './deep-boltzmann-machine.js';
import { epochLoopSchemaShape, initialMomentumOf, runEpochLoop } from './train-rbm.js';
import type { EpochLoopConfig } from './train-rbm.js';

/** Defaults of {@link DBMTrainerConfig}. */
export const DBM_TRAIN_DEFAULTS = Object.freeze({ learningRate: 0.005, momentum: 0.5, weightCost: 2e-4, k: 1, meanFieldIterations: 10, damping: 0 });

/** The model side of the statistics: h1 sampled, v and h2 by their conditional means given h1. */
export interface DBMChainStatistics {
  /** h1 samples [M, H1]. */
  hidden1: tf.Tensor2D;
  /** P(v = 1 | h1) [M, V]. */
  visibleMean: tf.Tensor2D;
  /** P(h2 = 1 | h1) [M, H2]. */
  hidden2Mean: tf.Tensor2D;
}

/**
 * The ascent direction of the learning rule for one minibatch (no learning rate, no weight
 * cost): data statistics from the mean-field marginals minus model statistics from the chains.
 * @param v data [B, V]
 * @param marginals μ1 [B, H1], μ2 [B, H2] of v
 * @param chains the chains' statistics, M rows
 * @returns ΔW1 [V, H1], ΔW2 [H1, H2], Δb [V], Δc1 [H1], Δc2 [H2]; the caller disposes them
 */
export function dbmAscentDirection(v: tf.Tensor, marginals: MeanFieldMarginals, chains: DBMChainStatistics): DBMParams {
  return tf.tidy(() => {
    const B = v.shape[0]!;
    const M = chains.hidden1.shape[0]!;
    const { hidden1: mu1, hidden2: mu2 } = marginals;
    const { hidden1: h1, visibleMean: vm, hidden2Mean: h2m } = chains;
    // Explicit transposes: matMul with transposeA is ~10× slower on tfjs-wasm.
    const pos1 = tf.div(tf.matMul(tf.transpose(v as tf.Tensor2D), mu1), B);
    const neg1 = tf.div(tf.matMul(tf.transpose(vm), h1), M);
    const pos2 = tf.div(tf.matMul(tf.transpose(mu1), mu2), B);
    const neg2 = tf.div(tf.matMul(tf.transpose(h1), h2m), M);
    return {
      weight1: tf.sub(pos1, neg1),
      weight2: tf.sub(pos2, neg2),
      visibleBias: tf.sub(tf.mean(v, 0), tf.mean(vm, 0)),
      hiddenBias1: tf.sub(tf.mean(mu1, 0), tf.mean(h1, 0)),
      hiddenBias2: tf.sub(tf.mean(mu2, 0), tf.mean(h2m, 0)),
    };
  });
}

/** Options of {@link DBMTrainer}. */
export interface DBMTrainerConfig {
  /** Learning rate η > 0 (default 0.005; the chains must keep up with the parameters). Settable between steps. */
  learningRate?: number;
  /** Momentum μ in [0, 1) (default 0.5). Settable between steps. */
  momentum?: number;
  /** L2 weight cost λ ≥ 0 on W1 and W2 (default 2e-4). */
  weightCost?: number;
  /** Persistent chains M (default: the size of the first minibatch). */
  numChains?: number;
  /** Gibbs sweeps per update k ≥ 1 (default 1). */
  k?: number;
  /** Mean-field sweeps per minibatch, ≥ 0 (default 10). */
  meanFieldIterations?: number;
  /** Mean-field damping in [0, 1) (default 0). */
  damping?: number;
}

const unitInterval = () => z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' });

const trainerSchema = z.strictObject({
  learningRate: positiveNumber().optional(),
  momentum: unitInterval().optional(),
  weightCost: nonNegativeNumber().optional(),
  numChains: positiveInt().optional(),
  k: positiveInt().optional(),
  meanFieldIterations: z.number({ error: 'a non-negative integer' }).int({ error: 'a non-negative integer' }).min(0, { error: 'a non-negative integer' }).optional(),
  damping: unitInterval().optional(),
});

/**
 * Trains a DBM one minibatch per {@link DBMTrainer.step}; owns the persistent chains and the
 * momentum buffers (call `dispose()`). `trainDBM` runs it over epochs.
 * @example
 * const t = new DBMTrainer(dbm, { learningRate: 0.01, numChains: 100 });
 * for (const batch of batches) t.step(batch, rng);
 * t.dispose();
 */
export class DBMTrainer {
  /** The model trained (not owned). */
  readonly dbm: DBM;
  /** Gibbs sweeps per update. */
  readonly k: number;
  /** L2 weight cost on W1, W2. */
  readonly weightCost: number;
  /** Mean-field sweeps per minibatch. */
  readonly meanFieldIterations: number;
  /** Mean-field damping. */
  readonly damping: number;
  private readonly numChainsOption: number | undefined;
  private readonly optimizer: SGD;
  private mu: number;
  private state: DBMState | undefined;
  private updates = 0;
  private disposed = false;

  /**
   * @param dbm the model (its parameters are updated in place)
   * @param config see {@link DBMTrainerConfig}
   * @throws ValidationError naming a bad field, e.g. `DBMTrainer: expected k to be a positive integer, got 0`
   */
  constructor(dbm: DBM, config: DBMTrainerConfig = {}) {
    if (!(dbm instanceof DBM)) throw new ValidationError(`DBMTrainer: expected dbm to be a DBM, got ${typeof dbm}`);
    const c = parseOptions('DBMTrainer', trainerSchema, config);
    this.dbm = dbm;
    this.k = c.k ?? DBM_TRAIN_DEFAULTS.k;
    this.weightCost = c.weightCost ?? DBM_TRAIN_DEFAULTS.weightCost;
    this.meanFieldIterations = c.meanFieldIterations ?? DBM_TRAIN_DEFAULTS.meanFieldIterations;
    this.damping = c.damping ?? DBM_TRAIN_DEFAULTS.damping;
    this.numChainsOption = c.numChains;
    this.mu = c.momentum ?? DBM_TRAIN_DEFAULTS.momentum;
    this.optimizer = new SGD({ learningRate: c.learningRate ?? DBM_TRAIN_DEFAULTS.learningRate, momentum: () => this.mu });
  }

  /** Learning rate of the next update (settable, e.g. for a decay schedule). */
  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  set learningRate(value: number) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new ValidationError(`DBMTrainer: expected learningRate to be a positive number, got ${String(value)}`);
    this.optimizer.learningRate = value;
  }

  /** Momentum of the next update, in [0, 1). */
  get momentum(): number {
    return this.mu;
  }

  set momentum(value: number) {
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new ValidationError(`DBMTrainer: expected momentum to be a number in [0, 1), got ${String(value)}`);
    this.mu = value;
  }

  /** Number of updates taken. */
  get stepCount(): number {
    return this.updates;
  }

  /** The chains' current states (after the first step; owned, do not dispose). */
  get chains(): DBMState | undefined {
    return this.state;
  }

  /**
   * One update from a minibatch: mean field on v0, k Gibbs sweeps of the chains, then
   * θ += η·(ascent − λ·W) with momentum.
   * @param v0 data [batch, V] (not changed, not disposed)
   * @param rng random stream for the chains (use one stream for the whole run)
   * @throws ShapeError for data of the wrong shape; ValidationError after dispose()
   */
  step(v0: tf.Tensor, rng: Rng): void {
    if (this.disposed) throw new ValidationError('DBMTrainer.step: this trainer was disposed');
    this.dbm.checkRows(v0, 0, 'DBMTrainer.step', 'v0');
    if (v0.shape[0] === 0) throw new ShapeError('DBMTrainer.step: expected a minibatch of at least one row, got 0 rows');
    const grads = tf.tidy(() => {
      const marginals = this.dbm.meanField(v0, { iterations: this.meanFieldIterations, damping: this.damping });
      let state = this.state ?? this.initialChains(v0, rng);
      let last: ReturnType<DBM['gibbsStep']> | undefined;
      for (let s = 0; s < this.k; s++) {
        last = this.dbm.gibbsStep(state, rng);
        state = last;
      }
      this.replaceState({ visible: last!.visible, hidden1: last!.hidden1, hidden2: last!.hidden2 });
      const d = dbmAscentDirection(v0, marginals, last!);
      const g: Record<string, tf.Tensor> = {};
      for (const [name, t] of Object.entries(d)) g[name] = tf.neg(t);
      if (this.weightCost > 0) {
        g['weight1'] = tf.add(g['weight1']!, tf.mul(this.dbm.weight1, this.weightCost));
        g['weight2'] = tf.add(g['weight2']!, tf.mul(this.dbm.weight2, this.weightCost));
      }
      return g;
    });
    this.optimizer.step(this.dbm.params as unknown as Record<string, tf.Variable>, grads);
    tf.dispose(Object.values(grads));
    this.updates += 1;
  }

  /** Frees the chains and the optimiser state (not the model). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.state !== undefined) tf.dispose(Object.values(this.state));
    this.state = undefined;
    this.optimizer.dispose();
  }

  /** Chains at the first update: the first rows of the data (cycled), then a bottom-up pass. */
  private initialChains(v0: tf.Tensor, rng: Rng): DBMState {
    const n = this.numChainsOption ?? v0.shape[0]!;
    const rows = n === v0.shape[0] ? v0 : tf.gather(v0, tf.tensor1d(Array.from({ length: n }, (_, i) => i % v0.shape[0]!), 'int32'));
    return this.dbm.initialState(rows, rng);
  }

  private replaceState(next: DBMState): void {
    const old = this.state;
    this.state = { visible: tf.keep(next.visible), hidden1: tf.keep(next.hidden1), hidden2: tf.keep(next.hidden2) };
    if (old !== undefined) tf.dispose(Object.values(old));
  }
}

/** What `onEpoch` of {@link trainDBM} receives. */
export interface DBMEpochStats {
  /** Epoch just finished, 1-based. */
  epoch: number;
  /** Momentum used in this epoch. */
  momentum: number;
  /** The trainer (chains, learning rate); do not dispose. */
  trainer: DBMTrainer;
}

/** Options of {@link trainDBM}: the trainer's plus the epoch loop (the RBM's: see {@link EpochLoopConfig}). */
export interface TrainDBMConfig extends Omit<DBMTrainerConfig, 'momentum'>, EpochLoopConfig {
  /** Called after every epoch; return 'stop' to end training. */
  onEpoch?: (stats: DBMEpochStats) => void | 'stop';
}

const trainSchema = trainerSchema.omit({ momentum: true }).extend({
  ...epochLoopSchemaShape,
  onEpoch: z.custom<(stats: DBMEpochStats) => void | 'stop'>((v) => typeof v === 'function', { error: 'a function' }).optional(),
});

/**
 * Trains `dbm` in place on the rows of `x` by the learning rule above.
 * @param x training data [n, V] (binary or in [0, 1]); not changed
 * @param config `{ epochs, batchSize = 100, learningRate = 0.005, initialMomentum = 0.5, finalMomentum = 0.9,
 *   momentumSwitchEpoch = 5, weightCost = 2e-4, numChains, k = 1, meanFieldIterations = 10, damping = 0, onEpoch }`
 * @param rng shuffles from `rng.fork('shuffle/<epoch>')`, chains from `rng.fork('gibbs')`
 * @returns the number of updates made
 * @throws ValidationError naming a bad option; ShapeError for data of the wrong shape
 * @example trainDBM(dbm, x, { epochs: 300, batchSize: 10, learningRate: 0.02, numChains: 100 }, rng.fork('train'));
 */
export function trainDBM(dbm: DBM, x: tf.Tensor, config: TrainDBMConfig, rng: Rng): { steps: number } {
  if (!(dbm instanceof DBM)) throw new ValidationError(`trainDBM: expected dbm to be a DBM, got ${typeof dbm}`);
  const c = parseOptions('trainDBM', trainSchema, config);
  dbm.checkRows(x, 0, 'trainDBM', 'x');
  if (x.shape[0] === 0) throw new ShapeError('trainDBM: expected training data with at least one row, got 0 rows');
  const trainerConfig: DBMTrainerConfig = {};
  for (const key of Object.keys(trainerSchema.shape) as (keyof DBMTrainerConfig)[]) {
    if (key !== 'momentum' && c[key as keyof typeof c] !== undefined) (trainerConfig as Record<string, unknown>)[key] = c[key as keyof typeof c];
  }
  const trainer = new DBMTrainer(dbm, { ...trainerConfig, momentum: initialMomentumOf(c) });
  try {
    runEpochLoop(trainer, x, c, rng, (epoch) => c.onEpoch?.({ epoch, momentum: trainer.momentum, trainer }));
    return { steps: trainer.stepCount };
  } finally {
    trainer.dispose();
  }
}
