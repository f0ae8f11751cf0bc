/**
 * The epoch loop for training an RBM by CD-k, PCD or FPCD: shuffled minibatches cut once per
 * epoch, momentum 0.5 for the first epochs then 0.9, and a callback after every epoch with the
 * reconstruction error (monitoring beyond that — free energies, pseudo-likelihood, exact or AIS
 * log-likelihood — is computed by the caller in `onEpoch`, from the model it is handed). An
 * optional `watch` (core's `Watcher`) records every N-th update per parameter without changing it.
 *
 * References: G. E. Hinton (2010), "A practical guide to training restricted Boltzmann
 * machines", sects. 4 (minibatches), 5 (monitoring), 9 (momentum); G. E. Hinton &
 * R. R. Salakhutdinov (2006), supporting code `rbm.m`.
 */
import { ShapeError, ValidationError, parseOptions, positiveInt, tf, unlabeledMinibatches, type Rng, type Watcher } from '@gradlab/core';
import { z } from 'zod';
import { ContrastiveDivergence, contrastiveDivergenceSchema } from './contrastive-divergence.js';
import type { ContrastiveDivergenceConfig } from './contrastive-divergence.js';
import { RBM } from './rbm.js';
import { ALONE, watchSchema } from './watched-step.js';
import type { WatchPlacement } from './watched-step.js';

/** Default minibatch size (Hinton 2010 sect. 4: 10–100; Hinton & Salakhutdinov used 100). */
export const DEFAULT_RBM_BATCH_SIZE = 100;
/** Momentum schedule defaults (Hinton 2010 sect. 9; Hinton & Salakhutdinov's code). */
export const MOMENTUM_SCHEDULE_DEFAULTS = Object.freeze({ initialMomentum: 0.5, finalMomentum: 0.9, momentumSwitchEpoch: 5 });

/** What `onEpoch` receives. */
export interface RBMEpochStats {
  /** Epoch just finished, 1-based. */
  epoch: number;
  /** Mean squared reconstruction error per visible unit over the epoch's minibatches (NaN when not tracked). */
  reconError: number;
  /** Momentum used in this epoch. */
  momentum: number;
  /** The trainer (its chains, step count); do not dispose. */
  trainer: ContrastiveDivergence;
}

/** The epoch loop's options, shared by {@link trainRBM} and trainDBM. */
export interface EpochLoopConfig {
  /** Number of passes over the data, a positive integer. */
  epochs: number;
  /** Rows per minibatch, a positive integer (default 100; the last batch may be smaller). */
  batchSize?: number;
  /** Momentum for the first `momentumSwitchEpoch` epochs, in [0, 1) (default 0.5). */
  initialMomentum?: number;
  /** Momentum afterwards, in [0, 1) (default 0.9). */
  finalMomentum?: number;
  /** Number of epochs run with the initial momentum (default 5). */
  momentumSwitchEpoch?: number;
  /** Shuffle the rows every epoch (default true). */
  shuffle?: boolean;
}

/** Options of {@link trainRBM}: the CD options plus the epoch loop. */
export interface TrainRBMConfig extends Omit<ContrastiveDivergenceConfig, 'momentum'>, EpochLoopConfig {
  /** Called after every epoch; return `'stop'` to end training early. Never printed by the library. */
  onEpoch?: (stats: RBMEpochStats) => void | 'stop';
  /**
   * Per-parameter instrumentation (core's `watch({ every, ... })`): the updates whose 0-based
   * index in the run it records give a row for `weight`, `visibleBias` and `hiddenBias` each —
   * θ before the update; as gradient, what the momentum step descends (θ ← θ − η·b, b = μ·b + g):
   * g = −(the CD-k / PCD / FPCD estimate of ∂ log P(v)/∂θ, positive minus negative statistics
   * over the minibatch) + λ·W on W + the sparsity term when set, i.e. the estimated gradient of
   * the penalised negative log-likelihood; Δθ — and an activation row `hidden`: E[h | v] of the
   * minibatch (the positive phase; P(h = 1 | v) for binary hidden units), with its saturation for
   * logistic units (f' = h(1 − h), γ = 1/4; none for linear Gaussian ones). In a DBN or DBM the
   * names get the prefix `layer{l}.` (see `DBNPretrainConfig`). Read the rows with
   * `watcher.drain()`. It draws no random numbers: the run is bit for bit the same with and without it.
   */
  watch?: Watcher;
}

const momentum = () =>
  z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' });

/** Validation of {@link EpochLoopConfig}, to `.extend` a trainer's schema with. */
export const epochLoopSchemaShape = {
  epochs: positiveInt(),
  batchSize: positiveInt().optional(),
  initialMomentum: momentum().optional(),
  finalMomentum: momentum().optional(),
  momentumSwitchEpoch: z.number({ error: 'a non-negative integer' }).int({ error: 'a non-negative integer' }).min(0, { error: 'a non-negative integer' }).optional(),
  shuffle: z.boolean({ error: 'a boolean' }).optional(),
};

const trainSchema = contrastiveDivergenceSchema.omit({ momentum: true }).extend({
  ...epochLoopSchemaShape,
  onEpoch: z.custom<(stats: RBMEpochStats) => void | 'stop'>((v) => typeof v === 'function', { error: 'a function' }).optional(),
  watch: watchSchema().optional(),
});

/** What the epoch loop drives: one update per minibatch at a settable momentum. */
export interface MomentumTrainer {
  momentum: number;
  step(batch: tf.Tensor, rng: Rng): void;
}

/** The momentum of epoch 1 (what a trainer is built with before {@link runEpochLoop}). */
export function initialMomentumOf(config: EpochLoopConfig): number {
  return config.initialMomentum ?? MOMENTUM_SCHEDULE_DEFAULTS.initialMomentum;
}

/**
 * The epoch loop of trainRBM and trainDBM: each epoch sets the momentum (initial for the first
 * `momentumSwitchEpoch` epochs, then final), cuts the minibatches (shuffled from
 * `rng.fork('shuffle/<epoch>')`) and steps `trainer` on each with the Gibbs stream
 * `rng.fork('gibbs')`; then calls `afterEpoch`, which may stop the loop.
 * @param config validated options (defaults applied here)
 */
export function runEpochLoop(trainer: MomentumTrainer, x: tf.Tensor, config: EpochLoopConfig, rng: Rng, afterEpoch: (epoch: number) => void | 'stop'): void {
  const { epochs, batchSize = DEFAULT_RBM_BATCH_SIZE, shuffle = true } = config;
  const initialMomentum = initialMomentumOf(config);
  const finalMomentum = config.finalMomentum ?? MOMENTUM_SCHEDULE_DEFAULTS.finalMomentum;
  const switchEpoch = config.momentumSwitchEpoch ?? MOMENTUM_SCHEDULE_DEFAULTS.momentumSwitchEpoch;
  const gibbs = rng.fork('gibbs');
  for (let epoch = 1; epoch <= epochs; epoch++) {
    trainer.momentum = epoch <= switchEpoch ? initialMomentum : finalMomentum;
    const batches = unlabeledMinibatches(x, batchSize, shuffle ? rng.fork(`shuffle/${epoch}`) : undefined);
    try {
      for (const b of batches) trainer.step(b, gibbs);
    } finally {
      tf.dispose(batches);
    }
    if (afterEpoch(epoch) === 'stop') break;
  }
}

/** What {@link trainRBM} returns. */
export interface TrainRBMResult {
  /** Per-epoch statistics (without the trainer). */
  history: Omit<RBMEpochStats, 'trainer'>[];
  /** Number of parameter updates made. */
  steps: number;
}

/**
 * Trains `rbm` in place on the rows of `x`.
 *
 * Cost per epoch: ⌈n / batchSize⌉ updates of O(batch·V·H·k) each, plus one readback per update.
 * @param rbm a BernoulliRBM or GaussianBernoulliRBM
 * @param x training data [n, visible] (binary or in [0, 1] for binary visibles; standardised for
 *   Gaussian ones); not changed, not disposed
 * @param config `{ epochs, batchSize = 100, method = 'cd', k = 1, learningRate, initialMomentum = 0.5,
 *   finalMomentum = 0.9, momentumSwitchEpoch = 5, weightCost = 2e-4, sparsityTarget, …, onEpoch, watch }`
 * @param rng the run's stream: shuffles from `rng.fork('shuffle/<epoch>')`, Gibbs draws from `rng.fork('gibbs')`
 * @returns the per-epoch history and the number of updates
 * @throws ValidationError naming a bad option; ShapeError for data of the wrong shape
 * @example
 * const { history } = trainRBM(rbm, x, { epochs: 50, method: 'pcd', batchSize: 10, onEpoch: (s) => log(s.reconError) }, rng.fork('train'));
 */
export function trainRBM(rbm: RBM, x: tf.Tensor, config: TrainRBMConfig, rng: Rng): TrainRBMResult {
  return trainRBMPlaced(rbm, x, config, rng, ALONE);
}

/** {@link trainRBM} as one layer of a stack: its watch rows named and counted by `placement`. */
export function trainRBMPlaced(rbm: RBM, x: tf.Tensor, config: TrainRBMConfig, rng: Rng, placement: WatchPlacement): TrainRBMResult {
  if (!(rbm instanceof RBM)) throw new ValidationError(`trainRBM: expected rbm to be an RBM (BernoulliRBM, GaussianBernoulliRBM or BernoulliGaussianRBM), got ${typeof rbm}`);
  const c = parseOptions('trainRBM', trainSchema, config);
  rbm.checkVisible(x, 'trainRBM');
  if (x.shape[0] === 0) throw new ShapeError('trainRBM: expected training data with at least one row, got 0 rows');
  const cdConfig: ContrastiveDivergenceConfig = {};
  for (const key of Object.keys(contrastiveDivergenceSchema.shape) as (keyof ContrastiveDivergenceConfig)[]) {
    if (key !== 'momentum' && (c as Record<string, unknown>)[key] !== undefined) (cdConfig as Record<string, unknown>)[key] = (c as Record<string, unknown>)[key];
  }
  const trainer = new ContrastiveDivergence(rbm, { ...cdConfig, momentum: initialMomentumOf(c) }, c.watch === undefined ? undefined : { watcher: c.watch, placement });
  const history: Omit<RBMEpochStats, 'trainer'>[] = [];
  try {
    runEpochLoop(trainer, x, c, rng, (epoch) => {
      const stats = { epoch, reconError: trainer.takeReconstructionError(), momentum: trainer.momentum };
      history.push(stats);
      return c.onEpoch?.({ ...stats, trainer });
    });
    return { history, steps: trainer.stepCount };
  } finally {
    trainer.dispose();
  }
}
