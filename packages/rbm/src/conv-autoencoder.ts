/**
 * A one-layer convolutional autoencoder with tied weights, optionally denoising (Masci, Meier,
 * Cireşan & Schmidhuber 2011; the denoising criterion of Vincent et al. 2008):
 *
 *   x̃ = x ⊙ m,  m ~ Bernoulli(1 − noise) per pixel and channel   (x̃ = x when noise = 0)
 *   h = φ(x̃ ⋆_s W + c)                     φ = sigmoid (default), tanh or relu; [b, h', w', K]
 *   y = f(h ⋆ᵀ_s W + b)                      f = σ (default) or identity;      [b, H, W, C]
 *   loss = −Σ [x log y + (1 − x) log(1 − y)]  (cross-entropy, logistic output, from the logits)
 *        or Σ (y − x)²                         (squared error, linear output)
 *
 * summed over pixels and channels per example, averaged over the batch (the dense
 * {@link Autoencoder}'s choices). ⋆_s is the stride-s, zero-padded cross-correlation of core's
 * `conv2d` (PyTorch's `nn.Conv2d`) and ⋆ᵀ_s its adjoint, the transposed convolution
 * (`nn.ConvTranspose2d` with the same weight, stride and padding): the encoder's W [k, k, C, K]
 * maps C input channels to K feature maps and the same W maps them back.
 *
 * Tied weights, as Masci et al. (their decoder convolves with the flipped encoder kernels) and as
 * the dense autoencoder: the decoder is the encoder's linear map transposed, so the model has half
 * the parameters, and every gradient step moves the one kernel bank that `toConvNet` carries
 * into the fine-tuned net (an untied decoder would take part of the learning away with it).
 *
 * The transposed convolution is written as a forward convolution (the stride-s dilation of h,
 * zero-padded by k − 1 − padding, correlated with W flipped in space and with its in / out axes
 * swapped) so that it runs through core's `conv2d`, whose backward pass works on tfjs-wasm
 * (which has no `Conv2DBackpropFilter`; tf.conv2dTranspose's kernel gradient needs it). Its
 * output is the input's size exactly when every input pixel is seen by the encoder:
 *
 *   padding ≤ kernelSize − 1   and   stride divides H + 2·padding − kernelSize (likewise W);
 *
 * other geometries are rejected (the rows the strided kernel never reaches could only be
 * reconstructed from the bias). Gradients are by tfjs autodiff through those ops, checked in the
 * tests against tf.conv2dTranspose's own gradients, float64 finite differences and PyTorch.
 *
 * Complexity: two convolutions forward, four backward, O(batch·H·W·k²·C·K / s²) each.
 *
 * References: J. Masci, U. Meier, D. Cireşan & J. Schmidhuber (2011), "Stacked convolutional
 * auto-encoders for hierarchical feature extraction", ICANN (LNCS 6791); P. Vincent, H. Larochelle,
 * Y. Bengio & P.-A. Manzagol (2008), "Extracting and composing robust features with denoising
 * autoencoders", ICML.
 */
import {
  ShapeError,
  ValidationError,
  activation,
  conv2d,
  initializer,
  nonNegativeInt,
  INIT_NAMES,
  oneOf,
  parseOptions,
  positiveInt,
  tf,
  type InitName,
  type Rng,
  type WatchedActivation,
} from '@gradlab/core';
import { z } from 'zod';
import { AutoencoderBase, gradientsResult } from './autoencoder-base.js';
import { trainByBackprop } from './backprop-training.js';
import type { BackpropConfig, BackpropEpochStats, BackpropResult } from './backprop-training.js';
import { AUTOENCODER_ACTIVATIONS } from './deep-autoencoder.js';
import type { AutoencoderActivation, AutoencoderGradients } from './deep-autoencoder.js';
import { ownVariable } from './rbm.js';
import { ALONE } from './watched-step.js';
import type { WatchPlacement } from './watched-step.js';

/** Encoder activations of {@link ConvAutoencoder}. */
export const CONV_AUTOENCODER_ACTIVATIONS = ['sigmoid', 'tanh', 'relu'] as const;
/** An encoder activation of {@link ConvAutoencoder}. */
export type ConvAutoencoderActivation = (typeof CONV_AUTOENCODER_ACTIVATIONS)[number];

/** Options of {@link ConvAutoencoder}. */
export interface ConvAutoencoderConfig {
  /** Input image [height, width, channels] (NHWC without the batch), positive integers. */
  inputShape: [number, number, number];
  /** Number of feature maps K, a positive integer. */
  channels: number;
  /** Square kernel side k, a positive integer (default 3). */
  kernelSize?: number;
  /** Stride s, a positive integer (default 1); must divide H + 2·padding − k and W + 2·padding − k. */
  stride?: number;
  /** Zero padding per side, an integer in [0, k − 1] (default ⌊k/2⌋, "same" at stride 1, as core's ConvNet). */
  padding?: number;
  /** Encoder activation φ: 'sigmoid' (default), 'tanh' or 'relu'. */
  activation?: ConvAutoencoderActivation;
  /** Output activation: 'sigmoid' (default; data in [0, 1], cross-entropy) or 'linear' (squared error). */
  outputActivation?: AutoencoderActivation;
  /** Initialiser of W [k, k, C, K] (default 'glorot-uniform', fans k²C and k²K); biases start at 0. */
  init?: InitName;
}

/** Defaults of {@link ConvAutoencoderConfig} (padding defaults to ⌊kernelSize/2⌋). */
export const CONV_AUTOENCODER_DEFAULTS = Object.freeze({ kernelSize: 3, stride: 1, activation: 'sigmoid' as const, outputActivation: 'sigmoid' as const, init: 'glorot-uniform' as const });

const configSchema = z.strictObject({
  inputShape: z.tuple([positiveInt(), positiveInt(), positiveInt()], { error: 'an array [height, width, channels] of positive integers' }),
  channels: positiveInt(),
  kernelSize: positiveInt().default(CONV_AUTOENCODER_DEFAULTS.kernelSize),
  stride: positiveInt().default(CONV_AUTOENCODER_DEFAULTS.stride),
  padding: nonNegativeInt().optional(),
  activation: oneOf(CONV_AUTOENCODER_ACTIVATIONS).default(CONV_AUTOENCODER_DEFAULTS.activation),
  outputActivation: oneOf(AUTOENCODER_ACTIVATIONS).default(CONV_AUTOENCODER_DEFAULTS.outputActivation),
  init: oneOf(INIT_NAMES).default(CONV_AUTOENCODER_DEFAULTS.init),
});

/** The geometry of one convolutional autoencoder. */
export interface ConvGeometry {
  /** Kernel side k. */
  kernelSize: number;
  /** Stride s. */
  stride: number;
  /** Zero padding per side. */
  padding: number;
}

/**
 * The code map's side [h', w'] for an input [H, W], after checking that the transposed
 * convolution gives back H × W (see the file comment).
 * @param where the caller, for messages (e.g. 'ConvAutoencoder', 'StackedConvAutoencoder: layer 1')
 * @throws ValidationError naming the field, its value and what was expected, in one line
 */
export function convAutoencoderCodeSize(where: string, size: readonly [number, number], g: ConvGeometry): [number, number] {
  const { kernelSize: k, stride: s, padding: p } = g;
  if (p > k - 1) throw new ValidationError(`${where}: expected padding to be at most kernelSize − 1 = ${k - 1} (a window of padding alone sees no pixel), got ${p}`);
  const out: number[] = [];
  (['height', 'width'] as const).forEach((axis, i) => {
    const n = size[i]!;
    const span = n + 2 * p - k;
    if (span < 0) throw new ValidationError(`${where}: expected kernelSize to be at most ${axis} + 2·padding = ${n + 2 * p}, got ${k}`);
    if (span % s !== 0) {
      throw new ValidationError(`${where}: expected stride to divide ${axis} + 2·padding − kernelSize = ${n} + ${2 * p} − ${k} = ${span}, so that the decoder gives back every input pixel, got ${s}`);
    }
    out.push(span / s + 1);
  });
  return out as [number, number];
}

/**
 * The transposed convolution h ⋆ᵀ_s W: the adjoint of x ↦ x ⋆_s W (core `conv2d`, stride s,
 * padding p), as a forward convolution (see the file comment). Call inside `tf.tidy`.
 * @param h [batch, h', w', K]
 * @param weight W [k, k, C, K]
 * @returns [batch, (h' − 1)·s + k − 2p, (w' − 1)·s + k − 2p, C]
 */
export function transposedConv2d(h: tf.Tensor4D, weight: tf.Tensor4D, stride: number, padding: number): tf.Tensor4D {
  const [b, oh, ow, K] = h.shape;
  const k = weight.shape[0];
  let g: tf.Tensor4D = h;
  if (stride > 1) {
    // Dilation: s − 1 zeros after each entry, the trailing ones cut.
    const spread = tf.pad(tf.reshape(h, [b, oh, 1, ow, 1, K]), [[0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0]]);
    g = tf.slice(tf.reshape(spread, [b, oh * stride, ow * stride, K]), [0, 0, 0, 0], [b, (oh - 1) * stride + 1, (ow - 1) * stride + 1, K]) as tf.Tensor4D;
  }
  const flipped = tf.reverse(tf.transpose(weight, [0, 1, 3, 2]), [0, 1]);
  return conv2d(g, flipped, undefined, { stride: 1, padding: k - 1 - padding });
}

/** Parameters of a {@link ConvAutoencoder}: `weight` [k, k, C, K], `hiddenBias` [K], `visibleBias` [C]. */
export type ConvAutoencoderParams<T extends tf.Tensor = tf.Tensor> = { weight: T; hiddenBias: T; visibleBias: T };

/**
 * A tied-weight (denoising) convolutional autoencoder.
 *
 * Parameters: `inputShape` [H, W, C], `channels` K, `kernelSize` (3), `stride` (1), `padding`
 * (⌊k/2⌋), `activation` ('sigmoid'), `outputActivation` ('sigmoid'), `init` ('glorot-uniform').
 * Shapes: input [batch, H, W, C], code [batch, h', w', K] with h' = (H + 2p − k)/s + 1;
 * W [k, k, C, K] (core ConvNet's kernel layout), c [K] (`hiddenBias`), b [C] (`visibleBias`):
 * one bias per feature map and per input channel, shared over positions.
 * @example
 * const cae = new ConvAutoencoder({ inputShape: [28, 28, 1], channels: 16, kernelSize: 5, padding: 2 }, rng.fork('init'));
 * trainConvAutoencoder(cae, x, { epochs: 5, noise: 0.25, batchSize: 50 }, rng.fork('train')); // x [n, 28, 28, 1]
 * const h = cae.encode(x); // [n, 28, 28, 16]
 */
export class ConvAutoencoder extends AutoencoderBase {
  /** Input image [H, W, C]. */
  readonly inputShape: readonly [number, number, number];
  /** Code map [h', w', K]. */
  readonly codeShape: readonly [number, number, number];
  /** Feature maps K. */
  readonly channels: number;
  /** Kernel side, stride and padding. */
  readonly geometry: Readonly<ConvGeometry>;
  /** Encoder activation. */
  readonly activation: ConvAutoencoderActivation;
  /** Output activation. */
  readonly outputActivation: AutoencoderActivation;
  /** `weight` [k, k, C, K], `hiddenBias` [K], `visibleBias` [C]. */
  override readonly params: ConvAutoencoderParams<tf.Variable>;

  /**
   * @param config input shape, feature maps, geometry, activations, initialiser
   * @param rng W from `rng.fork('weight')`
   * @param where the name errors start with (a stack passes 'StackedConvAutoencoder: layer l')
   * @throws ValidationError naming a bad field, or a geometry whose decoder would not give back the input size
   */
  constructor(config: ConvAutoencoderConfig, rng: Rng, where = 'ConvAutoencoder') {
    super('ConvAutoencoder');
    const c = parseOptions(where, configSchema, config);
    const padding = c.padding ?? Math.floor(c.kernelSize / 2);
    this.geometry = Object.freeze({ kernelSize: c.kernelSize, stride: c.stride, padding });
    const [oh, ow] = convAutoencoderCodeSize(where, [c.inputShape[0], c.inputShape[1]], this.geometry);
    this.inputShape = Object.freeze([...c.inputShape]) as readonly [number, number, number];
    this.codeShape = Object.freeze([oh, ow, c.channels]) as readonly [number, number, number];
    this.channels = c.channels;
    this.activation = c.activation;
    this.outputActivation = c.outputActivation;
    const inChannels = c.inputShape[2];
    this.params = {
      weight: ownVariable(initializer(c.init)([c.kernelSize, c.kernelSize, inChannels, c.channels], rng.fork('weight'))),
      hiddenBias: ownVariable(tf.zeros([c.channels])),
      visibleBias: ownVariable(tf.zeros([inChannels])),
    };
  }

  /** h = φ(x ⋆_s W + c) [batch, h', w', K]. */
  encode(x: tf.Tensor): tf.Tensor4D {
    this.checkInput(x, 'encode');
    return tf.tidy(() => convEncode(this, this.params, x));
  }

  /** y = f(h ⋆ᵀ_s W + b) [batch, H, W, C]. */
  decode(h: tf.Tensor): tf.Tensor4D {
    this.checkLive();
    if (!(h instanceof tf.Tensor) || h.shape.slice(1).join(',') !== this.codeShape.join(',')) {
      throw new ShapeError(`ConvAutoencoder.decode: expected codes of shape [batch, ${this.codeShape.join(', ')}], got ${h instanceof tf.Tensor ? `[${h.shape}]` : typeof h}`);
    }
    return tf.tidy(() => {
      const z = convDecodeLogits(this, this.params, h as tf.Tensor4D);
      return (this.outputActivation === 'sigmoid' ? tf.sigmoid(z) : z) as tf.Tensor4D;
    });
  }

  /** decode(encode(x)) [batch, H, W, C] (no noise). */
  reconstruct(x: tf.Tensor): tf.Tensor4D {
    const h = this.encode(x);
    const y = this.decode(h);
    h.dispose();
    return y;
  }

  /**
   * Loss and gradients for one batch, by tfjs autodiff through the ops of the file comment.
   * @param x the (possibly corrupted) input [batch, H, W, C]
   * @param target the clean target, shaped as x (default x)
   */
  gradients(x: tf.Tensor, target: tf.Tensor = x): AutoencoderGradients {
    this.checkInput(x, 'gradients');
    if (!(target instanceof tf.Tensor) || target.shape.join(',') !== x.shape.join(',')) {
      throw new ShapeError(`ConvAutoencoder.gradients: expected target of shape [${x.shape}], got ${target instanceof tf.Tensor ? `[${target.shape}]` : typeof target}`);
    }
    const names = ['weight', 'hiddenBias', 'visibleBias'] as const;
    const { grads, stats } = tf.tidy(() => {
      let recon: tf.Tensor | null = null;
      const f = (weight: tf.Tensor, hiddenBias: tf.Tensor, visibleBias: tf.Tensor): tf.Scalar => {
        const terms = convAutoencoderLoss(this, { weight, hiddenBias, visibleBias }, x, target);
        // The forward pass runs in a scope of its own that frees all but the loss.
        recon = terms.reconError === terms.loss ? null : tf.keep(terms.reconError);
        return terms.loss;
      };
      const { value, grads: g } = tf.valueAndGrads(f)(names.map((n) => this.params[n]));
      const out: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => (out[n] = g[i]!));
      const stats = tf.stack([value, recon ?? value]);
      if (recon !== null) (recon as tf.Tensor).dispose();
      return { grads: out, stats };
    });
    return gradientsResult(grads, stats);
  }

  private checkInput(x: tf.Tensor, method: string): void {
    this.checkLive();
    if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.shape.slice(1).join(',') !== this.inputShape.join(',')) {
      throw new ShapeError(`ConvAutoencoder.${method}: expected input of shape [batch, ${this.inputShape.join(', ')}], got ${x instanceof tf.Tensor ? `[${x.shape}]` : typeof x}`);
    }
  }
}

/** What the forward pass needs of a model. */
type ConvSpec = Pick<ConvAutoencoder, 'geometry' | 'activation' | 'outputActivation'>;

function convEncode(spec: ConvSpec, p: ConvAutoencoderParams, x: tf.Tensor): tf.Tensor4D {
  const { stride, padding } = spec.geometry;
  return activation(spec.activation).fn(conv2d(x, p.weight, p.hiddenBias, { stride, padding })) as tf.Tensor4D;
}

function convDecodeLogits(spec: ConvSpec, p: ConvAutoencoderParams, h: tf.Tensor4D): tf.Tensor4D {
  return tf.add(transposedConv2d(h, p.weight as tf.Tensor4D, spec.geometry.stride, spec.geometry.padding), p.visibleBias);
}

/**
 * The loss (mean over the batch of the per-example sum) and the mean squared reconstruction
 * error, as functions of the parameters. Call inside `tf.tidy`. The cross-entropy is computed
 * from the logits z, softplus(z) − x·z, exact where log σ(z) would round to −∞.
 */
export function convAutoencoderLoss(spec: ConvSpec, p: ConvAutoencoderParams, x: tf.Tensor, target: tf.Tensor): { loss: tf.Scalar; reconError: tf.Scalar } {
  const batch = x.shape[0]!;
  const z = convDecodeLogits(spec, p, convEncode(spec, p, x));
  if (spec.outputActivation === 'sigmoid') {
    const loss = tf.div(tf.sum(tf.sub(tf.softplus(z), tf.mul(target, z))), batch) as tf.Scalar;
    return { loss, reconError: tf.div(tf.sum(tf.square(tf.sub(tf.sigmoid(z), target))), batch) as tf.Scalar };
  }
  const se = tf.div(tf.sum(tf.square(tf.sub(z, target))), batch) as tf.Scalar;
  return { loss: se, reconError: se };
}

/**
 * Trains a (denoising) convolutional autoencoder by minibatch backpropagation (the loop of
 * `trainAutoencoder`: masks from `rng.fork('noise')`, shuffles from `rng.fork('shuffle/<epoch>')`).
 * @param ae the model (updated in place)
 * @param x training images [n, H, W, C], not changed
 * @param config `{ epochs, batchSize = 100, noise = 0, optimizer = 'sgd', learningRate, momentum = 0.9, weightDecay = 0, onEpoch, onStep, watch }`
 * @returns per-epoch mean loss and reconstruction error
 * @throws ValidationError naming a bad option; ShapeError for images of the wrong shape
 * @example trainConvAutoencoder(cae, x, { epochs: 5, noise: 0.25, optimizer: 'adam' }, rng.fork('train'))
 */
export function trainConvAutoencoder(ae: ConvAutoencoder, x: tf.Tensor, config: BackpropConfig, rng: Rng): BackpropEpochStats[] {
  if (!(ae instanceof ConvAutoencoder)) throw new ValidationError(`trainConvAutoencoder: expected ae to be a ConvAutoencoder, got ${typeof ae}`);
  return trainConvAutoencoderPlaced(ae, x, config, rng, ALONE).history;
}

/** f'(z) of an encoder activation from its output h = φ(z), and γ = sup |f'| (a watcher's saturation). */
const CODE_DERIVATIVES: Record<ConvAutoencoderActivation, Pick<WatchedActivation, 'derivative' | 'gamma'>> = {
  sigmoid: { derivative: (h) => tf.mul(h, tf.sub(1, h)), gamma: 0.25 },
  tanh: { derivative: (h) => tf.sub(1, tf.square(h)), gamma: 1 },
  relu: { derivative: (h) => tf.cast(tf.greater(h, 0), 'float32'), gamma: 1 },
};

/** {@link trainConvAutoencoder} as one layer of a stack: its watch rows named and counted by `placement`. */
export function trainConvAutoencoderPlaced(ae: ConvAutoencoder, x: tf.Tensor, config: BackpropConfig, rng: Rng, placement: WatchPlacement): BackpropResult {
  const codes = (input: tf.Tensor) => ({ hidden: { value: ae.encode(input), ...CODE_DERIVATIVES[ae.activation] } });
  return trainByBackprop('trainConvAutoencoder', ae, ae.inputShape, x, config, rng, placement, codes);
}
