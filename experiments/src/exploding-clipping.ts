/**
 * exploding-clipping — what does gradient-norm clipping do when gradients explode?
 *
 * Part 1, Pascanu, Mikolov & Bengio (2013), sect. 3.3 and fig. 6–7: the one-unit recurrent
 * map x_t = w·σ(x_{t−1}) + b, x_0 = 0.5, 50 steps, loss (σ(x_50) − 0.7)². For w ≳ 4 the map is
 * bistable and the loss surface has a cliff along the boundary between the two basins, where
 * ∂L/∂(w, b) explodes in a narrow band. `surface` rows give the loss and ‖∇L‖ on a (w, b) grid;
 * `trajectory` rows follow plain SGD from a random start just on the high side of the cliff,
 * without clipping (a step that lands on the wall throws the parameters onto a plateau) and
 * with norm clipping (the step is bounded and the descent continues). The scalar model is
 * computed in float64, forward and backward written out.
 *
 * Part 2: `training` rows: a tanh or ReLU RNN whose recurrent matrix is W = ρ·Q (Q orthogonal,
 * ρ > 1: exploding regime) trained by SGD on the adding problem, with and without global-norm
 * clipping (Mikolov 2012; Pascanu et al. 2013, alg. 1): training loss, the pre-clip gradient
 * norm and the number of updates with non-finite gradients; a run stops at the first
 * evaluation where its parameters are non-finite. Every `watchEvery` updates core's `watch`
 * records each parameter's gradient, weight and update norms, update-to-weight ratio and a
 * histogram of log10 |∂L/∂θ| (before clipping: the gradients the clipping acts on), and the
 * hidden states' statistics, into `exploding-clipping-watch.csv`; the main CSV is the same
 * with and without it.
 */
import { Rng, SGD, oneOf, positiveInt, positiveNumber, watch, type Watcher } from '@gradlab/core';
import { z, defineExperiment, histogramHeatmap, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { RNN, addingProblem, trainOnTask } from '@gradlab/rnn';
import { clipLabel, parseClipLabel } from './clip-label.js';
import { seedBand } from './seed-band.js';
import { explodingClippingFinding } from './findings/exploding-clipping.js';
import { WATCH_TABLE, watchTableColumns, watchTableRows } from './watch-table.js';

/** The one-unit model's horizon and target (Pascanu et al. 2013, fig. 6). */
export const CLIFF = Object.freeze({ steps: 50, x0: 0.5, target: 0.7 });

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Loss and gradient of the one-unit model at (w, b), by BPTT in float64. */
export function oneUnitCliff(w: number, b: number): { loss: number; dw: number; db: number } {
  const xs = new Float64Array(CLIFF.steps + 1);
  xs[0] = CLIFF.x0;
  for (let t = 1; t <= CLIFF.steps; t++) xs[t] = w * sigmoid(xs[t - 1]!) + b;
  const s = sigmoid(xs[CLIFF.steps]!);
  const loss = (s - CLIFF.target) ** 2;
  let delta = 2 * (s - CLIFF.target) * s * (1 - s); // ∂L/∂x_T
  let dw = 0;
  let db = 0;
  for (let t = CLIFF.steps; t >= 1; t--) {
    const prev = sigmoid(xs[t - 1]!);
    dw += delta * prev;
    db += delta;
    delta *= w * prev * (1 - prev); // ∂x_t/∂x_{t−1} = w·σ'(x_{t−1})
  }
  return { loss, dw, db };
}

const range = () => z.tuple([z.number().finite(), z.number().finite()]);

const configSchema = z.strictObject({
  /** Seeds: trajectory start points, RNN weights, minibatches. */
  seeds: z.array(z.number().int()).min(1),
  /** Surface grid: w range and step. */
  surfaceW: range(),
  surfaceWStep: positiveNumber(),
  /** Surface grid: b range and step. */
  surfaceB: range(),
  surfaceBStep: positiveNumber(),
  /** Trajectories: start w ~ U(range), b = −w/2 − U(bOffset) (just on the high-loss side of the cliff). */
  startW: range(),
  startBOffset: range(),
  /** SGD steps and learning rate of the trajectories. */
  trajectorySteps: positiveInt(),
  trajectoryLearningRate: positiveNumber(),
  /** Norm threshold of the norm-clipped trajectory. */
  trajectoryClip: positiveNumber(),
  /** Value threshold of the value-clipped trajectory (each of ∂L/∂w, ∂L/∂b clamped to ±this). */
  trajectoryValueClip: positiveNumber(),
  /** RNN part: nonlinearities. */
  models: z.array(oneOf(['rnn-tanh', 'rnn-relu'] as const)),
  /** RNN part: recurrent scales ρ (W = ρ·Q). */
  rhos: z.array(positiveNumber()),
  /** RNN part: global-norm clipping thresholds ('none' = no clipping). */
  clips: z.array(z.union([z.literal('none'), positiveNumber()])).min(1),
  /**
   * RNN part: value-clipping thresholds (every gradient entry clamped to ±this, as
   * torch.nn.utils.clip_grad_value_), run on the same seeds, so on the same initial weights and
   * minibatches, as the norm-clipped runs.
   */
  valueClips: z.array(positiveNumber()),
  /** RNN part: adding-problem length, hidden units, batch, SGD steps, learning rate, record interval. */
  addingSteps: positiveInt(),
  hidden: positiveInt(),
  batchSize: positiveInt(),
  iterations: positiveInt(),
  learningRate: positiveNumber(),
  recordEvery: positiveInt(),
  /** RNN part: record the watch table every this many updates (update 0 included). */
  watchEvery: positiveInt(),
});

/** Configuration of exploding-clipping. */
export type ExplodingClippingConfig = z.output<typeof configSchema>;

/** Columns of exploding-clipping.csv ('' where a column does not apply to the part). */
export const EXPLODING_CLIPPING_COLUMNS = ['part', 'model', 'rho', 'clip', 'seed', 'step', 'w', 'b', 'loss', 'grad_norm_preclip', 'nonfinite', 'test_mse'] as const;

type Cell = { part: 'surface' | 'trajectory' | 'training'; model: string; rho: number | ''; clip: string };

/** Histogram bins of the watch table (fixed: they are CSV columns). */
export const WATCH_BINS = 20;
/**
 * The gradient histograms bin log10 |g| over 1e−8 … 1e12, a decade a bin: exploding gradients
 * span decades (at ρ = 3 and T = 50 the entries pass 1e20 before they overflow; those are
 * counted in `hist_outside`).
 */
export const WATCH_GRAD_RANGE: [number, number] = [-8, 12];

/** Columns of exploding-clipping-watch.csv: the cell, then core's watch columns. */
export const EXPLODING_CLIPPING_WATCH_COLUMNS = watchTableColumns(['model', 'rho', 'clip', 'seed'], WATCH_BINS);

const EMPTY = { step: '', w: '', b: '', loss: '', grad_norm_preclip: '', nonfinite: '', test_mse: '' } as const;

function grid(lo: number, hi: number, step: number): number[] {
  const n = Math.floor((hi - lo) / step + 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => Number((lo + i * step).toFixed(10)));
}

function surfaceRows(config: ExplodingClippingConfig): Row[] {
  const rows: Row[] = [];
  for (const w of grid(config.surfaceW[0], config.surfaceW[1], config.surfaceWStep)) {
    for (const b of grid(config.surfaceB[0], config.surfaceB[1], config.surfaceBStep)) {
      const g = oneUnitCliff(w, b);
      rows.push({ ...EMPTY, w, b, loss: g.loss, grad_norm_preclip: Math.hypot(g.dw, g.db), nonfinite: 0 });
    }
  }
  return rows;
}

function trajectoryRows(clip: string, config: ExplodingClippingConfig, seed: number): Row[] {
  // The start depends on the seed only, so the clipped and unclipped runs of a seed share it.
  const r = new Rng(seed).fork('exploding-clipping/start');
  let w = r.uniform(config.startW[0], config.startW[1]);
  let b = -w / 2 - r.uniform(config.startBOffset[0], config.startBOffset[1]);
  const how = parseClipLabel(clip);
  const rows: Row[] = [];
  for (let step = 0; step <= config.trajectorySteps; step++) {
    const g = oneUnitCliff(w, b);
    const norm = Math.hypot(g.dw, g.db);
    const bad = Number.isFinite(norm) ? 0 : 1;
    rows.push({ ...EMPTY, step, w, b, loss: g.loss, grad_norm_preclip: norm, nonfinite: bad });
    if (step === config.trajectorySteps) break;
    // clip_grad_norm_ scales by min(1, max / (‖g‖ + 1e-6)) and keeps the direction;
    // clip_grad_value_ clamps each entry, which turns the step towards the diagonal.
    const scale = how?.mode === 'norm' ? Math.min(1, how.max / (norm + 1e-6)) : 1;
    const clamp = (x: number) => (how?.mode === 'value' ? Math.min(how.max, Math.max(-how.max, x)) : x);
    w -= config.trajectoryLearningRate * clamp(scale * g.dw);
    b -= config.trajectoryLearningRate * clamp(scale * g.db);
  }
  return rows;
}

/** The training rows of an RNN cell; `watcher` (optional) records its updates without changing them. */
export function trainingRows(cell: Cell & { seed: number }, config: ExplodingClippingConfig, watcher?: Watcher): Row[] {
  // The stream depends on seed, model and ρ, not on the clipping: the unclipped, norm-clipped and
  // value-clipped runs of a seed start from the same weights and see the same minibatches.
  const rng = new Rng(cell.seed).fork(`exploding-clipping/${cell.model}/${cell.rho}`);
  const task = addingProblem(config.addingSteps);
  const net = new RNN(
    {
      inputSize: 2,
      hiddenSize: config.hidden,
      outputSize: 1,
      nonlinearity: cell.model === 'rnn-relu' ? 'relu' : 'tanh',
      recurrentInit: 'orthogonal',
      recurrentGain: cell.rho as number,
      biasInit: 'zeros',
    },
    rng.fork('init'),
  );
  const how = parseClipLabel(cell.clip);
  const clip = how === undefined ? {} : { clip: { mode: how.mode === 'norm' ? ('global-norm' as const) : ('value' as const), max: how.max } };
  const optimizer = new SGD({ learningRate: config.learningRate, ...clip });
  const test = task.testSet(256, cell.seed);
  let nonfinite = 0;
  try {
    const records = trainOnTask(
      net,
      task,
      { iterations: config.iterations, batchSize: config.batchSize, optimizer, evalEvery: config.recordEvery, testSet: test, ...(watcher ? { watch: watcher } : {}) },
      rng.fork('batches'),
    );
    return records.map((r) => {
      nonfinite += r.nonFiniteUpdates;
      return { ...EMPTY, step: r.iteration, loss: r.trainLoss, grad_norm_preclip: r.gradNormPreClip, nonfinite, test_mse: r.testLoss };
    });
  } finally {
    test.dispose();
    optimizer.dispose();
    net.dispose();
  }
}

const SHARED = {
  surfaceW: [3, 8] as [number, number],
  surfaceB: [-6, -1] as [number, number],
  startW: [4.5, 5.5] as [number, number],
  startBOffset: [0.1, 0.6] as [number, number],
  trajectoryLearningRate: 3,
  trajectoryClip: 0.5,
  // 0.5 / √2: the largest step of the value-clipped trajectory equals the norm-clipped one's.
  trajectoryValueClip: 0.35,
  models: ['rnn-tanh' as const, 'rnn-relu' as const],
  clips: ['none' as const, 1],
  learningRate: 0.05,
};

/** The exploding-clipping experiment. */
export const explodingClipping = defineExperiment<ExplodingClippingConfig, Cell>({
  finding: explodingClippingFinding,
  name: 'exploding-clipping',
  description:
    'What does gradient-norm clipping do when gradients explode: on Pascanu et al.’s one-unit cliff, and for an RNN with recurrent scale ρ > 1 trained by SGD?',
  configSchema,
  sizes: {
    // Quick: the exploding setting only (ρ = 3), short sequences (T = 10) and 1000 steps at lr 0.1, enough
    // for clipped runs to shrink W and beat the adding baseline; five seeds, so the finding can decide.
    quick: {
      ...SHARED,
      seeds: [1, 2, 3, 4, 5],
      surfaceWStep: 0.5,
      surfaceBStep: 0.05,
      trajectorySteps: 60,
      rhos: [3],
      // ≈ 1 / √337 (hidden 16 has 337 parameters): with every entry clamped the step has norm
      // ≈ 1, the norm clip's; so the two differ in direction, not in step size.
      valueClips: [0.054],
      addingSteps: 10,
      hidden: 16,
      batchSize: 16,
      iterations: 1000,
      learningRate: 0.1,
      recordEvery: 100,
      watchEvery: 50,
    },
    full: {
      ...SHARED,
      seeds: [1, 2, 3, 4, 5],
      surfaceWStep: 0.25,
      surfaceBStep: 0.01,
      trajectorySteps: 100,
      rhos: [1.5, 3],
      valueClips: [0.029] /* ≈ 1 / √1185 */,
      addingSteps: 50,
      hidden: 32,
      batchSize: 32,
      iterations: 500,
      recordEvery: 10,
      // 25 records of 60 runs: the watch table stays near 2 MB.
      watchEvery: 20,
    },
  },
  grid: (c) => [
    { part: 'surface', model: 'one-unit', rho: '', clip: '' },
    { part: 'trajectory', model: 'one-unit', rho: '', clip: 'none' },
    { part: 'trajectory', model: 'one-unit', rho: '', clip: clipLabel('norm', c.trajectoryClip) },
    { part: 'trajectory', model: 'one-unit', rho: '', clip: clipLabel('value', c.trajectoryValueClip) },
    ...c.models.flatMap((model) =>
      c.rhos.flatMap((rho) => [
        ...c.clips.map((clip): Cell => ({ part: 'training', model, rho, clip: clip === 'none' ? 'none' : clipLabel('norm', clip) })),
        ...c.valueClips.map((clip): Cell => ({ part: 'training', model, rho, clip: clipLabel('value', clip) })),
      ]),
    ),
  ],
  columns: EXPLODING_CLIPPING_COLUMNS,
  tables: { [WATCH_TABLE]: EXPLODING_CLIPPING_WATCH_COLUMNS },
  // w and b are keys: they are the grid of the surface part. Trajectory rows, whose (w, b) path
  // is each seed's own, therefore summarise to one row per seed; the training part over seeds.
  summary: { by: ['part', 'model', 'rho', 'clip', 'step', 'w', 'b'], values: ['loss', 'grad_norm_preclip', 'nonfinite', 'test_mse'] },
  run: (cell, config, ctx) => {
    if (cell.part === 'surface') return cell.seed === config.seeds[0] ? surfaceRows(config) : [];
    const divergence = { step: 'step', watch: ['loss', 'grad_norm_preclip', 'test_mse'], count: 'nonfinite' };
    if (cell.part === 'trajectory') return recordDivergence(ctx, trajectoryRows(cell.clip, config, cell.seed), divergence);
    const watcher = watch({ every: config.watchEvery, bins: WATCH_BINS, gradScale: 'log10-abs', gradRange: WATCH_GRAD_RANGE, activationRange: [-1, 1] });
    const rows = trainingRows(cell, config, watcher);
    ctx.table?.(WATCH_TABLE, watchTableRows(watcher.drain()));
    // Before the first update, loss and grad_norm_preclip are NaN by design.
    return recordDivergence(ctx, rows, { ...divergence, skip: (r) => r['step'] === 0 });
  },
  plots: (rows, config, tables) => {
    const pick = (part: string) => rows.filter((r) => r['part'] === part);
    const slices = [4, 5, 6, 8].filter((w) => w >= config.surfaceW[0] && w <= config.surfaceW[1]);
    const surface = pick('surface').filter((r) => slices.includes(r['w'] as number));
    const training = pick('training').map((r) => ({
      step: r['step']!,
      loss: r['loss']!,
      grad: r['grad_norm_preclip']!,
      clip: `clip ${r['clip']}`,
      run: `${r['model']}, ρ = ${r['rho']}`,
    }));
    const { band, note: over } = seedBand(config.seeds);
    const trajectory = pick('trajectory').map((r) => ({ step: r['step']!, loss: r['loss']!, seed: r['seed']!, clip: `clip ${r['clip']}` }));
    // The first layer (input weights), the recurrent matrix and the last layer (readout) of the tanh RNN.
    const tensors: Record<string, string> = { weight_ih_l0: 'layer 1: W_ih', weight_hh_l0: 'recurrent: W_hh', 'head.weight': 'last layer: readout W' };
    const histogramModel = config.models.includes('rnn-tanh') ? 'rnn-tanh' : config.models[0];
    const histograms = histogramHeatmap({
      rows: tables[WATCH_TABLE] ?? [],
      filter: (r) => r['kind'] === 'param' && r['model'] === histogramModel && String(r['name']) in tensors,
      panelRow: (r) => tensors[String(r['name'])]!,
      panelColumn: (r) => `ρ = ${String(r['rho'])}, clip ${String(r['clip'])}`,
      title: `${histogramModel === 'rnn-tanh' ? 'tanh' : 'ReLU'} RNN on the adding problem (T = ${config.addingSteps}): distribution of log10 |∂L/∂W| before clipping, over training`,
      subtitle: `watch histograms every ${config.watchEvery} updates, mean count over ${config.seeds.length} seed(s); entries beyond 1e${WATCH_GRAD_RANGE[1]} and non-finite ones are not drawn`,
      xTitle: 'SGD update',
      width: 110,
      height: 110,
    });
    return [
      {
        file: 'cliff-loss.svg',
        spec: lineChart({
          data: surface.map((r) => ({ b: r['b']!, loss: r['loss']!, w: `w = ${r['w']}` })),
          x: 'b', y: 'loss', color: 'w', points: false,
          title: 'One-unit RNN x_t = w·σ(x_{t−1}) + b: loss (σ(x_50) − 0.7)² along b', xTitle: 'b', yTitle: 'loss',
        }),
      },
      {
        file: 'cliff-gradient.svg',
        spec: lineChart({
          data: surface.map((r) => ({ b: r['b']!, grad: r['grad_norm_preclip']!, w: `w = ${r['w']}` })),
          x: 'b', y: 'grad', color: 'w', logY: true, points: false,
          title: 'One-unit RNN: ‖∂L/∂(w, b)‖ along b (the cliff)', xTitle: 'b', yTitle: '‖∇L‖ (log scale)',
        }),
      },
      {
        file: 'cliff-trajectories.svg',
        spec: lineChart({
          data: trajectory, x: 'step', y: 'loss', color: 'clip', aggregate: 'none', detail: 'seed', points: false,
          title: `SGD on the cliff (lr ${config.trajectoryLearningRate}), one line per seed`, xTitle: 'SGD step', yTitle: 'loss',
        }),
      },
      {
        file: 'rnn-loss.svg',
        spec: lineChart({
          data: training, x: 'step', y: 'loss', color: 'clip', facetColumn: 'run', logY: true, band, subtitle: over,
          title: `RNN with W = ρ·Q on the adding problem (T = ${config.addingSteps}), SGD lr ${config.learningRate}`, xTitle: 'SGD step', yTitle: 'training loss (log scale)',
        }),
      },
      {
        file: 'rnn-grad-norm.svg',
        spec: lineChart({
          data: training,
          x: 'step', y: 'grad', color: 'clip', facetColumn: 'run', logY: true, band, subtitle: over,
          title: 'Pre-clip global gradient norm', xTitle: 'SGD step', yTitle: '‖∇L‖ before clipping (log scale)',
        }),
      },
      ...(config.models.length > 0 && config.rhos.length > 0 ? [{ file: 'exploding-clipping-grad-histograms.svg', spec: histograms }] : []),
    ];
  },
});

