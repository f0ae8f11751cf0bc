import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileFormatError, parseIdx, readIdx, writeIdx, type IdxDtype } from '@gradlab/core';
import { encodeIdx } from '../../src/data/idx.js';

/** An IDX header by hand: magic, dtype byte, ndims, big-endian dims. */
function header(dtypeByte: number, dims: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length);
  out[2] = dtypeByte;
  out[3] = dims.length;
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const SAMPLES: Record<IdxDtype, number[]> = {
  uint8: [0, 1, 127, 128, 254, 255],
  int8: [-128, -1, 0, 1, 100, 127],
  int16: [-32768, -300, 0, 1, 300, 32767],
  int32: [-2147483648, -70000, 0, 1, 70000, 2147483647],
  float32: [-1.5, 0, 1e-30, Math.PI, 3.4e38, -7].map(Math.fround),
  float64: [-1.5, 0, 1e-300, Math.PI, 1.7e308, Number.MIN_VALUE],
};

describe('IDX', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradlab-idx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each(Object.keys(SAMPLES).flatMap((d) => [[d, false] as const, [d, true] as const]))(
    'round trip %s (gzip %s) through a file is exact',
    async (dtype, gzip) => {
      const data = SAMPLES[dtype as IdxDtype];
      const path = join(dir, `a-${dtype}-${gzip}.idx${gzip ? '.gz' : ''}`);
      await writeIdx(path, { dtype: dtype as IdxDtype, shape: [2, 3], data }, { gzip });
      const back = await readIdx(path);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([2, 3]);
      expect(Array.from(back.data)).toEqual(data);
      expect(back.data.constructor.name.toLowerCase()).toBe(`${dtype}array`);
    },
  );

  test('the typed array matches the dtype and the bytes are big-endian', () => {
    const bytes = encodeIdx({ dtype: 'int16', shape: [1], data: [0x0102] });
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 1, 0, 0, 0, 1, 0x01, 0x02]);
    expect(parseIdx(bytes, 'x').data).toBeInstanceOf(Int16Array);
    expect(parseIdx(encodeIdx({ dtype: 'float32', shape: [1], data: [1] }), 'x').data).toBeInstanceOf(Float32Array);
    expect(parseIdx(encodeIdx({ dtype: 'uint8', shape: [0, 28, 28], data: [] }), 'x').shape).toEqual([0, 28, 28]);
  });

  test('the input bytes are not changed', () => {
    const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 2], data: [1, 2, 3, 4] }, { gzip: true });
    const copy = bytes.slice();
    parseIdx(bytes, 'x');
    expect(bytes).toEqual(copy);
  });

  test('wrong magic is rejected naming the file and the bytes found', () => {
    const bad = concat(new Uint8Array([0x50, 0x4b, 0x03, 0x04]), new Uint8Array(8));
    expect(() => parseIdx(bad, 'imgs.idx')).toThrow(FileFormatError);
    expect(() => parseIdx(bad, 'imgs.idx')).toThrow(
      /^imgs\.idx: wrong magic: the file starts 0x50 0x4b 0x03 0x04, expected 0x00 0x00 <dtype> <ndims>/,
    );
  });

  test('an unknown dtype byte is rejected listing the known ones', () => {
    expect(() => parseIdx(concat(header(0x0a, [1]), new Uint8Array(1)), 'f')).toThrow(
      /^f: unknown dtype byte 0x0a, expected one of 0x08 \(uint8\), 0x09 \(int8\), 0x0b \(int16\), 0x0c \(int32\), 0x0d \(float32\), 0x0e \(float64\)$/,
    );
  });

  test('a truncated header is rejected with both lengths', () => {
    expect(() => parseIdx(new Uint8Array([0, 0, 8]), 'f')).toThrow(/^f: truncated header: the file has 3 bytes, fewer than the 4-byte IDX magic$/);
    expect(() => parseIdx(header(0x08, [60000, 28, 28]).subarray(0, 10), 'f')).toThrow(
      /^f: truncated header: 3 dimensions need a 16-byte header, the file has 10 bytes$/,
    );
    expect(() => parseIdx(header(0x08, []), 'f')).toThrow(/^f: ndims is 0, expected at least 1 dimension$/);
  });

  test('dims that do not match the data size are rejected with both numbers', () => {
    const short = concat(header(0x0c, [2, 3]), new Uint8Array(20));
    expect(() => parseIdx(short, 'labels.idx')).toThrow(
      /^labels\.idx: dims \[2, 3\] × 4-byte int32 need 24 data bytes, but the file has only 20 after the header \(truncated\?\)$/,
    );
    const long = concat(header(0x08, [4]), new Uint8Array(7));
    expect(() => parseIdx(long, 'labels.idx')).toThrow(
      /^labels\.idx: 3 trailing bytes: dims \[4\] × 1-byte uint8 need 4 data bytes, but the file has 7 after the header$/,
    );
  });

  test('the same checks apply to gzipped files', () => {
    const long = gzipSync(concat(header(0x08, [4]), new Uint8Array(7)));
    expect(() => parseIdx(long, 'x.gz')).toThrow(/^x\.gz: 3 trailing bytes: dims \[4\]/);
    const short = gzipSync(concat(header(0x08, [10]), new Uint8Array(4)));
    expect(() => parseIdx(short, 'x.gz')).toThrow(/^x\.gz: dims \[10\] × 1-byte uint8 need 10 data bytes, but the file has only 4/);
    const full = gzipSync(concat(header(0x08, [5000]), new Uint8Array(5000).fill(3)));
    expect(() => parseIdx(full.subarray(0, full.length - 12), 'cut.gz')).toThrow(/^cut\.gz: gzip stream is truncated or corrupt \(unexpected end of file\)/);
    expect(() => parseIdx(gzipSync(new Uint8Array([1, 2, 3, 4, 5])), 'x.gz')).toThrow(/^x\.gz: wrong magic/);
  });

  test('a header claiming 10^12 elements is refused at once, before any allocation', () => {
    const huge = concat(header(0x08, [1_000_000, 1_000_000]), new Uint8Array(100));
    const t0 = performance.now();
    expect(() => parseIdx(huge, 'huge.idx')).toThrow(
      /^huge\.idx: dims \[1000000, 1000000\] call for 1000000000000 uint8 elements \(1000000000000 bytes\), more than the 2147483648-byte limit; refusing to allocate/,
    );
    // u32 dims whose product overflows a double are counted exactly.
    expect(() => parseIdx(header(0x0e, Array(8).fill(0xffffffff)), 'o')).toThrow(/call for 115792089021636622262124715160334756877804245386980633020041035952359812890625 float64 elements/);
    // Inside the limit but far beyond what a small gzip stream can hold.
    const gz = gzipSync(concat(header(0x0d, [100_000_000]), new Uint8Array(16)));
    expect(() => parseIdx(gz, 'bomb.gz')).toThrow(/^bomb\.gz: dims \[100000000\] need 400000000 data bytes, but a \d+-byte gzip stream decompresses to at most \d+/);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  test('encodeIdx rejects values that do not fit the dtype and data of the wrong length', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [2], data: [1, 256] })).toThrow(
      /^encodeIdx: expected data\[1\] to be an integer in \[0, 255\] for dtype uint8, got 256$/,
    );
    expect(() => encodeIdx({ dtype: 'int32', shape: [2, 2], data: [1, 2, 3] })).toThrow(/^encodeIdx: expected data to have 4 elements \(shape \[2, 2\]\), got 3$/);
    expect(() => encodeIdx({ dtype: 'float16' as IdxDtype, shape: [1], data: [1] })).toThrow(/^encodeIdx: expected dtype to be one of uint8, int8/);
  });

  test('readIdx names the file path in its errors', async () => {
    const path = join(dir, 'broken-idx1-ubyte');
    await writeIdx(path, { dtype: 'uint8', shape: [3], data: [1, 2, 3] });
    await expect(readIdx(path)).resolves.toMatchObject({ shape: [3] });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9, 1]));
    await expect(readIdx(path)).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: dims \\[9\\]`));
  });
});
