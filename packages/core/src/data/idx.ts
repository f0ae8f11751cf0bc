/**
 * IDX files: the array format of MNIST, Fashion-MNIST, EMNIST and KMNIST, read gzipped or plain.
 *
 * Layout (all integers big-endian):
 *
 * ```
 * 0x00 0x00  dtype  ndims        magic: two zero bytes, a dtype byte, the number of dimensions
 * ndims × u32                    the dimensions, outermost first
 * product(dims) × sizeof(dtype)  the data in row-major (C) order
 * ```
 *
 * dtype bytes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 *
 * Every check (magic, dtype, header length, size limits, data length) runs before the data is
 * allocated, so a corrupt header claiming 10^12 elements is refused at once. A gzipped file
 * (first bytes 1f 8b) is decompressed with an output bound taken from its header, so a
 * decompression bomb or a header that does not match the stream fails fast as well.
 *
 * Reference: Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database of handwritten digits"
 * (file format section), http://yann.lecun.com/exdb/mnist/.
 */
import { readFile } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { FileFormatError, ShapeError, ValidationError, invalidArgument } from '../errors/gradlab-error.js';
import { oneOf, parseOptions } from '../errors/schema.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { firstNonFinite, unravelIndex } from '../io/non-finite.js';

/** The element types an IDX file can hold. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array each IDX dtype is read into (native byte order). */
export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** An array read from (or to be written to) an IDX file. */
export interface IdxArray {
  /** Element type. */
  dtype: IdxDtype;
  /** Dimensions, outermost first, e.g. `[60000, 28, 28]` for MNIST training images. */
  shape: number[];
  /** Row-major data, `product(shape)` elements: Uint8Array for uint8, Float32Array for float32, … */
  data: IdxTypedArray;
}

/** Options of {@link parseIdx} and {@link readIdx}. */
export interface IdxReadOptions {
  /**
   * What to do with NaN or ±Infinity in a float32 / float64 file: 'reject' (default; the error
   * names the element) or 'allow' (read them as they are).
   */
  nonFinite?: 'reject' | 'allow';
}

const readOptionsSchema = z.strictObject({ nonFinite: oneOf(['reject', 'allow'] as const).default('reject') });

/** Largest data section accepted, in bytes (2 GiB); bigger headers are refused before allocation. */
export const MAX_IDX_DATA_BYTES = 2 ** 31;

interface DtypeInfo {
  readonly name: IdxDtype;
  readonly code: number;
  readonly size: number;
}

const DTYPES: readonly DtypeInfo[] = [
  { name: 'uint8', code: 0x08, size: 1 },
  { name: 'int8', code: 0x09, size: 1 },
  { name: 'int16', code: 0x0b, size: 2 },
  { name: 'int32', code: 0x0c, size: 4 },
  { name: 'float32', code: 0x0d, size: 4 },
  { name: 'float64', code: 0x0e, size: 8 },
];

const INTEGER_RANGE: Partial<Record<IdxDtype, readonly [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/** Deflate cannot expand more than ~1032:1; a header asking for more than this is wrong. */
const MAX_DEFLATE_RATIO = 1032;
/** How far past the expected size a gzipped file is decompressed to count trailing bytes. */
const TRAILING_PROBE_BYTES = 4096;

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;
const dtypeList = DTYPES.map((d) => `${hex(d.code)} (${d.name})`).join(', ');

interface IdxHeader {
  info: DtypeInfo;
  shape: number[];
  headerBytes: number;
  dataBytes: number;
}

function fail(source: string, problem: string): never {
  throw new FileFormatError(`${source}: ${problem}`);
}

/** Parses and checks the header; `bytes` may be just a prefix of the file. */
function parseHeader(bytes: Uint8Array, source: string): IdxHeader {
  if (bytes.length < 4) {
    fail(source, `truncated header: the file has ${bytes.length} bytes, fewer than the 4-byte IDX magic`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const first = Array.from(bytes.subarray(0, 4), hex).join(' ');
    fail(source, `wrong magic: the file starts ${first}, expected 0x00 0x00 <dtype> <ndims> (is it an IDX file?)`);
  }
  const info = DTYPES.find((d) => d.code === bytes[2]);
  if (info === undefined) fail(source, `unknown dtype byte ${hex(bytes[2]!)}, expected one of ${dtypeList}`);
  const ndims = bytes[3]!;
  if (ndims === 0) fail(source, 'ndims is 0, expected at least 1 dimension');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    fail(source, `truncated header: ${ndims} dimensions need a ${headerBytes}-byte header, the file has ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape: number[] = [];
  let elements = 1n;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    elements *= BigInt(d);
  }
  const dataBytes = elements * BigInt(info.size);
  if (dataBytes > BigInt(MAX_IDX_DATA_BYTES)) {
    fail(
      source,
      `dims [${shape.join(', ')}] call for ${elements} ${info.name} elements (${dataBytes} bytes), ` +
        `more than the ${MAX_IDX_DATA_BYTES}-byte limit; refusing to allocate (corrupt header?)`,
    );
  }
  return { info, shape, headerBytes, dataBytes: Number(dataBytes) };
}

function checkDataLength(header: IdxHeader, available: number, source: string): void {
  const { info, shape, dataBytes } = header;
  if (available === dataBytes) return;
  const need = `dims [${shape.join(', ')}] × ${info.size}-byte ${info.name} need ${dataBytes} data bytes`;
  if (available < dataBytes) fail(source, `${need}, but the file has only ${available} after the header (truncated?)`);
  fail(source, `${available - dataBytes} trailing bytes: ${need}, but the file has ${available} after the header`);
}

function readData(bytes: Uint8Array, header: IdxHeader): IdxTypedArray {
  const { info, shape, headerBytes } = header;
  const n = shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + headerBytes, header.dataBytes);
  switch (info.name) {
    case 'uint8': {
      // Explicit copy: `bytes` may be a Node Buffer, whose slice() is a view of a shared pool.
      const out = new Uint8Array(n);
      out.set(bytes.subarray(headerBytes, headerBytes + n));
      return out;
    }
    case 'int8': {
      const out = new Int8Array(n);
      out.set(new Int8Array(bytes.buffer, bytes.byteOffset + headerBytes, n));
      return out;
    }
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
}

function checkFinite(data: IdxTypedArray, header: IdxHeader, source: string): void {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return;
  const i = firstNonFinite(data);
  if (i < 0) return;
  fail(
    source,
    `element [${unravelIndex(i, header.shape).join(', ')}] (flat index ${i}) is ${data[i]}; expected finite ${header.info.name} values ` +
      `(pass { nonFinite: 'allow' } to read NaN and Infinity)`,
  );
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzipIdx(bytes: Uint8Array, source: string): Uint8Array {
  // 1. Decompress a prefix only, enough for any header (at most 4 + 4 × 255 bytes).
  let header: IdxHeader | undefined;
  for (const prefixLength of [4096, 65536, bytes.length]) {
    let prefix: Uint8Array;
    try {
      prefix = gunzipSync(bytes.subarray(0, Math.min(prefixLength, bytes.length)), {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
      });
    } catch (err) {
      fail(source, `not a valid gzip stream: ${(err as Error).message}`);
    }
    const complete = prefixLength >= bytes.length;
    const needed = prefix.length >= 4 && prefix[0] === 0 && prefix[1] === 0 ? 4 + 4 * prefix[3]! : 4;
    if (prefix.length >= needed || complete) {
      header = parseHeader(prefix, source);
      break;
    }
  }
  const h = header!;
  // 2. Refuse sizes this stream cannot hold, then decompress with a bound from the header.
  const expected = h.headerBytes + h.dataBytes;
  const maxPossible = bytes.length * MAX_DEFLATE_RATIO;
  if (expected > maxPossible) {
    fail(
      source,
      `dims [${h.shape.join(', ')}] need ${h.dataBytes} data bytes, but a ${bytes.length}-byte gzip stream ` +
        `decompresses to at most ${maxPossible} (truncated file or corrupt header?)`,
    );
  }
  let plain: Uint8Array;
  try {
    plain = gunzipSync(bytes, { maxOutputLength: expected + TRAILING_PROBE_BYTES });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      fail(
        source,
        `more than ${TRAILING_PROBE_BYTES} trailing bytes: dims [${h.shape.join(', ')}] need ${h.dataBytes} data bytes, ` +
          `but the decompressed file is longer than ${expected + TRAILING_PROBE_BYTES} bytes`,
      );
    }
    fail(source, `gzip stream is truncated or corrupt (${(err as Error).message}); dims [${h.shape.join(', ')}] need ${h.dataBytes} data bytes`);
  }
  return plain;
}

/**
 * Parses the bytes of an IDX file, gzipped (detected by the 1f 8b magic) or plain.
 * @param bytes the whole file
 * @param source the file name (or any label) used in error messages
 * @param options `{ nonFinite = 'reject' }`: NaN / ±Infinity in a float file is an error
 *   naming the element, or read as is with 'allow'
 * @returns `{ dtype, shape, data }`, `data` a typed array of the dtype with `product(shape)`
 *   elements in row-major order (e.g. shape `[60000, 28, 28]`, Uint8Array of 47,040,000)
 * @throws FileFormatError naming `source` and the problem: wrong magic, unknown dtype byte,
 *   truncated header, a size over {@link MAX_IDX_DATA_BYTES}, data shorter than the dims
 *   need (both byte counts given), trailing bytes, a corrupt gzip stream, or a non-finite
 *   float (its index); ValidationError for bad options
 * @example
 * const { shape, data } = parseIdx(await readFile('train-labels-idx1-ubyte.gz'), 'train-labels')
 */
export function parseIdx(bytes: Uint8Array, source: string, options: IdxReadOptions = {}): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('parseIdx', 'bytes', bytes, 'a Uint8Array');
  const { nonFinite } = parseOptions('parseIdx', readOptionsSchema, options);
  const plain = isGzip(bytes) ? gunzipIdx(bytes, source) : bytes;
  const header = parseHeader(plain, source);
  checkDataLength(header, plain.length - header.headerBytes, source);
  const data = readData(plain, header);
  if (nonFinite === 'reject') checkFinite(data, header, source);
  return { dtype: header.info.name, shape: header.shape, data };
}

/**
 * Reads an IDX file from disk, gzipped or plain (see {@link parseIdx}).
 * @param path file path, e.g. `'/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'`
 * @param options `{ nonFinite = 'reject' }` as for {@link parseIdx}
 * @returns `{ dtype, shape, data }`
 * @throws FileFormatError for a malformed file (the message starts with `path`); the `fs`
 *   error when the file cannot be read
 * @example const images = await readIdx('data/train-images-idx3-ubyte.gz') // shape [60000, 28, 28]
 */
export async function readIdx(path: string, options: IdxReadOptions = {}): Promise<IdxArray> {
  const bytes = await readFile(path);
  return parseIdx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, options);
}

/** What {@link encodeIdx} and {@link writeIdx} accept: an {@link IdxArray}, or any array-like data. */
export interface IdxInput {
  /** Element type. */
  dtype: IdxDtype;
  /** Dimensions (1 to 255 of them, each a u32). */
  shape: number[];
  /** `product(shape)` values, row-major; integers in range for the integer dtypes. */
  data: ArrayLike<number>;
}

/** Options of {@link encodeIdx} and {@link writeIdx}. */
export interface IdxWriteOptions {
  /** gzip the output (default false). */
  gzip?: boolean;
}

/**
 * Encodes an array as IDX bytes (big-endian), optionally gzipped. The inverse of {@link parseIdx}.
 * @param array `{ dtype, shape, data }`; `data` may be any array-like of numbers with
 *   `product(shape)` elements; integer dtypes require integers in the dtype's range
 * @param options `{ gzip }` (default false)
 * @returns the file's bytes
 * @throws ValidationError for an unknown dtype, more than 255 dimensions, a dimension that is
 *   not a u32, or a value that does not fit the dtype; ShapeError when the data length is not
 *   the product of the shape
 * @example const bytes = encodeIdx({ dtype: 'uint8', shape: [2, 2], data: [0, 64, 128, 255] })
 */
export function encodeIdx(array: IdxInput, options: IdxWriteOptions = {}): Uint8Array {
  const where = 'encodeIdx';
  const info = DTYPES.find((d) => d.name === array.dtype);
  if (info === undefined) throw invalidArgument(where, 'dtype', array.dtype, `one of ${DTYPES.map((d) => d.name).join(', ')}`);
  const { shape, data } = array;
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 255) {
    throw invalidArgument(where, 'shape', shape, 'an array of 1 to 255 dimensions');
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw invalidArgument(where, 'shape', shape, 'an array of unsigned 32-bit integers');
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) {
    throw new ShapeError(`${where}: expected data to have ${n} elements (shape [${shape.join(', ')}]), got ${data.length}`);
  }
  if (n * info.size > MAX_IDX_DATA_BYTES) throw invalidArgument(where, 'shape', shape, `at most ${MAX_IDX_DATA_BYTES} data bytes`);
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + n * info.size);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const range = INTEGER_RANGE[info.name];
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (range !== undefined && !(Number.isInteger(v) && v >= range[0] && v <= range[1])) {
      throw new ValidationError(`${where}: expected data[${i}] to be an integer in [${range[0]}, ${range[1]}] for dtype ${info.name}, got ${v}`);
    }
    const at = headerBytes + i * info.size;
    switch (info.name) {
      case 'uint8':
        view.setUint8(at, v);
        break;
      case 'int8':
        view.setInt8(at, v);
        break;
      case 'int16':
        view.setInt16(at, v, false);
        break;
      case 'int32':
        view.setInt32(at, v, false);
        break;
      case 'float32':
        view.setFloat32(at, v, false);
        break;
      case 'float64':
        view.setFloat64(at, v, false);
        break;
    }
  }
  return options.gzip === true ? new Uint8Array(gzipSync(out)) : out;
}

/**
 * Writes an array as an IDX file, atomically (temporary file + rename, parent directories
 * created); gzipped when
 * `options.gzip` is true (name the file `….gz` then).
 * @param path destination file
 * @param array `{ dtype, shape, data }` as for {@link encodeIdx}
 * @param options `{ gzip }` (default false)
 * @throws as {@link encodeIdx}; GradlabError (code `E_IO`) when the file cannot be written
 * @example await writeIdx('t10k-labels-idx1-ubyte.gz', { dtype: 'uint8', shape: [3], data: [1, 2, 3] }, { gzip: true })
 */
export async function writeIdx(
  path: string,
  array: IdxInput,
  options: IdxWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeIdx(array, options));
}
