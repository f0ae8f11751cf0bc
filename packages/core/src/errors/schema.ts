/**
 * Schema validation with zod, turned into gradlab's error style. Entry points describe their
 * options as a zod schema built from the helpers below (each carries the human phrase used in
 * the message) and call `parseOptions`, which throws one `ValidationError` naming the first
 * offending field, its value and what was expected.
 */
import { z } from 'zod';
import { ValidationError, describeValue } from './gradlab-error.js';

/** A positive integer (≥ 1). */
export const positiveInt = () =>
  z.number({ error: 'a positive integer' }).int({ error: 'a positive integer' }).min(1, { error: 'a positive integer' });
/** A non-negative integer (≥ 0). */
export const nonNegativeInt = () =>
  z.number({ error: 'a non-negative integer' }).int({ error: 'a non-negative integer' }).min(0, { error: 'a non-negative integer' });
/** A finite number > 0. */
export const positiveNumber = () =>
  z.number({ error: 'a finite number > 0' }).finite({ error: 'a finite number > 0' }).gt(0, { error: 'a finite number > 0' });
/** A finite number ≥ 0. */
export const nonNegativeNumber = () =>
  z.number({ error: 'a finite number >= 0' }).finite({ error: 'a finite number >= 0' }).min(0, { error: 'a finite number >= 0' });
/** A finite number. */
export const finiteNumber = () => z.number({ error: 'a finite number' }).finite({ error: 'a finite number' });
/** A probability in [0, 1]. */
export const probability = () =>
  z.number({ error: 'a number in [0, 1]' }).min(0, { error: 'a number in [0, 1]' }).max(1, { error: 'a number in [0, 1]' });
/** One of a fixed list of strings. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? 'the options' : out;
}

/**
 * Validates `input` against `schema` and returns the parsed value.
 * @param where the entry point's name, first in the message (`'MLP'`, `'gradlab run'`)
 * @throws ValidationError `where: expected field to be …, got …` for the first problem found
 */
export function parseOptions<S extends z.ZodType>(where: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    const keys = (issue as { keys: string[] }).keys;
    const prefix = issue.path.length > 0 ? `${fieldName(issue.path)}.` : '';
    return throwIt(
      `${where}: unknown option ${keys.map((k) => JSON.stringify(prefix + k)).join(', ')}` +
        (known.length > 0 && prefix === '' ? `; expected one of ${known.join(', ')}` : ''),
    );
  }
  const value = valueAt(input, issue.path);
  let expected = issue.message;
  // zod's own wording ("Invalid input: expected number, received string") for fields without a
  // phrase of ours: keep just the expectation.
  const m = /expected ([^,]+)/.exec(expected);
  if (expected.startsWith('Invalid') && m) expected = m[1]!;
  // A bare type name from zod ("object", "number") reads as "an object", "a number".
  if (/^(number|string|object|boolean|array|bigint|function|symbol|date)$/.test(expected)) expected = `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
  if (value === undefined && issue.code === 'invalid_type') expected = `${expected} (it is required)`;
  return throwIt(`${where}: expected ${fieldName(issue.path)} to be ${expected}, got ${describeValue(value)}`);
}

function throwIt(message: string): never {
  throw new ValidationError(message);
}
