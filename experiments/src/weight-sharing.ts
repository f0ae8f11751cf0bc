/**
 * weight-sharing — does a deep CNN's gradient flow differ from an MLP's of the same depth?
 *
 * The claim tested (tutorials repeat it): "CNNs fight vanishing gradients through weight
 * sharing". Weight sharing changes one thing about gradients: a kernel weight is used at every
 * output position, so its gradient is a sum over P positions (and the batch), where a dense
 * weight's is a sum over the batch only (LeCun et al. 1998, sect. II). It does not change what
 * carries the gradient down through depth: ∂L/∂h_{l−1} = J_lᵀ ∂L/∂h_l, one layer Jacobian
 * (f′ times the weights) per layer, whose gain is set by the activation's derivative and the
 * init's fan-in scaling (Glorot & Bengio 2010, sect. 4.2). So the experiment compares, per
 * activation (sigmoid, tanh, ReLU), a CNN with `depth` 3×3 "same" convolutions of `channels`
 * channels against an MLP of the same depth whose width equals the CNN's fan-in per unit
 * (3·3·channels), so the same init gives both the same weight scale: sigmoid and tanh with
 * Glorot uniform, ReLU with He normal (fans as PyTorch's). Data: Shapeset-like images.
 *
 * One row per (net, activation, seed, recorded step, layer l = 1 … depth): ‖∂L/∂W_l‖, the rms
 * gradient per weight, ‖∂L/∂h_l‖ and its rms per unit, the positions a weight is used at, and
 * the minibatch loss (the training curve). Every `watchEvery` steps core's `watch` records each
 * weight's gradient, weight and update norms, update ratio and histogram of log10 |∂L/∂W|, and
 * the first and last hidden activations, into `weight-sharing-watch.csv`; the main CSV is the
 * same with and without it.
 */
import {
  ConvNet,
  MLP,
  Rng,
  convNetLayerGradients,
  oneOf,
  positiveInt,
  nonNegativeInt,
  positiveNumber,
  shapeset,
  layerWatchInput,
  tensorStatsMany,
  tf,
  watch,
} from '@gradlab/core';
import type { InitName, WatchInput, Watcher } from '@gradlab/core';
import { z, defineExperiment, histogramHeatmap, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { weightSharingFinding } from './findings/weight-sharing.js';
import { WATCH_TABLE, watchTableColumns, watchTableRows } from './watch-table.js';
import { layerProfileChart, runProbedSgd } from './probed-sgd.js';
import { seedBand } from './seed-band.js';

/** Networks compared. */
export const SHARING_NETS = ['cnn', 'mlp'] as const;
/** Activations compared, each with the init made for it. */
export const SHARING_ACTIVATIONS = ['sigmoid', 'tanh', 'relu'] as const;
/** The init of each activation: Glorot for the saturating ones, He for ReLU. */
export const SHARING_INIT: Record<(typeof SHARING_ACTIVATIONS)[number], InitName> = { sigmoid: 'glorot-uniform', tanh: 'glorot-uniform', relu: 'he-normal' };
/** Kernel side of every convolution. */
export const SHARING_KERNEL = 3;

const configSchema = z
  .object({
    /** Seeds; each gets its own images, batch order and weights. */
    seeds: z.array(z.number().int()).min(1),
    /** Hidden layers of both nets. */
    depth: z.number().int().min(2, { error: 'an integer >= 2' }),
    /** Channels of every convolution; the MLP's width is 3·3·channels (the same fan-in). */
    channels: positiveInt(),
    /** Shapeset image side (Glorot & Bengio used 32). */
    imageSize: z.number().int().min(8, { error: 'an integer >= 8' }),
    /** Training images per seed. */
    trainSize: positiveInt(),
    /** Minibatch size. */
    batchSize: positiveInt(),
    /** Plain SGD steps after initialisation. */
    steps: nonNegativeInt(),
    /** Record every this many steps (step 0 and the last are always recorded). */
    recordEvery: positiveInt(),
    /** SGD learning rate (no momentum: the raw gradient is the point). */
    learningRate: positiveNumber(),
    activations: z.array(oneOf(SHARING_ACTIVATIONS)).min(1),
    /** Record the watch table every this many steps (step 0 included). */
    watchEvery: positiveInt(),
  })
  .strict();

/** Configuration of weight-sharing. */
export type WeightSharingConfig = z.output<typeof configSchema>;

/** Columns of weight-sharing.csv. */
export const WEIGHT_SHARING_COLUMNS = [
  'net',
  'activation',
  'init',
  'seed',
  'step',
  'layer',
  'grad_l2',
  'grad_rms_per_param',
  'grad_act_l2',
  'grad_act_rms',
  'positions',
  'loss',
] as const;

/** Histogram bins of the watch table (fixed: they are CSV columns). */
export const SHARING_WATCH_BINS = 24;
/** The gradient histograms bin log10 |∂L/∂W| over 1e−12 … 1, half a decade a bin (sigmoid nets' gradients vanish by decades). */
export const SHARING_GRAD_RANGE: [number, number] = [-12, 0];

/** Columns of weight-sharing-watch.csv: the cell, then core's watch columns. */
export const WEIGHT_SHARING_WATCH_COLUMNS = watchTableColumns(['net', 'activation', 'seed'], SHARING_WATCH_BINS);

/** The watcher of a cell: every weight, the first and last hidden activations. */
export function sharingWatcher(config: WeightSharingConfig): Watcher {
  return watch({ every: config.watchEvery, bins: SHARING_WATCH_BINS, gradScale: 'log10-abs', gradRange: SHARING_GRAD_RANGE, activationRange: [-1, 2] });
}

/** One cell: a network kind and an activation. */
export type WeightSharingCell = { net: (typeof SHARING_NETS)[number]; activation: (typeof SHARING_ACTIVATIONS)[number] };

/** A model behind the seam the loop needs: gradients of a batch, and per-layer rows of them. */
interface Probed {
  params: Record<string, tf.Variable>;
  step(x: tf.Tensor, y: tf.Tensor): {
    loss: number;
    grads: Record<string, tf.Tensor>;
    rows: () => Omit<Row, 'step' | 'loss'>[];
    /** What `watch` records: the weights (kernels and matrices), their gradients, a_1 and a_L. */
    watchInput: () => WatchInput;
    dispose(): void;
  };
  dispose(): void;
}

function convModel(cell: WeightSharingCell, config: WeightSharingConfig, classes: number, rng: Rng): Probed {
  const s = config.imageSize;
  const net = new ConvNet(
    { inputShape: [s, s, 1], depth: config.depth, channels: config.channels, kernelSize: SHARING_KERNEL, outputs: classes, activation: cell.activation, init: SHARING_INIT[cell.activation] },
    rng,
  );
  return {
    params: net.params,
    step: (x, y) => {
      const xb = tf.reshape(x, [x.shape[0]!, s, s, 1]);
      const g = net.gradients(xb, y, 'softmax-cross-entropy');
      xb.dispose();
      return {
        loss: g.loss,
        grads: g.grads,
        rows: () => {
          const act = tensorStatsMany(g.activationGrads);
          return convNetLayerGradients(net, g).map((r, l) => ({
            layer: l + 1,
            grad_l2: r.gradL2,
            grad_rms_per_param: r.gradRmsPerParam,
            grad_act_l2: r.gradActL2,
            grad_act_rms: act[l]!.rms,
            positions: r.positions,
          }));
        },
        watchInput: () => layerWatchInput(net, g, { weightsOnly: true }),
        dispose: () => g.dispose(),
      };
    },
    dispose: () => net.dispose(),
  };
}

function denseModel(cell: WeightSharingCell, config: WeightSharingConfig, classes: number, rng: Rng): Probed {
  const width = SHARING_KERNEL * SHARING_KERNEL * config.channels;
  const net = new MLP(
    { layerSizes: [config.imageSize ** 2, ...Array<number>(config.depth).fill(width), classes], activation: cell.activation, init: SHARING_INIT[cell.activation] },
    rng,
  );
  return {
    params: net.params,
    step: (x, y) => {
      const g = net.gradients(x, y, 'softmax-cross-entropy');
      return {
        loss: g.loss,
        grads: g.grads,
        rows: () => {
          const weights = Array.from({ length: config.depth }, (_, l) => g.grads[`layer${l}.weight`]!);
          const stats = tensorStatsMany([...weights, ...g.activationGrads]);
          return weights.map((_, l) => ({
            layer: l + 1,
            grad_l2: stats[l]!.l2,
            grad_rms_per_param: stats[l]!.rms,
            grad_act_l2: stats[config.depth + l]!.l2,
            grad_act_rms: stats[config.depth + l]!.rms,
            positions: 1,
          }));
        },
        watchInput: () => layerWatchInput(net, g, { weightsOnly: true }),
        dispose: () => g.dispose(),
      };
    },
    dispose: () => net.dispose(),
  };
}

/**
 * The rows of one cell and seed (exported for the tests); `watcher` (optional) records the
 * steps it is due on, without changing them.
 */
export function weightSharingRows(cell: WeightSharingCell & { seed: number }, config: WeightSharingConfig, rng: Rng, watcher?: Watcher): Row[] {
  // Images and batch order depend on the seed only: the CNN and the MLP of a seed see the same batches.
  const seedRng = new Rng(cell.seed).fork('weight-sharing');
  const data = shapeset({ n: config.trainSize, size: config.imageSize }, seedRng.fork('data'));
  const model = (cell.net === 'cnn' ? convModel : denseModel)(cell, config, data.numClasses, rng.fork('init'));
  const x = tf.tensor2d(data.x, data.shape);
  const y = tf.tensor1d(data.y, 'int32');
  const rows: Row[] = [];
  try {
    runProbedSgd(
      x,
      y,
      model.params,
      config,
      seedRng.fork('batches'),
      model.step,
      (step, g) => {
        for (const r of g.rows()) rows.push({ init: SHARING_INIT[cell.activation], step, ...r, loss: g.loss });
      },
      (step, g, update) => {
        if (watcher?.shouldRecord(step) === true) watcher.observe(step, g.watchInput(), update);
        else update?.();
      },
    );
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
  return rows;
}

/** The weight-sharing experiment. */
export const weightSharing = defineExperiment<WeightSharingConfig, WeightSharingCell>({
  finding: weightSharingFinding,
  name: 'weight-sharing',
  description:
    "Does a deep CNN's gradient flow differ from an MLP's of the same depth and fan-in (sigmoid, tanh, ReLU): ‖∂L/∂W_l‖, rms per shared weight and ‖∂L/∂h_l‖ per layer, at initialisation and over SGD?",
  configSchema,
  sizes: {
    quick: { seeds: [1, 2, 3], depth: 6, channels: 4, imageSize: 12, trainSize: 144, batchSize: 16, steps: 3, recordEvery: 3, learningRate: 0.05, activations: [...SHARING_ACTIVATIONS], watchEvery: 1 },
    // watchEvery 3: 21 records of 30 runs, about 2 MB of watch table.
    full: { seeds: [1, 2, 3, 4, 5], depth: 10, channels: 8, imageSize: 32, trainSize: 1024, batchSize: 32, steps: 60, recordEvery: 10, learningRate: 0.05, activations: [...SHARING_ACTIVATIONS], watchEvery: 3 },
  },
  grid: (c) => SHARING_NETS.flatMap((net) => c.activations.map((activation) => ({ net, activation }))),
  columns: WEIGHT_SHARING_COLUMNS,
  tables: { [WATCH_TABLE]: WEIGHT_SHARING_WATCH_COLUMNS },
  run: async (cell, config, ctx) => {
    const watcher = sharingWatcher(config);
    const rows = weightSharingRows(cell, config, ctx.rng, watcher);
    ctx.table?.(WATCH_TABLE, watchTableRows(watcher.drain()));
    return recordDivergence(ctx, rows, { step: 'step', watch: ['loss', 'grad_l2', 'grad_act_l2'] });
  },
  summary: { by: ['net', 'activation', 'step', 'layer'], values: ['grad_l2', 'grad_rms_per_param', 'grad_act_l2', 'grad_act_rms', 'loss'] },
  plots: (rows, config, tables) => {
    const seeds = config.seeds.length;
    // Hidden layer 1 and hidden layer L of each net: conv0 / layer0 and conv{L−1} / layer{L−1}.
    const ends: Record<string, string> = {
      'conv0.weight': 'layer 1',
      'layer0.weight': 'layer 1',
      [`conv${config.depth - 1}.weight`]: `layer ${config.depth}`,
      [`layer${config.depth - 1}.weight`]: `layer ${config.depth}`,
    };
    const histograms = histogramHeatmap({
      rows: tables[WATCH_TABLE] ?? [],
      filter: (r) => r['kind'] === 'param' && String(r['name']) in ends,
      panelRow: (r) => `${ends[String(r['name'])]!}: ∂L/∂W`,
      panelColumn: (r) => `${String(r['net']).toUpperCase()}, ${String(r['activation'])}`,
      title: `Distribution of log10 |∂L/∂W| of hidden layers 1 and ${config.depth} over SGD, CNN against MLP`,
      subtitle: `watch histograms every ${config.watchEvery} steps, mean count over ${seeds} seed(s); entries below 1e${SHARING_GRAD_RANGE[0]} are not drawn`,
      xTitle: 'SGD step',
      width: 120,
      height: 120,
    });
    const { band, note } = seedBand(config.seeds);
    const at = (step: number) => rows.filter((r) => r['step'] === step);
    const profile = (y: string, yTitle: string, file: string) => ({
      file,
      spec: layerProfileChart({
        data: at(0).map((r) => ({ layer: r['layer']!, [y]: r[y]!, net: r['net']!, activation: r['activation']! })),
        y,
        color: 'net',
        seeds: config.seeds,
        title: `${yTitle} against layer at initialisation, depth ${config.depth} (${note})`,
        yTitle,
      }),
    });
    const curves = rows
      .filter((r) => r['layer'] === 1)
      .map((r) => ({ step: r['step']!, loss: r['loss']!, net: r['net']!, activation: r['activation']! }));
    return [
      profile('grad_act_l2', '‖∂L/∂h_l‖', 'act-grad-vs-layer.svg'),
      profile('grad_rms_per_param', 'rms ∂L/∂W_l per weight', 'weight-grad-rms-vs-layer.svg'),
      {
        file: 'training-loss.svg',
        spec: lineChart({
          data: curves,
          x: 'step',
          y: 'loss',
          color: 'net',
          facetColumn: 'activation',
          band,
          title: `Minibatch loss over SGD, depth ${config.depth} (${note})`,
          xTitle: 'SGD step',
          yTitle: 'cross-entropy',
        }),
      },
      { file: 'weight-sharing-grad-histograms.svg', spec: histograms },
    ];
  },
});
