/**
 * The seam between the rbm training loops and core's `watch` (rnn's `watched-update.ts` is its
 * counterpart): one parameter update, observed when the watcher records its step. A greedy
 * stack (DBN, DBM pretraining, the autoencoder stacks) hands each layer's trainer a placement —
 * the prefix of its rows' names (`layer{l}.`, l 0-based as in `onEpoch`'s `layer`) and the number
 * of updates the layers below took — so that one watcher records the whole pretraining with a
 * step that keeps counting from layer to layer. Nothing here draws a random number or changes a
 * tensor the loop owns, so training is bit for bit the same with and without a watcher.
 */
import { Watcher, type WatchInput, type WatchedActivation, type tf } from '@gradlab/core';
import { z } from 'zod';

/** Schema of a trainer's `watch` option: a Watcher, or a one-line error naming the field. */
export const watchSchema = () => z.custom<Watcher>((v) => v instanceof Watcher, { error: 'a Watcher (from watch({ every, ... }))' });

/** Where one trainer's updates land in its watcher's rows. */
export interface WatchPlacement {
  /** Prepended to every parameter and activation name: '' for a model trained alone, `layer{l}.` in a stack. */
  prefix: string;
  /** Updates taken in the same run before this trainer's first (the lower layers'). */
  offset: number;
}

/** The placement of a model trained alone: its own names, steps from 0. */
export const ALONE: WatchPlacement = Object.freeze({ prefix: '', offset: 0 });

/** The placement of layer `l` (0-based) of a stack whose lower layers took `offset` updates. */
export function layerPlacement(l: number, offset: number): WatchPlacement {
  return { prefix: `layer${l}.`, offset };
}

/** Whether the update with 0-based index `index` in its trainer is recorded (compute watched tensors only then). */
export function isRecorded(watcher: Watcher | undefined, placement: WatchPlacement, index: number): watcher is Watcher {
  return watcher !== undefined && watcher.shouldRecord(placement.offset + index);
}

/**
 * Runs `update`, observed by `watcher` at step `placement.offset + index` when it records it.
 * @param index the update's 0-based index in its trainer
 * @param input θ (before the update), the gradient the update uses and activations, named
 *   without the prefix; built only on a recorded step; nothing in it is disposed here
 * @returns what `update` returned
 */
export function watchedStep<R>(watcher: Watcher | undefined, placement: WatchPlacement, index: number, input: () => WatchInput, update: () => R): R {
  if (!isRecorded(watcher, placement, index)) return update();
  const { params, grads, activations } = input();
  const named = <T>(record: Record<string, T> | undefined) =>
    record === undefined ? undefined : Object.fromEntries(Object.entries(record).map(([n, v]) => [placement.prefix + n, v]));
  const prefixed: WatchInput = { params: named(params as Record<string, tf.Tensor>)! };
  if (grads !== undefined) prefixed.grads = named(grads);
  if (activations !== undefined) prefixed.activations = named<tf.Tensor | WatchedActivation>(activations);
  return watcher.observe(placement.offset + index, prefixed, update) as R;
}
