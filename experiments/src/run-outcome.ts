/**
 * Run outcomes for the long-lag experiments (temporal-order, copy-memory, long-time-lag): their
 * rows grouped into runs (one cell, one seed), the last evaluation of a run, and whether its
 * training went non-finite — by the same test `recordDivergence` applies to the rows, so the
 * plots, the findings and the manifest agree on which runs diverged.
 */
import type { CellValue, Row } from '@gradlab/lab';

/** One run: the values of the grouping columns and its rows in order. */
export interface RunRows {
  key: Record<string, CellValue>;
  rows: Row[];
}

/** Groups rows into runs by the values of `columns` (e.g. model, T, seed), in first-appearance order. */
export function groupRuns(rows: readonly Row[], columns: readonly string[]): RunRows[] {
  const runs = new Map<string, RunRows>();
  for (const r of rows) {
    const id = JSON.stringify(columns.map((c) => r[c]));
    let run = runs.get(id);
    if (run === undefined) {
      run = { key: Object.fromEntries(columns.map((c) => [c, r[c]!])), rows: [] };
      runs.set(id, run);
    }
    run.rows.push(r);
  }
  return [...runs.values()];
}

/** The row with the largest `step` (the last evaluation), undefined for no rows. */
export function lastRow(rows: readonly Row[]): Row | undefined {
  let best: Row | undefined;
  for (const r of rows) if (best === undefined || Number(r['step']) > Number(best['step'])) best = r;
  return best;
}

/**
 * Whether a run's training went non-finite: after step 0 (where losses and norms are NaN by
 * design) a `watch` column holds NaN or ±Infinity, or the `count` column of non-finite updates
 * is above 0.
 */
export function wentNonFinite(rows: readonly Row[], watch: readonly string[], count?: string): boolean {
  return rows.some(
    (r) =>
      Number(r['step']) > 0 &&
      ((count !== undefined && Number(r[count]) > 0) || watch.some((c) => typeof r[c] === 'number' && !Number.isFinite(r[c]))),
  );
}
