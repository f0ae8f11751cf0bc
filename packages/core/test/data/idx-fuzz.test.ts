/**
 * Hostile IDX files: property-based and fuzz tests. Every damaged or made-up file either parses
 * to a consistent array or is refused with a GradlabError naming the problem — never a
 * TypeError / RangeError, a hang, or an allocation sized by a lying header.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FileFormatError, parseIdx, type IdxArray, type IdxDtype } from '@gradlab/core';
import { MAX_IDX_DATA_BYTES, encodeIdx } from '../../src/data/idx.js';
import { FUZZ_SEED, allocatedBytes, concat, mutate, mutationsArb, newCounts, parsesOrRejects, report } from '../io/hostile-bytes.js';

/** An IDX header by hand: magic, dtype byte, ndims, big-endian dims. */
function header(dtypeByte: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  out[2] = dtypeByte;
  out[3] = dims.length;
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  return out;
}

const SIZE: Record<IdxDtype, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/** A parsed array is self-consistent: data length = product(shape), typed array of the dtype. */
function consistent(a: IdxArray): void {
  expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
  expect(a.data.BYTES_PER_ELEMENT).toBe(SIZE[a.dtype]);
}

const VALID: Array<[string, Uint8Array]> = [
  ['uint8 [3, 4, 5]', encodeIdx({ dtype: 'uint8', shape: [3, 4, 5], data: Array.from({ length: 60 }, (_, i) => (i * 37) % 256) })],
  ['int16 [6, 2]', encodeIdx({ dtype: 'int16', shape: [6, 2], data: [-32768, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 32767] })],
  ['float32 [2, 3]', encodeIdx({ dtype: 'float32', shape: [2, 3], data: [0.5, -1, 2, 1e-3, 3.25, 7] })],
  ['float64 [4]', encodeIdx({ dtype: 'float64', shape: [4], data: [1, -2, Math.PI, 1e300] })],
  ['uint8 [10] gzipped', encodeIdx({ dtype: 'uint8', shape: [10], data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }, { gzip: true })],
  ['float32 [2, 2] gzipped', encodeIdx({ dtype: 'float32', shape: [2, 2], data: [1, 2, 3, 4] }, { gzip: true })],
];

describe('IDX reader against hostile files', () => {
  test.each(VALID)('fuzz: random mutations of a valid %s file parse consistently or throw a GradlabError', (name, valid) => {
    const counts = newCounts();
    consistent(parseIdx(valid, 'valid.idx'));
    fc.assert(
      fc.property(mutationsArb(), (ms) => {
        parsesOrRejects(
          counts,
          () => parseIdx(mutate(valid, ms), 'fuzz.idx'),
          (a) => {
            consistent(a);
            // A damaged file that still parses holds no more elements than its bytes can carry.
            if (valid[0] === 0) expect(a.data.length * a.data.BYTES_PER_ELEMENT).toBeLessThanOrEqual(valid.length + 64);
            expect(a.shape.length).toBeGreaterThan(0);
          },
        );
      }),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
    expect(counts.cases).toBe(500);
    report(`idx mutations of ${name}`, counts);
  });

  test('fuzz: damage to the data section of a plain file keeps its dtype and shape (or is a refused NaN)', () => {
    const counts = newCounts();
    const valid = VALID[2]![1]; // float32 [2, 3]: flipped bits can make NaN / Infinity
    const headerBytes = 4 + 4 * 2;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 23 }), fc.oneof(fc.constantFrom(0x7f, 0xff, 0x80, 0xc0), fc.integer({ min: 0, max: 255 }))), { minLength: 1, maxLength: 8 }), (edits) => {
        const bytes = valid.slice();
        for (const [at, value] of edits) bytes[headerBytes + at] = value;
        parsesOrRejects(
          counts,
          () => parseIdx(bytes, 'data.idx'),
          (a) => {
            expect(a.dtype).toBe('float32');
            expect(a.shape).toEqual([2, 3]);
            expect(Array.from(a.data).every(Number.isFinite)).toBe(true);
          },
        );
      }),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
    expect(counts.cases).toBe(500);
    expect(Object.keys(counts.rejected).every((code) => code === 'E_FILE_FORMAT')).toBe(true);
    report('idx data-section damage (float32 [2, 3])', counts);
  });

  test('fuzz: made-up headers (any dtype byte, 0–5 dims up to 2^32−1, any data length) are parsed or refused before allocation', () => {
    const counts = newCounts();
    const dim = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(0xffffffff, 1_000_000, 65536), fc.integer({ min: 0, max: 0xffffffff }));
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e), fc.integer({ min: 0, max: 255 })),
        fc.array(dim, { minLength: 0, maxLength: 5 }),
        fc.oneof(fc.constant('exact' as const), fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 64 })),
        fc.boolean(),
        (dtypeByte, dims, length, gzip) => {
          // 'exact' (or a small offset from it): as many data bytes as the dims ask, when that is small.
          const size = ({ 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 } as Record<number, number>)[dtypeByte] ?? 1;
          const wanted = dims.reduce((a, b) => a * b, 1) * size;
          const small = wanted <= 4096 ? wanted : 7;
          const dataLength = length === 'exact' ? small : typeof length === 'number' && length <= 2 && length >= -2 ? Math.max(0, small + length) : length;
          const plain = concat(header(dtypeByte, dims), new Uint8Array(dataLength).fill(0x3f));
          const before = allocatedBytes();
          parsesOrRejects(counts, () => parseIdx(gzip ? new Uint8Array(gzipSync(plain)) : plain, 'made-up.idx'), consistent);
          // No case may allocate more than a few MB, whatever its header claims.
          expect(allocatedBytes() - before).toBeLessThan(64 * 2 ** 20);
        },
      ),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
    expect(counts.cases).toBe(1000);
    report('idx made-up headers', counts);
  });

  test('property: any array written by encodeIdx reads back equal, plain and gzipped', () => {
    let cases = 0;
    const arrays = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }).map((d) => ({ dtype: 'uint8' as const, data: d })),
      fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 1, maxLength: 40 }).map((d) => ({ dtype: 'int16' as const, data: d })),
      fc.array(fc.integer(), { minLength: 1, maxLength: 40 }).map((d) => ({ dtype: 'int32' as const, data: d })),
      fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 }).map((d) => ({ dtype: 'float32' as const, data: d })),
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 }).map((d) => ({ dtype: 'float64' as const, data: d })),
    );
    fc.assert(
      fc.property(arrays, fc.boolean(), ({ dtype, data }, gzip) => {
        cases++;
        const shape = data.length % 2 === 0 ? [2, data.length / 2] : [data.length];
        const back = parseIdx(encodeIdx({ dtype, shape, data }, { gzip }), 'round-trip.idx');
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(shape);
        expect(Array.from(back.data)).toEqual(data); // bit-exact: -0 reads back as -0
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(cases).toBe(300);
    console.info(`[fuzz] idx round trip: ${cases} cases`);
  });

  describe('regressions: each hostile class is refused with this exact message', () => {
    test('truncated: a file shorter than the magic', () => {
      expect(() => parseIdx(new Uint8Array([0, 0, 8]), 't.idx')).toThrow(
        new FileFormatError('t.idx: truncated header: the file has 3 bytes, fewer than the 4-byte IDX magic'),
      );
      expect(() => parseIdx(new Uint8Array([0, 0, 8]), 't.idx')).toThrow(/^t\.idx: truncated header: the file has 3 bytes, fewer than the 4-byte IDX magic$/);
    });

    test('truncated: the data ends early', () => {
      const bytes = concat(header(0x08, [2, 3]), new Uint8Array(5));
      expect(() => parseIdx(bytes, 'short.idx')).toThrow(
        /^short\.idx: dims \[2, 3\] × 1-byte uint8 need 6 data bytes, but the file has only 5 after the header \(truncated\?\)$/,
      );
    });

    test('wrong magic', () => {
      expect(() => parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'zip.idx')).toThrow(
        /^zip\.idx: wrong magic: the file starts 0x50 0x4b 0x03 0x04, expected 0x00 0x00 <dtype> <ndims> \(is it an IDX file\?\)$/,
      );
    });

    test('wrong dtype byte', () => {
      expect(() => parseIdx(concat(header(0x0a, [1]), new Uint8Array(1)), 'dt.idx')).toThrow(
        /^dt\.idx: unknown dtype byte 0x0a, expected one of 0x08 \(uint8\), 0x09 \(int8\), 0x0b \(int16\), 0x0c \(int32\), 0x0d \(float32\), 0x0e \(float64\)$/,
      );
    });

    test('header length past the end: more dims than the file holds', () => {
      const bytes = new Uint8Array([0, 0, 8, 200, 0, 0, 0, 1]);
      expect(() => parseIdx(bytes, 'dims.idx')).toThrow(/^dims\.idx: truncated header: 200 dimensions need a 804-byte header, the file has 8 bytes$/);
    });

    test('dims whose product overflows: 10^6 × 10^6 on a 20-byte file is refused before any allocation', () => {
      const bytes = concat(header(0x08, [1_000_000, 1_000_000]), new Uint8Array(8));
      expect(bytes.length).toBe(20);
      const before = allocatedBytes();
      expect(() => parseIdx(bytes, 'huge.idx')).toThrow(
        new RegExp(
          `^huge\\.idx: dims \\[1000000, 1000000\\] call for 1000000000000 uint8 elements \\(1000000000000 bytes\\), more than the ${MAX_IDX_DATA_BYTES}-byte limit; refusing to allocate \\(corrupt header\\?\\)$`,
        ),
      );
      expect(allocatedBytes() - before).toBeLessThan(16 * 2 ** 20);
    });

    test('dims whose product overflows 2^64 (255 dims of 2^32−1) are refused before any allocation', () => {
      const bytes = header(0x0e, new Array<number>(255).fill(0xffffffff));
      const before = allocatedBytes();
      expect(() => parseIdx(bytes, 'overflow.idx')).toThrow(/^overflow\.idx: dims \[4294967295, .*\] call for \d+ float64 elements \(\d+ bytes\), more than the 2147483648-byte limit; refusing to allocate/);
      expect(allocatedBytes() - before).toBeLessThan(16 * 2 ** 20);
    });

    test('a gzipped header claiming 10^6 × 10^6 is refused before decompressing', () => {
      const gz = new Uint8Array(gzipSync(concat(header(0x08, [1000, 1000, 1000]), new Uint8Array(8))));
      const before = allocatedBytes();
      expect(() => parseIdx(gz, 'bomb.idx.gz')).toThrow(
        new RegExp(`^bomb\\.idx\\.gz: dims \\[1000, 1000, 1000\\] need 1000000000 data bytes, but a ${gz.length}-byte gzip stream decompresses to at most ${gz.length * 1032} \\(truncated file or corrupt header\\?\\)$`),
      );
      expect(allocatedBytes() - before).toBeLessThan(16 * 2 ** 20);
    });

    test('dims that do not match the data: trailing bytes', () => {
      expect(() => parseIdx(concat(header(0x0c, [2]), new Uint8Array(9)), 'long.idx')).toThrow(
        /^long\.idx: 1 trailing bytes: dims \[2\] × 4-byte int32 need 8 data bytes, but the file has 9 after the header$/,
      );
    });

    test('NaN / Infinity in a float file is refused naming the element; allowed on request', () => {
      const bytes = encodeIdx({ dtype: 'float32', shape: [2, 3], data: [0, 1, 2, 3, NaN, 5] });
      expect(() => parseIdx(bytes, 'nan.idx')).toThrow(
        /^nan\.idx: element \[1, 1\] \(flat index 4\) is NaN; expected finite float32 values \(pass \{ nonFinite: 'allow' \} to read NaN and Infinity\)$/,
      );
      const inf = encodeIdx({ dtype: 'float64', shape: [3], data: [0, -Infinity, 1] });
      expect(() => parseIdx(inf, 'inf.idx')).toThrow(/^inf\.idx: element \[1\] \(flat index 1\) is -Infinity; expected finite float64 values/);
      expect(Array.from(parseIdx(bytes, 'nan.idx', { nonFinite: 'allow' }).data)).toEqual([0, 1, 2, 3, NaN, 5]);
      expect(() => parseIdx(bytes, 'nan.idx', { nonFinite: 'keep' } as never)).toThrow(
        /^parseIdx: expected nonFinite to be one of "reject", "allow", got "keep"$/,
      );
    });

    test('a corrupt gzip stream', () => {
      const gz = encodeIdx({ dtype: 'uint8', shape: [10], data: new Array<number>(10).fill(1) }, { gzip: true });
      const broken = gz.slice(0, 12);
      expect(() => parseIdx(broken, 'cut.idx.gz')).toThrow(FileFormatError);
      expect(() => parseIdx(broken, 'cut.idx.gz')).toThrow(/^cut\.idx\.gz: (truncated header|gzip stream is truncated or corrupt|not a valid gzip stream)/);
    });
  });
});
