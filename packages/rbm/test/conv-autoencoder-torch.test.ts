/**
 * ConvAutoencoder against PyTorch: F.conv2d for the encoder and F.conv_transpose2d with the same
 * weight tensor for the decoder (tied weights), BCE-with-logits or squared error, gradients by
 * autograd in float64 on float32 values.
 * Fixture: /usr/bin/python3 packages/rbm/test/fixtures/make-conv-autoencoder.py
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import { ConvAutoencoder } from '../src/index.js';
import type { ConvAutoencoderActivation } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/conv-autoencoder.json', import.meta.url));

interface TorchCase {
  name: string;
  inputShape: [number, number, number];
  channels: number;
  kernelSize: number;
  stride: number;
  padding: number;
  activation: ConvAutoencoderActivation;
  outputActivation: 'sigmoid' | 'linear';
  weight: unknown;
  hiddenBias: number[];
  visibleBias: number[];
  x: unknown;
  target: unknown;
  reconstruction: unknown;
  loss: number;
  grads: { weight: unknown; hiddenBias: number[]; visibleBias: number[] };
}

const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { cases: TorchCase[] };
const flat = (v: unknown): number[] => (v as unknown[]).flat(4) as number[];

describe('ConvAutoencoder against PyTorch (conv2d + conv_transpose2d, tied)', () => {
  // Tolerance: float32 arithmetic against float64 on the same float32 values; every entry within
  // 1e-5 of the largest |entry| + 1e-6, the loss within 1e-5 relative.
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s: reconstruction, loss and gradients', (_, c) => {
    const ae = new ConvAutoencoder(
      { inputShape: c.inputShape, channels: c.channels, kernelSize: c.kernelSize, stride: c.stride, padding: c.padding, activation: c.activation, outputActivation: c.outputActivation },
      new Rng(0),
    );
    const { kernelSize: k, channels: K } = c;
    ae.params.weight.assign(tf.tensor4d(flat(c.weight), [k, k, c.inputShape[2], K]));
    ae.params.hiddenBias.assign(tf.tensor1d(c.hiddenBias));
    ae.params.visibleBias.assign(tf.tensor1d(c.visibleBias));
    const shape = [flat(c.x).length / c.inputShape.reduce((a, b) => a * b, 1), ...c.inputShape];
    const x = tf.tensor(flat(c.x), shape);
    const target = tf.tensor(flat(c.target), shape);
    const close = (ours: ArrayLike<number>, ref: number[]) => {
      const scale = Math.max(...ref.map(Math.abs));
      expect(ours.length).toBe(ref.length);
      Array.from(ours).forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-5 * scale + 1e-6));
    };
    const y = ae.reconstruct(x);
    close(y.dataSync(), flat(c.reconstruction));
    const g = ae.gradients(x, target);
    expect(Math.abs(g.loss - c.loss) / Math.abs(c.loss)).toBeLessThan(1e-5);
    close(g.grads['weight']!.dataSync(), flat(c.grads.weight));
    close(g.grads['hiddenBias']!.dataSync(), c.grads.hiddenBias);
    close(g.grads['visibleBias']!.dataSync(), c.grads.visibleBias);
    g.dispose();
    tf.dispose([x, target, y]);
    ae.dispose();
  });
});
