/**
 * Whether a gain or scale keeps weights inside float32. A finite gain such as 1e39 passes a
 * finiteness check yet turns every weight into ±Infinity once the float64 product is stored in a
 * float32 tensor, and what follows (an eigen-decomposition, a forward pass) then fails far from
 * the cause; so the product is checked where the gain is given.
 */
import { invalidArgument } from '../errors/gradlab-error.js';

/** The largest finite float32, (2 − 2⁻²³)·2¹²⁷ ≈ 3.4028e38. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Throws unless `value` is finite and `|value| · largestEntry` (the largest |weight| the scheme
 * can draw at value 1) is at most {@link FLOAT32_MAX}.
 * @throws ValidationError `where: expected field to be a finite number whose weights fit float32 …`
 */
export function checkScale(where: string, field: string, value: number, largestEntry: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidArgument(where, field, value, 'a finite number');
  if (Math.abs(value) * largestEntry > FLOAT32_MAX) {
    const limit = FLOAT32_MAX / largestEntry;
    throw invalidArgument(where, field, value, `a number with |${field}| ≤ ${limit.toPrecision(3)}, so the weights fit float32 (max ${FLOAT32_MAX.toPrecision(3)})`);
  }
}
