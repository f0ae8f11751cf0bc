/**
 * long-time-lag — at which time lag p does backpropagation through time on a tanh RNN stop
 * learning to carry one symbol across p steps, while an LSTM still learns it?
 *
 * Task: noise-free sequences with long time lags (Hochreiter & Schmidhuber 1997, Sect. 5.2,
 * task 2a): (x, a_1, …, a_{p−1}, x) or (y, a_1, …, a_{p−1}, y), each with probability ½; the
 * symbol after a_{p−1} repeats the first one. A test sequence is processed correctly when the
 * final prediction gives the first symbol probability above 0.75 (the paper's ABS(0.25) at
 * sequence end); a run has solved the task at an evaluation where no test sequence is wrong.
 *
 * Prediction target (config `predict`): the paper's nets had direct input → output connections,
 * so predicting the deterministic a_t → a_{t+1} transitions cost their memory cell nothing; the
 * readout here sees only h_t, and with a loss at every step the one informative target is
 * buried under the p − 1 predictable ones (an LSTM needed ~2700 Adam updates for p = 10 that
 * way, against ~200 for p = 50 with the last-step loss). 'last' trains and scores the final
 * prediction only; 'every' is the paper's form.
 *
 * Models: tanh RNN (BPTT) and LSTM, PyTorch's initialisation, LSTM forget bias 5 by default (the
 * 1997 LSTM had no forget gate, i.e. f ≡ 1; a large bias starts f near 1). Adam at the same rate
 * for both, with global-norm clipping. The paper used plain gradient descent at lr 1.0 on
 * per-sequence updates; here plain SGD on mean-reduced minibatch losses made no progress within
 * the budget (lr 1–3) or blew up (lr 10), and Adam at 1e-2 left the LSTM on the ln 2 plateau for
 * 2000 updates at p = 100, where 3e-2 left it within 200 (in one of two seeds tried): leaving that
 * plateau is a matter of chance per seed, which is what the seed counts measure.
 *
 * One row per (model, p, seed, evaluation).
 */
import { Adam, Rng, nonNegativeNumber, oneOf, positiveInt, positiveNumber } from '@gradlab/core';
import { defineExperiment, lineChart, z, recordDivergence, type Row } from '@gradlab/lab';
import { LONG_TIME_LAG_PREDICTIONS, LSTM, RNN, longTimeLag } from '@gradlab/rnn';
import type { RecurrentNet } from '@gradlab/rnn';
import { groupRuns, lastRow, wentNonFinite } from './run-outcome.js';
import { runTaskTraining } from './task-run.js';
import { seedBand } from './seed-band.js';
import { longTimeLagFinding } from './findings/long-time-lag.js';

/** Models compared. */
export const LONG_TIME_LAG_MODELS = ['rnn-tanh', 'lstm'] as const;
/** A model name. */
export type LongTimeLagModel = (typeof LONG_TIME_LAG_MODELS)[number];

const configSchema = z.strictObject({
  /** Seeds: each has its own initialisation, minibatches and test set. */
  seeds: z.array(z.number().int()).min(1),
  /** Time lags p (sequences of p + 1 symbols; the paper: 4, 10, 100). */
  lags: z.array(z.number().int().min(2, { error: 'an integer >= 2' })).min(1),
  /** Models to train. */
  models: z.array(oneOf(LONG_TIME_LAG_MODELS)).min(1),
  /** Which predictions are trained and scored: 'last' (default here, see the file comment) or 'every' (the paper's 2a). */
  predict: oneOf(LONG_TIME_LAG_PREDICTIONS),
  /** Hidden units of every model. */
  hidden: positiveInt(),
  /** LSTM forget-gate bias (5 ≈ the 1997 LSTM's f ≡ 1 at the start). */
  forgetBias: z.number().finite(),
  /** Sequences per minibatch. */
  batchSize: positiveInt(),
  /** Adam updates per run (the paper stopped at 5M sequence presentations). */
  iterations: positiveInt(),
  /** Evaluate on the test set every this many updates (and after the last); the resolution of the solving step. */
  evalEvery: positiveInt(),
  /** Test sequences (both sequences occur; fixed per seed and p). */
  testSize: positiveInt(),
  /** Adam learning rate per model (3e-2 for both: see the file comment). */
  learningRates: z.strictObject({ 'rnn-tanh': positiveNumber(), lstm: positiveNumber() }),
  /** Global-norm clipping threshold (0 = none). */
  clip: nonNegativeNumber(),
});

/** Configuration of long-time-lag. */
export type LongTimeLagConfig = z.output<typeof configSchema>;

/** Columns of long-time-lag.csv. */
export const LONG_TIME_LAG_COLUMNS = [
  'model',
  'p',
  'seed',
  'step',
  'train_loss',
  'test_ce',
  'test_error_rate',
  'solved',
  'grad_norm_preclip',
] as const;

type Cell = { model: LongTimeLagModel; p: number };

/** Builds one of the compared models for lag p (p + 1 symbols in and out). */
export function longTimeLagModel(model: LongTimeLagModel, p: number, config: Pick<LongTimeLagConfig, 'hidden' | 'forgetBias'>, rng: Rng): RecurrentNet {
  const base = { inputSize: p + 1, hiddenSize: config.hidden, outputSize: p + 1 };
  return model === 'lstm' ? new LSTM({ ...base, forgetBias: config.forgetBias }, rng) : new RNN({ ...base, nonlinearity: 'tanh' }, rng);
}

function runCell(cell: Cell & { seed: number }, config: LongTimeLagConfig, rng: Rng, onProgress?: (f: number) => void): Row[] {
  const task = longTimeLag(cell.p, config.predict);
  const net = longTimeLagModel(cell.model, cell.p, config, rng.fork('init'));
  const optimizer = new Adam({
    learningRate: config.learningRates[cell.model],
    ...(config.clip > 0 ? { clip: { mode: 'global-norm' as const, max: config.clip } } : {}),
  });
  const records = runTaskTraining(net, optimizer, task, config, cell.seed, rng, onProgress);
  return records.map((r) => ({
    step: r.iteration,
    train_loss: r.trainLoss,
    test_ce: r.testLoss,
    test_error_rate: 1 - r.testAccuracy,
    solved: r.testAccuracy === 1 ? 1 : 0,
    grad_norm_preclip: r.gradNormPreClip,
  }));
}

/** The first evaluation step at which a run (one seed's rows of one cell) had solved the task, or undefined. */
export function solvedStep(rows: readonly Row[]): number | undefined {
  const steps = rows.filter((r) => r['solved'] === 1).map((r) => Number(r['step']));
  return steps.length === 0 ? undefined : Math.min(...steps);
}

/** Training columns whose non-finite value means the run diverged (as recordDivergence watches them). */
const WATCH = ['train_loss', 'test_ce', 'grad_norm_preclip'] as const;

/** Whether a run (one seed's rows of one cell) went non-finite. */
export function longTimeLagDiverged(rows: readonly Row[]): boolean {
  return wentNonFinite(rows, WATCH);
}

/** Whether a run ends solved: it did not go non-finite and its last evaluation has no test sequence wrong. */
export function endsSolved(rows: readonly Row[]): boolean {
  return !longTimeLagDiverged(rows) && lastRow(rows)?.['solved'] === 1;
}

const LR = { 'rnn-tanh': 3e-2, lstm: 3e-2 };
const SHARED = { models: [...LONG_TIME_LAG_MODELS], predict: 'last' as const, hidden: 16, forgetBias: 5, batchSize: 16, learningRates: LR, clip: 1 };

/** The long-time-lag experiment. */
export const longTimeLagExperiment = defineExperiment<LongTimeLagConfig, Cell>({
  // Called lazily: the finding module imports helpers from this one.
  finding: (rows, config) => longTimeLagFinding(rows, config),
  name: 'long-time-lag',
  description: 'At which time lag p does BPTT on a tanh RNN stop learning to repeat the first of p + 1 symbols, while an LSTM still learns it (Hochreiter & Schmidhuber 1997, task 2a)?',
  configSchema,
  // CPU, wasm, one core (measured under load): quick ≈ 24 s; full ≈ 11 min — its dearest cell, the LSTM at p = 100, ≈ 47 s.
  sizes: {
    quick: { ...SHARED, seeds: [1, 2], lags: [4, 50], iterations: 500, evalEvery: 50, testSize: 128 },
    full: { ...SHARED, seeds: [1, 2, 3, 4, 5], lags: [4, 10, 25, 50, 100], iterations: 1500, evalEvery: 50, testSize: 256 },
  },
  grid: (c) => c.lags.flatMap((p) => c.models.map((model) => ({ model, p }))),
  columns: LONG_TIME_LAG_COLUMNS,
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, await runCell(cell, config, ctx.rng, ctx.onProgress), {
      step: 'step',
      watch: WATCH,
      skip: (r) => r['step'] === 0, // train_loss and grad_norm_preclip are NaN by design before the first update
    }),
  summary: { by: ['model', 'p', 'step'], values: ['train_loss', 'test_ce', 'test_error_rate', 'solved', 'grad_norm_preclip'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    const { band, note: over } = seedBand(config.seeds);
    // One row per run and outcome, 1 or 0: their mean over seeds is the fraction of seeds.
    const outcomes = groupRuns(rows, ['model', 'p', 'seed']).flatMap(({ key, rows: rs }) => [
      { p: key['p']!, fraction: endsSolved(rs) ? 1 : 0, model: key['model']!, outcome: 'solved at the end' },
      { p: key['p']!, fraction: longTimeLagDiverged(rs) ? 1 : 0, model: key['model']!, outcome: 'diverged (non-finite)' },
    ]);
    return [
      {
        file: 'solved-vs-p.svg',
        spec: lineChart({
          data: outcomes, x: 'p', y: 'fraction', color: 'model', facetRow: 'outcome', logX: true,
          title: `Long time lags: fraction of ${seeds} seed${seeds === 1 ? '' : 's'} solved / diverged after ${config.iterations} Adam updates`,
          subtitle: 'solved = every test sequence\'s final prediction gives the first symbol probability > 0.75; a diverged run is not solved',
          xTitle: 'time lag p (log scale)', yTitle: 'fraction of seeds',
        }),
      },
      {
        file: 'error-rate-vs-step.svg',
        spec: lineChart({
          data: rows.map((r) => ({ step: r['step']!, error: r['test_error_rate']!, model: r['model']!, p: r['p']! })),
          x: 'step', y: 'error', color: 'model', facetColumn: 'p', band, points: false,
          title: 'Long time lags: fraction of test sequences processed wrongly (memoryless: 1)',
          subtitle: `${over}; a run that went non-finite stops at that evaluation`,
          xTitle: 'Adam updates', yTitle: 'test error rate',
        }),
      },
    ];
  },
});
