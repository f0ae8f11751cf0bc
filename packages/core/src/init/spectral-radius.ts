/**
 * Spectral radius ρ(W) = max |λ_i(W)| and rescaling a square matrix to a target radius, as
 * used to put a recurrent W_hh just below or above the edge of chaos (Jaeger 2001; Pascanu et
 * al. 2013). Eigenvalues come from a dense real eigen-decomposition (ml-matrix, a port of
 * JAMA's Hessenberg + shifted QR), exact up to float64 rounding for the sizes used here.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';

function squareMatrix(w: tf.Tensor, where: string): Matrix {
  if (w.rank !== 2 || w.shape[0] !== w.shape[1]) throw invalidArgument(where, 'W.shape', w.shape, 'a square matrix [n, n]');
  const n = w.shape[0]!;
  const data = w.dataSync();
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, data[i * n + j]!);
  return m;
}

/** ρ(W) = max |λ|, over complex eigenvalues of a square W. */
export function spectralRadius(w: tf.Tensor): number {
  const eig = new EigenvalueDecomposition(squareMatrix(w, 'spectralRadius'), { assumeSymmetric: false });
  const re = eig.realEigenvalues;
  const im = eig.imaginaryEigenvalues;
  let rho = 0;
  for (let i = 0; i < re.length; i++) rho = Math.max(rho, Math.hypot(re[i]!, im[i]!));
  return rho;
}

/**
 * W scaled so that ρ(W) = rho. `w` is not modified or disposed.
 * @throws ValidationError if W is not square, rho is not ≥ 0, or ρ(W) = 0 (nothing to scale)
 */
export function scaleToSpectralRadius(w: tf.Tensor, rho: number): tf.Tensor {
  if (!Number.isFinite(rho) || rho < 0) throw invalidArgument('scaleToSpectralRadius', 'rho', rho, 'a finite number >= 0');
  const current = spectralRadius(w);
  if (!(current > 0)) throw invalidArgument('scaleToSpectralRadius', 'spectral radius of W', current, 'a positive number (W is nilpotent or zero)');
  return tf.tidy(() => tf.mul(w, rho / current));
}
