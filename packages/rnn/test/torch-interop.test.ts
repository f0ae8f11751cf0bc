/**
 * PyTorch interoperability: weights saved by PyTorch load under their state_dict names, and the
 * probe's loss, per-step ‖∂L/∂h_t‖, ‖∂L/∂c_t‖, ‖∂h_T/∂h_t‖₂ and parameter gradients match PyTorch
 * autograd (float64) to a relative error ≤ 1e-3, including an exploding ReLU RNN (‖∂L/∂h_0‖ ≈ 1e9).
 * Fixtures: tests/torch/rnn_probe_reference.py generate packages/rnn/test/fixtures/torch-probe
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Rng, loadSafetensors, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, loadTorchWeights, netFromStateDict, probeGradientFlow, saveTorchWeights } from '../src/index.js';
import type { RecurrentArch } from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/torch-probe', import.meta.url));
const CASES = readdirSync(FIXTURES).sort();

interface Expected {
  arch: RecurrentArch;
  loss: number;
  grad_h_l2: number[];
  grad_c_l2?: number[];
  jac_l2: number[];
}

function relSeries(got: number[], want: number[]): number {
  return Math.max(...want.map((w, i) => Math.abs(got[i]! - w) / Math.max(Math.abs(w), 1e-30)));
}

describe.each(CASES)('PyTorch fixture %s', (name) => {
  test('probe matches PyTorch autograd (relative error ≤ 1e-3)', async () => {
    const dir = join(FIXTURES, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
    const net = await loadTorchWeights(expected.arch, join(dir, 'weights.safetensors'));
    const { tensors: input } = await loadSafetensors(join(dir, 'input.safetensors'));
    const { tensors: grads } = await loadSafetensors(join(dir, 'expected-grads.safetensors'));
    const p = probeGradientFlow(net, input['x']!, input['y']!);
    expect(Math.abs(p.loss - expected.loss) / Math.abs(expected.loss)).toBeLessThan(1e-3);
    expect(relSeries(p.rows.map((r) => r['grad_h_l2'] as number), expected.grad_h_l2)).toBeLessThan(1e-3);
    expect(relSeries(p.rows.map((r) => r['jac_l2'] as number), expected.jac_l2)).toBeLessThan(1e-3);
    if (expected.grad_c_l2) {
      const got = p.rows.map((r) => r['grad_c_l2'] as number);
      const want = expected.grad_c_l2;
      for (let t = 0; t < want.length; t++) expect(Math.abs(got[t]! - want[t]!)).toBeLessThanOrEqual(1e-3 * want[t]! + 1e-12);
    }
    expect(Object.keys(p.grads).sort()).toEqual(Object.keys(grads).sort());
    for (const [k, ref] of Object.entries(grads)) {
      const a = p.grads[k]!.dataSync();
      const b = ref.dataSync();
      let err = 0;
      let scale = 0;
      for (let i = 0; i < b.length; i++) {
        err = Math.max(err, Math.abs(a[i]! - b[i]!));
        scale = Math.max(scale, Math.abs(b[i]!));
      }
      expect(err / scale, k).toBeLessThan(1e-3);
    }
    p.dispose();
    tf.dispose([...Object.values(input), ...Object.values(grads)]);
    net.dispose();
  });
});

describe('state_dict names and shapes', () => {
  test.each([
    ['rnn-relu', () => new RNN({ inputSize: 3, hiddenSize: 4, outputSize: 2, numLayers: 2, nonlinearity: 'relu' }, new Rng(1))],
    ['lstm', () => new LSTM({ inputSize: 3, hiddenSize: 4, outputSize: 2, numLayers: 2 }, new Rng(2))],
    ['gru', () => new GRU({ inputSize: 3, hiddenSize: 4, outputSize: 2 }, new Rng(3))],
  ] as const)('%s: PyTorch shapes, and save → load gives the same parameters', async (arch, make) => {
    const net = make();
    const G = arch === 'lstm' ? 4 : arch === 'gru' ? 3 : 1;
    expect(net.params['weight_ih_l0']!.shape).toEqual([G * 4, 3]);
    expect(net.params['weight_hh_l0']!.shape).toEqual([G * 4, 4]);
    expect(net.params['bias_ih_l0']!.shape).toEqual([G * 4]);
    expect(net.params['head.weight']!.shape).toEqual([2, 4]);
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-rnn-'));
    try {
      await saveTorchWeights(net, join(dir, 'w.safetensors'));
      const back = await loadTorchWeights(arch, join(dir, 'w.safetensors'));
      expect(back.spec.numLayers).toBe(net.spec.numLayers);
      for (const [k, v] of Object.entries(net.params)) expect(Array.from(back.params[k]!.dataSync())).toEqual(Array.from(v.dataSync()));
      back.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      net.dispose();
    }
  });

  test('LSTM forget-gate bias sits in the second block of bias_ih', () => {
    const net = new LSTM({ inputSize: 1, hiddenSize: 3, forgetBias: 2 }, new Rng(4));
    const bih = Array.from(net.params['bias_ih_l0']!.dataSync());
    const bhh = Array.from(net.params['bias_hh_l0']!.dataSync());
    expect(bih.slice(3, 6)).toEqual([2, 2, 2]);
    expect(bhh.slice(3, 6)).toEqual([0, 0, 0]);
    net.dispose();
  });

  function stateDict(over: Record<string, tf.Tensor | undefined> = {}): Record<string, tf.Tensor> {
    const base: Record<string, tf.Tensor | undefined> = {
      weight_ih_l0: tf.zeros([16, 3]),
      weight_hh_l0: tf.zeros([16, 4]),
      bias_ih_l0: tf.zeros([16]),
      bias_hh_l0: tf.zeros([16]),
      'head.weight': tf.zeros([2, 4]),
      'head.bias': tf.zeros([2]),
      ...over,
    };
    return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, tf.Tensor>;
  }

  test.each([
    ['missing tensor', { bias_hh_l0: undefined }, 'lstm', /w\.safetensors: expected a tensor named "bias_hh_l0", found none/],
    ['wrong gate count', {}, 'gru', /expected "weight_ih_l0" to have 3·H rows for arch "gru" \(gates 3\), got shape \[16, 3\]/],
    ['wrong shape', { weight_hh_l0: tf.zeros([16, 5]) }, 'lstm', /expected "weight_hh_l0" to have shape \[16, 4\] \(4·hidden 4 × hidden 4\), got \[16, 5\]/],
    ['extra tensor', { weight_ih_l0_reverse: tf.zeros([16, 3]) }, 'lstm', /unexpected tensor "weight_ih_l0_reverse".*bidirectional models are not supported/],
    ['integer tensor', { 'head.bias': tf.zeros([2], 'int32') }, 'lstm', /expected "head.bias" to hold floating-point values, got dtype int32/],
    ['head mismatch', { 'head.weight': tf.zeros([2, 5]) }, 'lstm', /expected "head.weight" to have shape \[2, 4\] \(outputs × hidden 4\), got \[2, 5\]/],
    ['unknown arch', {}, 'transformer', /expected arch to be one of rnn-tanh, rnn-relu, lstm, gru, rnn-sigmoid, rnn-linear, got "transformer"/],
  ])('rejects a %s with a message naming it', (_what, over, arch, message) => {
    const sd = stateDict(over as Record<string, tf.Tensor | undefined>);
    expect(() => netFromStateDict(arch as RecurrentArch, sd, 'w.safetensors')).toThrow(message);
    tf.dispose(Object.values(sd));
  });
});
