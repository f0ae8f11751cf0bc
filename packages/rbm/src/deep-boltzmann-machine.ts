/**
 * Deep Boltzmann machine (Salakhutdinov & Hinton 2009) with two hidden layers: an undirected
 * model over binary v [V], h1 [H1], h2 [H2] with energy
 *
 *   E(v, h1, h2) = −b·v − c1·h1 − c2·h2 − v·W1·h1 − h1·W2·h2,
 *
 * W1 [V, H1], W2 [H1, H2]. Unlike a DBN every layer is undirected, so the middle layer hears
 * both neighbours: P(h1 = 1 | v, h2) = σ(v·W1 + h2·W2ᵀ + c1), while P(v = 1 | h1) = σ(h1·W1ᵀ + b)
 * and P(h2 = 1 | h1) = σ(h1·W2 + c2) (v and h2 are independent given h1). The posterior
 * P(h1, h2 | v) is intractable; the model's statistics come from persistent Gibbs chains and the
 * data's from a fully factorised mean-field approximation Q(h1, h2 | v) = Π q(h1_j) Π q(h2_m),
 * whose fixed-point equations are
 *
 *   μ1 = σ(v·W1 + μ2·W2ᵀ + c1),     μ2 = σ(μ1·W2 + c2),
 *
 * iterated a fixed number of times (optionally damped) from the bottom-up pass
 * μ1 = σ(2·v·W1 + c1), μ2 = σ(μ1·W2 + c2) (the doubled weights stand in for h2's missing
 * top-down input; the pretraining is what makes this single bottom-up pass a sensible start,
 * Salakhutdinov & Hinton 2012). Each sweep updates μ1 given μ2,
 * then μ2 given μ1: both are exact coordinate maximisations of the variational lower bound, so
 * the undamped iteration never lowers it.
 *
 * Learning (`train-dbm.ts`), greedy pretraining (`dbm-pretraining.ts`), the exact likelihood of
 * small models (`dbm-exact-likelihood.ts`) and the unrolled MLP are in their own files.
 *
 * Complexity: one mean-field sweep or Gibbs sweep costs O(batch·(V·H1 + H1·H2)).
 *
 * References: R. Salakhutdinov & G. E. Hinton (2009), "Deep Boltzmann machines", AISTATS,
 * sects. 2–3; R. Salakhutdinov & G. E. Hinton (2012), "An efficient learning procedure for deep
 * Boltzmann machines", Neural Computation 24(8).
 */
import { ShapeError, ValidationError, nonNegativeNumber, parseOptions, positiveInt, tf, type MLP, type Rng } from '@gradlab/core';
import { z } from 'zod';
import { pretrainDBM } from './dbm-pretraining.js';
import type { DBMPretrainConfig } from './dbm-pretraining.js';
import type { DBNPretrainResult } from './deep-belief-net.js';
import { ownVariable } from './rbm.js';
import { DEFAULT_WEIGHT_STD } from './rbm-init.js';
import { unrollToMLP } from './unroll-mlp.js';
import type { ToMLPOptions } from './unroll-mlp.js';

/** Default number of mean-field sweeps after the bottom-up pass. */
export const DEFAULT_MEAN_FIELD_ITERATIONS = 10;

/** Options of {@link DBM}. */
export interface DBMConfig {
  /** [visible, hidden1, hidden2]: exactly 3 positive integers (e.g. [784, 500, 1000]). */
  layerSizes: number[];
  /** Standard deviation of the initial weights W ~ N(0, σ²), ≥ 0 (default 0.01). */
  weightStd?: number;
}

const dbmSchema = z.strictObject({
  layerSizes: z
    .array(positiveInt(), { error: 'an array of 3 positive integers [visible, hidden1, hidden2]' })
    .length(3, { error: 'an array of 3 positive integers [visible, hidden1, hidden2]' }),
  weightStd: nonNegativeNumber().optional(),
});

/** The five parameter tensors of a {@link DBM}, by name. */
export interface DBMParams<T extends tf.Tensor = tf.Tensor> {
  /** W1 [V, H1]. */
  weight1: T;
  /** W2 [H1, H2]. */
  weight2: T;
  /** b [V]. */
  visibleBias: T;
  /** c1 [H1]. */
  hiddenBias1: T;
  /** c2 [H2]. */
  hiddenBias2: T;
}

/** Names of {@link DBMParams} in a fixed order. */
export const DBM_PARAM_NAMES = ['weight1', 'weight2', 'visibleBias', 'hiddenBias1', 'hiddenBias2'] as const;

/** A joint state (v, h1, h2) or mean-field marginals (h1 and h2 only). */
export interface DBMState {
  /** [batch, V]. */
  visible: tf.Tensor2D;
  /** [batch, H1]. */
  hidden1: tf.Tensor2D;
  /** [batch, H2]. */
  hidden2: tf.Tensor2D;
}

/** Mean-field marginals q(h1 = 1 | v) [batch, H1] and q(h2 = 1 | v) [batch, H2]. */
export type MeanFieldMarginals = Omit<DBMState, 'visible'>;

/** Options of {@link DBM.meanField}. */
export interface MeanFieldOptions {
  /** Number of sweeps after the bottom-up initialisation, a non-negative integer (default 10). */
  iterations?: number;
  /** Damping λ in [0, 1): μ ← λ·μ_old + (1 − λ)·μ_new (default 0, no damping). */
  damping?: number;
}

const meanFieldSchema = z.strictObject({
  iterations: z.number({ error: 'a non-negative integer' }).int({ error: 'a non-negative integer' }).min(0, { error: 'a non-negative integer' }).optional(),
  damping: z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' }).optional(),
});

/** Options of {@link DBM.toMLP}. */
export interface DBMToMLPOptions extends ToMLPOptions {
  /**
   * 'plain' (default): the MLP [V, H1, H2, out] with layers (W1, c1), (W2, c2), input the data.
   * 'mean-field': the paper's fine-tuning network (sect. 4): input [v, q(h2 | v)] of width V + H2
   * (build it with {@link DBM.meanFieldInput}), first layer [W1; W2ᵀ] and c1, then (W2, c2).
   */
  input?: 'plain' | 'mean-field';
}

/**
 * A two-hidden-layer deep Boltzmann machine.
 *
 * Parameters: `layerSizes` [V, H1, H2], `weightStd` (0.01). W1 from `rng.fork('weight1')`, W2 from
 * `rng.fork('weight2')`, biases 0.
 * @example
 * const dbm = new DBM({ layerSizes: [16, 12, 8] }, rng.fork('dbm'));
 * dbm.pretrain(x, { epochs: 100, method: 'pcd' }, rng.fork('pretrain'));
 * trainDBM(dbm, x, { epochs: 200, learningRate: 0.01 }, rng.fork('train'));
 * dbmExactLogLikelihood(dbm, x); // nats per row
 */
export class DBM {
  /** [V, H1, H2]. */
  readonly layerSizes: readonly [number, number, number];
  /** W1 [V, H1]. */
  readonly weight1: tf.Variable;
  /** W2 [H1, H2]. */
  readonly weight2: tf.Variable;
  /** b [V]. */
  readonly visibleBias: tf.Variable;
  /** c1 [H1]. */
  readonly hiddenBias1: tf.Variable;
  /** c2 [H2]. */
  readonly hiddenBias2: tf.Variable;
  private transposes: { w1: tf.Tensor2D; w2: tf.Tensor2D; of: [object, object] } | undefined;
  private disposed = false;

  /**
   * @param config sizes and initial weight scale (see {@link DBMConfig})
   * @param rng W1 from `rng.fork('weight1')`, W2 from `rng.fork('weight2')`
   * @throws ValidationError naming a bad field, e.g. `DBM: expected layerSizes to be an array of 3 positive integers …`
   */
  constructor(config: DBMConfig, rng: Rng);
  /** @internal used by {@link DBM.fromParams} */
  constructor(config: { params: DBMParams });
  constructor(config: DBMConfig | { params: DBMParams }, rng?: Rng) {
    let p: DBMParams;
    if (config !== null && typeof config === 'object' && 'params' in config) {
      p = copyDBMParams(config.params);
    } else {
      const c = parseOptions('DBM', dbmSchema, config);
      if (rng === undefined) throw new ValidationError('DBM: expected an Rng as the second argument to draw the initial weights, got undefined');
      const [V, H1, H2] = c.layerSizes as [number, number, number];
      const std = c.weightStd ?? DEFAULT_WEIGHT_STD;
      p = {
        weight1: rng.fork('weight1').normalTensor([V, H1], 0, std),
        weight2: rng.fork('weight2').normalTensor([H1, H2], 0, std),
        visibleBias: tf.zeros([V]),
        hiddenBias1: tf.zeros([H1]),
        hiddenBias2: tf.zeros([H2]),
      };
    }
    this.layerSizes = Object.freeze([p.weight1.shape[0]!, p.weight1.shape[1]!, p.weight2.shape[1]!]) as readonly [number, number, number];
    this.weight1 = ownVariable(p.weight1);
    this.weight2 = ownVariable(p.weight2);
    this.visibleBias = ownVariable(p.visibleBias);
    this.hiddenBias1 = ownVariable(p.hiddenBias1);
    this.hiddenBias2 = ownVariable(p.hiddenBias2);
  }

  /**
   * A DBM holding copies of the given parameters.
   * @throws ShapeError when the shapes do not fit together
   */
  static fromParams(params: DBMParams): DBM {
    checkDBMParams('DBM.fromParams', params);
    return new DBM({ params });
  }

  /** The trainable parameters by name (the variables themselves, for an optimiser). */
  get params(): DBMParams<tf.Variable> {
    this.checkLive();
    return { weight1: this.weight1, weight2: this.weight2, visibleBias: this.visibleBias, hiddenBias1: this.hiddenBias1, hiddenBias2: this.hiddenBias2 };
  }

  /** Copies of the parameters (the caller disposes them). */
  getParams(): DBMParams {
    this.checkLive();
    return copyDBMParams(this.params);
  }

  /**
   * Replaces parameters by copies of the given tensors (any subset); shapes must match.
   * @throws ShapeError naming the parameter
   */
  setParams(values: Partial<DBMParams>): void {
    this.checkLive();
    for (const name of DBM_PARAM_NAMES) {
      const t = values[name];
      if (t === undefined) continue;
      const target = this[name];
      if (t.shape.join(',') !== target.shape.join(',')) throw new ShapeError(`DBM.setParams: expected ${name} of shape [${target.shape}], got [${t.shape}]`);
      tf.tidy(() => target.assign(tf.cast(t, 'float32')));
    }
  }

  /**
   * Greedy layer-wise pretraining with the modified RBMs (sect. 3.1; see `dbm-pretraining.ts`):
   * the bottom RBM with doubled bottom-up input on x, the top RBM with doubled top-down input on
   * its P(h1 | v), then composed with h1's bias the mean of the two RBMs' biases for h1.
   * @param x training data [n, V] (not changed)
   * @param config `trainRBM` options for both RBMs (`method`, `epochs`, `learningRate`, …), `layers` overrides, `onEpoch`
   * @param rng RBM l trains with `rng.fork('layer{l}')`
   * @returns both RBMs' epoch histories
   * @throws ValidationError for bad options; ShapeError for data of the wrong shape
   */
  pretrain(x: tf.Tensor, config: DBMPretrainConfig, rng: Rng): DBNPretrainResult {
    this.checkLive();
    return pretrainDBM(this, x, config, rng);
  }

  /**
   * P(h1 = 1 | v, h2) = σ(v·W1 + h2·W2ᵀ + c1); h2 may be mean-field marginals.
   * @param v [batch, V]
   * @param h2 [batch, H2]
   * @returns [batch, H1]
   */
  meanHidden1(v: tf.Tensor, h2: tf.Tensor): tf.Tensor2D {
    this.checkRows(v, 0, 'meanHidden1', 'v');
    this.checkRows(h2, 2, 'meanHidden1', 'h2');
    const { w2 } = this.transposed();
    return tf.tidy(() => tf.sigmoid(tf.add(tf.add(tf.matMul(v as tf.Tensor2D, this.weight1 as tf.Tensor2D), tf.matMul(h2 as tf.Tensor2D, w2)), this.hiddenBias1)) as tf.Tensor2D);
  }

  /**
   * P(v = 1 | h1) = σ(h1·W1ᵀ + b).
   * @param h1 [batch, H1]
   * @returns [batch, V]
   */
  meanVisible(h1: tf.Tensor): tf.Tensor2D {
    this.checkRows(h1, 1, 'meanVisible', 'h1');
    const { w1 } = this.transposed();
    return tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(h1 as tf.Tensor2D, w1), this.visibleBias)) as tf.Tensor2D);
  }

  /**
   * P(h2 = 1 | h1) = σ(h1·W2 + c2).
   * @param h1 [batch, H1]
   * @returns [batch, H2]
   */
  meanHidden2(h1: tf.Tensor): tf.Tensor2D {
    this.checkRows(h1, 1, 'meanHidden2', 'h1');
    return tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(h1 as tf.Tensor2D, this.weight2 as tf.Tensor2D), this.hiddenBias2)) as tf.Tensor2D);
  }

  /**
   * Mean-field marginals q(h1 | v), q(h2 | v): the bottom-up pass μ1 = σ(2·v·W1 + c1),
   * μ2 = σ(μ1·W2 + c2), then `iterations` sweeps of μ1 ← σ(v·W1 + μ2·W2ᵀ + c1),
   * μ2 ← σ(μ1·W2 + c2), each damped by λ.
   * @param v data [batch, V] (binary or in [0, 1]; not changed)
   * @param options `{ iterations = 10, damping = 0 }`
   * @returns the marginals; the caller disposes them
   * @throws ValidationError for bad options; ShapeError for v of the wrong shape
   */
  meanField(v: tf.Tensor, options: MeanFieldOptions = {}): MeanFieldMarginals {
    const o = parseOptions('DBM.meanField', meanFieldSchema, options);
    this.checkRows(v, 0, 'meanField', 'v');
    const iterations = o.iterations ?? DEFAULT_MEAN_FIELD_ITERATIONS;
    const lambda = o.damping ?? 0;
    const { w2 } = this.transposed();
    return tf.tidy(() => {
      const bottomUp = tf.matMul(v as tf.Tensor2D, this.weight1 as tf.Tensor2D); // [batch, H1], reused by every sweep
      let mu1 = tf.sigmoid(tf.add(tf.mul(bottomUp, 2), this.hiddenBias1)) as tf.Tensor2D;
      let mu2 = tf.sigmoid(tf.add(tf.matMul(mu1, this.weight2 as tf.Tensor2D), this.hiddenBias2)) as tf.Tensor2D;
      const damp = (old: tf.Tensor2D, fresh: tf.Tensor2D) => (lambda === 0 ? fresh : (tf.add(tf.mul(old, lambda), tf.mul(fresh, 1 - lambda)) as tf.Tensor2D));
      for (let it = 0; it < iterations; it++) {
        mu1 = damp(mu1, tf.sigmoid(tf.add(tf.add(bottomUp, tf.matMul(mu2, w2)), this.hiddenBias1)) as tf.Tensor2D);
        mu2 = damp(mu2, tf.sigmoid(tf.add(tf.matMul(mu1, this.weight2 as tf.Tensor2D), this.hiddenBias2)) as tf.Tensor2D);
      }
      return { hidden1: mu1, hidden2: mu2 };
    });
  }

  /**
   * One sweep of block Gibbs sampling: h1 ~ P(h1 | v, h2), then v ~ P(v | h1) and
   * h2 ~ P(h2 | h1) (independent given h1). The means of the second half are returned too, for
   * the Rao–Blackwellised statistics of the learning rule.
   * @param state the chains' current states (not disposed)
   * @param rng random stream for every draw
   * @returns the new state and `visibleMean` P(v | h1), `hidden2Mean` P(h2 | h1); the caller disposes them
   */
  gibbsStep(state: DBMState, rng: Rng): DBMState & { visibleMean: tf.Tensor2D; hidden2Mean: tf.Tensor2D } {
    this.checkState(state, 'gibbsStep');
    return tf.tidy(() => {
      const hidden1 = rng.bernoulliTensor(this.meanHidden1(state.visible, state.hidden2)) as tf.Tensor2D;
      const visibleMean = this.meanVisible(hidden1);
      const hidden2Mean = this.meanHidden2(hidden1);
      const visible = rng.bernoulliTensor(visibleMean) as tf.Tensor2D;
      const hidden2 = rng.bernoulliTensor(hidden2Mean) as tf.Tensor2D;
      return { visible, hidden1, hidden2, visibleMean, hidden2Mean };
    });
  }

  /**
   * Start states for persistent chains: v ~ Bernoulli(rows), then the bottom-up pass
   * h1 ~ σ(2·v·W1 + c1), h2 ~ σ(h1·W2 + c2).
   * @param rows [n, V] data rows (probabilities or binary; not disposed)
   */
  initialState(rows: tf.Tensor, rng: Rng): DBMState {
    this.checkRows(rows, 0, 'initialState', 'rows');
    return tf.tidy(() => {
      const visible = rng.bernoulliTensor(rows) as tf.Tensor2D;
      const hidden1 = rng.bernoulliTensor(tf.sigmoid(tf.add(tf.mul(tf.matMul(visible, this.weight1 as tf.Tensor2D), 2), this.hiddenBias1))) as tf.Tensor2D;
      const hidden2 = rng.bernoulliTensor(this.meanHidden2(hidden1)) as tf.Tensor2D;
      return { visible, hidden1, hidden2 };
    });
  }

  /**
   * E(v, h1, h2) of joint states.
   * @returns [batch]
   */
  energy(state: DBMState): tf.Tensor1D {
    this.checkState(state, 'energy');
    const { visible: v, hidden1: h1, hidden2: h2 } = state;
    return tf.tidy(() => {
      const vwh = tf.sum(tf.mul(tf.matMul(v, this.weight1 as tf.Tensor2D), h1), 1);
      const hwh = tf.sum(tf.mul(tf.matMul(h1, this.weight2 as tf.Tensor2D), h2), 1);
      const biases = tf.add(tf.add(tf.sum(tf.mul(v, this.visibleBias), 1), tf.sum(tf.mul(h1, this.hiddenBias1), 1)), tf.sum(tf.mul(h2, this.hiddenBias2), 1));
      return tf.neg(tf.add(biases, tf.add(vwh, hwh))) as tf.Tensor1D;
    });
  }

  /**
   * The paper's augmented input [v, q(h2 | v)] for the 'mean-field' MLP of {@link DBM.toMLP}.
   * @param x data [n, V]
   * @param options mean-field options (default 10 sweeps, no damping)
   * @returns [n, V + H2]
   */
  meanFieldInput(x: tf.Tensor, options: MeanFieldOptions = {}): tf.Tensor2D {
    const mf = this.meanField(x, options);
    const out = tf.tidy(() => tf.concat([x as tf.Tensor2D, mf.hidden2], 1));
    tf.dispose([mf.hidden1, mf.hidden2]);
    return out;
  }

  /**
   * A logistic MLP initialised from the DBM, plus a new output layer, for supervised
   * fine-tuning: 'plain' [V, H1, H2, out] with (W1, c1), (W2, c2); or 'mean-field'
   * [V + H2, H1, H2, out] with first layer [W1; W2ᵀ] (Salakhutdinov & Hinton 2009, sect. 4),
   * fed with {@link DBM.meanFieldInput}.
   * @param numOutputs width of the new output layer
   * @param rng the output layer's initialisation
   * @param options `{ input = 'plain', outputInit = 'glorot-uniform' }`
   */
  toMLP(numOutputs: number, rng: Rng, options: DBMToMLPOptions = {}): MLP {
    this.checkLive();
    const { input = 'plain', ...rest } = options;
    if (input !== 'plain' && input !== 'mean-field') throw new ValidationError(`DBM.toMLP: expected input to be one of "plain", "mean-field", got ${JSON.stringify(input)}`);
    const first = input === 'plain' ? tf.clone(this.weight1) : tf.tidy(() => tf.concat([this.weight1, this.transposed().w2], 0));
    try {
      return unrollToMLP(
        'DBM.toMLP',
        [
          { weight: first, bias: this.hiddenBias1 },
          { weight: this.weight2, bias: this.hiddenBias2 },
        ],
        numOutputs,
        rng,
        rest,
      );
    } finally {
      first.dispose();
    }
  }

  /** Whether {@link DBM.dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the parameters and the cached transposes. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.transposes !== undefined) tf.dispose([this.transposes.w1, this.transposes.w2]);
    this.transposes = undefined;
    tf.dispose([this.weight1, this.weight2, this.visibleBias, this.hiddenBias1, this.hiddenBias2]);
  }

  /**
   * W1ᵀ [H1, V] and W2ᵀ [H2, H1], cached until the weights are next assigned (tfjs-wasm multiplies
   * by a transposed operand about ten times slower than by a plain one). Owned: do not dispose.
   */
  transposed(): { w1: tf.Tensor2D; w2: tf.Tensor2D } {
    this.checkLive();
    const ids: [object, object] = [this.weight1.dataId as object, this.weight2.dataId as object];
    const t = this.transposes;
    if (t === undefined || t.of[0] !== ids[0] || t.of[1] !== ids[1]) {
      if (t !== undefined) tf.dispose([t.w1, t.w2]);
      const w1 = tf.tidy(() => tf.keep(tf.transpose(this.weight1) as tf.Tensor2D));
      const w2 = tf.tidy(() => tf.keep(tf.transpose(this.weight2) as tf.Tensor2D));
      this.transposes = { w1, w2, of: ids };
    }
    return { w1: this.transposes!.w1, w2: this.transposes!.w2 };
  }

  /** @throws ShapeError unless x is [batch, layerSizes[layer]] */
  checkRows(x: tf.Tensor, layer: 0 | 1 | 2, method: string, name: string): void {
    this.checkLive();
    const width = this.layerSizes[layer];
    if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.shape[1] !== width) {
      const got = x instanceof tf.Tensor ? `[${x.shape}]` : typeof x;
      throw new ShapeError(`DBM.${method}: expected ${name} of shape [batch, ${width}], got ${got}`);
    }
  }

  private checkState(state: DBMState, method: string): void {
    this.checkRows(state?.visible, 0, method, 'visible');
    this.checkRows(state.hidden1, 1, method, 'hidden1');
    this.checkRows(state.hidden2, 2, method, 'hidden2');
    const n = state.visible.shape[0];
    if (state.hidden1.shape[0] !== n || state.hidden2.shape[0] !== n) {
      throw new ShapeError(`DBM.${method}: expected visible, hidden1 and hidden2 with the same number of rows, got ${n}, ${state.hidden1.shape[0]}, ${state.hidden2.shape[0]}`);
    }
  }

  private checkLive(): void {
    if (this.disposed) throw new ValidationError('DBM: this model was disposed');
  }
}

/** Float32 copies of DBM parameters. */
function copyDBMParams(p: DBMParams): DBMParams {
  const copy = (t: tf.Tensor) => tf.tidy(() => tf.cast(t, 'float32').clone());
  return { weight1: copy(p.weight1), weight2: copy(p.weight2), visibleBias: copy(p.visibleBias), hiddenBias1: copy(p.hiddenBias1), hiddenBias2: copy(p.hiddenBias2) };
}

/** @throws ShapeError unless W1 [V, H1], W2 [H1, H2], b [V], c1 [H1], c2 [H2] with sizes ≥ 1 */
function checkDBMParams(where: string, p: DBMParams): void {
  for (const name of DBM_PARAM_NAMES) {
    if (!(p?.[name] instanceof tf.Tensor)) throw new ShapeError(`${where}: expected params.${name} to be a tf.Tensor, got ${typeof p?.[name]}`);
    if (p[name].isDisposed) throw new ValidationError(`${where}: expected params.${name} to be a live tensor, got a disposed one`);
  }
  const { weight1: w1, weight2: w2 } = p;
  if (w1.rank !== 2 || w1.size === 0) throw new ShapeError(`${where}: expected params.weight1 of shape [visible, hidden1], got [${w1.shape}]`);
  const [V, H1] = w1.shape as [number, number];
  if (w2.rank !== 2 || w2.shape[0] !== H1 || w2.size === 0) throw new ShapeError(`${where}: expected params.weight2 of shape [${H1}, hidden2], got [${w2.shape}]`);
  const H2 = w2.shape[1]!;
  const want: [keyof DBMParams, number][] = [
    ['visibleBias', V],
    ['hiddenBias1', H1],
    ['hiddenBias2', H2],
  ];
  for (const [name, n] of want) {
    if (p[name].rank !== 1 || p[name].shape[0] !== n) throw new ShapeError(`${where}: expected params.${name} of shape [${n}], got [${p[name].shape}]`);
  }
}
