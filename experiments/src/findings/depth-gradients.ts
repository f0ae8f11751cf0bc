/**
 * depth-gradients against Glorot & Bengio (2010): with the "standard" U[±1/√n] initialisation
 * the back-propagated gradient ‖∂L/∂h_l‖ of a tanh network shrinks toward the input by about
 * 1/√3 per layer (n·Var(W) = 1/3); the normalised (Glorot) initialisation keeps it near
 * constant. Measured as the per-layer ratio r = (‖∂L/∂h_1‖ / ‖∂L/∂h_D‖)^{1/(D−1)} at
 * initialisation, plain network, depth D = the smallest depth ≥ 5 run (theirs: 5).
 */
import type { Row } from '@gradlab/lab';
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import { distinct, fmt, fmtSeeds, mean, num, perSeed, select, seedsText } from './stats.js';

/** Ratio below which the standard-init tanh net counts as shrinking (theory 0.577). */
export const SHRINKING_BELOW = 0.75;
/** Ratio at or above which the Glorot-init tanh net counts as near-constant. */
export const CONSTANT_FROM = 0.8;

/** Per-seed per-layer ratio of the back-propagated gradient for one (activation, init, variant) at depth D. */
function layerRatios(rows: readonly Row[], depth: number, activation: string, init: string, variant = 'plain'): number[] {
  const cell = select(rows, { depth, activation, init, variant, step: 0 });
  return perSeed(cell, (rs) => {
    const first = num(rs.find((r) => r['layer'] === 1), 'grad_act_l2');
    const last = num(rs.find((r) => r['layer'] === depth), 'grad_act_l2');
    return depth > 1 && first > 0 && last > 0 ? (first / last) ** (1 / (depth - 1)) : first === 0 ? 0 : NaN;
  });
}

/** Seed mean of ‖∂L/∂W_1‖ / ‖∂L/∂W_D‖ at initialisation. */
function weightRatio(rows: readonly Row[], depth: number, activation: string, init: string, variant: string): number {
  const cell = select(rows, { depth, activation, init, variant, step: 0 });
  return mean(perSeed(cell, (rs) => num(rs.find((r) => r['layer'] === 1), 'grad_l2') / num(rs.find((r) => r['layer'] === depth), 'grad_l2')));
}

export const depthGradientsFinding: FindingFn = (rows, config): Finding => {
  const depths = (config['depths'] as number[]) ?? [];
  const D = depths.filter((d) => d >= 5).sort((a, b) => a - b)[0] ?? Math.min(...depths);
  const deepest = Math.max(...depths);
  const seeds = (config['seeds'] as number[]).length;
  const activations = distinct(rows, 'activation').map(String);
  const inits = distinct(rows, 'init').map(String);
  const variants = distinct(rows, 'variant').map(String);
  const table = activations.flatMap((a) =>
    inits.map((i) => [
      a,
      i,
      fmtSeeds(layerRatios(rows, D, a, i)),
      ...['plain', 'batchnorm', 'residual'].filter((v) => variants.includes(v)).map((v) => fmt(weightRatio(rows, deepest, a, i, v))),
    ]),
  );
  const standard = layerRatios(rows, D, 'tanh', 'standard');
  const glorot = layerRatios(rows, D, 'tanh', 'glorot-uniform');
  const shrinks = standard.length > 0 && standard.every((r) => r < SHRINKING_BELOW);
  const constant = glorot.length > 0 && glorot.every((r) => r >= CONSTANT_FROM);
  const meansAgree = mean(standard) < SHRINKING_BELOW && mean(glorot) >= CONSTANT_FROM;
  let verdict: Verdict;
  let why: string;
  if (standard.length === 0 || glorot.length === 0) {
    verdict = 'not';
    why = 'the run has no plain tanh network with the standard and the Glorot initialisation, so the comparison cannot be made.';
  } else {
    verdict = shrinks && constant ? 'reproduced' : shrinks || constant || meansAgree ? 'partly' : 'not';
    why =
      `at depth ${D}, tanh, the per-layer ratio is ${fmtSeeds(standard)} with the standard init (theory 1/√3 ≈ 0.577) ` +
      `and ${fmtSeeds(glorot)} with the Glorot init (${seedsText(standard.length)}); ` +
      (verdict === 'reproduced'
        ? 'the standard init shrinks the back-propagated gradient toward the input in every seed and the normalised one does not.'
        : `${shrinks ? '' : 'the standard init does not shrink it below ' + SHRINKING_BELOW + ' in every seed; '}${constant ? '' : 'the Glorot init does not keep it at or above ' + CONSTANT_FROM + ' in every seed.'}`);
  }
  const sigmoidDeep = weightRatio(rows, deepest, 'sigmoid', 'standard', 'plain');
  return {
    setup:
      `MLPs of width ${config['width']} on ${config['imageSize']}×${config['imageSize']} Shapeset-like images, depths ${depths.join(', ')}, ` +
      `activations ${activations.join('/')}, inits ${inits.join('/')}, variants ${variants.join('/')}, batch ${config['batchSize']}, ${seedsText(seeds)}; gradients at initialisation.`,
    keyNumbers: {
      columns: [
        'activation',
        'init',
        `per-layer ratio of ‖∂L/∂h_l‖, depth ${D}, plain`,
        ...['plain', 'batchnorm', 'residual'].filter((v) => variants.includes(v)).map((v) => `‖∂L/∂W_1‖ / ‖∂L/∂W_${deepest}‖, ${v}`),
      ],
      rows: table,
    },
    published: {
      paper: 'Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward neural networks", AISTATS, Sect. 4.2.2 and Fig. 7',
      setup: 'tanh MLP with 5 hidden layers of 1000 units, Shapeset-3×2 (32×32), at initialisation',
      figure:
        'standard init U[±1/√n] has n·Var(W) = 1/3, so the variance of the back-propagated gradient falls ×3 per layer toward the input (norm ×0.58); ' +
        'the normalised init keeps it about constant (average singular value of the layer Jacobian ≈ 0.5 standard vs ≈ 0.8 normalised)',
    },
    ours:
      `per-layer ratio of ‖∂L/∂h_l‖ at depth ${D}: ${fmtSeeds(standard)} (tanh, standard) vs ${fmtSeeds(glorot)} (tanh, Glorot); ` +
      `sigmoid with the standard init at depth ${deepest}: ‖∂L/∂W_1‖ / ‖∂L/∂W_${deepest}‖ = ${fmt(sigmoidDeep)}`,
    rule:
      `reproduced when, at depth ${D} (plain, at initialisation), the tanh network's per-layer ratio of ‖∂L/∂h_l‖ is below ${SHRINKING_BELOW} ` +
      `with the standard init and at least ${CONSTANT_FROM} with the Glorot init, in every seed; partly when one of the two holds in every seed ` +
      'or both hold for the seed means; not otherwise.',
    verdict,
    why,
  };
};
