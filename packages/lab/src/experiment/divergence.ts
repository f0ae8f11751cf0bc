/**
 * Divergence as data: scans a cell's rows, in order, for the first NaN or ±Infinity in the
 * columns that track its training (loss, error, gradient norm) and reports it through
 * `ctx.diverged` with the step and the last finite values of those columns. The rows are
 * returned unchanged — a diverged run is a result to keep — and the runner records the cell
 * as `diverged` in the manifest (or stops the run under `--fail-on-nonfinite`).
 *
 * Columns that are NaN by design (a loss not yet measured at step 0, a bound that does not
 * apply) are left out of `watch`, or excluded for the rows where they do not apply by `skip`.
 */
import type { ExperimentContext, Row } from './define-experiment.js';

/** What to watch in a cell's rows. */
export interface DivergenceWatch {
  /** Column holding the step (`step`, `epoch`). */
  step: string;
  /** Training columns whose non-finite value means the run diverged. */
  watch: readonly string[];
  /** Rows to ignore (e.g. those of a part of the experiment that is not training). */
  skip?: (row: Row) => boolean;
  /**
   * A column counting the non-finite gradient steps so far (skipped by the optimiser); the
   * first row where it is above 0 marks the divergence even if the recorded values are finite.
   */
  count?: string;
}

/**
 * Reports the first non-finite training value of `rows` (see the file comment).
 * @returns `rows`, unchanged
 */
export function recordDivergence<R extends Row>(ctx: Pick<ExperimentContext, 'diverged'>, rows: R[], spec: DivergenceWatch): R[] {
  const lastFinite: Record<string, number> = {};
  for (const row of rows) {
    if (spec.skip?.(row) === true) continue;
    const step = Number(row[spec.step]);
    const at = Number.isFinite(step) ? step : -1;
    const count = spec.count === undefined ? 0 : Number(row[spec.count]);
    if (count > 0) {
      ctx.diverged?.({ step: at, reason: `${spec.count} = ${count} (non-finite gradient steps so far)`, lastFinite: { ...lastFinite } });
      return rows;
    }
    for (const column of spec.watch) {
      const value = row[column];
      if (typeof value !== 'number' || Number.isFinite(value)) continue;
      ctx.diverged?.({ step: at, reason: `${column} = ${value}`, lastFinite: { ...lastFinite } });
      return rows;
    }
    for (const column of spec.watch) {
      const value = row[column];
      if (typeof value === 'number' && Number.isFinite(value)) lastFinite[column] = value;
    }
  }
  return rows;
}
