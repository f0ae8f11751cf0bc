/**
 * Small helpers the finding modules share: picking rows, grouping by seed, summary numbers
 * and the fixed number format of the results index.
 */
import type { Row } from '@gradlab/lab';

/** Rows whose columns equal every value in `where`. */
export function select(rows: readonly Row[], where: Record<string, string | number | boolean>): Row[] {
  const keys = Object.keys(where);
  return rows.filter((r) => keys.every((k) => r[k] === where[k]));
}

/** The distinct values of a column, in first-appearance order. */
export function distinct(rows: readonly Row[], column: string): (string | number | boolean)[] {
  return [...new Set(rows.map((r) => r[column]!))];
}

/** The numeric value of a cell, NaN when it is not a number. */
export function num(r: Row | undefined, column: string): number {
  const v = r?.[column];
  return typeof v === 'number' ? v : NaN;
}

/** Arithmetic mean (NaN for an empty list). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); NaN for fewer than two values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The row with the largest value of `column` (e.g. the last step) among `rows`. */
export function lastBy(rows: readonly Row[], column: string): Row | undefined {
  let best: Row | undefined;
  for (const r of rows) if (best === undefined || num(r, column) > num(best, column)) best = r;
  return best;
}

/** For each seed present, `f` of its rows; in seed order of appearance. */
export function perSeed<T>(rows: readonly Row[], f: (rows: Row[]) => T): T[] {
  return distinct(rows, 'seed').map((s) => f(rows.filter((r) => r['seed'] === s)));
}

/** A number with 3 significant digits (`0.000123`, `1.23e-9`, `4.56e+12`), `n/a` for NaN. */
export function fmt(x: number, digits = 3): string {
  if (Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}

/** `mean ± std (n)` over seeds, or just the value for one seed. */
export function fmtSeeds(xs: readonly number[]): string {
  if (xs.length === 0) return 'n/a';
  if (xs.length === 1) return fmt(xs[0]!);
  return `${fmt(mean(xs))} ± ${fmt(std(xs))}`;
}

/** A percentage with one decimal (`12.3%`). */
export function pct(x: number): string {
  return Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`;
}

/** "n seeds" / "1 seed". */
export function seedsText(n: number): string {
  return `${n} seed${n === 1 ? '' : 's'}`;
}
