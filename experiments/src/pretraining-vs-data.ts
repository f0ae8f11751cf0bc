/**
 * pretraining-vs-data — does the advantage of greedy DBN pretraining shrink as the labelled
 * training set grows, and does a ReLU net with dropout, from plain He initialisation, match or
 * beat the pretrained sigmoid net when data is plentiful?
 *
 * Four nets of the same depth and width, each fine-tuned by SGD with momentum on nested training
 * subsets of Fashion-MNIST (synthetic 28×28 images, with a loud notice, when it is not installed
 * or an empty `--data` folder is given):
 *
 * - `sigmoid-random`: logistic units from U[±1/√fan_in] (Glorot & Bengio's "standard" init);
 * - `sigmoid-dbn`: the same net, its hidden layers a DBN of RBMs pretrained greedily by CD-1 on
 *   the training subset alone (no extra unlabelled data), unrolled and fine-tuned;
 * - `relu-he`: rectifier units from He-normal init (He et al. 2015);
 * - `relu-he-dropout`: the same with inverted dropout on every hidden layer (Srivastava et al. 2014).
 *
 * The data are split per seed by `new Rng(seed).fork('pretraining-vs-data/split')`: a random
 * permutation of the first `poolSize` training images (poolSize = largest subset + validation);
 * its first `valSize` images are the validation split, and the training subset of size n is the
 * next n, so every smaller subset lies inside every larger one and none touches the validation
 * images. Every net and size of a seed sees the same split. After every epoch the validation
 * error is measured; the weights of the epoch with the lowest validation error (the first on a
 * tie) are kept and the test error is measured once, on them.
 *
 * One row per (net, train_size, seed, epoch); `selected_epoch` and `test_error` repeat on every
 * row of a run (the test error is of the selected epoch's weights).
 *
 * References: D. Erhan, Y. Bengio, A. Courville, P.-A. Manzagol, P. Vincent & S. Bengio (2010),
 * "Why does unsupervised pre-training help deep learning?", JMLR 11; X. Glorot, A. Bordes &
 * Y. Bengio (2011), "Deep sparse rectifier neural networks", AISTATS; G. E. Hinton, S. Osindero &
 * Y.-W. Teh (2006), "A fast learning algorithm for deep belief nets"; K. He, X. Zhang, S. Ren &
 * J. Sun (2015), "Delving deep into rectifiers"; N. Srivastava et al. (2014), "Dropout", JMLR 15.
 */
import { Rng, SGD, ValidationError, nonNegativeNumber, oneOf, positiveInt, positiveNumber, tf, type LabeledData } from '@gradlab/core';
import { z, defineExperiment, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { cachedImageData } from './cached-image-data.js';
import { fineTuneEpoch } from './fine-tune-epoch.js';
import { pretrainingVsDataFinding } from './findings/pretraining-vs-data.js';
import { PRETRAINING_VS_DATA_NETS, netRecipe, type NetName } from './pretraining-vs-data-nets.js';
import { errorRate, selectByValidation } from './validation-selection.js';

const configSchema = z
  .strictObject({
    /** Seeds; each has its own split, subsets, initialisation, pretraining, dropout masks and minibatch order. */
    seeds: z.array(z.number().int()).min(1),
    /** Nets to compare (see the file comment). */
    nets: z.array(oneOf(PRETRAINING_VS_DATA_NETS)).min(1),
    /** Sizes of the nested training subsets, ascending. */
    trainSizes: z.array(positiveInt()).min(1),
    /** Validation images, drawn with the subsets from the same permutation and disjoint from them. */
    valSize: positiveInt(),
    /** Test images (the first n of the test file). */
    testSize: positiveInt(),
    /** Number of hidden layers of every net. */
    depth: positiveInt(),
    /** Width of every hidden layer. */
    width: positiveInt(),
    /** Fine-tuning epochs at the larger sizes. */
    epochs: positiveInt(),
    /**
     * Fewest minibatch updates of any run: small subsets train for more epochs,
     * max(epochs, ⌈minUpdates / batches per epoch⌉), so that they are not stopped before they fit.
     */
    minUpdates: positiveInt(),
    /** Minibatch size of pretraining and fine-tuning. */
    batchSize: positiveInt(),
    /** Fine-tuning SGD learning rate of the sigmoid nets. */
    sigmoidLearningRate: positiveNumber(),
    /** Fine-tuning SGD learning rate of the ReLU nets (smaller: unbounded units). */
    reluLearningRate: positiveNumber(),
    /** Fine-tuning momentum. */
    momentum: z.number().min(0).lt(1),
    /** Inverted-dropout rate of every hidden layer of `relu-he-dropout`. */
    dropout: z.number().gt(0).lt(1),
    /** CD-1 epochs per RBM layer of `sigmoid-dbn`. */
    pretrainEpochs: positiveInt(),
    /** CD-1 learning rate of the RBMs. */
    rbmLearningRate: positiveNumber(),
    /** Fine-tuning L2 weight decay (every net). */
    weightDecay: nonNegativeNumber(),
  })
  .refine((c) => c.trainSizes.every((n, i) => i === 0 || n > c.trainSizes[i - 1]!), {
    message: 'expected trainSizes to be strictly ascending',
    path: ['trainSizes'],
  });

/** Configuration of pretraining-vs-data. */
export type PretrainingVsDataConfig = z.output<typeof configSchema>;

/** Columns of pretraining-vs-data.csv. */
export const PRETRAINING_VS_DATA_COLUMNS = [
  'net',
  'train_size',
  'seed',
  'epoch',
  'train_loss',
  'val_error',
  'selected_epoch',
  'test_error',
] as const;

type Cell = { net: NetName; train_size: number };

/** Images drawn from the training file: the validation split and the largest training subset. */
export function poolSize(config: Pick<PretrainingVsDataConfig, 'trainSizes' | 'valSize'>): number {
  return Math.max(...config.trainSizes) + config.valSize;
}

/**
 * The per-seed split: indices into the pool of the validation images and of the training subset
 * of size n (a prefix of the same permutation after the validation images, so subsets nest).
 */
export function splitIndices(seed: number, pool: number, valSize: number, n: number): { val: Int32Array; train: Int32Array } {
  const perm = new Rng(seed).fork('pretraining-vs-data/split').permutation(pool);
  return { val: perm.slice(0, valSize), train: perm.slice(valSize, valSize + n) };
}

/** The rows `idx` of a split as tensors. */
function gather(d: LabeledData, idx: Int32Array): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const f = d.shape[1];
  const x = new Float32Array(idx.length * f);
  const y = new Int32Array(idx.length);
  idx.forEach((r, i) => {
    x.set(d.x.subarray(r * f, (r + 1) * f), i * f);
    y[i] = d.y[r]!;
  });
  return { x: tf.tensor2d(x, [idx.length, f]), y: tf.tensor1d(y, 'int32') };
}

/** Epochs a run of n training images gets (see `minUpdates`). */
export function epochsFor(config: Pick<PretrainingVsDataConfig, 'epochs' | 'minUpdates' | 'batchSize'>, n: number): number {
  return Math.max(config.epochs, Math.ceil(config.minUpdates / Math.ceil(n / config.batchSize)));
}

async function runCell(cell: Cell & { seed: number }, config: PretrainingVsDataConfig, rng: Rng, dataDir: string | undefined, notice: (m: string) => void): Promise<Row[]> {
  const pool = poolSize(config);
  const data = await cachedImageData('pretraining-vs-data', dataDir, pool, config.testSize, cell.seed);
  if (data.notice !== undefined) notice(data.notice);
  if (data.train.shape[0] < pool) {
    throw new ValidationError(`pretraining-vs-data: expected max(trainSizes) + valSize to be at most the ${data.train.shape[0]} training images available, got ${pool}`);
  }
  const split = splitIndices(cell.seed, pool, config.valSize, cell.train_size);
  const train = gather(data.train, split.train);
  const val = gather(data.train, split.val);
  const test = gather(data.test, Int32Array.from({ length: Math.min(config.testSize, data.test.shape[0]) }, (_, i) => i));
  const sizes = [train.x.shape[1], ...Array<number>(config.depth).fill(config.width), data.train.numClasses];
  const recipe = netRecipe(cell.net);
  const net = recipe.build(sizes, train.x, config, rng.fork('net'));
  const optimizer = new SGD({ learningRate: recipe.learningRate(config), momentum: config.momentum, weightDecay: config.weightDecay });
  const rows: Row[] = [];
  try {
    const epochs = epochsFor(config, cell.train_size);
    const selection = selectByValidation(net, epochs, (epoch) => {
      const trainLoss = fineTuneEpoch(net, optimizer, train.x, train.y, config.batchSize, rng.fork(`shuffle/${epoch}`));
      const valError = errorRate(net, val.x, val.y);
      rows.push({ epoch, train_loss: trainLoss, val_error: valError });
      return valError;
    });
    const testError = errorRate(net, test.x, test.y);
    for (const r of rows) Object.assign(r, { selected_epoch: selection.epoch, test_error: testError });
  } finally {
    optimizer.dispose();
    net.dispose();
    tf.dispose([train.x, train.y, val.x, val.y, test.x, test.y]);
  }
  return rows;
}

/** The pretraining-vs-data experiment. */
export const pretrainingVsData = defineExperiment<PretrainingVsDataConfig, Cell>({
  finding: pretrainingVsDataFinding,
  name: 'pretraining-vs-data',
  description:
    'Does the advantage of DBN pretraining shrink as the labelled training set grows, and does a ReLU net with dropout match the pretrained sigmoid net at the largest size (Fashion-MNIST when installed, synthetic images otherwise)?',
  configSchema,
  sizes: {
    quick: {
      seeds: [1],
      nets: [...PRETRAINING_VS_DATA_NETS],
      trainSizes: [100, 1000],
      valSize: 300,
      testSize: 500,
      depth: 2,
      width: 32,
      epochs: 8,
      minUpdates: 120,
      batchSize: 25,
      sigmoidLearningRate: 0.2,
      reluLearningRate: 0.02,
      momentum: 0.9,
      dropout: 0.2,
      pretrainEpochs: 2,
      rbmLearningRate: 0.1,
      weightDecay: 0,
    },
    full: {
      seeds: [1, 2, 3],
      nets: [...PRETRAINING_VS_DATA_NETS],
      trainSizes: [1000, 5000, 20_000, 50_000],
      valSize: 10_000,
      testSize: 10_000,
      depth: 3,
      width: 500,
      epochs: 30,
      minUpdates: 1500,
      batchSize: 100,
      sigmoidLearningRate: 0.1,
      reluLearningRate: 0.02,
      momentum: 0.9,
      dropout: 0.5,
      pretrainEpochs: 10,
      rbmLearningRate: 0.1,
      weightDecay: 0,
    },
  },
  grid: (c) => c.trainSizes.flatMap((train_size) => c.nets.map((net) => ({ net, train_size }))),
  columns: PRETRAINING_VS_DATA_COLUMNS,
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, await runCell(cell, config, ctx.rng, ctx.dataDir, (m) => ctx.notice(m)), { step: 'epoch', watch: ['train_loss', 'val_error'] }),
  summary: { by: ['net', 'train_size', 'epoch'], values: ['train_loss', 'val_error', 'test_error'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    const selected = rows.filter((r) => r['epoch'] === r['selected_epoch']);
    return [
      {
        file: 'pretraining-vs-data-test-error.svg',
        spec: lineChart({
          data: selected,
          x: 'train_size',
          y: 'test_error',
          color: 'net',
          logX: true,
          band: seeds > 1 ? 'stdev' : 'none',
          title: 'Test error at the epoch chosen on validation, by training-set size',
          subtitle: `${config.depth} hidden layers of ${config.width}; ${config.valSize} validation images${seeds > 1 ? `; mean of ${seeds} seeds ± 1 std` : ''}`,
          xTitle: 'training images (log scale)',
          yTitle: 'test error',
        }),
      },
    ];
  },
});
