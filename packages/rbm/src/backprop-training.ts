/**
 * The minibatch loop shared by the autoencoders: shuffled minibatches cut once per epoch,
 * optional masking noise on the input (the denoising criterion of Vincent et al. 2008: each
 * input component is set to 0 with probability `noise`, the target stays clean), one optimiser
 * step per minibatch (core SGD with momentum, or Adam), a callback per epoch, and an optional
 * `watch` (core's `Watcher`) that records every N-th step per parameter without changing it.
 *
 * References: P. Vincent, H. Larochelle, Y. Bengio & P.-A. Manzagol (2008), "Extracting and
 * composing robust features with denoising autoencoders", ICML; G. E. Hinton & R. R.
 * Salakhutdinov (2006), "Reducing the dimensionality of data with neural networks".
 */
import {
  Adam,
  SGD,
  ShapeError,
  ValidationError,
  nonNegativeNumber,
  oneOf,
  parseOptions,
  positiveInt,
  positiveNumber,
  tf,
  unlabeledMinibatches,
  type Optimizer,
  type Rng,
  type StepReport,
  type WatchedActivation,
  type Watcher,
} from '@gradlab/core';
import { z } from 'zod';
import { ALONE, isRecorded, watchSchema, watchedStep } from './watched-step.js';
import type { WatchPlacement } from './watched-step.js';

/** A model trained by backpropagation on reconstruction. */
export interface ReconstructionModel {
  /** Trainable parameters by name. */
  readonly params: Record<string, tf.Variable>;
  /** Loss and gradients for an input and its target; the caller disposes the result. */
  gradients(x: tf.Tensor, target: tf.Tensor): { loss: number; reconError: number; grads: Record<string, tf.Tensor>; dispose(): void };
}

/** Optimisers a trainer can build. */
export const BACKPROP_OPTIMIZERS = ['sgd', 'adam'] as const;

/** Options of the backprop loops (`trainAutoencoder`, `fineTuneAutoencoder`). */
export interface BackpropConfig {
  /** Passes over the data, a positive integer. */
  epochs: number;
  /** Rows per minibatch (default 100). */
  batchSize?: number;
  /** 'sgd' (default; with momentum) or 'adam'. */
  optimizer?: (typeof BACKPROP_OPTIMIZERS)[number];
  /** Learning rate > 0 (default 0.1 for SGD, 1e-3 for Adam). */
  learningRate?: number;
  /** SGD momentum in [0, 1) (default 0.9). */
  momentum?: number;
  /** L2 weight decay ≥ 0 on every parameter (default 0). */
  weightDecay?: number;
  /** Masking noise: probability in [0, 1) that each input component is zeroed (default 0: a plain autoencoder). */
  noise?: number;
  /** Called after every epoch; return 'stop' to end early. */
  onEpoch?: (stats: BackpropEpochStats) => void | 'stop';
  /** Called after every step with the optimiser's report (gradient norm before clipping, …). */
  onStep?: (report: StepReport & { step: number; loss: number }) => void;
  /**
   * Per-parameter instrumentation (core's `watch({ every, ... })`): the optimiser steps whose
   * 0-based index in the run (`onStep`'s `step`) it records give a row per parameter, named as
   * the model's `params` — θ before the step, ∂loss/∂θ of the minibatch (before weight decay),
   * Δθ — and, for `Autoencoder` and `ConvAutoencoder`, an activation row `hidden`: the code of
   * the (masked) minibatch at those weights, from an extra encoder pass on recorded steps only,
   * with its saturation. Read the rows with `watcher.drain()`. It draws no random numbers: the
   * run is bit for bit the same with and without it.
   */
  watch?: Watcher;
}

/** What `onEpoch` receives. */
export interface BackpropEpochStats {
  /** Epoch just finished, 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's minibatches (per example). */
  loss: number;
  /** Mean squared reconstruction error per example over the epoch's minibatches (of the noisy inputs when denoising). */
  reconError: number;
}

/** Defaults of {@link BackpropConfig}. */
export const BACKPROP_DEFAULTS = Object.freeze({ batchSize: 100, optimizer: 'sgd' as const, sgdLearningRate: 0.1, adamLearningRate: 1e-3, momentum: 0.9, weightDecay: 0, noise: 0 });

const unitInterval = () => z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' });

/** Zod schema of {@link BackpropConfig}. */
export const backpropSchema = z.strictObject({
  epochs: positiveInt(),
  batchSize: positiveInt().optional(),
  optimizer: oneOf(BACKPROP_OPTIMIZERS).optional(),
  learningRate: positiveNumber().optional(),
  momentum: unitInterval().optional(),
  weightDecay: nonNegativeNumber().optional(),
  noise: unitInterval().optional(),
  onEpoch: z.custom<BackpropConfig['onEpoch']>((v) => typeof v === 'function', { error: 'a function' }).optional(),
  onStep: z.custom<BackpropConfig['onStep']>((v) => typeof v === 'function', { error: 'a function' }).optional(),
  watch: watchSchema().optional(),
});

/**
 * x with each component set to 0 with probability `noise` (masking noise), drawn from `rng`.
 * @param x [batch, features] or images [batch, h, w, c] (not changed)
 * @returns a new tensor (a copy of x when noise is 0)
 */
export function maskingNoise(x: tf.Tensor, noise: number, rng: Rng): tf.Tensor {
  if (!(noise >= 0 && noise < 1)) throw new ValidationError(`maskingNoise: expected noise to be a number in [0, 1), got ${String(noise)}`);
  if (noise === 0) return tf.clone(x);
  return tf.tidy(() => tf.mul(x, rng.bernoulliTensor(tf.fill(x.shape, 1 - noise))));
}

/** Builds the optimiser a config asks for. */
export function makeOptimizer(c: { optimizer?: 'sgd' | 'adam'; learningRate?: number; momentum?: number; weightDecay?: number }): Optimizer {
  const weightDecay = c.weightDecay ?? BACKPROP_DEFAULTS.weightDecay;
  if ((c.optimizer ?? BACKPROP_DEFAULTS.optimizer) === 'adam') {
    return new Adam({ learningRate: c.learningRate ?? BACKPROP_DEFAULTS.adamLearningRate, weightDecay });
  }
  return new SGD({ learningRate: c.learningRate ?? BACKPROP_DEFAULTS.sgdLearningRate, momentum: c.momentum ?? BACKPROP_DEFAULTS.momentum, weightDecay });
}

/** The hidden activations a watcher records for an input; the caller disposes their tensors. */
export type WatchedCodes = (input: tf.Tensor) => Record<string, WatchedActivation>;

/** What {@link trainByBackprop} returns. */
export interface BackpropResult {
  /** Per-epoch statistics. */
  history: BackpropEpochStats[];
  /** Optimiser steps taken. */
  steps: number;
}

/**
 * Trains `model` on reconstructing the rows of x (see the file comment).
 * @param where the caller's name, for messages
 * @param inputShape the model's input width, or the shape of one example (an image [h, w, c]), checked against x
 * @param placement where the watch rows go (a layer of a stack: `layer{l}.` names, steps after the lower layers')
 * @param codes the activations to watch for a (masked) input; none without it
 * @returns per-epoch statistics and the number of steps
 */
export function trainByBackprop(
  where: string,
  model: ReconstructionModel,
  inputShape: number | readonly number[],
  x: tf.Tensor,
  config: BackpropConfig,
  rng: Rng,
  placement: WatchPlacement = ALONE,
  codes?: WatchedCodes,
): BackpropResult {
  const c = parseOptions(where, backpropSchema, config);
  const example = typeof inputShape === 'number' ? [inputShape] : [...inputShape];
  if (!(x instanceof tf.Tensor) || x.shape.slice(1).join(',') !== example.join(',')) {
    throw new ShapeError(`${where}: expected training data of shape [n, ${example.join(', ')}], got ${x instanceof tf.Tensor ? `[${x.shape}]` : typeof x}`);
  }
  if (x.shape[0] === 0) throw new ShapeError(`${where}: expected training data with at least one row, got 0 rows`);
  const batchSize = c.batchSize ?? BACKPROP_DEFAULTS.batchSize;
  const noise = c.noise ?? BACKPROP_DEFAULTS.noise;
  const optimizer = makeOptimizer(c);
  const noiseRng = rng.fork('noise');
  const history: BackpropEpochStats[] = [];
  let step = 0;
  try {
    for (let epoch = 1; epoch <= c.epochs; epoch++) {
      const batches = unlabeledMinibatches(x, batchSize, rng.fork(`shuffle/${epoch}`));
      let loss = 0;
      let recon = 0;
      let rows = 0;
      try {
        for (const b of batches) {
          const input = noise > 0 ? maskingNoise(b, noise, noiseRng) : b;
          const g = model.gradients(input, b);
          // The code at the weights the gradient was taken at: computed before the step, on recorded steps only.
          const acts = codes !== undefined && isRecorded(c.watch, placement, step) ? codes(input) : undefined;
          let report: StepReport;
          try {
            report = watchedStep(c.watch, placement, step, () => ({ params: model.params, grads: g.grads, ...(acts ? { activations: acts } : {}) }), () => optimizer.step(model.params, g.grads));
          } finally {
            for (const a of Object.values(acts ?? {})) tf.dispose([a.value, ...(a.derivative instanceof tf.Tensor ? [a.derivative] : [])]);
          }
          g.dispose();
          if (input !== b) input.dispose();
          const n = b.shape[0]!;
          loss += g.loss * n;
          recon += g.reconError * n;
          rows += n;
          c.onStep?.({ ...report, step, loss: g.loss });
          step += 1;
        }
      } finally {
        tf.dispose(batches);
      }
      const stats = { epoch, loss: loss / rows, reconError: recon / rows };
      history.push(stats);
      if (c.onEpoch?.(stats) === 'stop') break;
    }
  } finally {
    optimizer.dispose();
  }
  return { history, steps: step };
}
