/**
 * Hostile RBM weight files (scikit-learn names in safetensors): fuzz and property tests of
 * `decodeRBM` / `loadRBM`. Every damaged file or made-up set of tensors either gives an RBM whose
 * sizes agree with the file, or is refused with a GradlabError naming the tensor — never a
 * TypeError / RangeError / tfjs error, and no tensor is leaked either way.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileFormatError, Rng, ValidationError, encodeSafetensors, tf, type SafetensorsArray } from '@gradlab/core';
import { BernoulliRBM, decodeRBM, encodeRBM, loadRBM } from '../src/index.js';
import { FUZZ_SEED, mutate, mutationsArb, newCounts, parsesOrRejects, report } from '../../core/test/io/hostile-bytes.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** scikit-learn-named tensors for an RBM of the given sizes (F64, as scikit-learn writes them). */
function sklearnArrays(H: number, V: number): Record<string, SafetensorsArray> {
  return {
    components_: { dtype: 'F64', shape: [H, V], data: Float64Array.from({ length: H * V }, (_, i) => ((i % 5) - 2) / 10) },
    intercept_hidden_: { dtype: 'F64', shape: [H], data: new Float64Array(H).fill(-0.5) },
    intercept_visible_: { dtype: 'F64', shape: [V], data: new Float64Array(V).fill(0.25) },
  };
}

describe('RBM safetensors loading against hostile input', () => {
  let dir = '';
  let valid: Uint8Array = new Uint8Array(0);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradlab-rbm-fuzz-'));
    const rbm = new BernoulliRBM({ numVisible: 6, numHidden: 4 }, new Rng(3));
    valid = encodeRBM(rbm);
    rbm.dispose();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('fuzz: random mutations of a saved 6×4 BernoulliRBM give a 6×4 RBM or throw a GradlabError; nothing leaks', () => {
    const counts = newCounts();
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(mutationsArb(3), (ms) => {
        parsesOrRejects(
          counts,
          () => decodeRBM(mutate(valid, ms), 'fuzz.safetensors'),
          (rbm) => {
            expect([rbm.numVisible, rbm.numHidden]).toEqual([6, 4]);
            expect(Array.from(rbm.weight.dataSync()).every(Number.isFinite)).toBe(true);
            rbm.dispose();
          },
        );
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
    expect(counts.cases).toBe(1000);
    expect(tf.memory().numTensors).toBe(before);
    report('rbm weights: mutated files', counts);
  });

  test('fuzz: damage to the data buffer only keeps the sizes (or is a refused non-finite value)', () => {
    const counts = newCounts();
    const start = 8 + Number(new DataView(valid.buffer, valid.byteOffset).getBigUint64(0, true));
    const before = tf.memory().numTensors;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: valid.length - start - 1 }), fc.oneof(fc.constantFrom(0x7f, 0xff, 0x80), fc.integer({ min: 0, max: 255 }))), { minLength: 1, maxLength: 8 }),
        (edits) => {
          const bytes = valid.slice();
          for (const [at, v] of edits) bytes[start + at] = v;
          parsesOrRejects(
            counts,
            () => decodeRBM(bytes, 'data.safetensors'),
            (rbm) => {
              expect([rbm.numVisible, rbm.numHidden]).toEqual([6, 4]);
              rbm.dispose();
            },
          );
        },
      ),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
    expect(counts.cases).toBe(500);
    expect(Object.keys(counts.rejected).every((c) => c === 'E_FILE_FORMAT')).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    report('rbm weights: data-buffer damage', counts);
  });

  test('fuzz: made-up tensor sets (names dropped or renamed, shapes nudged, dtypes, metadata) build a consistent RBM or throw a GradlabError', () => {
    const counts = newCounts();
    const before = tf.memory().numTensors;
    const names = ['components_', 'intercept_hidden_', 'intercept_visible_'];
    const often = <T,>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) => fc.oneof({ arbitrary: usual, weight: 3 }, { arbitrary: rare, weight: 1 });
    fc.assert(
      fc.property(
        fc.record({
          H: often(fc.integer({ min: 1, max: 4 }), fc.constant(0)),
          V: often(fc.integer({ min: 1, max: 4 }), fc.constant(0)),
          drop: often(fc.constant<string | undefined>(undefined), fc.constantFrom(...names)),
          nudge: often(fc.constant<[string, number] | undefined>(undefined), fc.tuple(fc.constantFrom(...names), fc.integer({ min: 0, max: 2 }))),
          dtype: often(fc.constant<[string, 'F32' | 'I32' | 'F16'] | undefined>(undefined), fc.tuple(fc.constantFrom(...names), fc.constantFrom('F32' as const, 'I32' as const, 'F16' as const))),
          kind: often(fc.constant<string | undefined>(undefined), fc.constantFrom('BernoulliRBM', 'GaussianBernoulliRBM', 'BernoulliGaussianRBM', 'DBN', '')),
          sizes: often(fc.constant(false), fc.constant(true)),
          bad: often(fc.constant<[string, number, number] | undefined>(undefined), fc.tuple(fc.constantFrom(...names), fc.nat(), fc.constantFrom(NaN, Infinity, 1e300))),
        }),
        (p) => {
          const arrays = sklearnArrays(p.H, p.V);
          if (p.drop !== undefined) delete arrays[p.drop];
          if (p.nudge !== undefined && arrays[p.nudge[0]] !== undefined) {
            const a = arrays[p.nudge[0]]!;
            const shape = a.shape.slice();
            if (p.nudge[1] < shape.length) shape[p.nudge[1]] = shape[p.nudge[1]]! + 1;
            else shape.push(1);
            arrays[p.nudge[0]] = { dtype: 'F64', shape, data: new Float64Array(shape.reduce((x, y) => x * y, 1)) };
          }
          if (p.bad !== undefined && arrays[p.bad[0]] !== undefined && arrays[p.bad[0]]!.data.length > 0) {
            const d = arrays[p.bad[0]]!.data as Float64Array;
            d[p.bad[1] % d.length] = p.bad[2];
          }
          if (p.dtype !== undefined && arrays[p.dtype[0]] !== undefined) {
            const a = arrays[p.dtype[0]]!;
            const d = a.data as Float64Array;
            arrays[p.dtype[0]] = {
              dtype: p.dtype[1],
              shape: a.shape,
              data: p.dtype[1] === 'F32' ? Float32Array.from(d) : p.dtype[1] === 'I32' ? Int32Array.from(d, (v) => (Number.isFinite(v) ? Math.round(v) : 0)) : Uint16Array.from(d, () => 0x3c00),
            };
          }
          const metadata: Record<string, string> = {};
          if (p.kind !== undefined) metadata['gradlab_model'] = p.kind;
          if (p.sizes) Object.assign(metadata, { n_components: String(p.H), n_features_in: String(p.V + (p.H % 2)) });
          const bytes = encodeSafetensors(arrays, metadata);
          parsesOrRejects(
            counts,
            () => decodeRBM(bytes, 'made-up.safetensors'),
            (rbm) => {
              expect([rbm.numHidden, rbm.numVisible]).toEqual(arrays['components_']!.shape);
              expect(Array.from(rbm.weight.dataSync()).every(Number.isFinite)).toBe(true);
              rbm.dispose();
            },
          );
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
    expect(counts.cases).toBe(1000);
    expect(tf.memory().numTensors).toBe(before);
    report('rbm weights: made-up tensor sets', counts);
  });

  describe('regressions: each hostile class is refused with this exact message', () => {
    const file = (arrays: Record<string, SafetensorsArray>, metadata?: Record<string, string>) => encodeSafetensors(arrays, metadata);

    test('NaN in the weights: names the tensor and the index of the first non-finite value', () => {
      const a = sklearnArrays(2, 3);
      (a['components_']!.data as Float64Array)[4] = NaN;
      expect(() => decodeRBM(file(a), 'nan.safetensors')).toThrow(FileFormatError);
      expect(() => decodeRBM(file(a), 'nan.safetensors')).toThrow(
        /^nan\.safetensors: tensor "components_" holds NaN at index \[1, 1\] \(flat index 4\); expected finite values \(a diverged checkpoint\?\)$/,
      );
    });

    test('a float64 value beyond the float32 range', () => {
      const a = sklearnArrays(2, 3);
      (a['intercept_visible_']!.data as Float64Array)[2] = -1e300;
      expect(() => decodeRBM(file(a), 'big.safetensors')).toThrow(
        /^big\.safetensors: tensor "intercept_visible_" holds -1e\+300 at index \[2\] \(flat index 2\), beyond the float32 range; expected finite values \(a diverged model\?\)$/,
      );
    });

    test('missing tensor name', () => {
      const a = sklearnArrays(2, 3);
      delete a['intercept_hidden_'];
      expect(() => decodeRBM(file(a), 'miss.safetensors')).toThrow(
        /^miss\.safetensors: expected a tensor named "intercept_hidden_" \(scikit-learn BernoulliRBM names: components_, intercept_hidden_, intercept_visible_\), got tensors "components_", "intercept_visible_"$/,
      );
    });

    test('duplicate tensor name', () => {
      const header = Buffer.from(
        `{"components_":${JSON.stringify({ dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] })},"components_":${JSON.stringify({ dtype: 'F32', shape: [1, 1], data_offsets: [4, 8] })}}`,
      );
      const bytes = new Uint8Array(8 + header.length + 8);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
      bytes.set(header, 8);
      expect(() => decodeRBM(bytes, 'dup.safetensors')).toThrow(/^dup\.safetensors: duplicate key "components_" in the header \(a name may appear only once\)$/);
    });

    test('shapes that do not fit together, and an empty layer', () => {
      const a = sklearnArrays(2, 3);
      a['intercept_visible_'] = { dtype: 'F64', shape: [4], data: new Float64Array(4) };
      expect(() => decodeRBM(file(a), 'shape.safetensors')).toThrow(
        /^shape\.safetensors: expected "intercept_visible_" of shape \[3\] \(components_ is \[2,3\]\), got \[4\]$/,
      );
      expect(() => decodeRBM(file(sklearnArrays(0, 3)), 'empty.safetensors')).toThrow(
        /^empty\.safetensors: expected "components_" of shape \[hidden, visible\] with both sizes ≥ 1, got \[0,3\]$/,
      );
    });

    test('metadata sizes that disagree with the tensors', () => {
      expect(() => decodeRBM(file(sklearnArrays(2, 3), { n_components: '5' }), 'meta.safetensors')).toThrow(
        /^meta\.safetensors: metadata n_components is "5" but "components_" says 2; expected them to agree$/,
      );
    });

    test('wrong dtype', () => {
      const a = sklearnArrays(2, 3);
      a['components_'] = { dtype: 'I32', shape: [2, 3], data: new Int32Array(6) };
      expect(() => decodeRBM(file(a), 'int.safetensors')).toThrow(/^int\.safetensors: expected tensor "components_" to have dtype F32 or F64, got I32$/);
    });

    test('truncated file, wrong magic, and a header claiming [1e6, 1e6]', async () => {
      expect(() => decodeRBM(valid.subarray(0, 6), 'cut.safetensors')).toThrow(/^cut\.safetensors: the file is 6 bytes, too short for the 8-byte header length \(truncated\?\)$/);
      expect(() => decodeRBM(new TextEncoder().encode('<html>not weights</html>'), 'page.safetensors')).toThrow(/^page\.safetensors: header length \d+ is absurd/);
      const header = Buffer.from(JSON.stringify({ components_: { dtype: 'F32', shape: [1_000_000, 1_000_000], data_offsets: [0, 16] } }));
      const bytes = new Uint8Array(8 + header.length + 16);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
      bytes.set(header, 8);
      const path = join(dir, 'huge.safetensors');
      await writeFile(path, bytes);
      await expect(loadRBM(path)).rejects.toThrow(
        new RegExp(`^${escape(path)}: tensor "components_": shape \\[1000000, 1000000\\] × F32 \\(4 bytes\\) = 4000000000000 bytes, but data_offsets \\[0, 16\\] span 16 bytes$`),
      );
    });

    test('bytes that are not bytes', () => {
      expect(() => decodeRBM('weights.safetensors' as never, 'x')).toThrow(ValidationError);
      expect(() => decodeRBM('weights.safetensors' as never, 'x')).toThrow(/^decodeRBM: expected bytes to be a Uint8Array, got "weights\.safetensors"$/);
    });
  });
});
