/**
 * `defineExperiment`: the declaration every experiment file exports — a name, the question it
 * answers, a typed config (zod schema) with a `quick` size for CI and a `full` size for
 * results/, a grid of cells, the fixed columns of its CSV, the function that runs one cell for
 * one seed, and optional plots. Nothing runs on import; `runExperiment` does the running.
 *
 * @example
 * export const toy = defineExperiment({
 *   name: 'toy',
 *   description: 'How does the gradient norm change with depth?',
 *   configSchema: z.object({ depths: z.array(positiveInt()), seeds: z.array(z.number().int()) }),
 *   sizes: { quick: { depths: [2], seeds: [1] }, full: { depths: [2, 4, 8], seeds: [1, 2, 3] } },
 *   grid: (c) => c.depths.map((depth) => ({ depth })),
 *   columns: ['depth', 'seed', 'grad_l2'],
 *   run: (cell, _config, ctx) => [{ depth: cell.depth, seed: cell.seed, grad_l2: ctx.rng.next() }],
 * });
 */
import type { z } from 'zod';
import { type BackendInfo, type Rng, ValidationError, describeValue, parseOptions } from '@gradlab/core';
import type { FindingFn } from '../findings/finding.js';
import type { Divergence } from './cells-store.js';
import { checkSummarySpec, type SummarySpec } from './seed-summary.js';
import { checkTablesSpec, type TablesSpec } from './extra-tables.js';

/** A value in one CSV cell. */
export type CellValue = string | number | boolean;
/** One row of an experiment's main CSV. */
export type Row = Record<string, CellValue>;

/** What `run` gets besides its cell and config. */
export interface ExperimentContext {
  /**
   * The cell's random stream: `new Rng(seed).fork(`${name}/${cellKey}`)` where `cellKey` is the
   * cell's id without the seed — independent of the order cells run in and of sharding.
   */
  rng: Rng;
  /** Backend computing the cell. */
  backend: BackendInfo;
  /** Folder with real data sets (`--data` / `GRADLAB_DATA`), undefined when none was given. */
  dataDir: string | undefined;
  /** Records a notice (e.g. 'synthetic data used') in the manifest (deduplicated) and reports it. */
  notice(message: string): void;
  /** Reports progress within the cell, a fraction in [0, 1]. */
  onProgress?: (fraction: number) => void;
  /**
   * Saves an extra output of the cell (weights, an image), copied into the results folder and
   * listed in the manifest at assembly; `file` is a plain name distinct across cells (see
   * `cell-artifacts.ts`). Optional so that contexts built by hand (tests) may leave it out.
   */
  artifact?: (file: string, data: Uint8Array | string) => void;
  /**
   * Adds rows to one of the experiment's extra tables (declared in `tables`; written as
   * `<name>-<table>.csv`), e.g. `ctx.table?.('watch', watcher.drain())`. May be called any number
   * of times; rows keep their order. As in `run`'s rows, columns named like a cell key or `seed`
   * may be left out. Optional so that contexts built by hand (tests) may leave it out.
   */
  table?: (name: string, rows: readonly Row[]) => void;
  /**
   * Reports that the cell's training reached NaN or ±Infinity at `step`: the cell is recorded
   * as `diverged` (in its metadata and the manifest) and its rows are kept, so a sweep goes on
   * with the next cell. The cell may stop training or go on; it returns its rows either way. With
   * `failOnNonFinite` the runner throws a `NonFiniteError` from here instead (a hard stop).
   * Optional so that contexts built by hand (tests) may leave it out.
   */
  diverged?: (divergence: Divergence) => void;
}

/** One plot an experiment draws from its rows. */
export interface PlotOutput {
  /** File name inside the results folder, ending in `.svg` (e.g. `depth-gradients-by-layer.svg`). */
  file: string;
  /** Vega-Lite spec (a `TopLevelSpec`) with the data inline. */
  spec: object;
}

/** The declaration of an experiment (see the file comment). */
export interface ExperimentDefinition<C extends object, K extends Record<string, CellValue>> {
  /** kebab-case; the name of its results/ folder and of its CSV. */
  name: string;
  /** The question it answers, one sentence. */
  description: string;
  /** Schema of the config; the config has `seeds: number[]`. */
  configSchema: z.ZodType<C>;
  /** The `quick` size (CI, seconds) and the `full` size (results/). */
  sizes: { quick: C; full: C };
  /** The cells, without the seed. The runner crosses them with `config.seeds`: cell-major, seeds innermost. */
  grid(config: C): K[];
  /** The main CSV's columns, in order. */
  columns: readonly string[];
  /**
   * Runs one cell for one seed and returns its rows. Columns named like a cell key or `seed`
   * may be left out of the rows: the runner fills them from the cell.
   */
  run(cell: K & { seed: number }, config: C, ctx: ExperimentContext): Promise<Row[]> | Row[];
  /**
   * Charts drawn from all rows once every cell is done; `tables` holds the rows of each extra
   * table by name (grid order).
   */
  plots?(rows: Row[], config: C, tables: Readonly<Record<string, Row[]>>): PlotOutput[];
  /**
   * The seed-sweep summary: when a run has more than one seed, assembly also writes
   * `<name>-summary.csv` with one row per group of the `by` columns, `n_seeds`, and the mean,
   * sample std, min and max of each `values` column (see `seed-summary.ts`). Both lists name
   * columns of `columns`, never `seed`. Default: no summary.
   */
  summary?: SummarySpec | undefined;
  /**
   * Extra tables, each by name with its columns: `tables: { watch: ['model', 'seed', ...watchColumns(20)] }`
   * makes the run also write `<name>-watch.csv`, filled by `ctx.table('watch', rows)` (see
   * `extra-tables.ts`). For rows of another shape than the main CSV's, e.g. per-layer
   * instrumentation. Default: none.
   */
  tables?: TablesSpec | undefined;
  /**
   * What the rows say about the published result the experiment reproduces: key numbers, the
   * published figure beside ours and a verdict by a stated rule (see `findings/finding.ts`).
   * Shown in the results index that `gradlab run` writes. Default: none.
   */
  finding?: FindingFn<C> | undefined;
}

/** An experiment of any config and cell type (for registries). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExperimentDefinition = ExperimentDefinition<any, any>;

/**
 * The brand `defineExperiment` puts on what it returns. `Symbol.for` so that a definition made
 * by another copy of @gradlab/lab (a user's project next to the CLI's) is still recognised.
 */
const EXPERIMENT_BRAND = Symbol.for('gradlab.experiment');

/** Whether `value` was made by `defineExperiment`. */
export function isExperiment(value: unknown): value is AnyExperimentDefinition {
  return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[EXPERIMENT_BRAND] === true;
}

/** Experiment names: kebab-case, lower-case letters and digits. */
export const EXPERIMENT_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Validates an experiment declaration and returns it (frozen), typed. Both sizes are parsed
 * with the schema here, so a broken preset fails when the file is loaded, not after hours.
 * @throws ValidationError naming the field: a name that is not kebab-case, an empty
 *   description, missing or repeated columns, a size the schema rejects, a size without seeds,
 *   a `summary` naming unknown columns or `seed`, a `tables` entry with a bad name or columns
 */
export function defineExperiment<C extends object, K extends Record<string, CellValue>>(
  def: ExperimentDefinition<C, K>,
): ExperimentDefinition<C, K> {
  const where = 'defineExperiment';
  if (def === null || typeof def !== 'object') throw new ValidationError(`${where}: expected a definition object, got ${describeValue(def)}`);
  if (typeof def.name !== 'string' || !EXPERIMENT_NAME_PATTERN.test(def.name)) {
    throw new ValidationError(`${where}: expected name to be kebab-case (e.g. "depth-gradients"), got ${describeValue(def.name)}`);
  }
  const at = `${where}(${def.name})`;
  if (typeof def.description !== 'string' || def.description.trim() === '') {
    throw new ValidationError(`${at}: expected description to be a non-empty sentence, got ${describeValue(def.description)}`);
  }
  if (def.configSchema === null || typeof def.configSchema !== 'object' || typeof def.configSchema.safeParse !== 'function') {
    throw new ValidationError(`${at}: expected configSchema to be a zod schema, got ${describeValue(def.configSchema)}`);
  }
  for (const key of ['grid', 'run'] as const) {
    if (typeof def[key] !== 'function') throw new ValidationError(`${at}: expected ${key} to be a function, got ${describeValue(def[key])}`);
  }
  for (const key of ['plots', 'finding'] as const) {
    if (def[key] !== undefined && typeof def[key] !== 'function') {
      throw new ValidationError(`${at}: expected ${key} to be a function, got ${describeValue(def[key])}`);
    }
  }
  if (!Array.isArray(def.columns) || def.columns.length === 0) {
    throw new ValidationError(`${at}: expected columns to be a non-empty array of names, got ${describeValue(def.columns)}`);
  }
  const seen = new Set<string>();
  for (const c of def.columns) {
    if (typeof c !== 'string' || c === '') throw new ValidationError(`${at}: expected every column to be a non-empty string, got ${describeValue(c)}`);
    if (seen.has(c)) throw new ValidationError(`${at}: column ${JSON.stringify(c)} is listed twice in columns`);
    seen.add(c);
  }
  const summary = def.summary === undefined ? undefined : checkSummarySpec(at, def.summary, def.columns);
  const tables = def.tables === undefined ? undefined : checkTablesSpec(at, def.tables);
  if (def.sizes === null || typeof def.sizes !== 'object') {
    throw new ValidationError(`${at}: expected sizes to be { quick, full }, got ${describeValue(def.sizes)}`);
  }
  const sizes = {} as { quick: C; full: C };
  for (const size of ['quick', 'full'] as const) {
    const parsed = parseOptions(`${at}: sizes.${size}`, def.configSchema, def.sizes[size]) as C;
    checkSeeds(`${at}: sizes.${size}`, (parsed as { seeds?: unknown }).seeds);
    sizes[size] = parsed;
  }
  const frozen = {
    ...def,
    columns: Object.freeze([...def.columns]),
    sizes: Object.freeze(sizes),
    ...(summary !== undefined ? { summary: Object.freeze(summary) } : {}),
    ...(tables !== undefined ? { tables } : {}),
  };
  Object.defineProperty(frozen, EXPERIMENT_BRAND, { value: true });
  return Object.freeze(frozen);
}

/**
 * Checks a seed list: a non-empty array of distinct safe integers.
 * @throws ValidationError `where: expected seeds to be …, got …`
 */
export function checkSeeds(where: string, seeds: unknown): number[] {
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isSafeInteger(s))) {
    throw new ValidationError(`${where}: expected seeds to be a non-empty array of integers, got ${describeValue(seeds)}`);
  }
  if (new Set(seeds).size !== seeds.length) {
    throw new ValidationError(`${where}: expected seeds to be distinct, got ${describeValue(seeds)}`);
  }
  return seeds as number[];
}
