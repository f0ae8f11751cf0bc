/**
 * long-term-memory against Hochreiter & Schmidhuber (1997) and Le, Jaitly & Hinton (2015): on
 * the adding problem the LSTM and the IRNN drive the test MSE far below the 1/6 baseline of
 * predicting 1 at lengths where a tanh RNN stays at the baseline. "Solved" is counted per seed
 * (k of n runs whose final test MSE is below {@link SOLVED_MSE}); a claim holds when it holds
 * in all but one of at least five seeds, and fewer than five seeds give at most "partly". A run
 * with a non-finite loss, test MSE or gradient norm is broken: it neither solves nor fails.
 */
import type { Finding, FindingFn, Row, Verdict } from '@gradlab/lab';
import type { LongTermMemoryConfig, MemoryModel } from '../long-term-memory.js';
import {
  MIN_SEEDS,
  capBySeeds,
  countSeeds,
  fmt,
  fmtSeeds,
  holdsAcrossSeeds,
  kOfN,
  lastBy,
  num,
  onlySeeds,
  perSeed,
  select,
  seedsText,
  type SeedCount,
} from './stats.js';

/** Final test MSE below which a run solves the task. */
export const SOLVED_MSE = 0.01;
/** Final test MSE above which a run fails (the baseline is 1/6 ≈ 0.167). */
export const FAILED_MSE = 0.1;
/** Shortest T at which the tanh RNN is expected to fail. */
export const LONG_T = 100;
/**
 * Why an IRNN that learns but does not solve is short of steps, not wrong: issue 12's
 * measurement (not rerun here) of how many Adam steps the same settings need in PyTorch.
 */
export const PYTORCH_IRNN_BUDGET = 'in PyTorch the same settings need 1.5–2× 3000 Adam steps to solve T = 100 (issue 12; not rerun here)';

const MODEL_LABEL: Record<string, string> = { 'rnn-tanh': 'tanh RNN', irnn: 'IRNN', lstm: 'LSTM' };
const TRAINING_COLUMNS = ['train_loss', 'test_mse', 'grad_norm_preclip'];

/**
 * Adam steps of a model's runs. Runs from before the per-model budgets stored one number for
 * every model; the finding still reads them.
 */
export function stepsOf(config: Pick<LongTermMemoryConfig, 'iterations'>, model: string): number {
  const it = config.iterations as LongTermMemoryConfig['iterations'] | number | undefined;
  if (typeof it === 'number') return it;
  return it?.[model as MemoryModel] ?? NaN;
}

/** A run is broken when a training column went non-finite after the first update (step 0 has no update yet). */
function broken(rs: readonly Row[]): boolean {
  return rs.some((r) => num(r, 'step') > 0 && TRAINING_COLUMNS.some((c) => !Number.isFinite(num(r, c))));
}

export const longTermMemoryFinding: FindingFn<LongTermMemoryConfig> = (rows, config): Finding => {
  const lengths = config.lengths ?? [];
  const models: string[] = config.models ?? [];
  const Tmax = Math.max(...lengths);
  const runs = (model: string, T: number) => select(rows, { model, T });
  /** Per seed the final test MSE, NaN for a broken run (so it neither solves nor fails). */
  const finalMse = (model: string, T: number) => perSeed(runs(model, T), (rs) => (broken(rs) ? NaN : num(lastBy(rs, 'step'), 'test_mse')));
  const finalFraction = (model: string, T: number) => perSeed(runs(model, T), (rs) => num(lastBy(rs, 'step'), 'solved'));
  const brokenRuns = (model: string, T: number): SeedCount => countSeeds(perSeed(runs(model, T), (rs) => (broken(rs) ? 1 : 0)), (x) => x === 1);
  const solved = (model: string, T: number): SeedCount => countSeeds(finalMse(model, T), (x) => x < SOLVED_MSE);
  const failed = (model: string, T: number): SeedCount => countSeeds(finalMse(model, T), (x) => x > FAILED_MSE);
  const left = (model: string, T: number): SeedCount => countSeeds(finalMse(model, T), (x) => x <= FAILED_MSE);
  const table = lengths.flatMap((T) =>
    models.map((m) => [String(T), m, String(stepsOf(config, m)), fmtSeeds(finalMse(m, T)), kOfN(solved(m, T)), fmtSeeds(finalFraction(m, T)), kOfN(brokenRuns(m, T))]),
  );

  const lstm = solved('lstm', Tmax);
  const irnn = solved('irnn', Tmax);
  const tanh = failed('rnn-tanh', Tmax);
  const lstmSolves = holdsAcrossSeeds(lstm);
  const irnnSolves = holdsAcrossSeeds(irnn);
  const tanhFails = holdsAcrossSeeds(tanh);
  const irnnSteps = stepsOf(config, 'irnn');
  const tanhSteps = stepsOf(config, 'rnn-tanh');
  // A tanh RNN that failed with fewer steps than the IRNN had may only have been short of them.
  const tanhBudget = tanhSteps >= irnnSteps;
  const long = Tmax >= LONG_T;
  const seeds = config.seeds.length;
  const enough = seeds >= MIN_SEEDS;
  const base: Verdict = lstmSolves && irnnSolves && tanhFails && tanhBudget && long ? 'reproduced' : lstmSolves ? 'partly' : 'not';
  const verdict = capBySeeds(base, seeds);
  // The IRNN fails only for budget when everything else holds, none of its runs broke, and it
  // has left the plateau (final test MSE ≤ FAILED_MSE) in some seed: it learns, too slowly.
  const irnnBroken = brokenRuns('irnn', Tmax);
  const irnnLeft = left('irnn', Tmax);
  const budgetLimited = !irnnSolves && irnn.n > 0 && lstmSolves && tanhFails && tanhBudget && long && enough && irnnBroken.k === 0 && irnnLeft.k > 0;
  const irnnNote = (() => {
    if (irnn.n === 0 || irnnSolves) return '';
    const what = `the IRNN solved ${kOfN(irnn)} seeds at T = ${Tmax} in ${irnnSteps} Adam steps`;
    if (budgetLimited) return `the verdict is budget-limited: ${what} and left the plateau (final test MSE ≤ ${FAILED_MSE}) in ${kOfN(irnnLeft)}, with no broken run; ${PYTORCH_IRNN_BUDGET}`;
    if (irnnBroken.k > 0) return `${what}; ${kOfN(irnnBroken)} of its runs broke (non-finite values), so the budget is not the only cause`;
    return `${what}${irnnLeft.k === 0 ? ' and stayed on the plateau in every seed' : ''}; ${PYTORCH_IRNN_BUDGET}`;
  })();
  const notes = [
    onlySeeds(seeds),
    irnnNote,
    tanhBudget ? '' : `the tanh RNN had fewer Adam steps (${tanhSteps}) than the IRNN (${irnnSteps}), so its failure does not count`,
    long ? '' : `T = ${Tmax} < ${LONG_T} is too short to decide (a tanh RNN is expected to cope with short sequences)`,
  ].filter((s) => s !== '');
  const solvedText = (m: string, c: SeedCount) => `${MODEL_LABEL[m] ?? m} solved ${kOfN(c)} seeds`;
  const stepsText = models.map((m) => `${stepsOf(config, m)} for the ${MODEL_LABEL[m] ?? m}`).join(', ');
  return {
    setup:
      `adding problem, T ∈ {${lengths.join(', ')}}, ${models.join('/')} with ${config.hidden} hidden units, Adam (lr ${JSON.stringify(config.learningRates)}), ` +
      `clip ${config.clip}, minibatches of ${config.batchSize} (Adam steps: ${stepsText}), test set ${config.testSize}, ${seedsText(seeds)}.`,
    keyNumbers: {
      columns: [
        'T',
        'model',
        'Adam steps',
        'final test MSE (baseline 0.167)',
        `seeds solved (final test MSE < ${SOLVED_MSE})`,
        'fraction of test sequences solved (|error| < 0.04)',
        'broken runs (non-finite)',
      ],
      rows: table,
    },
    published: {
      paper:
        'Hochreiter & Schmidhuber (1997), "Long short-term memory", Neural Computation, exp. 4; Le, Jaitly & Hinton (2015), "A simple way to initialize recurrent networks of rectified linear units", Fig. 2',
      setup: 'adding problem, sequences of length T = 150, 200, 300, 400 (Le et al.), 100 hidden units',
      figure: 'LSTM and IRNN bring the test MSE far below the 0.167 baseline at T = 150–400, the tanh RNN stays at the baseline from about T ≥ 100',
    },
    ours:
      `at T = ${Tmax}: final test MSE ${models.map((m) => `${m} ${fmtSeeds(finalMse(m, Tmax))}`).join(', ')} (baseline ${fmt(1 / 6)}); ` +
      `${solvedText('lstm', lstm)}, ${solvedText('irnn', irnn)}, tanh RNN stayed above ${FAILED_MSE} in ${kOfN(tanh)} seeds`,
    rule:
      `at the longest T run, a model solves a seed when its final test MSE is below ${SOLVED_MSE} and the tanh RNN fails one when its final test MSE stays above ${FAILED_MSE}; ` +
      `a run with a non-finite loss, test MSE or gradient norm is broken and does neither. Each holds in all but one seed from ${MIN_SEEDS} seeds on (in every seed below ${MIN_SEEDS}). ` +
      `Reproduced when the LSTM and the IRNN solve and the tanh RNN fails with at least the IRNN's Adam steps, at T ≥ ${LONG_T}, with at least ${MIN_SEEDS} seeds; ` +
      `partly when the LSTM solves but the rest does not hold, or fewer than ${MIN_SEEDS} seeds were run ("only n seeds"); not when the LSTM does not solve. ` +
      `When only the IRNN falls short, none of its runs broke and it left the plateau (final test MSE ≤ ${FAILED_MSE}) in some seed, the verdict is budget-limited: ${PYTORCH_IRNN_BUDGET}.`,
    verdict,
    why:
      `at T = ${Tmax}: ${solvedText('lstm', lstm)} (${lstmSolves ? 'solves' : 'does not solve'}), ${solvedText('irnn', irnn)} (${irnnSolves ? 'solves' : 'does not solve'}), ` +
      `tanh RNN above ${FAILED_MSE} in ${kOfN(tanh)} seeds (${tanhFails ? 'fails' : 'does not fail'})` +
      (notes.length > 0 ? `; ${notes.join('; ')}.` : '.'),
  };
};
