/**
 * exploding-clipping against Pascanu, Mikolov & Bengio (2013), Sect. 3.3 and Fig. 6–7: the loss
 * of a recurrent map has cliffs where the gradient explodes; an SGD step on a cliff throws the
 * parameters far away, norm clipping bounds the step; for an RNN with recurrent scale ρ > 1,
 * clipping keeps training finite and lets it learn where plain SGD diverges.
 *
 * The RNN part is judged per run and per setting (model, ρ): a run is broken or not, learned or
 * not (see {@link runBroken}, {@link runLearned}), and seeds combine by {@link holdsOverSeeds}:
 * a claim about a setting needs ≥ {@link MIN_SEEDS} seeds and may fail in at most one of them,
 * so one seed can neither make nor break the verdict.
 *
 * Clipping by value (torch's clip_grad_value_) runs beside clipping by norm on the same seeds:
 * Pascanu et al. (2013, Sect. 3.2) rescale the gradient by its norm, which keeps its direction;
 * clamping each entry does not. The
 * verdict rests on norm clipping, the method the paper proposes; the finding reports what value
 * clipping does on the same settings, without judging it.
 */
import type { Finding, FindingFn, Row, Verdict } from '@gradlab/lab';
import { ADDING_BASELINE_MSE } from '@gradlab/rnn';
import { parseClipLabel } from '../clip-label.js';
import type { ExplodingClippingConfig } from '../exploding-clipping.js';
import { distinct, fmt, lastBy, mean, num, perSeed, seedsText } from './stats.js';

/** The surface counts as having a cliff when its largest ‖∇L‖ is this many times its median. */
export const CLIFF_RATIO = 100;
/** A run learned when its final training loss is at most this fraction of the task's baseline MSE. */
export const LEARNED_FRACTION = 0.9;
/** Seeds a setting needs before a claim about it can hold (it may then fail in one of them). */
export const MIN_SEEDS = 5;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Whether one training run (its rows, any order) is broken: at some record after step 0 its
 * training loss, pre-clip gradient norm or test MSE is not finite, or an update had a
 * non-finite gradient; or its test MSE never drops below its value at step 0 (the loss of the
 * initial weights: the training-loss column is empty before the first update), as when every
 * update is zero.
 */
export function runBroken(rs: readonly Row[]): boolean {
  const start = num(rs.find((r) => r['step'] === 0), 'test_mse');
  const later = rs.filter((r) => num(r, 'step') > 0);
  if (later.length === 0 || !Number.isFinite(start)) return true;
  const finite = (r: Row) => ['loss', 'grad_norm_preclip', 'test_mse'].every((c) => Number.isFinite(num(r, c))) && !(num(r, 'nonfinite') > 0);
  return !later.every(finite) || !later.some((r) => num(r, 'test_mse') < start);
}

/**
 * Whether one run learned the adding problem: not broken, and its final training loss (the mean
 * MSE over the last `recordEvery` updates, each on a fresh minibatch) is at most
 * {@link LEARNED_FRACTION} × the baseline 1/6 (the MSE of always predicting 1).
 */
export function runLearned(rs: readonly Row[], baseline = ADDING_BASELINE_MSE): boolean {
  return !runBroken(rs) && num(lastBy(rs, 'step'), 'loss') <= LEARNED_FRACTION * baseline;
}

/** Whether `flags` (one per seed) hold in all but at most one of ≥ {@link MIN_SEEDS} seeds. */
export function holdsOverSeeds(flags: readonly boolean[]): boolean {
  return flags.length >= MIN_SEEDS && flags.filter((f) => !f).length <= 1;
}

/** The one-unit trajectories: clipped ends no higher than unclipped in all seeds but one, lower in at least half. */
function trajectoryVerdict(lossNone: readonly number[], lossClip: readonly number[]): boolean {
  if (lossClip.length === 0 || lossClip.length !== lossNone.length) return false;
  const noHigher = lossClip.filter((l, i) => !(l > lossNone[i]!) && !Number.isNaN(l)).length;
  const lower = lossClip.filter((l, i) => l < lossNone[i]! || (!Number.isFinite(lossNone[i]!) && Number.isFinite(l))).length;
  return noHigher >= lossClip.length - 1 && 2 * lower >= lossClip.length;
}

export const explodingClippingFinding: FindingFn = (rows, rawConfig): Finding => {
  const config = rawConfig as unknown as ExplodingClippingConfig;
  const part = (p: string) => rows.filter((r) => r['part'] === p);
  const grads = part('surface').map((r) => num(r, 'grad_norm_preclip')).filter(Number.isFinite);
  const cliffRatio = Math.max(...grads) / median(grads);
  const cliff = grads.length > 0 && cliffRatio >= CLIFF_RATIO;

  const traj = part('trajectory');
  const modeOf = (label: string) => parseClipLabel(label)?.mode;
  const clipped = distinct(traj, 'clip').map(String).find((c) => modeOf(c) === 'norm');
  const valueClipped = distinct(traj, 'clip').map(String).find((c) => modeOf(c) === 'value');
  const final = (clip: string) => perSeed(traj.filter((r) => String(r['clip']) === clip), (rs) => num(lastBy(rs, 'step'), 'loss'));
  const lossNone = final('none');
  const lossClip = clipped === undefined ? [] : final(clipped);
  const lossValue = valueClipped === undefined ? [] : final(valueClipped);
  const trajOk = trajectoryVerdict(lossNone, lossClip);

  const training = part('training');
  const settings = distinct(training.map((r) => ({ ...r, run: `${r['model']}|${r['rho']}` })), 'run').map(String);
  const table: string[][] = [];
  const diverging: string[] = [];
  const rescued: string[] = [];
  const byValue: string[] = [];
  let fewSeeds = false;
  for (const setting of settings) {
    const [model, rho] = setting.split('|');
    const label = `${model}, ρ = ${rho}`;
    const ofSetting = training.filter((r) => r['model'] === model && String(r['rho']) === rho);
    const clips = distinct(ofSetting, 'clip').map(String);
    const byClip = (clip: string) => ofSetting.filter((r) => String(r['clip']) === clip);
    for (const clip of clips) {
      const rs = byClip(clip);
      const broken = perSeed(rs, runBroken);
      const learned = perSeed(rs, (x) => runLearned(x));
      const loss = perSeed(rs, (x) => num(lastBy(x, 'step'), 'loss'));
      if (broken.length < MIN_SEEDS) fewSeeds = true;
      table.push([label, clip, `${broken.filter(Boolean).length} of ${broken.length}`, `${learned.filter(Boolean).length} of ${learned.length}`, fmt(mean(loss.filter(Number.isFinite)))]);
    }
    if (!clips.includes('none') || !holdsOverSeeds(perSeed(byClip('none'), runBroken))) continue;
    diverging.push(label);
    // Every norm-clipping threshold of the setting must rescue it.
    const norms = clips.filter((c) => modeOf(c) === 'norm');
    if (norms.length > 0 && norms.every((c) => holdsOverSeeds(perSeed(byClip(c), (x) => runLearned(x))))) rescued.push(label);
    const learnedOf = (c: string) => {
      const l = perSeed(byClip(c), (x) => runLearned(x));
      return `${c}: ${l.filter(Boolean).length} of ${l.length}`;
    };
    const values = clips.filter((c) => modeOf(c) === 'value');
    if (values.length > 0) byValue.push(`${label}: seeds learned with ${[...norms, ...values].map(learnedOf).join(', ')}`);
  }
  const rnnOk = diverging.length > 0 && rescued.length === diverging.length;
  const rnnSome = rescued.length > 0;
  const verdict: Verdict = cliff && trajOk && rnnOk ? 'reproduced' : cliff && (trajOk || rnnSome) ? 'partly' : 'not';
  const bar = LEARNED_FRACTION * ADDING_BASELINE_MSE;
  const rnnWhy = rnnOk
    ? `holds: norm clipping rescues ${rescued.join('; ')}`
    : diverging.length === 0
      ? `fails: no setting's unclipped runs diverge in all but at most one of ≥ ${MIN_SEEDS} seeds${fewSeeds ? ` (this run has fewer than ${MIN_SEEDS} seeds)` : ''}`
      : `fails: the unclipped runs of ${diverging.join('; ')} diverge, but norm clipping rescues ${rescued.length === 0 ? 'none of them' : `only ${rescued.join('; ')}`} (learned = final training loss ≤ ${fmt(bar)})`;
  return {
    setup:
      `one-unit map x_t = w·σ(x_{t−1}) + b over ${50} steps (surface w ∈ [${config.surfaceW.join(', ')}] step ${config.surfaceWStep}, ` +
      `b step ${config.surfaceBStep}; SGD lr ${config.trajectoryLearningRate}, clip ${config.trajectoryClip}); RNNs ${config.models.join('/')} ` +
      `with W = ρ·Q, ρ ∈ {${config.rhos.join(', ')}}, hidden ${config.hidden}, adding problem T = ${config.addingSteps}, ` +
      `${config.iterations} SGD steps (lr ${config.learningRate}, batch ${config.batchSize}), global-norm clip ${config.clips.join('/')}, ` +
      `value clip ${config.valueClips.length === 0 ? 'none' : config.valueClips.join('/')}; ${seedsText(config.seeds.length)}.`,
    keyNumbers: {
      columns: ['RNN', 'clip', 'runs broken', 'runs learned', 'final training loss (mean of finite)'],
      rows: [
        ['one-unit surface', '—', '—', '—', `max ‖∇L‖ / median ‖∇L‖ = ${fmt(cliffRatio)}`],
        ['one-unit SGD', 'none', '—', '—', `final loss ${lossNone.map((l) => fmt(l)).join(', ')}`],
        ...(clipped === undefined ? [] : [['one-unit SGD', clipped, '—', '—', `final loss ${lossClip.map((l) => fmt(l)).join(', ')}`]]),
        ...(valueClipped === undefined ? [] : [['one-unit SGD', valueClipped, '—', '—', `final loss ${lossValue.map((l) => fmt(l)).join(', ')}`]]),
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
      `cliff: max/median ‖∇L‖ = ${fmt(cliffRatio)}; clipped one-unit SGD ended at or below unclipped in ${lossClip.filter((l, i) => !(l > lossNone[i]!)).length} of ${lossNone.length} seeds; ` +
      `RNN settings whose unclipped runs diverge: ${diverging.length === 0 ? 'none' : diverging.join('; ')}; rescued by norm clipping (finite and learned): ${rescued.length === 0 ? 'none' : rescued.join('; ')}` +
      (byValue.length === 0 ? '' : `; norm against value clipping on the same seeds (not part of the verdict): ${byValue.join('; ')}`) +
      (valueClipped === undefined ? '' : `; value-clipped one-unit SGD ended at or below unclipped in ${lossValue.filter((l, i) => !(l > lossNone[i]!)).length} of ${lossNone.length} seeds`),
    rule:
      `A training run is broken when, at a record after step 0, its training loss, pre-clip gradient norm or test MSE is not finite or an update had a non-finite gradient, ` +
      `or when its test MSE never drops below its value at step 0; it learned when it is not broken and its final training loss (mean MSE over the last ${config.recordEvery} updates, ` +
      `fresh minibatches) is at most ${LEARNED_FRACTION} × the baseline ${fmt(ADDING_BASELINE_MSE)} (always predicting 1). Seeds combine per setting (model, ρ): a claim holds when it holds in all ` +
      `but at most one of ≥ ${MIN_SEEDS} seeds, so one seed can neither make nor break it. The unclipped runs of a setting diverge when "broken" holds; its norm-clipped runs rescue it when "learned" holds. Value clipping is reported beside norm clipping and does not enter the verdict. ` +
      `Reproduced when (i) the largest ‖∇L‖ on the surface is at least ${CLIFF_RATIO}× its median (a cliff), (ii) the norm-clipped one-unit SGD trajectory ends with a loss no higher ` +
      'than the unclipped one in all seeds but at most one and lower in at least half, and (iii) the unclipped runs of at least one setting diverge and norm clipping rescues every such setting; ' +
      'partly when (i) holds with (ii) or with a rescue of some diverging setting; not otherwise.',
    verdict,
    why: `(i) ${cliff ? 'holds' : 'fails'}, (ii) ${trajOk ? 'holds' : 'fails'}, (iii) ${rnnWhy}.`,
  };
};
