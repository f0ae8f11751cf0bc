/**
 * Hostile safetensors files: property-based and fuzz tests for the reader. A damaged or made-up
 * file either decodes to tensors whose data fits their shape and dtype, or is refused with a
 * GradlabError — never a TypeError / RangeError / tfjs error, and never an allocation sized by a
 * lying header. The tf conversion (`loadSafetensors`) is fuzzed through files as well.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  FileFormatError,
  ValidationError,
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  tf,
  type DecodedSafetensors,
  type SafetensorsArray,
} from '@gradlab/core';
import { FUZZ_SEED, allocatedBytes, mutate, mutationsArb, newCounts, parsesOrRejects, parsesOrRejectsAsync, report } from './hostile-bytes.js';

/** A file by hand: u64 LE header length, the header text as given, then the buffer. */
function raw(header: string, buffer: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = Buffer.from(header, 'utf8');
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

const SIZE: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 };

/** Every decoded tensor's data holds product(shape) elements of its dtype. */
function consistent(d: DecodedSafetensors): void {
  for (const t of Object.values(d.tensors)) {
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    expect(t.data.BYTES_PER_ELEMENT).toBe(SIZE[t.dtype]);
  }
}

const TENSORS: Record<string, SafetensorsArray> = {
  weight_ih_l0: { dtype: 'F32', shape: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => i / 4 - 1) },
  bias_ih_l0: { dtype: 'F64', shape: [4], data: new Float64Array([0.5, -0.5, 1, 2]) },
  half: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
  steps: { dtype: 'I64', shape: [], data: new BigInt64Array([7n]) },
  mask: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
};
const VALID = encodeSafetensors(TENSORS, { format: 'pt' });

// Plausible files: valid dtypes and small shapes laid out contiguously, then one field nudged.
const plausible = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'a'), fc.constantFrom(...Object.keys(SIZE)), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })), { maxLength: 4 })
  .chain((list) => {
    let at = 0;
    const entries: Array<[string, unknown]> = list.map(([n, dtype, shape]) => {
      const nbytes = shape.reduce((a, b) => a * b, 1) * SIZE[dtype]!;
      const e = { dtype, shape, data_offsets: [at, at + nbytes] };
      at += nbytes;
      return [n, e];
    });
    return fc.tuple(fc.constant(entries), fc.constant(at), fc.integer({ min: 0, max: 8 }), fc.integer({ min: -2, max: 2 }));
  })
  .map(([laidOut, total, nudge, by]) => {
    const entries = laidOut.map(([k, v]): [string, unknown] => [k, structuredClone(v)]); // fc.constant shares its value
    const target = entries[nudge % Math.max(1, entries.length)];
    if (target !== undefined && nudge >= 4) {
      const e = target[1] as { data_offsets: number[]; shape: number[] };
      if (nudge === 4) e.data_offsets[0] = Math.max(0, e.data_offsets[0]! + by);
      else if (nudge === 5) e.data_offsets[1] = Math.max(0, e.data_offsets[1]! + by);
      else if (nudge === 6) e.shape = [...e.shape, 2];
    }
    return { entries, bufferLength: Math.max(0, total + (nudge === 7 ? by : 0)) };
  });

/** A plausible file's bytes, with random (non-finite included) data. */
const plausibleFile = fc.tuple(plausible, fc.integer({ min: 0, max: 255 })).map(([{ entries, bufferLength }, fill]) =>
  raw(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`, new Uint8Array(bufferLength).fill(fill)),
);

describe('safetensors reader against hostile files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradlab-st-fuzz-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('fuzz: random mutations of a valid file decode consistently or throw a GradlabError', () => {
    const counts = newCounts();
    fc.assert(
      fc.property(mutationsArb(), fc.constantFrom('allow' as const, 'reject' as const), (ms, nonFinite) => {
        parsesOrRejects(counts, () => decodeSafetensors(mutate(VALID, ms), 'fuzz.safetensors', { nonFinite }), consistent);
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
    expect(counts.cases).toBe(1000);
    expect(Object.keys(counts.rejected)).toEqual(['E_FILE_FORMAT']);
    report('safetensors byte mutations', counts);
  });

  test('fuzz: damage to the data buffer only keeps every name, dtype and shape', () => {
    const counts = newCounts();
    const n = Number(new DataView(VALID.buffer).getBigUint64(0, true));
    const start = 8 + n;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: VALID.length - start - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const bytes = VALID.slice();
        for (const [at, v] of edits) bytes[start + at] = v;
        parsesOrRejects(
          counts,
          () => decodeSafetensors(bytes, 'data.safetensors'),
          (d) => {
            for (const [name, t] of Object.entries(TENSORS)) {
              expect(d.tensors[name]!.dtype).toBe(t.dtype);
              expect(d.tensors[name]!.shape).toEqual(t.shape);
            }
          },
        );
      }),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
    expect(counts).toEqual({ cases: 500, parsed: 500, rejected: {} });
    report('safetensors data-buffer damage', counts);
  });

  test('fuzz: made-up headers (any dtype, shape, offsets, duplicates, metadata) decode consistently or are refused before allocation', () => {
    const counts = newCounts();
    const dim = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(1e6, 2 ** 31, 2 ** 53, -1, 1.5, 'x', null), fc.nat());
    const offset = fc.oneof(fc.integer({ min: 0, max: 48 }), fc.constantFrom(-1, 2 ** 53, 1e15, 0.5, '0', null), fc.nat());
    const entry = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom(...Object.keys(SIZE)), fc.constantFrom('F8_E4M3', 'f32', 'C64', '', 7)),
        shape: fc.oneof(fc.array(dim, { maxLength: 4 }), fc.constantFrom('[2]', null, {}, 3)),
        data_offsets: fc.oneof(fc.tuple(offset, offset), fc.array(offset, { maxLength: 3 }), fc.constant(null)),
      },
      { requiredKeys: ['dtype', 'shape', 'data_offsets'] },
    );
    const name = fc.constantFrom('a', 'b', 'weight_ih_l0', '__metadata__', '', 'é', '__proto__', 'constructor');
    const anything = fc.tuple(name, fc.oneof(entry, fc.constantFrom(null, 1, 'x', [], { dtype: 'F32' }), fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 })));
    fc.assert(
      fc.property(
        fc.oneof(plausible, fc.record({ entries: fc.array(anything, { maxLength: 4 }), bufferLength: fc.integer({ min: 0, max: 48 }) })),
        fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 })),
        ({ entries, bufferLength }, headerSkew) => {
          // Built as text, so duplicate names really are duplicated in the header.
          const header = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
          const length = BigInt(Math.max(0, Buffer.byteLength(header) + headerSkew));
          const bytes = raw(header, new Uint8Array(bufferLength).fill(0x40), length);
          const before = allocatedBytes();
          parsesOrRejects(counts, () => decodeSafetensors(bytes, 'made-up.safetensors', { nonFinite: 'reject' }), consistent);
          expect(allocatedBytes() - before).toBeLessThan(64 * 2 ** 20);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
    expect(counts.cases).toBe(1000);
    expect(Object.keys(counts.rejected)).toEqual(['E_FILE_FORMAT']);
    report('safetensors made-up headers', counts);
  });

  test('fuzz: loadSafetensors (tf conversion) on mutated and made-up files returns tensors or throws a GradlabError, and leaks nothing', async () => {
    const counts = newCounts();
    const before = tf.memory().numTensors;
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutationsArb(3).map((ms) => mutate(VALID, ms)), plausibleFile), async (bytes) => {
        const path = join(dir, `m${i++ % 4}.safetensors`);
        await writeFile(path, bytes);
        await parsesOrRejectsAsync(
          counts,
          () => loadSafetensors(path, { nonFinite: 'reject' }),
          ({ tensors }) => {
            for (const t of Object.values(tensors)) expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
            tf.dispose(Object.values(tensors));
          },
        );
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(counts.cases).toBe(300);
    expect(tf.memory().numTensors).toBe(before);
    report('loadSafetensors on mutated and made-up files', counts);
  });

  test('property: encode then decode is the identity for any tensors', () => {
    let cases = 0;
    const tensor = fc.oneof(
      fc.array(fc.float(), { maxLength: 12 }).map((d): SafetensorsArray => ({ dtype: 'F32', shape: [d.length], data: Float32Array.from(d) })),
      fc.array(fc.double(), { maxLength: 12 }).map((d): SafetensorsArray => ({ dtype: 'F64', shape: [d.length], data: Float64Array.from(d) })),
      fc.array(fc.integer(), { maxLength: 12 }).map((d): SafetensorsArray => ({ dtype: 'I32', shape: [d.length], data: Int32Array.from(d) })),
      fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 6 }).map((d): SafetensorsArray => ({ dtype: 'I64', shape: [d.length], data: BigInt64Array.from(d) })),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__metadata__'), tensor, { maxKeys: 5 }), (tensors) => {
        cases++;
        const back = decodeSafetensors(encodeSafetensors(tensors), 'round-trip');
        expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
        for (const [k, t] of Object.entries(tensors)) {
          expect(back.tensors[k]!.shape).toEqual(t.shape);
          expect(Array.from(back.tensors[k]!.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
        }
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(cases).toBe(300);
    console.info(`[fuzz] safetensors round trip: ${cases} cases`);
  });

  describe('regressions: each hostile class is refused with this exact message', () => {
    const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

    test('truncated: shorter than the 8-byte header length', () => {
      expect(() => decodeSafetensors(new Uint8Array(5), 'cut.safetensors')).toThrow(
        /^cut\.safetensors: the file is 5 bytes, too short for the 8-byte header length \(truncated\?\)$/,
      );
    });

    test('truncated: the data buffer ends early', () => {
      const bytes = VALID.slice(0, VALID.length - 3);
      expect(() => decodeSafetensors(bytes, 'short.safetensors')).toThrow(FileFormatError);
      expect(() => decodeSafetensors(bytes, 'short.safetensors')).toThrow(
        /^short\.safetensors: tensor "mask": data_offsets \[\d+, \d+\] run past the end of the \d+-byte data buffer \(out of bounds\)$/,
      );
    });

    test('wrong magic: not a safetensors file at all', () => {
      const bytes = new TextEncoder().encode('PK\u0003\u0004 this is a zip file, not safetensors');
      expect(() => decodeSafetensors(bytes, 'zip.safetensors')).toThrow(
        /^zip\.safetensors: header length 7595448452415441744 is absurd \(more than 100000000 bytes\); is this a safetensors file\?$/,
      );
    });

    test('header length past the end of the file', () => {
      expect(() => decodeSafetensors(raw('{}', new Uint8Array(0), 100n), 'past.safetensors')).toThrow(
        /^past\.safetensors: header length 100 runs past the end of the file \(10 bytes leave 2 for the header\)$/,
      );
    });

    test('shape [1e6, 1e6] declared over 16 bytes is refused before any allocation', () => {
      const bytes = raw(JSON.stringify({ w: f32([1_000_000, 1_000_000], 0, 16) }), new Uint8Array(16));
      const before = allocatedBytes();
      expect(() => decodeSafetensors(bytes, 'huge.safetensors')).toThrow(
        /^huge\.safetensors: tensor "w": shape \[1000000, 1000000\] × F32 \(4 bytes\) = 4000000000000 bytes, but data_offsets \[0, 16\] span 16 bytes$/,
      );
      expect(allocatedBytes() - before).toBeLessThan(16 * 2 ** 20);
    });

    test('shape [1e6, 1e6] with offsets to match is refused as out of bounds before any allocation', () => {
      const bytes = raw(JSON.stringify({ w: f32([1_000_000, 1_000_000], 0, 4e12) }), new Uint8Array(16));
      const before = allocatedBytes();
      expect(() => decodeSafetensors(bytes, 'huge.safetensors')).toThrow(
        /^huge\.safetensors: tensor "w": data_offsets \[0, 4000000000000\] run past the end of the 16-byte data buffer \(out of bounds\)$/,
      );
      expect(allocatedBytes() - before).toBeLessThan(16 * 2 ** 20);
    });

    test('dims whose product overflows doubles are compared exactly', () => {
      // 2^32 · 2^32 · 2^32 · 4 rounds to nothing in particular in floating point; BigInt keeps it exact.
      const bytes = raw(JSON.stringify({ w: f32([2 ** 32, 2 ** 32, 2 ** 32, 0], 0, 0), v: f32([2 ** 40, 2 ** 40], 0, 4) }), new Uint8Array(4));
      expect(() => decodeSafetensors(bytes, 'ovf.safetensors')).toThrow(
        /^ovf\.safetensors: tensor "v": shape \[1099511627776, 1099511627776\] × F32 \(4 bytes\) = 4835703278458516698824704 bytes, but data_offsets \[0, 4\] span 4 bytes$/,
      );
    });

    test('wrong dtype: unknown, and known but unsupported', () => {
      expect(() => decodeSafetensors(raw(JSON.stringify({ w: { dtype: 'float32', shape: [1], data_offsets: [0, 4] } }), new Uint8Array(4)), 'dt.safetensors')).toThrow(
        /^dt\.safetensors: tensor "w": unknown dtype "float32", expected one of BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64$/,
      );
      expect(() => decodeSafetensors(raw(JSON.stringify({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }), new Uint8Array(1)), 'f8.safetensors')).toThrow(
        /^f8\.safetensors: tensor "w": dtype F8_E4M3 is not supported; gradlab reads BOOL, U8/,
      );
    });

    test('duplicate tensor names', () => {
      const header = `{"w":${JSON.stringify(f32([1], 0, 4))},"w":${JSON.stringify(f32([1], 4, 8))}}`;
      expect(() => decodeSafetensors(raw(header, new Uint8Array(8)), 'dup.safetensors')).toThrow(
        /^dup\.safetensors: duplicate key "w" in the header \(a name may appear only once\)$/,
      );
    });

    test('NaN / Infinity: allowed by default, refused on request naming the tensor and the index', () => {
      const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2, 3], data: new Float32Array([0, 1, 2, 3, 4, NaN]) } });
      expect(Number.isNaN(decodeSafetensors(bytes, 'nan.safetensors').tensors['w']!.data[5])).toBe(true);
      expect(() => decodeSafetensors(bytes, 'nan.safetensors', { nonFinite: 'reject' })).toThrow(
        /^nan\.safetensors: tensor "w" holds NaN at index \[1, 2\] \(flat index 5\); expected finite values \(a diverged checkpoint\?\)$/,
      );
      const half = encodeSafetensors({ h: { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0x3c00, 0xfc00]) } });
      expect(() => decodeSafetensors(half, 'half.safetensors', { nonFinite: 'reject' })).toThrow(
        /^half\.safetensors: tensor "h" holds -Infinity at index \[2\] \(flat index 2\); expected finite values/,
      );
      const bf = encodeSafetensors({ b: { dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0x7fc0]) } });
      expect(() => decodeSafetensors(bf, 'bf.safetensors', { nonFinite: 'reject' })).toThrow(/^bf\.safetensors: tensor "b" holds NaN at index \[1\] \(flat index 1\)/);
      expect(() => decodeSafetensors(bytes, 'x', { nonFinite: 'nope' } as never)).toThrow(ValidationError);
      expect(() => decodeSafetensors(bytes, 'x', { nonFinite: 'nope' } as never)).toThrow(
        /^decodeSafetensors: expected nonFinite to be one of "allow", "reject", got "nope"$/,
      );
    });

    test('an F64 value beyond the float32 range is refused by loadSafetensors with nonFinite reject', async () => {
      const path = join(dir, 'big.safetensors');
      await writeFile(path, encodeSafetensors({ w: { dtype: 'F64', shape: [2], data: new Float64Array([1, 1e300]) } }));
      const before = tf.memory().numTensors;
      await expect(loadSafetensors(path, { nonFinite: 'reject' })).rejects.toThrow(
        new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: tensor "w" holds 1e\\+300 at index \\[1\\] \\(flat index 1\\), beyond the float32 range; expected finite values \\(a diverged checkpoint\\?\\)$`),
      );
      expect(tf.memory().numTensors).toBe(before);
      const { tensors } = await loadSafetensors(path);
      expect(Array.from(tensors['w']!.dataSync())).toEqual([1, Infinity]);
      tf.dispose(Object.values(tensors));
    });
  });
});
