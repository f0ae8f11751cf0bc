/**
 * Stacked convolutional autoencoders (Masci, Meier, Cireşan & Schmidhuber 2011): greedy
 * layer-wise pretraining, as {@link StackedAutoencoder} does with dense ones, of the convolution
 * layers of a core {@link ConvNet}. Autoencoder l learns to reconstruct the clean (optionally
 * pooled) code maps of layer l − 1 from (optionally masked) copies; `toConvNet` then builds the
 * ConvNet with the same kernel size, stride, padding, activation and pooling, copies every
 * encoder's kernel bank and bias into its convolution layers, and adds a new dense head for
 * supervised fine-tuning.
 *
 * The first autoencoder reconstructs the data with the configured output activation; upper ones
 * reconstruct codes: logistic codes in [0, 1] with a sigmoid output and cross-entropy, tanh and
 * relu codes with a linear output and squared error.
 *
 * Complexity: pretraining costs the sum of the layers' training; one up-pass is a ConvNet's
 * forward pass without the head.
 *
 * References: J. Masci, U. Meier, D. Cireşan & J. Schmidhuber (2011), "Stacked convolutional
 * auto-encoders for hierarchical feature extraction", ICANN (LNCS 6791); Y. Bengio, P. Lamblin,
 * D. Popovici & H. Larochelle (2007), "Greedy layer-wise training of deep networks", NIPS.
 */
import {
  ConvNet,
  POOL_NAMES,
  ValidationError,
  INIT_NAMES,
  invalidArgument,
  nonNegativeInt,
  oneOf,
  parseOptions,
  pool2d,
  positiveInt,
  tf,
  type ConvNetConfig,
  type InitName,
  type PoolName,
  type Rng,
} from '@gradlab/core';
import { z } from 'zod';
import { ConvAutoencoder, CONV_AUTOENCODER_ACTIVATIONS, CONV_AUTOENCODER_DEFAULTS, trainConvAutoencoderPlaced } from './conv-autoencoder.js';
import type { ConvAutoencoderActivation } from './conv-autoencoder.js';
import { AutoencoderStack } from './autoencoder-stack.js';
import type { StackLayerHistory } from './autoencoder-stack.js';
import { AUTOENCODER_ACTIVATIONS } from './deep-autoencoder.js';
import type { AutoencoderActivation } from './deep-autoencoder.js';
import type { StackedPretrainConfig } from './stacked-autoencoder.js';

/** Options of {@link StackedConvAutoencoder}. */
export interface StackedConvAutoencoderConfig {
  /** Input image [height, width, channels], positive integers. */
  inputShape: [number, number, number];
  /** Feature maps of each layer, bottom first: at least one positive integer (the depth is its length). */
  channels: number[];
  /** Square kernel side of every layer (default 3). */
  kernelSize?: number;
  /** Stride of every layer (default 1). */
  stride?: number;
  /** Zero padding per side of every layer, in [0, kernelSize − 1] (default ⌊kernelSize/2⌋). */
  padding?: number;
  /** Encoder activation of every layer: 'sigmoid' (default), 'tanh' or 'relu'. */
  activation?: ConvAutoencoderActivation;
  /** Output activation of the first autoencoder: 'sigmoid' (default; data in [0, 1]) or 'linear'. */
  outputActivation?: AutoencoderActivation;
  /** Pooling of the codes between layers (and in `toConvNet`): 'none' (default), 'max' or 'avg'. */
  pool?: PoolName;
  /** Pooling window and stride (default 2). */
  poolSize?: number;
  /** Pool after layers l with (l + 1) divisible by this (default 1), as core's ConvNet. */
  poolEvery?: number;
  /** Initialiser of every kernel bank (default 'glorot-uniform'). */
  init?: InitName;
}

const schema = z.strictObject({
  inputShape: z.tuple([positiveInt(), positiveInt(), positiveInt()], { error: 'an array [height, width, channels] of positive integers' }),
  channels: z.array(positiveInt(), { error: 'an array of at least 1 positive integer' }).min(1, { error: 'an array of at least 1 positive integer' }),
  kernelSize: positiveInt().default(CONV_AUTOENCODER_DEFAULTS.kernelSize),
  stride: positiveInt().default(CONV_AUTOENCODER_DEFAULTS.stride),
  padding: nonNegativeInt().optional(),
  activation: oneOf(CONV_AUTOENCODER_ACTIVATIONS).default(CONV_AUTOENCODER_DEFAULTS.activation),
  outputActivation: oneOf(AUTOENCODER_ACTIVATIONS).default(CONV_AUTOENCODER_DEFAULTS.outputActivation),
  pool: oneOf(POOL_NAMES).default('none'),
  poolSize: positiveInt().default(2),
  poolEvery: positiveInt().default(1),
  init: oneOf(INIT_NAMES).default(CONV_AUTOENCODER_DEFAULTS.init),
});

/** Options of {@link StackedConvAutoencoder.toConvNet}. */
export interface ToConvNetOptions {
  /** How the last map reaches the head: 'global-avg' (default) or 'flatten' (core ConvNet's `head`). */
  head?: ConvNetConfig['head'];
  /** Initialiser of the new head (default 'glorot-uniform'). */
  headInit?: InitName;
}

/**
 * A stack of tied-weight (denoising) convolutional autoencoders, unrolled into a core ConvNet.
 *
 * Parameters: `inputShape`, `channels` [K_1, …, K_L], `kernelSize` (3), `stride` (1), `padding`
 * (⌊k/2⌋), `activation` ('sigmoid'), `outputActivation` ('sigmoid'), `pool` ('none'),
 * `poolSize` (2), `poolEvery` (1), `init` ('glorot-uniform').
 * Shapes: input [n, H, W, C], codes [n, h_L, w_L, K_L] (before the last layer's pooling).
 * @example
 * const scae = new StackedConvAutoencoder({ inputShape: [28, 28, 1], channels: [8, 16], kernelSize: 5, pool: 'max' }, rng.fork('scae'));
 * scae.pretrain(x, { epochs: 3, noise: 0.25, optimizer: 'adam', learningRate: 1e-3 }, rng.fork('pretrain'));
 * const net = scae.toConvNet(10, rng.fork('head')); // then train net.gradients(x, labels, 'softmax-cross-entropy')
 */
export class StackedConvAutoencoder extends AutoencoderStack<ConvAutoencoder> {
  /** The autoencoders, bottom first. */
  override readonly layers: readonly ConvAutoencoder[];
  /** Whether the codes of layer l are pooled before layer l + 1 (and in the ConvNet). */
  readonly pools: readonly boolean[];
  private readonly config: z.output<typeof schema> & { padding: number };

  /**
   * @param config input shape, feature maps per layer, shared geometry, activations, pooling
   * @param rng autoencoder l from `rng.fork('layer{l}')`
   * @throws ValidationError naming a bad field, or the layer whose geometry does not invert
   */
  constructor(config: StackedConvAutoencoderConfig, rng: Rng) {
    super('StackedConvAutoencoder');
    const c = parseOptions('StackedConvAutoencoder', schema, config);
    this.config = { ...c, padding: c.padding ?? Math.floor(c.kernelSize / 2) };
    let [h, w, ch] = c.inputShape;
    const layers: ConvAutoencoder[] = [];
    const pools: boolean[] = [];
    try {
      c.channels.forEach((k, l) => {
        const where = `StackedConvAutoencoder: layer ${l}`;
        const ae = new ConvAutoencoder(
          {
            inputShape: [h, w, ch],
            channels: k,
            kernelSize: c.kernelSize,
            stride: c.stride,
            padding: this.config.padding,
            activation: c.activation,
            outputActivation: l === 0 ? c.outputActivation : c.activation === 'sigmoid' ? 'sigmoid' : 'linear',
            init: c.init,
          },
          rng.fork(`layer${l}`),
          where,
        );
        layers.push(ae);
        const pooled = c.pool !== 'none' && (l + 1) % c.poolEvery === 0;
        let [oh, ow] = ae.codeShape;
        if (pooled) {
          if (oh < c.poolSize || ow < c.poolSize) throw new ValidationError(`${where}: expected the ${oh}×${ow} code map to hold one ${c.poolSize}×${c.poolSize} pooling window, got poolSize ${c.poolSize}`);
          [oh, ow] = [Math.floor(oh / c.poolSize), Math.floor(ow / c.poolSize)];
        }
        pools.push(pooled);
        [h, w, ch] = [oh, ow, k];
      });
    } catch (e) {
      for (const ae of layers) ae.dispose();
      throw e;
    }
    this.layers = Object.freeze(layers);
    this.pools = Object.freeze(pools);
  }

  /**
   * Greedy layer-wise training: autoencoder l learns to reconstruct the clean (pooled) codes of layer l − 1.
   * @param x training images [n, H, W, C] (not changed)
   * @param config `trainConvAutoencoder` options for every layer, `layers` per-layer overrides, `onEpoch`
   * @param rng layer l trains with `rng.fork('layer{l}')`
   * @returns each layer's epoch history
   */
  pretrain(x: tf.Tensor, config: StackedPretrainConfig, rng: Rng): StackLayerHistory[] {
    return this.pretrainLayers(x, config, rng, trainConvAutoencoderPlaced, (l, input) => this.upLayer(l, input, true));
  }

  /**
   * The top codes of x: the encoders applied in turn, pooled between layers, without noise.
   * @param x [n, H, W, C]
   * @returns [n, h_L, w_L, K_L], before the top layer's pooling (a ConvNet's last h_L)
   */
  encode(x: tf.Tensor): tf.Tensor4D {
    this.checkLive();
    let a: tf.Tensor = x;
    for (let l = 0; l < this.depth; l++) {
      const next = this.upLayer(l, a, l + 1 < this.depth);
      if (a !== x) a.dispose();
      a = next;
    }
    return a as tf.Tensor4D;
  }

  /**
   * A core ConvNet with this stack's geometry, activation and pooling whose convolution layers
   * hold copies of the pretrained encoders' kernels and biases, and a new dense head.
   * @param outputs the head's width (e.g. 10 classes), a positive integer
   * @param rng the head's initialisation (ConvNet draws it from `rng.fork('head')`)
   * @param options `head` ('global-avg'), `headInit` ('glorot-uniform')
   */
  toConvNet(outputs: number, rng: Rng, options: ToConvNetOptions = {}): ConvNet {
    this.checkLive();
    if (!Number.isSafeInteger(outputs) || outputs < 1) throw invalidArgument('StackedConvAutoencoder.toConvNet', 'outputs', outputs, 'a positive integer');
    const c = this.config;
    const net = new ConvNet(
      {
        inputShape: c.inputShape,
        depth: this.depth,
        channels: c.channels,
        outputs,
        kernelSize: c.kernelSize,
        stride: c.stride,
        padding: c.padding,
        pool: c.pool,
        poolSize: c.poolSize,
        poolEvery: c.poolEvery,
        head: options.head ?? 'global-avg',
        activation: c.activation,
        init: options.headInit ?? 'glorot-uniform',
      },
      rng,
    );
    const values: Record<string, tf.Tensor> = {};
    this.layers.forEach((ae, l) => {
      values[`conv${l}.weight`] = ae.params.weight;
      values[`conv${l}.bias`] = ae.params.hiddenBias;
    });
    net.setParams(values);
    return net;
  }

  /** Layer l's codes of a, pooled when `pool` and the layer pools; in chunks of rows. */
  private upLayer(l: number, a: tf.Tensor, pool: boolean): tf.Tensor {
    const ae = this.layers[l]!;
    const pooled = pool && this.pools[l]!;
    return mapBatches(a, (rows) =>
      tf.tidy(() => {
        const h = ae.encode(rows);
        return pooled ? pool2d(h, this.config.pool, this.config.poolSize) : h;
      }),
    );
  }
}

/** Rows per chunk of an up-pass: bounds the memory of one layer's code maps in flight. */
const IMAGE_CHUNK = 1000;

/** f applied to consecutive chunks of the first axis of x (not disposed), results concatenated. */
function mapBatches(x: tf.Tensor, f: (rows: tf.Tensor) => tf.Tensor): tf.Tensor {
  const n = x.shape[0]!;
  if (n <= IMAGE_CHUNK) return f(x);
  const rest = x.shape.slice(1);
  const d = rest.reduce((p, v) => p * v, 1);
  const data = x.dataSync() as Float32Array;
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < n; start += IMAGE_CHUNK) {
    const m = Math.min(IMAGE_CHUNK, n - start);
    const rows = tf.tensor(data.subarray(start * d, (start + m) * d), [m, ...rest]);
    parts.push(f(rows));
    rows.dispose();
  }
  const out = tf.concat(parts, 0);
  tf.dispose(parts);
  return out;
}
