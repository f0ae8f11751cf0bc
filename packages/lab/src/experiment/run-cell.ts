/**
 * Runs one (cell, seed) of an experiment and stores its rows: the same code whether the cell
 * runs in the caller's process or in a worker process of a `CellPool`, so where a cell ran
 * never changes its bytes.
 */
import { performance } from 'node:perf_hooks';
import { type BackendInfo, ExperimentError, NonFiniteError, ValidationError, describeValue, Rng } from '@gradlab/core';
import { toCsv } from '../io/csv.js';
import type { CellsStore, CellStatus, Divergence } from './cells-store.js';
import { writeCellArtifact } from './cell-artifacts.js';
import { cellIdentity } from './cell-checksum.js';
import type { AnyExperimentDefinition, CellValue, ExperimentContext, Row } from './define-experiment.js';
import type { PlannedCell } from './plan-cells.js';

/** What a running cell reports besides its rows. */
export interface CellHooks {
  /** A notice the cell gave (every time; the caller deduplicates across cells). */
  notice?: ((message: string) => void) | undefined;
  /** Progress within the cell, a fraction in [0, 1]. */
  progress?: ((fraction: number) => void) | undefined;
}

/** Inputs of `runCell`. */
export interface RunCellArgs {
  def: AnyExperimentDefinition;
  /** The validated config. */
  config: object;
  planned: PlannedCell;
  store: CellsStore;
  /** Backend computing the cell (recorded in its metadata). */
  backend: BackendInfo;
  dataDir: string | undefined;
  /** Throw a `NonFiniteError` when the cell reports divergence, instead of recording it. */
  failOnNonFinite: boolean;
  hooks?: CellHooks | undefined;
}

/** What `runCell` stored. */
export interface CellOutcome {
  ms: number;
  rows: number;
  status: CellStatus;
  divergence: Divergence | undefined;
}

/** Fills the columns a row left out that the cell knows (its keys and the seed). */
function completeRow(row: Row, cell: Record<string, CellValue>, seed: number, columns: readonly string[]): Row {
  let out = row;
  for (const column of columns) {
    if (Object.prototype.hasOwnProperty.call(row, column)) continue;
    const value = column === 'seed' ? seed : cell[column];
    if (value === undefined) continue;
    if (out === row) out = { ...row };
    out[column] = value;
  }
  return out;
}

function checkDivergence(where: string, d: unknown): Divergence {
  const x = d as Partial<Divergence> | null;
  const ok =
    x !== null && typeof x === 'object' && typeof x.step === 'number' && typeof x.reason === 'string' && x.reason !== '' &&
    x.lastFinite !== null && typeof x.lastFinite === 'object' && Object.values(x.lastFinite).every((v) => typeof v === 'number');
  if (!ok) {
    throw new ValidationError(`${where}: expected diverged() to get { step: number, reason: string, lastFinite: { name: number } }, got ${describeValue(d)}`);
  }
  return { step: x.step!, reason: x.reason!, lastFinite: { ...x.lastFinite! } };
}

/** `loss = NaN at step 12 (last finite: loss = 3.1, grad_norm = 8.2e+11)`. */
export function describeDivergence(d: Divergence): string {
  const last = Object.entries(d.lastFinite).map(([k, v]) => `${k} = ${v.toPrecision(4)}`);
  return `${d.reason} at step ${d.step}${last.length > 0 ? ` (last finite: ${last.join(', ')})` : ''}`;
}

/**
 * Runs the cell and writes its metadata, rows and extra tables to the store (atomically; the
 * checksum record last).
 * @throws whatever the cell throws; ExperimentError when its rows do not fit the columns (of
 *   the main CSV or of a table); ValidationError when it names a table that is not declared;
 *   NonFiniteError when it diverges and `failOnNonFinite` is set (nothing is stored then)
 */
export async function runCell(args: RunCellArgs): Promise<CellOutcome> {
  const { def, planned, store } = args;
  const { name } = def;
  const where = `${name}: cell ${planned.id}`;
  const cellNotices: string[] = [];
  let divergence: Divergence | undefined;
  const tables = def.tables ?? {};
  const tableRows = new Map<string, Row[]>(Object.keys(tables).map((t) => [t, []]));
  const ctx: ExperimentContext = {
    rng: new Rng(planned.seed).fork(planned.key === '' ? name : `${name}/${planned.key}`),
    backend: args.backend,
    dataDir: args.dataDir,
    notice(message: string) {
      if (typeof message !== 'string' || message === '') {
        throw new ValidationError(`${name}: expected a notice to be a non-empty string, got ${describeValue(message)}`);
      }
      if (!cellNotices.includes(message)) cellNotices.push(message);
      args.hooks?.notice?.(message);
    },
    onProgress(fraction: number) {
      args.hooks?.progress?.(fraction);
    },
    artifact(file: string, data: Uint8Array | string) {
      writeCellArtifact(store, planned.id, name, file, data);
    },
    table(table: string, rows: readonly Row[]) {
      const into = typeof table === 'string' ? tableRows.get(table) : undefined;
      if (into === undefined) {
        throw new ValidationError(`${where}: expected a table name declared in tables (${[...tableRows.keys()].join(', ') || 'none'}), got ${describeValue(table)}`);
      }
      if (!Array.isArray(rows)) throw new ValidationError(`${where}: expected the rows of table ${JSON.stringify(table)} to be an array, got ${describeValue(rows)}`);
      for (const r of rows) into.push(r);
    },
    diverged(d: Divergence) {
      const checked = checkDivergence(where, d);
      divergence ??= checked;
      if (args.failOnNonFinite) {
        throw new NonFiniteError(`${where}: training diverged: ${describeDivergence(checked)}`, {
          hint: 'drop --fail-on-nonfinite to record diverged cells as data and go on',
        });
      }
    },
  };
  // Whatever a killed or damaged earlier attempt left must not be counted as this cell's.
  store.remove(planned.id);
  const t0 = performance.now();
  const rows = await def.run({ ...planned.cell, seed: planned.seed }, args.config, ctx);
  const ms = performance.now() - t0;
  if (!Array.isArray(rows)) {
    throw new ExperimentError(`${where}: expected run() to return an array of rows, got ${describeValue(rows)}`);
  }
  let csv: string;
  try {
    csv = toCsv(rows.map((r: Row) => completeRow(r, planned.cell, planned.seed, def.columns)), def.columns);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ExperimentError(`${where} returned rows that do not fit the columns: ${err.message}`, { cause: err });
  }
  const tableCsv: Record<string, string> = {};
  for (const [table, columns] of Object.entries(tables)) {
    try {
      tableCsv[table] = toCsv(tableRows.get(table)!.map((r) => completeRow(r, planned.cell, planned.seed, columns)), columns);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      throw new ExperimentError(`${where} gave rows of table ${JSON.stringify(table)} that do not fit its columns: ${err.message}`, { cause: err });
    }
  }
  const status: CellStatus = divergence === undefined ? 'ok' : 'diverged';
  store.write(cellIdentity(name, store.configHash, planned), csv, {
    backend: args.backend,
    notices: cellNotices,
    ms: Math.round(ms),
    rows: rows.length,
    ...(divergence === undefined ? {} : { status, divergence }),
  }, tableCsv);
  return { ms, rows: rows.length, status, divergence };
}
