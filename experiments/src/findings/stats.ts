/**
 * Small helpers the finding modules share: picking rows, grouping by seed, summary numbers
 * and the fixed number format of the results index.
 */
import type { Row, Verdict } from '@gradlab/lab';

/** Rows whose columns equal every value in `where`. */
export function select(rows: readonly Row[], where: Record<string, string | number | boolean>): Row[] {
  const keys = Object.keys(where);
  return rows.filter((r) => keys.every((k) => r[k] === where[k]));
}

/** The distinct values of a column, in first-appearance order. */
export function distinct(rows: readonly Row[], column: string): (string | number | boolean)[] {
  return [...new Set(rows.map((r) => r[column]!))];
}

/** The numeric value of a cell, NaN when it is not a number. */
export function num(r: Row | undefined, column: string): number {
  const v = r?.[column];
  return typeof v === 'number' ? v : NaN;
}

/** Arithmetic mean (NaN for an empty list). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1); NaN for fewer than two values. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The row with the largest value of `column` (e.g. the last step) among `rows`. */
export function lastBy(rows: readonly Row[], column: string): Row | undefined {
  let best: Row | undefined;
  for (const r of rows) if (best === undefined || num(r, column) > num(best, column)) best = r;
  return best;
}

/** For each seed present, `f` of its rows; in seed order of appearance. */
export function perSeed<T>(rows: readonly Row[], f: (rows: Row[]) => T): T[] {
  return distinct(rows, 'seed').map((s) => f(rows.filter((r) => r['seed'] === s)));
}

/** A number with 3 significant digits (`0.000123`, `1.23e-9`, `4.56e+12`), `n/a` for NaN. */
export function fmt(x: number, digits = 3): string {
  if (Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}

/** `mean ± std (n)` over seeds, or just the value for one seed. */
export function fmtSeeds(xs: readonly number[]): string {
  if (xs.length === 0) return 'n/a';
  if (xs.length === 1) return fmt(xs[0]!);
  return `${fmt(mean(xs))} ± ${fmt(std(xs))}`;
}

/** A percentage with one decimal (`12.3%`). */
export function pct(x: number): string {
  return Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`;
}

/** "n seeds" / "1 seed". */
export function seedsText(n: number): string {
  return `${n} seed${n === 1 ? '' : 's'}`;
}

/**
 * Seeds a finding needs before it may say "reproduced": below this the verdict is at most
 * "partly", with the reason "only n seeds" (used where a cell is cheap enough to run more).
 */
export const MIN_SEEDS = 5;

/** In how many of `n` seeds a property held. */
export interface SeedCount {
  /** Seeds in which it held. */
  k: number;
  /** Seeds looked at. */
  n: number;
}

/**
 * How many of `n` seeds must agree for a property to hold overall: all but one from
 * {@link MIN_SEEDS} seeds on (so one seed cannot flip it), every seed below that.
 */
export function seedsNeeded(n: number): number {
  return n >= MIN_SEEDS ? n - 1 : n;
}

/** Whether a property that held in `k` of `n` seeds holds overall (see {@link seedsNeeded}); never for no seeds. */
export function holdsAcrossSeeds(c: SeedCount): boolean {
  return c.n > 0 && c.k >= seedsNeeded(c.n);
}

/** `k of n`. */
export function kOfN(c: SeedCount): string {
  return `${c.k} of ${c.n}`;
}

/** The count of seeds whose value passes `test`. */
export function countSeeds(xs: readonly number[], test: (x: number) => boolean): SeedCount {
  return { k: xs.filter(test).length, n: xs.length };
}

/** `f` of each seed's rows, keyed by seed. */
export function bySeed(rows: readonly Row[], f: (rows: Row[]) => number): Map<string | number | boolean, number> {
  const out = new Map<string | number | boolean, number>();
  for (const s of distinct(rows, 'seed')) out.set(s, f(rows.filter((r) => r['seed'] === s)));
  return out;
}

/** Seed-by-seed comparison of a and b over the seeds both have: `above` a > b, `below` a < b. */
export interface PairedCount {
  above: number;
  below: number;
  n: number;
}

/** Compares two per-seed values seed by seed (only seeds present in both count). */
export function compareSeeds(a: ReadonlyMap<unknown, number>, b: ReadonlyMap<unknown, number>): PairedCount {
  let above = 0;
  let below = 0;
  let n = 0;
  for (const [seed, x] of a) {
    const y = b.get(seed);
    if (y === undefined) continue;
    n++;
    if (x > y) above++;
    else if (x < y) below++;
  }
  return { above, below, n };
}

/** How one published claim fared in our seeds. */
export type ClaimStatus = 'holds' | 'contradicted' | 'mixed' | 'not run';

/** One published claim, checked seed by seed. */
export interface SeedClaim {
  /** The claim, e.g. `PCD-1 > CD-10`. */
  name: string;
  /** What we see, per seed, e.g. `CD-10 > PCD-1 in 5 of 5 seeds`. */
  seen: string;
  status: ClaimStatus;
}

/**
 * The ordering a > b judged seed by seed ({@link compareSeeds}): it holds when a > b in enough
 * seeds ({@link holdsAcrossSeeds}), is contradicted when b > a does, and is mixed otherwise.
 * @param name the claim's name (default `a > b`)
 */
export function seedOrdering(a: string, b: string, c: PairedCount, name = `${a} > ${b}`): SeedClaim {
  if (c.n === 0) return { name, seen: `${a} or ${b} not run`, status: 'not run' };
  const status: ClaimStatus = holdsAcrossSeeds({ k: c.above, n: c.n }) ? 'holds' : holdsAcrossSeeds({ k: c.below, n: c.n }) ? 'contradicted' : 'mixed';
  const seen = c.below > c.above ? `${b} > ${a} in ${kOfN({ k: c.below, n: c.n })} seeds` : `${a} > ${b} in ${kOfN({ k: c.above, n: c.n })} seeds`;
  return { name, seen, status };
}

/** "reproduced" becomes "partly" when fewer than {@link MIN_SEEDS} seeds were run. */
export function capBySeeds(verdict: Verdict, seeds: number): Verdict {
  return verdict === 'reproduced' && seeds < MIN_SEEDS ? 'partly' : verdict;
}

/** The reason `only n seeds` below {@link MIN_SEEDS} seeds; empty from there on. */
export function onlySeeds(seeds: number): string {
  return seeds < MIN_SEEDS ? `only ${seedsText(seeds)}` : '';
}
