/**
 * tbptt-window — how do the truncation length of BPTT and the length of the dependency to be
 * learned interact: can a recurrent net learn an echo L steps back when it backpropagates only k
 * steps, and how far is the truncated gradient from the full one?
 *
 * Task: delayed echo y_t = x_{t−L} (K = 4 symbols, one-hot; cross-entropy at steps L … T−1),
 * L ∈ {5, 10, 20}. Training: truncated BPTT in Williams & Peng's (1990) BPTT(k1, k2) form with
 * k ∈ {2, 5, 10, 20, 40}, either chunked (k1 = k2 = k: an update every k steps, each
 * backpropagating its chunk) or sliding (k1 = 1, k2 = k: an update every step, each
 * backpropagating the last k steps). Every run gets the same number of updates, and every update
 * backpropagates k steps, so the compute per run is the same for both schemes (the sliding one
 * sees k times fewer new steps). Adam with global-norm clipping; tanh RNN and LSTM.
 * Gradient bias: at each evaluation, on a fixed batch, the cosine and relative error between the
 * summed truncated gradient and the full-BPTT gradient at the same parameters (Tallec &
 * Ollivier 2017). Expected: no learning when k ≤ L for the sliding scheme (no gradient path from
 * y_t back to x_{t−L}), and a cosine that drops as k shrinks.
 *
 * One row per (model, L, scheme, k, seed, evaluation).
 */
import { Adam, Rng, invalidArgument, nonNegativeNumber, oneOf, positiveInt, positiveNumber, tf } from '@gradlab/core';
import { z, defineExperiment, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { LSTM, RNN, bptt, delayedEcho, gradientAgreement, truncatedBptt, truncatedGradient } from '@gradlab/rnn';
import type { RecurrentNet } from '@gradlab/rnn';
import { tbpttWindowFinding } from './findings/tbptt-window.js';

/** Models compared. */
export const TBPTT_MODELS = ['rnn-tanh', 'lstm'] as const;
/** Truncation schemes: chunked (k1 = k2 = k) and sliding (k1 = 1, k2 = k). */
export const TBPTT_SCHEMES = ['k1=k2', 'k1=1'] as const;

const configSchema = z.strictObject({
  /** Seeds: initialisation, minibatches and the fixed test / probe sequences. */
  seeds: z.array(z.number().int()).min(1),
  /** Dependency lengths L of the echo. */
  delays: z.array(positiveInt()).min(1),
  /** Truncation lengths k (each should divide steps so that chunks are equal). */
  windows: z.array(positiveInt()).min(1),
  /** Truncation schemes. */
  schemes: z.array(oneOf(TBPTT_SCHEMES)).min(1),
  /** Models. */
  models: z.array(oneOf(TBPTT_MODELS)).min(1),
  /** Sequence length T (> every delay). */
  steps: positiveInt(),
  /** Symbols K of the echo. */
  symbols: z.number().int().min(2),
  /** Hidden units. */
  hidden: positiveInt(),
  /** Sequences per minibatch. */
  batchSize: positiveInt(),
  /** Parameter updates per run (each backpropagates k steps). */
  updates: positiveInt(),
  /** Evaluations per run (evenly spaced, plus one before training). */
  evaluations: positiveInt(),
  /** Test sequences (accuracy); the first `probeSize` of them also give the gradient comparison. */
  testSize: positiveInt(),
  /** Sequences of the fixed batch on which truncated and full gradients are compared. */
  probeSize: positiveInt(),
  /** Adam learning rate per model. */
  learningRates: z.strictObject({ 'rnn-tanh': positiveNumber(), lstm: positiveNumber() }),
  /** Global-norm clipping threshold (0 = none). */
  clip: nonNegativeNumber(),
});

/** Configuration of tbptt-window. */
export type TbpttWindowConfig = z.output<typeof configSchema>;

/** Columns of tbptt-window.csv. */
export const TBPTT_WINDOW_COLUMNS = [
  'task',
  'model',
  'dep_len',
  'scheme',
  'k1',
  'k2',
  'seed',
  'step',
  'train_loss',
  'test_loss',
  'accuracy',
  'cos_to_full',
  'rel_err_to_full',
  'grad_norm_preclip',
] as const;

type Cell = { model: (typeof TBPTT_MODELS)[number]; dep_len: number; scheme: (typeof TBPTT_SCHEMES)[number]; k2: number };

function build(model: Cell['model'], config: TbpttWindowConfig, rng: Rng): RecurrentNet {
  const base = { inputSize: config.symbols, hiddenSize: config.hidden, outputSize: config.symbols };
  return model === 'lstm' ? new LSTM(base, rng) : new RNN({ ...base, nonlinearity: 'tanh' }, rng);
}

/** Runs one cell. */
export function tbpttWindowRows(cell: Cell & { seed: number }, config: TbpttWindowConfig, rng: Rng, onProgress?: (f: number) => void): Row[] {
  const T = config.steps;
  const L = cell.dep_len;
  if (T <= L) throw invalidArgument('tbptt-window', 'steps', T, `an integer > the delay ${L}`);
  const k2 = cell.k2;
  const k1 = cell.scheme === 'k1=1' ? 1 : k2;
  const task = delayedEcho(L, T, config.symbols);
  // Updates per sequence: chunks that hold at least one loss step (t ≥ L).
  let perSequence = 0;
  for (let a = 0; a < T; a += k1) if (Math.min(a + k1, T) > L) perSequence++;
  const net = build(cell.model, config, rng.fork('init'));
  const optimizer = new Adam({
    learningRate: config.learningRates[cell.model],
    ...(config.clip > 0 ? { clip: { mode: 'global-norm' as const, max: config.clip } } : {}),
  });
  const test = task.testSet(config.testSize, cell.seed);
  const probe = { x: tf.slice(test.x, [0, 0, 0], [T, config.probeSize, -1]), y: tf.slice(test.y, [0, 0], [T, config.probeSize]) };
  const truncation = { ...task.loss, k1, k2 };
  const batches = rng.fork('batches');
  const rows: Row[] = [];
  const every = Math.max(1, Math.floor(config.updates / config.evaluations));
  let updates = 0;
  let lossSum = 0;
  let lossCount = 0;
  let maxNorm = NaN;
  const record = () => {
    const score = task.evaluate(net, test);
    const full = bptt(net, probe.x, probe.y, { ...task.loss, measure: false });
    const tr = truncatedGradient(net, probe.x, probe.y, truncation);
    const agree = gradientAgreement(tr.grads, full.grads);
    full.dispose();
    tr.dispose();
    rows.push({
      task: 'echo',
      k1,
      step: updates,
      train_loss: lossCount === 0 ? NaN : lossSum / lossCount,
      test_loss: score.loss,
      accuracy: score.accuracy,
      cos_to_full: agree.cosine,
      rel_err_to_full: agree.relativeError,
      grad_norm_preclip: maxNorm,
    });
    lossSum = 0;
    lossCount = 0;
    maxNorm = NaN;
    onProgress?.(updates / config.updates);
  };
  try {
    record();
    while (updates < config.updates) {
      const batch = task.sample(config.batchSize, batches);
      try {
        const r = truncatedBptt(net, batch.x, batch.y, truncation, (u) => {
          if (updates >= config.updates) return;
          const report = optimizer.step(net.params, u.grads);
          maxNorm = Number.isNaN(maxNorm) ? report.gradNormPreClip : Math.max(maxNorm, report.gradNormPreClip);
          lossSum += u.loss;
          lossCount++;
          updates++;
          if (updates % every === 0 || updates === config.updates) record();
        });
        tf.dispose([r.state.h, ...(r.state.c ? [r.state.c] : [])]);
      } finally {
        batch.dispose();
      }
      if (perSequence === 0) break;
    }
    return rows;
  } finally {
    tf.dispose([probe.x, probe.y]);
    test.dispose();
    optimizer.dispose();
    net.dispose();
  }
}

const LR = { 'rnn-tanh': 3e-3, lstm: 1e-2 };

/** The tbptt-window experiment. */
export const tbpttWindow = defineExperiment<TbpttWindowConfig, Cell>({
  finding: tbpttWindowFinding,
  name: 'tbptt-window',
  description:
    'How do the truncation length k of BPTT(k1, k2) and the dependency length L of a delayed echo interact: accuracy, and the truncated gradient’s cosine to the full-BPTT gradient?',
  configSchema,
  sizes: {
    quick: {
      seeds: [1], delays: [5], windows: [2, 10], schemes: [...TBPTT_SCHEMES], models: [...TBPTT_MODELS], steps: 20, symbols: 4,
      hidden: 16, batchSize: 16, updates: 150, evaluations: 3, testSize: 64, probeSize: 16, learningRates: LR, clip: 1,
    },
    full: {
      seeds: [1, 2], delays: [5, 10, 20], windows: [2, 5, 10, 20, 40], schemes: [...TBPTT_SCHEMES], models: [...TBPTT_MODELS], steps: 40, symbols: 4,
      hidden: 32, batchSize: 32, updates: 600, evaluations: 6, testSize: 256, probeSize: 32, learningRates: LR, clip: 1,
    },
  },
  grid: (c) =>
    c.models.flatMap((model) => c.delays.flatMap((dep_len) => c.schemes.flatMap((scheme) => c.windows.map((k2) => ({ model, dep_len, scheme, k2 }))))),
  columns: TBPTT_WINDOW_COLUMNS,
  summary: {
    by: ['task', 'model', 'dep_len', 'scheme', 'k1', 'k2', 'step'],
    values: ['train_loss', 'test_loss', 'accuracy', 'cos_to_full', 'rel_err_to_full', 'grad_norm_preclip'],
  },
  // train_loss and grad_norm_preclip are NaN by design at step 0 (nothing trained yet).
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, await tbpttWindowRows(cell, config, ctx.rng, ctx.onProgress), { step: 'step', watch: ['test_loss', 'accuracy', 'train_loss', 'grad_norm_preclip'], skip: (r) => r['step'] === 0 }),
  plots: (rows, config) => {
    const last = config.updates;
    const final = rows.filter((r) => r['step'] === last);
    const data = (y: string) =>
      final.map((r) => ({ k: r['k2']!, [y]: r[y]!, L: r['dep_len']!, scheme: String(r['scheme']), model: String(r['model']) }));
    const seeds = config.seeds.length;
    const chart = (y: string, title: string, yTitle: string) =>
      lineChart({
        data: data(y), x: 'k', y, color: 'scheme', facetColumn: 'L', facetRow: 'model', logX: true,
        band: seeds > 1 ? 'stdev' : 'none', ...(seeds > 1 ? { subtitle: `mean of ${seeds} seeds, band ± 1 std` } : {}),
        title, xTitle: 'truncation k (k2)', yTitle,
      });
    return [
      { file: 'accuracy-vs-k.svg', spec: chart('accuracy', `Delayed echo: test accuracy after ${last} updates (chance 1/${config.symbols})`, 'accuracy') },
      { file: 'cosine-vs-k.svg', spec: chart('cos_to_full', 'Cosine between truncated and full-BPTT gradients (end of training)', 'cosine to full gradient') },
    ];
  },
});
