/**
 * The deep autoencoder of Hinton & Salakhutdinov (2006): an encoder V → h_1 → … → code and a
 * mirrored decoder code → … → h_1 → V, logistic units everywhere except an optional linear code
 * layer and the output (logistic for data in [0, 1], with cross-entropy; linear for real-valued
 * data, with squared error). Built from random weights, or unrolled from a CD-pretrained stack of
 * RBMs by `DBN.toAutoencoder()` (decoder weights start as the transposed encoder weights and are
 * untied for fine-tuning), then fine-tuned end to end by backpropagation on reconstruction.
 *
 * Backpropagation is written out explicitly (one forward pass keeping the activations, one
 * backward pass over them), with explicit transposes: tfjs-wasm multiplies transposed operands
 * ~10× slower, and autodiff's matMul gradient uses that form. Checked in the tests against tfjs
 * autodiff and finite differences.
 *
 * Loss (per example, averaged over the batch): cross-entropy −Σ_i [x_i log y_i + (1 − x_i) log(1 − y_i)]
 * for a logistic output, squared error Σ_i (y_i − x_i)² for a linear one. The reconstruction
 * error reported is the squared error per example, as in Hinton & Salakhutdinov's figures.
 *
 * Parameters, named like a state_dict: `encoder{l}.weight` [in, out], `encoder{l}.bias` [out],
 * `decoder{l}.weight` [in, out], `decoder{l}.bias` [out], l = 0 … L−1 (decoder 0 reads the code).
 *
 * PyTorch: the model is one `nn.Sequential(Linear(V, H_1), Sigmoid(), …, Linear(H_{L−1}, C),
 * <code act>, Linear(C, H_{L−1}), Sigmoid(), …, Linear(H_1, V), <output act>)` with `nn.Identity()`
 * for a linear activation: encoder l is module 2l, decoder l module 2(L + l), weights [out, in].
 * `saveAutoencoderTorchWeights` / `loadDeepAutoencoderTorchWeights` (autoencoder-torch-weights.ts).
 *
 * Complexity: O(batch · Σ_l in_l · out_l) per pass, 3 matrix products per layer per step.
 *
 * References: G. E. Hinton & R. R. Salakhutdinov (2006), "Reducing the dimensionality of data
 * with neural networks", Science 313(5786); Y. Bengio, P. Lamblin, D. Popovici & H. Larochelle
 * (2007), "Greedy layer-wise training of deep networks", NIPS.
 */
import {
  Rng,
  ShapeError,
  ValidationError,
  initializer,
  INIT_NAMES,
  oneOf,
  parseOptions,
  positiveInt,
  tf,
  type InitName,
} from '@gradlab/core';
import { z } from 'zod';
import { AutoencoderBase, gradientsResult } from './autoencoder-base.js';
import { trainByBackprop } from './backprop-training.js';
import type { BackpropConfig, BackpropEpochStats } from './backprop-training.js';
import { ownVariable } from './rbm.js';

/** Activations of the code and output layers. */
export const AUTOENCODER_ACTIVATIONS = ['sigmoid', 'linear'] as const;
/** `'sigmoid'` (logistic) or `'linear'`. */
export type AutoencoderActivation = (typeof AUTOENCODER_ACTIVATIONS)[number];

/** Options of {@link DeepAutoencoder}. */
export interface DeepAutoencoderConfig {
  /** Encoder sizes [visible, hidden_1, …, code]: at least 2 positive integers (e.g. [784, 500, 250, 100, 30]). */
  layerSizes: number[];
  /** Code layer activation: 'linear' (default, Hinton & Salakhutdinov) or 'sigmoid'. */
  codeActivation?: AutoencoderActivation;
  /** Output activation: 'sigmoid' (default; data in [0, 1], cross-entropy) or 'linear' (squared error). */
  outputActivation?: AutoencoderActivation;
  /** Initialiser of every weight matrix (default 'normal-0.01', the small random weights of the 2006 baseline). Biases start at 0. */
  init?: InitName;
}

/** Defaults of {@link DeepAutoencoderConfig}. */
export const DEEP_AUTOENCODER_DEFAULTS = Object.freeze({ codeActivation: 'linear' as AutoencoderActivation, outputActivation: 'sigmoid' as AutoencoderActivation, init: 'normal-0.01' as InitName });

/** A stream never drawn from (zero initialisation), for {@link DeepAutoencoder.fromParams}. */
const UNUSED_RNG = new Rng('deep-autoencoder/zeros');

const configSchema = z.strictObject({
  layerSizes: z.array(positiveInt(), { error: 'an array of at least 2 positive integers' }).min(2, { error: 'an array of at least 2 positive integers' }),
  codeActivation: oneOf(AUTOENCODER_ACTIVATIONS).optional(),
  outputActivation: oneOf(AUTOENCODER_ACTIVATIONS).optional(),
  init: oneOf(INIT_NAMES).optional(),
});

/** One dense layer of the unrolled network. */
interface Layer {
  weight: string;
  bias: string;
  activation: AutoencoderActivation;
}

/** Loss, gradients and per-layer gradient norms of one batch; dispose when done. */
export interface AutoencoderGradients {
  /** Mean loss per example (cross-entropy or squared error, see the file comment). */
  loss: number;
  /** Mean squared reconstruction error per example, Σ_i (y_i − x_i)². */
  reconError: number;
  /** ∂loss/∂θ by parameter name. */
  grads: Record<string, tf.Tensor>;
  /** Frees the gradients. */
  dispose(): void;
}

/**
 * A deep autoencoder with an untied encoder and decoder.
 *
 * Parameters: `layerSizes` (encoder, ≥ 2 entries), `codeActivation` ('linear'),
 * `outputActivation` ('sigmoid'), `init` ('normal-0.01').
 * Shapes: input and reconstruction [batch, layerSizes[0]], code [batch, layerSizes.at(-1)].
 * @example
 * const ae = new DeepAutoencoder({ layerSizes: [784, 500, 250, 30] }, rng.fork('init'));
 * fineTuneAutoencoder(ae, x, { epochs: 10, learningRate: 0.01 }, rng.fork('fine-tune'));
 * const code = ae.encode(x); // [n, 30]
 */
export class DeepAutoencoder extends AutoencoderBase {
  /** Encoder sizes [visible, …, code]. */
  readonly layerSizes: readonly number[];
  /** Code layer activation. */
  readonly codeActivation: AutoencoderActivation;
  /** Output activation. */
  readonly outputActivation: AutoencoderActivation;
  /** Trainable parameters by name. */
  override readonly params: Record<string, tf.Variable>;
  private readonly layers: Layer[];

  /**
   * @param config sizes, activations and initialiser (see {@link DeepAutoencoderConfig})
   * @param rng weights from `rng.fork('encoder{l}')` / `rng.fork('decoder{l}')`
   * @throws ValidationError naming a bad field
   */
  constructor(config: DeepAutoencoderConfig, rng: Rng) {
    super('DeepAutoencoder');
    const c = parseOptions('DeepAutoencoder', configSchema, config);
    this.layerSizes = Object.freeze([...c.layerSizes]);
    this.codeActivation = c.codeActivation ?? DEEP_AUTOENCODER_DEFAULTS.codeActivation;
    this.outputActivation = c.outputActivation ?? DEEP_AUTOENCODER_DEFAULTS.outputActivation;
    const init = initializer(c.init ?? DEEP_AUTOENCODER_DEFAULTS.init);
    this.params = {};
    this.layers = [];
    const sizes = this.layerSizes;
    const L = sizes.length - 1;
    for (let l = 0; l < L; l++) {
      const r = rng.fork(`encoder${l}`);
      this.params[`encoder${l}.weight`] = ownVariable(init([sizes[l]!, sizes[l + 1]!], r.fork('weight')));
      this.params[`encoder${l}.bias`] = ownVariable(tf.zeros([sizes[l + 1]!]));
      this.layers.push({ weight: `encoder${l}.weight`, bias: `encoder${l}.bias`, activation: l === L - 1 ? this.codeActivation : 'sigmoid' });
    }
    for (let l = 0; l < L; l++) {
      const from = sizes[L - l]!;
      const to = sizes[L - l - 1]!;
      const r = rng.fork(`decoder${l}`);
      this.params[`decoder${l}.weight`] = ownVariable(init([from, to], r.fork('weight')));
      this.params[`decoder${l}.bias`] = ownVariable(tf.zeros([to]));
      this.layers.push({ weight: `decoder${l}.weight`, bias: `decoder${l}.bias`, activation: l === L - 1 ? this.outputActivation : 'sigmoid' });
    }
  }

  /**
   * A deep autoencoder holding copies of the given parameters (every name of the architecture:
   * `encoder{l}.weight`, `encoder{l}.bias`, `decoder{l}.weight`, `decoder{l}.bias`).
   * @throws ValidationError for a missing or unknown name; ShapeError for a wrong shape
   */
  static fromParams(config: Omit<DeepAutoencoderConfig, 'init'>, params: Record<string, tf.Tensor>): DeepAutoencoder {
    // Zero initialisation draws nothing from its stream.
    const ae = new DeepAutoencoder({ ...config, init: 'zeros' }, UNUSED_RNG);
    const missing = Object.keys(ae.params).filter((n) => params[n] === undefined);
    if (missing.length > 0) {
      ae.dispose();
      throw new ValidationError(`DeepAutoencoder.fromParams: expected params to contain ${missing.map((n) => JSON.stringify(n)).join(', ')}`);
    }
    try {
      ae.setParams(params);
    } catch (err) {
      ae.dispose();
      throw err;
    }
    return ae;
  }

  /** Number of weight layers in the encoder (the decoder has as many). */
  get depth(): number {
    return this.layerSizes.length - 1;
  }

  /** Names of the weight matrices in forward order (encoder0 … decoder{L−1}). */
  get weightNames(): string[] {
    return this.layers.map((l) => l.weight);
  }

  /**
   * Replaces parameters by copies of the given tensors (names and shapes must match).
   * @throws ValidationError for an unknown name; ShapeError for a wrong shape
   */
  setParams(values: Record<string, tf.Tensor>): void {
    this.checkLive();
    for (const [name, t] of Object.entries(values)) {
      const target = this.params[name];
      if (target === undefined) throw new ValidationError(`DeepAutoencoder.setParams: expected a parameter name (${Object.keys(this.params).join(', ')}), got ${JSON.stringify(name)}`);
      if (target.shape.join(',') !== t.shape.join(',')) throw new ShapeError(`DeepAutoencoder.setParams: expected "${name}" of shape [${target.shape}], got [${t.shape}]`);
      tf.tidy(() => target.assign(tf.cast(t, 'float32')));
    }
  }

  /**
   * The code of each row.
   * @param x [batch, visible]
   * @returns [batch, code]
   */
  encode(x: tf.Tensor): tf.Tensor2D {
    this.checkInput(x, 'encode');
    return tf.tidy(() => this.run(x as tf.Tensor2D, 0, this.depth).at(-1)!);
  }

  /**
   * The reconstruction of a code.
   * @param code [batch, code]
   * @returns [batch, visible] (probabilities for a logistic output)
   */
  decode(code: tf.Tensor): tf.Tensor2D {
    this.checkLive();
    const size = this.layerSizes.at(-1)!;
    if (code.rank !== 2 || code.shape[1] !== size) throw new ShapeError(`DeepAutoencoder.decode: expected codes of shape [batch, ${size}], got [${code.shape}]`);
    return tf.tidy(() => this.run(code as tf.Tensor2D, this.depth, 2 * this.depth).at(-1)!);
  }

  /**
   * encode then decode.
   * @param x [batch, visible]
   * @returns [batch, visible]
   */
  reconstruct(x: tf.Tensor): tf.Tensor2D {
    this.checkInput(x, 'reconstruct');
    return tf.tidy(() => this.run(x as tf.Tensor2D, 0, 2 * this.depth).at(-1)!);
  }

  /**
   * Mean squared reconstruction error per example Σ_i (y_i − x_i)² over the rows of x (one readback).
   * @param x [n, visible]
   */
  reconstructionError(x: tf.Tensor): number {
    const y = this.reconstruct(x);
    const e = tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(y, x)), x.shape[0]!));
    const value = e.dataSync()[0]!;
    tf.dispose([y, e]);
    return value;
  }

  /**
   * Loss and gradients for one batch by explicit backpropagation.
   * @param x input [batch, visible] (the target is x itself unless `target` is given)
   * @param target reconstruction target [batch, visible] (e.g. the clean input when x is corrupted)
   * @returns loss, reconstruction error and ∂loss/∂θ; call `dispose()` on the result
   */
  gradients(x: tf.Tensor, target: tf.Tensor = x): AutoencoderGradients {
    this.checkInput(x, 'gradients');
    if (target.shape.join(',') !== x.shape.join(',')) throw new ShapeError(`DeepAutoencoder.gradients: expected target of shape [${x.shape}], got [${target.shape}]`);
    const { grads, stats } = tf.tidy(() => {
      const batch = x.shape[0]!;
      const acts = this.run(x as tf.Tensor2D, 0, this.layers.length); // acts[0] = x, acts[k] = output of layer k−1
      const y = acts.at(-1)!;
      const diff = tf.sub(y, target);
      const reconSum = tf.sum(tf.square(diff));
      let lossSum: tf.Tensor;
      let delta: tf.Tensor2D;
      if (this.outputActivation === 'sigmoid') {
        // Cross-entropy on the probabilities, clamped as binaryCrossEntropy: log ≥ −100.
        const logP = tf.maximum(tf.log(y), -100);
        const log1mP = tf.maximum(tf.log(tf.sub(1, y)), -100);
        lossSum = tf.neg(tf.sum(tf.add(tf.mul(target, logP), tf.mul(tf.sub(1, target), log1mP))));
        delta = tf.div(diff, batch) as tf.Tensor2D; // ∂/∂z of sigmoid + cross-entropy
      } else {
        lossSum = reconSum;
        delta = tf.mul(diff, 2 / batch) as tf.Tensor2D;
      }
      const out: Record<string, tf.Tensor> = {};
      for (let k = this.layers.length - 1; k >= 0; k--) {
        const layer = this.layers[k]!;
        const input = acts[k]!;
        out[layer.weight] = tf.matMul(tf.transpose(input), delta);
        out[layer.bias] = tf.sum(delta, 0);
        if (k > 0) {
          const back = tf.matMul(delta, tf.transpose(this.params[layer.weight]!)) as tf.Tensor2D;
          delta = (this.layers[k - 1]!.activation === 'sigmoid' ? tf.mul(back, tf.mul(input, tf.sub(1, input))) : back) as tf.Tensor2D;
        }
      }
      const stats = tf.stack([tf.div(lossSum, batch), tf.div(reconSum, batch)]);
      return { grads: out, stats };
    });
    return gradientsResult(grads, stats);
  }

  /** Activations from layer `from` (exclusive input) through layer `to` − 1; element 0 is the input. Call inside tidy. */
  private run(x: tf.Tensor2D, from: number, to: number): tf.Tensor2D[] {
    const acts: tf.Tensor2D[] = [x];
    let a = x;
    for (let k = from; k < to; k++) {
      const layer = this.layers[k]!;
      const zk = tf.add(tf.matMul(a, this.params[layer.weight]! as tf.Tensor2D), this.params[layer.bias]!) as tf.Tensor2D;
      a = layer.activation === 'sigmoid' ? tf.sigmoid(zk) : zk;
      acts.push(a);
    }
    return acts;
  }

  private checkInput(x: tf.Tensor, method: string): void {
    this.checkLive();
    if (!(x instanceof tf.Tensor)) throw new ValidationError(`DeepAutoencoder.${method}: expected x to be a tf.Tensor [batch, ${this.layerSizes[0]}], got ${typeof x}`);
    if (x.rank !== 2 || x.shape[1] !== this.layerSizes[0]) {
      throw new ShapeError(`DeepAutoencoder.${method}: expected input of shape [batch, ${this.layerSizes[0]}], got [${x.shape}]`);
    }
  }
}

/**
 * Fine-tunes a deep autoencoder end to end by backpropagation on reconstruction (minibatch SGD
 * with momentum by default; Hinton & Salakhutdinov used conjugate gradients).
 * @param ae the model (updated in place)
 * @param x training data [n, visible], not changed
 * @param config `{ epochs, batchSize = 100, optimizer = 'sgd', learningRate, momentum = 0.9, weightDecay = 0, noise = 0, onEpoch, onStep, watch }`
 * @param rng shuffles from `rng.fork('shuffle/<epoch>')`, noise from `rng.fork('noise')`
 * @returns per-epoch mean loss and reconstruction error
 * @throws ValidationError naming a bad option; ShapeError for data of the wrong shape
 * @example fineTuneAutoencoder(ae, x, { epochs: 20, learningRate: 0.01, onEpoch: (s) => rows.push(s) }, rng.fork('fine-tune'))
 */
export function fineTuneAutoencoder(ae: DeepAutoencoder, x: tf.Tensor, config: BackpropConfig, rng: Rng): BackpropEpochStats[] {
  if (!(ae instanceof DeepAutoencoder)) throw new ValidationError(`fineTuneAutoencoder: expected ae to be a DeepAutoencoder, got ${typeof ae}`);
  return trainByBackprop('fineTuneAutoencoder', ae, ae.layerSizes[0]!, x, config, rng).history;
}
