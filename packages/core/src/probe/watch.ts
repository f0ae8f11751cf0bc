/**
 * `watch`: per-layer instrumentation of any training loop, what `wandb.watch` and TensorBoard
 * histograms give PyTorch users, as rows of a CSV and without a server. Every `every` steps it
 * records, per parameter and per layer, the gradient norm, the weight norm, the update norm and
 * the update-to-weight ratio ‖Δθ‖/‖θ‖ (Karpathy's "ratio of updates to weights", ~1e−3 for a
 * healthy run), the mean, standard deviation and saturation of named activations, and
 * fixed-bin histograms of gradients and activations, so distributions can be compared across
 * steps (a histogram over training).
 *
 * The watcher is a seam, not a trainer: the loop hands it named tensors at each step and,
 * optionally, the update as a closure (`() => optimizer.step(params, grads)`), which the
 * watcher runs between a snapshot of θ and the readback of θ + Δθ. It draws no random numbers
 * and changes no tensor, so a run is bit for bit the same with and without it; on a step that
 * is not recorded it only calls the closure. Norms come from {@link tensorStatsMany}, which
 * scales by the largest |entry| (the overflow-free scheme of `scaledSumOfSquares`), so a finite
 * gradient always has a finite norm; NaN and ±Infinity are counted, never thrown.
 */
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { histogram } from './histogram.js';
import { tensorStatsMany } from './tensor-stats.js';
import type { TensorStats } from './tensor-stats.js';

/** How gradient values are binned: as they are, or as log10 |g| (exploding and vanishing gradients span decades). */
export type WatchHistogramScale = 'linear' | 'log10-abs';

/** Options of {@link watch}. */
export interface WatchConfig {
  /** Record the steps that are multiples of this; a positive integer (default 1). */
  every?: number;
  /** Histogram bins, fixed for the whole run; a positive integer (default {@link WATCH_DEFAULTS}.bins = 20). */
  bins?: number;
  /** [low, high] of the gradient histograms, on the `gradScale` axis (default [−1, 1]). */
  gradRange?: readonly [number, number];
  /** 'linear' bins g itself; 'log10-abs' bins log10 |g| (zeros fall below the range). Default 'linear'. */
  gradScale?: WatchHistogramScale;
  /** [low, high] of the activation histograms (default [−1, 1], the range of tanh). */
  activationRange?: readonly [number, number];
  /** A unit is saturated when |f'(z)| ≤ threshold·γ; in (0, 1] (default 0.01, as `saturationFraction`). */
  saturationThreshold?: number;
}

/** Defaults of {@link WatchConfig}. */
export const WATCH_DEFAULTS = Object.freeze({
  every: 1,
  bins: 20,
  gradRange: [-1, 1] as const,
  gradScale: 'linear' as WatchHistogramScale,
  activationRange: [-1, 1] as const,
  saturationThreshold: 0.01,
});

/** An activation to watch, with what its saturation needs. */
export interface WatchedActivation {
  /** The activation values, e.g. a_l [batch, width] or hidden states h [time, batch, hidden]. */
  value: tf.Tensor;
  /**
   * f'(z), elementwise, the same shape as `value`: a tensor, or a function of `value` run inside
   * `tf.tidy` (e.g. `(h) => tf.sub(1, tf.square(h))` for tanh). Without it, saturation is ''.
   */
  derivative?: tf.Tensor | ((value: tf.Tensor) => tf.Tensor);
  /** γ = sup |f'| (1 for tanh and ReLU, 1/4 for sigmoid); default 1. */
  gamma?: number;
  /** One row per slice along axis 0 (e.g. per time step t of [T, B, H]), index = t. Default false. */
  perStep?: boolean;
}

/** What the loop hands the watcher at one step. */
export interface WatchInput {
  /** θ by name (e.g. `net.params`); names `prefix.leaf` are grouped into layers by `prefix`. */
  params: Record<string, tf.Tensor>;
  /** ∂L/∂θ by the same names (some may be missing). */
  grads?: Record<string, tf.Tensor>;
  /** Activations by name; a bare tensor gets no saturation. */
  activations?: Record<string, tf.Tensor | WatchedActivation>;
}

/** One recorded row ('' where a column does not apply to the kind). */
export type WatchRow = Record<string, string | number>;

/** The kinds of row: one per parameter, one per layer (its parameters together), one per activation (or per step of it). */
export const WATCH_KINDS = ['param', 'layer', 'activation'] as const;

/**
 * The columns of a watch CSV with `bins` histogram bins, in order. `hist_lo`, `hist_hi` and
 * `hist_scale` describe the bins: bin k covers [lo + k·w, lo + (k+1)·w), w = (hi − lo)/bins, the
 * last one closed; `hist_outside` counts finite values outside [lo, hi] (and zero gradients on the
 * log scale); `nonfinite` counts NaN / ±Infinity entries of the gradient (param rows) or activation.
 */
export function watchColumns(bins: number = WATCH_DEFAULTS.bins): string[] {
  if (!Number.isSafeInteger(bins) || bins < 1) throw invalidArgument('watchColumns', 'bins', bins, 'a positive integer');
  return [
    'step',
    'kind',
    'name',
    'index',
    'grad_norm',
    'weight_norm',
    'update_norm',
    'update_ratio',
    'act_mean',
    'act_std',
    'act_saturation',
    'nonfinite',
    'hist_scale',
    'hist_lo',
    'hist_hi',
    'hist_outside',
    ...Array.from({ length: bins }, (_, k) => `hist_${k}`),
  ];
}

type Resolved = Required<Omit<WatchConfig, 'gradRange' | 'activationRange'>> & {
  gradRange: [number, number];
  activationRange: [number, number];
};

function checkRange(field: string, r: unknown): [number, number] {
  if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || !(r[0] < r[1])) {
    throw invalidArgument('watch', field, r, 'a pair [low, high] of finite numbers with low < high');
  }
  return [r[0] as number, r[1] as number];
}

function resolve(config: WatchConfig): Resolved {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw invalidArgument('watch', 'config', config, 'an object');
  const known = new Set(['every', 'bins', 'gradRange', 'gradScale', 'activationRange', 'saturationThreshold']);
  for (const k of Object.keys(config)) {
    if (!known.has(k)) throw invalidArgument('watch', 'an option name', k, `one of ${[...known].join(', ')}`);
  }
  const every = config.every ?? WATCH_DEFAULTS.every;
  if (!Number.isSafeInteger(every) || every < 1) throw invalidArgument('watch', 'every', every, 'a positive integer');
  const bins = config.bins ?? WATCH_DEFAULTS.bins;
  if (!Number.isSafeInteger(bins) || bins < 1) throw invalidArgument('watch', 'bins', bins, 'a positive integer');
  const gradScale = config.gradScale ?? WATCH_DEFAULTS.gradScale;
  if (gradScale !== 'linear' && gradScale !== 'log10-abs') throw invalidArgument('watch', 'gradScale', gradScale, "'linear' or 'log10-abs'");
  const saturationThreshold = config.saturationThreshold ?? WATCH_DEFAULTS.saturationThreshold;
  if (typeof saturationThreshold !== 'number' || !(saturationThreshold > 0 && saturationThreshold <= 1)) {
    throw invalidArgument('watch', 'saturationThreshold', saturationThreshold, 'a number in (0, 1]');
  }
  return {
    every,
    bins,
    gradScale,
    saturationThreshold,
    gradRange: checkRange('gradRange', config.gradRange ?? WATCH_DEFAULTS.gradRange),
    activationRange: checkRange('activationRange', config.activationRange ?? WATCH_DEFAULTS.activationRange),
  };
}

function checkLive(field: string, t: unknown): tf.Tensor {
  if (!(t instanceof tf.Tensor) || t.isDisposed) throw invalidArgument('Watcher.observe', field, t, 'a live tf.Tensor');
  return t;
}

/** The layer a parameter belongs to: its name up to the last '.' ('layer3.weight' → 'layer3'). */
function layerOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * Records per-layer statistics of a training loop every N steps. Holds numbers only, never
 * tensors, so it needs no dispose.
 * @example
 * const w = watch({ every: 10, gradScale: 'log10-abs', gradRange: [-8, 2] });
 * for (let step = 0; step < steps; step++) {
 *   const g = net.gradients(x, y, 'softmax-cross-entropy');
 *   w.observe(step, { params: net.params, grads: g.grads, activations: { a1: g.post[0]! } }, () => opt.step(net.params, g.grads));
 *   g.dispose();
 * }
 * w.writeCsv('watch.csv');
 */
export class Watcher {
  /** The resolved options. */
  readonly config: Readonly<Resolved>;
  private readonly collected: WatchRow[] = [];

  /** @throws ValidationError for a bad option (see {@link WatchConfig}) */
  constructor(config: WatchConfig = {}) {
    this.config = Object.freeze(resolve(config));
  }

  /** The CSV columns of this watcher's rows. */
  get columns(): string[] {
    return watchColumns(this.config.bins);
  }

  /** Whether `step` is recorded (skip computing watched tensors when not). */
  shouldRecord(step: number): boolean {
    return step % this.config.every === 0;
  }

  /**
   * Observes one training step. On a recorded step: snapshots θ, runs `update`, then records one
   * row per parameter, per layer and per activation (one readback for the norms, one per
   * histogram). On other steps it only runs `update`.
   * @param step training step, an integer ≥ 0
   * @param input params (θ before the update), grads, activations; none is changed or disposed
   * @param update the step that changes `params` in place (e.g. `() => opt.step(params, grads)`);
   *   without it the update columns are ''
   * @returns what `update` returned (undefined without one)
   * @throws ValidationError for a bad step or a non-tensor input
   */
  observe<R = undefined>(step: number, input: WatchInput, update?: () => R): R | undefined {
    if (!Number.isSafeInteger(step) || step < 0) throw invalidArgument('Watcher.observe', 'step', step, 'a non-negative integer');
    if (input === null || typeof input !== 'object') throw invalidArgument('Watcher.observe', 'input', input, 'an object { params, grads?, activations? }');
    if (update !== undefined && typeof update !== 'function') throw invalidArgument('Watcher.observe', 'update', update, 'a function');
    if (!this.shouldRecord(step)) return update?.();
    const params = input.params;
    if (params === null || typeof params !== 'object') throw invalidArgument('Watcher.observe', 'params', params, 'an object of tensors keyed by name');
    const names = Object.keys(params);
    names.forEach((n) => checkLive(`params[${JSON.stringify(n)}]`, params[n]));
    const grads = input.grads ?? {};
    for (const n of Object.keys(grads)) {
      if (!Object.hasOwn(params, n)) throw invalidArgument('Watcher.observe', 'a gradient name', n, `one of the params (${names.join(', ')})`);
      checkLive(`grads[${JSON.stringify(n)}]`, grads[n]);
    }
    // The statistics of the gradients and of θ before the update, read before it runs, since
    // the update may free the gradients (truncatedBptt's callback owns them only until it returns).
    const gradNames = names.filter((n) => grads[n] !== undefined);
    const before = tensorStatsMany([...gradNames.map((n) => grads[n]!), ...names.map((n) => params[n]!)]);
    const gradStats = new Map(gradNames.map((n, i) => [n, before[i]!]));
    const weightStats = new Map(names.map((n, i) => [n, before[gradNames.length + i]!]));
    const gradHists = new Map(gradNames.map((n) => [n, this.gradHistogram(grads[n]!)]));
    const actRows = this.activationRows(step, input.activations ?? {});

    let result: R | undefined;
    let updateStats: Map<string, TensorStats> | undefined;
    if (update !== undefined) {
      const snapshot = names.map((n) => tf.clone(params[n]!));
      try {
        result = update();
        const deltas = tf.tidy(() => names.map((n, i) => tf.sub(params[n]!, snapshot[i]!)));
        try {
          const s = tensorStatsMany(deltas);
          updateStats = new Map(names.map((n, i) => [n, s[i]!]));
        } finally {
          tf.dispose(deltas);
        }
      } finally {
        tf.dispose(snapshot);
      }
    }

    const hist = (h: ReturnType<typeof histogram> | undefined, scale: string, range: readonly [number, number]) => {
      const out: WatchRow = { hist_scale: '', hist_lo: '', hist_hi: '', hist_outside: '' };
      for (let k = 0; k < this.config.bins; k++) out[`hist_${k}`] = h === undefined ? '' : h.counts[k]!;
      if (h !== undefined) Object.assign(out, { hist_scale: scale, hist_lo: range[0], hist_hi: range[1], hist_outside: h.outOfRange });
      return out;
    };
    const none = { act_mean: '', act_std: '', act_saturation: '' };
    const layers = [...new Set(names.map(layerOf))];
    const rows: WatchRow[] = [];
    for (const n of names) {
      const g = gradStats.get(n);
      const w = weightStats.get(n)!;
      const u = updateStats?.get(n);
      rows.push({
        step,
        kind: 'param',
        name: n,
        index: layers.indexOf(layerOf(n)),
        grad_norm: g === undefined ? '' : g.l2,
        weight_norm: w.l2,
        update_norm: u === undefined ? '' : u.l2,
        update_ratio: u === undefined ? '' : u.l2 / w.l2,
        ...none,
        nonfinite: g === undefined ? '' : g.nonFinite,
        ...hist(gradHists.get(n), this.config.gradScale, this.config.gradRange),
      });
    }
    layers.forEach((layer, index) => {
      const members = names.filter((n) => layerOf(n) === layer);
      // ‖(a, b)‖ = √(‖a‖² + ‖b‖²) in float64 from the per-parameter norms: no float32 overflow.
      const join = (stats: (TensorStats | undefined)[]) =>
        stats.some((s) => s === undefined) ? undefined : Math.hypot(...stats.map((s) => s!.l2));
      const g = join(members.map((n) => gradStats.get(n)));
      const w = join(members.map((n) => weightStats.get(n)))!;
      const u = updateStats === undefined ? undefined : join(members.map((n) => updateStats!.get(n)));
      const bad = members.reduce((acc, n) => acc + (gradStats.get(n)?.nonFinite ?? 0), 0);
      rows.push({
        step,
        kind: 'layer',
        name: layer,
        index,
        grad_norm: g ?? '',
        weight_norm: w,
        update_norm: u ?? '',
        update_ratio: u === undefined ? '' : u / w,
        ...none,
        nonfinite: g === undefined ? '' : bad,
        ...hist(undefined, '', [0, 0]),
      });
    });
    for (const r of actRows) rows.push(r);
    for (const r of rows) this.collected.push(r);
    return result;
  }

  /** All rows recorded so far (not a copy: do not modify). */
  get rows(): readonly WatchRow[] {
    return this.collected;
  }

  /** Returns the rows recorded so far and forgets them (e.g. to return them as an experiment's rows). */
  drain(): WatchRow[] {
    return this.collected.splice(0, this.collected.length);
  }

  /** The rows as CSV text: header {@link Watcher.columns}, numbers as JS prints them, NaN as 'NaN'. */
  toCsv(): string {
    const cols = this.columns;
    const cell = (v: string | number | undefined) => {
      const s = v === undefined ? '' : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    return [cols.join(','), ...this.collected.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
  }

  /**
   * Writes {@link Watcher.toCsv} to `path` atomically (the plain-file sink for a library user;
   * in an experiment, return {@link Watcher.drain} as rows instead).
   */
  writeCsv(path: string): void {
    if (typeof path !== 'string' || path === '') throw invalidArgument('Watcher.writeCsv', 'path', path, 'a non-empty file path');
    writeFileAtomicSync(path, this.toCsv());
  }

  private gradHistogram(g: tf.Tensor): ReturnType<typeof histogram> {
    const values = g.dataSync() as Float32Array;
    const { bins, gradRange, gradScale } = this.config;
    if (gradScale === 'linear') return histogram(values, { bins, range: gradRange });
    const logs = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = Math.abs(values[i]!);
      // log10(0) = −∞ would be counted as non-finite; a zero gradient is "below the range".
      logs[i] = v === 0 ? gradRange[0] - 1 : Math.log10(v);
    }
    return histogram(logs, { bins, range: gradRange });
  }

  private activationRows(step: number, activations: Record<string, tf.Tensor | WatchedActivation>): WatchRow[] {
    if (activations === null || typeof activations !== 'object') {
      throw invalidArgument('Watcher.observe', 'activations', activations, 'an object of tensors or { value, derivative?, gamma?, perStep? } keyed by name');
    }
    const { bins, activationRange, saturationThreshold } = this.config;
    const rows: WatchRow[] = [];
    Object.entries(activations).forEach(([name, entry], position) => {
      const spec: WatchedActivation = entry instanceof tf.Tensor ? { value: entry } : entry;
      const value = checkLive(`activations[${JSON.stringify(name)}].value`, spec?.value);
      const gamma = spec.gamma ?? 1;
      if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma <= 0) {
        throw invalidArgument('Watcher.observe', `activations[${JSON.stringify(name)}].gamma`, gamma, 'a finite number > 0');
      }
      const perStep = spec.perStep === true;
      if (perStep && value.rank < 1) throw invalidArgument('Watcher.observe', `activations[${JSON.stringify(name)}].value`, value.shape, 'a tensor of rank ≥ 1 with perStep');
      const slices = perStep ? tf.unstack(value) : [value];
      const derivative =
        spec.derivative === undefined
          ? undefined
          : tf.tidy(() => (typeof spec.derivative === 'function' ? spec.derivative(value) : checkLive(`activations[${JSON.stringify(name)}].derivative`, spec.derivative).clone()));
      try {
        const stats = tensorStatsMany(slices);
        const dvals = derivative === undefined ? undefined : (derivative.dataSync() as Float32Array);
        const per = slices.length > 0 ? slices[0]!.size : 0;
        slices.forEach((s, i) => {
          const values = s.dataSync() as Float32Array;
          let saturation: number | '' = '';
          if (dvals !== undefined) {
            let sat = 0;
            let valid = 0;
            for (let j = i * per; j < (i + 1) * per; j++) {
              const d = dvals[j]!;
              if (Number.isNaN(d)) continue;
              valid++;
              if (Math.abs(d) <= saturationThreshold * gamma) sat++;
            }
            saturation = valid > 0 ? sat / valid : Number.NaN;
          }
          const h = histogram(values, { bins, range: activationRange });
          const row: WatchRow = {
            step,
            kind: 'activation',
            name,
            index: perStep ? i : position,
            grad_norm: '',
            weight_norm: '',
            update_norm: '',
            update_ratio: '',
            act_mean: stats[i]!.mean,
            act_std: stats[i]!.std,
            act_saturation: saturation,
            nonfinite: stats[i]!.nonFinite,
            hist_scale: 'linear',
            hist_lo: activationRange[0],
            hist_hi: activationRange[1],
            hist_outside: h.outOfRange,
          };
          for (let k = 0; k < bins; k++) row[`hist_${k}`] = h.counts[k]!;
          rows.push(row);
        });
      } finally {
        if (perStep) tf.dispose(slices);
        derivative?.dispose();
      }
    });
    return rows;
  }
}

/**
 * A {@link Watcher} with the given options: one call to instrument a training loop.
 * @param config every N steps, histogram bins and ranges, saturation threshold (see {@link WatchConfig})
 * @throws ValidationError naming the bad option
 */
export function watch(config: WatchConfig = {}): Watcher {
  return new Watcher(config);
}
