/**
 * Eigendecomposition of a real symmetric matrix in float64: Householder reduction to
 * tridiagonal form, then the implicit QL algorithm with Wilkinson-style shifts (the tred2 /
 * tql2 pair of the EISPACK lineage, as in JAMA). O(n³) time, about 4n³ flops with vectors:
 * a 784×784 covariance takes a few seconds in plain JavaScript.
 *
 * References: J. H. Wilkinson & C. Reinsch (1971), "Handbook for Automatic Computation, Vol. II:
 * Linear Algebra" (tred2, tql2); JAMA, the Java matrix package (NIST / MathWorks, public domain).
 */
import { NonFiniteError, ShapeError } from '@gradlab/core';

/** Eigenvalues and eigenvectors of a symmetric matrix, largest eigenvalue first. */
export interface SymmetricEigen {
  /** Eigenvalues λ_0 ≥ λ_1 ≥ … ≥ λ_{n−1}. */
  values: Float64Array;
  /** Eigenvectors as rows, row-major [n, n]: row i is the unit vector of λ_i. */
  vectors: Float64Array;
}

/** QL iterations allowed per eigenvalue before giving up (tql2 needs about 2 on average). */
const MAX_QL_ITERATIONS = 60;

/**
 * All eigenvalues and eigenvectors of the symmetric matrix `a`.
 * @param a row-major [n, n]; only symmetric input gives a meaningful answer (not checked beyond shape)
 * @param n the order n ≥ 1
 * @returns eigenvalues descending, eigenvectors as rows (each row's largest-|entry| made positive,
 *   so the signs are reproducible)
 * @throws ShapeError when `a` does not hold n² numbers; GradlabError when QL fails to converge
 * @example const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2) // values 3, 1
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) throw new ShapeError(`symmetricEigen: expected a to hold n × n = ${n} × ${n} numbers, got ${a.length}`);
  const v = Float64Array.from(a); // a is symmetric: row-major and column-major storage agree
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(v, d, e, n);
  // v holds V column-major, i.e. W = Vᵀ row-major: QL rotates pairs of columns of V, which are contiguous rows of W.
  const w = v;
  diagonalize(w, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y]! - d[x]! || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src]!;
    const row = w.subarray(src * n, (src + 1) * n);
    let big = 0;
    for (let k = 0; k < n; k++) if (Math.abs(row[k]!) > Math.abs(row[big]!)) big = k;
    const sign = row[big]! < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[dst * n + k] = sign * row[k]!;
  });
  return { values, vectors };
}

/** Householder reduction of v (symmetric, overwritten by the orthogonal transform, stored column-major) to tridiagonal d (diagonal), e (sub-diagonal). */
function tridiagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  // Column-major: V(i, j) = v[j·n + i], so the inner loops over k, which walk columns of V, are contiguous.
  const V = (i: number, j: number) => v[j * n + i]!;
  const at = (i: number, j: number) => j * n + i;
  for (let j = 0; j < n; j++) d[j] = V(n - 1, j);
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V(i - 1, j);
        v[at(i, j)] = 0;
        v[at(j, i)] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[at(j, i)] = f;
        g = e[j]! + V(j, j) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V(k, j) * d[k]!;
          e[k] = e[k]! + V(k, j) * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[at(k, j)] = V(k, j) - (f * e[k]! + g * d[k]!);
        d[j] = V(i - 1, j);
        v[at(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    v[at(n - 1, i)] = V(i, i);
    v[at(i, i)] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V(k, i + 1) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V(k, i + 1) * V(k, j);
        for (let k = 0; k <= i; k++) v[at(k, j)] = V(k, j) - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[at(k, i + 1)] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V(n - 1, j);
    v[at(n - 1, j)] = 0;
  }
  v[at(n - 1, n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); w holds the eigenvectors as rows (rotated in place). */
function diagonalize(w: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_QL_ITERATIONS) throw new NonFiniteError(`symmetricEigen: the QL iteration did not converge for eigenvalue ${l} of ${n} (non-finite or non-symmetric input?)`);
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const wi = i * n;
          const wi1 = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const hk = w[wi1 + k]!;
            w[wi1 + k] = s * w[wi + k]! + c * hk;
            w[wi + k] = c * w[wi + k]! - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}
