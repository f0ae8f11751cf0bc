/**
 * The recurrent stack shared by {@link RNN}, {@link LSTM} and {@link GRU}: `numLayers` recurrent
 * layers followed by a linear readout, with parameters named and shaped exactly as a PyTorch
 * state_dict (`weight_ih_l{k}` [G·H, D_k], `weight_hh_l{k}` [G·H, H], `bias_ih_l{k}` [G·H],
 * `bias_hh_l{k}` [G·H], `head.weight` [O, H], `head.bias` [O]), so weights move between the two
 * without reshaping. Sequences are time-major, x [T, B, D], as PyTorch's default. With
 * `dropout` > 0, training passes drop the outputs of every layer but the last (`layer-dropout.ts`).
 */
import {
  ShapeError,
  ValidationError,
  checkScale,
  describeValue,
  initializer,
  invalidArgument,
  scaleToSpectralRadius,
  tf,
  type InitName,
  type Rng,
} from '@gradlab/core';
import type { CellKernel, CellState, LayerWeights } from './cells/cell-kernel.js';
import { gateCount } from './recurrent-config.js';
import type { CellType, RecurrentInitName, RecurrentSpec } from './recurrent-config.js';
import { LayerDropout } from './layer-dropout.js';
import type { RecurrentDropoutMasks } from './layer-dropout.js';
import { splitRows, unstackTime } from './time-steps.js';
import { tidy } from './typed-tidy.js';
import { unroll } from './unroll.js';

/** A recurrent state in PyTorch's layout: h [L, B, H] and, for the LSTM, c [L, B, H]. */
export interface RecurrentState {
  h: tf.Tensor;
  c?: tf.Tensor;
}

/** What {@link RecurrentNet.forward} returns (the caller disposes it). */
export interface RecurrentOutput {
  /** Readout at every step [T, B, O]. */
  output: tf.Tensor;
  /** Top layer's hidden output at every step [T, B, H] (PyTorch's `output`). */
  hidden: tf.Tensor;
  /** State after the last step (PyTorch's `h_n`, `c_n`). */
  state: RecurrentState;
}

/** Draws a block in PyTorch layout [out, in]. */
function drawBlock(init: RecurrentInitName, out: number, inn: number, hidden: number, rng: Rng): tf.Tensor {
  if (init === 'pytorch') {
    const k = 1 / Math.sqrt(hidden);
    return rng.uniformTensor([out, inn], -k, k);
  }
  return tf.tidy(() => tf.transpose(initializer(init as InitName)([inn, out], rng)));
}

function maxAbs(t: tf.Tensor): number {
  let m = 0;
  for (const v of t.dataSync() as Float32Array) m = Math.max(m, Math.abs(v));
  return m;
}

/** Base class of the recurrent networks; use {@link RNN}, {@link LSTM} or {@link GRU}. */
export abstract class RecurrentNet {
  /** Validated configuration with defaults filled in. */
  readonly spec: RecurrentSpec;
  /** Trainable parameters by PyTorch state_dict name. */
  readonly params: Record<string, tf.Variable>;
  /** The cell's equations (used by the BPTT functions). */
  readonly kernel: CellKernel;
  private disposed = false;
  private readonly dropoutRng: Rng;
  private dropoutPasses = 0;

  protected constructor(spec: RecurrentSpec, kernel: CellKernel, rng: Rng) {
    this.spec = spec;
    this.kernel = kernel;
    this.dropoutRng = rng.fork('dropout');
    const { hiddenSize: H, inputSize, numLayers, outputSize } = spec;
    const G = gateCount(spec.cell);
    const k = 1 / Math.sqrt(H);
    const params: Record<string, tf.Variable> = {};
    const own = (name: string, t: tf.Tensor) => {
      params[name] = tf.variable(t, true);
      t.dispose();
    };
    for (let l = 0; l < numLayers; l++) {
      const D = l === 0 ? inputSize : H;
      own(`weight_ih_l${l}`, this.stackGates(G, (g) => drawBlock(spec.inputInit, H, D, H, rng.fork(`weight_ih_l${l}/${kernel.gateNames[g]}`))));
      own(
        `weight_hh_l${l}`,
        this.stackGates(G, (g) => {
          const raw = drawBlock(spec.recurrentInit, H, H, H, rng.fork(`weight_hh_l${l}/${kernel.gateNames[g]}`));
          // The gain is a float32 scalar in tf.mul, and so is every product: both must fit.
          if (spec.recurrentGain !== 1) checkScale(this.where, 'recurrentGain', spec.recurrentGain, Math.max(1, maxAbs(raw)));
          const scaled = spec.recurrentGain === 1 ? raw : tf.tidy(() => tf.mul(raw, spec.recurrentGain));
          if (scaled !== raw) raw.dispose();
          if (spec.spectralRadius === undefined) return scaled;
          const r = scaleToSpectralRadius(scaled, spec.spectralRadius, { where: this.where, field: 'spectralRadius' });
          scaled.dispose();
          return r;
        }),
      );
      for (const side of ['ih', 'hh'] as const) {
        const name = `bias_${side}_l${l}`;
        const b = spec.biasInit === 'zeros' ? tf.zeros([G * H]) : rng.fork(name).uniformTensor([G * H], -k, k);
        if (spec.cell === 'lstm') {
          // The forget block (second) is b_f on the input side and 0 on the recurrent side.
          const fill = side === 'ih' ? spec.forgetBias : 0;
          const data = b.dataSync().slice() as Float32Array;
          data.fill(fill, H, 2 * H);
          b.dispose();
          own(name, tf.tensor1d(data));
        } else {
          own(name, b);
        }
      }
    }
    own('head.weight', drawBlock(spec.headInit, outputSize, H, H, rng.fork('head.weight')));
    own('head.bias', spec.biasInit === 'zeros' ? tf.zeros([outputSize]) : rng.fork('head.bias').uniformTensor([outputSize], -k, k));
    this.params = params;
  }

  private stackGates(gates: number, block: (g: number) => tf.Tensor): tf.Tensor {
    const blocks = Array.from({ length: gates }, (_, g) => block(g));
    if (blocks.length === 1) return blocks[0]!;
    const out = tf.concat(blocks, 0);
    tf.dispose(blocks);
    return out;
  }

  /** Cell type. */
  get cell(): CellType {
    return this.spec.cell;
  }

  /** Number of scalar parameters. */
  get numParams(): number {
    return Object.values(this.params).reduce((n, p) => n + p.size, 0);
  }

  /** Name used in error messages. */
  get where(): string {
    return this.spec.cell === 'rnn' ? 'RNN' : this.spec.cell.toUpperCase();
  }

  /** The parameters of every layer arranged for the step functions. Call inside `tf.tidy`. */
  layerWeights(): LayerWeights[] {
    this.checkAlive();
    const { hiddenSize: H, numLayers, cell } = this.spec;
    const G = gateCount(cell);
    const out: LayerWeights[] = [];
    for (let l = 0; l < numLayers; l++) {
      const wih = this.params[`weight_ih_l${l}`]!;
      const whh = this.params[`weight_hh_l${l}`]!;
      const bih = this.params[`bias_ih_l${l}`]!;
      const bhh = this.params[`bias_hh_l${l}`]!;
      const whhT =
        G === 1 ? [tf.transpose(whh)] : Array.from({ length: G }, (_, g) => tf.transpose(tf.slice(whh, [g * H, 0], [H, H])));
      const whhTAll = G === 1 ? whhT[0]! : tf.transpose(whh);
      if (cell === 'gru') {
        const bhhRZ = tf.slice(bhh, [0], [2 * H]);
        const projBias = tf.add(bih, tf.concat([bhhRZ, tf.zeros([H])]));
        out.push({ wih, whh, wihT: tf.transpose(wih), whhT, whhTAll, projBias, bhn: tf.slice(bhh, [2 * H], [H]) });
      } else {
        out.push({ wih, whh, wihT: tf.transpose(wih), whhT, whhTAll, projBias: tf.add(bih, bhh) });
      }
    }
    return out;
  }

  /** Zero state for a batch, per layer. Call inside `tf.tidy`. */
  zeroState(batch: number): CellState[] {
    const H = this.spec.hiddenSize;
    return Array.from({ length: this.spec.numLayers }, () =>
      this.kernel.hasCellState ? { h: tf.zeros([batch, H]), c: tf.zeros([batch, H]) } : { h: tf.zeros([batch, H]) },
    );
  }

  /**
   * Checks a time-major input x [T, B, D].
   * @throws ShapeError / ValidationError naming the input
   */
  checkInput(x: unknown, where: string): { steps: number; batch: number } {
    if (!(x instanceof tf.Tensor)) throw invalidArgument(where, 'x', x, 'a tf.Tensor [T, B, D]');
    if (x.isDisposed) throw invalidArgument(where, 'x', 'a disposed tensor', 'a live tf.Tensor [T, B, D]');
    if (x.rank !== 3 || x.shape[2] !== this.spec.inputSize || x.shape[0] === 0 || x.shape[1] === 0) {
      throw new ShapeError(`${where}: expected x to have shape [T, B, ${this.spec.inputSize}] (time-major, T ≥ 1, B ≥ 1), got ${describeValue(x.shape)}`);
    }
    if (x.dtype !== 'float32') throw invalidArgument(where, 'x.dtype', x.dtype, '"float32"');
    return { steps: x.shape[0]!, batch: x.shape[1]! };
  }

  /**
   * Converts a PyTorch-layout state into per-layer states (zeros when undefined). Call inside `tf.tidy`.
   * @throws ShapeError when the shapes do not match [numLayers, batch, hiddenSize]
   */
  toCellStates(state: RecurrentState | undefined, batch: number, where: string): CellState[] {
    if (state === undefined) return this.zeroState(batch);
    const { numLayers: L, hiddenSize: H } = this.spec;
    if (typeof state !== 'object' || state === null) throw invalidArgument(where, 'state', state, 'an object { h, c? } of tensors [numLayers, B, H]');
    // Per layer [B, H]: one readback of [L·B, H] split by layer.
    const check = (t: unknown, name: string): tf.Tensor[] => {
      if (!(t instanceof tf.Tensor) || t.isDisposed || t.rank !== 3 || t.shape[0] !== L || t.shape[1] !== batch || t.shape[2] !== H) {
        const got = !(t instanceof tf.Tensor) ? describeValue(t) : t.isDisposed ? 'a disposed tensor' : describeValue(t.shape);
        throw new ShapeError(`${where}: expected state.${name} to be a tensor of shape [${L}, ${batch}, ${H}] (numLayers, B, H), got ${got}`);
      }
      if (t.dtype !== 'float32') throw invalidArgument(where, `state.${name}.dtype`, t.dtype, '"float32"');
      return splitRows(tf.reshape(t, [L * batch, H]), L);
    };
    const hs = check(state.h, 'h');
    if (!this.kernel.hasCellState) {
      if (state.c !== undefined) throw new ValidationError(`${where}: expected no state.c for a ${this.where} (it has no cell state), got a tensor`);
      return hs.map((h) => ({ h }));
    }
    const cs = state.c === undefined ? hs.map((h) => tf.zerosLike(h)) : check(state.c, 'c');
    return hs.map((h, l) => ({ h, c: cs[l]! }));
  }

  /** Per-layer states stacked into PyTorch's layout. Call inside `tf.tidy`. */
  fromCellStates(states: readonly CellState[]): RecurrentState {
    const h = tf.stack(states.map((s) => s.h));
    return this.kernel.hasCellState ? { h, c: tf.stack(states.map((s) => s.c!)) } : { h };
  }

  /**
   * The dropout factors of one pass over `steps` steps: undefined in evaluation or with rate 0;
   * else from `given`, or drawn for the n-th training pass (0-based) from
   * `rng.fork('dropout/pass{n}')` (`rng` as given to the constructor).
   * @throws ValidationError / ShapeError for masks of the wrong number or shape
   */
  dropoutPass(training: boolean, given: RecurrentDropoutMasks | undefined, steps: number, batch: number, where: string): LayerDropout | undefined {
    if (!training || this.spec.dropout === 0) return undefined;
    const source = given ?? this.dropoutRng.fork(`pass${this.dropoutPasses++}`);
    return LayerDropout.of(this.spec, source, steps, batch, where);
  }

  /**
   * Runs the network over a sequence.
   * @param x [T, B, D] time-major
   * @param state initial state, h (and c) [numLayers, B, H]; default zeros
   * @param options `training` (default false: evaluation, no dropout) and, optionally, the
   *   dropout keep masks of a training pass (default: the next pass's, see {@link RecurrentNet.dropoutPass})
   * @returns readout at every step [T, B, O], top hidden outputs [T, B, H] and the final state
   * @throws ShapeError for a wrongly shaped x, state or mask
   */
  forward(x: tf.Tensor, state?: RecurrentState, options: { training?: boolean; dropout?: RecurrentDropoutMasks } = {}): RecurrentOutput {
    const where = `${this.where}.forward`;
    const { steps, batch } = this.checkInput(x, where);
    const drop = this.dropoutPass(options.training === true, options.dropout, steps, batch, where);
    return tidy(() => {
      const weights = this.layerWeights();
      const start = this.toCellStates(state, batch, where);
      const inputs = unstackTime(x);
      const trace = unroll(this.kernel, weights, inputs, start, drop?.window(0, steps));
      const top = trace.layers[trace.layers.length - 1]!;
      const H2 = tf.concat(top.states.map((s) => s.h), 0); // [T·B, H]
      const y = tf.add(tf.matMul(H2, tf.transpose(this.params['head.weight']!)), this.params['head.bias']!);
      return {
        output: tf.reshape(y, [steps, batch, this.spec.outputSize]),
        hidden: tf.reshape(H2, [steps, batch, this.spec.hiddenSize]),
        state: this.fromCellStates(trace.layers.map((lt) => lt.states[lt.states.length - 1]!)),
      };
    });
  }

  /**
   * Replaces parameters by copies of the given tensors; names and shapes must match.
   * @throws ValidationError for an unknown name, ShapeError for a wrong shape
   */
  setParams(values: Record<string, tf.Tensor>): void {
    this.checkAlive();
    const where = `${this.where}.setParams`;
    for (const [name, t] of Object.entries(values)) {
      const target = this.params[name];
      if (target === undefined) throw invalidArgument(where, 'name', name, `one of ${Object.keys(this.params).join(', ')}`);
      if (!(t instanceof tf.Tensor)) throw invalidArgument(where, `values[${JSON.stringify(name)}]`, t, 'a tf.Tensor');
      if (target.shape.join(',') !== t.shape.join(',')) {
        throw new ShapeError(`${where}: expected "${name}" to have shape ${describeValue(target.shape)}, got ${describeValue(t.shape)}`);
      }
    }
    for (const [name, t] of Object.entries(values)) {
      tf.tidy(() => this.params[name]!.assign(t.dtype === 'float32' ? t : tf.cast(t, 'float32')));
    }
  }

  /** Frees every parameter. The network cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(Object.values(this.params));
  }

  /** Whether {@link RecurrentNet.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkAlive(): void {
    if (this.disposed) throw new ValidationError(`${this.where}: the network was disposed`);
  }
}
