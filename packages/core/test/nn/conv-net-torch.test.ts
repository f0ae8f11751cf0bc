/**
 * ConvNet against PyTorch autograd: fixtures from fixtures/make_convnet_fixture.py (PyTorch 1.13,
 * float64 from float32 weights). Each case's state_dict is a safetensors file PyTorch's names
 * and layouts ([out, in, kh, kw]), loaded with loadConvNetTorchWeights; the loss, logits, every
 * ∂L/∂θ (mapped back to PyTorch's layout), ‖∂L/∂h_l‖ and the BatchNorm2d buffers must agree.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import {
  ConvNet,
  Rng,
  convNetFromStateDict,
  convNetLayerGradients,
  convNetToStateDict,
  decodeSafetensors,
  loadConvNetTorchWeights,
  saveConvNetTorchWeights,
  tf,
  type ConvNetConfig,
  type LossName,
} from '@gradlab/core';

interface TorchCase {
  name: string;
  config: ConvNetConfig;
  loss_name: LossName;
  x: { shape: number[]; data: number[] };
  target: number[] | number[][];
  output: number[];
  loss: number;
  grads: Record<string, number[]>;
  activation_grad_l2: number[];
  buffers_after: Record<string, number[]>;
}

const dir = fileURLToPath(new URL('./fixtures/convnet-torch/', import.meta.url));
const fixture = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: TorchCase[] };
const tmp = mkdtempSync(join(tmpdir(), 'convnet-torch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** max |a − e| / (max |e| + 1e-2), as in mlp.test.ts (the floor keeps exact zeros from dominating). */
function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
  }
  return err / (scale + 1e-2);
}

describe('ConvNet against PyTorch (fixtures/make_convnet_fixture.py)', () => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s: logits, loss, every gradient, ‖∂L/∂h_l‖ and BN buffers', async (name, c) => {
    const net = await loadConvNetTorchWeights(join(dir, `${name}.safetensors`), c.config);
    const x = tf.tensor(c.x.data, c.x.shape);
    const target = c.loss_name === 'softmax-cross-entropy' ? tf.tensor1d(c.target as number[], 'int32') : tf.tensor2d(c.target as number[][]);
    const logits = net.forward(x, { training: true });
    expect(maxRelError(logits.dataSync(), c.output)).toBeLessThan(1e-5);
    logits.dispose();
    const g = net.gradients(x, target, c.loss_name);
    expect(Math.abs(g.loss - c.loss) / Math.abs(c.loss)).toBeLessThan(1e-5);
    const torchGrads = convNetToStateDict(net, g.grads);
    expect(Object.keys(torchGrads).sort()).toEqual(Object.keys(c.grads).sort());
    for (const [k, expected] of Object.entries(c.grads)) {
      expect(maxRelError(torchGrads[k]!.dataSync(), expected), k).toBeLessThan(1e-4);
    }
    const rows = convNetLayerGradients(net, g);
    rows.forEach((r, l) => expect(Math.abs(r.gradActL2 - c.activation_grad_l2[l]!) / c.activation_grad_l2[l]!).toBeLessThan(1e-4));
    const buffers = convNetToStateDict(net, net.buffers);
    for (const [k, expected] of Object.entries(c.buffers_after)) {
      expect(maxRelError(buffers[k]!.dataSync(), expected), k).toBeLessThan(1e-5);
    }
    tf.dispose([...Object.values(torchGrads), ...Object.values(buffers), x, target]);
    g.dispose();
    net.dispose();
  });

  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s: saves the tensors PyTorch wrote, under the same names and shapes', async (name, c) => {
    const original = decodeSafetensors(readFileSync(join(dir, `${name}.safetensors`)), name).tensors;
    const net = await loadConvNetTorchWeights(join(dir, `${name}.safetensors`), c.config);
    const path = join(tmp, `${name}.safetensors`);
    await saveConvNetTorchWeights(net, path, c.config);
    const saved = decodeSafetensors(readFileSync(path), path);
    expect(Object.keys(saved.tensors).sort()).toEqual(Object.keys(original).sort());
    for (const [k, t] of Object.entries(original)) {
      expect(saved.tensors[k]!.dtype, k).toBe(t.dtype);
      expect(saved.tensors[k]!.shape, k).toEqual(t.shape);
      expect(Array.from(saved.tensors[k]!.data as ArrayLike<number | bigint>), k).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    }
    expect(JSON.parse(saved.metadata['gradlab_config']!)).toEqual(c.config);
    const back = await loadConvNetTorchWeights(path);
    for (const [k, v] of Object.entries(net.params)) expect(Array.from(back.params[k]!.dataSync()), k).toEqual(Array.from(v.dataSync()));
    back.dispose();
    net.dispose();
  });

  test('a state_dict with a misshapen or missing tensor is refused naming it', async () => {
    const c = fixture.cases[0]!;
    const tensors = decodeSafetensors(readFileSync(join(dir, `${c.name}.safetensors`)), c.name).tensors;
    const sd = Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, tf.tensor(v.data as Float32Array, v.shape)]));
    const w = sd['convs.0.weight']!;
    sd['convs.0.weight'] = tf.transpose(w, [2, 3, 1, 0]);
    expect(() => convNetFromStateDict(c.config, sd)).toThrow(/^convNetFromStateDict: expected "convs.0.weight" of shape \[3,2,3,3\], got \[3,3,2,3\]$/);
    sd['convs.0.weight'].dispose();
    delete sd['convs.0.weight'];
    expect(() => convNetFromStateDict(c.config, sd)).toThrow(/missing tensor "convs.0.weight"/);
    tf.dispose([w, ...Object.values(sd)]);
  });
});

test('a ConvNet built in gradlab round-trips through the PyTorch layout (flatten head, batch norm)', () => {
  const config: ConvNetConfig = { inputShape: [6, 5, 2], depth: 2, channels: [3, 4], outputs: 2, head: 'flatten', pool: 'max', norm: 'batch' };
  const net = new ConvNet(config, new Rng(5));
  const sd = convNetToStateDict(net);
  expect(sd['convs.1.weight']!.shape).toEqual([4, 3, 3, 3]);
  expect(sd['head.weight']!.shape).toEqual([2, 4 * 1 * 1]);
  const back = convNetFromStateDict(config, sd);
  for (const [k, v] of Object.entries({ ...net.params, ...net.buffers })) {
    expect(Array.from(back.params[k]?.dataSync() ?? back.buffers[k]!.dataSync()), k).toEqual(Array.from(v.dataSync()));
  }
  tf.dispose(Object.values(sd));
  back.dispose();
  net.dispose();
});

test('gradlab-check.safetensors (scripts/write-convnet-check.ts; PyTorch loads it: make_convnet_fixture.py check) reloads with its metadata config and gives its logits', async () => {
  const j = JSON.parse(readFileSync(join(dir, 'gradlab-check.json'), 'utf8')) as { x: { shape: number[]; data: number[] }; eval_output: number[] };
  const net = await loadConvNetTorchWeights(join(dir, 'gradlab-check.safetensors'));
  const x = tf.tensor(j.x.data, j.x.shape);
  const logits = net.forward(x);
  expect(maxRelError(logits.dataSync(), j.eval_output)).toBeLessThan(1e-6);
  tf.dispose([x, logits]);
  net.dispose();
});
