/**
 * Seed votes: how the findings of the long-lag experiments (temporal-order, copy-memory,
 * long-time-lag) combine per-seed outcomes so that one seed cannot decide a verdict. A claim
 * about a group of runs holds when it holds in all but at most one seed, and only when there
 * are at least {@link MIN_SEEDS} seeds; a claim that a group does *not* do something holds
 * when at most one seed does it.
 */

/** Fewest seeds a verdict of 'reproduced' rests on. */
export const MIN_SEEDS = 5;

/** How many of `flags` are true. */
export function count(flags: readonly boolean[]): number {
  return flags.filter(Boolean).length;
}

/** True in all but at most one of the seeds (false for no seeds). */
export function allButOne(flags: readonly boolean[]): boolean {
  return flags.length > 0 && count(flags) >= flags.length - 1;
}

/** True in at most one of the seeds (false for no seeds: nothing was measured). */
export function atMostOne(flags: readonly boolean[]): boolean {
  return flags.length > 0 && count(flags) <= 1;
}

/** `k of n` for a list of per-seed flags. */
export function ofSeeds(flags: readonly boolean[]): string {
  return `${count(flags)} of ${flags.length}`;
}
