/**
 * Spectral radius ρ(W) = max |λ_i(W)| and rescaling a square matrix to a target radius, as
 * used to put a recurrent W_hh just below or above the edge of chaos (Jaeger 2001; Pascanu et
 * al. 2013).
 *
 * ρ comes from Gelfand's formula ρ(W) = lim_k ‖W^k‖^{1/k} with k = 2^j, by repeated squaring in
 * float64, each square renormalised so nothing overflows. Unlike a shifted-QR eigen-solver
 * (whose convergence is not guaranteed and which loops forever on NaN), the work is bounded:
 * at most {@link MAX_SQUARINGS} n×n products, O(n³) each (n = 128: ~55 products, about as long
 * as the eigen-decomposition; n = 256: ~4× as long). The estimate is an upper bound whose
 * excess decays like log(k)/k (a Jordan block) or C/k (a non-normal W), below float64
 * resolution by the time the increments stop, for rotations and Jordan blocks alike, where
 * power iteration on a vector never settles.
 */
import { tf } from '../backend/tf.js';
import { ValidationError, invalidArgument } from '../errors/gradlab-error.js';
import { checkScale } from './float32-range.js';

/** Squarings after which ρ is returned whatever the increments (2^64 ≫ any useful k). */
export const MAX_SQUARINGS = 64;

/** W read into float64, row-major, after checking it is square and finite. */
function squareMatrix(w: tf.Tensor, where: string): { n: number; a: Float64Array } {
  if (!(w instanceof tf.Tensor)) throw invalidArgument(where, 'W', w, 'a tf.Tensor [n, n]');
  if (w.rank !== 2 || w.shape[0] !== w.shape[1]) throw invalidArgument(where, 'W.shape', w.shape, 'a square matrix [n, n]');
  const n = w.shape[0]!;
  const a = Float64Array.from(w.dataSync());
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      throw new ValidationError(`${where}: expected W to hold finite numbers, got ${a[i]} at [${Math.floor(i / n)}, ${i % n}]`);
    }
  }
  return { n, a };
}

function frobenius(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** a·a for row-major n×n `a` (i-k-j order: rows of the result are built from rows of a). */
function square(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * a[k * n + j]!;
    }
  }
  return out;
}

/**
 * ρ(W) = max |λ|, over complex eigenvalues of a square W.
 * @param w [n, n]
 * @returns ρ(W) ≥ 0 (0 for a nilpotent W)
 * @throws ValidationError if W is not square or holds NaN / ±Infinity (naming the first entry)
 * @example spectralRadius(tf.tensor2d([[0, -2], [2, 0]])) // 2 (eigenvalues ±2i)
 */
export function spectralRadius(w: tf.Tensor): number {
  const { n, a } = squareMatrix(w, 'spectralRadius');
  const norm = frobenius(a);
  if (norm === 0) return 0;
  // B_j = W^(2^j) = e^(s_j)·A_j with ‖A_j‖ = 1; logRho = s_j / 2^j → log ρ.
  let logRho = Math.log(norm);
  let m = a.map((v) => v / norm);
  for (let j = 0; j < MAX_SQUARINGS; j++) {
    const sq = square(m, n);
    const s = frobenius(sq);
    if (s === 0) return 0; // W^(2^(j+1)) = 0: nilpotent
    const step = Math.log(s) / 2 ** (j + 1);
    logRho += step;
    if (Math.abs(step) <= Number.EPSILON) break; // ρ settled to float64 resolution
    m = sq.map((v) => v / s);
  }
  return Math.exp(logRho);
}

/**
 * W scaled so that ρ(W) = rho. `w` is not modified or disposed.
 * @param name how errors name the caller and the radius (default `scaleToSpectralRadius`, `rho`)
 * @throws ValidationError if W is not square or not finite, rho is not ≥ 0, ρ(W) = 0 (nothing
 *   to scale), or the factor rho/ρ(W) or the scaled W would overflow float32
 */
export function scaleToSpectralRadius(w: tf.Tensor, rho: number, name = { where: 'scaleToSpectralRadius', field: 'rho' }): tf.Tensor {
  if (typeof rho !== 'number' || !Number.isFinite(rho) || rho < 0) throw invalidArgument(name.where, name.field, rho, 'a finite number >= 0');
  const current = spectralRadius(w);
  if (!(current > 0)) throw invalidArgument(name.where, 'spectral radius of W', current, 'a positive number (W is nilpotent or zero)');
  let maxAbs = 0;
  for (const v of w.dataSync() as Float32Array) maxAbs = Math.max(maxAbs, Math.abs(v));
  // The factor itself is a float32 scalar in tf.mul, so it must fit too.
  checkScale(name.where, name.field, rho, Math.max(maxAbs, 1) / current);
  return tf.tidy(() => tf.mul(w, rho / current));
}
