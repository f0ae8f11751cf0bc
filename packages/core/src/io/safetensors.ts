/**
 * safetensors: the tensor file format of Hugging Face, read and written byte-compatibly with
 * the reference implementation, so weights move between gradlab and PyTorch / scikit-learn.
 *
 * Layout:
 *
 * ```
 * u64 little-endian N                   header length in bytes
 * N bytes of UTF-8 JSON                  {"__metadata__": {str: str}?, name: {"dtype", "shape", "data_offsets": [begin, end]}, …}
 * the data buffer                        each tensor's bytes, little-endian, row-major, at [begin, end)
 * ```
 *
 * Offsets are relative to the start of the data buffer. The writer does what the reference
 * (Rust `safetensors::serialize`) does: tensors laid out by descending dtype alignment, then by
 * name (byte order); the header lists `__metadata__` first, then the tensors in that order,
 * compact JSON, padded with spaces to a multiple of 8 bytes so the data buffer starts aligned.
 * The reader accepts any key order but, like the reference, requires the tensors to tile the
 * data buffer exactly: sorted by offset they start at 0, each begins where the previous ends, and
 * the last ends at the end of the file. It also rejects duplicate names, which `JSON.parse` would
 * silently collapse into the last one.
 *
 * Reference: https://github.com/huggingface/safetensors (format description and
 * `safetensors/src/tensor.rs`).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { tf } from '../backend/tf.js';
import { FileFormatError, ShapeError, ValidationError, describeValue, invalidArgument } from '../errors/gradlab-error.js';
import { oneOf, parseOptions } from '../errors/schema.js';
import { writeFileAtomic } from './atomic-write.js';
import { firstNonFinite, unravelIndex } from './non-finite.js';

/** The safetensors element types gradlab reads (8-bit floats are recognised but refused). */
export type SafetensorsDtype = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/** The typed array holding each dtype's values: F16 and BF16 as their raw 16-bit patterns. */
export type SafetensorsTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** One tensor as plain data. */
export interface SafetensorsArray {
  /** Element type. */
  dtype: SafetensorsDtype;
  /** Dimensions, outermost first (`[]` for a scalar). */
  shape: number[];
  /**
   * Row-major values, `product(shape)` of them: Float32Array for F32, Float64Array for F64,
   * Int32Array for I32, BigInt64Array for I64, Uint8Array for U8 and BOOL, Int8Array for I8,
   * Int16Array / Uint16Array / Uint32Array / BigUint64Array for I16 / U16 / U32 / U64, and
   * Uint16Array bit patterns for F16 and BF16. When encoding, a plain number array is also
   * accepted for every dtype but F16 and BF16.
   */
  data: SafetensorsTypedArray | number[];
}

/** What {@link decodeSafetensors} returns. */
export interface DecodedSafetensors {
  /** Tensors by name (data copied out of the file, in the typed array of their dtype). */
  tensors: Record<string, SafetensorsArray & { data: SafetensorsTypedArray }>;
  /** The `__metadata__` map, `{}` when the file has none. */
  metadata: Record<string, string>;
}

/** What {@link loadSafetensors} returns. */
export interface LoadedSafetensors {
  /** Tensors by name; the caller disposes them. */
  tensors: Record<string, tf.Tensor>;
  /** The `__metadata__` map, `{}` when the file has none. */
  metadata: Record<string, string>;
}

/** Options of {@link decodeSafetensors} and {@link loadSafetensors}. */
export interface SafetensorsReadOptions {
  /**
   * NaN or ±Infinity in a floating-point tensor: 'allow' (default: a file of gradients from a
   * diverged run is a result, and reads back as written) or 'reject' (weight loaders: the error
   * names the tensor and the index of the first non-finite value). With 'reject',
   * {@link loadSafetensors} also refuses F64 values that overflow float32.
   */
  nonFinite?: 'allow' | 'reject';
}

const readOptionsSchema = z.strictObject({ nonFinite: oneOf(['allow', 'reject'] as const).default('allow') });

/** Largest header accepted, in bytes (the reference's limit). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

interface DtypeSpec {
  /** Bytes per element. */
  size: number;
  /** Rank in the reference's `Dtype` enum (increasing alignment); the writer sorts by it, descending. */
  rank: number;
  /** Typed array of the decoded values. */
  array: new (buffer: ArrayBuffer) => SafetensorsTypedArray;
}

const DTYPES: Record<SafetensorsDtype, DtypeSpec> = {
  BOOL: { size: 1, rank: 0, array: Uint8Array },
  U8: { size: 1, rank: 1, array: Uint8Array },
  I8: { size: 1, rank: 2, array: Int8Array },
  I16: { size: 2, rank: 5, array: Int16Array },
  U16: { size: 2, rank: 6, array: Uint16Array },
  F16: { size: 2, rank: 7, array: Uint16Array },
  BF16: { size: 2, rank: 8, array: Uint16Array },
  I32: { size: 4, rank: 9, array: Int32Array },
  U32: { size: 4, rank: 10, array: Uint32Array },
  F32: { size: 4, rank: 11, array: Float32Array },
  F64: { size: 8, rank: 12, array: Float64Array },
  I64: { size: 8, rank: 13, array: BigInt64Array },
  U64: { size: 8, rank: 14, array: BigUint64Array },
};
const KNOWN_UNSUPPORTED = new Set(['F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64']);
const DTYPE_NAMES = Object.keys(DTYPES) as SafetensorsDtype[];

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of each `size`-byte element in place (only on big-endian hosts). */
function toFromLittleEndian(bytes: Uint8Array, size: number): void {
  if (LITTLE_ENDIAN_HOST || size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// encode

function toTypedArray(name: string, dtype: SafetensorsDtype, data: unknown, n: number): SafetensorsTypedArray {
  const spec = DTYPES[dtype];
  const field = `tensors[${JSON.stringify(name)}].data`;
  let out: SafetensorsTypedArray;
  if (data instanceof spec.array) {
    out = data as SafetensorsTypedArray;
  } else if (Array.isArray(data) && dtype !== 'F16' && dtype !== 'BF16') {
    const Ctor = spec.array as unknown as { from(a: ArrayLike<unknown>): SafetensorsTypedArray };
    const values = dtype === 'I64' || dtype === 'U64' ? data.map((v) => (Number.isInteger(v) ? BigInt(v as number) : v)) : data;
    try {
      out = Ctor.from(values);
    } catch {
      throw invalidArgument('encodeSafetensors', field, data, `an array of integers for dtype ${dtype}`);
    }
  } else {
    throw invalidArgument('encodeSafetensors', field, data, `a ${spec.array.name} for dtype ${dtype}`);
  }
  if (out.length !== n) {
    throw new ShapeError(`encodeSafetensors: expected ${field} to have ${n} elements (the product of its shape), got ${out.length}`);
  }
  return out;
}

/**
 * Encodes tensors (and optional string metadata) as safetensors bytes, laid out as the
 * reference writer does (see the file comment), so equal input gives equal bytes.
 * @param tensors tensors by name (any names but `""` and `"__metadata__"`), each `{ dtype, shape, data }`
 * @param metadata optional free-form string map, written as `"__metadata__"` (keys sorted)
 * @returns the file's bytes
 * @throws ValidationError for a bad name, dtype, shape, data type or metadata value;
 *   ShapeError when a tensor's data length is not the product of its shape
 * @example
 * const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } }, { format: 'pt' })
 */
export function encodeSafetensors(tensors: Record<string, SafetensorsArray>, metadata?: Record<string, string>): Uint8Array {
  const where = 'encodeSafetensors';
  if (tensors === null || typeof tensors !== 'object') throw invalidArgument(where, 'tensors', tensors, 'an object of tensors by name');
  const entries = Object.entries(tensors).map(([name, t]) => {
    if (name === '' || name === METADATA_KEY) throw invalidArgument(where, 'a tensor name', name, `a non-empty name other than "${METADATA_KEY}"`);
    if (t === null || typeof t !== 'object') throw invalidArgument(where, `tensors[${JSON.stringify(name)}]`, t, '{ dtype, shape, data }');
    if (!Object.hasOwn(DTYPES, t.dtype)) {
      throw invalidArgument(where, `tensors[${JSON.stringify(name)}].dtype`, t.dtype, `one of ${DTYPE_NAMES.join(', ')}`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw invalidArgument(where, `tensors[${JSON.stringify(name)}].shape`, t.shape, 'an array of non-negative integers');
    }
    const n = t.shape.reduce((a, b) => a * b, 1);
    return { name, dtype: t.dtype, shape: t.shape, data: toTypedArray(name, t.dtype, t.data, n) };
  });
  let meta: Record<string, string> | undefined;
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw invalidArgument(where, 'metadata', metadata, 'an object of string values');
    }
    meta = {};
    for (const key of Object.keys(metadata).sort(utf8Compare)) {
      const v = metadata[key];
      if (typeof v !== 'string') throw invalidArgument(where, `metadata[${JSON.stringify(key)}]`, v, 'a string');
      Object.defineProperty(meta, key, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  entries.sort((a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || utf8Compare(a.name, b.name));
  const parts: string[] = [];
  if (meta !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(meta)}`);
  let offset = 0;
  for (const e of entries) {
    const nbytes = e.data.length * DTYPES[e.dtype].size;
    parts.push(`${JSON.stringify(e.name)}:${JSON.stringify({ dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + nbytes] })}`);
    offset += nbytes;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const e of entries) {
    const bytes = new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    out.set(bytes, at);
    toFromLittleEndian(out.subarray(at, at + bytes.length), DTYPES[e.dtype].size);
    at += bytes.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// decode

/** The first duplicated key of any object in valid JSON `text`, with the keys enclosing it. */
function findDuplicateKey(text: string): { key: string; path: string[] } | undefined {
  interface Frame {
    keys: Set<string> | undefined;
    expectKey: boolean;
    current: string | undefined;
  }
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) {
          const path = stack.slice(0, -1).flatMap((f) => (f.current === undefined ? [] : [f.current]));
          return { key, path };
        }
        top.keys.add(key);
        top.expectKey = false;
        top.current = key;
      }
      i = j;
    } else if (ch === '{') {
      stack.push({ keys: new Set(), expectKey: true, current: undefined });
    } else if (ch === '[') {
      stack.push({ keys: undefined, expectKey: false, current: undefined });
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    } else if (ch === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined) top.expectKey = true;
    }
  }
  return undefined;
}

/** Index of the first NaN / ±Infinity of a float tensor (F16 / BF16 as bit patterns), or -1. */
function firstNonFiniteOf(dtype: SafetensorsDtype, data: SafetensorsTypedArray): number {
  const mask = dtype === 'F16' ? 0x7c00 : dtype === 'BF16' ? 0x7f80 : 0;
  if (mask !== 0) {
    const bits = data as Uint16Array;
    for (let i = 0; i < bits.length; i++) if ((bits[i]! & mask) === mask) return i;
    return -1;
  }
  if (dtype !== 'F32' && dtype !== 'F64') return -1;
  return firstNonFinite(data as Float32Array | Float64Array);
}

/** The problem part of the message for a refused non-finite value (the caller prefixes the file). */
function nonFiniteProblem(name: string, shape: readonly number[], index: number, value: number, note = ''): string {
  return (
    `tensor ${JSON.stringify(name)} holds ${value} at index [${unravelIndex(index, shape).join(', ')}] (flat index ${index})${note}; ` +
    'expected finite values (a diverged checkpoint?)'
  );
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Decodes safetensors bytes into plain typed arrays, checking the file against the format.
 * @param bytes the whole file
 * @param source the file name used in error messages
 * @returns `{ tensors, metadata }`: tensors by name as `{ dtype, shape, data }` (data copied,
 *   typed array per dtype as in {@link SafetensorsArray}); metadata `{}` when absent
 * @throws FileFormatError naming `source` and the problem: file shorter than 8 bytes, header
 *   length past the end of the file or over {@link MAX_SAFETENSORS_HEADER_BYTES}, header not
 *   UTF-8 / not JSON / not an object, duplicate keys, bad `__metadata__`, unknown or unsupported
 *   dtype, bad shape or data_offsets, shape × dtype size ≠ byte range, offsets out of bounds,
 *   overlapping or leaving a gap, trailing bytes after the last tensor; with
 *   `nonFinite: 'reject'`, a NaN or ±Infinity (naming the tensor and its index). ValidationError
 *   for bad options.
 * @param options `{ nonFinite = 'allow' }`
 * @example const { tensors } = decodeSafetensors(await readFile('w.safetensors'), 'w.safetensors')
 */
export function decodeSafetensors(bytes: Uint8Array, source: string, options: SafetensorsReadOptions = {}): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('decodeSafetensors', 'bytes', bytes, 'a Uint8Array');
  const { nonFinite } = parseOptions('decodeSafetensors', readOptionsSchema, options);
  const fail: (problem: string) => never = (problem) => {
    throw new FileFormatError(`${source}: ${problem}`);
  };
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes, too short for the 8-byte header length (truncated?)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    fail(`header length ${n} is absurd (more than ${MAX_SAFETENSORS_HEADER_BYTES} bytes); is this a safetensors file?`);
  }
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes leave ${bytes.length - 8} for the header)`);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`the header is not valid JSON: ${(err as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail(`the header is ${describeValue(header)}, expected a JSON object`);
  }
  const dup = findDuplicateKey(text);
  if (dup !== undefined) {
    const inside = dup.path.length === 0 ? '' : ` inside ${dup.path.map((k) => JSON.stringify(k)).join(' > ')}`;
    fail(`duplicate key ${JSON.stringify(dup.key)} in the header${inside} (a name may appear only once)`);
  }
  const record = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  if (Object.hasOwn(record, METADATA_KEY)) {
    const meta = record[METADATA_KEY];
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
      fail(`"${METADATA_KEY}" is ${describeValue(meta)}, expected an object of strings`);
    }
    for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`"${METADATA_KEY}" value ${JSON.stringify(k)} is ${describeValue(v)}, expected a string`);
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  const bufferStart = 8 + headerLength;
  const bufferLength = bytes.length - bufferStart;
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(record)) {
    if (name === METADATA_KEY) continue;
    const t = `tensor ${JSON.stringify(name)}`;
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`${t} is ${describeValue(info)}, expected {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) {
      if (typeof dtype === 'string' && KNOWN_UNSUPPORTED.has(dtype)) fail(`${t}: dtype ${dtype} is not supported; gradlab reads ${DTYPE_NAMES.join(', ')}`);
      fail(`${t}: unknown dtype ${describeValue(dtype)}, expected one of ${DTYPE_NAMES.join(', ')}`);
    }
    const spec = DTYPES[dtype as SafetensorsDtype];
    if (!Array.isArray(shape) || !shape.every(isIndex)) fail(`${t}: shape is ${describeValue(shape)}, expected an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
      fail(`${t}: data_offsets is ${describeValue(offsets)}, expected [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > bufferLength) fail(`${t}: data_offsets [${begin}, ${end}] run past the end of the ${bufferLength}-byte data buffer (out of bounds)`);
    // BigInt: a lying shape such as [1e6, 1e6, 1e6] must not round to a plausible byte count.
    let elements = 1n;
    for (const d of shape as number[]) elements *= BigInt(d);
    const nbytes = elements * BigInt(spec.size);
    if (nbytes !== BigInt(end - begin)) {
      fail(
        `${t}: shape [${(shape as number[]).join(', ')}] × ${dtype} (${spec.size} bytes) = ${nbytes} bytes, ` +
          `but data_offsets [${begin}, ${end}] span ${end - begin} bytes`,
      );
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < cursor) {
      fail(
        `tensors ${JSON.stringify(previous!.name)} (data_offsets [${previous!.begin}, ${previous!.end}]) and ` +
          `${JSON.stringify(e.name)} (data_offsets [${e.begin}, ${e.end}]) overlap`,
      );
    }
    if (e.begin > cursor) {
      fail(`bytes [${cursor}, ${e.begin}) of the data buffer belong to no tensor (before ${JSON.stringify(e.name)}); expected contiguous data_offsets from 0`);
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== bufferLength) {
    fail(`${bufferLength - cursor} trailing bytes: the tensors end at byte ${cursor} of the ${bufferLength}-byte data buffer`);
  }
  const tensors = Object.fromEntries(
    entries.map((e) => {
      // Uint8Array's slice always copies; a Node Buffer's `slice` is a view into shared (pooled)
      // memory, whose `.buffer` would start at the wrong byte.
      const copy = Uint8Array.prototype.slice.call(bytes, bufferStart + e.begin, bufferStart + e.end);
      toFromLittleEndian(copy, DTYPES[e.dtype].size);
      const data = new DTYPES[e.dtype].array(copy.buffer);
      if (nonFinite === 'reject') {
        const i = firstNonFiniteOf(e.dtype, data);
        if (i >= 0) {
          const value = e.dtype === 'F16' ? halfToFloat((data as Uint16Array)[i]!) : e.dtype === 'BF16' ? bfloatToFloat((data as Uint16Array)[i]!) : Number(data[i]);
          fail(nonFiniteProblem(e.name, e.shape, i, value));
        }
      }
      return [e.name, { dtype: e.dtype, shape: e.shape, data }];
    }),
  );
  return { tensors, metadata };
}

// ---------------------------------------------------------------------------------------------
// tensors

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function bfloatToFloat(h: number): number {
  return new Float32Array(new Uint32Array([h << 16]).buffer)[0]!;
}

function toInt32(name: string, source: string, values: ArrayLike<number | bigint>, dtype: SafetensorsDtype): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]!);
    if (v < -2147483648 || v > 2147483647) {
      throw new FileFormatError(`${source}: tensor ${JSON.stringify(name)}: ${dtype} value ${values[i]} at flat index ${i} does not fit in int32`);
    }
    out[i] = v;
  }
  return out;
}

/** Converts one decoded array to a tf tensor: float dtypes to float32, integers to int32, BOOL to bool. */
function toTensor(name: string, source: string, a: SafetensorsArray & { data: SafetensorsTypedArray }): tf.Tensor {
  const { dtype, shape, data } = a;
  switch (dtype) {
    case 'F32':
      return tf.tensor(data as Float32Array, shape, 'float32');
    case 'F64':
      return tf.tensor(Float32Array.from(data as Float64Array), shape, 'float32');
    case 'F16':
      return tf.tensor(Float32Array.from(data as Uint16Array, halfToFloat), shape, 'float32');
    case 'BF16': {
      const bits = new Uint32Array(data.length);
      for (let i = 0; i < bits.length; i++) bits[i] = (data as Uint16Array)[i]! << 16;
      return tf.tensor(new Float32Array(bits.buffer), shape, 'float32');
    }
    case 'I32':
      return tf.tensor(data as Int32Array, shape, 'int32');
    case 'BOOL':
      return tf.tensor(Uint8Array.from(data as Uint8Array, (v) => (v === 0 ? 0 : 1)), shape, 'bool');
    default:
      return tf.tensor(toInt32(name, source, data as ArrayLike<number | bigint>, dtype), shape, 'int32');
  }
}

/**
 * Reads a safetensors file into tf tensors: F32, F64, F16 and BF16 become float32; I32 stays
 * int32; I64, U64, U32, I16, U16, I8 and U8 become int32 (64- and 32-bit unsigned values
 * must fit in int32); BOOL becomes bool.
 * @param path the file
 * @param options `{ nonFinite = 'allow' }`: with 'reject', NaN / ±Infinity (and F64 values
 *   beyond the float32 range) are an error naming the tensor and the index
 * @returns `{ tensors, metadata }`; the caller disposes the tensors
 * @throws FileFormatError for a malformed file (see {@link decodeSafetensors}), an integer
 *   that does not fit in int32 (naming the tensor, value and index) or a refused non-finite
 *   value; the `fs` error when the file cannot be read
 * @example const { tensors } = await loadSafetensors('lstm.safetensors'); tensors['weight_ih_l0'].shape
 */
export async function loadSafetensors(path: string, options: SafetensorsReadOptions = {}): Promise<LoadedSafetensors> {
  const { nonFinite } = parseOptions('loadSafetensors', readOptionsSchema, options);
  const file = await readFile(path);
  const decoded = decodeSafetensors(new Uint8Array(file.buffer, file.byteOffset, file.byteLength), path, { nonFinite });
  if (nonFinite === 'reject') {
    for (const [name, t] of Object.entries(decoded.tensors)) {
      if (t.dtype !== 'F64') continue;
      const values = t.data as Float64Array;
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(Math.fround(values[i]!))) {
          throw new FileFormatError(`${path}: ${nonFiniteProblem(name, t.shape, i, values[i]!, ', beyond the float32 range')}`);
        }
      }
    }
  }
  const names = Object.keys(decoded.tensors);
  const list = tf.tidy(() => names.map((name) => toTensor(name, path, decoded.tensors[name]!)));
  return { tensors: Object.fromEntries(names.map((name, i) => [name, list[i]!])), metadata: decoded.metadata };
}

const TF_TO_SAFETENSORS: Partial<Record<string, SafetensorsDtype>> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/**
 * Writes tf tensors to a safetensors file, atomically (temporary file in the same directory,
 * then rename): float32 as F32, int32 as I32, bool as BOOL. The tensors are not disposed.
 * @param path destination file (parent directories are created)
 * @param tensors tensors by name, e.g. PyTorch state_dict names (`weight_ih_l0`, …)
 * @param metadata optional string map written as `__metadata__`
 * @throws ValidationError for a value that is not a live tensor, a dtype other than float32 /
 *   int32 / bool, or a bad name or metadata; GradlabError (code `E_IO`) when the file cannot be written
 * @example await saveSafetensors('rbm.safetensors', { components_: W, intercept_hidden_: c }, { format: 'pt' })
 */
export async function saveSafetensors(path: string, tensors: Record<string, tf.Tensor>, metadata?: Record<string, string>): Promise<void> {
  if (tensors === null || typeof tensors !== 'object') throw invalidArgument('saveSafetensors', 'tensors', tensors, 'an object of tensors by name');
  const arrays: Record<string, SafetensorsArray> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const field = `tensors[${JSON.stringify(name)}]`;
    if (!(t instanceof tf.Tensor)) throw invalidArgument('saveSafetensors', field, t, 'a tf.Tensor');
    if (t.isDisposed) throw new ValidationError(`saveSafetensors: expected ${field} to be a live tensor, got a disposed one`);
    const dtype = TF_TO_SAFETENSORS[t.dtype];
    if (dtype === undefined) throw new ValidationError(`saveSafetensors: expected ${field} to have dtype float32, int32 or bool, got ${t.dtype}`);
    const data = (await t.data()) as Float32Array | Int32Array | Uint8Array;
    Object.defineProperty(arrays, name, { value: { dtype, shape: t.shape.slice(), data }, enumerable: true, writable: true, configurable: true });
  }
  await writeFileAtomic(path, encodeSafetensors(arrays, metadata));
}
