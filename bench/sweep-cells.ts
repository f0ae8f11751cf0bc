/**
 * The cells of `pnpm bench --sweep`: a seed sweep as a researcher runs one, made of cells of two
 * built-in experiments at a reduced but real size, run by gradlab's own runner (and, with
 * `--peer`, by bench/sweep_pytorch.py in PyTorch). The full sweep is the table in
 * BENCHMARKS.md ("Sweep"); tests/bench-sweep.test.ts checks the two agree.
 *
 * - long-term-memory: one cell (LSTM on the adding problem, T = 50) over 8 seeds, 1000 Adam
 *   steps each (the full size trains 3000): the long, recurrent half of a sweep.
 * - depth-gradients: a block of 30 short cells (depth 20, every activation × three inits, plain
 *   nets) over 2 seeds, at the full size: many cheap cells, where per-cell overhead shows.
 */
import type { AnyExperimentDefinition, CellValue } from '@gradlab/lab';
import { EXPERIMENTS } from '../experiments/src/registry.js';
import type { WorkloadSize } from './workload.js';

/** One experiment of the sweep: its name and the fields replacing those of its full size. */
export interface SweepBlock {
  experiment: string;
  overrides: Record<string, unknown>;
}

/** One (cell, seed) of the sweep, in the order the runner plans them. */
export interface SweepCell {
  experiment: string;
  cell: Record<string, CellValue>;
  seed: number;
}

const FULL: SweepBlock[] = [
  {
    experiment: 'long-term-memory',
    overrides: { seeds: [1, 2, 3, 4, 5, 6, 7, 8], lengths: [50], models: ['lstm'], iterations: { 'rnn-tanh': 1000, irnn: 1000, lstm: 1000 }, evalEvery: 250 },
  },
  {
    experiment: 'depth-gradients',
    overrides: { seeds: [1, 2], depths: [20], inits: ['standard', 'glorot-uniform', 'he-normal'], variants: ['plain'] },
  },
];

/** Seconds, not minutes: checks that the sweep runs end to end (never a measurement). */
const TINY: SweepBlock[] = [
  {
    experiment: 'long-term-memory',
    overrides: { seeds: [1, 2], lengths: [8], models: ['lstm'], hidden: 8, batchSize: 4, iterations: { 'rnn-tanh': 4, irnn: 4, lstm: 4 }, evalEvery: 2, testSize: 16 },
  },
  {
    experiment: 'depth-gradients',
    overrides: { seeds: [1], depths: [3], width: 8, imageSize: 8, trainSize: 32, batchSize: 8, steps: 2, recordEvery: 2, activations: ['tanh', 'relu'], inits: ['glorot-uniform'], variants: ['plain'] },
  },
];

/** The blocks of the sweep at a size. */
export function sweepBlocks(size: WorkloadSize): SweepBlock[] {
  return size === 'full' ? FULL : TINY;
}

/** The registered experiment of a block. */
export function blockExperiment(block: SweepBlock): AnyExperimentDefinition {
  const def = EXPERIMENTS.get(block.experiment);
  if (def === undefined) throw new Error(`sweep: no experiment named ${JSON.stringify(block.experiment)} in the registry`);
  return def;
}

/** A block's whole config: the experiment's full size with the overrides, validated by its schema. */
export function blockConfig(block: SweepBlock): Record<string, unknown> {
  const def = blockExperiment(block);
  return def.configSchema.parse({ ...(def.sizes.full as Record<string, unknown>), ...block.overrides }) as Record<string, unknown>;
}

/** Every (cell, seed) of the sweep: each block's grid crossed with its seeds, seeds innermost. */
export function sweepCells(size: WorkloadSize): SweepCell[] {
  return sweepBlocks(size).flatMap((block) => {
    const config = blockConfig(block);
    const grid = blockExperiment(block).grid(config) as Record<string, CellValue>[];
    return grid.flatMap((cell) => (config['seeds'] as number[]).map((seed) => ({ experiment: block.experiment, cell, seed })));
  });
}
