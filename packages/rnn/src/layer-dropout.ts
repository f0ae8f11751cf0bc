/**
 * Dropout between stacked recurrent layers, as the `dropout` argument of PyTorch's `nn.RNN` /
 * `nn.LSTM` / `nn.GRU`: in training, the output sequence of every layer except the last is
 * multiplied by mask / (1 − p) before it enters the next layer, with an independent keep mask
 * per step, batch row and unit (Zaremba, Sutskever & Vinyals 2014, "Recurrent neural network
 * regularization": dropout on the non-recurrent connections only). The recurrent path h_{t−1} →
 * h_t and the readout of the top layer are never dropped.
 *
 * The masks of a whole sequence are drawn once, as [T, B, H] per layer boundary, and kept in JS;
 * a window of truncated BPTT uploads its steps' rows, so a step recomputed by an overlapping
 * window uses the same mask, and BPTT(T, T) stays bit for bit full BPTT.
 */
import { ShapeError, describeValue, dropoutMask, invalidArgument, tf, Rng } from '@gradlab/core';
import { z } from 'zod';
import type { RecurrentSpec } from './recurrent-config.js';

/**
 * Where a training pass gets its keep masks: an {@link Rng} (the mask after layer k is drawn
 * from `rng.fork('layer{k}')` with shape [T, B, H]), or one 0/1 keep mask [T, B, H] per layer
 * boundary (numLayers − 1 of them).
 */
export type RecurrentDropoutMasks = Rng | readonly tf.Tensor[];

/** The dropout factors mask / (1 − p) of one pass, per layer boundary, over a whole sequence. */
export class LayerDropout {
  private constructor(
    private readonly factors: readonly Float32Array[],
    private readonly batch: number,
    private readonly hidden: number,
  ) {}

  /**
   * The factors of one training pass, or undefined when the rate is 0.
   * @param source masks or the Rng to draw them from (required when the rate is > 0)
   * @throws ValidationError without a source; ShapeError for masks of the wrong number or shape
   */
  static of(spec: RecurrentSpec, source: RecurrentDropoutMasks | undefined, steps: number, batch: number, where: string): LayerDropout | undefined {
    const p = spec.dropout;
    if (p === 0) return undefined;
    if (source === undefined) throw invalidArgument(where, 'dropout', source, 'an Rng or one keep mask per layer boundary in training mode with dropout');
    const H = spec.hiddenSize;
    const boundaries = spec.numLayers - 1;
    if (!(source instanceof Rng) && source.length !== boundaries) {
      throw invalidArgument(where, 'dropout', `an array of length ${source.length}`, `${boundaries} keep masks [T, B, H] (one per layer boundary)`);
    }
    // mask / (1 − p) in float32, as ATen's noise.div_(1 − p).
    const scale = Math.fround(1 / Math.fround(1 - p));
    const factors = Array.from({ length: boundaries }, (_, k) => {
      let keep: Float32Array;
      if (source instanceof Rng) {
        const m = dropoutMask([steps, batch, H], p, source.fork(`layer${k}`));
        keep = m.dataSync() as Float32Array;
        m.dispose();
      } else {
        const m = source[k];
        if (!(m instanceof tf.Tensor) || m.isDisposed || m.shape.join(',') !== [steps, batch, H].join(',')) {
          throw new ShapeError(`${where}: expected dropout[${k}] to be a keep mask of shape [${steps}, ${batch}, ${H}], got ${m instanceof tf.Tensor ? describeValue(m.shape) : describeValue(m)}`);
        }
        keep = Float32Array.from(m.dataSync());
      }
      for (let i = 0; i < keep.length; i++) keep[i] = keep[i] !== 0 ? scale : 0;
      return keep;
    });
    return new LayerDropout(factors, batch, H);
  }

  /**
   * Per layer, the factor on its input over steps [from, to) as [(to − from)·B, H] rows in
   * step order; undefined for the bottom layer, whose input is the data. Call inside `tf.tidy`.
   */
  window(from: number, to: number): (tf.Tensor | undefined)[] {
    const rows = this.batch * this.hidden;
    return [undefined, ...this.factors.map((f) => tf.tensor(f.subarray(from * rows, to * rows), [(to - from) * this.batch, this.hidden], 'float32'))];
  }
}

/** Zod fields of the dropout options of `bptt` and `truncatedBptt`. */
export const dropoutOptionsShape = {
  training: z.boolean({ error: 'a boolean' }).optional(),
  dropout: z
    .custom<RecurrentDropoutMasks>((v) => v instanceof Rng || Array.isArray(v), { error: 'an Rng or an array of keep masks [T, B, H]' })
    .optional(),
};
