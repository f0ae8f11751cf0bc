/**
 * tbptt-window — how do the truncation length of BPTT and the length of the dependency to be
 * learned interact: can a recurrent net learn an echo L steps back when it backpropagates only k2
 * steps, and how far is the truncated gradient from the full one?
 *
 * Task: delayed echo y_t = x_{t−L} (K symbols, one-hot; cross-entropy at steps L … T−1). A
 * gradient path from the loss at t to x_{t−L} spans L + 1 steps (x_{t−L} enters h_{t−L}), so it
 * exists only for k2 ≥ L + 1; the grid puts k2 = L + offset on both sides of that line.
 * Training: Williams & Peng's (1990) BPTT(k1, k2), chunked (k1 = k2) or sliding (k1 = 1). Every
 * run sees the same training sequences: `sequences` minibatches, each run through truncated BPTT
 * from start to end, so the sliding scheme makes T − L updates per minibatch and the chunked one
 * about T / k2 (the number of updates is a column). Arms of one seed share their initial weights
 * and training sequences, so they differ only in how the gradient is truncated.
 * Controls: `readout-only` trains only the readout (recurrent and input weights frozen at their
 * initial values: what the untrained state already carries, an echo-state effect); `reset-state`
 * starts every window from the zero state, so the net sees nothing older than k2 steps and the
 * information path is cut together with the gradient path (run at k2 = L and L + 1, and tested
 * as trained: each step predicted from the zero state over its last k2 inputs).
 * Gradient bias, paired: `paired-cosine` trains one net with full BPTT and, at each evaluation,
 * computes every (scheme, k2)'s truncated gradient and the full gradient at those same
 * parameters on the same fixed batch (Tallec & Ollivier 2017).
 *
 * One row per (model, L, scheme, k2, control, seed, evaluation); the paired-cosine arm writes
 * one row per probed (scheme, k2) at each evaluation.
 */
import { Adam, Rng, invalidArgument, nonNegativeNumber, oneOf, positiveInt, positiveNumber, tf } from '@gradlab/core';
import { z, defineExperiment, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { LSTM, RNN, bptt, delayedEcho, gradientAgreement, truncatedBptt, truncatedGradient } from '@gradlab/rnn';
import type { RecurrentNet, SequenceBatch, SequenceTask } from '@gradlab/rnn';
import { tbpttWindowFinding } from './findings/tbptt-window.js';
import { windowedScore } from './windowed-score.js';

/** Models compared. */
export const TBPTT_MODELS = ['rnn-tanh', 'lstm'] as const;
/** Truncation schemes: chunked (k1 = k2 = k) and sliding (k1 = 1, k2 = k). */
export const TBPTT_SCHEMES = ['k1=k2', 'k1=1'] as const;
/** Controls besides plain training (`none`). */
export const TBPTT_CONTROLS = ['readout-only', 'reset-state'] as const;
/** The `control` column: a training arm, a control, or the paired-cosine probe run. */
export type TbpttControl = 'none' | (typeof TBPTT_CONTROLS)[number] | 'paired-cosine';

const configSchema = z.strictObject({
  /** Seeds: initialisation, training sequences and the fixed test / probe sequences. */
  seeds: z.array(z.number().int()).min(1),
  /** Dependency lengths L of the echo. */
  delays: z.array(positiveInt()).min(1),
  /** Truncation lengths as offsets from L: k2 = L + offset (offset 1 is the shortest with a gradient path). */
  windowOffsets: z.array(z.number().int()).min(1),
  /** Truncation schemes. */
  schemes: z.array(oneOf(TBPTT_SCHEMES)).min(1),
  /** Models. */
  models: z.array(oneOf(TBPTT_MODELS)).min(1),
  /** Controls run beside plain training (readout-only at k2 = L + 1; reset-state at k2 = L and L + 1, where the grid has them). */
  controls: z.array(oneOf(TBPTT_CONTROLS)),
  /** Sequence length T (> every k2). */
  steps: positiveInt(),
  /** Symbols K of the echo. */
  symbols: z.number().int().min(2),
  /** Hidden units. */
  hidden: positiveInt(),
  /** Sequences per minibatch. */
  batchSize: positiveInt(),
  /** Training minibatches per run, the same for every arm (each is run through from start to end). */
  sequences: positiveInt(),
  /** Evaluations per run (evenly spaced in minibatches, plus one before training). */
  evaluations: positiveInt(),
  /** Test sequences (accuracy); the first `probeSize` of them are the batch of the gradient comparison. */
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
  'control',
  'seed',
  'step',
  'updates',
  'train_loss',
  'test_loss',
  'accuracy',
  'cos_to_full',
  'rel_err_to_full',
  'grad_norm_preclip',
] as const;

type Scheme = (typeof TBPTT_SCHEMES)[number];
type Cell = { model: (typeof TBPTT_MODELS)[number]; dep_len: number; scheme: Scheme; k2: number; control: TbpttControl };

/** The k2 values of the grid for delay L: L + offset, those in [1, T], ascending and distinct. */
export function windowsFor(L: number, config: Pick<TbpttWindowConfig, 'windowOffsets' | 'steps'>): number[] {
  return [...new Set(config.windowOffsets.map((o) => L + o))].filter((k) => k >= 1 && k <= config.steps).sort((a, b) => a - b);
}

const k1Of = (scheme: Scheme, k2: number) => (scheme === 'k1=1' ? 1 : k2);

function build(model: Cell['model'], config: TbpttWindowConfig, rng: Rng): RecurrentNet {
  const base = { inputSize: config.symbols, hiddenSize: config.hidden, outputSize: config.symbols };
  return model === 'lstm' ? new LSTM(base, rng) : new RNN({ ...base, nonlinearity: 'tanh' }, rng);
}

/**
 * Trains one net on `config.sequences` minibatches with `train`, evaluating at evenly spaced
 * points; `record` writes the rows of one evaluation.
 */
function trainAndRecord(
  net: RecurrentNet,
  task: SequenceTask,
  seed: number,
  config: TbpttWindowConfig,
  train: (batch: SequenceBatch) => { updates: number; loss: number; norm: number },
  record: (step: number, updates: number, trainLoss: number, norm: number) => void,
  onProgress?: (f: number) => void,
): void {
  // The same training sequences for every arm of a seed (paired arms).
  const batches = new Rng(seed).fork(`tbptt-window/batches/${task.steps}`);
  const every = Math.max(1, Math.floor(config.sequences / config.evaluations));
  let updates = 0;
  let lossSum = 0;
  let lossCount = 0;
  let maxNorm = NaN;
  record(0, 0, NaN, NaN);
  for (let s = 1; s <= config.sequences; s++) {
    const batch = task.sample(config.batchSize, batches);
    try {
      const r = train(batch);
      updates += r.updates;
      lossSum += r.loss;
      lossCount++;
      if (!Number.isNaN(r.norm)) maxNorm = Number.isNaN(maxNorm) ? r.norm : Math.max(maxNorm, r.norm);
    } finally {
      batch.dispose();
    }
    if (s % every === 0 || s === config.sequences) {
      record(s, updates, lossSum / lossCount, maxNorm);
      lossSum = 0;
      lossCount = 0;
      maxNorm = NaN;
      onProgress?.(s / config.sequences);
    }
  }
}

/** Runs one cell. */
export function tbpttWindowRows(cell: Cell & { seed: number }, config: TbpttWindowConfig, onProgress?: (f: number) => void): Row[] {
  const T = config.steps;
  const L = cell.dep_len;
  if (T <= L) throw invalidArgument('tbptt-window', 'steps', T, `an integer > the delay ${L}`);
  const task = delayedEcho(L, T, config.symbols);
  // The same initial weights for every arm of a seed.
  const net = build(cell.model, config, new Rng(cell.seed).fork(`tbptt-window/init/${cell.model}`));
  const optimizer = new Adam({
    learningRate: config.learningRates[cell.model],
    ...(config.clip > 0 ? { clip: { mode: 'global-norm' as const, max: config.clip } } : {}),
  });
  const test = task.testSet(config.testSize, cell.seed);
  const probe = { x: tf.slice(test.x, [0, 0, 0], [T, config.probeSize, -1]), y: tf.slice(test.y, [0, 0], [T, config.probeSize]) };
  const rows: Row[] = [];
  const base = { task: 'echo', control: cell.control };
  try {
    if (cell.control === 'paired-cosine') {
      // Full BPTT is BPTT(T, T): one update per minibatch.
      const probed = config.schemes.flatMap((scheme) => windowsFor(L, config).map((k2) => ({ scheme, k2 })));
      trainAndRecord(
        net, task, cell.seed, config,
        (batch) => trainStep(net, optimizer, batch, { ...task.loss, k1: T, k2: T }, false),
        (step, updates, trainLoss, norm) => {
          const score = task.evaluate(net, test);
          const full = bptt(net, probe.x, probe.y, { ...task.loss, measure: false });
          try {
            for (const { scheme, k2 } of probed) {
              const k1 = k1Of(scheme, k2);
              const tr = truncatedGradient(net, probe.x, probe.y, { ...task.loss, k1, k2 });
              const agree = gradientAgreement(tr.grads, full.grads);
              tr.dispose();
              rows.push({
                ...base, scheme, k1, k2, step, updates, train_loss: trainLoss, test_loss: score.loss, accuracy: score.accuracy,
                cos_to_full: agree.cosine, rel_err_to_full: agree.relativeError, grad_norm_preclip: norm,
              });
            }
          } finally {
            full.dispose();
          }
        },
        onProgress,
      );
    } else {
      const k1 = k1Of(cell.scheme, cell.k2);
      const options = { ...task.loss, k1, k2: cell.k2, resetState: cell.control === 'reset-state' };
      trainAndRecord(
        net, task, cell.seed, config,
        (batch) => trainStep(net, optimizer, batch, options, cell.control === 'readout-only'),
        (step, updates, trainLoss, norm) => {
          const score = cell.control === 'reset-state' ? windowedScore(net, test, task.loss.steps!, cell.k2) : task.evaluate(net, test);
          rows.push({
            ...base, scheme: cell.scheme, k1, k2: cell.k2, step, updates, train_loss: trainLoss, test_loss: score.loss, accuracy: score.accuracy,
            cos_to_full: NaN, rel_err_to_full: NaN, grad_norm_preclip: norm,
          });
        },
        onProgress,
      );
    }
    return rows;
  } finally {
    tf.dispose([probe.x, probe.y]);
    test.dispose();
    optimizer.dispose();
    net.dispose();
  }
}

const READOUT = ['head.weight', 'head.bias'];

/** Runs one minibatch through truncated BPTT, stepping `optimizer` after every chunk. */
function trainStep(
  net: RecurrentNet,
  optimizer: Adam,
  batch: SequenceBatch,
  options: Parameters<typeof truncatedBptt>[3],
  readoutOnly: boolean,
): { updates: number; loss: number; norm: number } {
  let norm = NaN;
  let lossSum = 0;
  const params = readoutOnly ? Object.fromEntries(READOUT.map((n) => [n, net.params[n]!])) : net.params;
  const r = truncatedBptt(net, batch.x, batch.y, options, (u) => {
    const grads = readoutOnly ? Object.fromEntries(READOUT.map((n) => [n, u.grads[n]!])) : u.grads;
    const report = optimizer.step(params, grads);
    norm = Number.isNaN(norm) ? report.gradNormPreClip : Math.max(norm, report.gradNormPreClip);
    lossSum += u.loss;
  });
  tf.dispose([r.state.h, ...(r.state.c ? [r.state.c] : [])]);
  return { updates: r.updates, loss: r.updates === 0 ? NaN : lossSum / r.updates, norm };
}

/** The cells of a config: training arms, controls and one paired-cosine run per (model, L). */
export function tbpttWindowGrid(c: TbpttWindowConfig): Cell[] {
  return c.models.flatMap((model) =>
    c.delays.flatMap((dep_len) => {
      const ks = windowsFor(dep_len, c);
      const arms = c.schemes.flatMap((scheme) => [
        ...ks.map((k2) => ({ model, dep_len, scheme, k2, control: 'none' as const })),
        ...(c.controls.includes('readout-only') && dep_len + 1 <= c.steps ? [{ model, dep_len, scheme, k2: dep_len + 1, control: 'readout-only' as const }] : []),
        ...(c.controls.includes('reset-state')
          ? ks.filter((k2) => k2 === dep_len || k2 === dep_len + 1).map((k2) => ({ model, dep_len, scheme, k2, control: 'reset-state' as const }))
          : []),
      ]);
      return [...arms, { model, dep_len, scheme: 'k1=k2' as const, k2: c.steps, control: 'paired-cosine' as const }];
    }),
  );
}

const LR = { 'rnn-tanh': 3e-3, lstm: 1e-2 };

/** The tbptt-window experiment. */
export const tbpttWindow = defineExperiment<TbpttWindowConfig, Cell>({
  finding: tbpttWindowFinding,
  name: 'tbptt-window',
  description:
    'How do the truncation length k2 of BPTT(k1, k2) and the dependency length L of a delayed echo interact (with readout-only and state-reset controls), and how far is the truncated gradient from the full one at shared parameters?',
  configSchema,
  sizes: {
    quick: {
      seeds: [1, 2, 3], delays: [3], windowOffsets: [0, 1], schemes: ['k1=1'], models: ['rnn-tanh'], controls: [...TBPTT_CONTROLS],
      steps: 10, symbols: 4, hidden: 16, batchSize: 16, sequences: 40, evaluations: 1, testSize: 64, probeSize: 16, learningRates: LR, clip: 1,
    },
    full: {
      // rnn-tanh at L = 5 only (the reviewer's setting), sized to run in ~20 min on one core; the
      // config takes more models and delays (lstm, L = 10: T must exceed L + 5).
      seeds: [1, 2, 3, 4, 5], delays: [5], windowOffsets: [-3, 0, 1, 5], schemes: [...TBPTT_SCHEMES], models: ['rnn-tanh'],
      controls: [...TBPTT_CONTROLS], steps: 20, symbols: 4, hidden: 32, batchSize: 32, sequences: 100, evaluations: 4, testSize: 256, probeSize: 32,
      learningRates: LR, clip: 1,
    },
  },
  grid: tbpttWindowGrid,
  columns: TBPTT_WINDOW_COLUMNS,
  summary: {
    by: ['task', 'model', 'dep_len', 'scheme', 'k1', 'k2', 'control', 'step'],
    values: ['updates', 'train_loss', 'test_loss', 'accuracy', 'cos_to_full', 'rel_err_to_full', 'grad_norm_preclip'],
  },
  // train_loss and grad_norm_preclip are NaN by design at step 0 (nothing trained yet); the
  // cosine is NaN by design outside the paired-cosine run.
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, tbpttWindowRows(cell, config, ctx.onProgress), {
      step: 'step', watch: ['test_loss', 'accuracy', 'train_loss', 'grad_norm_preclip'], skip: (r) => r['step'] === 0,
    }),
  plots: (rows, config) => {
    const last = config.sequences;
    const final = rows.filter((r) => r['step'] === last);
    const seeds = config.seeds.length;
    const band = seeds > 1 ? { band: 'stdev' as const, subtitle: `mean of ${seeds} seeds, band ± 1 std` } : {};
    const offset = (r: Row) => (r['k2'] as number) - (r['dep_len'] as number);
    const trained = final
      .filter((r) => r['control'] === 'none' || r['control'] === 'reset-state')
      .map((r) => ({ offset: offset(r), accuracy: r['accuracy']!, L: r['dep_len']!, arm: `${String(r['scheme'])}${r['control'] === 'reset-state' ? ', reset' : ''}`, model: String(r['model']) }));
    const cosine = final
      .filter((r) => r['control'] === 'paired-cosine')
      .map((r) => ({ offset: offset(r), cos_to_full: r['cos_to_full']!, L: r['dep_len']!, scheme: String(r['scheme']), model: String(r['model']) }));
    return [
      {
        file: 'accuracy-vs-k.svg',
        spec: lineChart({
          data: trained, x: 'offset', y: 'accuracy', color: 'arm', facetColumn: 'L', facetRow: 'model', ...band,
          title: `Delayed echo: test accuracy after ${last} minibatches (chance 1/${config.symbols})`, xTitle: 'k2 − L (a gradient path needs ≥ 1)', yTitle: 'accuracy',
        }),
      },
      {
        file: 'cosine-vs-k.svg',
        spec: lineChart({
          data: cosine, x: 'offset', y: 'cos_to_full', color: 'scheme', facetColumn: 'L', facetRow: 'model', ...band,
          title: 'Cosine of truncated to full-BPTT gradient at shared parameters (end of a full-BPTT run)', xTitle: 'k2 − L', yTitle: 'cosine to full gradient',
        }),
      },
    ];
  },
});
