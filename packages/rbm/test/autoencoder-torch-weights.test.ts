/**
 * Deep and stacked autoencoders (and a DBN's fine-tuning MLP) in torch.nn.Sequential names.
 * PyTorch → gradlab: fixtures from tests/torch/sequential_weights_reference.py (PyTorch 1.13,
 * float64 reference) give PyTorch's codes, reconstructions, loss and gradients. gradlab → PyTorch:
 * the seeded models of scripts/write-torch-sequential-fixtures.ts save to the very bytes that the
 * script's `check` mode loaded with load_state_dict(strict=True) and matched to 1e-5.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { encodeSafetensors, loadMLPTorchWeights, loadSafetensors, saveMLPTorchWeights, tf } from '@gradlab/core';
import type { SafetensorsArray } from '@gradlab/core';
import { DeepAutoencoder, loadDeepAutoencoderTorchWeights, loadStackedAutoencoderTorchWeights, saveAutoencoderTorchWeights } from '../src/index.js';
import type { AutoencoderActivation } from '../src/index.js';
import { FIXTURE_DIR, fixtureDbnAutoencoder, fixtureDbnMLP, fixtureInput, fixtureStackedAutoencoder } from '../scripts/write-torch-sequential-fixtures.js';

interface TorchCase {
  name: string;
  weights: string;
  layerSizes: number[];
  codeActivation: AutoencoderActivation;
  outputActivation: AutoencoderActivation;
  tied: boolean;
  x: { shape: number[]; data: number[] };
  code: number[];
  reconstruction: number[];
  loss: number;
  recon_error: number;
  grads: Record<string, number[]>;
}

const cases = (JSON.parse(readFileSync(join(FIXTURE_DIR, 'torch-cases.json'), 'utf8')) as { cases: TorchCase[] }).cases;
const tmp = mkdtempSync(join(tmpdir(), 'gradlab-ae-torch-'));

/** max |a − e| / (max |e| + 1e-2). */
function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
  }
  return err / (scale + 1e-2);
}

/** A DeepAutoencoder's gradients under the Sequential names: weights transposed to [out, in]. */
function torchGrads(ae: DeepAutoencoder, grads: Record<string, tf.Tensor>): Record<string, Float32Array> {
  const L = ae.depth;
  const out: Record<string, Float32Array> = {};
  for (let l = 0; l < L; l++) {
    for (const [part, at] of [['encoder', 2 * l], ['decoder', 2 * (L + l)]] as const) {
      const w = tf.transpose(grads[`${part}${l}.weight`]!);
      out[`${at}.weight`] = w.dataSync() as Float32Array;
      w.dispose();
      out[`${at}.bias`] = grads[`${part}${l}.bias`]!.dataSync() as Float32Array;
    }
  }
  return out;
}

describe('PyTorch → gradlab (fixtures from tests/torch/sequential_weights_reference.py)', () => {
  // Tolerance: float32 against PyTorch's float64 — 1e-4 relative (1e-5 on the loss).
  test.each(cases.map((c) => [c.name, c] as const))('%s as a DeepAutoencoder: code, reconstruction, loss and every gradient', async (_, c) => {
    const ae = await loadDeepAutoencoderTorchWeights(join(FIXTURE_DIR, c.weights), { codeActivation: c.codeActivation, outputActivation: c.outputActivation });
    expect([...ae.layerSizes]).toEqual(c.layerSizes);
    const x = tf.tensor2d(c.x.data, c.x.shape as [number, number]);
    const code = ae.encode(x);
    const y = ae.reconstruct(x);
    expect(maxRelError(code.dataSync(), c.code)).toBeLessThan(1e-4);
    expect(maxRelError(y.dataSync(), c.reconstruction)).toBeLessThan(1e-4);
    const g = ae.gradients(x);
    expect(Math.abs(g.loss / c.loss - 1)).toBeLessThan(1e-5);
    expect(Math.abs(g.reconError / c.recon_error - 1)).toBeLessThan(1e-5);
    const grads = torchGrads(ae, g.grads);
    expect(Object.keys(grads).sort()).toEqual(Object.keys(c.grads).sort());
    for (const [name, expected] of Object.entries(c.grads)) expect(maxRelError(grads[name]!, expected), name).toBeLessThan(1e-4);
    g.dispose();
    tf.dispose([x, code, y]);
    ae.dispose();
  });

  test('the tied PyTorch autoencoder loads as a StackedAutoencoder: codes and the unrolled reconstruction', async () => {
    const c = cases.find((k) => k.tied)!;
    const sae = await loadStackedAutoencoderTorchWeights(join(FIXTURE_DIR, c.weights));
    expect([...sae.layerSizes]).toEqual(c.layerSizes);
    const x = tf.tensor2d(c.x.data, c.x.shape as [number, number]);
    const code = sae.encode(x);
    const h = sae.layers[1]!.decode(code);
    const y = sae.layers[0]!.decode(h);
    expect(maxRelError(code.dataSync(), c.code)).toBeLessThan(1e-4);
    expect(maxRelError(y.dataSync(), c.reconstruction)).toBeLessThan(1e-4);
    tf.dispose([x, code, h, y]);
    sae.dispose();
  });
});

describe('gradlab → PyTorch', () => {
  test.each([
    ['gradlab-dbn-mlp', (path: string) => { const m = fixtureDbnMLP(); return saveMLPTorchWeights(m, path).finally(() => m.dispose()); }],
    ['gradlab-dbn-autoencoder', (path: string) => { const m = fixtureDbnAutoencoder(); return saveAutoencoderTorchWeights(m, path).finally(() => m.dispose()); }],
    ['gradlab-stacked-autoencoder', (path: string) => { const m = fixtureStackedAutoencoder(); return saveAutoencoderTorchWeights(m, path).finally(() => m.dispose()); }],
  ])('%s saves to the bytes PyTorch loaded (sequential_weights_reference.py check)', async (name, save) => {
    const path = join(tmp, `${name}.safetensors`);
    await save(path);
    expect(readFileSync(path).equals(readFileSync(join(FIXTURE_DIR, `${name}.safetensors`)))).toBe(true);
  });

  test('the layout: encoder then mirrored decoder, Linear k at module 2k, metadata naming the activations', async () => {
    const { tensors, metadata } = await loadSafetensors(join(FIXTURE_DIR, 'gradlab-dbn-autoencoder.safetensors'));
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]))).toEqual({
      '0.weight': [5, 6], '0.bias': [5], '2.weight': [3, 5], '2.bias': [3],
      '4.weight': [5, 3], '4.bias': [5], '6.weight': [6, 5], '6.bias': [6],
    });
    expect(metadata).toEqual({ format: 'pt', gradlab_model: 'DeepAutoencoder', gradlab_code_activation: 'linear', gradlab_output_activation: 'sigmoid' });
    tf.dispose(Object.values(tensors));
  });

  test('save → load round trips: deep and stacked autoencoders, and the DBN fine-tuning MLP through core', async () => {
    const x = fixtureInput();
    const ae = fixtureDbnAutoencoder();
    await saveAutoencoderTorchWeights(ae, join(tmp, 'ae.safetensors'));
    const ae2 = await loadDeepAutoencoderTorchWeights(join(tmp, 'ae.safetensors'));
    expect(ae2.codeActivation).toBe('linear');
    for (const [k, t] of Object.entries(ae.params)) expect(Array.from(ae2.params[k]!.dataSync()), k).toEqual(Array.from(t.dataSync()));

    const sae = fixtureStackedAutoencoder();
    await saveAutoencoderTorchWeights(sae, join(tmp, 'sae.safetensors'));
    const sae2 = await loadStackedAutoencoderTorchWeights(join(tmp, 'sae.safetensors'));
    sae.layers.forEach((a, l) => {
      for (const [k, t] of Object.entries(a.params)) expect(Array.from(sae2.layers[l]!.params[k as 'weight']!.dataSync()), `${l}.${k}`).toEqual(Array.from(t.dataSync()));
    });
    // A stacked autoencoder's file is also a deep autoencoder (sigmoid code, from the metadata).
    const unrolled = await loadDeepAutoencoderTorchWeights(join(tmp, 'sae.safetensors'));
    expect(unrolled.codeActivation).toBe('sigmoid');

    const mlp = fixtureDbnMLP();
    await saveMLPTorchWeights(mlp, join(tmp, 'dbn-mlp.safetensors'));
    const mlp2 = await loadMLPTorchWeights(join(tmp, 'dbn-mlp.safetensors'));
    expect(mlp2.spec.activation).toBe('sigmoid');
    const [a, b] = [mlp.forward(x), mlp2.forward(x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    [ae, ae2, sae, sae2, unrolled, mlp, mlp2].forEach((m) => m.dispose());
  });

  test('repeated save and load leak no tensors and leave the model unchanged', async () => {
    const sae = fixtureStackedAutoencoder();
    const w0 = Array.from(sae.layers[0]!.params.weight.dataSync());
    const path = join(tmp, 'leak.safetensors');
    await saveAutoencoderTorchWeights(sae, path);
    (await loadStackedAutoencoderTorchWeights(path)).dispose();
    (await loadDeepAutoencoderTorchWeights(path)).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await saveAutoencoderTorchWeights(sae, path);
      (await loadStackedAutoencoderTorchWeights(path)).dispose();
      (await loadDeepAutoencoderTorchWeights(path)).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(sae.layers[0]!.params.weight.dataSync())).toEqual(w0);
    sae.dispose();
    await expect(saveAutoencoderTorchWeights(sae, path)).rejects.toThrow(/^saveAutoencoderTorchWeights: expected a live model, got a disposed StackedAutoencoder$/);
  });
});

describe('bad files: one message naming the tensor, the value and what was expected', () => {
  async function variant(name: string, edit: (t: Record<string, SafetensorsArray>) => void, metadata?: Record<string, string>): Promise<string> {
    const { tensors } = await loadSafetensors(join(FIXTURE_DIR, 'stacked-autoencoder.safetensors'));
    const arrays: Record<string, SafetensorsArray> = {};
    for (const [k, t] of Object.entries(tensors)) arrays[k] = { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
    tf.dispose(Object.values(tensors));
    edit(arrays);
    const path = join(tmp, `${name}.safetensors`);
    writeFileSync(path, encodeSafetensors(arrays, metadata));
    return path;
  }
  const f32 = (shape: number[], fill = 0.5): SafetensorsArray => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const deep = (o = {}) => (p: string) => loadDeepAutoencoderTorchWeights(p, o);
  const stacked = (o = {}) => (p: string) => loadStackedAutoencoderTorchWeights(p, o);

  test.each<[string, (t: Record<string, SafetensorsArray>) => void, (p: string) => Promise<unknown>, (p: string) => string, Record<string, string>?]>([
    ['an untied decoder (stacked)', (t) => { const w = t['6.weight']!; (w.data as Float32Array)[7] = 0.125; }, stacked(), (p) => `${p}: expected "6.weight" to be the transpose of "0.weight" (a stacked autoencoder's decoder is tied to its encoder), got 0.125 at [1, 3] against `],
    ['an odd number of Linear layers', (t) => { delete t['6.weight']; delete t['6.bias']; }, deep(), (p) => `${p}: expected an even number of nn.Linear layers (an encoder and its mirrored decoder), got 3 (modules 0, 2, 4)`],
    ['a decoder that does not mirror the encoder', (t) => { t['4.weight'] = f32([5, 3]); t['4.bias'] = f32([5]); t['6.weight'] = f32([6, 5]); }, deep(), (p) => `${p}: expected "4.weight" to have shape [4, 3] (the decoder mirrors encoder "2.weight" [3, 4]), got [5, 3]`],
    ['a missing decoder layer', (t) => { delete t['4.weight']; }, deep(), (p) => `${p}: expected a tensor named "4.weight" (nn.Linear 3 of 4 in nn.Sequential(Linear, Activation, …, Linear)), found none`],
    ['a BatchNorm1d', (t) => { t['1.weight'] = f32([4]); t['1.bias'] = f32([4]); t['1.running_mean'] = f32([4]); t['1.running_var'] = f32([4]); }, deep(), (p) => `${p}: expected a tensor named "3.weight"`],
    ['NaN in a weight', (t) => { (t['2.weight']!.data as Float32Array)[4] = NaN; }, deep(), (p) => `${p}: tensor "2.weight" holds NaN at index [1, 0] (flat index 4); expected finite values (a diverged checkpoint?)`],
    ['an option that contradicts the metadata', () => {}, deep({ codeActivation: 'linear' }), (p) => `${p}: expected codeActivation "linear" to agree with the file's metadata gradlab_code_activation "sigmoid"`, { gradlab_code_activation: 'sigmoid' }],
    ['bad metadata', () => {}, deep(), (p) => `${p}: expected metadata gradlab_output_activation to be one of sigmoid, linear, got "softmax"`, { gradlab_output_activation: 'softmax' }],
    ['a linear code for a stack', () => {}, stacked(), (p) => `${p}: expected metadata gradlab_code_activation to be "sigmoid" (a stack of logistic autoencoders), got "linear"; load it with loadDeepAutoencoderTorchWeights`, { gradlab_code_activation: 'linear' }],
    ['an unknown option', () => {}, deep({ code: 'linear' }), (p) => `${p}: unknown option "code"; expected one of codeActivation, outputActivation`],
  ])('%s', async (name, edit, load, message, metadata) => {
    const path = await variant(name.replace(/\W+/g, '-'), edit, metadata);
    const before = tf.memory().numTensors;
    await expect(load(path)).rejects.toThrow(new RegExp(`^${escape(message(path))}`));
    expect(tf.memory().numTensors).toBe(before);
  });
});
