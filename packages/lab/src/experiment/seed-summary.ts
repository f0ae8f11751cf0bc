/**
 * Seed-sweep summary: the rows of a multi-seed run grouped by the experiment's key columns
 * (everything that identifies a measurement except the seed), with, for every value column,
 * the mean, the sample standard deviation (n − 1 in the denominator; empty when only one seed
 * has a number), the minimum and the maximum over the seeds.
 *
 * Deterministic: groups come in the order they first appear in the main CSV (grid order), the
 * columns in a fixed order, the numbers through core's CSV writer — so a sharded-then-merged
 * run and a serial run give identical bytes.
 */
import { ExperimentError, ValidationError, describeValue } from '@gradlab/core';
import type { CellValue, Row } from './define-experiment.js';

/** Which columns a seed summary groups by and which it summarises (an experiment's `summary`). */
export interface SummarySpec {
  /** Key columns (not `seed`) that identify one measurement, e.g. `['model', 'T', 'step']`. */
  by: readonly string[];
  /** Numeric columns summarised over the seeds, e.g. `['test_mse', 'solved']`. */
  values: readonly string[];
}

/** Suffixes of the four statistics written per value column, in column order. */
export const SUMMARY_STATS = ['mean', 'std', 'min', 'max'] as const;

/** Name of the column counting the seeds of a group. */
export const SUMMARY_SEEDS_COLUMN = 'n_seeds';

/** File name of an experiment's summary CSV. */
export function summaryFileName(name: string): string {
  return `${name}-summary.csv`;
}

/**
 * The columns of the summary CSV: the `by` columns, `n_seeds`, then `<col>_mean`, `<col>_std`,
 * `<col>_min`, `<col>_max` for each value column.
 */
export function summaryColumns(spec: SummarySpec): string[] {
  return [...spec.by, SUMMARY_SEEDS_COLUMN, ...spec.values.flatMap((v) => SUMMARY_STATS.map((s) => `${v}_${s}`))];
}

/**
 * Checks a summary declaration against the experiment's columns.
 * @param where prefix of error messages, e.g. `defineExperiment(depth-gradients)`
 * @throws ValidationError naming the field: `by` or `values` not a non-empty array of column
 *   names, a name not in `columns`, `seed` among them, a column in both, a generated column
 *   name that clashes with a key column, or no `seed` column to count seeds by
 */
export function checkSummarySpec(where: string, spec: unknown, columns: readonly string[]): SummarySpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ValidationError(`${where}: expected summary to be { by: [...], values: [...] }, got ${describeValue(spec)}`);
  }
  const known = new Set(columns);
  if (!known.has('seed')) {
    throw new ValidationError(`${where}: expected a "seed" column when summary is given (the summary is over seeds), got columns ${columns.join(',')}`);
  }
  const out: Record<'by' | 'values', string[]> = { by: [], values: [] };
  for (const field of ['by', 'values'] as const) {
    const list = (spec as Record<string, unknown>)[field];
    if (!Array.isArray(list) || (field === 'values' && list.length === 0)) {
      throw new ValidationError(
        `${where}: expected summary.${field} to be ${field === 'values' ? 'a non-empty' : 'an'} array of column names, got ${describeValue(list)}`,
      );
    }
    for (const c of list) {
      if (typeof c !== 'string' || !known.has(c)) {
        throw new ValidationError(`${where}: expected every summary.${field} entry to be one of the columns (${columns.join(', ')}), got ${describeValue(c)}`);
      }
      if (c === 'seed') throw new ValidationError(`${where}: summary.${field} must not list "seed" (the summary is over seeds)`);
      if (out.by.includes(c) || out.values.includes(c)) {
        throw new ValidationError(`${where}: column ${JSON.stringify(c)} is listed twice in summary.by / summary.values`);
      }
      out[field].push(c);
    }
  }
  const generated = summaryColumns(out);
  const clash = generated.slice(out.by.length).find((c) => out.by.includes(c));
  if (clash !== undefined) throw new ValidationError(`${where}: summary column ${JSON.stringify(clash)} clashes with a summary.by column`);
  return { by: Object.freeze(out.by) as string[], values: Object.freeze(out.values) as string[] };
}

/** Mean, sample standard deviation, min and max of the numbers in `xs` ('' where undefined). */
function stats(xs: readonly number[]): [CellValue, CellValue, CellValue, CellValue] {
  const n = xs.length;
  if (n === 0) return ['', '', '', ''];
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    sum += x;
    // NaN is neither smaller nor larger: keep it visible in min/max as in the mean.
    min = Number.isNaN(x) || Number.isNaN(min) ? NaN : Math.min(min, x);
    max = Number.isNaN(x) || Number.isNaN(max) ? NaN : Math.max(max, x);
  }
  const mean = sum / n;
  if (n === 1) return [mean, '', min, max];
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2; // two-pass: no cancellation
  return [mean, Math.sqrt(ss / (n - 1)), min, max];
}

/**
 * Groups `rows` by `spec.by` (first-appearance order) and summarises `spec.values` over the
 * seeds of each group. Non-numeric entries of a value column ('' where it does not apply) are
 * left out of its statistics; NaN and ±Infinity are kept, so a diverged seed shows in the mean.
 * @returns one row per group, with the columns of `summaryColumns(spec)`
 * @throws ExperimentError when a group holds two rows of the same seed (`by` does not identify
 *   one measurement)
 */
export function seedSummary(rows: readonly Row[], spec: SummarySpec, where = 'summary'): Row[] {
  const groups = new Map<string, { key: Row; seeds: Set<CellValue>; rows: Row[] }>();
  for (const row of rows) {
    const id = JSON.stringify(spec.by.map((c) => row[c] ?? ''));
    let g = groups.get(id);
    if (g === undefined) {
      g = { key: Object.fromEntries(spec.by.map((c) => [c, row[c] ?? ''])), seeds: new Set(), rows: [] };
      groups.set(id, g);
    }
    const seed = row['seed'] ?? '';
    if (g.seeds.has(seed)) {
      throw new ExperimentError(
        `${where}: two rows of seed ${String(seed)} share ${spec.by.map((c) => `${c}=${String(row[c] ?? '')}`).join(', ')}; ` +
          'expected summary.by to list every column that tells the rows of one seed apart',
      );
    }
    g.seeds.add(seed);
    g.rows.push(row);
  }
  const out: Row[] = [];
  for (const g of groups.values()) {
    const row: Row = { ...g.key, [SUMMARY_SEEDS_COLUMN]: g.seeds.size };
    for (const v of spec.values) {
      const xs = g.rows.map((r) => r[v]).filter((x): x is number => typeof x === 'number');
      const s = stats(xs);
      SUMMARY_STATS.forEach((name, i) => (row[`${v}_${name}`] = s[i]!));
    }
    out.push(row);
  }
  return out;
}
