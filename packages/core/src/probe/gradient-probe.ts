/**
 * A recorder of tensor statistics as table rows `{ step, name, index, ...tags, ...stats }`,
 * the raw material of the gradient-flow CSVs: per layer (‖∂L/∂W_l‖ against l), per parameter,
 * or per time step (‖∂L/∂h_t‖ against t, Bengio, Simard & Frasconi 1994; Pascanu et al. 2013).
 *
 * Each call summarises all its tensors with {@link tensorStatsMany}, i.e. one readback. The
 * recorder holds numbers only, never tensors, so it needs no dispose.
 */
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';
import { TENSOR_STATS_COLUMNS, tensorStatsMany } from './tensor-stats.js';
import type { TensorStats } from './tensor-stats.js';

/** Extra columns copied into every row of a call, e.g. `{ seed: 3, model: 'lstm' }`. */
export type ProbeTags = Record<string, string | number>;

/** One recorded row. */
export interface ProbeRow extends TensorStats {
  /** Training step given to the call. */
  step: number;
  /** Tensor name: the record key, the array position, or the name given to `recordAlong`. */
  name: string;
  /** Position: order in the record / array (e.g. the layer), or the slice index (e.g. t). */
  index: number;
  /** Tag columns. */
  [column: string]: string | number;
}

/** The fixed columns of a {@link ProbeRow} in row order (tag columns come between `index` and the statistics). */
export const PROBE_COLUMNS = ['step', 'name', 'index', ...TENSOR_STATS_COLUMNS] as const;

/** Options of {@link GradientProbe}. */
export interface GradientProbeConfig {
  /** Record only steps that are multiples of `every`; a positive integer (default 1, every step). */
  every?: number;
}

const RESERVED = new Set<string>(PROBE_COLUMNS);

/**
 * Collects statistics rows over training.
 * @example
 * const probe = new GradientProbe({ every: 10 });
 * probe.record(step, g.grads, { seed });             // one row per parameter
 * probe.recordAlong(step, 'dL/dh', dh, 0, { seed }); // dh [time, batch, hidden]: one row per t
 * writeCsv(probe.drain());
 */
export class GradientProbe {
  /** Steps recorded are the multiples of this. */
  readonly every: number;
  private readonly collected: ProbeRow[] = [];

  /**
   * @param config see {@link GradientProbeConfig}
   * @throws ValidationError for a bad `every`
   */
  constructor(config: GradientProbeConfig = {}) {
    const every = config.every ?? 1;
    if (!Number.isSafeInteger(every) || every < 1) throw invalidArgument('GradientProbe', 'every', every, 'a positive integer');
    this.every = every;
  }

  /** Whether {@link GradientProbe.record} would record `step` (skip computing tensors when not). */
  shouldRecord(step: number): boolean {
    return step % this.every === 0;
  }

  /**
   * Records one row per tensor, with one readback.
   * @param step training step (an integer ≥ 0); nothing is recorded unless it is a multiple of `every`
   * @param tensors an object by name (rows in key order, index = position) or an array (name = position)
   * @param tags extra columns for every row; names must not clash with {@link PROBE_COLUMNS}
   * @returns the rows added (empty when the step is skipped)
   * @throws ValidationError for a bad step, tag or tensor
   */
  record(step: number, tensors: Record<string, tf.Tensor> | readonly tf.Tensor[], tags: ProbeTags = {}): ProbeRow[] {
    this.check(step, tags);
    if (!this.shouldRecord(step)) return [];
    let names: string[];
    let stats: TensorStats[];
    if (Array.isArray(tensors)) {
      names = tensors.map((_, i) => String(i));
      stats = tensorStatsMany(tensors as readonly tf.Tensor[]);
    } else {
      const record = tensorStatsMany(tensors as Record<string, tf.Tensor>);
      names = Object.keys(record);
      stats = names.map((n) => record[n]!);
    }
    return this.push(step, names, stats, tags);
  }

  /**
   * Records one row per slice of `tensor` along `axis` (e.g. per time step of [time, batch,
   * hidden] gradients), named `name`, index = slice position; one readback.
   * @param step training step; skipped unless a multiple of `every`
   * @param name the name column of every row
   * @param tensor the tensor to slice (not disposed, not changed)
   * @param axis the axis to slice along (default 0; negative counts from the end)
   * @param tags extra columns for every row
   * @returns the rows added
   * @throws ValidationError for a bad step, axis, tag or tensor
   */
  recordAlong(step: number, name: string, tensor: tf.Tensor, axis = 0, tags: ProbeTags = {}): ProbeRow[] {
    this.check(step, tags);
    if (!(tensor instanceof tf.Tensor) || tensor.isDisposed) {
      throw invalidArgument('GradientProbe.recordAlong', 'tensor', tensor, 'a live tf.Tensor');
    }
    const rank = tensor.rank;
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw invalidArgument('GradientProbe.recordAlong', 'axis', axis, `an integer in [${-rank}, ${rank - 1}]`);
    }
    if (!this.shouldRecord(step)) return [];
    const slices = tf.unstack(tensor, axis);
    try {
      const stats = tensorStatsMany(slices);
      return this.push(step, slices.map(() => name), stats, tags);
    } finally {
      tf.dispose(slices);
    }
  }

  /** All rows recorded so far, in order (not a copy: do not modify). */
  get rows(): readonly ProbeRow[] {
    return this.collected;
  }

  /** Returns the rows recorded so far and forgets them (to stream them to a CSV). */
  drain(): ProbeRow[] {
    return this.collected.splice(0, this.collected.length);
  }

  /** Forgets every row. */
  clear(): void {
    this.collected.length = 0;
  }

  private check(step: number, tags: ProbeTags): void {
    if (!Number.isSafeInteger(step) || step < 0) throw invalidArgument('GradientProbe', 'step', step, 'a non-negative integer');
    if (tags === null || typeof tags !== 'object') throw invalidArgument('GradientProbe', 'tags', tags, 'an object of strings and numbers');
    for (const [k, v] of Object.entries(tags)) {
      if (RESERVED.has(k)) throw invalidArgument('GradientProbe', 'a tag name', k, `none of ${PROBE_COLUMNS.join(', ')}`);
      if (typeof v !== 'string' && typeof v !== 'number') throw invalidArgument('GradientProbe', `tags.${k}`, v, 'a string or a number');
    }
  }

  private push(step: number, names: readonly string[], stats: readonly TensorStats[], tags: ProbeTags): ProbeRow[] {
    const rows = stats.map((s, i): ProbeRow => ({ step, name: names[i]!, index: i, ...tags, ...s }));
    for (const r of rows) this.collected.push(r);
    return rows;
  }
}
