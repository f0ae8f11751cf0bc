/**
 * Numerical gradients by central differences, the reference against which explicit backprop
 * (MLP, BPTT, RBM) is checked:
 *
 *   ∂f/∂θ_i ≈ (f(θ + h e_i) − f(θ − h e_i)) / (θ_i⁺ − θ_i⁻),   θ_i± = fl32(θ_i ± h)
 *
 * Dividing by the float32-rounded step θ_i⁺ − θ_i⁻ rather than 2h removes the rounding of the
 * perturbation itself. In float32 the error has two parts: truncation ≈ h²·|f'''|/6 and
 * cancellation ≈ 2^−24·|f| / h; h = 1e-3 balances them for |f| of order 1 (see
 * {@link checkGradients} for tolerances). Big tensors are checked on a random subset of
 * coordinates drawn from an `Rng` (Floyd's sampling without replacement).
 *
 * References: Nocedal & Wright, "Numerical Optimization" (2006), sect. 8.1; the CS231n notes on
 * gradient checking; `torch.autograd.gradcheck`.
 */
import { tf } from '../backend/tf.js';
import { ShapeError, ValidationError, describeValue, invalidArgument } from '../errors/gradlab-error.js';
import { Rng } from '../random/rng.js';

/** A scalar function of named tensors, e.g. a loss as a function of a model's parameters. */
export type ScalarFunction = (params: Record<string, tf.Tensor>) => tf.Tensor;

/** Defaults of the gradient checks. */
export const GRADCHECK_DEFAULTS = Object.freeze({
  /** Perturbation h (float32: smaller steps drown in rounding). */
  epsilon: 1e-3,
  /** Relative tolerance of {@link checkGradients}. */
  rtol: 1e-2,
  /** Absolute tolerance (floor) of {@link checkGradients}. */
  atol: 1e-3,
  /** Coordinates checked per tensor by {@link checkGradients} (all of a smaller tensor). */
  samples: 20,
});

/** Options of {@link numericGradient}. */
export interface NumericGradientOptions {
  /** Perturbation h; finite, > 0 (default 1e-3; 1e-4–1e-2 is sensible in float32). */
  epsilon?: number;
  /**
   * Which coordinates to differentiate: a number k = how many to sample per tensor (all of a
   * tensor with ≤ k entries), or explicit flat (row-major) indices per tensor name. Default:
   * every coordinate.
   */
  indices?: number | Record<string, ArrayLike<number>>;
  /** Source of the sampled coordinates (default `new Rng('gradcheck')`); tensor `name` uses `rng.fork('param:' + name)`. */
  rng?: Rng;
}

/** Numerical partial derivatives of one tensor at some coordinates. */
export interface SampledGradient {
  /** Shape of the tensor. */
  shape: number[];
  /** Flat (row-major) coordinates, increasing. */
  indices: Int32Array;
  /** ∂f/∂θ at those coordinates (same length as `indices`). */
  values: Float64Array;
}

/** k distinct integers from [0, n), increasing (Floyd's algorithm: O(k) draws). */
export function sampleIndices(n: number, k: number, rng: Rng): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

/** Validates named float32 tensors; returns the names in key order. */
export function checkParams(where: string, params: unknown): string[] {
  if (params === null || typeof params !== 'object' || Array.isArray(params) || params instanceof tf.Tensor) {
    throw invalidArgument(where, 'params', params, 'an object of tensors keyed by name');
  }
  const names = Object.keys(params);
  for (const n of names) {
    const t = (params as Record<string, unknown>)[n];
    const field = `params[${JSON.stringify(n)}]`;
    if (!(t instanceof tf.Tensor)) throw invalidArgument(where, field, t, 'a tf.Tensor');
    if (t.isDisposed) throw invalidArgument(where, field, 'a disposed tensor', 'a live tf.Tensor');
    if (t.dtype !== 'float32') throw invalidArgument(where, `${field}.dtype`, t.dtype, '"float32"');
  }
  return names;
}

/** f(params) as a number; f's tensors are freed. */
export function evaluateScalar(where: string, f: ScalarFunction, params: Record<string, tf.Tensor>): number {
  const y = tf.tidy(() => {
    const out = f(params);
    if (!(out instanceof tf.Tensor)) throw invalidArgument(where, 'the value of f', out, 'a scalar tf.Tensor');
    if (out.size !== 1) throw new ShapeError(`${where}: expected f to return a scalar, got shape ${describeValue(out.shape)}`);
    return out;
  });
  const v = y.dataSync()[0]!;
  y.dispose();
  return v;
}

/** The values of all tensors, with one readback. */
function readAll(tensors: readonly tf.Tensor[]): Float32Array[] {
  if (tensors.length === 0) return [];
  const flat = tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1]))));
  const all = flat.dataSync() as Float32Array;
  flat.dispose();
  let offset = 0;
  return tensors.map((t) => {
    const part = all.slice(offset, offset + t.size);
    offset += t.size;
    return part;
  });
}

/** The coordinates to differentiate for each name. */
export function chooseIndices(
  where: string,
  names: readonly string[],
  params: Record<string, tf.Tensor>,
  indices: NumericGradientOptions['indices'],
  rng: Rng,
): Int32Array[] {
  if (indices === undefined) return names.map((n) => sampleIndices(params[n]!.size, Infinity, rng));
  if (typeof indices === 'number') {
    if (!Number.isSafeInteger(indices) || indices < 1) throw invalidArgument(where, 'indices', indices, 'a positive integer or an object of index arrays');
    return names.map((n) => sampleIndices(params[n]!.size, indices, rng.fork(`param:${n}`)));
  }
  if (indices === null || typeof indices !== 'object') {
    throw invalidArgument(where, 'indices', indices, 'a positive integer or an object of index arrays');
  }
  for (const k of Object.keys(indices)) {
    if (!names.includes(k)) throw invalidArgument(where, 'a name in indices', k, `one of the params (${names.join(', ')})`);
  }
  return names.map((n) => {
    const list = indices[n];
    if (list === undefined) return new Int32Array(0);
    const size = params[n]!.size;
    const out = Int32Array.from(list as ArrayLike<number>);
    out.forEach((i, j) => {
      if (i !== list[j] || i < 0 || i >= size) {
        throw invalidArgument(where, `indices[${JSON.stringify(n)}][${j}]`, list[j], `an integer in [0, ${size - 1}]`);
      }
    });
    return out;
  });
}

/** Validates epsilon. */
export function checkEpsilon(where: string, epsilon: unknown): number {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
    throw invalidArgument(where, 'epsilon', epsilon, 'a finite number > 0');
  }
  return epsilon;
}

/**
 * Central-difference gradient of a scalar function of named tensors.
 *
 * Cost: 2 evaluations of f per coordinate; memory O(largest tensor) per evaluation.
 * @param f θ ↦ scalar tensor; called with the given tensors, one of them replaced by a
 *   perturbed copy; it must not dispose its inputs (its own intermediates are freed)
 * @param params the point θ, float32 tensors by name (not changed, not disposed)
 * @param options `epsilon` (default 1e-3), `indices` (a sample size per tensor or explicit flat
 *   indices; default all), `rng` for the sample (default `new Rng('gradcheck')`)
 * @returns for each name: the shape, the flat indices differentiated and ∂f/∂θ there
 * @throws ValidationError for bad options or params, or when θ_i ± h rounds to θ_i in float32
 * @throws ShapeError when f does not return a scalar
 * @example
 * const num = numericGradient(({ w }) => tf.sum(tf.square(w)), { w: tf.tensor([1, 2]) });
 * num.w.values // ≈ [2, 4]
 */
export function numericGradient(
  f: ScalarFunction,
  params: Record<string, tf.Tensor>,
  options: NumericGradientOptions = {},
): Record<string, SampledGradient> {
  const where = 'numericGradient';
  if (typeof f !== 'function') throw invalidArgument(where, 'f', f, 'a function (params) => scalar tensor');
  const names = checkParams(where, params);
  const epsilon = checkEpsilon(where, options.epsilon ?? GRADCHECK_DEFAULTS.epsilon);
  const rng = options.rng ?? new Rng('gradcheck');
  if (!(rng instanceof Rng)) throw invalidArgument(where, 'rng', rng, 'an Rng');
  const chosen = chooseIndices(where, names, params, options.indices, rng);
  const base = readAll(names.map((n) => params[n]!));
  const out: Record<string, SampledGradient> = {};
  names.forEach((name, k) => {
    const t = params[name]!;
    const flat = base[k]!;
    const idx = chosen[k]!;
    const values = new Float64Array(idx.length);
    const at = (i: number, v: number): number => {
      const copy = flat.slice();
      copy[i] = v;
      const perturbed = tf.tensor(copy, t.shape, 'float32');
      try {
        return evaluateScalar(where, f, { ...params, [name]: perturbed });
      } finally {
        perturbed.dispose();
      }
    };
    idx.forEach((i, j) => {
      const x = flat[i]!;
      const plus = Math.fround(x + epsilon);
      const minus = Math.fround(x - epsilon);
      if (plus === minus) {
        throw new ValidationError(
          `${where}: expected epsilon to change params[${JSON.stringify(name)}][${i}] = ${x} in float32, got ${epsilon}`,
          { hint: 'use a larger epsilon for parameters of this magnitude' },
        );
      }
      values[j] = (at(i, plus) - at(i, minus)) / (plus - minus);
    });
    out[name] = { shape: [...t.shape], indices: idx, values };
  });
  return out;
}
