/**
 * What the single autoencoders (the dense {@link Autoencoder}, the {@link ConvAutoencoder} and
 * the {@link DeepAutoencoder}) share, written once: each owns its parameters, which `dispose()`
 * frees once and every later use refuses, and each ends `gradients` the same way — the loss and
 * the reconstruction error read back together, the gradients handed over with their `dispose`.
 */
import { ValidationError, tf } from '@gradlab/core';
import type { AutoencoderGradients } from './deep-autoencoder.js';

/** An autoencoder that owns its parameters. */
export abstract class AutoencoderBase {
  /** Trainable parameters by name (the variables themselves, for an optimiser). */
  abstract readonly params: Record<string, tf.Variable>;
  private disposed = false;

  /** @param modelName the name a use after `dispose()` is refused with */
  protected constructor(private readonly modelName: string) {}

  /** Frees the parameters (a second call does nothing). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(Object.values(this.params));
  }

  /** @throws ValidationError after `dispose()` */
  protected checkLive(): void {
    if (this.disposed) throw new ValidationError(`${this.modelName}: this model was disposed`);
  }
}

/**
 * The end of an autoencoder's `gradients`: reads [loss, reconstruction error] from `stats` in one
 * readback, frees it, and wraps the gradients (which the caller disposes through the result).
 * @param grads ∂loss/∂θ by parameter name (owned by the result)
 * @param stats [2]: mean loss and mean squared reconstruction error per example
 */
export function gradientsResult(grads: Record<string, tf.Tensor>, stats: tf.Tensor): AutoencoderGradients {
  const s = stats.dataSync();
  stats.dispose();
  return { loss: s[0]!, reconError: s[1]!, grads, dispose: () => tf.dispose(Object.values(grads)) };
}
