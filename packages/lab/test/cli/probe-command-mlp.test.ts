/**
 * `gradlab probe --arch mlp` and `--prefix` end to end through the CLI: per-layer ‖∂L/∂W_l‖ and
 * ‖∂L/∂h_l‖, ∂L/∂θ and the loss match PyTorch autograd (fixtures from
 * tests/torch/sequential_weights_reference.py: a BatchNorm1d tanh MLP wrapped as `net.` in train
 * mode, and a deep sigmoid MLP whose early-layer gradients vanish, with int64 class labels); a
 * wrapped recurrent state_dict reads with --prefix; every bad input gives one line and exit 2.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeSafetensors, loadSafetensors, saveSafetensors, tf } from '@gradlab/core';
import { readResultsCsv } from '../../src/io/csv.js';
import type { SafetensorsArray } from '@gradlab/core';
import { experimentMap } from '../../src/cli/experiment-map.js';
import { runCli } from '../../src/cli/run-cli.js';
import { MLP_PROBE_COLUMNS } from '../../src/cli/probe-command.js';
import { FUZZ_SEED, mutate, mutationsArb } from '../../../core/test/io/hostile-bytes.js';

const MLP_FIXTURES = fileURLToPath(new URL('./fixtures/mlp-probe', import.meta.url));
const RNN_FIXTURES = fileURLToPath(new URL('../../../rnn/test/fixtures/torch-probe', import.meta.url));

function capture() {
  const s = { text: '', isTTY: false, columns: 80, write(t: string) { s.text += t; return true; } };
  return s;
}

async function probe(args: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(['probe', ...args], experimentMap([]), { stdout, stderr, env: {}, cwd: tmpdir() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

interface Expected {
  activation: string;
  loss_name: string;
  mode: string;
  prefix: string;
  layer_sizes: number[];
  loss: number;
  grad_w_l2: number[];
  grad_h_l2: number[];
}

const dir = mkdtempSync(join(tmpdir(), 'gradlab-probe-mlp-'));

/** A fixture's tensors as plain arrays, edited, written to DIR/name. */
async function variant(source: string, name: string, edit: (t: Record<string, SafetensorsArray>) => void): Promise<string> {
  const { tensors } = await loadSafetensors(source);
  const arrays: Record<string, SafetensorsArray> = {};
  for (const [k, t] of Object.entries(tensors)) {
    arrays[k] = t.dtype === 'int32' ? { dtype: 'I64', shape: t.shape, data: Array.from(t.dataSync()) } : { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
  }
  tf.dispose(Object.values(tensors));
  edit(arrays);
  const path = join(dir, name);
  writeFileSync(path, encodeSafetensors(arrays));
  return path;
}

describe('gradlab probe --arch mlp against PyTorch', () => {
  // Tolerance: float32 against PyTorch's float64 — 1e-4 relative on the loss and every norm,
  // and on each gradient tensor relative to its largest entry (+ 1e-2).
  test.each([
    ['wrapped-tanh-bn', ['--prefix', 'net.', '--activation', 'tanh', '--mode', 'train', '--loss', 'mse']],
    ['sigmoid-deep', ['--activation', 'sigmoid', '--loss', 'softmax-cross-entropy']],
  ])('%s: layer-gradients.csv, grads.safetensors and probe.json', async (name, extra) => {
    const fx = join(MLP_FIXTURES, name);
    const expected = JSON.parse(readFileSync(join(fx, 'expected.json'), 'utf8')) as Expected;
    const out = mkdtempSync(join(dir, `${name}-`));
    const before = tf.memory().numTensors;
    const r = await probe(['--arch', 'mlp', '--weights', join(fx, 'weights.safetensors'), '--input', join(fx, 'input.safetensors'), '--out', out, '--backend', 'wasm', ...extra]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.stdout).toMatch(new RegExp(`^probe: mlp \\[${expected.layer_sizes.join(', ')}\\] \\(${expected.activation}`));
    const rows = readResultsCsv(join(out, 'layer-gradients.csv'));
    expect(Object.keys(rows[0]!)).toEqual([...MLP_PROBE_COLUMNS]);
    expect(rows.map((row) => row['weight'])).toEqual(expected.grad_w_l2.map((_, l) => `${expected.prefix}${l * (name.endsWith('bn') ? 3 : 2)}.weight`));
    rows.forEach((row, l) => {
      expect(row['in_features']).toBe(expected.layer_sizes[l]);
      expect(Math.abs((row['grad_w_l2'] as number) / expected.grad_w_l2[l]! - 1), `grad_w_l2[${l}]`).toBeLessThan(1e-4);
      expect(Math.abs((row['grad_h_l2'] as number) / expected.grad_h_l2[l]! - 1), `grad_h_l2[${l}]`).toBeLessThan(1e-4);
    });
    const summary = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8')) as Record<string, unknown>;
    expect(Math.abs((summary['loss'] as number) / expected.loss - 1)).toBeLessThan(1e-4);
    expect(summary).toMatchObject({ arch: 'mlp', loss_name: expected.loss_name, mode: expected.mode, layer_sizes: expected.layer_sizes, activation: expected.activation });
    const got = await loadSafetensors(join(out, 'grads.safetensors'));
    const want = await loadSafetensors(join(fx, 'expected-grads.safetensors'));
    expect(Object.keys(got.tensors).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const [k, w] of Object.entries(want.tensors)) {
      const a = got.tensors[k]!.dataSync();
      const b = w.dataSync();
      // The floor 1e-2 (gradients here are O(0.1–1)): a bias before batch norm has exactly zero
      // gradient, ~1e-17 in PyTorch's float64 and ~1e-9 in float32.
      const scale = Math.max(...Array.from(b, Math.abs)) + 1e-2;
      const err = Math.max(...Array.from(b, (v, i) => Math.abs(a[i]! - v)));
      expect(err / scale, k).toBeLessThan(1e-4);
    }
    tf.dispose([...Object.values(got.tensors), ...Object.values(want.tensors)]);
  });

  test('the deep sigmoid net shows the vanishing gradient PyTorch sees: ‖∂L/∂W_0‖ < 1e-3 · ‖∂L/∂W_out‖', () => {
    const expected = JSON.parse(readFileSync(join(MLP_FIXTURES, 'sigmoid-deep', 'expected.json'), 'utf8')) as Expected;
    expect(expected.grad_w_l2[0]! / expected.grad_w_l2.at(-1)!).toBeLessThan(1e-3);
  });

  test('weights written by gradlab need no --activation (from the metadata), and eval mode uses the running statistics', async () => {
    const fx = fileURLToPath(new URL('../../../core/test/nn/fixtures/torch-sequential', import.meta.url));
    const x = join(dir, 'x-relu-bn.safetensors');
    await saveSafetensors(x, { x: tf.tensor2d([[0.1, -0.2, 0.3, 0.5], [1, 0, -1, 2], [0.5, 0.5, 0.5, 0.5]]), y: tf.tensor1d([0, 2, 1], 'int32') });
    const out = mkdtempSync(join(dir, 'gradlab-written-'));
    const r = await probe(['--arch', 'mlp', '--weights', join(fx, 'gradlab-relu-bn.safetensors'), '--input', x, '--out', out, '--mode', 'eval', '--loss', 'softmax-cross-entropy']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^probe: mlp \[4, 6, 6, 3\] \(relu, batch norm in eval mode\), B = 3: loss /);
    expect(readResultsCsv(join(out, 'layer-gradients.csv')).map((row) => row['weight'])).toEqual(['0.weight', '3.weight', '6.weight']);
  });
});

describe('--prefix for wrapped models', () => {
  const lstm = join(RNN_FIXTURES, 'lstm-2layers');

  /** lstm-2layers with the recurrent tensors under `rnn.` and the readout left as `head.` (a wrapper holding rnn and head). */
  const wrappedLstm = () => variant(join(lstm, 'weights.safetensors'), 'wrapped-lstm.safetensors', (t) => {
    for (const k of Object.keys(t)) {
      if (k.startsWith('head.')) continue;
      t[`rnn.${k}`] = t[k]!;
      delete t[k];
    }
  });

  test('a wrapped recurrent state_dict: the error names the prefix; with it the probe equals the unwrapped one and writes the file\'s names', async () => {
    const W = await wrappedLstm();
    const X = join(lstm, 'input.safetensors');
    const bad = await probe(['--arch', 'lstm', '--weights', W, '--input', X, '--out', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd()).toBe(`gradlab: ${W}: no tensor "weight_ih_l0"; found "rnn.weight_ih_l0" — pass --prefix rnn.`);
    const wrong = await probe(['--arch', 'lstm', '--weights', W, '--input', X, '--out', dir, '--prefix', 'lstm.']);
    expect(wrong.stderr.trimEnd()).toBe(`gradlab: ${W}: no tensor "weight_ih_l0"; found "rnn.weight_ih_l0" — pass --prefix rnn.`);

    const a = mkdtempSync(join(dir, 'wrapped-'));
    const b = mkdtempSync(join(dir, 'plain-'));
    const ok = await probe(['--arch', 'lstm', '--weights', W, '--input', X, '--out', a, '--prefix', 'rnn.', '--no-jacobian']);
    expect(ok.stderr).toBe('');
    await probe(['--arch', 'lstm', '--weights', join(lstm, 'weights.safetensors'), '--input', X, '--out', b, '--no-jacobian']);
    expect(readFileSync(join(a, 'time-gradients.csv'), 'utf8')).toBe(readFileSync(join(b, 'time-gradients.csv'), 'utf8'));
    const grads = await loadSafetensors(join(a, 'grads.safetensors'));
    expect(Object.keys(grads.tensors).sort()).toEqual(['head.bias', 'head.weight', ...['bias_hh', 'bias_ih', 'weight_hh', 'weight_ih'].flatMap((p) => [`rnn.${p}_l0`, `rnn.${p}_l1`])].sort());
    tf.dispose(Object.values(grads.tensors));
    expect(JSON.parse(readFileSync(join(a, 'probe.json'), 'utf8'))).toMatchObject({ prefix: 'rnn.' });
  });

  test('a wrapped MLP without --prefix: the error names it', async () => {
    const W = join(MLP_FIXTURES, 'wrapped-tanh-bn', 'weights.safetensors');
    const r = await probe(['--arch', 'mlp', '--activation', 'tanh', '--weights', W, '--input', join(MLP_FIXTURES, 'wrapped-tanh-bn', 'input.safetensors'), '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd()).toBe(`gradlab: ${W}: no tensor "0.weight"; found "net.0.weight" — pass --prefix net.`);
  });
});

describe('bad input to --arch mlp: one line on stderr, exit code 2', () => {
  const fx = join(MLP_FIXTURES, 'wrapped-tanh-bn');
  const W = join(fx, 'weights.safetensors');
  const X = join(fx, 'input.safetensors');
  const deep = join(MLP_FIXTURES, 'sigmoid-deep');
  const mlp = (...rest: string[]) => ['--arch', 'mlp', '--weights', W, '--input', X, '--out', dir, '--prefix', 'net.', '--activation', 'tanh', ...rest];
  const inputs = async (name: string, tensors: Record<string, tf.Tensor>) => {
    const path = join(dir, name);
    await saveSafetensors(path, tensors);
    tf.dispose(Object.values(tensors));
    return path;
  };
  const withWeights = async (name: string, edit: (t: Record<string, SafetensorsArray>) => void) => {
    const path = await variant(W, name, edit);
    return ['--arch', 'mlp', '--weights', path, '--input', X, '--out', dir, '--prefix', 'net.', '--activation', 'tanh'];
  };

  test.each<[string, () => Promise<string[]>, (args: string[]) => string]>([
    ['no --activation and no metadata', async () => ['--arch', 'mlp', '--weights', W, '--input', X, '--out', dir, '--prefix', 'net.'], () => `probe: expected --activation sigmoid|tanh|relu|leaky-relu|elu|softsign|linear for --arch mlp (a state_dict does not record the activation modules, and ${W} has no gradlab_activation metadata)`],
    ['an unknown activation', async () => mlp().map((a) => (a === 'tanh' ? 'swish' : a)), () => 'probe: expected --activation to be one of sigmoid, tanh, relu, leaky-relu, elu, softsign, linear, got "swish"'],
    ['an unknown mode', async () => mlp('--mode', 'test'), () => 'probe: expected --mode to be one of train, eval, got "test"'],
    ['a recurrent loss for an mlp', async () => mlp('--loss', 'last-mse'), () => 'probe: expected --loss to be one of mse, softmax-cross-entropy, got "last-mse"'],
    ['--activation with a recurrent arch', async () => ['--arch', 'lstm', '--weights', W, '--input', X, '--out', dir, '--activation', 'tanh'], () => 'probe: expected no --activation with --arch lstm (it applies to --arch mlp only)'],
    ['--no-jacobian with an mlp', async () => mlp('--no-jacobian'), () => 'probe: expected no --no-jacobian with --arch mlp (it applies to recurrent archs only)'],
    ['a prefix without its dot', async () => mlp().map((a) => (a === 'net.' ? 'net' : a)), () => 'probe: expected --prefix to be a state_dict prefix ending with "." (e.g. net.), got "net"; pass --prefix net.'],
    ['a missing layer', () => withWeights('no-layer.safetensors', (t) => { delete t['net.3.weight']; }), (args) => `${args[3]}: expected a tensor named "3.weight" (nn.Linear 2 of 3 in nn.Sequential(Linear, BatchNorm1d, Activation, …, Linear)), found none (tensors: 0.bias, 0.weight, 1.bias, 1.num_batches_tracked, 1.running_mean, 1.running_var, 1.weight, 3.bias, 4.bias, 4.num_batches_tracked, 4.running_mean, 4.running_var, 4.weight, 6.bias, 6.weight) (names read under --prefix net.)`],
    ['a weight of the wrong shape', () => withWeights('bad-shape.safetensors', (t) => { t['net.6.weight'] = { dtype: 'F32', shape: [2, 5], data: new Float32Array(10) }; }), (args) => `${args[3]}: expected "6.weight" to have 6 columns (in_features = out_features of "3.weight"), got shape [2, 5] (names read under --prefix net.)`],
    ['NaN in a weight', () => withWeights('nan.safetensors', (t) => { (t['net.3.weight']!.data as Float32Array)[4] = NaN; }), (args) => `${args[3]}: tensor "net.3.weight" holds NaN at index [0, 4] (flat index 4); expected finite values (a diverged checkpoint?)`],
    ['Infinity in a running variance', () => withWeights('inf.safetensors', (t) => { (t['net.4.running_var']!.data as Float32Array)[1] = Infinity; }), (args) => `${args[3]}: tensor "net.4.running_var" holds Infinity at index [1] (flat index 1); expected finite values (a diverged checkpoint?)`],
  ])('%s', async (_what, args, message) => {
    const argv = await args();
    const expected = message(argv);
    const before = tf.memory().numTensors;
    const r = await probe(argv);
    expect(r.stderr.trimEnd()).toBe(`gradlab: ${expected}`);
    expect(r.code).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  test.each<[string, () => Promise<Record<string, tf.Tensor>>, string, (p: string) => string]>([
    ['x of the wrong width', async () => ({ x: tf.zeros([8, 5]), y: tf.zeros([8, 2]) }), 'mse', (p) => `${p}: expected "x" to have shape [B, 4] (D = in_features of "net.0.weight"), got [8, 5]`],
    ['y of the wrong shape', async () => ({ x: tf.zeros([8, 4]), y: tf.zeros([8, 3]) }), 'mse', (p) => `${p}: expected "y" to have shape [8, 2] (batch of x × out_features of "net.6.weight"), got [8, 3]`],
    ['no y', async () => ({ x: tf.zeros([8, 4]) }), 'mse', (p) => `${p}: expected a tensor named "y" [B, 2], found none (tensors: x)`],
    ['float labels for cross-entropy', async () => ({ x: tf.zeros([8, 4]), y: tf.zeros([8]) }), 'softmax-cross-entropy', (p) => `${p}: expected "y" to hold integer class indices (softmax-cross-entropy), got dtype float32`],
    ['a label out of range', async () => ({ x: tf.zeros([3, 4]), y: tf.tensor1d([0, 2, 1], 'int32') }), 'softmax-cross-entropy', (p) => `${p}: expected "y" to hold class indices in [0, 2) (out_features of "net.6.weight"), got 2 at index [1]`],
    ['one row with batch norm in train mode', async () => ({ x: tf.zeros([1, 4]), y: tf.zeros([1, 2]) }), 'mse', (p) => `${p}: expected at least 2 rows in "x" for batch norm in train mode (PyTorch refuses one), got [1, 4]; pass --mode eval`],
  ])('input: %s', async (name, make, loss, message) => {
    const path = await inputs(`${name.replace(/\W+/g, '-')}.safetensors`, await make());
    const before = tf.memory().numTensors;
    const r = await probe(['--arch', 'mlp', '--weights', W, '--input', path, '--out', dir, '--prefix', 'net.', '--activation', 'tanh', '--loss', loss]);
    expect(r.stderr.trimEnd()).toBe(`gradlab: ${message(path)}`);
    expect(r.code).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('fuzz: mutated MLP weight and input files end in exit 0 or one line and exit 2, never an internal error', async () => {
    const weights = new Uint8Array(readFileSync(join(deep, 'weights.safetensors')));
    const input = new Uint8Array(readFileSync(join(deep, 'input.safetensors')));
    const out = join(dir, 'fuzz-out');
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(mutationsArb(2), fc.boolean(), async (ms, damageWeights) => {
        cases++;
        const w = join(dir, 'fuzz-w.safetensors');
        const x = join(dir, 'fuzz-x.safetensors');
        writeFileSync(w, damageWeights ? mutate(weights, ms) : weights);
        writeFileSync(x, damageWeights ? input : mutate(input, ms));
        const before = tf.memory().numTensors;
        const r = await probe(['--arch', 'mlp', '--activation', 'sigmoid', '--loss', 'softmax-cross-entropy', '--weights', w, '--input', x, '--out', out]);
        expect(tf.memory().numTensors).toBe(before);
        if (r.code === 0) return;
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/^gradlab: /);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      }),
      { seed: FUZZ_SEED, numRuns: 60 },
    );
    expect(cases).toBe(60);
  });
});
