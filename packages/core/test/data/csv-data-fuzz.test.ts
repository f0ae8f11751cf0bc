/**
 * Hostile CSV data: property-based and fuzz tests for the numeric CSV reader. Any text either
 * parses to a consistent finite matrix or is refused with a FileFormatError naming the line and
 * column — never another error type.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FileFormatError, ValidationError, parseCsvData, type CsvData } from '@gradlab/core';
import { FUZZ_SEED, mutate, mutationsArb, newCounts, parsesOrRejects, report } from '../io/hostile-bytes.js';

function consistent(d: CsvData): void {
  expect(d.shape).toEqual([d.data.length / d.columns.length, d.columns.length]);
  expect(Number.isInteger(d.shape[0])).toBe(true);
  expect(new Set(d.columns).size).toBe(d.columns.length);
  expect(Array.from(d.data).every(Number.isFinite)).toBe(true);
}

const VALID = 'x,y,label\n0.5,-1.25,1\n1e-3,2,0\n.25,+3,1\n';

describe('CSV reader against hostile text', () => {
  test('fuzz: random byte mutations of a valid file parse consistently or throw a FileFormatError', () => {
    const counts = newCounts();
    const bytes = new TextEncoder().encode(VALID);
    fc.assert(
      fc.property(mutationsArb(5), (ms) => {
        const text = Buffer.from(mutate(bytes, ms)).toString('utf8');
        parsesOrRejects(counts, () => parseCsvData(text, 'fuzz.csv'), consistent);
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
    expect(counts.cases).toBe(1000);
    expect(Object.keys(counts.rejected)).toEqual(['E_FILE_FORMAT']);
    report('csv byte mutations', counts);
  });

  test('fuzz: text made of CSV-ish tokens (numbers, nan, quotes, delimiters, newlines, junk) parses or throws a FileFormatError', () => {
    const counts = newCounts();
    const token = fc.oneof(
      fc.constantFrom(',', ',', '\n', '\r\n', '"', '""', ' ', ';', '\t', '\uFEFF', 'nan', 'inf', '-Infinity', '1e39', '1e400', 'x', 'a', '0x10', '-', '.', 'e'),
      fc.double().map(String),
      fc.integer().map(String),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), fc.constantFrom('reject' as const, 'allow' as const), (tokens, nonFinite) => {
        parsesOrRejects(
          counts,
          () => parseCsvData(tokens.join(''), 'tokens.csv', { nonFinite }),
          (d) => {
            expect(d.data.length).toBe(d.shape[0] * d.shape[1]);
            if (nonFinite === 'reject') expect(Array.from(d.data).every(Number.isFinite)).toBe(true);
          },
        );
      }),
      { seed: FUZZ_SEED, numRuns: 1000 },
    );
    expect(counts.cases).toBe(1000);
    expect(Object.keys(counts.rejected)).toEqual(['E_FILE_FORMAT']);
    report('csv token soup', counts);
  });

  test('property: any finite float32 table written with a header reads back exactly', () => {
    let cases = 0;
    const table = fc.integer({ min: 1, max: 5 }).chain((w) =>
      fc.array(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: w, maxLength: w }), { maxLength: 8 }).map((rows) => ({ w, rows })),
    );
    fc.assert(
      fc.property(table, fc.constantFrom(',', ';', '\t'), ({ w, rows }, delimiter) => {
        cases++;
        const names = Array.from({ length: w }, (_, j) => `c${j}`);
        const text = [names, ...rows.map((r) => r.map((v) => (Object.is(v, -0) ? '-0' : String(v))))].map((r) => r.join(delimiter)).join('\n');
        const d = parseCsvData(text, 'table.csv', { delimiter });
        expect(d.columns).toEqual(names);
        expect(d.shape).toEqual([rows.length, w]);
        expect(Array.from(d.data)).toEqual(rows.flat());
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(cases).toBe(300);
    console.info(`[fuzz] csv round trip: ${cases} cases`);
  });

  describe('regressions: each hostile class is refused with this exact message', () => {
    test('NaN in a cell: names the line and the column', () => {
      expect(() => parseCsvData('a,b\n1,2\n3,nan\n', 'nan.csv')).toThrow(FileFormatError);
      expect(() => parseCsvData('a,b\n1,2\n3,nan\n', 'nan.csv')).toThrow(
        /^nan\.csv: line 3, column 2 \("b"\): expected a finite number, got "nan"; pass \{ nonFinite: 'allow' \} to read NaN and Infinity$/,
      );
    });

    test('Infinity, and a number that overflows float32', () => {
      expect(() => parseCsvData('a\n-Infinity\n', 'inf.csv')).toThrow(/^inf\.csv: line 2, column 1 \("a"\): expected a finite number, got "-Infinity"; pass/);
      expect(() => parseCsvData('a,b\n1,1e39\n', 'big.csv')).toThrow(
        /^big\.csv: line 2, column 2 \("b"\): expected a finite number, got "1e39" \(too large for float32\); pass \{ nonFinite: 'allow' \} to read NaN and Infinity$/,
      );
      expect(Array.from(parseCsvData('a,b\n1e39,nan\n', 'big.csv', { nonFinite: 'allow' }).data)).toEqual([Infinity, NaN]);
    });

    test('a non-numeric cell', () => {
      expect(() => parseCsvData('a,b\n1,two\n', 'text.csv')).toThrow(/^text\.csv: line 2, column 2 \("b"\): expected a number, got "two"$/);
    });

    test('truncated: a file cut inside a quoted cell', () => {
      expect(() => parseCsvData('a,b\n1,"2', 'cut.csv')).toThrow(/^cut\.csv: invalid CSV: Quote Not Closed: the parsing is finished with an opening quote at line 2$/);
    });

    test('bad options are ValidationErrors naming the option', () => {
      expect(() => parseCsvData('a\n1\n', 'o.csv', { delimiter: ',,' })).toThrow(ValidationError);
      expect(() => parseCsvData('a\n1\n', 'o.csv', { delimiter: ',,' })).toThrow(/^parseCsvData: expected delimiter to be a single character, got ",,"$/);
      expect(() => parseCsvData('a\n1\n', 'o.csv', { nonFinite: 'skip' } as never)).toThrow(
        /^parseCsvData: expected nonFinite to be one of "reject", "allow", got "skip"$/,
      );
      expect(() => parseCsvData('a\n1\n', 'o.csv', { delimeter: ';' } as never)).toThrow(/^parseCsvData: unknown option "delimeter"; expected one of delimiter, nonFinite$/);
    });
  });
});
