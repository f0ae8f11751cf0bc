/**
 * The error contract every entry point relies on: stable codes per class, `parseOptions` turning
 * any zod issue into one line `where: expected field to be …, got value`, `describeValue` short
 * for any value; and the core entry points converted to schemas (loadImageData, readers' options).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  BackendError,
  ExperimentError,
  FileFormatError,
  GradlabError,
  Rng,
  ShapeError,
  ValidationError,
  describeValue,
  loadImageData,
  oneOf,
  parseOptions,
  positiveInt,
  probability,
} from '@gradlab/core';
import { z } from 'zod';
import { FUZZ_SEED } from '../io/hostile-bytes.js';

describe('error classes', () => {
  test.each([
    [ValidationError, 'E_INVALID_ARGUMENT'],
    [ShapeError, 'E_SHAPE'],
    [FileFormatError, 'E_FILE_FORMAT'],
    [BackendError, 'E_BACKEND'],
    [ExperimentError, 'E_EXPERIMENT'],
  ] as const)('%o carries the stable code %s, its name, hint and cause', (Cls, code) => {
    const cause = new Error('inner');
    const e = new Cls('where: expected x to be y, got z', { hint: 'try this', cause });
    expect(e).toBeInstanceOf(GradlabError);
    expect(e.code).toBe(code);
    expect(e.name).toBe(Cls.name);
    expect(e.hint).toBe('try this');
    expect(e.cause).toBe(cause);
    expect(e.message).toBe('where: expected x to be y, got z');
  });
});

describe('parseOptions', () => {
  const schema = z.strictObject({
    size: positiveInt(),
    rate: probability().optional(),
    mode: oneOf(['fast', 'exact'] as const).default('fast'),
    nested: z.strictObject({ depth: positiveInt() }).optional(),
  });

  test('names the entry point, the field (nested paths too), the value and the expectation', () => {
    expect(parseOptions('Thing', schema, { size: 3 })).toEqual({ size: 3, mode: 'fast' });
    expect(() => parseOptions('Thing', schema, { size: 2.5 })).toThrow(new ValidationError('Thing: expected size to be a positive integer, got 2.5'));
    expect(() => parseOptions('Thing', schema, {})).toThrow(/^Thing: expected size to be a positive integer \(it is required\), got undefined$/);
    expect(() => parseOptions('Thing', schema, { size: 1, rate: 1.5 })).toThrow(/^Thing: expected rate to be a number in \[0, 1\], got 1\.5$/);
    expect(() => parseOptions('Thing', schema, { size: 1, mode: 'slow' })).toThrow(/^Thing: expected mode to be one of "fast", "exact", got "slow"$/);
    expect(() => parseOptions('Thing', schema, { size: 1, nested: { depth: 0 } })).toThrow(/^Thing: expected nested\.depth to be a positive integer, got 0$/);
    expect(() => parseOptions('Thing', schema, { size: 1, sise: 2 })).toThrow(/^Thing: unknown option "sise"; expected one of size, rate, mode, nested$/);
    expect(() => parseOptions('Thing', schema, { size: 1, nested: { depth: 1, width: 2 } })).toThrow(/^Thing: unknown option "nested\.width"$/);
    expect(() => parseOptions('Thing', schema, null)).toThrow(/^Thing: expected the options to be an object, got null$/);
    expect(() => parseOptions('Thing', schema, { size: { 'a\nb': 1, ok: 2 } })).toThrow(/^Thing: expected size to be a positive integer, got an object with keys \{"a\\nb", ok\}$/);
  });

  test('property: for any input it returns the parsed value or throws one one-line ValidationError', () => {
    let cases = 0;
    fc.assert(
      fc.property(fc.oneof(fc.anything({ withObjectString: true }), fc.record({ size: fc.anything(), rate: fc.anything(), mode: fc.anything() }, { requiredKeys: [] })), (input) => {
        cases++;
        try {
          const out = parseOptions('Thing', schema, input);
          expect(Number.isInteger(out.size) && out.size >= 1).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          expect((err as Error).message).toMatch(/^Thing: (expected .+ to be .+, got .+|unknown option .+)$/);
          expect((err as Error).message).not.toContain('\n');
        }
      }),
      { seed: FUZZ_SEED, numRuns: 500 },
    );
    expect(cases).toBe(500);
    console.info(`[fuzz] parseOptions on arbitrary input: ${cases} cases`);
  });

  test('describeValue stays short for any value', () => {
    let cases = 0;
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (v) => {
        cases++;
        const s = describeValue(v);
        expect(typeof s).toBe('string');
        expect(s).not.toContain('\n');
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(describeValue(new Array(100).fill(1))).toBe('an array of length 100');
    expect(describeValue(new Float32Array(1e6))).toBe('a Float32Array of length 1000000');
    console.info(`[fuzz] describeValue: ${cases} cases`);
  });
});

describe('core entry points validated by schema', () => {
  test('loadImageData: sizes, unknown keys and the rng are checked before anything is read', async () => {
    const rng = new Rng(1);
    await expect(loadImageData({ trainSize: 0, testSize: 1 }, rng)).rejects.toThrow(/^loadImageData: expected trainSize to be a positive integer, got 0$/);
    await expect(loadImageData({ trainSize: 10, testSize: 2.5 }, rng)).rejects.toThrow(/^loadImageData: expected testSize to be a positive integer, got 2\.5$/);
    await expect(loadImageData({ trainSize: 10, testSize: 5, datadir: '/x' } as never, rng)).rejects.toThrow(
      /^loadImageData: unknown option "datadir"; expected one of dataDir, trainSize, testSize$/,
    );
    await expect(loadImageData({ trainSize: 10, testSize: 5, dataDir: 7 } as never, rng)).rejects.toThrow(/^loadImageData: expected dataDir to be a directory path, got 7$/);
    await expect(loadImageData({ trainSize: 10, testSize: 5 }, 42 as never)).rejects.toThrow(ValidationError);
    await expect(loadImageData({ trainSize: 10, testSize: 5 }, 42 as never)).rejects.toThrow(/^loadImageData: expected rng to be an Rng, got 42$/);
  });
});
