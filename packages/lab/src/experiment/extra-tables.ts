/**
 * Extra tables: CSVs an experiment writes besides its main one, for rows of another shape than
 * the main CSV's, such as the per-parameter and per-layer rows of core's `watch`
 * (`<name>-watch.csv`). An experiment declares each table with its columns
 * (`tables: { watch: [...] }`); a cell adds rows with `ctx.table('watch', rows)`.
 *
 * A cell's table rows are stored beside its main rows
 * (`.cells/<hash>/<cellId>.tables/<table>.csv`) under the same checksum record, so they travel
 * from worker processes and shards, and survive a resume, exactly as the main rows do. Assembly
 * concatenates them in grid order into `<name>-<table>.csv`, lists that file in the manifest
 * with its sha256 and rows, and renames it into place together with the other outputs.
 */
import { ValidationError, describeValue } from '@gradlab/core';

/** Table names: kebab-case, like experiment names (`watch`, `per-step`). */
export const TABLE_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Names a table may not take: `summary` is the seed summary's file (`<name>-summary.csv`). */
const RESERVED_TABLES = new Set(['summary']);

/** An experiment's extra tables: each name with its columns, in order. */
export type TablesSpec = Readonly<Record<string, readonly string[]>>;

/** File name of table `table` of experiment `name` in the results folder. */
export function tableFileName(name: string, table: string): string {
  return `${name}-${table}.csv`;
}

/**
 * Checks an experiment's `tables` declaration.
 * @param where prefix of error messages, e.g. `defineExperiment(exploding-clipping)`
 * @returns a frozen copy
 * @throws ValidationError naming the field: not an object, a name that is not kebab-case or is
 *   reserved, columns that are not a non-empty list of distinct non-empty strings
 */
export function checkTablesSpec(where: string, tables: unknown): TablesSpec {
  if (tables === null || typeof tables !== 'object' || Array.isArray(tables)) {
    throw new ValidationError(`${where}: expected tables to be an object { name: [columns] }, got ${describeValue(tables)}`);
  }
  const out: Record<string, readonly string[]> = {};
  for (const [name, columns] of Object.entries(tables)) {
    if (!TABLE_NAME_PATTERN.test(name) || RESERVED_TABLES.has(name)) {
      throw new ValidationError(`${where}: expected every table name to be kebab-case and not "summary", got ${describeValue(name)}`);
    }
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new ValidationError(`${where}: expected tables.${name} to be a non-empty array of column names, got ${describeValue(columns)}`);
    }
    const seen = new Set<string>();
    for (const c of columns) {
      if (typeof c !== 'string' || c === '') throw new ValidationError(`${where}: expected every column of tables.${name} to be a non-empty string, got ${describeValue(c)}`);
      if (seen.has(c)) throw new ValidationError(`${where}: column ${JSON.stringify(c)} is listed twice in tables.${name}`);
      seen.add(c);
    }
    out[name] = Object.freeze([...columns]);
  }
  return Object.freeze(out);
}

/** The table names of a declaration, in declaration order (none when undefined). */
export function tableNames(tables: TablesSpec | undefined): string[] {
  return tables === undefined ? [] : Object.keys(tables);
}
