/**
 * Truncated backpropagation through time in Williams & Peng's BPTT(k1, k2) form: the sequence is
 * processed in chunks of k1 new steps; after each chunk the losses of those k1 steps are
 * backpropagated through the last k2 steps (k2 ≥ k1), starting from the state k2 steps back,
 * which is treated as a constant. The state carries across chunks; the gradient does not.
 * BPTT(T, T) is full BPTT (one window; same code path, bit-identical gradients); k1 = k2 = k is
 * the common "chunked" TBPTT; k1 = 1 is Williams & Peng's BPTT(h; 1) with a fresh window at
 * every step.
 *
 * When k2 > k1 the window overlaps earlier chunks: those steps are recomputed from the stored
 * state at the window start with the current parameters (so after an update the window is
 * consistent with the parameters being differentiated), and the recomputed states are carried.
 *
 * With `resetState` every window after the first starts from zeros (a control: the net then
 * sees only the window's inputs, so it cannot use information older than k2 steps either).
 *
 * Chunk losses are means over the chunk's own loss rows (what one trains on); the chunk weight
 * n_u / N (its share of the sequence's loss rows) makes Σ_u weight_u · g_u the truncated
 * estimate of the full gradient at fixed parameters ({@link truncatedGradient}).
 *
 * References: Williams & Peng (1990), "An efficient gradient-based algorithm for on-line
 * training of recurrent network trajectories"; Williams & Zipser (1995); Sutskever (2013),
 * "Training recurrent neural networks" (PhD thesis, Toronto); Tallec & Ollivier (2017) on its bias.
 */
import { ValidationError, parseOptions, positiveInt, tf } from '@gradlab/core';
import { z } from 'zod';
import type { CellState } from './cells/cell-kernel.js';
import { unpackRecords } from './bptt.js';
import type { StepRecords } from './bptt.js';
import type { RecurrentNet, RecurrentState } from './recurrent-net.js';
import { checkTarget, lossSteps, sequenceLossShape } from './sequence-loss.js';
import type { SequenceLossConfig } from './sequence-loss.js';
import { unstackTime } from './time-steps.js';
import { tidy } from './typed-tidy.js';
import { dropoutOptionsShape } from './layer-dropout.js';
import type { RecurrentDropoutMasks } from './layer-dropout.js';
import { windowGradient } from './window-gradient.js';

/** Options of {@link truncatedBptt} and {@link truncatedGradient}. */
export interface TruncatedBpttOptions extends SequenceLossConfig {
  /** New steps per chunk (how often an update happens); a positive integer ≤ T for the usual case. */
  k1: number;
  /** Steps backpropagated at each update; an integer ≥ k1 (k1 = k2 = T is full BPTT). */
  k2: number;
  /** Initial state h (and c) [numLayers, B, H]; default zeros. */
  state?: RecurrentState;
  /** Record per-step norms over each window (default false). */
  measure?: boolean;
  /**
   * Start every window that begins after step 0 from the zero state instead of the carried one
   * (default false). The net then never sees more than k2 steps of input, which separates the
   * information path from the gradient path: a control for what truncation itself removes.
   */
  resetState?: boolean;
  /**
   * Training mode: dropout between stacked layers on (default true; no effect with rate 0). The
   * masks of the whole sequence are drawn once, so overlapping windows share each step's mask.
   */
  training?: boolean;
  /** Keep masks [T, B, H] of the pass (default: drawn by the net, see `RecurrentNet.dropoutPass`). */
  dropout?: RecurrentDropoutMasks;
}

/** What the callback of {@link truncatedBptt} receives after each chunk that carries a loss. */
export interface TruncatedUpdate {
  /** 0-based index of this update. */
  index: number;
  /** First step of the backpropagated window (inclusive). */
  windowStart: number;
  /** First new step of this chunk (inclusive); the losses are on [chunkStart, end). */
  chunkStart: number;
  /** End of the chunk (exclusive). */
  end: number;
  /** Mean loss over the chunk's loss rows. */
  loss: number;
  /** The chunk's share of the sequence's loss rows, n_u / N. */
  weight: number;
  /**
   * ∂(chunk loss)/∂θ truncated to the window, by parameter name. Owned by the caller of the
   * callback only during the call (freed afterwards): step an optimiser with it there.
   */
  grads: Record<string, tf.Tensor>;
  /** Per-step records over the window's steps (when `measure` is set). */
  records: StepRecords | undefined;
}

/** What {@link truncatedBptt} returns. */
export interface TruncatedBpttResult {
  /** Number of updates (chunks with a loss). */
  updates: number;
  /** Σ_u weight_u · loss_u: the sequence's mean loss when the parameters did not change. */
  loss: number;
  /** The state after the last step [numLayers, B, H]; the caller disposes it. */
  state: RecurrentState;
}

const optionsSchema = z.strictObject({
  ...sequenceLossShape,
  k1: positiveInt(),
  k2: positiveInt(),
  state: z.custom<RecurrentState>((v: unknown) => v === undefined || (typeof v === 'object' && v !== null), { error: 'an object { h, c? }' }).optional(),
  measure: z.boolean({ error: 'a boolean' }).optional(),
  resetState: z.boolean({ error: 'a boolean' }).optional(),
  ...dropoutOptionsShape,
});

function disposeStates(states: readonly CellState[] | undefined): void {
  if (states) for (const s of states) tf.dispose([s.h, ...(s.c ? [s.c] : [])]);
}

/**
 * Runs truncated BPTT(k1, k2) over one sequence, calling `onUpdate` after each chunk with its
 * truncated gradient (step an optimiser there to train online; the next chunk then runs with
 * the new parameters).
 * @param x inputs [T, B, D] (not disposed)
 * @param target as for {@link bptt}
 * @param options loss, position, k1, k2 (k2 ≥ k1), initial state, measure, resetState
 * @param onUpdate called once per chunk that carries a loss
 * @throws ValidationError for k2 < k1 or bad options; ShapeError for bad shapes
 * @example
 * truncatedBptt(lstm, x, y, { loss: 'mse', at: 'every', k1: 50, k2: 50 }, (u) => opt.step(lstm.params, u.grads));
 */
export function truncatedBptt(
  net: RecurrentNet,
  x: tf.Tensor,
  target: tf.Tensor,
  options: TruncatedBpttOptions,
  onUpdate?: (update: TruncatedUpdate) => void,
): TruncatedBpttResult {
  const where = `truncatedBptt(${net.where})`;
  const opts = parseOptions(where, optionsSchema, options) as TruncatedBpttOptions;
  if (opts.k2 < opts.k1) throw new ValidationError(`${where}: expected k2 to be an integer >= k1 = ${opts.k1}, got ${opts.k2}`);
  const { steps: T, batch } = net.checkInput(x, where);
  checkTarget(target, opts, T, batch, net.spec.outputSize, where);
  const all = lossSteps(opts, T, where);
  const isLoss = new Uint8Array(T);
  for (const t of all) isLoss[t] = 1;
  const measure = opts.measure ?? false;
  const { k1, k2 } = opts;
  const drop = net.dropoutPass(opts.training ?? true, opts.dropout, T, batch, where);

  const { xs, ys, initial } = tidy(() => ({
    xs: unstackTime(x),
    ys: opts.at === 'last' ? [tf.clone(target)] : unstackTime(target),
    initial: net.toCellStates(opts.state, batch, where),
  }));
  // stored.get(s): per-layer state after step s (s = −1: the initial state).
  const stored = new Map<number, CellState[]>([[-1, initial]]);
  const zeros = opts.resetState ? tidy(() => net.zeroState(batch)) : undefined;
  let updates = 0;
  let weightedLoss = 0;
  let finalState: RecurrentState | undefined;
  try {
    for (let a = 0; a < T; ) {
      const b = Math.min(a + k1, T);
      const w = Math.max(0, b - k2);
      const nextW = b < T ? Math.max(0, Math.min(b + k1, T) - k2) : T;
      const chunkLoss: number[] = [];
      for (let t = a; t < b; t++) if (isLoss[t]) chunkLoss.push(t);
      const start = zeros !== undefined && w > 0 ? zeros : stored.get(w - 1)!;
      const out = tidy(() => {
        const weights = net.layerWeights();
        const r = windowGradient(net, weights, {
          inputs: xs.slice(w, b),
          start,
          lossAt: chunkLoss.map((t) => t - w),
          targets: chunkLoss.map((t) => (opts.at === 'last' ? ys[0]! : ys[t]!)),
          loss: opts.loss,
          scale: 1,
          measure,
          inputFactors: drop?.window(w, b),
        });
        const keep: Record<number, CellState[]> = {};
        for (let s = Math.max(w, nextW - 1); s < b; s++) keep[s] = r.states[s - w]!;
        const summary =
          r.loss === undefined ? undefined : tf.concat([tf.reshape(r.loss, [1]), ...(r.record ? [tf.reshape(r.record, [-1])] : [])]);
        return { grads: r.grads, summary, keep };
      });
      for (const [key, states] of Object.entries(out.keep)) {
        const s = Number(key);
        disposeStates(stored.get(s));
        stored.set(s, states);
      }
      for (const s of [...stored.keys()]) {
        if (s < nextW - 1) {
          disposeStates(stored.get(s));
          stored.delete(s);
        }
      }
      if (out.summary !== undefined && out.grads !== undefined) {
        const flat = out.summary.dataSync();
        out.summary.dispose();
        const weight = opts.at === 'last' ? 1 : chunkLoss.length / all.length;
        weightedLoss += weight * flat[0]!;
        try {
          onUpdate?.({
            index: updates,
            windowStart: w,
            chunkStart: a,
            end: b,
            loss: flat[0]!,
            weight,
            grads: out.grads,
            records: measure ? unpackRecords(net, flat, 1, b - w) : undefined,
          });
        } finally {
          tf.dispose(Object.values(out.grads));
        }
        updates++;
      }
      a = b;
    }
    finalState = tidy(() => net.fromCellStates(stored.get(T - 1)!));
  } finally {
    for (const states of stored.values()) disposeStates(states);
    disposeStates(zeros);
    tf.dispose([...xs, ...ys]);
  }
  return { updates, loss: weightedLoss, state: finalState };
}

/** What {@link truncatedGradient} returns; call `dispose()` when done. */
export interface TruncatedGradient {
  /** The sequence's mean loss (Σ_u weight_u · loss_u at fixed parameters). */
  loss: number;
  /** Σ_u weight_u · g_u: the truncated estimate of ∂L/∂θ, by parameter name. */
  grads: Record<string, tf.Tensor>;
  /** Number of chunks that carried a loss. */
  updates: number;
  /** Frees `grads`. */
  dispose(): void;
}

/**
 * The truncated-BPTT(k1, k2) estimate of the full gradient at fixed parameters: the chunk
 * gradients weighted by their share of the loss rows and summed. With k1 = k2 = T it equals
 * {@link bptt}'s gradient exactly; the gap to it measures the truncation bias (compare with
 * {@link gradientAgreement}).
 * @throws as {@link truncatedBptt}
 * @example
 * const tr = truncatedGradient(net, x, y, { loss: 'mse', at: 'every', k1: 10, k2: 10 });
 * const full = bptt(net, x, y, { loss: 'mse', at: 'every' });
 * gradientAgreement(tr.grads, full.grads).cosine;
 */
export function truncatedGradient(net: RecurrentNet, x: tf.Tensor, target: tf.Tensor, options: TruncatedBpttOptions): TruncatedGradient {
  let sum: Record<string, tf.Tensor> | undefined;
  let result: TruncatedBpttResult | undefined;
  try {
    result = truncatedBptt(net, x, target, { ...options, measure: false }, (u) => {
      const next = tidy(() => {
        const out: Record<string, tf.Tensor> = {};
        for (const [name, g] of Object.entries(u.grads)) {
          const scaled = u.weight === 1 ? tf.clone(g) : tf.mul(g, u.weight);
          out[name] = sum === undefined ? scaled : tf.add(sum[name]!, scaled);
        }
        return out;
      });
      if (sum !== undefined) tf.dispose(Object.values(sum));
      sum = next;
    });
  } catch (e) {
    if (sum !== undefined) tf.dispose(Object.values(sum));
    throw e;
  }
  tf.dispose([result.state.h, ...(result.state.c ? [result.state.c] : [])]);
  const grads = sum ?? tidy(() => Object.fromEntries(Object.entries(net.params).map(([n, p]) => [n, tf.zerosLike(p)])));
  return { loss: result.loss, grads, updates: result.updates, dispose: () => tf.dispose(Object.values(grads)) };
}
