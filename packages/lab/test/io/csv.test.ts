import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@gradlab/core';
import { formatNumber, parseResultsCsv, toCsv, writeCsv } from '../../src/io/csv.js';

describe('formatNumber', () => {
  test.each([
    [0, '0'],
    [-0, '0'],
    [3, '3'],
    [-12, '-12'],
    [2 ** 53 - 1, '9007199254740991'],
    [0.1, '0.1'],
    [0.123456789, '0.1234568'],
    [1 / 3, '0.3333333'],
    [Math.fround(0.1), '0.1'],
    [123456.789, '123456.8'],
    [12345678.9, '12345680'],
    [1.5e-7, '1.5e-7'],
    [-2.25e-12, '-2.25e-12'],
    [6.02214076e23, '6.022141e+23'],
    [2 ** 60, '1152922000000000000'],
    [NaN, 'NaN'],
    [Infinity, 'Inf'],
    [-Infinity, '-Inf'],
  ])('formatNumber(%s) = %s', (x, expected) => {
    expect(formatNumber(x)).toBe(expected);
  });

  test('round-trips to within 7 significant digits', () => {
    for (const x of [Math.PI, Math.E * 1e-9, -1234.5678e10]) {
      expect(Math.abs(Number(formatNumber(x)) - x) / Math.abs(x)).toBeLessThan(5e-7);
    }
  });
});

describe('toCsv', () => {
  const columns = ['model', 'lag', 'grad_l2', 'solved'] as const;

  test('writes the header and rows in the fixed column order, quoting when needed', () => {
    const rows = [
      { solved: true, grad_l2: 0.000123456789, lag: 3, model: 'lstm' },
      { model: 'rnn, tanh', lag: 10, grad_l2: NaN, solved: false },
      { model: 'say "hi"', lag: 1, grad_l2: -Infinity, solved: false },
    ];
    expect(toCsv(rows, columns)).toBe(
      'model,lag,grad_l2,solved\nlstm,3,0.0001234568,true\n"rnn, tanh",10,NaN,false\n"say ""hi""",1,-Inf,false\n',
    );
    expect(toCsv([], columns)).toBe('model,lag,grad_l2,solved\n');
  });

  test('does not modify its input', () => {
    const rows = [{ model: 'a', lag: 1, grad_l2: 1.5, solved: true }];
    const copy = structuredClone(rows);
    toCsv(rows, columns);
    expect(rows).toEqual(copy);
  });

  test('parseResultsCsv reads it back with numbers, booleans and non-finite values', () => {
    const text = toCsv([{ model: 'x', lag: 2, grad_l2: Infinity, solved: true }, { model: '7', lag: 0.5, grad_l2: NaN, solved: false }], columns);
    const back = parseResultsCsv(text);
    expect(back[0]).toEqual({ model: 'x', lag: 2, grad_l2: Infinity, solved: true });
    expect(back[1]!['lag']).toBe(0.5);
    expect(back[1]!['grad_l2']).toBeNaN();
  });

  test('a missing or extra column is a ValidationError naming the column and the row index', () => {
    const good = { model: 'a', lag: 1, grad_l2: 1, solved: true };
    const { lag: _lag, ...noLag } = good;
    expect(() => toCsv([good, noLag], columns)).toThrow(ValidationError);
    expect(() => toCsv([good, noLag], columns)).toThrow(/toCsv: row 1 has no column "lag"/);
    expect(() => toCsv([{ ...good, extra: 1 }], columns)).toThrow(/toCsv: row 0 has column "extra", which is not in the columns \(model, lag, grad_l2, solved\)/);
    expect(() => toCsv([{ ...good, lag: [1] as unknown as number }], columns)).toThrow(
      /toCsv: expected rows\[0\]\.lag to be a string, number or boolean, got \[1\]/,
    );
    expect(() => toCsv([good], ['model', 'model'])).toThrow(/column "model" is listed twice/);
  });

  test('writeCsv writes the same bytes as toCsv, atomically', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gradlab-csv-')), 'sub', 't.csv');
    const rows = [{ model: 'a', lag: 1, grad_l2: 1 / 7, solved: true }];
    await writeCsv(path, rows, columns);
    expect(readFileSync(path, 'utf8')).toBe(toCsv(rows, columns));
  });
});
