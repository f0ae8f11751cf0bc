/**
 * `mergeExperiment`: assembles the main CSV, plots and manifest of a results folder whose cells
 * were computed by several sharded runs (`gradlab run NAME --shard i/n`, then `gradlab merge
 * OUT`). The config, size and seeds come from the shards' records (`OUT/.cells/shards/`), which
 * must agree, else from `OUT/.cells/<hash>/config.json`; the result is byte-identical to an
 * unsharded run's. Merging holds the lock on OUT and honours a signal until the outputs are
 * renamed into place.
 */
import { ExperimentError, InterruptedError, removeStaleTempFiles } from '@gradlab/core';
import { assembleResults, type AssembledOutputs } from './assemble-results.js';
import { tableNames } from './extra-tables.js';
import { CellsStore, readCellsConfig } from './cells-store.js';
import { cellIdentity } from './cell-checksum.js';
import { lockOutDir } from './out-lock.js';
import { agreeingShards, readShardRecords } from './shard-records.js';
import { configHash as hashOf } from './cell-id.js';
import type { CellValue, ExperimentDefinition } from './define-experiment.js';
import { planCells } from './plan-cells.js';
import type { RunEventHandler } from './run-events.js';
import { resolveConfig } from './runner.js';

/** Options of `mergeExperiment`. */
export interface MergeOptions {
  /** Which config's cells to merge. Default: the last one run in the folder (`.cells/current`). */
  configHash?: string | undefined;
  /** Receives the `lock` and `assembled` events. */
  onEvent?: RunEventHandler | undefined;
  /** Stops the merge (an `InterruptedError`) before the outputs are replaced. */
  signal?: AbortSignal | undefined;
  /** Wait for another writer of OUT (default) or refuse at once. */
  wait?: boolean | undefined;
}

/** How many missing cell ids an error message lists before summarising. */
const MISSING_LISTED = 10;

/**
 * Assembles a results folder from its stored cells.
 * @returns the outputs written
 * @throws ExperimentError when the folder holds no cells, belongs to another experiment, its
 *   shards ran different seeds or configs (naming the difference), or cells are missing or
 *   damaged (the message lists them); ValidationError when the stored config no longer fits the
 *   experiment's schema; InterruptedError when `signal` aborts
 */
export async function mergeExperiment<C extends object, K extends Record<string, CellValue>>(
  def: ExperimentDefinition<C, K>,
  outDir: string,
  options: MergeOptions = {},
): Promise<AssembledOutputs> {
  const started = new Date();
  const lock = await lockOutDir(outDir, {
    command: `merge ${def.name}`,
    wait: options.wait,
    signal: options.signal,
    onMessage: (message) => options.onEvent?.({ type: 'lock', name: def.name, message }),
  });
  try {
    return await mergeLocked(def, outDir, options, started);
  } finally {
    lock.release();
  }
}

async function mergeLocked<C extends object, K extends Record<string, CellValue>>(
  def: ExperimentDefinition<C, K>,
  outDir: string,
  options: MergeOptions,
  started: Date,
): Promise<AssembledOutputs> {
  const shards = options.configHash === undefined ? readShardRecords(outDir) : [];
  const stored = shards.length > 0 ? agreeingShards(shards, outDir) : readCellsConfig(outDir, options.configHash);
  if (stored.name !== def.name) {
    throw new ExperimentError(`merge: ${JSON.stringify(outDir)} holds cells of experiment "${stored.name}", not "${def.name}"`);
  }
  const anyDef = def as unknown as ExperimentDefinition<C, Record<string, CellValue>>;
  const { seeds, ...rest } = stored.config as Record<string, unknown> & { seeds?: number[] };
  const config = resolveConfig(anyDef, stored.size, rest as Partial<C>, seeds);
  const hash = hashOf(config);
  if (hash !== stored.configHash) {
    throw new ExperimentError(
      `merge: the config stored in ${JSON.stringify(outDir)} hashes to ${hash}, not ${stored.configHash}; ` +
        'the experiment schema changed since the cells were run — rerun with --fresh',
    );
  }
  const store = new CellsStore(outDir, hash, tableNames(def.tables));
  removeStaleTempFiles(outDir);
  removeStaleTempFiles(store.dir);
  const plan = planCells(anyDef, config);
  const damaged: string[] = [];
  const missing: string[] = [];
  for (const c of plan) {
    const found = store.check(cellIdentity(def.name, hash, c));
    if (found.state === 'missing') missing.push(c.id);
    else if (found.state === 'damaged') damaged.push(`${c.id} (${found.why})`);
  }
  if (damaged.length > 0) {
    const listed = damaged.slice(0, MISSING_LISTED).join('; ');
    const more = damaged.length > MISSING_LISTED ? ` and ${damaged.length - MISSING_LISTED} more` : '';
    throw new ExperimentError(`merge: ${damaged.length} of ${plan.length} cells of ${def.name} are damaged in ${JSON.stringify(store.dir)}: ${listed}${more}`, {
      hint: 'rerun the shards holding them (gradlab run NAME --shard i/n --out DIR): they recompute damaged cells; then merge again',
    });
  }
  if (missing.length > 0) {
    const listed = missing.slice(0, MISSING_LISTED).join('; ');
    const more = missing.length > MISSING_LISTED ? ` and ${missing.length - MISSING_LISTED} more` : '';
    throw new ExperimentError(
      `merge: ${missing.length} of ${plan.length} cells of ${def.name} are missing in ${JSON.stringify(store.dir)}: ${listed}${more}`,
      { hint: 'run the remaining shards (gradlab run NAME --shard i/n --out DIR), then merge again' },
    );
  }
  return assembleResults({
    def: anyDef,
    config: config as Record<string, unknown>,
    size: stored.size,
    store,
    plan,
    started,
    onEvent: options.onEvent,
    signal: options.signal,
    interrupted: () =>
      new InterruptedError(
        `merge: ${def.name}: interrupted; ${plan.length} of ${plan.length} cells are complete in ${JSON.stringify(outDir)}; ` +
          'the previous outputs are untouched; run the merge again to write them',
      ),
    damagedHint: 'rerun the shard holding it to recompute it, then merge again',
  });
}
