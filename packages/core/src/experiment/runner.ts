/**
 * `runExperiment`: runs an experiment's grid × seeds, one cell at a time, writing each cell's
 * rows atomically to `OUT/.cells/<configHash>/<cellId>.csv`. Completed cells are skipped, so an
 * interrupted run resumes where it stopped; adding seeds reuses the cells of the others. Once
 * every cell exists the main CSV, the SVG plots and `manifest.json` (last) are written.
 * Output paths derive from the config, never from the clock.
 *
 * A sharded run computes only its share of the cells and leaves the assembly to
 * `mergeExperiment` (`gradlab merge OUT`).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { backendInfo, type BackendInfo } from '../backend/backend.js';
import { ExperimentError, ValidationError, describeValue } from '../errors/gradlab-error.js';
import { parseOptions } from '../errors/schema.js';
import { removeStaleTempFiles } from '../io/atomic-write.js';
import { toCsv } from '../io/csv.js';
import { MANIFEST_FILE } from '../io/manifest.js';
import { Rng } from '../random/rng.js';
import { assembleResults, type AssembledOutputs } from './assemble-results.js';
import { CELLS_DIR, CellsStore } from './cells-store.js';
import { writeCellArtifact } from './cell-artifacts.js';
import { configHash } from './cell-id.js';
import { checkSeeds, type CellValue, type ExperimentContext, type ExperimentDefinition, type Row } from './define-experiment.js';
import { planCells, type PlannedCell } from './plan-cells.js';
import type { RunEventHandler } from './run-events.js';
import { checkShard, inShard, type Shard } from './shard.js';

/** The two sizes every experiment declares. */
export type ExperimentSize = 'quick' | 'full';
/** Size used when none is given. */
export const DEFAULT_SIZE: ExperimentSize = 'full';

/** Options of `runExperiment`. */
export interface RunOptions<C extends object = object> {
  /** Size preset the config starts from. Default `'full'`. */
  size?: ExperimentSize | undefined;
  /** Fields replacing those of the size preset (validated with the experiment's schema). */
  config?: Partial<C> | undefined;
  /** Seeds replacing `config.seeds` (distinct integers). */
  seeds?: number[] | undefined;
  /** Results folder (e.g. `results/depth-gradients`). */
  outDir: string;
  /** Run only this shard's cells (0-based index) and leave the assembly to `mergeExperiment`. */
  shard?: Shard | undefined;
  /**
   * Recompute instead of resuming. Unsharded: deletes every stored cell and the previous
   * outputs first. Sharded: deletes and recomputes this shard's cells only.
   */
  fresh?: boolean | undefined;
  /** Folder with real data sets, passed to cells as `ctx.dataDir`. */
  dataDir?: string | undefined;
  /** Backend recorded for the cells. Default `backendInfo()` (call `initBackend` first). */
  backend?: BackendInfo | undefined;
  /** Progress, notices and results, as they happen. */
  onEvent?: RunEventHandler | undefined;
}

/** What `runExperiment` did. */
export interface RunResult<C extends object = object> {
  /** Experiment name. */
  name: string;
  /** Results folder. */
  outDir: string;
  /** The validated config, seeds included. */
  config: C;
  /** Size preset used. */
  size: ExperimentSize;
  /** Hash naming the cells folder. */
  configHash: string;
  /** The shard run, if any. */
  shard: Shard | undefined;
  /** Cells computed by this call. */
  cellsRun: number;
  /** Cells found complete and skipped. */
  cellsSkipped: number;
  /** Cells in the whole grid (all shards, all seeds). */
  gridTotal: number;
  /** Ids of the grid's cells still missing (other shards' work); empty once assembled. */
  missing: string[];
  /** The outputs, when this call assembled them (unsharded runs). */
  assembled: AssembledOutputs | undefined;
}

/**
 * The config of a run: the size preset, then `overrides`, then `seeds`, validated by the schema.
 * @throws ValidationError naming the field (an unknown one, or one the schema rejects)
 */
export function resolveConfig<C extends object>(
  def: ExperimentDefinition<C, Record<string, CellValue>>,
  size: ExperimentSize = DEFAULT_SIZE,
  overrides: Partial<C> | undefined = undefined,
  seeds: number[] | undefined = undefined,
): C {
  const where = `${def.name} config`;
  if (size !== 'quick' && size !== 'full') {
    throw new ValidationError(`${def.name}: expected size to be one of "quick", "full", got ${describeValue(size)}`);
  }
  if (overrides !== undefined && (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides))) {
    throw new ValidationError(`${where}: expected the overrides to be an object, got ${describeValue(overrides)}`);
  }
  const merged: Record<string, unknown> = { ...(def.sizes[size] as Record<string, unknown>), ...(overrides ?? {}) };
  if (seeds !== undefined) merged['seeds'] = checkSeeds(where, seeds);
  if (def.configSchema instanceof z.ZodObject) {
    const known = Object.keys(def.configSchema.shape);
    for (const key of Object.keys(merged)) {
      if (!known.includes(key)) {
        throw new ValidationError(`${where}: unknown option ${JSON.stringify(key)}; expected one of ${known.join(', ')}`);
      }
    }
  }
  const config = parseOptions(where, def.configSchema, merged) as C;
  checkSeeds(where, (config as { seeds?: unknown }).seeds);
  return config;
}

/** Deletes the outputs listed in a previous manifest, then the manifest. */
function removePreviousOutputs(outDir: string): void {
  const path = join(outDir, MANIFEST_FILE);
  try {
    const old = JSON.parse(readFileSync(path, 'utf8')) as { outputs?: { path?: unknown }[] };
    for (const o of old.outputs ?? []) {
      if (typeof o.path === 'string' && !o.path.includes('..')) rmSync(join(outDir, o.path), { force: true });
    }
  } catch {
    // no previous manifest
  }
  rmSync(path, { force: true });
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

/** Runs one cell and stores it. */
async function runCell<C extends object>(
  def: ExperimentDefinition<C, Record<string, CellValue>>,
  config: C,
  planned: PlannedCell,
  store: CellsStore,
  base: { backend: BackendInfo; dataDir: string | undefined; seenNotices: Set<string>; onEvent: RunEventHandler | undefined },
  index: number,
  total: number,
): Promise<{ ms: number; rows: number }> {
  const { name } = def;
  const cellNotices: string[] = [];
  const ctx: ExperimentContext = {
    rng: new Rng(planned.seed).fork(planned.key === '' ? name : `${name}/${planned.key}`),
    backend: base.backend,
    dataDir: base.dataDir,
    notice(message: string) {
      if (typeof message !== 'string' || message === '') {
        throw new ValidationError(`${name}: expected a notice to be a non-empty string, got ${describeValue(message)}`);
      }
      if (!cellNotices.includes(message)) cellNotices.push(message);
      if (!base.seenNotices.has(message)) {
        base.seenNotices.add(message);
        base.onEvent?.({ type: 'notice', name, message, cellId: planned.id });
      }
    },
    onProgress(fraction: number) {
      base.onEvent?.({ type: 'cell-progress', name, cellId: planned.id, index, total, fraction });
    },
    artifact(file: string, data: Uint8Array | string) {
      writeCellArtifact(store, planned.id, name, file, data);
    },
  };
  const t0 = performance.now();
  const rows = await def.run({ ...planned.cell, seed: planned.seed }, config, ctx);
  const ms = performance.now() - t0;
  if (!Array.isArray(rows)) {
    throw new ExperimentError(`${name}: cell ${planned.id}: expected run() to return an array of rows, got ${describeValue(rows)}`);
  }
  let csv: string;
  try {
    csv = toCsv(rows.map((r) => completeRow(r, planned.cell, planned.seed, def.columns)), def.columns);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ExperimentError(`${name}: cell ${planned.id} returned rows that do not fit the columns: ${err.message}`, { cause: err });
  }
  store.write(planned.id, csv, { backend: base.backend, notices: cellNotices, ms: Math.round(ms), rows: rows.length });
  return { ms, rows: rows.length };
}

/**
 * Runs an experiment (see the file comment). Cells run one after another; an error in a cell
 * propagates at once (after a `cell-failed` event) and leaves no file of that cell.
 * @returns what was run, and the outputs when this call assembled them
 * @throws ValidationError for a bad config, seeds or shard (naming the field); ExperimentError
 *   for a bad grid, rows that do not fit the columns or bad plots; whatever a cell throws
 * @example
 * await initBackend();
 * const result = await runExperiment(depthGradients, { size: 'quick', outDir: 'out/quick/depth-gradients' });
 * console.log(result.assembled?.csv);
 */
export async function runExperiment<C extends object, K extends Record<string, CellValue>>(
  def: ExperimentDefinition<C, K>,
  options: RunOptions<C>,
): Promise<RunResult<C>> {
  const anyDef = def as unknown as ExperimentDefinition<C, Record<string, CellValue>>;
  const started = new Date();
  if (options === null || typeof options !== 'object') {
    throw new ValidationError(`runExperiment: expected options to be an object, got ${describeValue(options)}`);
  }
  if (typeof options.outDir !== 'string' || options.outDir === '') {
    throw new ValidationError(`runExperiment: expected outDir to be a non-empty path, got ${describeValue(options.outDir)}`);
  }
  const size = options.size ?? DEFAULT_SIZE;
  const config = resolveConfig(anyDef, size, options.config, options.seeds);
  const shard = options.shard === undefined ? undefined : checkShard('runExperiment', options.shard);
  const backend = options.backend ?? backendInfo();
  const onEvent = options.onEvent;
  const hash = configHash(config);
  const outDir = options.outDir;
  const store = new CellsStore(outDir, hash);
  const plan = planCells(def, config);
  const mine = plan.filter((c) => inShard(c.position, shard));

  removeStaleTempFiles(outDir);
  removeStaleTempFiles(store.dir);
  if (options.fresh === true) {
    if (shard === undefined) {
      rmSync(join(outDir, CELLS_DIR), { recursive: true, force: true });
      removePreviousOutputs(outDir);
    } else {
      for (const c of mine) {
        rmSync(store.csvPath(c.id), { force: true });
        rmSync(store.metaPath(c.id), { force: true });
      }
    }
  }
  store.writeConfig({ name: def.name, size, configHash: hash, config: config as Record<string, unknown> });
  onEvent?.({ type: 'plan', name: def.name, total: mine.length, gridTotal: plan.length, shard, configHash: hash });

  const base = { backend, dataDir: options.dataDir, seenNotices: new Set<string>(), onEvent };
  let cellsRun = 0;
  let cellsSkipped = 0;
  for (let index = 0; index < mine.length; index++) {
    const planned = mine[index]!;
    const event = { name: def.name, cellId: planned.id, index, total: mine.length };
    if (store.has(planned.id)) {
      cellsSkipped += 1;
      onEvent?.({ type: 'cell-skipped', ...event });
      continue;
    }
    onEvent?.({ type: 'cell-start', ...event });
    let done: { ms: number; rows: number };
    try {
      done = await runCell(anyDef, config, planned, store, base, index, mine.length);
    } catch (error) {
      onEvent?.({ type: 'cell-failed', ...event, error });
      throw error;
    }
    cellsRun += 1;
    onEvent?.({ type: 'cell-done', ...event, ...done });
  }

  const missing = plan.filter((c) => !store.has(c.id)).map((c) => c.id);
  const result: RunResult<C> = {
    name: def.name,
    outDir,
    config,
    size,
    configHash: hash,
    shard,
    cellsRun,
    cellsSkipped,
    gridTotal: plan.length,
    missing,
    assembled: undefined,
  };
  if (shard !== undefined) return result;
  if (missing.length > 0) {
    // Cannot happen unless another process deleted cells while this one ran.
    throw new ExperimentError(`${def.name}: ${missing.length} cells vanished from ${JSON.stringify(store.dir)} during the run`);
  }
  result.assembled = await assembleResults({
    def: anyDef,
    config: config as Record<string, unknown>,
    size,
    store,
    plan,
    started,
    onEvent,
  });
  return result;
}

