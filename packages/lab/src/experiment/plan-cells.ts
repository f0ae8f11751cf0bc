/**
 * The list of (cell, seed) pairs of a config, in grid order: cell-major, seeds innermost. This
 * order is the row order of the main CSV and the round-robin order of sharding.
 */
import { ExperimentError, describeValue } from '@gradlab/core';
import { cellId, cellKey } from './cell-id.js';
import type { AnyExperimentDefinition, CellValue } from './define-experiment.js';

/** One (cell, seed) pair of the grid. */
export interface PlannedCell {
  /** Position in grid order (0-based). */
  position: number;
  /** Id without the seed (the Rng fork name under the experiment's name). */
  key: string;
  /** Id with the seed (the cell's file name). */
  id: string;
  /** The grid cell. */
  cell: Record<string, CellValue>;
  /** The seed. */
  seed: number;
}

/**
 * Crosses `def.grid(config)` with `config.seeds`.
 * @throws ExperimentError when the grid is not a non-empty array of flat objects or repeats a cell
 */
export function planCells(def: AnyExperimentDefinition, config: object): PlannedCell[] {
  const where = `${def.name}: grid`;
  const grid = def.grid(config) as unknown;
  if (!Array.isArray(grid) || grid.length === 0) {
    throw new ExperimentError(`${where}: expected grid(config) to return a non-empty array of cells, got ${describeValue(grid)}`);
  }
  const seeds = (config as { seeds: number[] }).seeds;
  const out: PlannedCell[] = [];
  const seen = new Set<string>();
  for (const cell of grid as Record<string, CellValue>[]) {
    const key = cellKey(where, cell);
    if (seen.has(key)) throw new ExperimentError(`${where}: the cell ${JSON.stringify(key)} appears twice in the grid`);
    seen.add(key);
    for (const seed of seeds) out.push({ position: out.length, key, id: cellId(key, seed), cell, seed });
  }
  return out;
}
