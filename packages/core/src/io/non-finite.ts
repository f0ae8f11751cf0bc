/**
 * Finding the first NaN / ±Infinity in a flat array and naming its position, for the loaders
 * (IDX, safetensors, weight files) that refuse non-finite values with a message pointing at
 * the element: `holds NaN at index [3, 1] (flat index 7)`.
 */

/**
 * Index of the first value that is not a finite number, or -1 when all are finite.
 * @param values a flat array (typed or plain)
 */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * Row-major flat index → `[i, j, …]` of an array of `shape`.
 * @example unravelIndex(7, [4, 3]) // [2, 1]
 */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    out[k] = flat % shape[k]!;
    flat = Math.floor(flat / shape[k]!);
  }
  return out;
}
