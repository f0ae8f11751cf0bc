/**
 * Per-layer gradient factors of plain deep nets at initialisation against mean-field theory,
 * and the claims "large initial weights make gradients explode" and "He's gain keeps ReLU and
 * leaky ReLU nets at a factor of 1".
 *
 * Measured: the geometric mean over layers of ‖∂L/∂h_l‖ / ‖∂L/∂h_{l+1}‖, that is
 * (‖∂L/∂h_1‖ / ‖∂L/∂h_T‖)^{1/(T−1)} at depth T.
 *
 * Theory (mean field: Poole et al. 2016, "Exponential expressivity in deep neural networks
 * through transient chaos"; Schoenholz et al. 2017, "Deep information propagation", eq. 8): with
 * weights of variance σ²/n and zero biases, z_{l+1} = W_{l+1}·h_l is about N(0, q_{l+1}) with
 * q_{l+1} = σ²·E[h_l²], and back-propagation multiplies the squared gradient norm by
 * χ_{l+1} = σ²·E[f'(z_{l+1})²] per layer, so the factor is √χ. For ReLU E[f'²] = 1/2 whatever q;
 * for leaky ReLU with slope a, (1 + a²)/2, so He's gain σ² = 2/(1 + a²) gives χ = 1 (He et al.
 * 2015, Sect. 2.2); He's σ² = 2 with a = 0.01 gives √(1 + a²) ≈ 1.00005. For ELU (α = 1)
 * E[f'²] = 1/2 + e^{2q}·Φ(−2√q) depends on q: under He's σ² = 2 the factor √(1 + 2e^{2q}Φ(−2√q))
 * is above 1 (≈ 1.2 at q = 1, falling slowly as q grows with depth), so ELU nets at He
 * initialisation explode mildly toward the input. Here q_{l+1} comes from the measured E[h_l²]
 * (act_mean² + act_std²) and E[f'(z)²] from the activation's own derivative by quadrature, so
 * every activation and init gets a prediction; σ² is measured from the initialiser itself.
 */
import { Rng, activation, initializer, tf, type ActivationName, type InitName } from '@gradlab/core';
import type { Row } from '@gradlab/lab';
import { fmt, fmtSeeds, mean, num, perSeed, select, seedsText } from './stats.js';
import { decadesToInput, healthOf, heldBySeeds } from './depth-health.js';

/** Largest |measured − 1| counted as "a factor of 1" for ReLU and leaky ReLU under He's init. */
export const HE_TOLERANCE = 0.05;
/** Largest |measured / theory − 1| counted as agreeing with mean-field theory. */
export const THEORY_TOLERANCE = 0.1;
/** The large-variance initialisation. */
export const LARGE_INIT = 'glorot-uniform-x4';
/** Activations for which large weights are claimed to explode (sigmoid's f' ≤ 1/4 keeps it vanishing, as theory says). */
export const EXPLODING_ACTIVATIONS = ['tanh', 'relu', 'leaky-relu', 'elu'] as const;
/** Activations whose factor He's gain sets to 1. */
export const HE_ACTIVATIONS = ['relu', 'leaky-relu'] as const;
/** Inits shown in the theory table. */
export const THEORY_INITS = ['glorot-uniform', 'he-normal', LARGE_INIT] as const;

/** Quadrature points for E[f'(z)²] over z ∈ [−8√q, 8√q]; an even count keeps z = 0, where ReLU's f' jumps, off the grid. */
const POINTS = 1600;

/** Square draws averaged by {@link weightGain}: 16 keep its sampling error near 0.5% at width 64. */
const GAIN_DRAWS = 16;

/** σ² = n·Var(W) of an initialiser on a square [width, width] layer, measured from fixed draws. */
export function weightGain(init: InitName, width: number): number {
  const rng = new Rng('depth-theory').fork(init);
  let s = 0;
  for (let k = 0; k < GAIN_DRAWS; k++) {
    const w = initializer(init)([width, width], rng.fork(String(k)));
    for (const v of w.dataSync()) s += v * v;
    w.dispose();
  }
  return (s / (GAIN_DRAWS * width * width)) * width;
}

/** E[f'(z)²] for z ~ N(0, q), by the trapezoid rule on the activation's own derivative. */
export function meanSquaredSlope(name: ActivationName, q: number): number {
  const sd = Math.sqrt(Math.max(q, 0));
  const zs = Float32Array.from({ length: POINTS }, (_, i) => sd * (-8 + (16 * i) / (POINTS - 1)));
  const slopes = tf.tidy(() => activation(name).derivative(tf.tensor1d(zs)).dataSync());
  if (sd === 0) return slopes[0]! ** 2;
  let num_ = 0;
  let den = 0;
  zs.forEach((z, i) => {
    const w = Math.exp(-(z * z) / (2 * q)) * (i === 0 || i === POINTS - 1 ? 0.5 : 1);
    num_ += w * slopes[i]! ** 2;
    den += w;
  });
  return num_ / den;
}

/** The mean-field per-layer factor √(σ²·E[f'(z)²]) with z ~ N(0, σ²·meanSquare). */
export function meanFieldFactor(name: ActivationName, gain: number, meanSquare: number): number {
  return Math.sqrt(gain * meanSquaredSlope(name, gain * meanSquare));
}

/** One seed's measured per-layer factor at depth T (0 when ‖∂L/∂h_1‖ underflowed, NaN when broken). */
export function measuredFactor(seedRows: readonly Row[], depth: number): number {
  const x = decadesToInput(seedRows, depth);
  return 10 ** (x / (depth - 1));
}

/** One seed's mean-field factor: the geometric mean of the predicted factors of layers 2 … T. */
export function theoryFactor(seedRows: readonly Row[], depth: number, name: ActivationName, gain: number): number {
  let logSum = 0;
  for (let l = 1; l < depth; l++) {
    const r = seedRows.find((x) => x['layer'] === l && x['step'] === 0);
    const meanSquare = num(r, 'act_mean') ** 2 + num(r, 'act_std') ** 2;
    logSum += Math.log(meanFieldFactor(name, gain, meanSquare));
  }
  return Math.exp(logSum / (depth - 1));
}

/** One (activation, init) cell of plain nets at depth T, seed by seed. */
export interface TheoryCell {
  activation: string;
  init: string;
  measured: number[];
  theory: number[];
  decades: number[];
}

/** The plain (activation, init) cells at `depth`, with measured and predicted factors per seed. */
export function theoryCells(rows: readonly Row[], depth: number, width: number, inits: readonly string[]): TheoryCell[] {
  const plain = rows.filter((r) => r['variant'] === 'plain' && r['depth'] === depth && r['step'] === 0);
  const activations = [...new Set(plain.map((r) => String(r['activation'])))];
  const gains = new Map<string, number>();
  const out: TheoryCell[] = [];
  for (const a of activations)
    for (const init of inits) {
      const cell = select(plain, { activation: a, init });
      if (cell.length === 0) continue;
      if (!gains.has(init)) gains.set(init, weightGain(init as InitName, width));
      out.push({
        activation: a,
        init,
        measured: perSeed(cell, (rs) => measuredFactor(rs, depth)),
        theory: perSeed(cell, (rs) => theoryFactor(rs, depth, a as ActivationName, gains.get(init)!)),
        decades: perSeed(cell, (rs) => decadesToInput(rs, depth)),
      });
    }
  return out;
}

/** The verdict on large weights exploding and on He's gain, with the theory table. */
export interface TheoryVerdict {
  verdict: 'reproduced' | 'partly' | 'not';
  why: string;
  rule: string;
  /** Key-number rows: activation, init, measured, theory, measured/theory. */
  table: string[][];
  /** The ELU row under He's init, for the summary. */
  elu: string;
}

/** measured/theory per seed. */
function ratios(c: TheoryCell): number[] {
  return c.measured.map((m, i) => m / c.theory[i]!);
}

/**
 * Judges at depth `depth`: reproduced when the large init explodes (log10 ‖∂L/∂h_1‖/‖∂L/∂h_T‖ > 1)
 * for each of {@link EXPLODING_ACTIVATIONS} and He's init keeps ReLU and leaky ReLU within
 * {@link HE_TOLERANCE} of 1, each in all but one seed; partly when one of the two holds.
 */
export function theoryVerdict(rows: readonly Row[], depth: number, width: number, seeds: number): TheoryVerdict {
  const cells = theoryCells(rows, depth, width, THEORY_INITS);
  const find = (a: string, i: string) => cells.find((c) => c.activation === a && c.init === i);
  const table = cells.map((c) => [
    c.activation,
    c.init,
    fmtSeeds(c.measured),
    fmt(mean(c.theory)),
    fmtSeeds(ratios(c)),
    heldBySeeds(ratios(c).map((r) => Math.abs(r - 1) <= THEORY_TOLERANCE)) ? 'yes' : 'no',
  ]);
  const rule =
    `plain nets at depth ${depth}, at initialisation: "large initial weights explode" holds when, with ${LARGE_INIT}, log10(‖∂L/∂h_1‖/‖∂L/∂h_${depth}‖) > 1 ` +
    `for each of ${EXPLODING_ACTIVATIONS.join(', ')}; "He's gain keeps the factor at 1" when the per-layer factor of ${HE_ACTIVATIONS.join(' and ')} under he-normal ` +
    `is within ${HE_TOLERANCE} of 1; each in all but one seed (every seed below 3). Reproduced when both hold, partly when one does, not otherwise. ` +
    `The theory column is the mean-field factor √(σ²·E[f'(z)²]) from the measured forward variances; "agrees" means within ${100 * THEORY_TOLERANCE}% in all but one seed`;
  const explodes = EXPLODING_ACTIVATIONS.map((a) => {
    const c = find(a, LARGE_INIT);
    return { a, ok: c !== undefined && heldBySeeds(c.decades.map((x) => healthOf(x) === 'exploding')), c };
  });
  const he = HE_ACTIVATIONS.map((a) => {
    const c = find(a, 'he-normal');
    return { a, ok: c !== undefined && heldBySeeds(c.measured.map((m) => Math.abs(m - 1) <= HE_TOLERANCE)), c };
  });
  const eluCell = find('elu', 'he-normal');
  const elu = eluCell === undefined ? 'not run' : `${fmtSeeds(eluCell.measured)} measured, ${fmt(mean(eluCell.theory))} mean-field`;
  const explodeOk = explodes.every((e) => e.ok);
  const heOk = he.every((e) => e.ok);
  const verdict = explodeOk && heOk ? 'reproduced' : explodeOk || heOk ? 'partly' : 'not';
  const agreeing = cells.filter((c) => heldBySeeds(ratios(c).map((r) => Math.abs(r - 1) <= THEORY_TOLERANCE))).length;
  const why =
    `at depth ${depth} (${seedsText(seeds)}), per-layer factors with ${LARGE_INIT}: ` +
    explodes.map((e) => `${e.a} ${e.c === undefined ? 'not run' : fmtSeeds(e.c.measured)}`).join(', ') +
    ` (${explodes.filter((e) => e.ok).length} of ${explodes.length} exploding); under he-normal: ` +
    he.map((e) => `${e.a} ${e.c === undefined ? 'not run' : fmtSeeds(e.c.measured)}`).join(', ') +
    ` (${he.filter((e) => e.ok).length} of ${he.length} within ${HE_TOLERANCE} of 1); ELU under he-normal ${elu}; ` +
    `${agreeing} of ${cells.length} (activation, init) cells agree with mean-field theory within ${100 * THEORY_TOLERANCE}%.`;
  return { verdict, why, rule, table, elu };
}
