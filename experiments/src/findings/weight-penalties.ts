/**
 * weight-penalties against the claim that penalising the weights (L2 or L1) limits exploding
 * gradients (Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural
 * networks", ICML, sect. 3.2: an L1 or L2 penalty on W_rec keeps its spectral radius small, so
 * gradients cannot explode, at the price of the model's ability to hold information; the
 * tutorials the project starts from repeat it as a remedy for deep nets in general).
 *
 * Judged per part (mlp, rnn), per penalty and strength λ, seed by seed against the unpenalised
 * run of the same seed (same initial weights and minibatches):
 * - a run is broken when a loss, test error or gradient norm after step 0 is non-finite;
 * - its late gradient norm is the median, over the records in the second half of training, of
 *   the largest global ‖∂L/∂θ‖ since the previous record (at step 0 every run has the same
 *   gradient: a penalty can only act through the weights it shrinks);
 * - the penalty limits the gradient in a seed when its run is not broken and its late gradient
 *   norm is at most {@link LIMIT_RATIO} × the unpenalised one (a broken unpenalised run counts as
 *   an unbounded gradient);
 * - the run is still useful when its final test error is at most the unpenalised run's plus
 *   {@link USEFUL_SLACK} × the trivial error (the trivial error when the unpenalised run broke).
 * A (penalty, λ) holds when "limits and useful" holds across seeds (all seeds below 5, all but
 * one from 5 on); it is costly when "limits" holds across seeds but "useful" does not.
 * Verdict: reproduced when some penalty holds on both nets, partly when it holds on one or
 * only at a cost, not when no penalty at any λ of the sweep limits the gradient.
 */
import type { FindingFn, Row, Verdict } from '@gradlab/lab';
import type { WeightPenaltiesConfig } from '../weight-penalties.js';
import { capBySeeds, distinct, fmt, holdsAcrossSeeds, kOfN, mean, num, onlySeeds, seedsText } from './stats.js';

/** The late gradient norm must be at most this fraction of the unpenalised one. */
export const LIMIT_RATIO = 0.5;
/** A penalised run may end this fraction of the trivial error above the unpenalised one and still count as useful. */
export const USEFUL_SLACK = 0.1;
/** Trivial test error per part (chance for 10 classes; the adding problem's predict-1 MSE). */
export const TRIVIAL = Object.freeze({ mlp: 0.9, rnn: 1 / 6 } as Record<string, number>);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One run's eval rows, in step order. */
function evalsOf(rows: readonly Row[]): Row[] {
  return rows.filter((r) => r['kind'] === 'eval').sort((a, b) => num(a, 'step') - num(b, 'step'));
}

/** Whether a run (its rows) is broken: a non-finite loss, test error or gradient norm after step 0, or no record after it. */
export function runBroken(rows: readonly Row[]): boolean {
  const later = evalsOf(rows).filter((r) => num(r, 'step') > 0);
  return later.length === 0 || !later.every((r) => ['loss', 'test_error', 'grad_norm_max'].every((c) => Number.isFinite(num(r, c))));
}

/** Median of `grad_norm_max` over the records in the second half of the run (Infinity when broken). */
export function lateGradNorm(rows: readonly Row[]): number {
  if (runBroken(rows)) return Infinity;
  const evals = evalsOf(rows).filter((r) => num(r, 'step') > 0);
  const end = num(evals[evals.length - 1], 'step');
  return median(evals.filter((r) => num(r, 'step') > end / 2).map((r) => num(r, 'grad_norm_max')));
}

/** Final test error (NaN when broken). */
export function finalError(rows: readonly Row[]): number {
  if (runBroken(rows)) return NaN;
  const evals = evalsOf(rows);
  return num(evals[evals.length - 1], 'test_error');
}

/** Final total weight norm (NaN when broken). */
function finalWeightNorm(rows: readonly Row[]): number {
  if (runBroken(rows)) return NaN;
  const evals = evalsOf(rows);
  return num(evals[evals.length - 1], 'weight_norm');
}

/** What one (part, penalty, λ) did across seeds. */
export interface SettingOutcome {
  part: string;
  penalty: string;
  lambda: number;
  seeds: number;
  broken: number;
  /** Seeds where it limited the late gradient norm. */
  limits: number;
  /** Seeds where it limited and stayed useful. */
  limitsUseful: number;
  lateGrad: number;
  finalError: number;
  finalWeightNorm: number;
}

/** Per-setting outcomes of one part, the unpenalised setting first. */
export function settingOutcomes(rows: readonly Row[], part: string): SettingOutcome[] {
  const mine = rows.filter((r) => r['part'] === part);
  const run = (penalty: string, lambda: number, seed: unknown) => mine.filter((r) => r['penalty'] === penalty && num(r, 'lambda') === lambda && r['seed'] === seed);
  const seeds = distinct(mine, 'seed');
  const settings = [...new Set(mine.map((r) => `${String(r['penalty'])}|${String(r['lambda'])}`))].map((k) => {
    const [penalty, lambda] = k.split('|');
    return { penalty: penalty!, lambda: Number(lambda) };
  });
  settings.sort((a, b) => (a.penalty === 'none' ? -1 : b.penalty === 'none' ? 1 : a.penalty.localeCompare(b.penalty) || a.lambda - b.lambda));
  return settings.map(({ penalty, lambda }) => {
    let broken = 0;
    let limits = 0;
    let limitsUseful = 0;
    const late: number[] = [];
    const errs: number[] = [];
    const wn: number[] = [];
    for (const seed of seeds) {
      const rs = run(penalty, lambda, seed);
      const base = run('none', 0, seed);
      const isBroken = runBroken(rs);
      if (isBroken) broken++;
      else {
        late.push(lateGradNorm(rs));
        errs.push(finalError(rs));
        wn.push(finalWeightNorm(rs));
      }
      if (penalty === 'none' || isBroken) continue;
      const baseBroken = runBroken(base);
      const limited = baseBroken || lateGradNorm(rs) <= LIMIT_RATIO * lateGradNorm(base);
      const refError = baseBroken ? TRIVIAL[part]! : finalError(base);
      const useful = finalError(rs) <= refError + USEFUL_SLACK * TRIVIAL[part]!;
      if (limited) limits++;
      if (limited && useful) limitsUseful++;
    }
    return { part, penalty, lambda, seeds: seeds.length, broken, limits, limitsUseful, lateGrad: mean(late), finalError: mean(errs), finalWeightNorm: mean(wn) };
  });
}

/** 'holds', 'costly' or 'fails' for one part, with the setting that decided it. */
export function partStatus(outcomes: readonly SettingOutcome[]): { status: 'holds' | 'costly' | 'fails'; by: SettingOutcome | undefined } {
  const penalised = outcomes.filter((o) => o.penalty !== 'none');
  const holds = penalised.find((o) => holdsAcrossSeeds({ k: o.limitsUseful, n: o.seeds }));
  if (holds !== undefined) return { status: 'holds', by: holds };
  const costly = penalised.find((o) => holdsAcrossSeeds({ k: o.limits, n: o.seeds }));
  if (costly !== undefined) return { status: 'costly', by: costly };
  return { status: 'fails', by: undefined };
}

/** The verdict from the per-part statuses (see the file comment), capped by the seed count. */
export function penaltyVerdict(statuses: readonly ('holds' | 'costly' | 'fails')[], seeds: number): Verdict {
  if (statuses.length === 0) return 'not';
  let v: Verdict;
  if (statuses.every((s) => s === 'holds')) v = 'reproduced';
  else if (statuses.some((s) => s !== 'fails')) v = 'partly';
  else v = 'not';
  return capBySeeds(v, seeds);
}

const label = (o: SettingOutcome) => (o.penalty === 'none' ? 'none' : `${o.penalty} λ=${o.lambda}`);

/** The finding of weight-penalties. */
export const weightPenaltiesFinding: FindingFn<WeightPenaltiesConfig> = (rows, config) => {
  const parts = config.parts.filter((p) => rows.some((r) => r['part'] === p));
  const outcomes = parts.map((p) => settingOutcomes(rows, p));
  const statuses = outcomes.map((o) => partStatus(o));
  const seeds = config.seeds.length;
  const verdict = penaltyVerdict(
    statuses.map((s) => s.status),
    seeds,
  );
  const table = outcomes.flat().map((o) => [
    o.part,
    label(o),
    `${o.broken} of ${o.seeds}`,
    fmt(o.lateGrad),
    fmt(o.finalWeightNorm),
    fmt(o.finalError),
    o.penalty === 'none' ? '' : kOfN({ k: o.limits, n: o.seeds }),
    o.penalty === 'none' ? '' : kOfN({ k: o.limitsUseful, n: o.seeds }),
  ]);
  const says = parts.map((p, i) => {
    const s = statuses[i]!;
    const base = outcomes[i]![0]!;
    const baseText = `unpenalised: late ‖∇L‖ ${fmt(base.lateGrad)}, test ${p === 'mlp' ? 'error' : 'MSE'} ${fmt(base.finalError)}, ${base.broken} of ${base.seeds} broken`;
    // A penalty acts through the weights it has shrunk, so it cannot save a run that diverges in its first steps.
    const penalisedBroken = Math.min(...outcomes[i]!.filter((o) => o.penalty !== 'none').map((o) => o.broken));
    const brokenText = base.broken > 0 ? `; ${base.broken} of ${base.seeds} unpenalised runs diverged and every penalised setting still had ≥ ${penalisedBroken} broken` : '';
    if (s.status === 'fails') return `${p}: no penalty in the sweep cut the late gradient norm to ≤ ${LIMIT_RATIO}× across seeds (${baseText})${brokenText}`;
    const o = s.by!;
    return `${p}: ${label(o)} ${s.status === 'holds' ? 'limits the gradient and still learns' : 'limits the gradient only by hurting the test error'} (late ‖∇L‖ ${fmt(o.lateGrad)}, test ${p === 'mlp' ? 'error' : 'MSE'} ${fmt(o.finalError)}; limits in ${kOfN({ k: o.limits, n: o.seeds })} seeds, and usefully in ${kOfN({ k: o.limitsUseful, n: o.seeds })}; ${baseText})${brokenText}`;
  });
  const only = onlySeeds(seeds);
  return {
    setup: `SGD with no penalty, L2 (weightDecay λ ∈ {${config.l2.join(', ')}}) and L1 (λ ∈ {${config.l1.join(', ')}}); ${parts.includes('mlp') ? `MLP: ${config.mlpDepth} ReLU layers of ${config.mlpWidth}, He-normal × ${config.mlpGain}, ${config.trainSize} training images, ${config.mlpSteps} steps of batch ${config.mlpBatch} at lr ${config.mlpLearningRate}; ` : ''}${parts.includes('rnn') ? `RNN: tanh, ${config.hidden} units, W_hh = ${config.rho}·Q, adding problem T = ${config.addingSteps}, ${config.rnnSteps} steps of batch ${config.rnnBatch} at lr ${config.rnnLearningRate}; ` : ''}${seedsText(seeds)}, watched every ${config.watchEvery} steps.`,
    keyNumbers: {
      columns: ['net', 'penalty', 'broken', 'late max ‖∇L‖ (mean)', 'final ‖θ‖ (mean)', 'final test error / MSE (mean)', 'limits (seeds)', 'limits and useful (seeds)'],
      rows: table,
    },
    published: {
      paper: 'Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks", ICML, sect. 3.2 (and the tutorials that list weight regularisation as a remedy for exploding gradients)',
      setup: 'an L1 or L2 penalty on the recurrent weights keeps the largest singular value of W_rec below 1/γ, so ∂h_t/∂h_k cannot grow exponentially; no number is given, only the argument and the warning that it limits the memory of the model',
      figure: 'qualitative: penalised weights → bounded gradient norms',
    },
    ours: says.join('; ') + '.',
    rule: `per seed against the unpenalised run of the same seed: a penalised run limits the gradient when it is not broken (non-finite loss, error or gradient) and the median of its largest ‖∂L/∂θ‖ per record over the second half of training is ≤ ${LIMIT_RATIO}× the unpenalised one (a broken unpenalised run counts as unbounded); it is useful when its final test error is ≤ the unpenalised one + ${USEFUL_SLACK} × the trivial error (0.9; 1/6 for the adding problem). A (penalty, λ) holds when limits-and-useful holds in every seed (below 5 seeds) or all but one (from 5); costly when only "limits" does. Reproduced: a penalty holds on both nets; partly: on one, or only costly; not: no penalty at any λ limits the gradient.`,
    verdict,
    why: `${says.join('; ')}${only === '' ? '' : `; ${only}`}.`,
  };
};

