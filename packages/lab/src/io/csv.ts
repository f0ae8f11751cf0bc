/**
 * Results CSV: a fixed column order and one deterministic number format, so the same numbers
 * always give the same bytes (RFC 4180 quoting by csv-stringify, `\n` line ends, a header row).
 *
 * Numbers: safe integers as integers (`3`, `-12`); other values with 7 significant digits in
 * JavaScript's shortest form (`0.1234568`, `1.5e-7`, `12345680`); `NaN`, `Inf`, `-Inf` for the
 * non-finite ones (pandas reads them with `na_values`/`float`, R with `as.numeric`). -0 is `0`.
 */
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { FileFormatError, GradlabError, ValidationError, describeValue, writeFileAtomic } from '@gradlab/core';

/** A CSV cell value. */
export type CsvValue = string | number | boolean;
/** One CSV row: column name → value. */
export type CsvRow = Record<string, CsvValue>;

/** Significant digits written for non-integer numbers. */
export const CSV_SIGNIFICANT_DIGITS = 7;

/**
 * Formats a number the way every gradlab CSV writes it (see the file comment).
 * @example formatNumber(0.123456789) // '0.1234568'
 * @example formatNumber(Infinity)    // 'Inf'
 */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  if (Number.isSafeInteger(x)) return x === 0 ? '0' : String(x);
  return String(Number(x.toPrecision(CSV_SIGNIFICANT_DIGITS)));
}

function formatCell(value: unknown, column: string, index: number): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  throw new ValidationError(
    `toCsv: expected rows[${index}].${column} to be a string, number or boolean, got ${describeValue(value)}`,
  );
}

function checkColumns(columns: readonly string[], where: string): void {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new ValidationError(`${where}: expected columns to be a non-empty array of names, got ${describeValue(columns)}`);
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (typeof c !== 'string' || c === '') {
      throw new ValidationError(`${where}: expected every column name to be a non-empty string, got ${describeValue(c)}`);
    }
    if (seen.has(c)) throw new ValidationError(`${where}: column ${JSON.stringify(c)} is listed twice in columns`);
    seen.add(c);
  }
}

/**
 * Renders rows as CSV text with exactly `columns`, in that order, under a header row.
 * @param rows each must have every column and no other key
 * @param columns the column order (non-empty, unique names)
 * @throws ValidationError naming the column and the row index when a row lacks a column, has an
 *   extra one, or holds a value that is not a string, number or boolean
 * @example toCsv([{ layer: 1, grad_l2: 0.5 }], ['layer', 'grad_l2']) // 'layer,grad_l2\n1,0.5\n'
 */
export function toCsv(rows: readonly CsvRow[], columns: readonly string[]): string {
  checkColumns(columns, 'toCsv');
  const known = new Set(columns);
  const records: string[][] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row === null || typeof row !== 'object') {
      throw new ValidationError(`toCsv: expected rows[${i}] to be an object, got ${describeValue(row)}`);
    }
    for (const key of Object.keys(row)) {
      if (!known.has(key)) {
        throw new ValidationError(
          `toCsv: row ${i} has column ${JSON.stringify(key)}, which is not in the columns (${columns.join(', ')})`,
        );
      }
    }
    const record: string[] = new Array(columns.length);
    for (let j = 0; j < columns.length; j++) {
      const column = columns[j]!;
      if (!Object.prototype.hasOwnProperty.call(row, column)) {
        throw new ValidationError(`toCsv: row ${i} has no column ${JSON.stringify(column)} (columns: ${columns.join(', ')})`);
      }
      record[j] = formatCell(row[column], column, i);
    }
    records[i] = record;
  }
  return stringify([columns as string[], ...records], { record_delimiter: '\n', eof: true });
}

/**
 * Writes rows as CSV (see `toCsv`) to `path`, atomically; parent directories are created.
 * @throws ValidationError as `toCsv`; GradlabError `E_IO` when the file cannot be written
 */
export async function writeCsv(path: string, rows: readonly CsvRow[], columns: readonly string[]): Promise<void> {
  await writeFileAtomic(path, toCsv(rows, columns));
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function castValue(value: string, quoted: boolean): CsvValue {
  if (quoted) return value;
  if (value === 'NaN') return NaN;
  if (value === 'Inf') return Infinity;
  if (value === '-Inf') return -Infinity;
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (NUMBER.test(value)) return Number(value);
  return value;
}

/**
 * Parses CSV text written by `toCsv` back into rows: numbers (including `NaN`, `Inf`, `-Inf`)
 * become numbers, `true`/`false` booleans, everything else stays a string.
 * @param where names the source in error messages (a path)
 * @throws FileFormatError when the text is not valid CSV with a header row
 */
export function parseResultsCsv(text: string, where = 'CSV'): CsvRow[] {
  try {
    return parse(text, {
      columns: true,
      cast: (value, context) => castValue(value, context.quoting),
    }) as CsvRow[];
  } catch (err) {
    throw new FileFormatError(`${where}: not a valid results CSV: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Reads a CSV file written by `writeCsv` (see `parseResultsCsv`).
 * @throws FileFormatError when the file is malformed; GradlabError `E_IO` when it cannot be read
 */
export function readResultsCsv(path: string): CsvRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new GradlabError('E_IO', `readResultsCsv: cannot read ${JSON.stringify(path)}: ${(err as Error).message}`, { cause: err });
  }
  return parseResultsCsv(text, path);
}
