/**
 * `mergeExperiment`: assembles the main CSV, plots and manifest of a results folder whose cells
 * were computed by several sharded runs (`gradlab run NAME --shard i/n`, then `gradlab merge
 * OUT`). The config, size and seeds come from `OUT/.cells/<hash>/config.json`; the result is
 * byte-identical to an unsharded run's.
 */
import { ExperimentError, removeStaleTempFiles } from '@gradlab/core';
import { assembleResults, type AssembledOutputs } from './assemble-results.js';
import { CellsStore, readCellsConfig } from './cells-store.js';
import { configHash as hashOf } from './cell-id.js';
import type { CellValue, ExperimentDefinition } from './define-experiment.js';
import { planCells } from './plan-cells.js';
import type { RunEventHandler } from './run-events.js';
import { resolveConfig } from './runner.js';

/** Options of `mergeExperiment`. */
export interface MergeOptions {
  /** Which config's cells to merge. Default: the last one run in the folder (`.cells/current`). */
  configHash?: string | undefined;
  /** Receives the `assembled` event. */
  onEvent?: RunEventHandler | undefined;
}

/** How many missing cell ids an error message lists before summarising. */
const MISSING_LISTED = 10;

/**
 * Assembles a results folder from its stored cells.
 * @returns the outputs written
 * @throws ExperimentError when the folder holds no cells, belongs to another experiment, or
 *   cells are missing (the message lists them); ValidationError when the stored config no
 *   longer fits the experiment's schema
 */
export async function mergeExperiment<C extends object, K extends Record<string, CellValue>>(
  def: ExperimentDefinition<C, K>,
  outDir: string,
  options: MergeOptions = {},
): Promise<AssembledOutputs> {
  const started = new Date();
  const stored = readCellsConfig(outDir, options.configHash);
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
  const store = new CellsStore(outDir, hash);
  removeStaleTempFiles(outDir);
  removeStaleTempFiles(store.dir);
  const plan = planCells(anyDef, config);
  const missing = plan.filter((c) => !store.has(c.id)).map((c) => c.id);
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
  });
}
