/**
 * Gradient check: compares analytic gradients (explicit backprop, BPTT, CD statistics, tfjs
 * autodiff) with central differences ({@link numericGradient}) on a sample of coordinates.
 *
 * A coordinate passes when |a − n| ≤ atol + rtol·max(|a|, |n|) (a symmetric `numpy.allclose`).
 * The relative error reported is |a − n| / max(|a|, |n|, atol): relative, with an atol floor
 * so that coordinates where both are ~0 do not blow up.
 *
 * Recommended tolerances in float32 with h = 1e-3: rtol = 1e-2, atol = 1e-3 for a loss of
 * order 1 (a mean over the batch). The cancellation error grows with |f| (≈ 1e-4·|f|): for a
 * summed loss of order 100 use atol ≈ 1e-2, or check a mean instead. A wrong gradient (a missing
 * factor, a transposed matrix, an off-by-one time step) is off by far more than 1%. Smooth
 * functions only: a kink (ReLU at 0) within h of a sampled point gives a spurious failure.
 */
import { tf } from '../backend/tf.js';
import { ShapeError, ValidationError, describeValue, invalidArgument } from '../errors/gradlab-error.js';
import { Rng } from '../random/rng.js';
import { GRADCHECK_DEFAULTS, checkEpsilon, checkParams, numericGradient } from './finite-differences.js';
import type { ScalarFunction } from './finite-differences.js';

/** Options of {@link checkGradients}. */
export interface CheckGradientsOptions {
  /** Relative tolerance; finite, ≥ 0 (default 1e-2). */
  rtol?: number;
  /** Absolute tolerance, also the floor of the relative error; finite, ≥ 0 (default 1e-3). */
  atol?: number;
  /** Coordinates checked per tensor, drawn without replacement; a positive integer (default 20; all of a smaller tensor). */
  samples?: number;
  /** Finite-difference step h; finite, > 0 (default 1e-3). */
  epsilon?: number;
  /** Source of the sampled coordinates (default `new Rng('gradcheck')`). */
  rng?: Rng;
}

/** One compared coordinate. */
export interface GradientCheckPoint {
  /** Parameter name. */
  name: string;
  /** Flat (row-major) index into the parameter. */
  index: number;
  /** The analytic partial derivative. */
  analytic: number;
  /** The central-difference estimate. */
  numeric: number;
}

/** Outcome of {@link checkGradients}. */
export interface GradientCheckResult {
  /** Whether every checked coordinate is within tolerance (false on any NaN). */
  ok: boolean;
  /** max |a − n| over the checked coordinates. */
  maxAbsError: number;
  /** max |a − n| / max(|a|, |n|, atol). */
  maxRelError: number;
  /** The coordinate furthest outside (or closest to) the tolerance; undefined if none was checked. */
  worst: GradientCheckPoint | undefined;
  /** Number of coordinates compared. */
  checked: number;
}

function tolerance(where: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidArgument(where, field, v, 'a finite number >= 0');
  return v;
}

/**
 * Checks analytic gradients against central differences on sampled coordinates.
 *
 * Cost: 2 evaluations of f per checked coordinate (≤ samples per tensor), one readback of the
 * analytic values.
 * @param f θ ↦ scalar tensor (must not dispose its inputs)
 * @param params the point θ, float32 tensors by name (not changed)
 * @param analyticGrads ∂f/∂θ by the same names and shapes (not changed, not disposed)
 * @param options `rtol` (1e-2), `atol` (1e-3), `samples` (20), `epsilon` (1e-3), `rng`
 * @returns ok, the largest absolute and relative errors, the worst coordinate, the count checked
 * @throws ValidationError for bad options or a missing / extra gradient name
 * @throws ShapeError when a gradient's shape differs from its parameter's, or f is not scalar
 * @example
 * const f = ({ w }) => tf.sum(tf.tanh(tf.matMul(w, x)));
 * const r = checkGradients(f, { w }, autodiffGradients(f, { w }), { rng: rng.fork('gradcheck') });
 * expect(r.ok).toBe(true);
 */
export function checkGradients(
  f: ScalarFunction,
  params: Record<string, tf.Tensor>,
  analyticGrads: Record<string, tf.Tensor>,
  options: CheckGradientsOptions = {},
): GradientCheckResult {
  const where = 'checkGradients';
  const names = checkParams(where, params);
  const rtol = tolerance(where, 'rtol', options.rtol ?? GRADCHECK_DEFAULTS.rtol);
  const atol = tolerance(where, 'atol', options.atol ?? GRADCHECK_DEFAULTS.atol);
  const samples = options.samples ?? GRADCHECK_DEFAULTS.samples;
  if (!Number.isSafeInteger(samples) || samples < 1) throw invalidArgument(where, 'samples', samples, 'a positive integer');
  const epsilon = checkEpsilon(where, options.epsilon ?? GRADCHECK_DEFAULTS.epsilon);
  const rng = options.rng ?? new Rng('gradcheck');
  if (!(rng instanceof Rng)) throw invalidArgument(where, 'rng', rng, 'an Rng');
  if (analyticGrads === null || typeof analyticGrads !== 'object' || Array.isArray(analyticGrads)) {
    throw invalidArgument(where, 'analyticGrads', analyticGrads, 'an object of tensors keyed by parameter name');
  }
  for (const n of Object.keys(analyticGrads)) {
    if (!names.includes(n)) throw new ValidationError(`${where}: expected every name in analyticGrads to be a parameter, got ${JSON.stringify(n)}`);
  }
  for (const n of names) {
    const g = analyticGrads[n];
    const field = `analyticGrads[${JSON.stringify(n)}]`;
    if (g === undefined) throw new ValidationError(`${where}: expected ${field} to be a tf.Tensor (every parameter needs a gradient), got undefined`);
    if (!(g instanceof tf.Tensor) || g.isDisposed) throw invalidArgument(where, field, g, 'a live tf.Tensor');
    const shape = params[n]!.shape;
    if (g.shape.length !== shape.length || g.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${where}: expected ${field} to have shape ${describeValue(shape)} (the shape of params[${JSON.stringify(n)}]), got ${describeValue(g.shape)}`);
    }
  }

  const numeric = numericGradient(f, params, { epsilon, indices: samples, rng });
  const gathered = tf.tidy(() => {
    const parts = names
      .filter((n) => numeric[n]!.indices.length > 0)
      .map((n) => tf.gather(tf.reshape(tf.cast(analyticGrads[n]!, 'float32'), [-1]), tf.tensor1d(numeric[n]!.indices, 'int32')));
    return parts.length === 0 ? tf.zeros([0]) : tf.concat(parts);
  });
  const analytic = gathered.dataSync();
  gathered.dispose();

  let ok = true;
  let maxAbsError = 0;
  let maxRelError = 0;
  let worst: GradientCheckPoint | undefined;
  let worstRatio = -1;
  let k = 0;
  for (const n of names) {
    const { indices, values } = numeric[n]!;
    indices.forEach((index, j) => {
      const a = analytic[k++]!;
      const x = values[j]!;
      const err = Math.abs(a - x);
      const scale = Math.max(Math.abs(a), Math.abs(x));
      const rel = err / Math.max(scale, atol);
      let ratio = err / (atol + rtol * scale);
      if (Number.isNaN(ratio)) ratio = Infinity;
      if (!(err <= atol + rtol * scale)) ok = false;
      maxAbsError = Math.max(maxAbsError, Number.isNaN(err) ? Infinity : err);
      maxRelError = Math.max(maxRelError, Number.isNaN(rel) ? Infinity : rel);
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = { name: n, index, analytic: a, numeric: x };
      }
    });
  }
  return { ok, maxAbsError, maxRelError, worst, checked: k };
}
