/**
 * long-term-memory against Hochreiter & Schmidhuber (1997) and Le, Jaitly & Hinton (2015): on
 * the adding problem the LSTM and the IRNN drive the test MSE far below the 1/6 baseline of
 * predicting 1 at lengths where a tanh RNN stays at the baseline.
 */
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import { fmtSeeds, lastBy, num, perSeed, select, seedsText, fmt, pct } from './stats.js';

/** Final test MSE below which a run solves the task. */
export const SOLVED_MSE = 0.01;
/** Final test MSE above which a run fails (the baseline is 1/6 ≈ 0.167). */
export const FAILED_MSE = 0.1;
/** Shortest T at which the tanh RNN is expected to fail. */
export const LONG_T = 100;

export const longTermMemoryFinding: FindingFn = (rows, config): Finding => {
  const lengths = (config['lengths'] as number[]) ?? [];
  const models = (config['models'] as string[]) ?? [];
  const Tmax = Math.max(...lengths);
  const finalMse = (model: string, T: number) => perSeed(select(rows, { model, T }), (rs) => num(lastBy(rs, 'step'), 'test_mse'));
  const finalSolved = (model: string, T: number) => perSeed(select(rows, { model, T }), (rs) => num(lastBy(rs, 'step'), 'solved'));
  const table = lengths.flatMap((T) => models.map((m) => [String(T), m, fmtSeeds(finalMse(m, T)), fmtSeeds(finalSolved(m, T).map((x) => x))]));
  const solves = (m: string) => {
    const xs = finalMse(m, Tmax);
    return xs.length > 0 && xs.every((x) => x < SOLVED_MSE);
  };
  const fails = (m: string) => {
    const xs = finalMse(m, Tmax);
    return xs.length > 0 && xs.every((x) => !(x <= FAILED_MSE));
  };
  const lstm = solves('lstm');
  const irnn = solves('irnn');
  const tanhFails = fails('rnn-tanh');
  const long = Tmax >= LONG_T;
  const verdict: Verdict = lstm && irnn && tanhFails && long ? 'reproduced' : lstm ? 'partly' : 'not';
  const seeds = (config['seeds'] as number[]).length;
  return {
    setup:
      `adding problem, T ∈ {${lengths.join(', ')}}, ${models.join('/')} with ${config['hidden']} hidden units, Adam (lr ${JSON.stringify(config['learningRates'])}), ` +
      `clip ${config['clip']}, ${config['iterations']} minibatches of ${config['batchSize']}, test set ${config['testSize']}, ${seedsText(seeds)}.`,
    keyNumbers: { columns: ['T', 'model', 'final test MSE (baseline 0.167)', 'fraction solved (|error| < 0.04)'], rows: table },
    published: {
      paper:
        'Hochreiter & Schmidhuber (1997), "Long short-term memory", Neural Computation, exp. 4; Le, Jaitly & Hinton (2015), "A simple way to initialize recurrent networks of rectified linear units", Fig. 2',
      setup: 'adding problem, sequences of length T = 150, 200, 300, 400 (Le et al.), 100 hidden units',
      figure: 'LSTM and IRNN bring the test MSE far below the 0.167 baseline at T = 150–400, the tanh RNN stays at the baseline from about T ≥ 100',
    },
    ours:
      `at T = ${Tmax}: final test MSE ${models.map((m) => `${m} ${fmtSeeds(finalMse(m, Tmax))}`).join(', ')} (baseline ${fmt(1 / 6)}); ` +
      `fraction solved LSTM ${pct(Math.min(...finalSolved('lstm', Tmax)))} (worst seed)`,
    rule:
      `reproduced when, at the longest T run and T ≥ ${LONG_T}, the LSTM's and the IRNN's final test MSE is below ${SOLVED_MSE} for every seed while the tanh RNN's stays above ${FAILED_MSE}; ` +
      'partly when the LSTM solves the longest T but the rest does not hold (or T is too short to expect the tanh RNN to fail); not when the LSTM does not solve it.',
    verdict,
    why:
      `LSTM ${lstm ? 'solves' : 'does not solve'}, IRNN ${irnn ? 'solves' : 'does not solve'}, tanh RNN ${tanhFails ? 'fails' : 'does not fail'} at T = ${Tmax}` +
      (long ? '.' : `; T = ${Tmax} < ${LONG_T} is too short to decide (a tanh RNN is expected to cope with short sequences).`),
  };
};
