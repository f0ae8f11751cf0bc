/**
 * How close one gradient estimate is to a reference: the cosine of the angle between them and
 * the relative error ‖g − g_ref‖ / ‖g_ref‖, over all parameters concatenated. Used to measure
 * the bias of truncated BPTT against full BPTT at the same parameters (Tallec & Ollivier 2017).
 */
import { ShapeError, describeValue, invalidArgument, tf } from '@gradlab/core';

/** What {@link gradientAgreement} returns. */
export interface GradientAgreement {
  /** ⟨g, g_ref⟩ / (‖g‖·‖g_ref‖), in [−1, 1]; NaN when either is zero or non-finite. */
  cosine: number;
  /** ‖g − g_ref‖ / ‖g_ref‖ (Infinity when g_ref = 0 ≠ g). */
  relativeError: number;
  /** ‖g‖. */
  norm: number;
  /** ‖g_ref‖. */
  referenceNorm: number;
}

/**
 * Compares two gradient collections with the same names and shapes (one readback).
 * @param grads the estimate, by name (not disposed)
 * @param reference the reference, by the same names (not disposed)
 * @throws ValidationError / ShapeError when names or shapes differ
 * @example gradientAgreement(truncated.grads, full.grads) // { cosine: 0.93, relativeError: 0.36, … }
 */
export function gradientAgreement(grads: Record<string, tf.Tensor>, reference: Record<string, tf.Tensor>): GradientAgreement {
  const where = 'gradientAgreement';
  const names = Object.keys(reference);
  if (names.length === 0) throw invalidArgument(where, 'reference', reference, 'a non-empty object of tensors');
  for (const n of names) {
    const g = grads[n];
    if (!(g instanceof tf.Tensor)) throw invalidArgument(where, `grads[${JSON.stringify(n)}]`, g, 'a tf.Tensor (same names as reference)');
    if (g.shape.join(',') !== reference[n]!.shape.join(',')) {
      throw new ShapeError(`${where}: expected grads[${JSON.stringify(n)}] to have shape ${describeValue(reference[n]!.shape)}, got ${describeValue(g.shape)}`);
    }
  }
  const sums = tf.tidy(() => {
    const parts = names.map((n) => {
      const a = grads[n]!;
      const b = reference[n]!;
      return tf.stack([tf.sum(tf.mul(a, b)), tf.sum(tf.square(a)), tf.sum(tf.square(b)), tf.sum(tf.square(tf.sub(a, b)))]);
    });
    return tf.sum(tf.stack(parts), 0);
  });
  const [dot, aa, bb, dd] = Array.from(sums.dataSync());
  sums.dispose();
  const norm = Math.sqrt(aa!);
  const referenceNorm = Math.sqrt(bb!);
  return {
    cosine: dot! / (norm * referenceNorm),
    relativeError: Math.sqrt(dd!) / referenceNorm,
    norm,
    referenceNorm,
  };
}
