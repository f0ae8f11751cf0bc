/**
 * Cheap monitors of RBM training (Hinton 2010, "A practical guide to training restricted
 * Boltzmann machines", sects. 5 and 6): the reconstruction error, and the average free energy
 * of training versus held-out data — the gap between them grows when the model overfits (the
 * partition function cancels in the difference, so it needs no log Z).
 *
 * Each function reads back one number.
 */
import { ShapeError, tf } from '@gradlab/core';
import type { RBM } from './rbm.js';

function readScalar(t: tf.Tensor): number {
  const value = t.dataSync()[0]!;
  t.dispose();
  return value;
}

/**
 * Mean squared error per visible unit between v and its mean-field reconstruction
 * E[v | h = P(h | v)] (deterministic).
 * @param v data [n, visible] (not changed)
 * @example reconstructionError(rbm, heldOut) // 0.02
 */
export function reconstructionError(rbm: RBM, v: tf.Tensor): number {
  const r = rbm.reconstruct(v);
  const e = tf.tidy(() => tf.mean(tf.squaredDifference(v, r)));
  r.dispose();
  return readScalar(e);
}

/**
 * Average free energy (1/n) Σ F(v_n).
 * @param v data [n, visible] (not changed)
 */
export function meanFreeEnergy(rbm: RBM, v: tf.Tensor): number {
  const f = rbm.freeEnergy(v);
  const m = tf.tidy(() => tf.mean(f));
  f.dispose();
  return readScalar(m);
}

/** The free energies of training and held-out data and their gap. */
export interface FreeEnergyGap {
  /** Mean F over the training rows. */
  train: number;
  /** Mean F over the held-out rows. */
  heldOut: number;
  /** heldOut − train: near 0 while the model generalises, growing as it overfits. */
  gap: number;
}

/**
 * The free-energy gap of Hinton (2010, sect. 6): compare a subset of the training data with a
 * held-out set of the same size.
 * @param train training rows [n, visible]
 * @param heldOut held-out rows [m, visible]
 * @throws ShapeError for data of the wrong shape
 * @example const { gap } = freeEnergyGap(rbm, trainSubset, validation)
 */
export function freeEnergyGap(rbm: RBM, train: tf.Tensor, heldOut: tf.Tensor): FreeEnergyGap {
  if (train.rank !== 2 || heldOut.rank !== 2) {
    throw new ShapeError(`freeEnergyGap: expected train and heldOut of shape [n, ${rbm.numVisible}], got [${train.shape}] and [${heldOut.shape}]`);
  }
  const a = meanFreeEnergy(rbm, train);
  const b = meanFreeEnergy(rbm, heldOut);
  return { train: a, heldOut: b, gap: b - a };
}
