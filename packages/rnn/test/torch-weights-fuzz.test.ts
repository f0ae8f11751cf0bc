/**
 * Hostile PyTorch-format weight files for the recurrent nets: fuzz and property tests of
 * `loadTorchWeights` / `netFromStateDict`. Every damaged file or made-up state_dict either builds
 * a network whose sizes agree with the tensors, or is refused with a GradlabError naming the
 * tensor — never a TypeError / RangeError / tfjs error, and no tensor is leaked either way.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileFormatError, Rng, ShapeError, ValidationError, encodeSafetensors, tf } from '@gradlab/core';
import { LSTM, RECURRENT_ARCHS, loadTorchWeights, netFromStateDict, saveTorchWeights } from '../src/index.js';
import { gateCount } from '../src/recurrent-config.js';
import type { RecurrentArch, RecurrentNet } from '../src/index.js';
import { FUZZ_SEED, mutate, mutationsArb, newCounts, parsesOrRejects, parsesOrRejectsAsync, report } from '../../core/test/io/hostile-bytes.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A built network's parameters have exactly the shapes its spec calls for. */
function consistentNet(net: RecurrentNet, source: Record<string, number[]>): void {
  const G = gateCount(net.cell);
  const { inputSize: D, hiddenSize: H, outputSize: O, numLayers: L } = net.spec;
  expect(net.params['weight_ih_l0']!.shape).toEqual([G * H, D]);
  expect(net.params['head.weight']!.shape).toEqual([O, H]);
  expect(Object.keys(net.params).length).toBe(4 * L + 2);
  for (const [name, shape] of Object.entries(source)) expect(net.params[name]!.shape).toEqual(shape);
}

describe('torch state_dict loading against hostile input', () => {
  let dir = '';
  let valid: Uint8Array = new Uint8Array(0);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradlab-torch-fuzz-'));
    const net = new LSTM({ inputSize: 3, hiddenSize: 2, outputSize: 2, numLayers: 2 }, new Rng(5));
    await saveTorchWeights(net, join(dir, 'valid.safetensors'));
    net.dispose();
    valid = new Uint8Array(await readFile(join(dir, 'valid.safetensors')));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('fuzz: random mutations of a saved 2-layer LSTM load the same architecture or throw a GradlabError; nothing leaks', async () => {
    const counts = newCounts();
    const before = tf.memory().numTensors;
    let i = 0;
    await fc.assert(
      fc.asyncProperty(mutationsArb(3), fc.constantFrom<RecurrentArch>('lstm', 'lstm', 'gru', 'rnn-tanh'), async (ms, arch) => {
        const path = join(dir, `m${i++ % 4}.safetensors`);
        await writeFile(path, mutate(valid, ms));
        await parsesOrRejectsAsync(
          counts,
          () => loadTorchWeights(arch, path),
          (net) => {
            expect(net.cell).toBe('lstm');
            expect(net.spec).toMatchObject({ inputSize: 3, hiddenSize: 2, outputSize: 2, numLayers: 2 });
            for (const p of Object.values(net.params)) expect(Array.from(p.dataSync()).every(Number.isFinite)).toBe(true);
            net.dispose();
          },
        );
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(counts.cases).toBe(300);
    expect(tf.memory().numTensors).toBe(before);
    report('torch weights: mutated LSTM files', counts);
  });

  test('fuzz: damage to the data buffer of a saved LSTM keeps its sizes, or is a refused non-finite weight', async () => {
    const counts = newCounts();
    const before = tf.memory().numTensors;
    const start = 8 + Number(new DataView(valid.buffer, valid.byteOffset).getBigUint64(0, true));
    let i = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: valid.length - start - 1 }), fc.oneof(fc.constantFrom(0x7f, 0xff, 0x80), fc.integer({ min: 0, max: 255 }))), { minLength: 1, maxLength: 8 }),
        async (edits) => {
          const bytes = valid.slice();
          for (const [at, v] of edits) bytes[start + at] = v;
          const path = join(dir, `d${i++ % 4}.safetensors`);
          await writeFile(path, bytes);
          await parsesOrRejectsAsync(
            counts,
            () => loadTorchWeights('lstm', path),
            (net) => {
              expect(net.spec).toMatchObject({ inputSize: 3, hiddenSize: 2, outputSize: 2, numLayers: 2 });
              net.dispose();
            },
          );
        },
      ),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(counts.cases).toBe(300);
    expect(Object.keys(counts.rejected).every((c) => c === 'E_FILE_FORMAT')).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    report('torch weights: data-buffer damage', counts);
  });

  test('fuzz: made-up state_dicts (random names, shapes, dtypes, NaN) build a consistent network or throw a GradlabError; nothing leaks', () => {
    const counts = newCounts();
    const before = tf.memory().numTensors;
    const names = ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l1', 'weight_hh_l1', 'bias_ih_l1', 'bias_hh_l1', 'head.weight', 'head.bias', 'weight_ih_l0_reverse', 'extra'];
    // A plausible shape for each name given (G, D, H, O), nudged now and then.
    // Mostly well-formed (the arch the file was made for, sizes ≥ 1), with one defect now and then.
    const often = <T,>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) => fc.oneof({ arbitrary: usual, weight: 3 }, { arbitrary: rare, weight: 1 });
    const size = (max: number) => often(fc.integer({ min: 1, max }), fc.constant(0));
    const plan = fc.record({
      arch: often<RecurrentArch | undefined>(fc.constant(undefined), fc.constantFrom(...RECURRENT_ARCHS)),
      fileArch: fc.constantFrom(...RECURRENT_ARCHS),
      D: size(3),
      H: size(3),
      O: size(2),
      layers: fc.integer({ min: 1, max: 2 }),
      drop: often(fc.constant<string[]>([]), fc.subarray(names, { minLength: 1, maxLength: 2 })),
      add: often(fc.constant<string[]>([]), fc.subarray(['weight_ih_l0_reverse', 'extra', 'weight_ih_l1'], { minLength: 1, maxLength: 1 })),
      nudge: often<[string, number, number] | undefined>(fc.constant(undefined), fc.tuple(fc.constantFrom(...names), fc.integer({ min: 0, max: 2 }), fc.integer({ min: -1, max: 1 }))),
      intName: often<string | undefined>(fc.constant(undefined), fc.constantFrom(...names)),
      nanAt: often<[string, number, number] | undefined>(fc.constant(undefined), fc.tuple(fc.constantFrom(...names), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity))),
    });
    fc.assert(
      fc.property(plan, (p) => {
        const G = gateCount(p.fileArch.startsWith('rnn') ? 'rnn' : (p.fileArch as 'lstm' | 'gru'));
        const shapes: Record<string, number[]> = { 'head.weight': [p.O, p.H], 'head.bias': [p.O] };
        for (let l = 0; l < p.layers; l++) {
          shapes[`weight_ih_l${l}`] = [G * p.H, l === 0 ? p.D : p.H];
          shapes[`weight_hh_l${l}`] = [G * p.H, p.H];
          shapes[`bias_ih_l${l}`] = [G * p.H];
          shapes[`bias_hh_l${l}`] = [G * p.H];
        }
        for (const n of p.drop) delete shapes[n];
        for (const n of p.add) shapes[n] ??= [G * p.H, p.D];
        if (p.nudge !== undefined && shapes[p.nudge[0]] !== undefined) {
          const s = shapes[p.nudge[0]]!;
          if (p.nudge[1] < s.length) s[p.nudge[1]] = Math.max(0, s[p.nudge[1]]! + p.nudge[2]);
          else s.push(1);
        }
        const tensors: Record<string, tf.Tensor> = {};
        for (const [n, s] of Object.entries(shapes)) {
          const size = s.reduce((a, b) => a * b, 1);
          const values = Float32Array.from({ length: size }, (_, k) => ((k % 7) - 3) / 10);
          if (p.nanAt !== undefined && p.nanAt[0] === n && size > 0) values[p.nanAt[1] % size] = p.nanAt[2];
          tensors[n] = n === p.intName ? tf.tensor(Int32Array.from(values, Math.round), s, 'int32') : tf.tensor(values, s, 'float32');
        }
        try {
          parsesOrRejects(
            counts,
            () => netFromStateDict(p.arch ?? p.fileArch, tensors, 'made-up.safetensors'),
            (net) => {
              consistentNet(net, shapes);
              net.dispose();
            },
          );
        } finally {
          tf.dispose(Object.values(tensors));
        }
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
    expect(counts.cases).toBe(1000);
    expect(tf.memory().numTensors).toBe(before);
    report('torch weights: made-up state_dicts', counts);
  });

  describe('regressions: each hostile class is refused with this exact message', () => {
    const sd = (over: Record<string, tf.Tensor | undefined> = {}): Record<string, tf.Tensor> => {
      const base: Record<string, tf.Tensor | undefined> = {
        weight_ih_l0: tf.zeros([8, 3]),
        weight_hh_l0: tf.zeros([8, 2]),
        bias_ih_l0: tf.zeros([8]),
        bias_hh_l0: tf.zeros([8]),
        'head.weight': tf.zeros([1, 2]),
        'head.bias': tf.zeros([1]),
        ...over,
      };
      return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, tf.Tensor>;
    };
    const rejects = (arch: RecurrentArch, tensors: Record<string, tf.Tensor>, error: new (m: string) => Error, message: RegExp) => {
      try {
        expect(() => netFromStateDict(arch, tensors, 'w.safetensors')).toThrow(error);
        expect(() => netFromStateDict(arch, tensors, 'w.safetensors')).toThrow(message);
      } finally {
        tf.dispose(Object.values(tensors));
      }
    };

    test('NaN in a weight: names the tensor and the index of the first non-finite value', () => {
      const w = new Float32Array(16);
      w[7] = NaN;
      w[9] = Infinity;
      rejects('lstm', sd({ weight_hh_l0: tf.tensor(w, [8, 2]) }), FileFormatError, /^w\.safetensors: tensor "weight_hh_l0" holds NaN at index \[3, 1\] \(flat index 7\); expected finite weights \(a diverged checkpoint\?\)$/);
    });

    test('Infinity in a weight file: refused by loadTorchWeights before building the net', async () => {
      const path = join(dir, 'inf.safetensors');
      const t = sd();
      const arrays = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.dataSync() as Float32Array }]));
      arrays['bias_ih_l0']!.data = Float32Array.from(arrays['bias_ih_l0']!.data, (_, i) => (i === 5 ? -Infinity : 0));
      tf.dispose(Object.values(t));
      await writeFile(path, encodeSafetensors(arrays));
      const before = tf.memory().numTensors;
      await expect(loadTorchWeights('lstm', path)).rejects.toThrow(
        new RegExp(`^${escape(path)}: tensor "bias_ih_l0" holds -Infinity at index \\[5\\] \\(flat index 5\\); expected finite values \\(a diverged checkpoint\\?\\)$`),
      );
      expect(tf.memory().numTensors).toBe(before);
    });

    test('missing tensor name', () => {
      rejects('lstm', sd({ 'head.bias': undefined }), FileFormatError, /^w\.safetensors: expected a tensor named "head\.bias", found none \(tensors: bias_hh_l0, bias_ih_l0, head\.weight, weight_hh_l0, weight_ih_l0\)$/);
    });

    test('duplicate tensor name in the file', async () => {
      const path = join(dir, 'dup.safetensors');
      const entry = JSON.stringify({ dtype: 'F32', shape: [1], data_offsets: [0, 4] });
      const header = Buffer.from(`{"head.bias":${entry},"head.bias":${JSON.stringify({ dtype: 'F32', shape: [1], data_offsets: [4, 8] })}}`);
      const bytes = new Uint8Array(8 + header.length + 8);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
      bytes.set(header, 8);
      await writeFile(path, bytes);
      await expect(loadTorchWeights('lstm', path)).rejects.toThrow(
        new RegExp(`^${escape(path)}: duplicate key "head\\.bias" in the header \\(a name may appear only once\\)$`),
      );
    });

    test('shapes that do not fit the architecture', () => {
      rejects('gru', sd(), ShapeError, /^w\.safetensors: expected "weight_ih_l0" to have 3·H rows for arch "gru" \(gates 3\), got shape \[8, 3\]$/);
      rejects('lstm', sd({ 'head.bias': tf.zeros([2]) }), ShapeError, /^w\.safetensors: expected "head\.bias" to have shape \[1\] \(outputs\), got \[2\]$/);
      rejects('lstm', sd({ weight_ih_l0: tf.zeros([8, 0]) }), ShapeError, /^w\.safetensors: expected "weight_ih_l0" to have at least one column \(input size D ≥ 1\), got shape \[8, 0\]$/);
      rejects('lstm', sd({ 'head.weight': tf.zeros([0, 2]), 'head.bias': tf.zeros([0]) }), ShapeError, /^w\.safetensors: expected "head\.weight" to have at least one row \(outputs O ≥ 1\), got shape \[0, 2\]$/);
    });

    test('wrong dtype', () => {
      rejects('lstm', sd({ bias_hh_l0: tf.zeros([8], 'int32') }), FileFormatError, /^w\.safetensors: expected "bias_hh_l0" to hold floating-point values, got dtype int32$/);
    });

    test('arguments that are not a state_dict', () => {
      const t = tf.zeros([2]);
      t.dispose();
      expect(() => netFromStateDict('lstm', { 'head.bias': 3 } as never, 'w.safetensors')).toThrow(ValidationError);
      expect(() => netFromStateDict('lstm', { 'head.bias': 3 } as never, 'w.safetensors')).toThrow(/^w\.safetensors: expected tensors\.head\.bias to be a tf\.Tensor, got 3$/);
      expect(() => netFromStateDict('lstm', { 'head.bias': t }, 'w.safetensors')).toThrow(/^w\.safetensors: expected tensors\["head\.bias"\] to be a live tensor, got a disposed one$/);
      expect(() => netFromStateDict('lstm', null as never, 'w.safetensors')).toThrow(/^w\.safetensors: expected tensors to be an object of tf\.Tensors by name, got null$/);
    });

    test('truncated file and a header claiming [1e6, 1e6]', async () => {
      const cut = join(dir, 'cut.safetensors');
      await writeFile(cut, valid.subarray(0, valid.length - 4));
      await expect(loadTorchWeights('lstm', cut)).rejects.toThrow(new RegExp(`^${escape(cut)}: tensor "[^"]+": data_offsets \\[\\d+, \\d+\\] run past the end of the \\d+-byte data buffer \\(out of bounds\\)$`));
      const huge = join(dir, 'huge.safetensors');
      const header = Buffer.from(JSON.stringify({ weight_hh_l0: { dtype: 'F32', shape: [1_000_000, 1_000_000], data_offsets: [0, 16] } }));
      const bytes = new Uint8Array(8 + header.length + 16);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
      bytes.set(header, 8);
      await writeFile(huge, bytes);
      await expect(loadTorchWeights('lstm', huge)).rejects.toThrow(
        new RegExp(`^${escape(huge)}: tensor "weight_hh_l0": shape \\[1000000, 1000000\\] × F32 \\(4 bytes\\) = 4000000000000 bytes, but data_offsets \\[0, 16\\] span 16 bytes$`),
      );
    });
  });
});
