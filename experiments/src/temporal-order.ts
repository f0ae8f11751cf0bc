/**
 * temporal-order — does gradient-norm clipping raise the success rate of SGD on the temporal
 * order problem, more so as the sequences get longer, and does an LSTM solve lengths a tanh RNN
 * does not?
 *
 * Task (Hochreiter & Schmidhuber 1997, Sect. 5.6, task 6a, in the fixed-length form of Martens &
 * Sutskever 2011 and Pascanu, Mikolov & Bengio 2013): T symbols from {a, b, c, d} except two, X or
 * Y, at t1 ∈ [0.1T, 0.2T) and t2 ∈ [0.5T, 0.6T); the class read at the last step is their order
 * (XX, XY, YX, YY; chance 1/4). Models: a tanh RNN trained by plain minibatch SGD without and with
 * global-norm clipping (Pascanu et al. 2013, Sect. 3.2, Alg. 1: rescale g to threshold/‖g‖·g when
 * ‖g‖ > threshold), and an LSTM trained by SGD with clipping beside it. A run succeeds when its final test
 * accuracy is at least {@link TEMPORAL_ORDER_SUCCESS} (Pascanu et al.: under 1% of fresh test
 * sequences misclassified); a run whose training went non-finite fails.
 *
 * Budget (see the finding): Pascanu et al. allowed up to 5M updates at learning rate 0.01 for
 * T = 50 … 200; at ~0.15 ms per time step and update here, that is out of reach, so the lengths
 * are shorter, the learning rate larger, and the update budget a few thousand.
 *
 * One row per (model, clip, T, seed, evaluation step).
 */
import { Rng, SGD, oneOf, positiveInt, positiveNumber } from '@gradlab/core';
import { defineExperiment, lineChart, z, recordDivergence, type Row } from '@gradlab/lab';
import { LSTM, RNN, temporalOrder } from '@gradlab/rnn';
import type { RecurrentNet } from '@gradlab/rnn';
import { groupRuns, lastRow, wentNonFinite } from './run-outcome.js';
import { runTaskTraining } from './task-run.js';
import { seedBand } from './seed-band.js';
import { temporalOrderFinding } from './findings/temporal-order.js';

/** Models compared. */
export const TEMPORAL_ORDER_MODELS = ['rnn-tanh', 'lstm'] as const;
/** A model name. */
export type TemporalOrderModel = (typeof TEMPORAL_ORDER_MODELS)[number];

/** Final test accuracy at or above which a run solves the task (Pascanu et al.: < 1% misclassified). */
export const TEMPORAL_ORDER_SUCCESS = 0.99;

/** A clipping setting: 'none' or the global-norm threshold. */
const clipSetting = () => z.union([z.literal('none'), positiveNumber()]);

const configSchema = z.strictObject({
  /** Seeds: each has its own initialisation, minibatches and test set. */
  seeds: z.array(z.number().int()).min(1),
  /** Sequence lengths T (≥ 10: the two windows need a step each). */
  lengths: z.array(z.number().int().min(10, { error: 'an integer >= 10' })).min(1),
  /** Models to train. */
  models: z.array(oneOf(TEMPORAL_ORDER_MODELS)).min(1),
  /**
   * Clipping settings per model, each a run: 'none' (plain SGD, Pascanu's MSGD) or a global-norm
   * threshold (MSGD-C; Pascanu et al. used 1).
   */
  clips: z.strictObject({ 'rnn-tanh': z.array(clipSetting()).min(1), lstm: z.array(clipSetting()).min(1) }),
  /** Hidden units (Pascanu et al.: 50). */
  hidden: positiveInt(),
  /** LSTM forget-gate bias (Gers et al. 2000: 1; the 1997 LSTM had no forget gate). */
  forgetBias: z.number().finite(),
  /** Sequences per minibatch (Pascanu et al.: 20). */
  batchSize: positiveInt(),
  /** SGD updates per run (Pascanu et al.: up to 5M). */
  iterations: positiveInt(),
  /** Evaluate on the test set every this many updates (and after the last). */
  evalEvery: positiveInt(),
  /** Test sequences, fixed per seed and T (Pascanu et al.: 10,000 fresh ones). */
  testSize: positiveInt(),
  /**
   * SGD learning rate per model, no momentum. Pascanu et al. used 0.01 for 5M updates; 0.2 lets the
   * clipped tanh RNN solve T = 20 within ~1500 updates while plain SGD at the same rate blows up
   * (at 0.5 plain SGD fails already at T = 10). The LSTM gets 1 (Hochreiter & Schmidhuber used
   * 0.5 on per-sequence updates; at 1 it solved T = 40 within 3000 updates in seed 1).
   */
  learningRates: z.strictObject({ 'rnn-tanh': positiveNumber(), lstm: positiveNumber() }),
});

/** Configuration of temporal-order. */
export type TemporalOrderConfig = z.output<typeof configSchema>;

/** Columns of temporal-order.csv. */
export const TEMPORAL_ORDER_COLUMNS = [
  'model',
  'clip',
  'T',
  'seed',
  'step',
  'train_loss',
  'test_loss',
  'test_accuracy',
  'grad_norm_preclip',
  'nonfinite',
] as const;

type Cell = { model: TemporalOrderModel; clip: string; T: number };

/** Builds one of the compared models (PyTorch's initialisation, U(±1/√H)). */
export function temporalOrderModel(model: TemporalOrderModel, config: Pick<TemporalOrderConfig, 'hidden' | 'forgetBias'>, rng: Rng): RecurrentNet {
  const base = { inputSize: 6, hiddenSize: config.hidden, outputSize: 4 };
  return model === 'lstm' ? new LSTM({ ...base, forgetBias: config.forgetBias }, rng) : new RNN({ ...base, nonlinearity: 'tanh' }, rng);
}

/** Runs one cell: SGD on temporal order of length T, with the cell's clipping. */
function runCell(cell: Cell & { seed: number }, config: TemporalOrderConfig, rng: Rng, onProgress?: (f: number) => void): Row[] {
  const task = temporalOrder(cell.T);
  const net = temporalOrderModel(cell.model, config, rng.fork('init'));
  const optimizer = new SGD({
    learningRate: config.learningRates[cell.model],
    ...(cell.clip === 'none' ? {} : { clip: { mode: 'global-norm' as const, max: Number(cell.clip) } }),
  });
  let nonfinite = 0;
  const records = runTaskTraining(net, optimizer, task, config, cell.seed, rng, onProgress);
  return records.map((r) => {
    nonfinite += r.nonFiniteUpdates;
    return {
      step: r.iteration,
      train_loss: r.trainLoss,
      test_loss: r.testLoss,
      test_accuracy: r.testAccuracy,
      grad_norm_preclip: r.gradNormPreClip,
      nonfinite,
    };
  });
}

/** The label of a run in plots and tables: `rnn-tanh, clip 1`, `rnn-tanh, no clip`. */
export function runLabel(model: string, clip: string | number | boolean): string {
  return `${model}, ${String(clip) === 'none' ? 'no clip' : `clip ${clip}`}`;
}

/** Training columns whose non-finite value means the run diverged (as recordDivergence watches them). */
const WATCH = ['train_loss', 'test_loss', 'grad_norm_preclip'] as const;

/** Whether a run (one seed's rows of one cell) went non-finite: a non-finite update or a non-finite training value. */
export function temporalOrderDiverged(rows: readonly Row[]): boolean {
  return wentNonFinite(rows, WATCH, 'nonfinite');
}

/**
 * Whether a run succeeded: it did not go non-finite and its last test accuracy is at least
 * {@link TEMPORAL_ORDER_SUCCESS}.
 */
export function temporalOrderSuccess(rows: readonly Row[]): boolean {
  const last = lastRow(rows);
  return last !== undefined && !temporalOrderDiverged(rows) && Number(last['test_accuracy']) >= TEMPORAL_ORDER_SUCCESS;
}

const LR = { 'rnn-tanh': 0.2, lstm: 1 };
const CLIPS = { 'rnn-tanh': ['none' as const, 1], lstm: [1] };
const SHARED = { models: [...TEMPORAL_ORDER_MODELS], clips: CLIPS, hidden: 50, forgetBias: 1, batchSize: 20, learningRates: LR };

/** The temporal-order experiment. */
export const temporalOrderExperiment = defineExperiment<TemporalOrderConfig, Cell>({
  // Called lazily: the finding module imports helpers from this one.
  finding: (rows, config) => temporalOrderFinding(rows, config),
  name: 'temporal-order',
  description:
    'Does gradient-norm clipping raise the success rate of SGD on the temporal order problem, more so as T grows, and does an LSTM solve lengths a tanh RNN does not?',
  configSchema,
  // CPU, wasm, one core (measured under load): quick ≈ 33 s; full ≈ 22 min — its dearest cell, the LSTM at T = 40, ≈ 65 s;
  // the tanh RNN ≈ 0.15 ms and the LSTM ≈ 0.5 ms per time step and update.
  sizes: {
    quick: { ...SHARED, seeds: [1, 2], lengths: [20], iterations: 1200, evalEvery: 200, testSize: 500 },
    full: { ...SHARED, seeds: [1, 2, 3, 4, 5], lengths: [10, 20, 30, 40], iterations: 3000, evalEvery: 150, testSize: 1000 },
  },
  grid: (c) => c.models.flatMap((model) => c.clips[model].flatMap((clip) => c.lengths.map((T): Cell => ({ model, clip: String(clip), T })))),
  columns: TEMPORAL_ORDER_COLUMNS,
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, await runCell(cell, config, ctx.rng, ctx.onProgress), {
      step: 'step',
      watch: WATCH,
      count: 'nonfinite',
      skip: (r) => r['step'] === 0, // train_loss and grad_norm_preclip are NaN by design before the first update
    }),
  summary: { by: ['model', 'clip', 'T', 'step'], values: ['train_loss', 'test_loss', 'test_accuracy', 'grad_norm_preclip', 'nonfinite'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    const { band, note: over } = seedBand(config.seeds);
    const curve = (y: string) =>
      rows.map((r) => ({ step: r['step']!, [y]: r[y]!, run: runLabel(String(r['model']), r['clip']!), T: r['T']! }));
    // One row per run and outcome, 1 or 0: their mean over seeds is the fraction of seeds.
    const rates = groupRuns(rows, ['model', 'clip', 'T', 'seed']).flatMap(({ key, rows: rs }) => {
      const run = runLabel(String(key['model']), key['clip']!);
      return [
        { T: key['T']!, fraction: temporalOrderSuccess(rs) ? 1 : 0, run, outcome: `solved (accuracy ≥ ${TEMPORAL_ORDER_SUCCESS})` },
        { T: key['T']!, fraction: temporalOrderDiverged(rs) ? 1 : 0, run, outcome: 'diverged (non-finite)' },
      ];
    });
    return [
      {
        file: 'success-vs-T.svg',
        spec: lineChart({
          data: rates, x: 'T', y: 'fraction', color: 'run', facetRow: 'outcome',
          title: `Temporal order: fraction of ${seeds} seed${seeds === 1 ? '' : 's'} solved / diverged after ${config.iterations} SGD updates`,
          subtitle: 'a diverged run counts as not solved (Pascanu et al. 2013, Fig. 7)',
          xTitle: 'sequence length T', yTitle: 'fraction of seeds',
        }),
      },
      {
        file: 'accuracy-vs-step.svg',
        spec: lineChart({
          data: curve('test_accuracy'), x: 'step', y: 'test_accuracy', color: 'run', facetColumn: 'T', band,
          title: 'Temporal order: test accuracy during training (chance 0.25)',
          subtitle: `${over}; a run that went non-finite stops at that evaluation`,
          xTitle: 'SGD updates', yTitle: 'test accuracy',
        }),
      },
      {
        file: 'grad-norm-vs-step.svg',
        spec: lineChart({
          data: curve('grad_norm_preclip'), x: 'step', y: 'grad_norm_preclip', color: 'run', facetColumn: 'T', logY: true, band,
          title: 'Largest pre-clip gradient norm between evaluations',
          subtitle: `${over}; non-finite norms are left out (see success-vs-T.svg)`,
          xTitle: 'SGD updates', yTitle: '‖∇L‖ before clipping (log scale)',
        }),
      },
    ];
  },
});
