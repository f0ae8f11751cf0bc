/**
 * Numeric CSV reader for user data (RFC 4180 via csv-parse): one header row of column names,
 * then rows of numbers, all of the same length. Returns a row-major float32 matrix.
 *
 * Accepted cells: decimal numbers (`3`, `-0.25`, `1e-3`, `.5`); surrounding spaces are ignored.
 * Everything else (empty cells, `0x10`, `1,5`, text) is an error naming the line and column.
 * Non-finite cells — `nan`, `inf`, `-inf`, `infinity` in any case (as numpy's `savetxt` writes
 * them) and numbers too large for float32 such as `1e39` — are refused the same way by default:
 * a data set with NaN in it is almost always a mistake upstream. `{ nonFinite: 'allow' }` reads
 * them (the too-large ones as ±Infinity). Empty lines are skipped; a UTF-8 byte-order mark is
 * ignored.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { FileFormatError, invalidArgument } from '../errors/gradlab-error.js';
import { oneOf, parseOptions } from '../errors/schema.js';

/** A numeric table read from CSV. */
export interface CsvData {
  /** Column names from the header row. */
  columns: string[];
  /** Values, row-major. */ // [rows, columns]
  data: Float32Array;
  /** `[rows, columns]`. */
  shape: [number, number];
}

/** Options of {@link parseCsvData} and {@link readCsvData}. */
export interface CsvDataOptions {
  /** Field delimiter, one character (default `,`). */
  delimiter?: string;
  /**
   * NaN / ±Infinity cells (and numbers that overflow float32): 'reject' (default; the error
   * names the line and column) or 'allow'.
   */
  nonFinite?: 'reject' | 'allow';
}

const optionsSchema = z.strictObject({
  delimiter: z.string({ error: 'a single character' }).length(1, { error: 'a single character' }).default(','),
  nonFinite: oneOf(['reject', 'allow'] as const).default('reject'),
});

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  nan: NaN,
  '+nan': NaN,
  '-nan': NaN,
  inf: Infinity,
  '+inf': Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-inf': -Infinity,
  '-infinity': -Infinity,
};

function parseCell(cell: string): number | undefined {
  if (DECIMAL.test(cell)) return Number(cell);
  return SPECIAL[cell.toLowerCase()];
}

interface Parsed {
  record: string[];
  info: { lines: number };
}

/**
 * Parses numeric CSV text with a header row.
 * @param text the file's content
 * @param source the file name used in error messages
 * @param options `{ delimiter = ',', nonFinite = 'reject' }`
 * @returns `{ columns, data: [rows, columns] row-major, shape }`
 * @throws FileFormatError naming `source`, the line and the column: no header row, an empty or
 *   duplicated column name, a row with a different number of cells (both counts given), a
 *   non-numeric cell (quoted), a non-finite cell (unless allowed), or a CSV syntax error such
 *   as an unclosed quote; ValidationError for bad options or `text` not a string
 * @example parseCsvData('x,y\n1,2\n3,4\n', 'points.csv') // { columns: ['x', 'y'], shape: [2, 2], … }
 */
export function parseCsvData(text: string, source: string, options: CsvDataOptions = {}): CsvData {
  const { delimiter, nonFinite } = parseOptions('parseCsvData', optionsSchema, options);
  if (typeof text !== 'string') throw invalidArgument('parseCsvData', 'text', text, 'a string');
  let rows: Parsed[];
  try {
    rows = parse(text, { delimiter, info: true, relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }) as unknown as Parsed[];
  } catch (err) {
    throw new FileFormatError(`${source}: invalid CSV: ${(err as Error).message}`, { cause: err });
  }
  if (rows.length === 0) throw new FileFormatError(`${source}: no header row (the file is empty); expected column names on line 1`);
  const header = rows[0]!;
  const columns = header.record;
  const seen = new Map<string, number>();
  columns.forEach((name, j) => {
    if (name === '') throw new FileFormatError(`${source}: line ${header.info.lines}, column ${j + 1}: empty column name in the header`);
    const first = seen.get(name);
    if (first !== undefined) {
      throw new FileFormatError(`${source}: line ${header.info.lines}: column name ${JSON.stringify(name)} appears twice (columns ${first + 1} and ${j + 1})`);
    }
    seen.set(name, j);
  });
  const width = columns.length;
  const n = rows.length - 1;
  const data = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const { record, info } = rows[i + 1]!;
    if (record.length !== width) {
      throw new FileFormatError(`${source}: line ${info.lines}: ${record.length} cells, expected ${width} as in the header`);
    }
    for (let j = 0; j < width; j++) {
      const v = parseCell(record[j]!);
      const where = `${source}: line ${info.lines}, column ${j + 1} (${JSON.stringify(columns[j])})`;
      if (v === undefined) throw new FileFormatError(`${where}: expected a number, got ${JSON.stringify(record[j])}`);
      const f = Math.fround(v);
      if (nonFinite === 'reject' && !Number.isFinite(f)) {
        throw new FileFormatError(
          `${where}: expected a finite number, got ${JSON.stringify(record[j])}` +
            `${Number.isFinite(v) ? ' (too large for float32)' : ''}; pass { nonFinite: 'allow' } to read NaN and Infinity`,
        );
      }
      data[i * width + j] = f;
    }
  }
  return { columns, data, shape: [n, width] };
}

/**
 * Reads a numeric CSV file with a header row (see {@link parseCsvData}).
 * @param path the file (UTF-8)
 * @param options `{ delimiter = ',', nonFinite = 'reject' }`
 * @returns `{ columns, data: [rows, columns], shape }`
 * @throws FileFormatError for a malformed file (the message starts with `path`); the `fs`
 *   error when it cannot be read
 * @example const { columns, data, shape } = await readCsvData('my-data.csv')
 */
export async function readCsvData(path: string, options: CsvDataOptions = {}): Promise<CsvData> {
  return parseCsvData(await readFile(path, 'utf8'), path, options);
}
