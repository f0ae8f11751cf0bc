/**
 * weight-sharing against the claim "CNNs fight vanishing gradients through weight sharing".
 *
 * Measured at initialisation, per activation and seed, for the CNN and the MLP of the same depth
 * D and fan-in:
 * - the per-layer gain of the back-propagated gradient r = (‖∂L/∂h_1‖ / ‖∂L/∂h_D‖)^{1/(D−1)}, the
 *   geometric mean of the layer Jacobians' effect (r < 1: vanishing toward the input);
 * - the sharing gain s = (rms ∂L/∂W_l per weight) / (rms ∂L/∂h_l per unit), averaged over the
 *   layers 2 … D (layer 1 sees the raw image): how much a weight's gradient collects relative
 *   to the gradient reaching a unit. A kernel weight sums over P positions, so s_CNN / s_MLP
 *   grows with P (√P for uncorrelated terms, P for identical ones).
 *
 * The claim holds for an activation when the CNN's r exceeds the MLP's by the factor
 * {@link LESS_VANISHING} in enough seeds ({@link holdsAcrossSeeds}); it matters where the MLP
 * vanishes, so the verdict looks at sigmoid and tanh. A cell whose gradients are not finite is
 * broken and counts against the claim.
 */
import type { Finding, FindingFn, Row, Verdict } from '@gradlab/lab';
import { countSeeds, distinct, fmt, fmtSeeds, holdsAcrossSeeds, kOfN, mean, num, perSeed, select, seedsText } from './stats.js';

/** Factor by which the CNN's per-layer gain must exceed the MLP's to count as vanishing less. */
export const LESS_VANISHING = 1.25;
/** Activations where vanishing is at stake (ReLU with He init is the control). */
export const SATURATING = ['sigmoid', 'tanh'] as const;

/** Per-seed per-layer gain r of ‖∂L/∂h_l‖ at step 0 (NaN when a value is missing or not finite). */
export function layerGains(rows: readonly Row[], net: string, activation: string, depth: number): number[] {
  return perSeed(select(rows, { net, activation, step: 0 }), (rs) => {
    const first = num(rs.find((r) => r['layer'] === 1), 'grad_act_l2');
    const last = num(rs.find((r) => r['layer'] === depth), 'grad_act_l2');
    return first >= 0 && last > 0 && Number.isFinite(first / last) ? (first / last) ** (1 / (depth - 1)) : NaN;
  });
}

/** Per-seed sharing gain s at step 0: mean over layers 2 … D of rms per weight / rms per unit of ∂L/∂h_l. */
export function sharingGains(rows: readonly Row[], net: string, activation: string, depth: number): number[] {
  return perSeed(select(rows, { net, activation, step: 0 }), (rs) =>
    mean(rs.filter((r) => num(r, 'layer') >= 2 && num(r, 'layer') <= depth).map((r) => num(r, 'grad_rms_per_param') / num(r, 'grad_act_rms'))),
  );
}

/** Seed-paired ratios a/b (seeds in the same order, as perSeed gives them). */
function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.slice(0, Math.min(a.length, b.length)).map((x, i) => x / b[i]!);
}

export const weightSharingFinding: FindingFn = (rows, config): Finding => {
  const depth = config['depth'] as number;
  const seeds = (config['seeds'] as number[]).length;
  const activations = distinct(rows, 'activation').map(String);
  const positions = num(rows.find((r) => r['net'] === 'cnn' && r['layer'] === 2), 'positions');
  const table = activations.map((a) => {
    const [rc, rm] = [layerGains(rows, 'cnn', a, depth), layerGains(rows, 'mlp', a, depth)];
    const [sc, sm] = [sharingGains(rows, 'cnn', a, depth), sharingGains(rows, 'mlp', a, depth)];
    const lastStep = Math.max(...select(rows, { activation: a }).map((r) => num(r, 'step')));
    const loss = (net: string) => perSeed(select(rows, { net, activation: a, step: lastStep, layer: 1 }), (rs) => num(rs[0], 'loss'));
    return [a, fmtSeeds(rc), fmtSeeds(rm), fmtSeeds(ratios(sc, sm)), fmtSeeds(loss('cnn')), fmtSeeds(loss('mlp'))];
  });
  const holds = SATURATING.filter((a) => activations.includes(a)).map((a) => {
    const q = ratios(layerGains(rows, 'cnn', a, depth), layerGains(rows, 'mlp', a, depth));
    const c = countSeeds(q, (x) => Number.isFinite(x) && x >= LESS_VANISHING);
    return { a, q, c, ok: holdsAcrossSeeds(c) };
  });
  let verdict: Verdict;
  let why: string;
  if (holds.length === 0 || holds.some((h) => h.q.length === 0)) {
    verdict = 'not';
    why = 'the run has no sigmoid or tanh pair of a CNN and an MLP, so the claim cannot be tested.';
  } else {
    const n = holds.filter((h) => h.ok).length;
    verdict = n === holds.length ? 'reproduced' : n > 0 ? 'partly' : 'not';
    why =
      holds.map((h) => `${h.a}: r_CNN / r_MLP = ${fmtSeeds(h.q)} (≥ ${LESS_VANISHING} in ${kOfN(h.c)} seeds)`).join('; ') +
      (verdict === 'not'
        ? '. The CNN\'s gradient shrinks through depth as much as the MLP\'s: sharing a weight sums its gradient over positions, but the factor carried from layer to layer is still one Jacobian per layer.'
        : verdict === 'partly'
          ? '. The CNN vanishes less for some activations only.'
          : '. The CNN vanishes less through depth for both saturating activations.');
  }
  return {
    setup:
      `CNN (${depth} 3×3 "same" convolutions of ${config['channels']} channels, global-average head) against an MLP of ${depth} layers of width ${9 * (config['channels'] as number)} (the same fan-in), ` +
      `${config['imageSize']}×${config['imageSize']} Shapeset-like images, sigmoid/tanh with Glorot uniform, ReLU with He normal (PyTorch fans), batch ${config['batchSize']}, ${config['steps']} SGD steps at rate ${config['learningRate']}, ${seedsText(seeds)}.`,
    keyNumbers: {
      columns: ['activation', 'per-layer gain r of ‖∂L/∂h_l‖, CNN', 'r, MLP', `sharing gain s_CNN / s_MLP (P = ${fmt(positions)} positions)`, 'final minibatch loss, CNN', 'final loss, MLP'],
      rows: table,
    },
    published: {
      paper: 'the claim as tutorials state it ("CNN fights vanishing gradients through weight sharing"); the mechanism against it: Glorot & Bengio (2010), AISTATS, Sect. 4.2 (the back-propagated gradient is a product of layer Jacobians, its scale set by f′ and the init); weight sharing: LeCun et al. (1998), Proc. IEEE, Sect. II',
      setup: 'any deep CNN against an MLP of the same depth',
      figure: 'no number is published for the claim; Glorot & Bengio give the per-layer factor of the back-propagated gradient variance as n·Var(W)·E[f′²] for either layer type',
    },
    ours:
      activations.map((a) => `${a}: r = ${fmtSeeds(layerGains(rows, 'cnn', a, depth))} (CNN) vs ${fmtSeeds(layerGains(rows, 'mlp', a, depth))} (MLP), s_CNN / s_MLP = ${fmtSeeds(ratios(sharingGains(rows, 'cnn', a, depth), sharingGains(rows, 'mlp', a, depth)))}`).join('; ') +
      ` (P = ${fmt(positions)}, √P = ${fmt(Math.sqrt(positions))})`,
    rule:
      `reproduced when, for both sigmoid and tanh at initialisation, the CNN's per-layer gain r of ‖∂L/∂h_l‖ is at least ${LESS_VANISHING}× the MLP's in enough seeds (every seed below 5, all but one from 5); ` +
      'partly when that holds for one of the two; not otherwise (a non-finite gradient counts against).',
    verdict,
    why,
  };
};
