/**
 * dbm-fine-tuning — are the features of a deep Boltzmann machine a better start for a classifier
 * than those of a deep belief net of the same size, and than random weights (Salakhutdinov &
 * Hinton 2009)? Three nets with hidden layers [H1, H2] (`dbm-fine-tuning-nets.ts`): the DBM
 * unrolled with its mean-field input [v, q(h2 | v)], the DBN unrolled, and a random-init net.
 *
 * Fashion-MNIST pixel intensities in [0, 1] serve as the visible probabilities of every RBM and
 * of the DBM (synthetic 28×28 images, with a loud notice, when the data set is not installed or
 * an empty `--data` folder is given). Of the first `trainSize` training images, `validationSize`
 * drawn per seed by `new Rng(seed).fork('dbm-fine-tuning/validation')` are held out; pretraining
 * and fine-tuning see only the rest. Every net is fine-tuned by minibatch SGD with momentum on
 * softmax cross-entropy for `epochs` epochs; after every epoch the validation error is measured,
 * the weights of the epoch with the lowest validation error (the first on a tie) are kept, and the
 * test error (the first `testSize` test images) is measured once, on them.
 *
 * One row per (net, seed, epoch): the epoch's mean training loss and the validation error;
 * `selected_epoch` and `test_error` repeat on every row of a run.
 *
 * References: R. Salakhutdinov & G. E. Hinton (2009), "Deep Boltzmann machines", AISTATS;
 * G. E. Hinton, S. Osindero & Y.-W. Teh (2006), "A fast learning algorithm for deep belief nets";
 * H. Xiao, K. Rasul & R. Vollgraf (2017), Fashion-MNIST.
 */
import { Rng, SGD, ValidationError, positiveInt, positiveNumber, trainTestSplit, tf, type LabeledData } from '@gradlab/core';
import { z, defineExperiment, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { cachedImageData } from './cached-image-data.js';
import { DBM_FINE_TUNING_NETS, DBM_FINE_TUNING_RECIPES, type BuiltNet, type DbmFineTuningNet } from './dbm-fine-tuning-nets.js';
import { fineTuneEpoch } from './fine-tune-epoch.js';
import { dbmFineTuningFinding } from './findings/dbm-fine-tuning.js';
import { errorRate, selectByValidation } from './validation-selection.js';

const configSchema = z.strictObject({
  /** Seeds; each has its own validation split, initialisation, pretraining, chains and minibatch order. */
  seeds: z.array(z.number().int()).min(1),
  /** Nets to compare (see `dbm-fine-tuning-nets.ts`). */
  nets: z.array(z.enum(DBM_FINE_TUNING_NETS, { error: `one of ${DBM_FINE_TUNING_NETS.join(', ')}` })).min(1),
  /** Units of the first hidden layer. */
  hidden1: positiveInt(),
  /** Units of the second hidden layer. */
  hidden2: positiveInt(),
  /** Training images (the first n of the training file), the validation rows included. */
  trainSize: positiveInt(),
  /** Rows of the training subset held out for validation (fewer than trainSize). */
  validationSize: positiveInt(),
  /** Test images (the first n of the test file). */
  testSize: positiveInt(),
  /** Epochs of each of the DBM's pretraining RBMs (the DBN's RBMs get this plus jointEpochs). */
  pretrainEpochs: positiveInt(),
  /** Epochs of the DBM's joint training (mean field + persistent chains). */
  jointEpochs: positiveInt(),
  /** Learning rate of every RBM (the DBM's modified ones and the DBN's, CD-1). */
  rbmLearningRate: positiveNumber(),
  /** Learning rate of the DBM's joint training. */
  dbmLearningRate: positiveNumber(),
  /** Persistent chains of the DBM's joint training. */
  numChains: positiveInt(),
  /** Mean-field sweeps per minibatch in joint training, and for the fine-tuning input. */
  meanFieldIterations: z.number().int().min(0),
  /** Fine-tuning epochs. */
  epochs: positiveInt(),
  /** Minibatch size of pretraining, joint training and fine-tuning. */
  batchSize: positiveInt(),
  /** Fine-tuning SGD learning rate. */
  learningRate: positiveNumber(),
  /** Fine-tuning momentum. */
  momentum: z.number().min(0).lt(1),
});

/** Configuration of dbm-fine-tuning. */
export type DbmFineTuningConfig = z.output<typeof configSchema>;

/** Columns of dbm-fine-tuning.csv. */
export const DBM_FINE_TUNING_COLUMNS = ['net', 'seed', 'epoch', 'train_loss', 'val_error', 'selected_epoch', 'test_error'] as const;

type Cell = { net: DbmFineTuningNet };

/**
 * The validation split of a seed: `validationSize` of the first `trainSize` training rows, drawn
 * by `new Rng(seed).fork('dbm-fine-tuning/validation')`; both index lists ascending.
 * @throws ValidationError unless validationSize < trainSize
 */
export function dbmValidationSplit(trainSize: number, validationSize: number, seed: number): { train: Int32Array; validation: Int32Array } {
  if (!(validationSize < trainSize)) throw new ValidationError(`dbm-fine-tuning: expected validationSize to be below trainSize ${trainSize}, got ${validationSize}`);
  const { train, test } = trainTestSplit(trainSize, validationSize / trainSize, new Rng(seed).fork('dbm-fine-tuning/validation'));
  return { train, validation: test };
}

/** The rows `idx` of a split as tensors. */
function gather(d: LabeledData, idx: ArrayLike<number>): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const f = d.shape[1];
  const x = new Float32Array(idx.length * f);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    x.set(d.x.subarray(r * f, (r + 1) * f), i * f);
    y[i] = d.y[r]!;
  }
  return { x: tf.tensor2d(x, [idx.length, f]), y: tf.tensor1d(y, 'int32') };
}

async function runCell(cell: Cell & { seed: number }, config: DbmFineTuningConfig, rng: Rng, dataDir: string | undefined, notice: (m: string) => void): Promise<Row[]> {
  const data = await cachedImageData('dbm-fine-tuning', dataDir, config.trainSize, config.testSize, cell.seed);
  if (data.notice !== undefined) notice(data.notice);
  const split = dbmValidationSplit(Math.min(config.trainSize, data.train.shape[0]), config.validationSize, cell.seed);
  const train = gather(data.train, split.train);
  const val = gather(data.train, split.validation);
  const test = gather(data.test, Array.from({ length: Math.min(config.testSize, data.test.shape[0]) }, (_, i) => i));
  const inputs: tf.Tensor[] = [];
  const rows: Row[] = [];
  let built: BuiltNet | undefined;
  const optimizer = new SGD({ learningRate: config.learningRate, momentum: config.momentum });
  try {
    built = DBM_FINE_TUNING_RECIPES[cell.net].build(train.x, data.train.numClasses, config, rng.fork('net'));
    const net = built.net;
    const [trainX, valX, testX] = [train.x, val.x, test.x].map((x) => built!.input(x)) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    inputs.push(trainX, valX, testX);
    const selection = selectByValidation(net, config.epochs, (epoch) => {
      const trainLoss = fineTuneEpoch(net, optimizer, trainX, train.y, config.batchSize, rng.fork(`shuffle/${epoch}`));
      const valError = errorRate(net, valX, val.y);
      rows.push({ epoch, train_loss: trainLoss, val_error: valError });
      return valError;
    });
    const testError = errorRate(net, testX, test.y);
    for (const r of rows) Object.assign(r, { selected_epoch: selection.epoch, test_error: testError });
  } finally {
    optimizer.dispose();
    built?.dispose();
    tf.dispose([...inputs, train.x, train.y, val.x, val.y, test.x, test.y]);
  }
  return rows;
}

const SHARED_SIZE = {
  nets: [...DBM_FINE_TUNING_NETS],
  rbmLearningRate: 0.05,
  dbmLearningRate: 0.005,
  numChains: 100,
  meanFieldIterations: 10,
  batchSize: 100,
  learningRate: 0.1,
  momentum: 0.9,
};

/** The dbm-fine-tuning experiment. */
export const dbmFineTuning = defineExperiment<DbmFineTuningConfig, Cell>({
  finding: dbmFineTuningFinding,
  name: 'dbm-fine-tuning',
  description:
    'Does a deep Boltzmann machine, unrolled with its mean-field input, fine-tune to a lower test error than a DBN of the same size and than random init (Fashion-MNIST when installed, synthetic images otherwise)?',
  configSchema,
  sizes: {
    quick: { ...SHARED_SIZE, seeds: [1], hidden1: 50, hidden2: 50, trainSize: 2000, validationSize: 400, testSize: 1000, pretrainEpochs: 2, jointEpochs: 2, epochs: 4, batchSize: 20 },
    full: { ...SHARED_SIZE, seeds: [1, 2, 3], hidden1: 200, hidden2: 200, trainSize: 12_000, validationSize: 2000, testSize: 10_000, pretrainEpochs: 4, jointEpochs: 4, epochs: 12 },
  },
  grid: (c) => c.nets.map((net) => ({ net })),
  columns: DBM_FINE_TUNING_COLUMNS,
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, await runCell(cell, config, ctx.rng, ctx.dataDir, (m) => ctx.notice(m)), { step: 'epoch', watch: ['train_loss', 'val_error'] }),
  summary: { by: ['net', 'epoch'], values: ['train_loss', 'val_error', 'test_error'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    return [
      {
        file: 'dbm-fine-tuning-validation-error.svg',
        spec: lineChart({
          data: rows,
          x: 'epoch',
          y: 'val_error',
          color: 'net',
          band: seeds > 1 ? 'stdev' : 'none',
          title: `Validation error during fine-tuning, hidden layers ${config.hidden1}-${config.hidden2}`,
          subtitle: `the test error is read once, at the epoch of least validation error${seeds > 1 ? `; mean of ${seeds} seeds ± 1 std` : ''}`,
          xTitle: 'fine-tuning epoch',
          yTitle: 'validation error',
        }),
      },
    ];
  },
});
