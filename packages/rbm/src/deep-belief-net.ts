/**
 * Deep belief net (Hinton, Osindero & Teh 2006): a stack of RBMs trained greedily, layer by
 * layer — RBM l is trained by CD on the hidden activations P(h | ·) of RBM l − 1 for the data.
 * The result is used three ways:
 *
 * - **generation**: Gibbs sampling in the top RBM (an undirected associative memory), then one
 *   directed down-pass through the lower RBMs' P(v | h);
 * - **classification** (`toMLP`): the recognition weights unrolled into a logistic MLP with a
 *   new output layer, fine-tuned by backpropagation (Hinton & Salakhutdinov 2006; Bengio et al. 2007);
 * - **dimensionality reduction** (`toAutoencoder`): the stack unrolled into an encoder and its
 *   transposed decoder, fine-tuned on reconstruction (Hinton & Salakhutdinov 2006), with a linear
 *   code layer when the top RBM has Gaussian hidden units.
 *
 * The bottom RBM may have Gaussian visible units (real-valued, standardised data); the top RBM
 * may have linear Gaussian hidden units (a real-valued code).
 *
 * Complexity: pretraining costs the sum of the layers' CD costs; one up-pass O(n · Σ_l V_l·H_l).
 *
 * References: G. E. Hinton, S. Osindero & Y.-W. Teh (2006), "A fast learning algorithm for deep
 * belief nets", Neural Computation 18(7); G. E. Hinton & R. R. Salakhutdinov (2006), "Reducing
 * the dimensionality of data with neural networks", Science 313; Y. Bengio, P. Lamblin,
 * D. Popovici & H. Larochelle (2007), "Greedy layer-wise training of deep networks", NIPS.
 */
import {
  ShapeError,
  ValidationError,
  nonNegativeNumber,
  oneOf,
  parseOptions,
  positiveInt,
  tf,
  type MLP,
  type Rng,
} from '@gradlab/core';
import { z } from 'zod';
import { BernoulliGaussianRBM } from './bernoulli-gaussian-rbm.js';
import { BernoulliRBM } from './bernoulli-rbm.js';
import { DeepAutoencoder } from './deep-autoencoder.js';
import { GaussianBernoulliRBM } from './gaussian-bernoulli-rbm.js';
import { HIDDEN_TYPES, VISIBLE_TYPES } from './rbm.js';
import type { HiddenType, RBM, VisibleType } from './rbm.js';
import { VISIBLE_MEAN_EPSILON } from './rbm-init.js';
import { mapRows } from './row-chunks.js';
import { trainRBMPlaced } from './train-rbm.js';
import type { RBMEpochStats, TrainRBMConfig } from './train-rbm.js';
import { unrollToMLP } from './unroll-mlp.js';
import type { ToMLPOptions } from './unroll-mlp.js';
import { layerPlacement } from './watched-step.js';

/** Options of {@link DBN}. */
export interface DBNConfig {
  /** [visible, hidden_1, …, hidden_L]: at least 2 positive integers (e.g. [784, 500, 500, 2000]). */
  layerSizes: number[];
  /** Visible units of the bottom RBM: 'bernoulli' (default) or 'gaussian' (standardised real data). */
  visibleType?: VisibleType;
  /** Hidden units of the top RBM: 'bernoulli' (default) or 'gaussian' (a linear code, Hinton & Salakhutdinov 2006). */
  topHiddenType?: HiddenType;
  /** Standard deviation of the initial weights (default 0.01). */
  weightStd?: number;
}

const dbnSchema = z.strictObject({
  layerSizes: z.array(positiveInt(), { error: 'an array of at least 2 positive integers' }).min(2, { error: 'an array of at least 2 positive integers' }),
  visibleType: oneOf(VISIBLE_TYPES).optional(),
  topHiddenType: oneOf(HIDDEN_TYPES).optional(),
  weightStd: nonNegativeNumber().optional(),
});

/** Training options of one layer (all of `trainRBM`'s but the callback). */
export type DBNLayerTrainConfig = Omit<TrainRBMConfig, 'onEpoch'>;

/**
 * Options of {@link DBN.pretrain}. With `watch`, one watcher records every layer: RBM l's rows are
 * named `layer{l}.weight`, `layer{l}.visibleBias`, `layer{l}.hiddenBias`, `layer{l}.hidden` (l 0-based,
 * as `onEpoch`'s `layer`), and `step` counts the updates of the whole pretraining, so RBM l's first
 * update comes right after RBM l − 1's last (a per-layer `watch` override records that layer only).
 */
export interface DBNPretrainConfig extends DBNLayerTrainConfig {
  /** Per-layer overrides of the options above, e.g. `[{}, {}, { learningRate: 0.001 }]` for a linear code layer. */
  layers?: Partial<DBNLayerTrainConfig>[];
  /** Set each layer's visible biases from its input's per-unit means before training (default true, Hinton 2010 sect. 8). */
  initVisibleBias?: boolean;
  /** Called after every epoch of every layer; return 'stop' to end that layer's training early. */
  onEpoch?: (stats: RBMEpochStats & { layer: number }) => void | 'stop';
}

/** Per-layer history of {@link DBN.pretrain}. */
export interface DBNPretrainResult {
  /** For each layer, its epochs' statistics. */
  layers: { layer: number; history: Omit<RBMEpochStats, 'trainer'>[] }[];
}

/**
 * A deep belief net: a stack of RBMs with greedy layer-wise pretraining.
 *
 * Parameters: `layerSizes` [V, H_1, …, H_L], `visibleType` ('bernoulli'), `topHiddenType`
 * ('bernoulli'), `weightStd` (0.01). RBM l has W_l [H_{l−1}, H_l].
 * @example
 * const dbn = new DBN({ layerSizes: [784, 500, 500] }, rng.fork('dbn'));
 * dbn.pretrain(x, { epochs: 10, learningRate: 0.05 }, rng.fork('pretrain'));
 * const mlp = dbn.toMLP(10, rng.fork('head')); // fine-tune with core's optimisers
 * const samples = dbn.sample(16, rng.fork('sample'), { steps: 1000 });
 */
export class DBN {
  /** [V, H_1, …, H_L]. */
  readonly layerSizes: readonly number[];
  /** The RBMs, bottom first. */
  readonly layers: readonly RBM[];
  private disposed = false;

  /**
   * @param config sizes and unit types (see {@link DBNConfig})
   * @param rng RBM l is initialised from `rng.fork('layer{l}')`
   * @throws ValidationError naming a bad field, or for a one-layer net with Gaussian units on both sides
   */
  constructor(config: DBNConfig, rng: Rng) {
    const c = parseOptions('DBN', dbnSchema, config);
    const sizes = c.layerSizes;
    const L = sizes.length - 1;
    const visibleType = c.visibleType ?? 'bernoulli';
    const topHidden = c.topHiddenType ?? 'bernoulli';
    if (L === 1 && visibleType === 'gaussian' && topHidden === 'gaussian') {
      throw new ValidationError('DBN: expected at most one Gaussian layer in a one-RBM net (Gaussian visible and Gaussian hidden units together are not supported), got visibleType "gaussian" and topHiddenType "gaussian"');
    }
    this.layerSizes = Object.freeze([...sizes]);
    const layers: RBM[] = [];
    for (let l = 0; l < L; l++) {
      const cfg = { numVisible: sizes[l]!, numHidden: sizes[l + 1]!, ...(c.weightStd === undefined ? {} : { weightStd: c.weightStd }) };
      const r = rng.fork(`layer${l}`);
      if (l === 0 && visibleType === 'gaussian') layers.push(new GaussianBernoulliRBM(cfg, r));
      else if (l === L - 1 && topHidden === 'gaussian') layers.push(new BernoulliGaussianRBM(cfg, r));
      else layers.push(new BernoulliRBM(cfg, r));
    }
    this.layers = Object.freeze(layers);
  }

  /** Number of RBMs L. */
  get depth(): number {
    return this.layers.length;
  }

  /**
   * Greedy layer-wise pretraining: RBM l is trained by `trainRBM` on E[h | ·] of RBM l − 1 for x.
   * @param x training data [n, V] (not changed)
   * @param config `trainRBM` options for every layer (`watch` as {@link DBNPretrainConfig} says), `layers` per-layer overrides, `initVisibleBias`, `onEpoch`
   * @param rng layer l trains with `rng.fork('layer{l}')`
   * @returns each layer's epoch history
   * @throws ValidationError for bad options; ShapeError for data of the wrong shape
   */
  pretrain(x: tf.Tensor, config: DBNPretrainConfig, rng: Rng): DBNPretrainResult {
    this.checkLive();
    const { layers: overrides = [], initVisibleBias = true, onEpoch, ...shared } = config;
    if (!Array.isArray(overrides) || overrides.length > this.depth) {
      throw new ValidationError(`DBN.pretrain: expected layers to be an array of at most ${this.depth} per-layer option objects, got ${Array.isArray(overrides) ? `${overrides.length} entries` : typeof overrides}`);
    }
    this.layers[0]!.checkVisible(x, 'pretrain');
    const out: DBNPretrainResult = { layers: [] };
    let input: tf.Tensor = x;
    let updates = 0;
    try {
      for (let l = 0; l < this.depth; l++) {
        const rbm = this.layers[l]!;
        if (initVisibleBias) setVisibleBiasFromData(rbm, input);
        const layerConfig: TrainRBMConfig = { ...shared, ...(overrides[l] ?? {}) };
        if (onEpoch !== undefined) layerConfig.onEpoch = (s) => onEpoch({ ...s, layer: l });
        const { history, steps } = trainRBMPlaced(rbm, input, layerConfig, rng.fork(`layer${l}`), layerPlacement(l, updates));
        updates += steps;
        out.layers.push({ layer: l, history });
        if (l + 1 < this.depth) {
          const next = mapRows(input, (rows) => rbm.meanHidden(rows));
          if (input !== x) input.dispose();
          input = next;
        }
      }
    } finally {
      if (input !== x) input.dispose();
    }
    return out;
  }

  /**
   * E[h_l | ·] of every layer for x (the deterministic up-pass).
   * @param x [n, V]
   * @returns L tensors [n, H_l]; the caller disposes them
   */
  upPass(x: tf.Tensor): tf.Tensor2D[] {
    this.checkLive();
    this.layers[0]!.checkVisible(x, 'upPass');
    const out: tf.Tensor2D[] = [];
    let a: tf.Tensor = x;
    for (const rbm of this.layers) {
      a = mapRows(a, (rows) => rbm.meanHidden(rows));
      out.push(a as tf.Tensor2D);
    }
    return out;
  }

  /**
   * The top layer's features E[h_L | ·] for x.
   * @param x [n, V]
   * @returns [n, H_L]
   */
  transform(x: tf.Tensor): tf.Tensor2D {
    const all = this.upPass(x);
    const top = all.pop()!;
    tf.dispose(all);
    return top;
  }

  /**
   * Samples from the generative model: `steps` Gibbs sweeps in the top RBM, then a down-pass
   * (binary samples at the intermediate layers, probabilities at the bottom).
   * @param numSamples number of samples, a positive integer
   * @param rng random stream for the start states and every draw
   * @param options `steps` Gibbs sweeps in the top RBM (default 200); `start` data [numSamples, V]
   *   whose up-pass starts the chains (default: uniform random binary states of the top RBM's visible layer)
   * @returns [numSamples, V]: probabilities (binary visibles) or means (Gaussian visibles)
   */
  sample(numSamples: number, rng: Rng, options: { steps?: number; start?: tf.Tensor } = {}): tf.Tensor2D {
    this.checkLive();
    if (!Number.isSafeInteger(numSamples) || numSamples < 1) throw new ValidationError(`DBN.sample: expected numSamples to be a positive integer, got ${String(numSamples)}`);
    const steps = options.steps ?? 200;
    const top = this.layers.at(-1)!;
    let start: tf.Tensor2D;
    if (options.start !== undefined) {
      if (options.start.rank !== 2 || options.start.shape[0] !== numSamples || options.start.shape[1] !== this.layerSizes[0]) {
        throw new ShapeError(`DBN.sample: expected start of shape [${numSamples}, ${this.layerSizes[0]}], got [${options.start.shape}]`);
      }
      const ups = this.upPass(options.start);
      const below = this.depth > 1 ? ups[this.depth - 2]! : (tf.clone(options.start) as tf.Tensor2D);
      tf.dispose(ups.filter((t) => t !== below));
      start = below;
    } else {
      start = tf.tidy(() => rng.bernoulliTensor(tf.fill([numSamples, top.numVisible], 0.5)) as tf.Tensor2D);
    }
    let v = top.gibbs(start, steps, rng);
    start.dispose();
    for (let l = this.depth - 2; l >= 0; l--) {
      const rbm = this.layers[l]!;
      const mean = rbm.meanVisible(v);
      v.dispose();
      if (l === 0) return mean;
      v = rbm.sampleVisibleGivenMean(mean, rng);
      mean.dispose();
    }
    // One RBM: the chain's last visible state is a sample; return its probabilities instead.
    const h = top.sampleHidden(v, rng);
    const mean = top.meanVisible(h);
    tf.dispose([h, v]);
    return mean;
  }

  /**
   * A logistic MLP [V, H_1, …, H_L, numOutputs] initialised with the recognition weights, plus a
   * new output layer, for supervised fine-tuning (core `MLP.gradients` and optimisers). To
   * fine-tune in PyTorch instead, `saveMLPTorchWeights(mlp, path)` writes it as
   * `nn.Sequential(Linear(V, H_1), Sigmoid(), …, Linear(H_L, numOutputs))` (modules 0, 2, …, 2L)
   * and `loadMLPTorchWeights(path)` reads it back.
   * @param numOutputs width of the output layer (e.g. 10 classes)
   * @param rng the output layer's initialisation
   * @throws ValidationError when the top RBM has Gaussian hidden units (a logistic MLP cannot represent them)
   */
  toMLP(numOutputs: number, rng: Rng, options: ToMLPOptions = {}): MLP {
    this.checkLive();
    if (this.layers.some((l) => l.hiddenType !== 'bernoulli')) {
      throw new ValidationError('DBN.toMLP: expected every RBM to have binary hidden units (the MLP is logistic), got a top layer with Gaussian hidden units; use toAutoencoder');
    }
    return unrollToMLP('DBN.toMLP', this.layers.map((r) => ({ weight: r.weight, bias: r.hiddenBias })), numOutputs, rng, options);
  }

  /**
   * Hinton & Salakhutdinov's deep autoencoder: encoder layer l = (W_l, c_l), decoder layer l =
   * (W_{L−1−l}ᵀ, b_{L−1−l}); a linear code when the top RBM has Gaussian hidden units, a linear
   * output for Gaussian visibles. The decoder is untied (its own copy of the weights).
   */
  toAutoencoder(): DeepAutoencoder {
    this.checkLive();
    const L = this.depth;
    const params: Record<string, tf.Tensor> = {};
    tf.tidy(() => {
      this.layers.forEach((rbm, l) => {
        params[`encoder${l}.weight`] = tf.keep(tf.clone(rbm.weight));
        params[`encoder${l}.bias`] = tf.keep(tf.clone(rbm.hiddenBias));
        params[`decoder${L - 1 - l}.weight`] = tf.keep(tf.transpose(rbm.weight));
        params[`decoder${L - 1 - l}.bias`] = tf.keep(tf.clone(rbm.visibleBias));
      });
    });
    try {
      return DeepAutoencoder.fromParams(
        {
          layerSizes: [...this.layerSizes],
          codeActivation: this.layers[L - 1]!.hiddenType === 'gaussian' ? 'linear' : 'sigmoid',
          outputActivation: this.layers[0]!.visibleType === 'gaussian' ? 'linear' : 'sigmoid',
        },
        params,
      );
    } finally {
      tf.dispose(Object.values(params));
    }
  }

  /** Frees every RBM. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const l of this.layers) l.dispose();
  }

  private checkLive(): void {
    if (this.disposed) throw new ValidationError('DBN: this model was disposed');
  }
}

/** b = logit(mean) (binary visibles) or mean (Gaussian visibles) of the data's columns (shared with the DBM's pretraining). */
export function setVisibleBiasFromData(rbm: RBM, x: tf.Tensor): void {
  const b = tf.tidy(() => {
    const m = tf.mean(x, 0);
    if (rbm.visibleType === 'gaussian') return m;
    const p = tf.clipByValue(m, VISIBLE_MEAN_EPSILON, 1 - VISIBLE_MEAN_EPSILON);
    return tf.log(tf.div(p, tf.sub(1, p)));
  });
  rbm.setParams({ visibleBias: b });
  b.dispose();
}
