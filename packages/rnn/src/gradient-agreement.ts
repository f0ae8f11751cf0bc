/**
 * How close one gradient estimate is to a reference: the cosine of the angle between them and
 * the relative error ‖g − g_ref‖ / ‖g_ref‖, over all parameters concatenated. Used to measure
 * the bias of truncated BPTT against full BPTT at the same parameters (Tallec & Ollivier 2017).
 *
 * Each collection is divided by the power of two above its largest |entry| before any product
 * is summed (LAPACK's scaling, see `scaledSumOfSquares`), and g − g_ref is taken at half scale, so gradients with entries
 * near 1e25 (an exploding RNN) give finite norms and a meaningful cosine; the scales are
 * multiplied back in float64.
 */
import { ShapeError, describeValue, invalidArgument, scaledSumOfSquaresAll, tf } from '@gradlab/core';

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
    const a = scaledSumOfSquaresAll(names.map((n) => grads[n]!));
    const b = scaledSumOfSquaresAll(names.map((n) => reference[n]!));
    // ⟨g/a, g_ref/b⟩ over all parameters; ‖g − g_ref‖ / 2 from the halves (no overflow in the difference).
    const dot = tf.addN(names.map((n) => tf.sum(tf.mul(tf.div(grads[n]!, a.scale), tf.div(reference[n]!, b.scale)))));
    const d = scaledSumOfSquaresAll(names.map((n) => tf.sub(tf.mul(grads[n]!, 0.5), tf.mul(reference[n]!, 0.5))));
    return tf.stack([dot, a.scale, a.sumSq, b.scale, b.sumSq, d.scale, d.sumSq]);
  });
  const [dot, aScale, aSumSq, bScale, bSumSq, dScale, dSumSq] = Array.from(sums.dataSync());
  sums.dispose();
  const norm = aScale! * Math.sqrt(aSumSq!);
  const referenceNorm = bScale! * Math.sqrt(bSumSq!);
  return {
    cosine: dot! / Math.sqrt(aSumSq! * bSumSq!),
    relativeError: (2 * dScale! * Math.sqrt(dSumSq!)) / referenceNorm,
    norm,
    referenceNorm,
  };
}
