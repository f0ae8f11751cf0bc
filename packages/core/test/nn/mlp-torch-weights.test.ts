/**
 * MLP weights in torch.nn.Sequential names. PyTorch → gradlab: the fixtures written by
 * tests/torch/sequential_weights_reference.py (PyTorch 1.13, float64 reference from float32
 * weights) load and give PyTorch's outputs, loss, every ∂L/∂θ and ‖∂L/∂a_l‖ (BatchNorm1d in eval
 * and train mode, residual blocks), and the BatchNorm1d buffers after a train-mode pass. gradlab →
 * PyTorch: the seeded models of scripts/write-torch-sequential-fixtures.ts save to the very bytes
 * that the script's `check` mode loaded into nn.Sequential with load_state_dict(strict=True).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  MLP,
  Rng,
  encodeSafetensors,
  loadMLPTorchWeights,
  loadSafetensors,
  mlpFromStateDict,
  mlpToStateDict,
  saveMLPTorchWeights,
  tf,
} from '@gradlab/core';
import type { ActivationName, LossName, SafetensorsArray } from '@gradlab/core';
import { FIXTURE_DIR, FIXTURE_MLPS, fixtureMLP } from '../../scripts/write-torch-sequential-fixtures.js';

interface TorchCase {
  name: string;
  weights: string;
  config: { layerSizes: number[]; activation: ActivationName; norm: 'none' | 'batch'; residual: boolean };
  loss_name: LossName;
  mode: 'eval' | 'train';
  x: { shape: number[]; data: number[] };
  y: number[] | number[][];
  output: number[];
  loss: number;
  grads: Record<string, number[]>;
  grad_h_l2: number[];
  grad_w_l2: number[];
  buffers_after: Record<string, number[]>;
}

const torchCases = (JSON.parse(readFileSync(join(FIXTURE_DIR, 'torch-cases.json'), 'utf8')) as { cases: TorchCase[] }).cases;
const tmp = mkdtempSync(join(tmpdir(), 'gradlab-mlp-torch-'));

/** max |a − e| / (max |e| + 1e-2), as mlp.test.ts: the floor keeps exactly-zero gradients (a bias before batch norm) from turning round-off into a large error. */
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

const l2 = (t: tf.Tensor) => Math.sqrt(Array.from(t.dataSync()).reduce((s, v) => s + v * v, 0));

describe('PyTorch → gradlab (fixtures from tests/torch/sequential_weights_reference.py)', () => {
  // Tolerance: float32 forward/backward against PyTorch's float64 — 1e-4 relative (1e-5 on the loss).
  test.each(torchCases.map((c) => [c.name, c] as const))('%s: outputs, loss, ∂L/∂θ, ‖∂L/∂a_l‖ and BN buffers', async (_, c) => {
    const net = await loadMLPTorchWeights(join(FIXTURE_DIR, c.weights), { activation: c.config.activation, residual: c.config.residual });
    expect(net.spec).toMatchObject(c.config);
    const training = c.mode === 'train';
    const x = tf.tensor(c.x.data, c.x.shape);
    const y = c.loss_name === 'mse' ? tf.tensor2d(c.y as number[][]) : tf.tensor1d(c.y as number[], 'int32');
    const out = net.forward(x, { training });
    expect(maxRelError(out.dataSync(), c.output), 'output').toBeLessThan(1e-4);
    const g = net.gradients(x, y, c.loss_name, { training });
    expect(Math.abs(g.loss - c.loss) / Math.abs(c.loss)).toBeLessThan(1e-5);
    const grads = mlpToStateDict(net, g.grads);
    expect(Object.keys(grads).sort()).toEqual(Object.keys(c.grads).sort());
    for (const [name, expected] of Object.entries(c.grads)) expect(maxRelError(grads[name]!.dataSync(), expected), name).toBeLessThan(1e-4);
    g.activationGrads.forEach((a, l) => expect(Math.abs(l2(a) / c.grad_h_l2[l]! - 1), `‖∂L/∂a_${l}‖`).toBeLessThan(1e-4));
    const state = mlpToStateDict(net);
    for (const [name, expected] of Object.entries(c.buffers_after)) {
      if (name.endsWith('num_batches_tracked')) expect(Array.from(state[name]!.dataSync()), name).toEqual(expected);
      else expect(maxRelError(state[name]!.dataSync(), expected), name).toBeLessThan(1e-5);
    }
    tf.dispose([x, y, out, ...Object.values(grads), ...Object.values(state)]);
    g.dispose();
    net.dispose();
  });

  test('batch norm in train mode moves the running statistics as PyTorch (momentum 0.1, unbiased variance) and counts the batch', () => {
    const c = torchCases.find((k) => k.name === 'relu-bn-train')!;
    expect(c.buffers_after['1.num_batches_tracked']).toEqual([13]); // 12 before the pass
    const eval_ = torchCases.find((k) => k.name === 'relu-bn-eval')!;
    expect(eval_.buffers_after['1.num_batches_tracked']).toEqual([12]);
  });

  test('the layout: module indices count activations, BatchNorm1d sits between Linear and activation', async () => {
    const plain = await loadSafetensors(join(FIXTURE_DIR, 'tanh-plain.safetensors'));
    expect(Object.keys(plain.tensors).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight']);
    const bn = await loadSafetensors(join(FIXTURE_DIR, 'relu-bn-eval.safetensors'));
    expect(Object.keys(bn.tensors).filter((k) => k.endsWith('.weight')).sort()).toEqual(['0.weight', '1.weight', '3.weight', '4.weight', '6.weight']);
    tf.dispose([...Object.values(plain.tensors), ...Object.values(bn.tensors)]);
  });
});

describe('gradlab → PyTorch', () => {
  test.each(FIXTURE_MLPS.map((f) => [f.name, f] as const))('%s saves to the bytes PyTorch loaded (sequential_weights_reference.py check)', async (name, f) => {
    const net = fixtureMLP(f.config, f.seed);
    const path = join(tmp, `${name}.safetensors`);
    await saveMLPTorchWeights(net, path);
    expect(readFileSync(path).equals(readFileSync(join(FIXTURE_DIR, `${name}.safetensors`)))).toBe(true);
    net.dispose();
  });

  test('num_batches_tracked is written as I64 and the metadata names activation and residual', async () => {
    const f = FIXTURE_MLPS[1]!;
    const net = fixtureMLP(f.config, f.seed);
    const path = join(tmp, 'meta.safetensors');
    await saveMLPTorchWeights(net, path, { note: 'x' });
    const bytes = readFileSync(path);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
    expect(header['1.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    expect(header['0.weight']).toMatchObject({ dtype: 'F32', shape: [6, 4] });
    expect(header['__metadata__']).toEqual({ format: 'pt', gradlab_activation: 'relu', gradlab_model: 'MLP', gradlab_residual: 'false', note: 'x' });
    net.dispose();
  });

  test('save → load gives the same parameters and buffers, activation and residual from the metadata', async () => {
    const f = FIXTURE_MLPS[2]!;
    const net = fixtureMLP(f.config, f.seed);
    const path = join(tmp, 'round-trip.safetensors');
    await saveMLPTorchWeights(net, path);
    const back = await loadMLPTorchWeights(path);
    expect({ ...back.spec, init: net.spec.init }).toEqual(net.spec);
    for (const [name, t] of Object.entries({ ...net.params, ...net.buffers })) {
      const u = back.params[name] ?? back.buffers[name]!;
      expect(u.dtype, name).toBe(t.dtype);
      expect(Array.from(u.dataSync()), name).toEqual(Array.from(t.dataSync()));
    }
    back.dispose();
    net.dispose();
  });

  test('repeated save, load and state-dict conversion leak no tensors and leave the model and inputs unchanged', async () => {
    const f = FIXTURE_MLPS[1]!;
    const net = fixtureMLP(f.config, f.seed);
    const before0 = Array.from(net.params['layer0.weight']!.dataSync());
    const path = join(tmp, 'leak.safetensors');
    await saveMLPTorchWeights(net, path);
    const loaded = await loadSafetensors(path);
    const inputBefore = Object.fromEntries(Object.entries(loaded.tensors).map(([k, t]) => [k, Array.from(t.dataSync())]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await saveMLPTorchWeights(net, path);
      (await loadMLPTorchWeights(path)).dispose();
      mlpFromStateDict(loaded.tensors, path, { metadata: loaded.metadata }).dispose();
      tf.dispose(Object.values(mlpToStateDict(net)));
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(net.params['layer0.weight']!.dataSync())).toEqual(before0);
    for (const [k, t] of Object.entries(loaded.tensors)) expect(Array.from(t.dataSync()), k).toEqual(inputBefore[k]);
    tf.dispose(Object.values(loaded.tensors));
    net.dispose();
  });
});

describe('bad state_dicts: one message naming the tensor, the value and what was expected', () => {
  /** The relu-bn fixture's tensors as plain arrays, edited by `edit`, written to a file. */
  async function variant(name: string, edit: (t: Record<string, SafetensorsArray>) => void, metadata?: Record<string, string>): Promise<string> {
    const { tensors } = await loadSafetensors(join(FIXTURE_DIR, 'relu-bn-eval.safetensors'));
    const arrays: Record<string, SafetensorsArray> = {};
    for (const [k, t] of Object.entries(tensors)) {
      arrays[k] = t.dtype === 'int32' ? { dtype: 'I64', shape: t.shape, data: Array.from(t.dataSync()) } : { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
    }
    tf.dispose(Object.values(tensors));
    edit(arrays);
    const path = join(tmp, `${name}.safetensors`);
    writeFileSync(path, encodeSafetensors(arrays, metadata));
    return path;
  }
  const f32 = (shape: number[], fill = 0.5): SafetensorsArray => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  test.each<[string, (t: Record<string, SafetensorsArray>) => void, (p: string) => string, { activation?: ActivationName; residual?: boolean }?, Record<string, string>?]>([
    ['a missing hidden layer', (t) => { delete t['3.weight']; }, (p) => `${p}: expected a tensor named "3.weight" (nn.Linear 2 of 3 in nn.Sequential(Linear, BatchNorm1d, Activation, …, Linear)), found none (tensors: 0.bias, 0.weight, 1.bias, 1.num_batches_tracked, 1.running_mean, 1.running_var, 1.weight, 3.bias, 4.bias, 4.num_batches_tracked, 4.running_mean, 4.running_var, 4.weight, 6.bias, 6.weight)`],
    ['a missing bias', (t) => { delete t['6.bias']; }, (p) => `${p}: expected a tensor named "6.bias" (the bias of nn.Linear 6), found none (tensors: 0.bias, 0.weight, 1.bias, 1.num_batches_tracked, 1.running_mean, 1.running_var, 1.weight, 3.bias, 3.weight, 4.bias, 4.num_batches_tracked, 4.running_mean, 4.running_var, 4.weight, 6.weight)`],
    ['a missing running variance', (t) => { delete t['4.running_var']; }, (p) => `${p}: expected a tensor named "4.running_var" (nn.BatchNorm1d 4 after nn.Linear 3), found none (tensors: 0.bias, 0.weight, 1.bias, 1.num_batches_tracked, 1.running_mean, 1.running_var, 1.weight, 3.bias, 3.weight, 4.bias, 4.num_batches_tracked, 4.running_mean, 4.weight, 6.bias, 6.weight)`],
    ['layers that do not chain', (t) => { t['3.weight'] = f32([6, 5]); }, (p) => `${p}: expected "3.weight" to have 6 columns (in_features = out_features of "0.weight"), got shape [6, 5]`],
    ['a bias of the wrong length', (t) => { t['3.bias'] = f32([5]); }, (p) => `${p}: expected "3.bias" to have shape [6] (out_features of "3.weight"), got [5]`],
    ['a BatchNorm1d of the wrong width', (t) => { t['1.running_mean'] = f32([4]); }, (p) => `${p}: expected "1.running_mean" to have shape [6] (num_features = out_features of "0.weight"), got [4]`],
    ['a weight of rank 1', (t) => { t['6.weight'] = f32([6]); }, (p) => `${p}: expected "6.weight" to have rank 2 ([out_features, in_features] of an nn.Linear), got shape [6]`],
    ['an integer weight', (t) => { t['0.weight'] = { dtype: 'I32', shape: [6, 4], data: new Int32Array(24) }; }, (p) => `${p}: expected "0.weight" to hold floating-point values, got dtype int32`],
    ['NaN in a weight', (t) => { const w = f32([6, 6]); (w.data as Float32Array)[7] = NaN; t['3.weight'] = w; }, (p) => `${p}: tensor "3.weight" holds NaN at index [1, 1] (flat index 7); expected finite values (a diverged checkpoint?)`],
    ['a negative running variance', (t) => { const v = f32([6], 1); (v.data as Float32Array)[2] = -0.25; t['4.running_var'] = v; }, (p) => `${p}: expected "4.running_var" to hold values ≥ 0 (a variance), got -0.25 at index [2]`],
    ['a negative batch count', (t) => { t['1.num_batches_tracked'] = { dtype: 'I64', shape: [], data: [-3] }; }, (p) => `${p}: expected "1.num_batches_tracked" to be a non-negative integer (a count of batches), got -3`],
    ['an extra Linear without its BatchNorm1d', (t) => { t['9.weight'] = f32([3, 3]); t['9.bias'] = f32([3]); }, (p) => `${p}: expected a tensor named "7.weight" (nn.BatchNorm1d 7 after nn.Linear 6), found none (tensors: 0.bias, 0.weight, 1.bias, 1.num_batches_tracked, 1.running_mean, 1.running_var, 1.weight, 3.bias, 3.weight, 4.bias, 4.num_batches_tracked, 4.running_mean, 4.running_var, 4.weight, 6.bias, 6.weight, 9.bias, 9.weight)`],
    ['tensors at an activation index', (t) => { t['8.weight'] = f32([3]); }, (p) => `${p}: unexpected tensor "8.weight" for nn.Sequential(Linear, BatchNorm1d, Activation, …, Linear) with 3 nn.Linear layer(s); expected only 0.weight, 0.bias, 1.weight`],
    ['a stray tensor', (t) => { t['head.weight'] = f32([3, 3]); }, (p) => `${p}: unexpected tensor "head.weight" for nn.Sequential(Linear, BatchNorm1d, Activation, …, Linear) with 3 nn.Linear layer(s); expected only 0.weight, 0.bias, 1.weight, 1.bias, 1.running_mean, 1.running_var, 1.num_batches_tracked, 3.weight, 3.bias, 4.weight, 4.bias, 4.running_mean, 4.running_var, 4.num_batches_tracked, 6.weight, 6.bias`],
    ['no activation given and none in the metadata', () => {}, (p) => `${p}: expected activation to be one of sigmoid, tanh, relu, leaky-relu, elu, softsign, linear (a state_dict does not record the activation modules, and the file has no gradlab_activation metadata), got undefined`, {}],
    ['an activation that contradicts the metadata', () => {}, (p) => `${p}: expected activation "tanh" to agree with the file's metadata gradlab_activation "relu"`, { activation: 'tanh' }, { gradlab_activation: 'relu' }],
    ['residual that contradicts the metadata', () => {}, (p) => `${p}: expected residual false to agree with the file's metadata gradlab_residual "true"`, { activation: 'relu', residual: false }, { gradlab_residual: 'true' }],
    ['bad metadata', () => {}, (p) => `${p}: expected metadata gradlab_activation to be one of sigmoid, tanh, relu, leaky-relu, elu, softsign, linear, got "swish"`, {}, { gradlab_activation: 'swish' }],
  ])('%s', async (name, edit, message, options = { activation: 'relu' }, metadata) => {
    const path = await variant(name.replace(/\W+/g, '-'), edit, metadata);
    const expected = message(path);
    const before = tf.memory().numTensors;
    await expect(loadMLPTorchWeights(path, options)).rejects.toThrow(new RegExp(`^${escape(expected)}`));
    expect(tf.memory().numTensors).toBe(before);
  });

  test('errors carry stable codes', async () => {
    const missing = await variant('code-missing', (t) => { delete t['6.bias']; });
    const shape = await variant('code-shape', (t) => { t['3.bias'] = f32([5]); });
    await expect(loadMLPTorchWeights(missing, { activation: 'relu' })).rejects.toMatchObject({ code: 'E_FILE_FORMAT' });
    await expect(loadMLPTorchWeights(shape, { activation: 'relu' })).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(loadMLPTorchWeights(shape, { activation: 'swish' as never })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  test('mlpFromStateDict checks non-finite values itself (finite weights message) and names a wrapped prefix', () => {
    const w = tf.tensor2d([[1, Infinity]]);
    const b = tf.zeros([1]);
    expect(() => mlpFromStateDict({ '0.weight': w, '0.bias': b }, 'sd', { activation: 'tanh' })).toThrow(
      /^sd: tensor "0\.weight" holds Infinity at index \[0, 1\] \(flat index 1\); expected finite weights \(a diverged checkpoint\?\)$/,
    );
    expect(() => mlpFromStateDict({ 'net.0.weight': w, 'net.0.bias': b }, 'sd', { activation: 'tanh' })).toThrow(
      /^sd: expected a tensor named "0\.weight" \(the first nn\.Linear of an nn\.Sequential\), found none \(tensors: net\.0\.bias, net\.0\.weight\); found "net\.0\.weight": strip the prefix "net\."$/,
    );
    expect(() => mlpFromStateDict({ '0.weight': w, '0.bias': b }, 'sd', { activation: 'tanh', prefix: 'x' } as never)).toThrow(/^sd: unknown option "prefix"/);
    tf.dispose([w, b]);
  });

  test('saveMLPTorchWeights refuses a scaled residual net, whose scale the file cannot hold', async () => {
    const net = new MLP({ layerSizes: [3, 4, 4, 2], residual: true, residualScale: 0.5 }, new Rng(0));
    await expect(saveMLPTorchWeights(net, join(tmp, 'scaled.safetensors'))).rejects.toThrow(
      /^saveMLPTorchWeights: expected residualScale 1 \(the file cannot record a branch scale\), got 0\.5$/,
    );
    net.dispose();
  });

  test('mlpToStateDict refuses names the MLP does not have', () => {
    const net = new MLP({ layerSizes: [2, 2] }, new Rng(0));
    const t = tf.zeros([2]);
    expect(() => mlpToStateDict(net, { 'layer5.bias': t })).toThrow(/^mlpToStateDict: expected values to hold MLP names \(layer0\.weight, layer0\.bias\), got "layer5\.bias"$/);
    tf.dispose(t);
    net.dispose();
  });
});
