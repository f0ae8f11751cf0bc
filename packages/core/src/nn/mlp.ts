/**
 * A deep multilayer perceptron for studying gradient flow over depth: `depth` hidden layers
 * z_l = a_{l−1}·W_l + b_l, optionally batch-normalised (Ioffe & Szegedy 2015), a_l = f(z_l),
 * optionally with an identity skip a_l = a_{l−1} + s·f(z_l) where widths match (He et al. 2016),
 * then a linear output layer. In training mode, inverted dropout (Srivastava et al. 2014) can
 * drop each hidden layer's f(z_l) (the branch, when there is a skip) with a rate per layer.
 * The branch scale s (default 1) is the remedy for deep residual
 * nets whose gradients grow with depth: s = 1/√depth keeps the variance added by the branches
 * bounded however deep the net (Hanin & Rolnick 2018, "How to start training: the effect of
 * initialization and architecture", NeurIPS; the fixed-scale relative of Fixup, Zhang, Dauphin &
 * Ma 2019, and SkipInit, De & Smith 2020, which learn it from 0).
 *
 * Parameters are named like a state_dict: `layer{i}.weight` [in, out], `layer{i}.bias` [out],
 * and with batch norm `layer{i}.gamma`, `layer{i}.beta` [out]; i = 0 … depth, the last being the
 * output layer. Running statistics (`layer{i}.running_mean`, `.running_var` [out], float32) and
 * the count of training-mode batches (`layer{i}.num_batches_tracked` [], int32) are buffers, not
 * parameters. Batch norm follows PyTorch's `nn.BatchNorm1d` defaults (see `batch-norm.ts`), so
 * the weights move to and from a `torch.nn.Sequential` state_dict losslessly
 * (`mlp-torch-weights.ts`).
 */
import { z } from 'zod';
import { tf } from '../backend/tf.js';
import { Rng } from '../random/rng.js';
import { activation, ACTIVATION_NAMES } from '../activations/activations.js';
import type { Activation, ActivationName } from '../activations/activations.js';
import { initializer, INIT_NAMES } from '../init/initializers.js';
import type { InitName } from '../init/initializers.js';
import { oneOf, parseOptions, positiveInt, positiveNumber } from '../errors/schema.js';
import { ShapeError, invalidArgument } from '../errors/gradlab-error.js';
import { dense } from './dense.js';
import { batchMoments, batchNormApply, updateRunningMoments } from './batch-norm.js';
import { lossByName, LOSS_NAMES } from './losses.js';
import { addBatchNormState, namedParam, ownVariable, setNamedParams } from './named-params.js';
import { probedGradients } from './probed-gradients.js';
import { checkLossInputs } from './loss-inputs.js';
import type { LossName } from './losses.js';
import { dropout, dropoutRate, DROPOUT_RATE_EXPECTED } from './dropout.js';

/** Options of {@link MLP}. */
export interface MLPConfig {
  /** [input, hidden_1, …, hidden_depth, output]; at least [input, output]. */
  layerSizes: number[];
  /** Hidden activation. Default 'tanh'. */
  activation?: ActivationName;
  /** Initialiser of every weight matrix. Default 'glorot-uniform'. */
  init?: InitName;
  /** 'batch' inserts batch norm before each hidden activation. Default 'none'. */
  norm?: 'none' | 'batch';
  /** Identity skip connections around hidden layers whose input and output widths match. Default false. */
  residual?: boolean;
  /**
   * Inverted-dropout rate p in [0, 1) of the hidden layers, applied in training mode only: one
   * number for every hidden layer, or an array with one rate per hidden layer. Default 0
   * (none); typical 0.1–0.5 (Srivastava et al. 2014 used 0.5).
   */
  dropout?: number | number[];
  /**
   * Scale s of each residual branch, a_l = a_{l−1} + s·f(z_l); ignored without `residual`.
   * 1/√depth bounds the growth of activations and gradients over depth. Default 1; > 0.
   */
  residualScale?: number;
}

/** Defaults of {@link MLPConfig}. */
export const MLP_DEFAULTS = { activation: 'tanh', init: 'glorot-uniform', norm: 'none', residual: false, dropout: 0, residualScale: 1 } as const;

const configSchema = z
  .object({
    layerSizes: z.array(positiveInt(), { error: 'an array of at least 2 positive integers' }).min(2, {
      error: 'an array of at least 2 positive integers',
    }),
    activation: oneOf(ACTIVATION_NAMES).default(MLP_DEFAULTS.activation),
    init: oneOf(INIT_NAMES).default(MLP_DEFAULTS.init),
    norm: oneOf(['none', 'batch'] as const).default(MLP_DEFAULTS.norm),
    residual: z.boolean({ error: 'a boolean' }).default(MLP_DEFAULTS.residual),
    dropout: z
      .union([dropoutRate(), z.array(dropoutRate())], { error: `${DROPOUT_RATE_EXPECTED} or an array of them, one per hidden layer` })
      .default(MLP_DEFAULTS.dropout),
    residualScale: positiveNumber().default(MLP_DEFAULTS.residualScale),
  })
  .strict();

/** A validated MLP configuration with defaults filled in. */
export type MLPSpec = z.output<typeof configSchema>;

/** What one forward pass computed, layer by layer (hidden layers only in pre/post). */
export interface MLPTrace {
  /** Output-layer logits [batch, output]. */
  output: tf.Tensor;
  /** Hidden pre-activations z_l (after batch norm when on) [batch, width_l]. */
  pre: tf.Tensor[];
  /** Hidden activations a_l [batch, width_l]. */
  post: tf.Tensor[];
  /** Batch mean and biased variance of each hidden layer (training mode with batch norm). */
  moments: { mean: tf.Tensor; variance: tf.Tensor }[];
}

/**
 * Where a training pass gets its dropout keep masks: an {@link Rng} (layer l draws from
 * `rng.fork('layer{l}')`), or one 0/1 keep mask [batch, width_l] per hidden layer (entries of
 * layers with rate 0 are ignored and may be undefined).
 */
export type MLPDropoutMasks = Rng | readonly (tf.Tensor | undefined)[];

/** Options of a forward pass. */
export interface MLPForwardOptions {
  /** Training mode: batch norm from batch statistics, dropout on. Default false (evaluation). */
  training?: boolean;
  /** Keep masks of a training pass; required by {@link mlpForward} when a dropout rate is > 0. */
  dropout?: MLPDropoutMasks;
  /**
   * Tensors added to each hidden activation a_l (zeros by the caller): the gradient with
   * respect to probe l is ∂L/∂a_l. Used by {@link MLP.gradients}.
   */
  probes?: tf.Tensor[];
}

/**
 * The MLP forward pass as a pure function of named parameter tensors, so tfjs autodiff (and
 * finite differences) can differentiate it. Returned tensors are not tracked by any tidy.
 */
export function mlpForward(
  spec: MLPSpec,
  params: Record<string, tf.Tensor>,
  buffers: Record<string, tf.Tensor>,
  x: tf.Tensor,
  options: MLPForwardOptions = {},
): MLPTrace {
  const sizes = spec.layerSizes;
  if (x.rank !== 2 || x.shape[1] !== sizes[0]) {
    throw new ShapeError(`MLP: expected input of shape [batch, ${sizes[0]}], got [${x.shape}]`);
  }
  const act: Activation = activation(spec.activation);
  const depth = sizes.length - 2;
  const rates = dropoutRates(spec);
  const pre: tf.Tensor[] = [];
  const post: tf.Tensor[] = [];
  const moments: { mean: tf.Tensor; variance: tf.Tensor }[] = [];
  let a = x;
  for (let l = 0; l < depth; l++) {
    let zl: tf.Tensor = dense(a, p(params, `layer${l}.weight`), p(params, `layer${l}.bias`));
    if (spec.norm === 'batch') {
      let stats: { mean: tf.Tensor; variance: tf.Tensor };
      if (options.training === true) {
        stats = batchMoments(zl);
        moments.push(stats);
      } else {
        stats = { mean: p(buffers, `layer${l}.running_mean`), variance: p(buffers, `layer${l}.running_var`) };
      }
      zl = batchNormApply(zl, stats.mean, stats.variance, p(params, `layer${l}.gamma`), p(params, `layer${l}.beta`));
    }
    let al = act.fn(zl);
    if (options.training === true && rates[l]! > 0) al = dropout(al, rates[l]!, maskOf(options.dropout, l));
    if (spec.residual && sizes[l] === sizes[l + 1]) al = tf.add(a, spec.residualScale === 1 ? al : tf.mul(al, spec.residualScale));
    if (options.probes !== undefined) al = tf.add(al, options.probes[l]!);
    pre.push(zl);
    post.push(al);
    a = al;
  }
  const output = dense(a, p(params, `layer${depth}.weight`), p(params, `layer${depth}.bias`));
  return { output, pre, post, moments };
}

/** The dropout rate of each hidden layer. */
function dropoutRates(spec: MLPSpec): number[] {
  const depth = spec.layerSizes.length - 2;
  return typeof spec.dropout === 'number' ? new Array<number>(depth).fill(spec.dropout) : spec.dropout;
}

function maskOf(masks: MLPDropoutMasks | undefined, l: number): tf.Tensor | Rng {
  if (masks === undefined) {
    throw invalidArgument('mlpForward', 'options.dropout', masks, 'an Rng or one keep mask per hidden layer in training mode with dropout');
  }
  if (masks instanceof Rng) return masks.fork(`layer${l}`);
  const m = masks[l];
  if (!(m instanceof tf.Tensor)) throw invalidArgument('mlpForward', `options.dropout[${l}]`, m, 'a keep mask [batch, width] (the layer has dropout)');
  return m;
}

const p = (record: Record<string, tf.Tensor>, name: string): tf.Tensor => namedParam('MLP', record, name);

/** Gradients and per-layer traces from {@link MLP.gradients}; dispose when done. */
export interface MLPGradients {
  /** The loss value. */
  loss: number;
  /** ∂L/∂θ for every parameter, same names as `MLP.params`. */
  grads: Record<string, tf.Tensor>;
  /** ∂L/∂a_l for each hidden layer l [batch, width_l]. */
  activationGrads: tf.Tensor[];
  /** Hidden pre-activations [batch, width_l]. */
  pre: tf.Tensor[];
  /** Hidden activations [batch, width_l]. */
  post: tf.Tensor[];
  /** Frees every tensor above. */
  dispose(): void;
}

/**
 * A deep MLP with optional batch norm and residual links.
 * @example
 * const net = new MLP({ layerSizes: [784, 256, 256, 10], activation: 'relu', init: 'he-normal' }, rng);
 * const g = net.gradients(x, labels, 'softmax-cross-entropy');
 * optimizer.step(net.params, g.grads); g.dispose();
 */
export class MLP {
  /** Validated configuration. */
  readonly spec: MLPSpec;
  /** Trainable parameters, by name. */
  readonly params: Record<string, tf.Variable>;
  /** Batch-norm running statistics and batch counts, by name (empty without batch norm). */
  readonly buffers: Record<string, tf.Variable>;
  private readonly dropoutRng: Rng;
  private dropoutPasses = 0;

  /**
   * @param config layer sizes, activation, init, norm, residual, residualScale, dropout
   * @param rng weights are drawn from `rng.fork('layer{i}')`; the dropout masks of the n-th
   *   training pass (0-based) from `rng.fork('dropout/pass{n}/layer{l}')`
   * @throws ValidationError naming the bad field
   */
  constructor(config: MLPConfig, rng: Rng) {
    this.spec = parseOptions('MLP', configSchema, config);
    const hidden = this.spec.layerSizes.length - 2;
    if (Array.isArray(this.spec.dropout) && this.spec.dropout.length !== hidden) {
      throw invalidArgument('MLP', 'dropout', this.spec.dropout, `one rate or an array of ${hidden} (one per hidden layer)`);
    }
    this.dropoutRng = rng.fork('dropout');
    const init = initializer(this.spec.init);
    const sizes = this.spec.layerSizes;
    this.params = {};
    this.buffers = {};
    for (let l = 0; l + 1 < sizes.length; l++) {
      const r = rng.fork(`layer${l}`);
      const w = init([sizes[l]!, sizes[l + 1]!], r.fork('weight'));
      this.params[`layer${l}.weight`] = ownVariable(w, true);
      const width = sizes[l + 1]!;
      this.params[`layer${l}.bias`] = ownVariable(tf.zeros([width]), true);
      if (this.spec.norm === 'batch' && l + 2 < sizes.length) addBatchNormState(this.params, this.buffers, `layer${l}`, width);
    }
  }

  /** Number of hidden layers. */
  get depth(): number {
    return this.spec.layerSizes.length - 2;
  }

  /**
   * Logits [batch, output] for x [batch, input]. Evaluation mode by default; a training-mode
   * pass with dropout draws fresh masks (see the constructor) unless `options.dropout` gives them.
   */
  forward(x: tf.Tensor, options: { training?: boolean; dropout?: MLPDropoutMasks } = {}): tf.Tensor {
    const dropout = this.dropoutFor(options.training === true, options.dropout);
    return tf.tidy(() => mlpForward(this.spec, this.params, this.buffers, x, { training: options.training, dropout }).output);
  }

  /** The masks of a pass: the caller's, or the next pass's fork when dropout is on. */
  private dropoutFor(training: boolean, given: MLPDropoutMasks | undefined): MLPDropoutMasks | undefined {
    if (given !== undefined || !training || dropoutRates(this.spec).every((r) => r === 0)) return given;
    return this.dropoutRng.fork(`pass${this.dropoutPasses++}`);
  }

  /**
   * Loss, ∂L/∂θ and ∂L/∂a_l for one batch, by tfjs autodiff. In training mode with batch norm
   * the running statistics are updated once and `num_batches_tracked` counts the batch (as a
   * PyTorch forward in train mode does).
   * @param x [batch, input]
   * @param target labels [batch] (int32) or targets shaped like the output
   * @param options training mode (default true: batch statistics, dropout on) and, optionally,
   *   the dropout keep masks (default: the next pass's fork, see the constructor)
   * @throws ValidationError for no rows or a class label outside [0, outputs) (read back once)
   */
  gradients(
    x: tf.Tensor,
    target: tf.Tensor,
    loss: LossName,
    options: { training?: boolean; dropout?: MLPDropoutMasks } = {},
  ): MLPGradients {
    if (!(LOSS_NAMES as readonly string[]).includes(loss)) throw invalidArgument('MLP.gradients', 'loss', loss, `one of ${LOSS_NAMES.join(', ')}`);
    checkLossInputs('MLP.gradients', x, target, loss, this.spec.layerSizes[this.spec.layerSizes.length - 1]!);
    const training = options.training ?? true;
    const dropout = this.dropoutFor(training, options.dropout);
    const sizes = this.spec.layerSizes;
    const batch = x.shape[0]!;
    const kept: { pre: tf.Tensor[]; post: tf.Tensor[]; moments: { mean: tf.Tensor; variance: tf.Tensor }[] } = { pre: [], post: [], moments: [] };
    const g = probedGradients(this.params, sizes.slice(1, -1).map((w) => [batch, w]), (params, probes) => {
      const trace = mlpForward(this.spec, params, this.buffers, x, { training, dropout, probes });
      kept.pre = trace.pre.map((t) => tf.keep(t));
      kept.post = trace.post.map((t) => tf.keep(t));
      kept.moments = trace.moments.map((m) => ({ mean: tf.keep(m.mean), variance: tf.keep(m.variance) }));
      return lossByName(loss, trace.output, target);
    });
    this.updateRunningStats(kept.moments, batch);
    const { pre, post } = kept;
    return { ...g, pre, post, dispose: () => tf.dispose([...Object.values(g.grads), ...g.activationGrads, ...pre, ...post]) };
  }

  private updateRunningStats(moments: { mean: tf.Tensor; variance: tf.Tensor }[], batch: number): void {
    moments.forEach((s, l) => {
      const b = this.buffers;
      updateRunningMoments({ mean: b[`layer${l}.running_mean`]!, variance: b[`layer${l}.running_var`]!, count: b[`layer${l}.num_batches_tracked`]! }, s, batch);
      tf.dispose([s.mean, s.variance]);
    });
  }

  /**
   * Replaces parameters (and buffers) by the given tensors, copied and cast to the target's
   * dtype (float32; int32 for `num_batches_tracked`); names and shapes must match. Used to load
   * saved weights or a pretrained stack.
   * @throws ShapeError / ValidationError naming the tensor
   */
  setParams(values: Record<string, tf.Tensor>): void {
    setNamedParams('MLP.setParams', this.params, this.buffers, values);
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    tf.dispose(Object.values(this.params));
    tf.dispose(Object.values(this.buffers));
  }
}
