/**
 * Sharding a run across processes or cluster jobs. Shard `{ index, count }` (index 0-based)
 * runs the cells at grid positions `p` with `p % count === index` (round-robin, so every shard
 * gets a share of each part of the grid); `gradlab merge DIR` assembles once all are done.
 *
 * On the command line `--shard i/n` numbers shards from **1** (as Vitest and Playwright do):
 * `--shard 1/3`, `--shard 2/3`, `--shard 3/3`. Under a Slurm job array the default comes from
 * `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, `SLURM_ARRAY_TASK_MIN` (and `_STEP`): the
 * task id is normalised by the array's first id, so `--array=0-2` and `--array=1-3` both work.
 */
import { ValidationError, describeValue } from '@gradlab/core';

/** One shard of a run: `index` in [0, count). */
export interface Shard {
  /** 0-based shard index. */
  index: number;
  /** Number of shards (≥ 1). */
  count: number;
}

/**
 * Parses the command-line form `i/n` (1-based `i`, 1 ≤ i ≤ n).
 * @returns the shard with a 0-based index: `parseShard('1/3')` is `{ index: 0, count: 3 }`
 * @throws ValidationError naming the text and the expected form
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text));
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(n) || n < 1 || i < 1 || i > n) {
    throw new ValidationError(
      `--shard: expected i/n with 1 <= i <= n (shards are numbered from 1, e.g. 2/3), got ${describeValue(text)}`,
    );
  }
  return { index: i - 1, count: n };
}

/**
 * Checks a shard object.
 * @throws ValidationError naming the field
 */
export function checkShard(where: string, shard: Shard): Shard {
  if (shard === null || typeof shard !== 'object') throw new ValidationError(`${where}: expected shard to be { index, count }, got ${describeValue(shard)}`);
  if (!Number.isSafeInteger(shard.count) || shard.count < 1) {
    throw new ValidationError(`${where}: expected shard.count to be a positive integer, got ${describeValue(shard.count)}`);
  }
  if (!Number.isSafeInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
    throw new ValidationError(
      `${where}: expected shard.index to be an integer in [0, ${shard.count - 1}] (0-based), got ${describeValue(shard.index)}`,
    );
  }
  return { index: shard.index, count: shard.count };
}

/**
 * The shard of a Slurm array task, or undefined outside a job array.
 * @param env the environment (default `process.env`)
 * @throws ValidationError when the Slurm variables cannot give a shard (e.g. an id list like
 *   `--array=1,5,9`): pass `--shard` explicitly then
 */
export function shardFromEnv(env: Record<string, string | undefined> = process.env): Shard | undefined {
  const idText = env['SLURM_ARRAY_TASK_ID'];
  if (idText === undefined || idText === '') return undefined;
  const countText = env['SLURM_ARRAY_TASK_COUNT'];
  const minText = env['SLURM_ARRAY_TASK_MIN'];
  const stepText = env['SLURM_ARRAY_TASK_STEP'];
  const id = Number(idText);
  const count = Number(countText);
  const min = Number(minText ?? NaN);
  const step = stepText === undefined || stepText === '' ? 1 : Number(stepText);
  const index = (id - min) / step;
  if (
    !Number.isSafeInteger(id) || !Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(min) ||
    !Number.isSafeInteger(step) || step < 1 || !Number.isSafeInteger(index) || index < 0 || index >= count
  ) {
    throw new ValidationError(
      `Slurm array: cannot derive a shard from SLURM_ARRAY_TASK_ID=${describeValue(idText)}, ` +
        `SLURM_ARRAY_TASK_COUNT=${describeValue(countText)}, SLURM_ARRAY_TASK_MIN=${describeValue(minText)}, ` +
        `SLURM_ARRAY_TASK_STEP=${describeValue(stepText)}; expected a contiguous array (e.g. --array=1-4); ` +
        'pass --shard i/n explicitly',
    );
  }
  return { index, count };
}

/** Whether grid position `position` belongs to `shard` (all positions do without a shard). */
export function inShard(position: number, shard: Shard | undefined): boolean {
  return shard === undefined || position % shard.count === shard.index;
}

/** The command-line form of a shard (`{ index: 0, count: 3 }` → `1/3`). */
export function formatShard(shard: Shard): string {
  return `${shard.index + 1}/${shard.count}`;
}
