/**
 * copy-memory — do a tanh RNN, an LSTM and a GRU get below the memoryless baseline of the copy
 * memory task, and up to which delay?
 *
 * Task (Hochreiter & Schmidhuber 1997; the form of Arjovsky, Shah & Bengio 2016, Sect. 4.1): ten
 * symbols drawn from 8, then T − 1 blanks, a delimiter and ten more blanks; the net must output
 * blanks and then, after the delimiter, the ten symbols in order. Cross-entropy at every one of
 * the T + 20 steps. The memoryless strategy (blanks, then a uniform guess over the 8 symbols) has
 * cross-entropy 10·ln 8 / (T + 20) — the baseline — and recalls 1/8 of the symbols.
 *
 * Models: tanh RNN, LSTM (forget bias 1) and GRU, trained by Adam at the same rate with every
 * gradient entry clipped to [−1, 1] (the authors' code clips by value at 1 for the RNN and the
 * LSTM). Arjovsky et al. used RMSProp at lr 1e-3; Adam at 1e-2 fits the budget of a thousand
 * updates here (at 1e-3 the GRU and the LSTM barely leave the baseline in that time).
 *
 * One row per (model, T, seed, evaluation): training loss, test cross-entropy on the seed's fixed
 * test set, the baseline, the fraction of the ten recalled symbols predicted right, and the
 * largest pre-clip gradient norm.
 */
import { Adam, Rng, nonNegativeNumber, oneOf, positiveInt, positiveNumber } from '@gradlab/core';
import { defineExperiment, lineChart, z, recordDivergence, type Row } from '@gradlab/lab';
import { GRU, LSTM, RNN, copyMemory, copyMemoryBaseline } from '@gradlab/rnn';
import type { RecurrentNet } from '@gradlab/rnn';
import { groupRuns, lastRow, wentNonFinite } from './run-outcome.js';
import { runTaskTraining } from './task-run.js';
import { seedBand } from './seed-band.js';
import { copyMemoryFinding } from './findings/copy-memory.js';

/** Models compared. */
export const COPY_MEMORY_MODELS = ['rnn-tanh', 'lstm', 'gru'] as const;
/** A model name. */
export type CopyMemoryModel = (typeof COPY_MEMORY_MODELS)[number];

const configSchema = z.strictObject({
  /** Seeds: each has its own initialisation, minibatches and test set. */
  seeds: z.array(z.number().int()).min(1),
  /** Delays T: blanks between the symbols and the delimiter + 1 (sequences of T + 20 steps). */
  delays: z.array(positiveInt()).min(1),
  /** Models to train. */
  models: z.array(oneOf(COPY_MEMORY_MODELS)).min(1),
  /** Hidden units of every model. */
  hidden: positiveInt(),
  /** LSTM forget-gate bias (Gers et al. 2000). */
  forgetBias: z.number().finite(),
  /** Sequences per minibatch (Arjovsky et al.: 20). */
  batchSize: positiveInt(),
  /** Adam updates per run. */
  iterations: positiveInt(),
  /** Evaluate on the test set every this many updates (and after the last). */
  evalEvery: positiveInt(),
  /** Test sequences, fixed per seed and T. */
  testSize: positiveInt(),
  /** Adam learning rate per model (1e-2 for all; Arjovsky et al.: RMSProp at 1e-3). */
  learningRates: z.strictObject({ 'rnn-tanh': positiveNumber(), lstm: positiveNumber(), gru: positiveNumber() }),
  /** Clip every gradient entry to [−clipValue, clipValue] (0 = none; the authors' code: 1). */
  clipValue: nonNegativeNumber(),
});

/** Configuration of copy-memory. */
export type CopyMemoryConfig = z.output<typeof configSchema>;

/** Columns of copy-memory.csv. */
export const COPY_MEMORY_COLUMNS = [
  'model',
  'T',
  'seed',
  'step',
  'train_loss',
  'test_ce',
  'baseline_ce',
  'recall_accuracy',
  'grad_norm_preclip',
] as const;

type Cell = { model: CopyMemoryModel; T: number };

/** A run is below the baseline when its final test cross-entropy is under this fraction of it. */
export const COPY_MEMORY_BELOW = 0.9;

/** Training columns whose non-finite value means the run diverged (as recordDivergence watches them). */
const WATCH = ['train_loss', 'test_ce', 'grad_norm_preclip'] as const;

/** Whether a run (one seed's rows of one cell) went non-finite. */
export function copyMemoryDiverged(rows: readonly Row[]): boolean {
  return wentNonFinite(rows, WATCH);
}

/** Whether a run ends below {@link COPY_MEMORY_BELOW}× the baseline (never when it went non-finite). */
export function copyMemoryBelow(rows: readonly Row[]): boolean {
  const last = lastRow(rows);
  return last !== undefined && !copyMemoryDiverged(rows) && Number(last['test_ce']) < COPY_MEMORY_BELOW * Number(last['baseline_ce']);
}

/** Builds one of the compared models (PyTorch's initialisation). */
export function copyMemoryModel(model: CopyMemoryModel, config: Pick<CopyMemoryConfig, 'hidden' | 'forgetBias'>, rng: Rng): RecurrentNet {
  const base = { inputSize: 10, hiddenSize: config.hidden, outputSize: 9 };
  switch (model) {
    case 'rnn-tanh':
      return new RNN({ ...base, nonlinearity: 'tanh' }, rng);
    case 'lstm':
      return new LSTM({ ...base, forgetBias: config.forgetBias }, rng);
    case 'gru':
      return new GRU(base, rng);
  }
}

function runCell(cell: Cell & { seed: number }, config: CopyMemoryConfig, rng: Rng, onProgress?: (f: number) => void): Row[] {
  const task = copyMemory(cell.T);
  const net = copyMemoryModel(cell.model, config, rng.fork('init'));
  const optimizer = new Adam({
    learningRate: config.learningRates[cell.model],
    ...(config.clipValue > 0 ? { clip: { mode: 'value' as const, max: config.clipValue } } : {}),
  });
  const records = runTaskTraining(net, optimizer, task, config, cell.seed, rng, onProgress);
  return records.map((r) => ({
    step: r.iteration,
    train_loss: r.trainLoss,
    test_ce: r.testLoss,
    baseline_ce: copyMemoryBaseline(cell.T),
    recall_accuracy: r.testAccuracy,
    grad_norm_preclip: r.gradNormPreClip,
  }));
}

const LR = { 'rnn-tanh': 1e-2, lstm: 1e-2, gru: 1e-2 };
const SHARED = { hidden: 64, forgetBias: 1, batchSize: 20, learningRates: LR, clipValue: 1 };

/** The copy-memory experiment. */
export const copyMemoryExperiment = defineExperiment<CopyMemoryConfig, Cell>({
  // Called lazily: the finding module imports helpers from this one.
  finding: (rows, config) => copyMemoryFinding(rows, config),
  name: 'copy-memory',
  description: 'Do a tanh RNN, an LSTM and a GRU get below the memoryless baseline 10·ln 8/(T + 20) of the copy memory task, and up to which delay T?',
  configSchema,
  // CPU, wasm, one core (measured under load): quick ≈ 30 s; full ≈ 20 min — its dearest cell, the GRU at T = 50, ≈ 51 s.
  sizes: {
    quick: { ...SHARED, seeds: [1], delays: [10], models: ['rnn-tanh', 'gru'], iterations: 1000, evalEvery: 100, testSize: 256 },
    full: { ...SHARED, seeds: [1, 2, 3, 4, 5], delays: [10, 25, 50], models: [...COPY_MEMORY_MODELS], iterations: 1000, evalEvery: 100, testSize: 500 },
  },
  grid: (c) => c.delays.flatMap((T) => c.models.map((model) => ({ model, T }))),
  columns: COPY_MEMORY_COLUMNS,
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, await runCell(cell, config, ctx.rng, ctx.onProgress), {
      step: 'step',
      watch: WATCH,
      skip: (r) => r['step'] === 0, // train_loss and grad_norm_preclip are NaN by design before the first update
    }),
  summary: { by: ['model', 'T', 'step'], values: ['train_loss', 'test_ce', 'baseline_ce', 'recall_accuracy', 'grad_norm_preclip'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    const { band, note: over } = seedBand(config.seeds);
    // The baseline as its own line (one row per T and step), so each panel shows where it lies.
    const baseline = [...new Map(rows.map((r) => [`${r['T']}|${r['step']}`, r])).values()].map((r) => ({
      step: r['step']!, ce: r['baseline_ce']!, model: 'memoryless baseline', T: r['T']!,
    }));
    // One row per run and outcome, 1 or 0: their mean over seeds is the fraction of seeds.
    const outcomes = groupRuns(rows, ['model', 'T', 'seed']).flatMap(({ key, rows: rs }) => [
      { T: key['T']!, fraction: copyMemoryBelow(rs) ? 1 : 0, model: key['model']!, outcome: `below ${COPY_MEMORY_BELOW}× baseline` },
      { T: key['T']!, fraction: copyMemoryDiverged(rs) ? 1 : 0, model: key['model']!, outcome: 'diverged (non-finite)' },
    ]);
    return [
      {
        file: 'outcome-vs-T.svg',
        spec: lineChart({
          data: outcomes, x: 'T', y: 'fraction', color: 'model', facetRow: 'outcome',
          title: `Copy memory: fraction of ${seeds} seed${seeds === 1 ? '' : 's'} ending below ${COPY_MEMORY_BELOW}× the memoryless baseline / diverged`,
          subtitle: `after ${config.iterations} Adam updates; a diverged run counts as not below`,
          xTitle: 'delay T', yTitle: 'fraction of seeds',
        }),
      },
      {
        file: 'test-ce-vs-step.svg',
        spec: lineChart({
          data: [...rows.map((r) => ({ step: r['step']!, ce: r['test_ce']!, model: r['model']!, T: r['T']! })), ...baseline],
          x: 'step', y: 'ce', color: 'model', facetColumn: 'T', logY: true, band, points: false,
          title: 'Copy memory: test cross-entropy per step against the memoryless baseline 10·ln 8/(T + 20)',
          subtitle: `${over}; a run that went non-finite stops at that evaluation (non-finite values are left out)`,
          xTitle: 'Adam updates', yTitle: 'test cross-entropy (log scale)',
        }),
      },
      {
        file: 'recall-vs-step.svg',
        spec: lineChart({
          data: rows.map((r) => ({ step: r['step']!, recall: r['recall_accuracy']!, model: r['model']!, T: r['T']! })),
          x: 'step', y: 'recall', color: 'model', facetColumn: 'T', band, points: false,
          title: 'Copy memory: fraction of the ten symbols recalled (memoryless: 1/8)',
          subtitle: over, xTitle: 'Adam updates', yTitle: 'recall accuracy',
        }),
      },
    ];
  },
});
