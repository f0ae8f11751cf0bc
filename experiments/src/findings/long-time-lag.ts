/**
 * long-time-lag against Hochreiter & Schmidhuber (1997), Sect. 5.2, task 2a, Table 2: on
 * noise-free sequences whose last symbol repeats the first, gradient descent through time on a
 * conventional recurrent net fails from a lag of about p = 10, while the LSTM solves p = 100 in
 * every trial.
 */
import { parseOptions } from '@gradlab/core';
import { endsSolved, longTimeLagExperiment, solvedStep } from '../long-time-lag.js';
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import { MIN_SEEDS, allButOne, ofSeeds } from './seed-votes.js';
import { fmtSeeds, lastBy, num, perSeed, select, seedsText } from './stats.js';

/** The lag from which the tanh RNN is expected to fail (the paper: RTRL 0% at p = 10). */
export const RNN_FAILS_FROM = 10;
/** The lag the LSTM is expected to solve (the paper: 100% at p = 100). */
export const LSTM_SOLVES = 100;

export const longTimeLagFinding: FindingFn = (rows, rawConfig): Finding => {
  const config = parseOptions('long-time-lag finding: config', longTimeLagExperiment.configSchema, rawConfig);
  const lags = [...config.lags].sort((a, b) => a - b);
  const pMax = lags.at(-1)!;
  const solved = (model: string, p: number) => perSeed(select(rows, { model, p }), endsSolved);
  const failed = (model: string, p: number) => solved(model, p).map((s) => !s);
  const steps = (model: string, p: number) => perSeed(select(rows, { model, p }), solvedStep);
  const errorRate = (model: string, p: number) => perSeed(select(rows, { model, p }), (rs) => num(lastBy(rs, 'step'), 'test_error_rate'));
  const table = lags.flatMap((p) =>
    config.models.map((m) => [String(p), m, ofSeeds(solved(m, p)), steps(m, p).map((s) => (s === undefined ? '—' : String(s))).join(', '), fmtSeeds(errorRate(m, p))]),
  );
  const hasRnn = config.models.includes('rnn-tanh');
  const hasLstm = config.models.includes('lstm');
  const long = lags.filter((p) => p >= RNN_FAILS_FROM);
  // (a) the tanh RNN fails at every p ≥ 10 in all but one seed.
  const rnnFails = hasRnn && long.length > 0 && long.every((p) => allButOne(failed('rnn-tanh', p)));
  // (b) the LSTM solves the longest p in all but one seed.
  const lstmSolves = hasLstm && allButOne(solved('lstm', pMax));
  // The gap: lags the LSTM solves in all but one seed while the RNN fails in all but one.
  const gap = lags.filter((p) => hasRnn && hasLstm && allButOne(solved('lstm', p)) && allButOne(failed('rnn-tanh', p)));
  const rnnFirstFail = hasRnn ? lags.find((p) => lags.filter((q) => q >= p).every((q) => allButOne(failed('rnn-tanh', q)))) : undefined;
  const lstmLongest = hasLstm ? lags.filter((p) => allButOne(solved('lstm', p))).at(-1) : undefined;
  const seeds = config.seeds.length;
  const enough = seeds >= MIN_SEEDS;
  const verdict: Verdict = rnnFails && lstmSolves && pMax >= LSTM_SOLVES && enough ? 'reproduced' : gap.length > 0 ? 'partly' : 'not';
  return {
    setup:
      `task 2a with p ∈ {${lags.join(', ')}}, loss and score on ${config.predict === 'last' ? 'the final prediction' : 'every prediction'}, ` +
      `${config.models.join('/')} with ${config.hidden} hidden units (LSTM forget bias ${config.forgetBias}), Adam (lr ${JSON.stringify(config.learningRates)}), ` +
      `global-norm clip ${config.clip}, ${config.iterations} minibatches of ${config.batchSize}, ${config.testSize} test sequences, ${seedsText(seeds)}; ` +
      'solved = every test sequence\'s final prediction gives the first symbol probability > 0.75.',
    keyNumbers: {
      columns: ['p', 'model', 'seeds solved at the end', 'first step solved, per seed', 'final test error rate'],
      rows: table,
    },
    published: {
      paper: 'Hochreiter & Schmidhuber (1997), "Long short-term memory", Neural Computation 9(8), Sect. 5.2, task 2a, Table 2',
      setup:
        'two sequences (y, a_1, …, a_{p−1}, y) and (x, a_1, …, a_{p−1}, x), one-hot over p + 1 symbols, next-symbol prediction at every step; RTRL and BPTT on a ' +
        'net with one self-recurrent sigmoid hidden unit and connections from all lower layers, LSTM with one memory cell and an input gate (no output gate), ' +
        'weights in [−0.2, 0.2], gradient descent at lr 1.0 (RTRL/BPTT 1.0–10.0), up to 5M sequence presentations, 18 trials; success = maximal absolute ' +
        'output error below 0.25 on 10,000 successive sequences',
      figure:
        'RTRL: 78% of trials at p = 4 (lr 1.0), 0% at p = 10 and p = 100; BPTT: 0% at p = 100; LSTM: 100% at p = 100, after 5,040 sequences on average; ' +
        '"RTRL and BPTT … appear quite useless when the time lags exceed as few as 10 steps"',
    },
    ours:
      `tanh RNN fails (all but one seed) from p = ${rnnFirstFail ?? '—'}; LSTM solves (all but one seed) up to p = ${lstmLongest ?? '—'}` +
      (gap.length > 0 ? `; the LSTM solves and the RNN fails at p = ${gap.join(', ')}` : ''),
    rule:
      `reproduced when, with at least ${MIN_SEEDS} seeds and the longest p ≥ ${LSTM_SOLVES}, (a) the tanh RNN ends unsolved at every p ≥ ${RNN_FAILS_FROM} in all ` +
      'but at most one seed and (b) the LSTM ends solved at the longest p in all but at most one seed; partly when at some p the LSTM ends solved and the RNN ' +
      'unsolved, each in all but at most one seed; not otherwise.',
    verdict,
    why:
      `(a) ${rnnFails ? 'holds' : 'fails'}, (b) ${lstmSolves ? 'holds' : 'fails'} at p = ${pMax}` +
      (pMax >= LSTM_SOLVES ? '' : ` (shorter than the paper's ${LSTM_SOLVES})`) +
      (enough ? '.' : `; ${seedsText(seeds)} < ${MIN_SEEDS}, too few to call it reproduced.`) +
      ` Differences: Adam and a ${config.iterations}-update budget instead of gradient descent for up to 5M sequences; our readout sees only h_t (no input → output ` +
      `connections)${config.predict === 'last' ? ', so only the final prediction is trained and scored' : ''}; a modern LSTM with a forget gate.`,
  };
};
