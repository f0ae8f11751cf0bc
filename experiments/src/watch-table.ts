/**
 * The watch table of an experiment (`<name>-watch.csv`): the rows of core's `watch`, behind the
 * cell's key columns and seed, written through `ctx.table('watch', ...)`. A 'layer' row whose
 * layer holds one parameter only repeats that parameter's row (the RNN's `weight_hh_l0`, or a
 * net watched by its weights alone), so it is left out: the table stays small and says each
 * number once.
 */
import { watchColumns, type WatchRow } from '@gradlab/core';
import type { Row } from '@gradlab/lab';

/** The table name every experiment uses for its watch rows. */
export const WATCH_TABLE = 'watch';

/** Columns of a watch table: the cell's keys and seed, then the watch columns with `bins` bins. */
export function watchTableColumns(keys: readonly string[], bins: number): string[] {
  return [...keys, ...watchColumns(bins)];
}

/** The rows of a watcher for a watch table, without the 'layer' rows that repeat a single parameter's. */
export function watchTableRows(rows: readonly WatchRow[]): Row[] {
  const members = new Map<string, number>();
  const key = (r: WatchRow) => `${String(r['step'])}/${String(r['index'])}`;
  for (const r of rows) if (r['kind'] === 'param') members.set(key(r), (members.get(key(r)) ?? 0) + 1);
  return rows.filter((r) => r['kind'] !== 'layer' || (members.get(key(r)) ?? 0) > 1);
}
