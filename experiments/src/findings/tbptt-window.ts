/**
 * tbptt-window against Williams & Peng (1990) and Sutskever (2013): truncated BPTT that
 * backpropagates k2 steps has no gradient path from the loss at t to x_{t−L} unless k2 ≥ L + 1,
 * so a dependency of length L is learned with k2 = L + 1 and not with k2 ≤ L; the truncated
 * gradient is a biased estimate of the full one (Tallec & Ollivier 2017).
 *
 * Truncation cuts the gradient path, not the information path: the carried state still holds
 * x_{t−L}, and a readout on an untrained recurrent state can decode part of it (an echo-state
 * effect). So the rule is a per-seed contrast between k2 = L + 1 and the best k2 ≤ L of the same
 * seed (same initial weights, same training sequences), and the readout-only control must stay
 * well below the k2 = L + 1 arm; the reset-state control is reported beside it.
 */
import type { Row } from '@gradlab/lab';
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import { capBySeeds, fmt, fmtSeeds, holdsAcrossSeeds, kOfN, num, onlySeeds, seedsNeeded, seedsText, select } from './stats.js';

/**
 * Accuracy by which k2 = L + 1 must beat the best k2 ≤ L of the same seed (and the readout-only
 * control): one chance level at K = 4, a third of the way from chance to a solved echo.
 */
export const CONTRAST_MARGIN = 0.25;

/** One seed's accuracies in one (model, L, scheme) group. */
export interface SeedContrast {
  seed: number | string | boolean;
  /** Best final accuracy over the k2 ≤ L arms. */
  blind: number;
  /** Final accuracy at k2 = L + 1. */
  path: number;
  /** Final accuracy of the readout-only control (NaN when not run). */
  readout: number;
  /** path − blind. */
  contrast: number;
  /** contrast > margin and path − readout > margin. */
  holds: boolean;
}

const finalAcc = (rows: readonly Row[], last: number) => num(rows.find((r) => r['step'] === last), 'accuracy');
const seedsOf = (rows: readonly Row[]) => [...new Set(rows.map((r) => r['seed']!))];

/** The per-seed contrasts of one (model, L, scheme) group; empty when it lacks k2 ≤ L or k2 = L + 1. */
export function seedContrasts(rows: readonly Row[], model: string, L: number, scheme: string, last: number): SeedContrast[] {
  const group = select(rows, { model, dep_len: L, scheme });
  const trained = group.filter((r) => r['control'] === 'none');
  const out: SeedContrast[] = [];
  for (const seed of seedsOf(trained)) {
    const mine = trained.filter((r) => r['seed'] === seed);
    const blindKs = [...new Set(mine.map((r) => r['k2'] as number))].filter((k) => k <= L);
    const path = finalAcc(mine.filter((r) => r['k2'] === L + 1), last);
    if (blindKs.length === 0 || Number.isNaN(path)) continue;
    const blind = Math.max(...blindKs.map((k) => finalAcc(mine.filter((r) => r['k2'] === k), last)));
    const readout = finalAcc(group.filter((r) => r['control'] === 'readout-only' && r['seed'] === seed), last);
    const contrast = path - blind;
    out.push({ seed, blind, path, readout, contrast, holds: contrast > CONTRAST_MARGIN && !(path - readout <= CONTRAST_MARGIN) });
  }
  return out;
}

export const tbpttWindowFinding: FindingFn = (rows, config): Finding => {
  const chance = 1 / (config['symbols'] as number);
  const last = config['sequences'] as number;
  const offsets = config['windowOffsets'] as number[];
  const controls = (config['controls'] as string[] | undefined) ?? [];
  const groups: { model: string; L: number; scheme: string }[] = [];
  for (const model of config['models'] as string[])
    for (const L of config['delays'] as number[]) for (const scheme of config['schemes'] as string[]) groups.push({ model, L, scheme });
  const table: string[][] = [];
  const judged: { name: string; held: boolean; k: number; n: number }[] = [];
  let seeds = 0;
  for (const { model, L, scheme } of groups) {
    const cs = seedContrasts(rows, model, L, scheme, last);
    const group = select(rows, { model, dep_len: L, scheme });
    const at = (control: string, pick: (k: number) => boolean) =>
      seedsOf(group).map((s) => {
        const mine = group.filter((r) => r['control'] === control && r['seed'] === s);
        const ks = [...new Set(mine.map((r) => r['k2'] as number))].filter(pick);
        return ks.length === 0 ? NaN : Math.max(...ks.map((k) => finalAcc(mine.filter((r) => r['k2'] === k), last)));
      }).filter((x) => !Number.isNaN(x));
    const cosAt = (k: number) =>
      select(rows, { model, dep_len: L, scheme, k2: k, control: 'paired-cosine' }).filter((r) => r['step'] === last).map((r) => num(r, 'cos_to_full'));
    const longer = at('none', (k) => k > L + 1);
    const held = cs.filter((c) => c.holds).length;
    const ok = holdsAcrossSeeds({ k: held, n: cs.length });
    if (cs.length > 0) {
      judged.push({ name: `${model}, L = ${L}, ${scheme}`, held: ok, k: held, n: cs.length });
      seeds = Math.max(seeds, cs.length);
    }
    table.push([
      model,
      String(L),
      scheme,
      fmtSeeds(cs.map((c) => c.blind)),
      fmtSeeds(cs.map((c) => c.path)),
      longer.length > 0 ? fmtSeeds(longer) : 'n/a',
      cs.length > 0 ? `${fmtSeeds(cs.map((c) => c.contrast))} (${kOfN({ k: held, n: cs.length })} > ${CONTRAST_MARGIN})` : 'n/a',
      fmtSeeds(cs.map((c) => c.readout).filter((x) => !Number.isNaN(x))),
      `${fmtSeeds(at('reset-state', (k) => k <= L))} / ${fmtSeeds(at('reset-state', (k) => k === L + 1))}`,
      `${fmtSeeds(cosAt(L))} / ${fmtSeeds(cosAt(L + 1))}`,
    ]);
  }
  const holding = judged.filter((j) => j.held);
  const raw: Verdict = judged.length === 0 ? 'not' : holding.length === judged.length ? 'reproduced' : holding.length > 0 ? 'partly' : 'not';
  const verdict = capBySeeds(raw, seeds);
  const failing = judged.filter((j) => !j.held).map((j) => j.name);
  const few = onlySeeds(seeds);
  const readoutRule = controls.includes('readout-only') ? ` and k2 = L + 1 also beats the readout-only control by more than ${CONTRAST_MARGIN}` : '';
  return {
    setup:
      `delayed echo y_t = x_{t−L} with ${config['symbols']} symbols, T = ${config['steps']}, L ∈ {${(config['delays'] as number[]).join(', ')}}, ` +
      `k2 = L + {${offsets.join(', ')}}, schemes ${(config['schemes'] as string[]).join(' and ')}; ${(config['models'] as string[]).join('/')} with ${config['hidden']} units, ` +
      `Adam, every arm trained on the same ${last} minibatches of ${config['batchSize']} sequences (same initial weights per seed); ` +
      `controls: ${controls.length > 0 ? controls.join(', ') : 'none'}; cosines at shared parameters of one full-BPTT run; ${seedsText(seeds)}.`,
    keyNumbers: {
      columns: [
        'model', 'L', 'scheme', `best k2 ≤ L (chance ${fmt(chance)})`, 'k2 = L + 1', 'k2 > L + 1', 'contrast (seeds above margin)',
        'readout only', 'reset state (tested on k2-step windows): k2 ≤ L / L + 1', 'cosine to full, paired: k2 = L / L + 1',
      ],
      rows: table,
    },
    published: {
      paper:
        'Williams & Peng (1990), "An efficient gradient-based algorithm for on-line training of recurrent network trajectories", Neural Computation; Sutskever (2013), "Training recurrent neural networks", PhD thesis, University of Toronto (its account of truncated BPTT); Tallec & Ollivier (2017)',
      setup: 'BPTT(k1, k2): every k1 steps, backpropagate k2 steps',
      figure: 'the truncated gradient carries no signal from dependencies longer than the window (here: k2 ≤ L), so they are not learned by gradient; it is a biased estimate of the full gradient',
    },
    ours:
      judged.length === 0
        ? 'no group has both k2 ≤ L and k2 = L + 1 arms'
        : `k2 = L + 1 beat the best k2 ≤ L by more than ${CONTRAST_MARGIN}${readoutRule ? ' (and the readout-only control)' : ''} in ${judged.map((j) => `${j.name}: ${kOfN(j)}`).join('; ')} seeds`,
    rule:
      `per seed (same initial weights and training sequences), contrast = final accuracy at k2 = L + 1 minus the best final accuracy at k2 ≤ L; ` +
      `a (model, L, scheme) group holds when the contrast exceeds ${CONTRAST_MARGIN}${readoutRule} in all but one seed (in every seed below 5 seeds). ` +
      'Reproduced when every group holds, from ≥ 5 seeds; partly when some group holds (or all hold with fewer than 5 seeds); not when none holds or no group has both arms.',
    verdict,
    why:
      judged.length === 0
        ? 'the run has no group with both a k2 ≤ L and a k2 = L + 1 arm to contrast.'
        : verdict === 'reproduced'
          ? `in every group, k2 = L + 1 learns the echo where every k2 ≤ L stays far below it, in at least ${seedsNeeded(seeds)} of ${seeds} seeds.`
          : holding.length === judged.length
            ? `every group holds, but ${few}.`
            : holding.length > 0
              ? `the contrast holds in ${holding.length} of ${judged.length} groups; it fails for ${failing.join('; ')}${few ? `; ${few}` : ''}.`
              : `the contrast holds in no group (${failing.join('; ')}).`,
  };
};
