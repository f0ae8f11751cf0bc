import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  FileFormatError,
  Rng,
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
  tf,
  type SafetensorsArray,
} from '@gradlab/core';

/** A file by hand: u64 LE header length, the header text as given, then the buffer. */
function raw(header: string, buffer: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = Buffer.from(header, 'utf8');
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

const f32Bytes = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

function hasPythonTorch(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

describe('safetensors', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradlab-st-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('encodes byte-for-byte as the format reference: compact JSON, space padding to 8, LE data', () => {
    const bytes = encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64);
    expect(bytes).toEqual(raw(json, f32Bytes([0, 1, 2, 3, 4, 5])));
    // An empty file, and one with metadata only: "{}" and 35 bytes of JSON are padded with spaces.
    expect(Array.from(encodeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const meta = encodeSafetensors({}, { framework: 'pt' });
    expect(Buffer.from(meta.subarray(8)).toString()).toBe('{"__metadata__":{"framework":"pt"}}     ');
    expect(meta[0]).toBe(40);
  });

  test('lays tensors out by descending dtype alignment then name; __metadata__ first, keys sorted', () => {
    const bytes = encodeSafetensors(
      {
        b: { dtype: 'F32', shape: [1], data: [1] },
        a: { dtype: 'F32', shape: [1], data: [2] },
        mask: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
        step: { dtype: 'I64', shape: [], data: new BigInt64Array([7n]) },
        z: { dtype: 'F64', shape: [1], data: [3] },
      },
      { z: '1', a: '2' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = Buffer.from(bytes.subarray(8, 8 + n)).toString();
    expect(header.trimEnd()).toBe(
      '{"__metadata__":{"a":"2","z":"1"},' +
        '"step":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
        '"z":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},' +
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
        '"b":{"dtype":"F32","shape":[1],"data_offsets":[20,24]},' +
        '"mask":{"dtype":"BOOL","shape":[2],"data_offsets":[24,26]}}',
    );
  });

  test('decode inverts encode for every dtype, with metadata', () => {
    const tensors: Record<string, SafetensorsArray> = {
      f32: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1.5, -0, Infinity, 1e-45]) },
      f64: { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
      f16: { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x7bff]) },
      bf16: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x4049]) },
      i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 5n]) },
      u64: { dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
      i32: { dtype: 'I32', shape: [3], data: new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1]) },
      u32: { dtype: 'U32', shape: [1], data: new Uint32Array([2 ** 32 - 1]) },
      i16: { dtype: 'I16', shape: [1], data: new Int16Array([-300]) },
      u16: { dtype: 'U16', shape: [1], data: new Uint16Array([65535]) },
      i8: { dtype: 'I8', shape: [2], data: new Int8Array([-128, 127]) },
      u8: { dtype: 'U8', shape: [2], data: new Uint8Array([0, 255]) },
      flag: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    };
    const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'é ✓' });
    const back = decodeSafetensors(bytes, 'mem');
    expect(back.metadata).toEqual({ format: 'pt', note: 'é ✓' });
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const b = back.tensors[name]!;
      expect(b.dtype).toBe(t.dtype);
      expect(b.shape).toEqual(t.shape);
      expect(b.data.constructor).toBe(t.data.constructor);
      expect(Array.from(b.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
    }
    expect(decodeSafetensors(encodeSafetensors({}), 'mem')).toEqual({ tensors: {}, metadata: {} });
  });

  test('saveSafetensors / loadSafetensors: float32 bit-exact, int32, bool, metadata; no leaks, no temp files', async () => {
    const rng = new Rng(21);
    const values = rng.normalArray(1000, 0, 10);
    values.set([0, -0, Infinity, -Infinity, 1e-45, -3.4028234663852886e38, NaN], 0);
    const w = tf.tensor(values, [10, 100], 'float32');
    const idx = tf.tensor1d([-5, 0, 2 ** 31 - 1], 'int32');
    const mask = tf.tensor1d([true, false, true], 'bool');
    const before = tf.memory().numTensors;
    const path = join(dir, 'model.safetensors');
    await saveSafetensors(path, { weight_ih_l0: w, idx, mask }, { format: 'pt' });
    expect(tf.memory().numTensors).toBe(before);
    expect((await readdir(dir)).filter((f) => f.includes('tmp'))).toEqual([]);
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors['weight_ih_l0']!.shape).toEqual([10, 100]);
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    expect(bits(tensors['weight_ih_l0']!.dataSync() as Float32Array)).toEqual(bits(values));
    expect(tensors['idx']!.dtype).toBe('int32');
    expect(Array.from(tensors['idx']!.dataSync())).toEqual([-5, 0, 2 ** 31 - 1]);
    expect(tensors['mask']!.dtype).toBe('bool');
    expect(Array.from(tensors['mask']!.dataSync())).toEqual([1, 0, 1]);
    tf.dispose(Object.values(tensors));
    expect(tf.memory().numTensors).toBe(before);
    // Saving again replaces the file; the inputs are untouched and still alive.
    await saveSafetensors(path, { w });
    expect(Object.keys((await loadSafetensors(path)).tensors)).toEqual(['w']);
    expect(bits(w.dataSync() as Float32Array)).toEqual(bits(values));
    tf.dispose([w, idx, mask]);
  });

  test('loadSafetensors converts F64, F16, BF16 to float32 and small integer types to int32', async () => {
    const path = join(dir, 'mixed.safetensors');
    await writeFile(
      path,
      encodeSafetensors({
        f64: { dtype: 'F64', shape: [2], data: [0.1, -2] },
        // 1, -2, 65504 (max half), 2^-24 (smallest subnormal), +inf, 0.33325195 (0x3555)
        f16: { dtype: 'F16', shape: [6], data: new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555]) },
        // 1, 3.140625, -0
        bf16: { dtype: 'BF16', shape: [3], data: new Uint16Array([0x3f80, 0x4049, 0x8000]) },
        i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 31n), 2n ** 31n - 1n]) },
        u8: { dtype: 'U8', shape: [2], data: [0, 255] },
        i8: { dtype: 'I8', shape: [1], data: [-7] },
      }),
    );
    const before = tf.memory().numTensors;
    const { tensors } = await loadSafetensors(path);
    expect(Array.from(tensors['f64']!.dataSync())).toEqual([Math.fround(0.1), -2]);
    expect(Array.from(tensors['f16']!.dataSync())).toEqual([1, -2, 65504, 2 ** -24, Infinity, Math.fround(0.33325195)]);
    expect(Array.from(tensors['bf16']!.dataSync())).toEqual([1, 3.140625, -0]);
    expect(tensors['i64']!.dtype).toBe('int32');
    expect(Array.from(tensors['i64']!.dataSync())).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(Array.from(tensors['u8']!.dataSync())).toEqual([0, 255]);
    expect(Array.from(tensors['i8']!.dataSync())).toEqual([-7]);
    tf.dispose(Object.values(tensors));
    expect(tf.memory().numTensors).toBe(before);
  });

  test('I64 values outside int32 are an error naming the tensor, value and index, and nothing leaks', async () => {
    const path = join(dir, 'big.safetensors');
    await writeFile(path, encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: [1] }, steps: { dtype: 'I64', shape: [3], data: new BigInt64Array([1n, 2n, 3000000000n]) } }));
    const before = tf.memory().numTensors;
    await expect(loadSafetensors(path)).rejects.toThrow(/big\.safetensors: tensor "steps": I64 value 3000000000 at flat index 2 does not fit in int32$/);
    expect(tf.memory().numTensors).toBe(before);
  });

  const ok = JSON.stringify({ w: entry('F32', [2], 0, 8) });
  test.each<[string, Uint8Array, RegExp]>([
    ['a file shorter than 8 bytes', new Uint8Array(5), /^f: the file is 5 bytes, too short for the 8-byte header length \(truncated\?\)$/],
    ['an absurd header length', raw(ok, f32Bytes([1, 2]), 2n ** 40n), /^f: header length 1099511627776 is absurd \(more than 100000000 bytes\)/],
    ['a header length past the end of the file', raw(ok, f32Bytes([1, 2]), 500n), /^f: header length 500 runs past the end of the file \(70 bytes leave 62 for the header\)$/],
    ['a header that is not UTF-8', raw('{"\xff":1}').map((b, i) => (i === 10 ? 0xff : b)), /^f: the header is not valid UTF-8$/],
    ['invalid JSON', raw('{"w": {"dtype": "F32",'), /^f: the header is not valid JSON: /],
    ['a header that is not an object', raw('[1, 2]'), /^f: the header is \[1, 2\], expected a JSON object$/],
    [
      'duplicate tensor names',
      raw(`{"w":${JSON.stringify(entry('F32', [1], 0, 4))},"w":${JSON.stringify(entry('F32', [1], 4, 8))}}`, f32Bytes([1, 2])),
      /^f: duplicate key "w" in the header \(a name may appear only once\)$/,
    ],
    ['duplicate keys inside an entry', raw('{"w":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', f32Bytes([1])), /^f: duplicate key "dtype" in the header inside "w"/],
    ['an unknown dtype', raw(JSON.stringify({ w: entry('F17', [2], 0, 8) }), f32Bytes([1, 2])), /^f: tensor "w": unknown dtype "F17", expected one of BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64$/],
    ['an unsupported 8-bit float', raw(JSON.stringify({ w: entry('F8_E4M3', [2], 0, 2) }), new Uint8Array(2)), /^f: tensor "w": dtype F8_E4M3 is not supported/],
    ['shape × dtype size ≠ byte range', raw(JSON.stringify({ w: entry('F32', [2, 3], 0, 20) }), new Uint8Array(20)), /^f: tensor "w": shape \[2, 3\] × F32 \(4 bytes\) = 24 bytes, but data_offsets \[0, 20\] span 20 bytes$/],
    ['offsets out of bounds', raw(JSON.stringify({ w: entry('F32', [4], 0, 16) }), new Uint8Array(8)), /^f: tensor "w": data_offsets \[0, 16\] run past the end of the 8-byte data buffer \(out of bounds\)$/],
    [
      'overlapping offsets',
      raw(JSON.stringify({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }), new Uint8Array(12)),
      /^f: tensors "a" \(data_offsets \[0, 8\]\) and "b" \(data_offsets \[4, 12\]\) overlap$/,
    ],
    [
      'a gap between tensors',
      raw(JSON.stringify({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }), new Uint8Array(12)),
      /^f: bytes \[4, 8\) of the data buffer belong to no tensor \(before "b"\); expected contiguous data_offsets from 0$/,
    ],
    ['a first tensor not at 0', raw(JSON.stringify({ a: entry('F32', [1], 4, 8) }), new Uint8Array(8)), /^f: bytes \[0, 4\) of the data buffer belong to no tensor/],
    ['trailing bytes', raw(ok, new Uint8Array(12)), /^f: 4 trailing bytes: the tensors end at byte 8 of the 12-byte data buffer$/],
    ['reversed offsets', raw(JSON.stringify({ w: entry('F32', [0], 8, 4) }), new Uint8Array(8)), /^f: tensor "w": data_offsets is \[8, 4\], expected \[begin, end\] with 0 <= begin <= end$/],
    ['a bad shape', raw(JSON.stringify({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), new Uint8Array(4)), /^f: tensor "w": shape is \[-1\], expected an array of non-negative integers$/],
    ['non-string metadata', raw(JSON.stringify({ __metadata__: { epochs: 3 } })), /^f: "__metadata__" value "epochs" is 3, expected a string$/],
  ])('rejects %s', (_what, bytes, message) => {
    expect(() => decodeSafetensors(bytes, 'f')).toThrow(FileFormatError);
    expect(() => decodeSafetensors(bytes, 'f')).toThrow(message);
  });

  test('tensors in any key order and zero-size tensors are accepted', () => {
    const bytes = raw(JSON.stringify({ b: entry('F32', [1], 4, 8), e: entry('F32', [0], 4, 4), a: entry('F32', [1], 0, 4) }), f32Bytes([1, 2]));
    const { tensors } = decodeSafetensors(bytes, 'f');
    expect(Array.from(tensors['a']!.data as Float32Array)).toEqual([1]);
    expect(Array.from(tensors['b']!.data as Float32Array)).toEqual([2]);
    expect(tensors['e']!.shape).toEqual([0]);
  });

  test('bad input to the writers is rejected naming the field', async () => {
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).toThrow(
      /^encodeSafetensors: expected tensors\["w"\]\.data to have 4 elements \(the product of its shape\), got 3$/,
    );
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Int32Array(1) } })).toThrow(
      /^encodeSafetensors: expected tensors\["w"\]\.data to be a Float32Array for dtype F32, got a Int32Array of length 1$/,
    );
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [], data: [1] } })).toThrow(/^encodeSafetensors: expected a tensor name to be a non-empty name other than "__metadata__"/);
    expect(() => encodeSafetensors({}, { epochs: 3 as unknown as string })).toThrow(/^encodeSafetensors: expected metadata\["epochs"\] to be a string, got 3$/);
    const c = tf.tensor(['a']);
    await expect(saveSafetensors(join(dir, 'c.safetensors'), { c })).rejects.toThrow(/^saveSafetensors: expected tensors\["c"\] to have dtype float32, int32 or bool, got string$/);
    c.dispose();
    const gone = tf.zeros([1]);
    gone.dispose();
    await expect(saveSafetensors(join(dir, 'd.safetensors'), { gone })).rejects.toThrow(/^saveSafetensors: expected tensors\["gone"\] to be a live tensor, got a disposed one$/);
  });

  test.skipIf(!hasPythonTorch())('agrees with an independent writer and reader in Python (torch for F16/BF16 bits)', async () => {
    const pyPath = join(dir, 'from-python.safetensors');
    const tsPath = join(dir, 'from-ts.safetensors');
    const w = tf.tensor2d([[0.1, -2.5, 3e-8], [1e30, -0, 7]]);
    await saveSafetensors(tsPath, { 'layer.weight': w, 'layer.step': tf.tensor1d([3, -4], 'int32') }, { format: 'pt' });
    const script = String.raw`
import json, struct, sys, torch
vals = [0.1, -2.5, 3e-8, 65504.0, -0.0, 1.0/3.0]
ts = {"h": torch.tensor(vals, dtype=torch.float16), "b": torch.tensor(vals, dtype=torch.bfloat16),
      "d": torch.tensor(vals, dtype=torch.float64), "l": torch.tensor([-7, 2**31 - 1], dtype=torch.int64)}
names = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64", torch.int64: "I64"}
header, blobs, off = {}, [], 0
for k in sorted(ts):
    raw = ts[k].view(torch.int16).numpy().tobytes() if ts[k].dtype == torch.bfloat16 else ts[k].numpy().tobytes()
    header[k] = {"dtype": names[ts[k].dtype], "shape": list(ts[k].shape), "data_offsets": [off, off + len(raw)]}
    blobs.append(raw); off += len(raw)
h = json.dumps(header).encode()
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"".join(blobs))
expected = {k: [float(x) for x in v.double()] for k, v in ts.items()}
# Read the TypeScript file back with struct/json/torch only.
data = open(sys.argv[2], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
meta = json.loads(data[8:8 + n])
w = meta["layer.weight"]; b, e = w["data_offsets"]
got = torch.frombuffer(bytearray(data[8 + n + b:8 + n + e]), dtype=torch.float32).reshape(w["shape"])
s = meta["layer.step"]; b2, e2 = s["data_offsets"]
step = torch.frombuffer(bytearray(data[8 + n + b2:8 + n + e2]), dtype=torch.int32)
print(json.dumps({"expected": expected, "meta": meta["__metadata__"], "w": got.flatten().tolist(), "step": step.tolist(), "padded": (8 + n) % 8 == 0}))
`;
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, pyPath, tsPath], { encoding: 'utf8', timeout: 120_000 })) as {
      expected: Record<string, number[]>;
      meta: Record<string, string>;
      w: number[];
      step: number[];
      padded: boolean;
    };
    expect(out.meta).toEqual({ format: 'pt' });
    expect(out.w).toEqual(Array.from(w.dataSync()));
    expect(out.step).toEqual([3, -4]);
    expect(out.padded).toBe(true);
    const { tensors } = await loadSafetensors(pyPath);
    for (const k of ['h', 'b', 'd']) expect(Array.from(tensors[k]!.dataSync())).toEqual(out.expected[k]!.map(Math.fround));
    expect(Array.from(tensors['l']!.dataSync())).toEqual(out.expected['l']);
    tf.dispose([...Object.values(tensors), w]);
    expect((await readFile(tsPath)).length).toBeGreaterThan(0);
  });
});

describe('decodeSafetensors with a Node Buffer that starts inside a larger allocation', () => {
  test('reads the right bytes (Buffer.slice is a view, not a copy)', () => {
    const encoded = encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array([1.5, -2, 3.25]) } });
    // Place the file 13 bytes into a bigger buffer, as Node's pooled small-file reads do.
    const pool = Buffer.alloc(encoded.length + 40, 0xab);
    pool.set(encoded, 13);
    const view = pool.subarray(13, 13 + encoded.length);
    const decoded = decodeSafetensors(view, 'pooled.safetensors');
    expect(Array.from(decoded.tensors['w']!.data as Float32Array)).toEqual([1.5, -2, 3.25]);
  });
});
