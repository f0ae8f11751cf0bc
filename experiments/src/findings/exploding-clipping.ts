/**
 * exploding-clipping against Pascanu, Mikolov & Bengio (2013), Sect. 3.3 and Fig. 6–7: the loss
 * of a recurrent map has cliffs where the gradient explodes; an SGD step on a cliff throws the
 * parameters far away, norm clipping bounds the step; for an RNN with recurrent scale ρ > 1,
 * clipping keeps training finite.
 */
import type { Row } from '@gradlab/lab';
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import { distinct, fmt, lastBy, mean, num, perSeed, seedsText } from './stats.js';

/** The surface counts as having a cliff when its largest ‖∇L‖ is this many times its median. */
export const CLIFF_RATIO = 100;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A training run went non-finite: a non-finite update was counted, or its last loss is not finite. */
function diverged(rs: readonly Row[]): boolean {
  const last = lastBy(rs, 'step');
  return rs.some((r) => num(r, 'nonfinite') > 0) || !Number.isFinite(num(last, 'loss'));
}

export const explodingClippingFinding: FindingFn = (rows, config): Finding => {
  const part = (p: string) => rows.filter((r) => r['part'] === p);
  const grads = part('surface').map((r) => num(r, 'grad_norm_preclip')).filter(Number.isFinite);
  const cliffRatio = Math.max(...grads) / median(grads);
  const cliff = grads.length > 0 && cliffRatio >= CLIFF_RATIO;

  const traj = part('trajectory');
  const clips = distinct(traj, 'clip').map(String);
  const clipped = clips.find((c) => c !== 'none');
  const final = (clip: string) => perSeed(traj.filter((r) => String(r['clip']) === clip), (rs) => num(lastBy(rs, 'step'), 'loss'));
  const lossNone = final('none');
  const lossClip = clipped === undefined ? [] : final(clipped);
  const trajOk =
    lossClip.length > 0 && lossClip.length === lossNone.length &&
    lossClip.every((l, i) => !(l > lossNone[i]!) && !Number.isNaN(l)) && lossClip.some((l, i) => l < lossNone[i]! || !Number.isFinite(lossNone[i]!));

  const training = part('training');
  const runs = distinct(training.map((r) => ({ ...r, run: `${r['model']}|${r['rho']}` })), 'run').map(String);
  const table: string[][] = [];
  let clippedFinite = training.length > 0;
  let unclippedDiverged = 0;
  for (const run of runs) {
    const [model, rho] = run.split('|');
    for (const clip of distinct(training.filter((r) => r['model'] === model && String(r['rho']) === rho), 'clip').map(String)) {
      const rs = training.filter((r) => r['model'] === model && String(r['rho']) === rho && String(r['clip']) === clip);
      const div = perSeed(rs, diverged);
      const n = div.filter(Boolean).length;
      if (clip !== 'none' && n > 0) clippedFinite = false;
      if (clip === 'none') unclippedDiverged += n;
      const mse = perSeed(rs, (x) => num(lastBy(x, 'step'), 'test_mse'));
      table.push([`${model}, ρ = ${rho}`, clip, `${n} of ${div.length}`, fmt(mean(mse.filter(Number.isFinite)))]);
    }
  }
  const rnnOk = clippedFinite && unclippedDiverged > 0;
  const verdict: Verdict = cliff && trajOk && rnnOk ? 'reproduced' : cliff && (trajOk || rnnOk) ? 'partly' : 'not';
  const seeds = (config['seeds'] as number[]).length;
  return {
    setup:
      `one-unit map x_t = w·σ(x_{t−1}) + b over ${50} steps (surface w ∈ [${(config['surfaceW'] as number[]).join(', ')}] step ${config['surfaceWStep']}, ` +
      `b step ${config['surfaceBStep']}; SGD lr ${config['trajectoryLearningRate']}, clip ${config['trajectoryClip']}); RNNs ${(config['models'] as string[]).join('/')} ` +
      `with W = ρ·Q, ρ ∈ {${(config['rhos'] as number[]).join(', ')}}, hidden ${config['hidden']}, adding problem T = ${config['addingSteps']}, ` +
      `${config['iterations']} SGD steps (lr ${config['learningRate']}), clip ${(config['clips'] as unknown[]).join('/')}; ${seedsText(seeds)}.`,
    keyNumbers: {
      columns: ['RNN', 'clip', 'runs that went non-finite', 'final test MSE, finite runs (mean)'],
      rows: [
        ['one-unit surface', '—', '—', `max ‖∇L‖ / median ‖∇L‖ = ${fmt(cliffRatio)}`],
        ['one-unit SGD', 'none', '—', `final loss ${lossNone.map((l) => fmt(l)).join(', ')}`],
        ...(clipped === undefined ? [] : [['one-unit SGD', clipped, '—', `final loss ${lossClip.map((l) => fmt(l)).join(', ')}`]]),
        ...table,
      ],
    },
    published: {
      paper: 'Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks", ICML, Sect. 3.3, Fig. 6–7, Alg. 1',
      setup: 'one-unit recurrent map x_t = w·σ(x_{t−1}) + b, 50 steps, loss (σ(x_50) − 0.7)²; RNNs on synthetic long-term tasks',
      figure:
        'the loss surface has a wall along the bifurcation where ‖∇L‖ explodes; an SGD step hitting it jumps far away, the clipped step (rescale g to threshold when ‖g‖ > threshold) stays and keeps descending; clipping makes exploding-regime RNNs trainable',
    },
    ours:
      `cliff: max/median ‖∇L‖ = ${fmt(cliffRatio)}; clipped SGD ended at or below unclipped in ${lossClip.filter((l, i) => !(l > lossNone[i]!)).length} of ${lossNone.length} seeds; ` +
      `RNN runs that went non-finite: ${unclippedDiverged} unclipped, ${clippedFinite ? 0 : 'some'} clipped`,
    rule:
      `reproduced when (i) the largest ‖∇L‖ on the surface is at least ${CLIFF_RATIO}× its median (a cliff), (ii) the clipped SGD trajectory ends with a loss no higher ` +
      'than the unclipped one in every seed and lower in at least one, and (iii) no clipped RNN run goes non-finite while at least one unclipped run does; ' +
      'partly when (i) and one of (ii), (iii) hold; not otherwise.',
    verdict,
    why:
      `(i) ${cliff ? 'holds' : 'fails'}, (ii) ${trajOk ? 'holds' : 'fails'}, (iii) ${rnnOk ? 'holds' : clippedFinite ? 'fails: no unclipped run diverged at this ρ and length' : 'fails: a clipped run went non-finite'}.` +
      ' Clipping prevents blow-ups; it does not by itself make the exploding-regime RNN learn the task (compare the final test MSE with the 1/6 baseline).',
  };
};
