/**
 * Construction of RBM parameters as Hinton recommends ("A practical guide to training restricted
 * Boltzmann machines", 2010, sect. 8, and the Hinton–Salakhutdinov 2006 code): weights from
 * N(0, 0.01²), hidden biases 0, and each visible bias set to log(p_i / (1 − p_i)) where p_i is
 * the fraction of training vectors in which unit i is on (binary visibles), or to the data mean
 * (Gaussian visibles). Shared by both RBM types and by the deep models built from them.
 */
import {
  ShapeError,
  ValidationError,
  finiteNumber,
  nonNegativeNumber,
  parseOptions,
  positiveInt,
  tf,
  type Rng,
} from '@gradlab/core';
import { z } from 'zod';
import type { RBMParams } from './rbm.js';

/** Default standard deviation of the initial weights (Hinton 2010, sect. 8). */
export const DEFAULT_WEIGHT_STD = 0.01;
/** Default initial hidden bias (Hinton 2010, sect. 8; use about −4 to encourage sparsity). */
export const DEFAULT_HIDDEN_BIAS = 0;
/** Visible means are clipped to [ε, 1 − ε] before the logit, so a unit never on gives a finite bias. */
export const VISIBLE_MEAN_EPSILON = 1e-3;

/** Options shared by the RBM constructors. */
export interface RBMConfig {
  /** Number of visible units V: a positive integer (e.g. 784 for 28×28 images). */
  numVisible: number;
  /** Number of hidden units H: a positive integer (sklearn's `n_components`; typical 16–2000). */
  numHidden: number;
  /** Standard deviation of the initial weights W ~ N(0, σ²); ≥ 0 (default 0.01; range 0.001–0.1). */
  weightStd?: number;
  /**
   * Per-visible-unit mean of the training data [visible]. Binary visibles: the fraction of
   * vectors in which the unit is on, giving b_i = log(p_i / (1 − p_i)); Gaussian visibles: the
   * data mean, giving b_i = mean_i. Default: all visible biases 0.
   */
  visibleMeans?: ArrayLike<number> | tf.Tensor;
  /** Initial hidden bias, a finite number (default 0). */
  hiddenBias?: number;
}

const rbmConfigSchema = z.strictObject({
  numVisible: positiveInt(),
  numHidden: positiveInt(),
  weightStd: nonNegativeNumber().optional(),
  visibleMeans: z
    .custom<ArrayLike<number> | tf.Tensor>((v) => v instanceof tf.Tensor || ArrayBuffer.isView(v) || Array.isArray(v), {
      error: 'an array or tensor of per-unit means',
    })
    .optional(),
  hiddenBias: finiteNumber().optional(),
});

/** A validated {@link RBMConfig}. */
export type RBMSpec = z.output<typeof rbmConfigSchema>;

/** Validates an RBM config; `where` names the constructor in messages. */
export function parseRBMConfig(where: string, config: RBMConfig): RBMSpec {
  return parseOptions(where, rbmConfigSchema, config);
}

/** The per-unit means as a float32 [visible] tensor, checking the length. */
function meansTensor(where: string, means: ArrayLike<number> | tf.Tensor, numVisible: number): tf.Tensor1D {
  const t = means instanceof tf.Tensor ? tf.cast(tf.reshape(means, [-1]), 'float32') : tf.tensor1d(Array.from(means), 'float32');
  if (t.size !== numVisible) {
    t.dispose();
    throw new ShapeError(`${where}: expected visibleMeans to hold ${numVisible} values (one per visible unit), got ${t.size}`);
  }
  return t as tf.Tensor1D;
}

/**
 * Initial parameters: W from N(0, weightStd²) drawn with `rng.fork('weight')`, c = hiddenBias,
 * b from the visible means (logit for binary visibles, the mean itself for Gaussian ones).
 */
export function initialRBMParams(where: string, spec: RBMSpec, visibleType: 'bernoulli' | 'gaussian', rng: Rng): RBMParams {
  const { numVisible, numHidden } = spec;
  const std = spec.weightStd ?? DEFAULT_WEIGHT_STD;
  const weight = rng.fork('weight').normalTensor([numVisible, numHidden], 0, std);
  const hiddenBias = tf.fill([numHidden], spec.hiddenBias ?? DEFAULT_HIDDEN_BIAS, 'float32');
  let visibleBias: tf.Tensor;
  if (spec.visibleMeans === undefined) {
    visibleBias = tf.zeros([numVisible]);
  } else {
    const m = meansTensor(where, spec.visibleMeans, numVisible);
    visibleBias = tf.tidy(() => {
      if (visibleType === 'gaussian') return tf.clone(m);
      const p = tf.clipByValue(m, VISIBLE_MEAN_EPSILON, 1 - VISIBLE_MEAN_EPSILON);
      return tf.log(tf.div(p, tf.sub(1, p)));
    });
    m.dispose();
  }
  return { weight, visibleBias, hiddenBias };
}

/**
 * Checks tensors given to `fromParams`: W [V, H], b [V], c [H].
 * @returns [V, H]
 * @throws ShapeError naming the tensor (also for an empty layer); ValidationError for a disposed tensor
 */
export function checkParamShapes(where: string, params: RBMParams): [number, number] {
  for (const name of ['weight', 'visibleBias', 'hiddenBias'] as const) {
    if (!(params?.[name] instanceof tf.Tensor)) throw new ShapeError(`${where}: expected params.${name} to be a tf.Tensor, got ${typeof params?.[name]}`);
    if (params[name].isDisposed) throw new ValidationError(`${where}: expected params.${name} to be a live tensor, got a disposed one`);
  }
  const { weight, visibleBias, hiddenBias } = params;
  if (weight.rank !== 2) throw new ShapeError(`${where}: expected params.weight of shape [visible, hidden], got [${weight.shape}]`);
  const [v, h] = weight.shape as [number, number];
  if (v === 0 || h === 0) throw new ShapeError(`${where}: expected params.weight of shape [visible, hidden] with both sizes ≥ 1, got [${weight.shape}]`);
  if (visibleBias.rank !== 1 || visibleBias.shape[0] !== v) {
    throw new ShapeError(`${where}: expected params.visibleBias of shape [${v}], got [${visibleBias.shape}]`);
  }
  if (hiddenBias.rank !== 1 || hiddenBias.shape[0] !== h) {
    throw new ShapeError(`${where}: expected params.hiddenBias of shape [${h}], got [${hiddenBias.shape}]`);
  }
  return [v, h];
}

/** Float32 copies of the given parameters. */
export function copyParams(params: RBMParams): RBMParams {
  const copy = (t: tf.Tensor) => tf.tidy(() => tf.cast(t, 'float32').clone());
  return { weight: copy(params.weight), visibleBias: copy(params.visibleBias), hiddenBias: copy(params.hiddenBias) };
}

/**
 * The arguments of the base `RBM` constructor for either way a concrete RBM is built: from a
 * config and an `Rng` (Hinton's initialisation), or from given parameters (copied; used by
 * `fromParams`). `where` is the class name used in messages.
 * @returns [numVisible, numHidden, params]
 */
export function rbmConstructorArgs(
  where: string,
  config: RBMConfig | { params: RBMParams },
  visibleType: 'bernoulli' | 'gaussian',
  rng: Rng | undefined,
): [number, number, RBMParams] {
  if ('params' in config) {
    const [v, h] = checkParamShapes(`${where}.fromParams`, config.params);
    return [v, h, copyParams(config.params)];
  }
  const spec = parseRBMConfig(where, config);
  if (rng === undefined) throw new ValidationError(`${where}: expected an Rng as the second argument to draw the initial weights, got undefined`);
  return [spec.numVisible, spec.numHidden, initialRBMParams(where, spec, visibleType, rng)];
}
