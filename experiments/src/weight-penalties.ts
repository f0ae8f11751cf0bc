/**
 * weight-penalties — do L2 and L1 weight penalties limit exploding gradients?
 *
 * The tutorials the project starts from list weight regularisation among the remedies for
 * exploding gradients ("check the size of the weights and penalise large ones"; Pascanu, Mikolov
 * & Bengio 2013, sect. 3.2, argue that an L1/L2 penalty on the recurrent weights keeps the
 * spectral radius below 1, at the cost of the model's memory). Two nets that explode at their
 * initial weights are trained by plain SGD with no penalty, with coupled L2 weight decay
 * (PyTorch's `weight_decay`, the optimisers' `weightDecay`) and with an L1 subgradient penalty
 * (the optimisers' `l1`), each at a small sweep of strengths λ:
 *
 * - `mlp`: a deep ReLU MLP (He init times a gain > 1, so activations and gradients grow by about
 *   the gain per layer) on a Fashion-MNIST subset (synthetic 28×28 images, with a notice, when
 *   the data set is not given with `--data`);
 * - `rnn`: a tanh RNN with W_hh = ρ·Q (Q orthogonal, ρ > 1) on the adding problem, as in
 *   exploding-clipping.
 *
 * Every `watchEvery` steps `watch` (core) records per-parameter and per-layer gradient norms,
 * weight norms, update-to-weight ratios, activation statistics and histograms of log10 |g|
 * (rows of kind 'param', 'layer', 'activation'); an 'eval' row beside them gives the training
 * loss, the test error (MLP: misclassification rate; RNN: test MSE), the largest global gradient
 * norm since the previous record and the total weight norm. A run stops at the first record
 * where a gradient or the loss is non-finite (it is then broken, see the finding).
 */
import { MLP, Rng, SGD, activation, oneOf, positiveInt, positiveNumber, tf, watch, watchColumns, type StepReport, type Watcher } from '@gradlab/core';
import { z, defineExperiment, lineChart, recordDivergence, type ExperimentContext, type Row } from '@gradlab/lab';
import { RNN, addingProblem, bptt } from '@gradlab/rnn';
import { cachedImageData } from './cached-image-data.js';
import { weightPenaltiesFinding } from './findings/weight-penalties.js';

/** Histogram bins of the watch rows (fixed: they are CSV columns). */
export const WATCH_BINS = 24;
/** The histograms bin log10 |g| over this range: 1e−8 … 1e4. */
export const GRAD_LOG_RANGE: [number, number] = [-8, 4];

/** The penalties compared. */
export const PENALTIES = ['none', 'l2', 'l1'] as const;
/** A penalty. */
export type Penalty = (typeof PENALTIES)[number];

/** Columns of weight-penalties.csv: the cell, the watch columns, the eval columns ('' where they do not apply). */
export const WEIGHT_PENALTIES_COLUMNS = ['part', 'penalty', 'lambda', 'seed', ...watchColumns(WATCH_BINS), 'loss', 'test_error', 'grad_norm_max'] as const;

const configSchema = z.strictObject({
  /** Seeds: initial weights, minibatches, data. Runs of one seed share them across penalties. */
  seeds: z.array(z.number().int()).min(1),
  /** Which nets to train. */
  parts: z.array(oneOf(['mlp', 'rnn'] as const)).min(1),
  /** L2 strengths λ₂ (weightDecay) swept. */
  l2: z.array(positiveNumber()),
  /** L1 strengths λ₁ swept. */
  l1: z.array(positiveNumber()),
  /** MLP: hidden layers, width, gain on He-normal weights (> 1 explodes), data sizes, batch, SGD steps and rate. */
  mlpDepth: positiveInt(),
  mlpWidth: positiveInt(),
  mlpGain: positiveNumber(),
  trainSize: positiveInt(),
  testSize: positiveInt(),
  mlpBatch: positiveInt(),
  mlpSteps: positiveInt(),
  mlpLearningRate: positiveNumber(),
  /** RNN: recurrent scale ρ, adding-problem length, hidden units, batch, SGD steps and rate. */
  rho: positiveNumber(),
  addingSteps: positiveInt(),
  hidden: positiveInt(),
  rnnBatch: positiveInt(),
  rnnSteps: positiveInt(),
  rnnLearningRate: positiveNumber(),
  /** Record (watch + eval) every this many steps. */
  watchEvery: positiveInt(),
});

/** Configuration of weight-penalties. */
export type WeightPenaltiesConfig = z.output<typeof configSchema>;

type Cell = { part: 'mlp' | 'rnn'; penalty: Penalty; lambda: number };

const BLANK: Row = Object.fromEntries(WEIGHT_PENALTIES_COLUMNS.slice(4).map((c) => [c, '']));

/** The optimiser of a cell: plain SGD plus the penalty. */
function optimizerFor(cell: Cell, learningRate: number): SGD {
  if (cell.penalty === 'l2') return new SGD({ learningRate, weightDecay: cell.lambda });
  if (cell.penalty === 'l1') return new SGD({ learningRate, l1: cell.lambda });
  return new SGD({ learningRate });
}

/** The loop both parts share: record, step, stop at the first non-finite gradient or loss. */
interface Trainer {
  steps: number;
  watcher: Watcher;
  /** One step: computes gradients and calls `observe` (which runs the update); returns the loss and report. */
  step(step: number, record: boolean): { loss: number; report: StepReport };
  /** Test error of the current weights. */
  testError(): number;
  /** ‖θ‖ over all parameters. */
  weightNorm(): number;
}

function train(t: Trainer, every: number): Row[] {
  const rows: Row[] = [];
  let maxNorm = Number.NaN;
  let lastLoss = Number.NaN;
  const evalRow = (step: number) => rows.push({ ...BLANK, step, kind: 'eval', loss: lastLoss, test_error: t.testError(), grad_norm_max: maxNorm, weight_norm: t.weightNorm() });
  for (let step = 0; step < t.steps; step++) {
    const record = step % every === 0;
    if (record) {
      evalRow(step);
      maxNorm = Number.NaN;
    }
    const { loss, report } = t.step(step, record);
    for (const r of t.watcher.drain()) rows.push({ ...BLANK, ...r });
    lastLoss = loss;
    maxNorm = Number.isNaN(maxNorm) ? report.gradNormPreClip : Math.max(maxNorm, report.gradNormPreClip);
    if (!Number.isFinite(report.gradNormPreClip) || !Number.isFinite(loss)) {
      evalRow(step + 1);
      return rows;
    }
  }
  evalRow(t.steps);
  return rows;
}

const sumNorm = (params: Record<string, tf.Tensor>) => {
  // Σθ² in float32 may overflow on a diverging run; the per-tensor max-scaled norms do not.
  const s = tf.tidy(() => tf.stack(Object.values(params).map((p) => tf.max(tf.abs(p)))));
  const scale = Math.max(...s.dataSync());
  s.dispose();
  if (!(scale > 0) || !Number.isFinite(scale)) return scale;
  const t = tf.tidy(() => tf.addN(Object.values(params).map((p) => tf.sum(tf.square(tf.div(p, scale))))));
  const v = scale * Math.sqrt(t.dataSync()[0]!);
  t.dispose();
  return v;
};

async function mlpRows(cell: Cell & { seed: number }, config: WeightPenaltiesConfig, ctx: ExperimentContext): Promise<Row[]> {
  const data = await cachedImageData('weight-penalties', ctx.dataDir, config.trainSize, config.testSize, cell.seed);
  if (data.notice !== undefined) ctx.notice(data.notice);
  // The stream depends on the seed only: every penalty starts from the same weights and batches.
  const rng = new Rng(cell.seed).fork('weight-penalties/mlp');
  const features = data.train.shape[1];
  const sizes = [features, ...new Array<number>(config.mlpDepth).fill(config.mlpWidth), data.train.numClasses];
  const net = new MLP({ layerSizes: sizes, activation: 'relu', init: 'he-normal' }, rng.fork('init'));
  net.setParams(tf.tidy(() => Object.fromEntries(Object.entries(net.params).filter(([n]) => n.endsWith('.weight')).map(([n, p]) => [n, tf.mul(p, config.mlpGain)]))));
  const xTrain = tf.tensor2d(data.train.x, data.train.shape);
  const yTrain = tf.tensor1d(data.train.y, 'int32');
  const xTest = tf.tensor2d(data.test.x, data.test.shape);
  const yTest = Array.from(data.test.y);
  const optimizer = optimizerFor(cell, config.mlpLearningRate);
  const watcher = watch({ every: 1, bins: WATCH_BINS, gradScale: 'log10-abs', gradRange: GRAD_LOG_RANGE, activationRange: [0, 4] });
  const relu = activation('relu');
  const batches = rng.fork('batches');
  const n = data.train.shape[0];
  let order: number[] = [];
  try {
    return train(
      {
        steps: config.mlpSteps,
        watcher,
        step: (step, record) => {
          if (order.length < config.mlpBatch) order = Array.from(batches.permutation(n));
          const idx = tf.tensor1d(order.splice(0, config.mlpBatch), 'int32');
          const xb = tf.gather(xTrain, idx);
          const yb = tf.gather(yTrain, idx);
          const g = net.gradients(xb, yb, 'softmax-cross-entropy');
          try {
            const update = () => optimizer.step(net.params, g.grads);
            if (!record) return { loss: g.loss, report: update() };
            // The first and last hidden layers: where a gradient exploding backwards starts and ends.
            const last = g.post.length - 1;
            const acts = {
              a1: { value: g.post[0]!, derivative: () => relu.derivative(g.pre[0]!) },
              [`a${last + 1}`]: { value: g.post[last]!, derivative: () => relu.derivative(g.pre[last]!) },
            };
            const weights = Object.fromEntries(Object.entries(net.params).filter(([k]) => k.endsWith('.weight')));
            const gw = Object.fromEntries(Object.keys(weights).map((k) => [k, g.grads[k]!]));
            const report = watcher.observe(step, { params: weights, grads: gw, activations: acts }, update)!;
            return { loss: g.loss, report };
          } finally {
            g.dispose();
            tf.dispose([idx, xb, yb]);
          }
        },
        testError: () => {
          const pred = tf.tidy(() => tf.argMax(net.forward(xTest), 1));
          const p = pred.dataSync();
          pred.dispose();
          let wrong = 0;
          yTest.forEach((y, i) => (wrong += p[i] === y ? 0 : 1));
          return wrong / yTest.length;
        },
        weightNorm: () => sumNorm(net.params),
      },
      config.watchEvery,
    ).filter((r) => r['kind'] !== 'layer'); // only weights are watched: a layer row repeats its weight's param row
  } finally {
    tf.dispose([xTrain, yTrain, xTest]);
    optimizer.dispose();
    net.dispose();
  }
}

function rnnRows(cell: Cell & { seed: number }, config: WeightPenaltiesConfig): Row[] {
  const rng = new Rng(cell.seed).fork(`weight-penalties/rnn/${config.rho}`);
  const task = addingProblem(config.addingSteps);
  const net = new RNN(
    { inputSize: 2, hiddenSize: config.hidden, outputSize: 1, nonlinearity: 'tanh', recurrentInit: 'orthogonal', recurrentGain: config.rho, biasInit: 'zeros' },
    rng.fork('init'),
  );
  const optimizer = optimizerFor(cell, config.rnnLearningRate);
  const watcher = watch({ every: 1, bins: WATCH_BINS, gradScale: 'log10-abs', gradRange: GRAD_LOG_RANGE, activationRange: [-1, 1] });
  const test = task.testSet(256, cell.seed);
  const batches = rng.fork('batches');
  try {
    return train(
      {
        steps: config.rnnSteps,
        watcher,
        step: (step, record) => {
          const batch = task.sample(config.rnnBatch, batches);
          const g = bptt(net, batch.x, batch.y, { ...task.loss, measure: false });
          try {
            const update = () => optimizer.step(net.params, g.grads);
            if (!record) return { loss: g.loss, report: update() };
            // The hidden states h_t of the weights the gradient was taken at, one row per step t.
            const out = net.forward(batch.x, undefined, { training: false });
            try {
              const h = { value: out.hidden, derivative: (v: tf.Tensor) => tf.sub(1, tf.square(v)), perStep: true };
              return { loss: g.loss, report: watcher.observe(step, { params: net.params, grads: g.grads, activations: { h } }, update)! };
            } finally {
              tf.dispose([out.output, out.hidden, out.state.h]);
            }
          } finally {
            g.dispose();
            batch.dispose();
          }
        },
        testError: () => task.evaluate(net, test).loss,
        weightNorm: () => sumNorm(net.params),
      },
      config.watchEvery,
    ).filter((r) => r['kind'] !== 'layer'); // RNN parameter names have no layer prefix: a layer row repeats its param row
  } finally {
    test.dispose();
    optimizer.dispose();
    net.dispose();
  }
}




const SHARED = {
  parts: ['mlp' as const, 'rnn' as const],
  mlpGain: 1.5,
  // Small enough that most unpenalised runs stay finite (at 0.01 and 0.1 every run, penalised or
  // not, diverged in the first steps, before a penalty can act): the comparison needs live runs.
  mlpLearningRate: 0.002,
  rho: 3,
  rnnLearningRate: 0.03,
};

/** The weight-penalties experiment. */
export const weightPenalties = defineExperiment<WeightPenaltiesConfig, Cell>({
  finding: weightPenaltiesFinding,
  name: 'weight-penalties',
  description:
    'Do L2 and L1 weight penalties limit exploding gradients: gradient and weight norms, histograms and test error over training of a deep ReLU MLP with large initial weights and a tanh RNN with ρ > 1, by penalty strength?',
  configSchema,
  sizes: {
    // Quick: one strength per penalty, the middle of the full sweep (λ·lr·steps ≈ 0.3–4: strong
    // enough to shrink the weights by a visible factor), a 10-layer net on 512 images and short
    // sequences; three seeds.
    quick: {
      ...SHARED,
      seeds: [1, 2, 3],
      l2: [1],
      l1: [0.1],
      mlpDepth: 10,
      mlpWidth: 32,
      trainSize: 512,
      testSize: 256,
      mlpBatch: 32,
      mlpSteps: 150,
      addingSteps: 10,
      hidden: 16,
      rnnBatch: 16,
      rnnSteps: 150,
      watchEvery: 25,
    },
    full: {
      ...SHARED,
      seeds: [1, 2, 3, 4, 5],
      // The sweep: λ·lr·steps from ~0.1 (weights shrink by a few %) to ~10 (by orders of magnitude).
      l2: [0.1, 1, 3],
      l1: [0.01, 0.1, 1],
      mlpDepth: 12,
      mlpWidth: 48,
      trainSize: 2000,
      testSize: 1000,
      mlpBatch: 50,
      mlpSteps: 300,
      addingSteps: 20,
      hidden: 32,
      rnnBatch: 32,
      rnnSteps: 300,
      watchEvery: 30,
    },
  },
  grid: (c) =>
    c.parts.flatMap((part) => [
      { part, penalty: 'none' as const, lambda: 0 },
      ...c.l2.map((lambda) => ({ part, penalty: 'l2' as const, lambda })),
      ...c.l1.map((lambda) => ({ part, penalty: 'l1' as const, lambda })),
    ]),
  columns: WEIGHT_PENALTIES_COLUMNS,
  summary: { by: ['part', 'penalty', 'lambda', 'step', 'kind', 'name', 'index'], values: ['grad_norm', 'weight_norm', 'update_ratio', 'act_mean', 'act_std', 'act_saturation', 'loss', 'test_error', 'grad_norm_max'] },
  run: async (cell, config, ctx) => {
    const rows = cell.part === 'mlp' ? await mlpRows(cell, config, ctx) : rnnRows(cell, config);
    return recordDivergence(ctx, rows, { step: 'step', watch: ['loss', 'test_error', 'grad_norm_max'], skip: (r) => r['kind'] !== 'eval' || r['step'] === 0 });
  },
  plots: (rows, config) => {
    const label = (r: Row) => (r['penalty'] === 'none' ? 'none' : `${String(r['penalty'])} λ=${String(r['lambda'])}`);
    const evals = rows.filter((r) => r['kind'] === 'eval').map((r): Row => ({ ...r, setting: label(r) }));
    const norms = (part: string, y: string, title: string, yTitle: string, logY: boolean) => ({
      file: `weight-penalties-${part}-${y.replace(/_/g, '-')}.svg`,
      spec: lineChart({ data: evals.filter((r) => r['part'] === part), x: 'step', y, color: 'setting', logY, band: 'minmax', title, xTitle: 'SGD step', yTitle }),
    });
    // The gradient distribution of the first and last weight matrix over training (mean count over seeds).
    const histogramPlot = (part: 'mlp' | 'rnn') => {
      const names = part === 'mlp' ? ['layer0.weight', `layer${config.mlpDepth}.weight`] : ['weight_ih_l0', 'weight_hh_l0'];
      const width = (GRAD_LOG_RANGE[1] - GRAD_LOG_RANGE[0]) / WATCH_BINS;
      const acc = new Map<string, { setting: string; name: string; step: number; bin: number; sum: number; n: number }>();
      for (const r of rows) {
        if (r['part'] !== part || r['kind'] !== 'param' || !names.includes(r['name'] as string) || r['hist_0'] === '') continue;
        for (let k = 0; k < WATCH_BINS; k++) {
          const key = `${label(r)}|${String(r['name'])}|${String(r['step'])}|${k}`;
          const e = acc.get(key) ?? { setting: label(r), name: r['name'] as string, step: r['step'] as number, bin: GRAD_LOG_RANGE[0] + k * width, sum: 0, n: 0 };
          e.sum += r[`hist_${k}`] as number;
          e.n += 1;
          acc.set(key, e);
        }
      }
      const data = [...acc.values()].map((e) => ({ setting: e.setting, tensor: e.name, step: e.step, log10_abs_grad: e.bin, bin_end: e.bin + width, count: e.sum / e.n }));
      return {
        file: `weight-penalties-${part}-grad-histograms.svg`,
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
          title: { text: `${part === 'mlp' ? 'Deep MLP' : 'RNN'}: distribution of log10 |∂L/∂W| over training`, subtitle: 'watch histograms, mean count over seeds; rows: weight matrix, columns: penalty' },
          data: { values: data },
          facet: { row: { field: 'tensor', type: 'nominal' }, column: { field: 'setting', type: 'nominal' } },
          spec: {
            width: 140,
            height: 120,
            mark: 'rect',
            encoding: {
              x: { field: 'step', type: 'ordinal', title: 'SGD step' },
              y: { field: 'log10_abs_grad', type: 'ordinal', sort: 'descending', title: 'log10 |g| (bin start)', axis: { labelExpr: 'format(datum.value, ".1f")' } },
              color: { field: 'count', type: 'quantitative', scale: { type: 'symlog', scheme: 'viridis' }, title: 'entries' },
            },
          },
        },
      };
    };
    return config.parts.flatMap((part) => [
      norms(part, 'grad_norm_max', `${part === 'mlp' ? 'Deep MLP' : 'RNN'}: largest gradient norm since the last record`, 'max ‖∇L‖₂ (pre-penalty)', true),
      norms(part, 'weight_norm', `${part === 'mlp' ? 'Deep MLP' : 'RNN'}: weight norm ‖θ‖₂`, '‖θ‖₂', true),
      norms(part, 'test_error', `${part === 'mlp' ? 'Deep MLP: test error' : 'RNN: test MSE'}`, part === 'mlp' ? 'test error' : 'test MSE', false),
      histogramPlot(part),
    ]);
  },
});
