/**
 * Test helpers for the hostile-file tests: fast-check arbitraries that damage a valid file
 * (flip, overwrite, insert or delete bytes, truncate, append garbage), and a checker that a
 * reader either returns or throws a GradlabError — never a TypeError, RangeError or tfjs error.
 *
 * Every property runs with a fixed seed so CI is deterministic; `runCounted` reports how many
 * cases a property tried and how they ended, which the tests print for the record.
 */
import fc from 'fast-check';
import { GradlabError } from '@gradlab/core';

/** One damage to a byte string. Positions are taken modulo the length (+1), so they fit any file. */
export type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'append'; bytes: Uint8Array };

const position = fc.nat({ max: 2 ** 30 });

/** An arbitrary mutation. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: position, value: fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x5d), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

/** Applies one mutation, returning a new array (the input is never changed). */
export function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = m.kind === 'append' ? bytes.length : m.at % (m.kind === 'truncate' || m.kind === 'insert' ? bytes.length + 1 : Math.max(1, bytes.length));
  switch (m.kind) {
    case 'set': {
      const out = bytes.slice();
      if (out.length > 0) out[at] = m.value;
      return out;
    }
    case 'flip': {
      const out = bytes.slice();
      if (out.length > 0) out[at] = out[at]! ^ (1 << m.bit);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'delete':
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + m.count)));
    case 'insert':
      return concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
    case 'append':
      return concat(bytes, m.bytes);
  }
}

/** 1 to `max` mutations applied in turn. */
export const mutationsArb = (max = 4) => fc.array(mutationArb, { minLength: 1, maxLength: max });

/** Applies each mutation in turn. */
export function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  return ms.reduce(applyMutation, bytes);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** How the cases of one property ended. */
export interface CaseCounts {
  /** Cases run (fast-check's numRuns, unless a failure stopped it early). */
  cases: number;
  /** Cases where the reader returned a value. */
  parsed: number;
  /** Cases where it threw a GradlabError, by code. */
  rejected: Record<string, number>;
}

/**
 * Calls `read()`; a GradlabError is counted as a rejection, any other error is rethrown (the
 * property fails on it), and a returned value is handed to `check` (which asserts on it).
 */
export function parsesOrRejects<T>(counts: CaseCounts, read: () => T, check: (value: T) => void = () => {}): void {
  counts.cases++;
  let value: T;
  try {
    value = read();
  } catch (err) {
    if (!(err instanceof GradlabError)) {
      throw new Error(`expected a GradlabError, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`, { cause: err });
    }
    if (err.message.includes('\n')) throw new Error(`expected a one-line message, got ${JSON.stringify(err.message)}`);
    counts.rejected[err.code] = (counts.rejected[err.code] ?? 0) + 1;
    return;
  }
  counts.parsed++;
  check(value);
}

/** The async form of {@link parsesOrRejects}. */
export async function parsesOrRejectsAsync<T>(counts: CaseCounts, read: () => Promise<T>, check: (value: T) => void = () => {}): Promise<void> {
  counts.cases++;
  let value: T;
  try {
    value = await read();
  } catch (err) {
    if (!(err instanceof GradlabError)) {
      throw new Error(`expected a GradlabError, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`, { cause: err });
    }
    if (err.message.includes('\n')) throw new Error(`expected a one-line message, got ${JSON.stringify(err.message)}`);
    counts.rejected[err.code] = (counts.rejected[err.code] ?? 0) + 1;
    return;
  }
  counts.parsed++;
  check(value);
}

/** Fresh counters. */
export const newCounts = (): CaseCounts => ({ cases: 0, parsed: 0, rejected: {} });

/** One line for the test log: `[fuzz] name: 500 cases (parsed 12, E_FILE_FORMAT 480, E_SHAPE 8)`. */
export function report(name: string, c: CaseCounts): string {
  const parts = [`parsed ${c.parsed}`, ...Object.entries(c.rejected).sort().map(([k, v]) => `${k} ${v}`)];
  const line = `[fuzz] ${name}: ${c.cases} cases (${parts.join(', ')})`;
  console.info(line);
  return line;
}

/**
 * The fixed seed of every property, so CI is deterministic. To explore other cases locally, set
 * `GRADLAB_FUZZ_SEED=<integer>` (a failure prints the seed and path to replay it).
 */
export const FUZZ_SEED = Number.parseInt(process.env['GRADLAB_FUZZ_SEED'] ?? '', 10) || 20240611;

/**
 * Bytes of memory in use by this process that a big allocation would show up in: array
 * buffers (typed arrays, Node Buffers) plus the V8 heap.
 */
export function allocatedBytes(): number {
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}
