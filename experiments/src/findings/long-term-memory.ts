/**
 * long-term-memory against Hochreiter & Schmidhuber (1997) and Le, Jaitly & Hinton (2015): on
 * the adding problem the LSTM and the IRNN drive the test MSE far below the 1/6 baseline of
 * predicting 1 at lengths where a tanh RNN stays at the baseline. "Solved" is counted per seed
 * (k of n runs whose final test MSE is below {@link SOLVED_MSE}); a claim holds when it holds
 * in all but one of at least five seeds, and fewer than five seeds give at most "partly".
 */
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import type { LongTermMemoryConfig } from '../long-term-memory.js';
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
 * Why an IRNN that does not solve is budget, not code: issue 12's measurement (not rerun here)
 * of how many Adam steps the same settings need in PyTorch.
 */
export const PYTORCH_IRNN_BUDGET = 'the same settings need 1.5–2× the full size\'s 3000 Adam steps in PyTorch to solve T = 100 (issue 12)';

const MODEL_LABEL: Record<string, string> = { 'rnn-tanh': 'tanh RNN', irnn: 'IRNN', lstm: 'LSTM' };

export const longTermMemoryFinding: FindingFn<LongTermMemoryConfig> = (rows, config): Finding => {
  const lengths = config.lengths ?? [];
  const models: string[] = config.models ?? [];
  const Tmax = Math.max(...lengths);
  const finalMse = (model: string, T: number) => perSeed(select(rows, { model, T }), (rs) => num(lastBy(rs, 'step'), 'test_mse'));
  const finalFraction = (model: string, T: number) => perSeed(select(rows, { model, T }), (rs) => num(lastBy(rs, 'step'), 'solved'));
  const solved = (model: string, T: number): SeedCount => countSeeds(finalMse(model, T), (x) => x < SOLVED_MSE);
  const failed = (model: string, T: number): SeedCount => countSeeds(finalMse(model, T), (x) => !(x <= FAILED_MSE));
  const table = lengths.flatMap((T) => models.map((m) => [String(T), m, fmtSeeds(finalMse(m, T)), `${kOfN(solved(m, T))}`, fmtSeeds(finalFraction(m, T))]));

  const lstm = solved('lstm', Tmax);
  const irnn = solved('irnn', Tmax);
  const tanh = failed('rnn-tanh', Tmax);
  const lstmSolves = holdsAcrossSeeds(lstm);
  const irnnSolves = holdsAcrossSeeds(irnn);
  const tanhFails = holdsAcrossSeeds(tanh);
  const long = Tmax >= LONG_T;
  const seeds = config.seeds.length;
  const base: Verdict = lstmSolves && irnnSolves && tanhFails && long ? 'reproduced' : lstmSolves ? 'partly' : 'not';
  const verdict = capBySeeds(base, seeds);
  const steps = config.iterations;
  const irnnBudget =
    irnn.n > 0 && !irnnSolves
      ? `the IRNN verdict is budget-limited: it solved ${kOfN(irnn)} seeds at T = ${Tmax} in ${steps} Adam steps, and ${PYTORCH_IRNN_BUDGET}`
      : '';
  const notes = [
    onlySeeds(seeds),
    irnnBudget,
    long ? '' : `T = ${Tmax} < ${LONG_T} is too short to decide (a tanh RNN is expected to cope with short sequences)`,
  ].filter((s) => s !== '');
  const solvedText = (m: string, c: SeedCount) => `${MODEL_LABEL[m] ?? m} solved ${kOfN(c)} seeds`;
  return {
    setup:
      `adding problem, T ∈ {${lengths.join(', ')}}, ${models.join('/')} with ${config.hidden} hidden units, Adam (lr ${JSON.stringify(config.learningRates)}), ` +
      `clip ${config.clip}, ${steps} minibatches of ${config.batchSize}, test set ${config.testSize}, ${seedsText(seeds)}.`,
    keyNumbers: {
      columns: ['T', 'model', 'final test MSE (baseline 0.167)', `seeds solved (final test MSE < ${SOLVED_MSE})`, 'fraction of test sequences solved (|error| < 0.04)'],
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
      `at the longest T run, a model solves when its final test MSE is below ${SOLVED_MSE} and the tanh RNN fails when it stays above ${FAILED_MSE}, ` +
      `each in all but one seed from ${MIN_SEEDS} seeds on (in every seed below ${MIN_SEEDS}). Reproduced when the LSTM and the IRNN solve, the tanh RNN fails, ` +
      `T ≥ ${LONG_T} and at least ${MIN_SEEDS} seeds were run; partly when the LSTM solves but the rest does not hold, T is too short to expect the tanh RNN to fail, ` +
      `or fewer than ${MIN_SEEDS} seeds were run ("only n seeds"); not when the LSTM does not solve. ` +
      `An IRNN that does not solve within the run's Adam steps is reported as budget-limited: ${PYTORCH_IRNN_BUDGET}.`,
    verdict,
    why:
      `at T = ${Tmax}: ${solvedText('lstm', lstm)} (${lstmSolves ? 'solves' : 'does not solve'}), ${solvedText('irnn', irnn)} (${irnnSolves ? 'solves' : 'does not solve'}), ` +
      `tanh RNN above ${FAILED_MSE} in ${kOfN(tanh)} seeds (${tanhFails ? 'fails' : 'does not fail'})` +
      (notes.length > 0 ? `; ${notes.join('; ')}.` : '.'),
  };
};
