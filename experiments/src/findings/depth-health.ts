/**
 * Whether an architecture keeps the back-propagated gradient ‖∂L/∂h_l‖ healthy over depth, with
 * vanishing and exploding told apart: at initialisation, a net of depth D is judged by
 * x = log10(‖∂L/∂h_1‖ / ‖∂L/∂h_D‖), the decades the gradient gains from the last hidden layer
 * back to the first. |x| ≤ {@link HEALTHY_DECADES} is healthy, x above it exploding (toward the
 * input), below −1 vanishing. A non-finite gradient at layer 1 with a finite one at layer D
 * counts as exploding, zero at layer 1 as vanishing, anything else non-finite as broken.
 *
 * The claim judged: "batch normalisation and residual links keep gradients healthy" in deep
 * nets. Yang et al. (2019), "A mean field theory of batch normalization" (ICLR), prove that
 * batch norm makes the gradient explode toward the input at initialisation; Hanin & Rolnick
 * (2018) show that residual nets stay stable only when the branch scales sum to a bounded
 * total, the reason for branches scaled by 1/√depth.
 */
import type { Row } from '@gradlab/lab';
import { distinct, fmt, num, perSeed, select, seedsText } from './stats.js';

/** Decades of growth or decay over the whole depth still counted as healthy. */
export const HEALTHY_DECADES = 1;

/** What one seed's (or one cell's) gradient did over depth. */
export type GradientHealth = 'healthy' | 'exploding' | 'vanishing' | 'broken';
/** A cell's state over seeds: a health that all but one seed agree on, or 'mixed'. */
export type CellHealth = GradientHealth | 'mixed';

/**
 * Whether a per-seed property holds over seeds so that one seed cannot flip it: in all but one
 * seed from 3 seeds on, in every seed below that (never for no seeds).
 */
export function heldBySeeds(flags: readonly boolean[]): boolean {
  const n = flags.length;
  const k = flags.filter(Boolean).length;
  return n > 0 && k >= (n >= 3 ? n - 1 : n);
}

/** log10(‖∂L/∂h_1‖ / ‖∂L/∂h_D‖) for one seed's rows of one cell at step 0 (±∞ for 0 or ∞ at one end, NaN when broken). */
export function decadesToInput(seedRows: readonly Row[], depth: number): number {
  const first = num(seedRows.find((r) => r['layer'] === 1 && r['step'] === 0), 'grad_act_l2');
  const last = num(seedRows.find((r) => r['layer'] === depth && r['step'] === 0), 'grad_act_l2');
  if (!(last > 0) || !Number.isFinite(last) || Number.isNaN(first)) return NaN;
  return Math.log10(first / last);
}

/** The health of one seed from its decades x. */
export function healthOf(x: number): GradientHealth {
  if (Number.isNaN(x)) return 'broken';
  if (x > HEALTHY_DECADES) return 'exploding';
  if (x < -HEALTHY_DECADES) return 'vanishing';
  return 'healthy';
}

/** The health all but one seed agree on (see {@link heldBySeeds}), else 'mixed'. */
export function cellHealth(decades: readonly number[]): CellHealth {
  const states = decades.map(healthOf);
  for (const h of ['healthy', 'exploding', 'vanishing', 'broken'] as const) if (heldBySeeds(states.map((s) => s === h))) return h;
  return 'mixed';
}

/** One (variant, activation, init) cell at depth D: per-seed decades and the agreed health. */
export interface HealthCell {
  variant: string;
  activation: string;
  init: string;
  decades: number[];
  health: CellHealth;
}

/** Every (variant, activation, init) cell of `rows` at `depth`. */
export function healthCells(rows: readonly Row[], depth: number): HealthCell[] {
  const at = rows.filter((r) => r['depth'] === depth && r['step'] === 0);
  const out: HealthCell[] = [];
  for (const variant of distinct(at, 'variant').map(String))
    for (const activation of distinct(at, 'activation').map(String))
      for (const init of distinct(at, 'init').map(String)) {
        const cell = select(at, { variant, activation, init });
        if (cell.length === 0) continue;
        const decades = perSeed(cell, (rs) => decadesToInput(rs, depth));
        out.push({ variant, activation, init, decades, health: cellHealth(decades) });
      }
  return out;
}

/** Counts of each health among `cells`, as `healthy k, exploding k, …` (zeros left out), of n. */
export function healthCounts(cells: readonly HealthCell[]): Record<CellHealth, number> {
  const c: Record<CellHealth, number> = { healthy: 0, exploding: 0, vanishing: 0, broken: 0, mixed: 0 };
  for (const x of cells) c[x.health]++;
  return c;
}

/** `healthy 3, exploding 2 of 5`. */
export function countsText(cells: readonly HealthCell[]): string {
  const c = healthCounts(cells);
  const parts = (Object.keys(c) as CellHealth[]).filter((k) => c[k] > 0).map((k) => `${k} ${c[k]}`);
  return `${parts.join(', ')} of ${cells.length}`;
}

/** Smallest and largest finite-or-infinite decades over cells and seeds, `min … max` (NaN left out). */
export function decadesRange(cells: readonly HealthCell[]): string {
  const xs = cells.flatMap((c) => c.decades).filter((x) => !Number.isNaN(x));
  if (xs.length === 0) return 'n/a';
  return `${fmt(Math.min(...xs))} … ${fmt(Math.max(...xs))}`;
}

/** The verdict on "batch norm and residual links keep gradients healthy", with its reasons. */
export interface HealthVerdict {
  verdict: 'reproduced' | 'partly' | 'not';
  why: string;
  rule: string;
  /** Key-number rows: variant, activation, counts over inits, decades range. */
  table: string[][];
}

/** The architectures the claim is about; 'plain' and 'residual-scaled' are shown beside them. */
const CLAIMED = ['batchnorm', 'residual'] as const;

/**
 * Judges the claim at depth `depth` (the deepest run): reproduced when batch norm and residual
 * links are each healthy in every (activation, init) cell; partly when either is healthy in at
 * least half of its cells; not otherwise.
 */
export function healthVerdict(rows: readonly Row[], depth: number, seeds: number): HealthVerdict {
  const cells = healthCells(rows, depth);
  const variants = [...new Set(cells.map((c) => c.variant))];
  const of = (v: string) => cells.filter((c) => c.variant === v);
  const table = variants.flatMap((v) =>
    [...new Set(of(v).map((c) => c.activation))].map((a) => {
      const cs = of(v).filter((c) => c.activation === a);
      return [v, a, countsText(cs), decadesRange(cs)];
    }),
  );
  const rule =
    `at depth ${depth}, at initialisation, each (activation, init) cell is healthy when |log10(‖∂L/∂h_1‖/‖∂L/∂h_${depth}‖)| ≤ ${HEALTHY_DECADES} ` +
    `(exploding above +${HEALTHY_DECADES}, vanishing below −${HEALTHY_DECADES}) in all but one seed (every seed below 3 seeds), mixed when no state has that many seeds; ` +
    `"batch norm and residual links keep gradients healthy" is reproduced when both are healthy in every cell, partly when either is healthy in at least half of its cells, not otherwise`;
  const missing = CLAIMED.filter((v) => of(v).length === 0);
  if (missing.length > 0) {
    return { verdict: 'not', why: `the run has no ${missing.join(' or ')} nets at depth ${depth}, so the claim cannot be judged.`, rule, table };
  }
  const healthyShare = (v: string) => of(v).filter((c) => c.health === 'healthy').length / of(v).length;
  const allHealthy = CLAIMED.every((v) => healthyShare(v) === 1);
  const halfHealthy = CLAIMED.some((v) => healthyShare(v) >= 0.5);
  const verdict = allHealthy ? 'reproduced' : halfHealthy ? 'partly' : 'not';
  const side = ['plain', 'residual-scaled'].filter((v) => of(v).length > 0).map((v) => `${v}: ${countsText(of(v))}`);
  const why =
    `at depth ${depth} (${seedsText(seeds)}), cells of (activation, init) — ` +
    CLAIMED.map((v) => `${v}: ${countsText(of(v))}, log10 ‖∂L/∂h_1‖/‖∂L/∂h_${depth}‖ from ${decadesRange(of(v))}`).join('; ') +
    (side.length > 0 ? `; beside them ${side.join('; ')} (scaled residual: ${decadesRange(of('residual-scaled'))})` : '') +
    '.';
  return { verdict, why, rule, table };
}
