import { describe, expect, test } from 'vitest';
import { inflateSync } from 'node:zlib';
import { ShapeError } from '@gradlab/core';
import { crc32, encodeGrayscalePng, imageGridPng } from '../../src/plot/image-grid.js';

/** The IHDR fields and the decoded pixels of a grayscale PNG written by encodeGrayscalePng. */
function decode(png: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer, png.byteOffset);
  let o = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  for (;;) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    const data = png.subarray(o + 8, o + 8 + len);
    expect(view.getUint32(o + 8 + len)).toBe(crc32(png.subarray(o + 4, o + 8 + len)));
    if (type === 'IHDR') {
      width = view.getUint32(o + 8);
      height = view.getUint32(o + 12);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels };
}

describe('imageGridPng', () => {
  test('CRC-32 of "123456789" is the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  test('a 2×3 grayscale image round-trips through PNG', () => {
    const px = new Uint8Array([0, 50, 100, 150, 200, 255]);
    const { width, height, pixels } = decode(encodeGrayscalePng(px, 3, 2));
    expect([width, height]).toEqual([3, 2]);
    expect(Array.from(pixels)).toEqual(Array.from(px));
  });

  test('lays images out in a grid with gaps, scaled and clipped', () => {
    // Two 2×2 images in one row, scale 1, gap 1: width 2·2 + 3 = 7, height 2 + 2 = 4.
    const images = [0, 1, 0.5, 2, /* second */ 1, 1, 1, -1];
    const { width, height, pixels } = decode(imageGridPng(images, { imageShape: [2, 2], scale: 1, gap: 1 }));
    expect([width, height]).toEqual([7, 4]);
    const at = (x: number, y: number) => pixels[y * width + x];
    expect(at(0, 0)).toBe(128); // gap
    expect([at(1, 1), at(2, 1), at(1, 2), at(2, 2)]).toEqual([0, 255, 128, 255]);
    expect([at(4, 1), at(5, 2)]).toEqual([255, 0]);
    expect(() => imageGridPng([1, 2, 3], { imageShape: [2, 2] })).toThrow(ShapeError);
    expect(() => imageGridPng([1, 2, 3, 4], { imageShape: [2, 2], columns: 0 })).toThrow(/imageGridPng: expected columns to be a positive integer, got 0/);
  });
});
