/**
 * A grid of small grayscale images (digits, clothes, filters, reconstructions) as a PNG file,
 * written without dependencies: 8-bit grayscale, one zlib stream (node:zlib), CRC-32 per chunk
 * as the PNG specification requires. Images are laid out row-major with a 1-pixel gap; each
 * image's values are clipped to [0, 1] (or rescaled per image with `normalise`).
 *
 * Reference: PNG (Portable Network Graphics) Specification, W3C Recommendation (2003), sects.
 * 5 (datastream), 11.2 (IHDR, IDAT, IEND), 9 (filter type 0).
 */
import { deflateSync } from 'node:zlib';
import { ShapeError, invalidArgument } from '@gradlab/core';

/** Options of {@link imageGridPng}. */
export interface ImageGridOptions {
  /** Image height and width in pixels, e.g. [28, 28]. */
  imageShape: [number, number];
  /** Images per grid row (default: all in one row). */
  columns?: number;
  /** Pixels each image pixel becomes (nearest neighbour), a positive integer (default 2). */
  scale?: number;
  /** Gap between images in output pixels (default 2); the gap is mid-grey. */
  gap?: number;
  /** Rescale each image to its own [min, max] instead of clipping to [0, 1] (default false; use for weights). */
  normalise?: boolean;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO-HDLC, the PNG chunk checksum). */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes an 8-bit grayscale image as PNG bytes.
 * @param pixels row-major, width·height values in 0–255
 */
export function encodeGrayscalePng(pixels: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isSafeInteger(width) || width < 1) throw invalidArgument('encodeGrayscalePng', 'width', width, 'a positive integer');
  if (!Number.isSafeInteger(height) || height < 1) throw invalidArgument('encodeGrayscalePng', 'height', height, 'a positive integer');
  if (pixels.length !== width * height) throw new ShapeError(`encodeGrayscalePng: expected ${width * height} pixels (${width}×${height}), got ${pixels.length}`);
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1); // filter type 0 per line
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  const signature = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = [signature, chunk('IHDR', ihdr), chunk('IDAT', new Uint8Array(deflateSync(raw, { level: 9 }))), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A PNG showing `images` in a grid.
 * @param images row-major, n · height · width values (n images one after another), in [0, 1]
 * @param options `imageShape` [height, width], `columns` (default n), `scale` (2), `gap` (2), `normalise` (false)
 * @returns the PNG file's bytes
 * @throws ShapeError when the data is not a whole number of images; ValidationError for bad options
 * @example writeFileSync('recon.png', imageGridPng(x.dataSync(), { imageShape: [28, 28], columns: 10 }))
 */
export function imageGridPng(images: ArrayLike<number>, options: ImageGridOptions): Uint8Array {
  const where = 'imageGridPng';
  const [h, w] = options.imageShape ?? [];
  if (!Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h! < 1 || w! < 1) throw invalidArgument(where, 'imageShape', options.imageShape, 'a pair of positive integers [height, width]');
  const size = h! * w!;
  if (images.length === 0 || images.length % size !== 0) throw new ShapeError(`${where}: expected a whole number of ${h}×${w} images, got ${images.length} values`);
  const n = images.length / size;
  const columns = options.columns ?? n;
  const scale = options.scale ?? 2;
  const gap = options.gap ?? 2;
  if (!Number.isSafeInteger(columns) || columns < 1) throw invalidArgument(where, 'columns', columns, 'a positive integer');
  if (!Number.isSafeInteger(scale) || scale < 1) throw invalidArgument(where, 'scale', scale, 'a positive integer');
  if (!Number.isSafeInteger(gap) || gap < 0) throw invalidArgument(where, 'gap', gap, 'a non-negative integer');
  const rows = Math.ceil(n / columns);
  const W = columns * w! * scale + (columns + 1) * gap;
  const H = rows * h! * scale + (rows + 1) * gap;
  const out = new Uint8Array(W * H).fill(128);
  for (let k = 0; k < n; k++) {
    let lo = 0;
    let hi = 1;
    if (options.normalise === true) {
      lo = Infinity;
      hi = -Infinity;
      for (let i = 0; i < size; i++) {
        const x = images[k * size + i]!;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      if (!(hi > lo)) hi = lo + 1;
    }
    const top = gap + Math.floor(k / columns) * (h! * scale + gap);
    const left = gap + (k % columns) * (w! * scale + gap);
    for (let y = 0; y < h!; y++) {
      for (let x = 0; x < w!; x++) {
        const raw = (images[k * size + y * w! + x]! - lo) / (hi - lo);
        const value = Number.isFinite(raw) ? Math.round(255 * Math.min(1, Math.max(0, raw))) : 0;
        for (let dy = 0; dy < scale; dy++) out.fill(value, (top + y * scale + dy) * W + left + x * scale, (top + y * scale + dy) * W + left + (x + 1) * scale);
      }
    }
  }
  return encodeGrayscalePng(out, W, H);
}
