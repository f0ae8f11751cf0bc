/**
 * What the autoencoder stacks ({@link StackedAutoencoder}, {@link StackedConvAutoencoder}) share,
 * written once: each owns its autoencoders, which `dispose()` frees once, and pretrains them by
 * the same greedy layer-wise loop (Bengio et al. 2007) — autoencoder l trains on the clean codes
 * of layer l − 1 with the shared options merged with its own overrides, and each layer's codes
 * are freed once the next layer has trained on them. With `watch`, one watcher records every
 * layer: autoencoder l's rows are named `layer{l}.` + its own names (l 0-based, as `onEpoch`'s
 * `layer`) and `step` counts the steps of the whole pretraining.
 *
 * References: Y. Bengio, P. Lamblin, D. Popovici & H. Larochelle (2007), "Greedy layer-wise
 * training of deep networks", NIPS.
 */
import { ValidationError, tf, type Rng } from '@gradlab/core';
import type { BackpropConfig, BackpropEpochStats, BackpropResult } from './backprop-training.js';
import type { StackedPretrainConfig } from './stacked-autoencoder.js';
import { layerPlacement } from './watched-step.js';
import type { WatchPlacement } from './watched-step.js';

/** One layer's share of a greedy pretraining: its index and its epochs' statistics. */
export interface StackLayerHistory {
  /** The layer, 0-based. */
  layer: number;
  /** Its epochs' statistics. */
  history: BackpropEpochStats[];
}

/** A stack of autoencoders, bottom first, that owns them. */
export abstract class AutoencoderStack<A extends { dispose(): void }> {
  /** The autoencoders, bottom first. */
  abstract readonly layers: readonly A[];
  private disposed = false;

  /** @param modelName the name errors start with */
  protected constructor(private readonly modelName: string) {}

  /** Number of autoencoders L. */
  get depth(): number {
    return this.layers.length;
  }

  /** Frees every autoencoder (a second call does nothing). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const l of this.layers) l.dispose();
  }

  /** @throws ValidationError after `dispose()` */
  protected checkLive(): void {
    if (this.disposed) throw new ValidationError(`${this.modelName}: this model was disposed`);
  }

  /**
   * The greedy loop (see the file comment).
   * @param x training data (not changed)
   * @param config shared options, `layers` per-layer overrides, `onEpoch`
   * @param rng layer l trains with `rng.fork('layer{l}')`
   * @param train trains autoencoder l on `input` with its watch rows at `placement`; returns its epochs' statistics and steps
   * @param up layer l's codes of `input` (a new tensor, the next layer's training data)
   * @throws ValidationError for `layers` that is not an array of at most L entries
   */
  protected pretrainLayers(
    x: tf.Tensor,
    config: StackedPretrainConfig,
    rng: Rng,
    train: (ae: A, input: tf.Tensor, config: BackpropConfig, rng: Rng, placement: WatchPlacement) => BackpropResult,
    up: (l: number, input: tf.Tensor) => tf.Tensor,
  ): StackLayerHistory[] {
    this.checkLive();
    const { layers: overrides = [], onEpoch, ...shared } = config;
    if (!Array.isArray(overrides) || overrides.length > this.depth) {
      throw new ValidationError(`${this.modelName}.pretrain: expected layers to be an array of at most ${this.depth} per-layer option objects, got ${Array.isArray(overrides) ? `${overrides.length} entries` : typeof overrides}`);
    }
    const out: StackLayerHistory[] = [];
    let input: tf.Tensor = x;
    let updates = 0;
    try {
      for (let l = 0; l < this.depth; l++) {
        const layerConfig: BackpropConfig = { ...shared, ...(overrides[l] ?? {}) };
        if (onEpoch !== undefined) layerConfig.onEpoch = (s) => onEpoch({ ...s, layer: l });
        const { history, steps } = train(this.layers[l]!, input, layerConfig, rng.fork(`layer${l}`), layerPlacement(l, updates));
        updates += steps;
        out.push({ layer: l, history });
        if (l + 1 < this.depth) {
          const next = up(l, input);
          if (input !== x) input.dispose();
          input = next;
        }
      }
    } finally {
      if (input !== x) input.dispose();
    }
    return out;
  }
}
