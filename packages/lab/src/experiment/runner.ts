/**
 * `runExperiment`: runs an experiment's grid × seeds, one cell at a time, writing each cell's
 * rows atomically to `OUT/.cells/<configHash>/<cellId>.csv` with a checksum record. Complete
 * cells are skipped, so an interrupted run resumes where it stopped; adding seeds reuses the
 * cells of the others; a stored cell that no longer matches its checksum is reported and
 * recomputed. Once every cell exists the main CSV, the SVG plots and `manifest.json` are
 * renamed into place together, the manifest last. Output paths derive from the config, never
 * from the clock. An unsharded run holds the lock on OUT (one writer at a time).
 *
 * A sharded run computes only its share of the cells, takes no lock (Slurm tasks write their
 * cells concurrently), records what it ran, and leaves the assembly to `mergeExperiment`
 * (`gradlab merge OUT`).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  backendInfo,
  type BackendInfo,
  ExperimentError,
  InterruptedError,
  ValidationError,
  describeValue,
  parseOptions,
  removeStaleTempFiles,
} from '@gradlab/core';
import { MANIFEST_FILE } from '../io/manifest.js';
import { assembleResults, type AssembledOutputs } from './assemble-results.js';
import { tableNames } from './extra-tables.js';
import { CELLS_DIR, CellsStore } from './cells-store.js';
import { cellIdentity } from './cell-checksum.js';
import { lockOutDir, type OutLock } from './out-lock.js';
import { clearShardRecords, writeShardRecord } from './shard-records.js';
import type { CellPool, PoolTask } from './cell-pool.js';
import { configHash } from './cell-id.js';
import { checkSeeds, type CellValue, type ExperimentDefinition } from './define-experiment.js';
import { planCells, type PlannedCell } from './plan-cells.js';
import { runCell, type CellOutcome } from './run-cell.js';
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
  /**
   * Worker processes to run the cells in, in parallel (see `CellPool`). Default: none, the
   * cells run one after another in this process. The bytes written are the same either way.
   */
  pool?: CellPool | undefined;
  /**
   * Stops the run when aborted: between cells in this process, at once with a pool (cells in
   * flight are discarded). Completed cells are kept; `runExperiment` throws an
   * `InterruptedError` saying how many are done, and rerunning resumes.
   */
  signal?: AbortSignal | undefined;
  /**
   * A cell whose training diverges (reports NaN/Inf through `ctx.diverged`) stops the run with
   * a `NonFiniteError` instead of being recorded as `diverged` data. Default false.
   */
  failOnNonFinite?: boolean | undefined;
  /**
   * When another process holds the lock on OUT: wait for it (default, reporting a `lock` event
   * naming the holder) or, with false, throw an ExperimentError naming it.
   */
  wait?: boolean | undefined;
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
  /** Ids of the cells computed by this call that diverged (recorded as data). */
  diverged: string[];
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

/** Lets timers and signal handlers run: a cell that computes without awaiting never yields. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs an experiment (see the file comment). Cells run one after another, or in the worker
 * processes of `options.pool`; an error in a cell propagates at once (after a `cell-failed`
 * event) and leaves no file of that cell.
 * @returns what was run, and the outputs when this call assembled them
 * @throws ValidationError for a bad config, seeds or shard (naming the field); ExperimentError
 *   for a bad grid, rows that do not fit the columns or bad plots; InterruptedError when
 *   `signal` aborts; NonFiniteError when a cell diverges under `failOnNonFinite`; whatever a
 *   cell throws
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
  const store = new CellsStore(outDir, hash, tableNames(def.tables));
  const plan = planCells(def, config);
  const mine = plan.filter((c) => inShard(c.position, shard));
  const signal = options.signal;
  let lock: OutLock | undefined;
  if (shard === undefined) {
    lock = await lockOutDir(outDir, {
      command: `run ${def.name}`,
      wait: options.wait,
      signal,
      onMessage: (message) => onEvent?.({ type: 'lock', name: def.name, message }),
    });
  }
  try {
    return await runLocked();
  } finally {
    lock?.release();
  }

  async function runLocked(): Promise<RunResult<C>> {
    removeStaleTempFiles(outDir);
    removeStaleTempFiles(store.dir);
    if (options.fresh === true) {
      if (shard === undefined) {
        rmSync(join(outDir, CELLS_DIR), { recursive: true, force: true });
        removePreviousOutputs(outDir);
      } else {
        for (const c of mine) store.remove(c.id);
      }
    }
    store.writeConfig({ name: def.name, size, configHash: hash, config: config as Record<string, unknown> });
    if (shard === undefined) clearShardRecords(outDir);
    else writeShardRecord(outDir, { name: def.name, shard, size, configHash: hash, config: config as Record<string, unknown> });
    onEvent?.({ type: 'plan', name: def.name, total: mine.length, gridTotal: plan.length, shard, configHash: hash });

    const seenNotices = new Set<string>();
    const notice = (cellId: string, message: string) => {
      if (seenNotices.has(message)) return;
      seenNotices.add(message);
      onEvent?.({ type: 'notice', name: def.name, message, cellId });
    };
    const failOnNonFinite = options.failOnNonFinite === true;
    const identity = (c: PlannedCell) => cellIdentity(def.name, hash, c);
    let cellsRun = 0;
    let cellsSkipped = 0;
    const diverged: string[] = [];
    const todo: { planned: PlannedCell; index: number }[] = [];
    mine.forEach((planned, index) => {
      const found = store.check(identity(planned));
      if (found.state === 'complete') {
        cellsSkipped += 1;
        onEvent?.({ type: 'cell-skipped', name: def.name, cellId: planned.id, index, total: mine.length });
        return;
      }
      if (found.state === 'damaged') {
        onEvent?.({ type: 'cell-damaged', name: def.name, cellId: planned.id, index, total: mine.length, reason: found.why });
        store.remove(planned.id);
      }
      todo.push({ planned, index });
    });
    const finished = (planned: PlannedCell, index: number, done: CellOutcome) => {
      cellsRun += 1;
      if (done.status === 'diverged') diverged.push(planned.id);
      onEvent?.({ type: 'cell-done', name: def.name, cellId: planned.id, index, total: mine.length, ms: done.ms, rows: done.rows, status: done.status });
    };
    const interrupted = () => {
      const complete = plan.filter((c) => store.has(identity(c))).length;
      return new InterruptedError(
        `${def.name}: interrupted; ${complete} of ${plan.length} cells are complete in ${JSON.stringify(outDir)} ` +
          `(${cellsRun} computed by this run); rerun the same command to resume`,
      );
    };

    if (options.pool === undefined) {
      for (const { planned, index } of todo) {
        await yieldToEventLoop();
        if (signal?.aborted === true) throw interrupted();
        const event = { name: def.name, cellId: planned.id, index, total: mine.length };
        onEvent?.({ type: 'cell-start', ...event });
        let done: CellOutcome;
        try {
          done = await runCell({
            def: anyDef,
            config,
            planned,
            store,
            backend,
            dataDir: options.dataDir,
            failOnNonFinite,
            hooks: {
              notice: (message) => notice(planned.id, message),
              progress: (fraction) => onEvent?.({ type: 'cell-progress', ...event, fraction }),
            },
          });
        } catch (error) {
          onEvent?.({ type: 'cell-failed', ...event, error });
          throw error;
        }
        finished(planned, index, done);
      }
      await yieldToEventLoop();
      if (signal?.aborted === true && todo.length > 0) throw interrupted();
    } else {
      const byId = new Map(todo.map((t) => [t.planned.id, t]));
      const tasks: PoolTask[] = todo.map(({ planned }) => ({
        name: def.name,
        config: config as Record<string, unknown>,
        configHash: hash,
        position: planned.position,
        cellId: planned.id,
        outDir,
        dataDir: options.dataDir,
        failOnNonFinite,
      }));
      const eventOf = (task: PoolTask) => ({ name: def.name, cellId: task.cellId, index: byId.get(task.cellId)!.index, total: mine.length });
      try {
        await options.pool.run(
          tasks,
          {
            start: (task) => onEvent?.({ type: 'cell-start', ...eventOf(task) }),
            notice: (task, message) => notice(task.cellId, message),
            progress: (task, fraction) => onEvent?.({ type: 'cell-progress', ...eventOf(task), fraction }),
            done: (task, outcome) => finished(byId.get(task.cellId)!.planned, byId.get(task.cellId)!.index, outcome),
            failed: (task, error) => onEvent?.({ type: 'cell-failed', ...eventOf(task), error }),
          },
          signal,
        );
      } catch (error) {
        // The killed workers may have left temp files of the cells they were writing.
        removeStaleTempFiles(store.dir);
        if (signal?.aborted === true) throw interrupted();
        throw error;
      }
    }

    const missing = plan.filter((c) => !store.has(identity(c))).map((c) => c.id);
    const result: RunResult<C> = {
      name: def.name,
      outDir,
      config,
      size,
      configHash: hash,
      shard,
      cellsRun,
      cellsSkipped,
      diverged,
      gridTotal: plan.length,
      missing,
      assembled: undefined,
    };
    if (shard !== undefined) return result;
    if (missing.length > 0) {
      // Cannot happen unless another process deleted cells while this one ran.
      throw new ExperimentError(`${def.name}: ${missing.length} cells vanished or changed in ${JSON.stringify(store.dir)} during the run (first: ${missing[0]})`, {
        hint: 'another process wrote into this folder; rerun the same command to recompute them',
      });
    }
    result.assembled = await assembleResults({
      def: anyDef,
      config: config as Record<string, unknown>,
      size,
      store,
      plan,
      started,
      onEvent,
      signal,
      interrupted: () =>
        new InterruptedError(
          `${def.name}: interrupted; ${plan.length} of ${plan.length} cells are complete in ${JSON.stringify(outDir)} ` +
            `(${cellsRun} computed by this run); the previous outputs are untouched; rerun the same command to write them`,
        ),
      damagedHint: 'rerun the same command to recompute it',
    });
    return result;
  }
}

