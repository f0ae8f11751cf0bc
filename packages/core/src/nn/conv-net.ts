/**
 * A deep convolutional net for studying gradient flow over depth with shared weights: `depth`
 * convolution layers z_l = a_{l−1} ⋆ W_l + b_l (NHWC, stride, zero padding), optionally
 * batch-normalised per channel (`nn.BatchNorm2d`), h_l = f(z_l), optionally with an identity
 * skip h_l = a_{l−1} + f(z_l) where the shapes match (He et al. 2016), then optional pooling
 * a_l = pool(h_l), and a dense head on the global average (or the flattened map) of the last.
 *
 * Each kernel entry is shared by every output position: ∂L/∂W_l[i, j, c, k] sums a term per
 * position and per example, so {@link convNetLayerGradients} reports, beside ‖∂L/∂W_l‖, the rms
 * per shared weight and the number of positions it is used at (LeCun et al. 1998, sect. II).
 *
 * Parameters: `conv{l}.weight` [kh, kw, in, out] (fans as PyTorch's), `conv{l}.bias` [out], with
 * batch norm `conv{l}.gamma`, `conv{l}.beta` [out] and buffers `conv{l}.running_mean`,
 * `.running_var` [out], `.num_batches_tracked` [] (int32); `head.weight` [features, outputs],
 * `head.bias` [outputs]. `conv-net-torch-weights.ts` maps them to PyTorch's `nn.Conv2d` names
 * and layouts.
 */
import { z } from 'zod';
import { tf } from '../backend/tf.js';
import type { Rng } from '../random/rng.js';
import { activation, ACTIVATION_NAMES } from '../activations/activations.js';
import type { ActivationName } from '../activations/activations.js';
import { initializer, INIT_NAMES } from '../init/initializers.js';
import type { InitName } from '../init/initializers.js';
import { nonNegativeInt, oneOf, parseOptions, positiveInt } from '../errors/schema.js';
import { ShapeError, ValidationError, invalidArgument } from '../errors/gradlab-error.js';
import { conv2d, convOutputSize } from './conv2d.js';
import { pool2d, POOL_NAMES } from './pool2d.js';
import type { PoolName } from './pool2d.js';
import { dense } from './dense.js';
import { batchMoments, batchNormApply, updateRunningMoments } from './batch-norm.js';
import { lossByName, LOSS_NAMES } from './losses.js';
import { addBatchNormState, namedParam, ownVariable, setNamedParams } from './named-params.js';
import { probedGradients } from './probed-gradients.js';
import type { LossName } from './losses.js';

/** How the last feature map reaches the dense head. */
export const CONV_HEAD_NAMES = ['global-avg', 'flatten'] as const;

/** Options of {@link ConvNet}. */
export interface ConvNetConfig {
  /** Input image [height, width, channels] (NHWC without the batch). */
  inputShape: [number, number, number];
  /** Number of convolution layers; a positive integer. */
  depth: number;
  /** Output channels of every convolution layer, or one count per layer (depth of them). */
  channels: number | number[];
  /** Number of outputs of the dense head (classes); a positive integer. */
  outputs: number;
  /** Square kernel side; a positive integer (default 3). */
  kernelSize?: number;
  /** Convolution stride; a positive integer (default 1). */
  stride?: number;
  /** Zero padding per side; a non-negative integer (default ⌊kernelSize/2⌋, "same" at stride 1). */
  padding?: number;
  /** Pooling after a layer: 'none' | 'max' | 'avg' (default 'none'). */
  pool?: PoolName;
  /** Pooling window and stride; a positive integer (default 2). */
  poolSize?: number;
  /** Pool after layers l with (l + 1) divisible by this; a positive integer (default 1, every layer). */
  poolEvery?: number;
  /** 'global-avg' (mean over positions, default) or 'flatten' (every position, NHWC order). */
  head?: (typeof CONV_HEAD_NAMES)[number];
  /** Hidden activation (default 'relu'). */
  activation?: ActivationName;
  /** Initialiser of every kernel and of the head (default 'he-normal'). */
  init?: InitName;
  /** 'batch' inserts per-channel batch norm before each activation (default 'none'). */
  norm?: 'none' | 'batch';
  /** Identity skips around layers whose input and output shapes match (default false). */
  residual?: boolean;
}

/** Defaults of {@link ConvNetConfig} (padding defaults to ⌊kernelSize/2⌋). */
export const CONV_NET_DEFAULTS = {
  kernelSize: 3,
  stride: 1,
  pool: 'none',
  poolSize: 2,
  poolEvery: 1,
  head: 'global-avg',
  activation: 'relu',
  init: 'he-normal',
  norm: 'none',
  residual: false,
} as const;

const configSchema = z
  .object({
    inputShape: z.tuple([positiveInt(), positiveInt(), positiveInt()], { error: 'an array [height, width, channels] of positive integers' }),
    depth: positiveInt(),
    channels: z.union([positiveInt(), z.array(positiveInt())], { error: 'a positive integer or an array of positive integers' }),
    outputs: positiveInt(),
    kernelSize: positiveInt().default(CONV_NET_DEFAULTS.kernelSize),
    stride: positiveInt().default(CONV_NET_DEFAULTS.stride),
    padding: nonNegativeInt().optional(),
    pool: oneOf(POOL_NAMES).default(CONV_NET_DEFAULTS.pool),
    poolSize: positiveInt().default(CONV_NET_DEFAULTS.poolSize),
    poolEvery: positiveInt().default(CONV_NET_DEFAULTS.poolEvery),
    head: oneOf(CONV_HEAD_NAMES).default(CONV_NET_DEFAULTS.head),
    activation: oneOf(ACTIVATION_NAMES).default(CONV_NET_DEFAULTS.activation),
    init: oneOf(INIT_NAMES).default(CONV_NET_DEFAULTS.init),
    norm: oneOf(['none', 'batch'] as const).default(CONV_NET_DEFAULTS.norm),
    residual: z.boolean({ error: 'a boolean' }).default(CONV_NET_DEFAULTS.residual),
  })
  .strict();

/** The shapes of one convolution layer, derived from the configuration. */
export interface ConvLayerShape {
  /** Input channels. */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
  /** Side [h, w] of the convolution's output h_l (before pooling). */
  outSize: [number, number];
  /** Side [h, w] after this layer's pooling (= outSize without). */
  pooledSize: [number, number];
  /** Whether the identity skip is added (residual and input shape = output shape). */
  skip: boolean;
  /** Whether the layer pools. */
  pools: boolean;
}

/** A validated configuration with defaults filled in and every layer's shapes. */
export type ConvNetSpec = Omit<z.output<typeof configSchema>, 'padding' | 'channels'> & {
  padding: number;
  channels: number[];
  /** Per convolution layer. */
  layers: ConvLayerShape[];
  /** Width of the head's input. */
  features: number;
};

function resolveSpec(config: ConvNetConfig): ConvNetSpec {
  const o = parseOptions('ConvNet', configSchema, config);
  const channels = typeof o.channels === 'number' ? Array.from({ length: o.depth }, () => o.channels as number) : o.channels;
  if (channels.length !== o.depth) {
    throw invalidArgument('ConvNet', 'channels', config.channels, `a positive integer or an array of depth (${o.depth}) positive integers`);
  }
  const padding = o.padding ?? Math.floor(o.kernelSize / 2);
  let [h, w, c] = o.inputShape;
  const layers: ConvLayerShape[] = [];
  for (let l = 0; l < o.depth; l++) {
    const oh = convOutputSize(h, o.kernelSize, o.stride, padding);
    const ow = convOutputSize(w, o.kernelSize, o.stride, padding);
    if (oh < 1 || ow < 1) {
      throw new ValidationError(`ConvNet: expected layer ${l} to see at least one ${o.kernelSize}×${o.kernelSize} window, got a ${h}×${w} input with padding ${padding} (reduce depth, stride or pooling)`);
    }
    const pools = o.pool !== 'none' && (l + 1) % o.poolEvery === 0;
    if (pools && (oh < o.poolSize || ow < o.poolSize)) {
      throw new ValidationError(`ConvNet: expected layer ${l}'s ${oh}×${ow} map to hold one ${o.poolSize}×${o.poolSize} pooling window (reduce depth, stride or pooling)`);
    }
    const pooledSize: [number, number] = pools ? [Math.floor(oh / o.poolSize), Math.floor(ow / o.poolSize)] : [oh, ow];
    layers.push({ inChannels: c, outChannels: channels[l]!, outSize: [oh, ow], pooledSize, pools, skip: o.residual && oh === h && ow === w && c === channels[l] });
    [h, w, c] = [pooledSize[0], pooledSize[1], channels[l]!];
  }
  const features = o.head === 'global-avg' ? c : h * w * c;
  return { ...o, padding, channels, layers, features };
}

/** What one forward pass computed, layer by layer. */
export interface ConvNetTrace {
  /** Head logits [batch, outputs]. */
  output: tf.Tensor;
  /** Pre-activations z_l (after batch norm when on) [batch, h_l, w_l, c_l]. */
  pre: tf.Tensor[];
  /** Layer outputs h_l before pooling (skip and probe added) [batch, h_l, w_l, c_l]. */
  post: tf.Tensor[];
  /** Per-channel batch mean and biased variance (training mode with batch norm). */
  moments: { mean: tf.Tensor; variance: tf.Tensor }[];
}

/** Options of a forward pass. */
export interface ConvNetForwardOptions {
  /** Batch norm from batch statistics (true) or running statistics (false). Default false. */
  training?: boolean;
  /** Tensors added to each h_l (zeros by the caller): the gradient with respect to probe l is ∂L/∂h_l. */
  probes?: tf.Tensor[];
}

/**
 * The forward pass as a pure function of named parameter tensors, so tfjs autodiff and finite
 * differences can differentiate it. Returned tensors are not tracked by any tidy.
 * @param x [batch, height, width, channels]
 */
export function convNetForward(
  spec: ConvNetSpec,
  params: Record<string, tf.Tensor>,
  buffers: Record<string, tf.Tensor>,
  x: tf.Tensor,
  options: ConvNetForwardOptions = {},
): ConvNetTrace {
  const [h, w, c] = spec.inputShape;
  if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
    throw new ShapeError(`ConvNet: expected input of shape [batch, ${h}, ${w}, ${c}], got [${x.shape}]`);
  }
  const act = activation(spec.activation);
  const trace: ConvNetTrace = { output: x, pre: [], post: [], moments: [] };
  let a = x;
  spec.layers.forEach((shape, l) => {
    let zl: tf.Tensor = conv2d(a, p(params, `conv${l}.weight`), p(params, `conv${l}.bias`), { stride: spec.stride, padding: spec.padding });
    if (spec.norm === 'batch') {
      let stats: { mean: tf.Tensor; variance: tf.Tensor };
      if (options.training === true) {
        stats = batchMoments(zl, [0, 1, 2]);
        trace.moments.push(stats);
      } else {
        stats = { mean: p(buffers, `conv${l}.running_mean`), variance: p(buffers, `conv${l}.running_var`) };
      }
      zl = batchNormApply(zl, stats.mean, stats.variance, p(params, `conv${l}.gamma`), p(params, `conv${l}.beta`));
    }
    let hl = act.fn(zl);
    if (shape.skip) hl = tf.add(a, hl);
    if (options.probes !== undefined) hl = tf.add(hl, options.probes[l]!);
    trace.pre.push(zl);
    trace.post.push(hl);
    a = shape.pools ? pool2d(hl, spec.pool, spec.poolSize) : hl;
  });
  const features = spec.head === 'global-avg' ? tf.mean(a, [1, 2]) : tf.reshape(a, [a.shape[0]!, spec.features]);
  trace.output = dense(features, p(params, 'head.weight'), p(params, 'head.bias'));
  return trace;
}

const p = (record: Record<string, tf.Tensor>, name: string): tf.Tensor => namedParam('ConvNet', record, name);

/** Gradients and per-layer traces from {@link ConvNet.gradients}; dispose when done. */
export interface ConvNetGradients {
  /** The loss value. */
  loss: number;
  /** ∂L/∂θ for every parameter, same names as `ConvNet.params`. */
  grads: Record<string, tf.Tensor>;
  /** ∂L/∂h_l for each convolution layer [batch, h_l, w_l, c_l]. */
  activationGrads: tf.Tensor[];
  /** Pre-activations z_l. */
  pre: tf.Tensor[];
  /** Layer outputs h_l (before pooling). */
  post: tf.Tensor[];
  /** Frees every tensor above. */
  dispose(): void;
}

/**
 * A deep CNN with optional batch norm, residual links and pooling, and a dense head.
 * @example
 * const net = new ConvNet({ inputShape: [32, 32, 1], depth: 6, channels: 16, outputs: 9, activation: 'tanh', init: 'glorot-uniform' }, rng);
 * const g = net.gradients(x, labels, 'softmax-cross-entropy'); // x [batch, 32, 32, 1]
 * const rows = convNetLayerGradients(net, g); g.dispose();
 */
export class ConvNet {
  /** Validated configuration with every layer's shapes. */
  readonly spec: ConvNetSpec;
  /** Trainable parameters, by name. */
  readonly params: Record<string, tf.Variable>;
  /** Batch-norm running statistics and batch counts (empty without batch norm). */
  readonly buffers: Record<string, tf.Variable>;

  /**
   * @param config see {@link ConvNetConfig}
   * @param rng kernels from `rng.fork('conv{l}')`, the head from `rng.fork('head')`
   * @throws ValidationError naming the bad field, or the layer whose map becomes empty
   */
  constructor(config: ConvNetConfig, rng: Rng) {
    this.spec = resolveSpec(config);
    const init = initializer(this.spec.init);
    const k = this.spec.kernelSize;
    this.params = {};
    this.buffers = {};
    this.spec.layers.forEach((shape, l) => {
      const out = shape.outChannels;
      this.params[`conv${l}.weight`] = ownVariable(init([k, k, shape.inChannels, out], rng.fork(`conv${l}`).fork('weight')), true);
      this.params[`conv${l}.bias`] = ownVariable(tf.zeros([out]), true);
      if (this.spec.norm === 'batch') addBatchNormState(this.params, this.buffers, `conv${l}`, out);
    });
    this.params['head.weight'] = ownVariable(init([this.spec.features, this.spec.outputs], rng.fork('head').fork('weight')), true);
    this.params['head.bias'] = ownVariable(tf.zeros([this.spec.outputs]), true);
  }

  /** Number of convolution layers. */
  get depth(): number {
    return this.spec.depth;
  }

  /** Logits [batch, outputs] for x [batch, height, width, channels]. */
  forward(x: tf.Tensor, options: { training?: boolean } = {}): tf.Tensor {
    return tf.tidy(() => convNetForward(this.spec, this.params, this.buffers, x, options).output);
  }

  /**
   * Loss, ∂L/∂θ and ∂L/∂h_l for one batch, by tfjs autodiff. In training mode (the default)
   * with batch norm the running statistics are updated once, as a PyTorch forward in train mode.
   * @param x [batch, height, width, channels]
   * @param target labels [batch] (int32) or targets shaped like the output
   */
  gradients(x: tf.Tensor, target: tf.Tensor, loss: LossName, options: { training?: boolean } = {}): ConvNetGradients {
    if (!(LOSS_NAMES as readonly string[]).includes(loss)) throw invalidArgument('ConvNet.gradients', 'loss', loss, `one of ${LOSS_NAMES.join(', ')}`);
    const training = options.training ?? true;
    const batch = x.shape[0]!;
    let kept: Pick<ConvNetTrace, 'pre' | 'post' | 'moments'> = { pre: [], post: [], moments: [] };
    const probeShapes = this.spec.layers.map((s) => [batch, s.outSize[0], s.outSize[1], s.outChannels]);
    const g = probedGradients(this.params, probeShapes, (params, probes) => {
      const trace = convNetForward(this.spec, params, this.buffers, x, { training, probes });
      kept = {
        pre: trace.pre.map((t) => tf.keep(t)),
        post: trace.post.map((t) => tf.keep(t)),
        moments: trace.moments.map((m) => ({ mean: tf.keep(m.mean), variance: tf.keep(m.variance) })),
      };
      return lossByName(loss, trace.output, target);
    });
    kept.moments.forEach((s, l) => {
      const [oh, ow] = this.spec.layers[l]!.outSize;
      const b = this.buffers;
      updateRunningMoments({ mean: b[`conv${l}.running_mean`]!, variance: b[`conv${l}.running_var`]!, count: b[`conv${l}.num_batches_tracked`]! }, s, batch * oh * ow);
      tf.dispose([s.mean, s.variance]);
    });
    const { pre, post } = kept;
    return { ...g, pre, post, dispose: () => tf.dispose([...Object.values(g.grads), ...g.activationGrads, ...pre, ...post]) };
  }

  /**
   * Replaces parameters (and buffers) by copies of the given tensors, cast to the target's
   * dtype; names and shapes must match.
   * @throws ShapeError / ValidationError naming the tensor
   */
  setParams(values: Record<string, tf.Tensor>): void {
    setNamedParams('ConvNet.setParams', this.params, this.buffers, values);
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    tf.dispose([...Object.values(this.params), ...Object.values(this.buffers)]);
  }
}
