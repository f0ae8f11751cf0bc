import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileFormatError, parseCsvData, readCsvData } from '@gradlab/core';

describe('numeric CSV reader', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradlab-csv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads a header and numeric rows (spaces, exponents, nan/inf when allowed, quotes, CRLF, BOM, blank lines)', async () => {
    const path = join(dir, 'good.csv');
    await writeFile(path, '\uFEFFx, y ,"z"\r\n1, -2.5, 1e-3\r\n\r\n.5,+7,"3"\r\nnan,inf,-Infinity\r\n');
    const { columns, data, shape } = await readCsvData(path, { nonFinite: 'allow' });
    expect(columns).toEqual(['x', 'y', 'z']);
    expect(shape).toEqual([3, 3]);
    expect(Array.from(data)).toEqual([1, -2.5, Math.fround(1e-3), 0.5, 7, 3, NaN, Infinity, -Infinity]);
    expect(data).toBeInstanceOf(Float32Array);
  });

  test('a header alone gives zero rows; other delimiters work', () => {
    expect(parseCsvData('a,b\n', 'h.csv').shape).toEqual([0, 2]);
    expect(Array.from(parseCsvData('a;b\n1;2\n', 's.csv', { delimiter: ';' }).data)).toEqual([1, 2]);
  });

  test('a non-numeric cell is reported with its line, column and text', () => {
    const text = 'a,b,c\n1,2,3\n4,five,6\n';
    expect(() => parseCsvData(text, 'bad.csv')).toThrow(FileFormatError);
    expect(() => parseCsvData(text, 'bad.csv')).toThrow(/^bad\.csv: line 3, column 2 \("b"\): expected a number, got "five"$/);
    expect(() => parseCsvData('a,b\n1,\n', 'e.csv')).toThrow(/^e\.csv: line 2, column 2 \("b"\): expected a number, got ""$/);
    expect(() => parseCsvData('a\n0x10\n', 'h.csv')).toThrow(/got "0x10"$/);
  });

  test('ragged rows are reported with both cell counts', () => {
    expect(() => parseCsvData('a,b,c\n1,2,3\n\n4,5\n', 'ragged.csv')).toThrow(/^ragged\.csv: line 4: 2 cells, expected 3 as in the header$/);
    expect(() => parseCsvData('a,b\n1,2,3\n', 'ragged.csv')).toThrow(/^ragged\.csv: line 2: 3 cells, expected 2 as in the header$/);
  });

  test('empty files, bad headers and CSV syntax errors are clear', async () => {
    expect(() => parseCsvData('', 'empty.csv')).toThrow(/^empty\.csv: no header row \(the file is empty\)/);
    expect(() => parseCsvData('a,,c\n', 'h.csv')).toThrow(/^h\.csv: line 1, column 2: empty column name in the header$/);
    expect(() => parseCsvData('a,b,a\n', 'h.csv')).toThrow(/^h\.csv: line 1: column name "a" appears twice \(columns 1 and 3\)$/);
    expect(() => parseCsvData('a,b\n1,"2\n', 'q.csv')).toThrow(/^q\.csv: invalid CSV: Quote Not Closed/);
    const path = join(dir, 'bad.csv');
    await writeFile(path, 'a\nx\n');
    await expect(readCsvData(path)).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2, column 1`));
  });
});
