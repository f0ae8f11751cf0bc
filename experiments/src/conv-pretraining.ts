/**
 * conv-pretraining — does greedy unsupervised pretraining of the convolution layers by stacked
 * convolutional autoencoders (Masci, Meier, Cireşan & Schmidhuber 2011) lower the test error of a
 * small CNN against random initialisation, after the same supervised fine-tuning?
 *
 * A core ConvNet (`channels.length` 5×5 "same" convolutions, max-pooling 2×2 after each, a
 * dense softmax head on the flattened last map) is fine-tuned by Adam on Fashion-MNIST (or on
 * synthetic 28×28 images, with a loud notice, when the data set is not installed) from two
 * initialisations:
 *
 * - `random`: the ConvNet's own initialiser (`randomInit`, Glorot uniform by default, the scale
 *   the autoencoders start from too);
 * - `scae`: a `StackedConvAutoencoder` with the same geometry, activation and pooling, each
 *   layer a tied-weight denoising convolutional autoencoder trained on the pooled codes of the
 *   one below (masking noise `daeNoise`, Adam), unrolled by `toConvNet` with a new head drawn
 *   from the same Rng fork as the random net's head.
 *
 * Both see the same rows: a validation split is carved from the first `trainSize` training images
 * by the pretraining experiment's `validationSplit` (`validationSize` rows, Rng fork
 * 'pretraining/validation' of the seed); pretraining and fine-tuning see only the rest. The
 * finding selects each run's epoch by validation error and reads the test error there once.
 *
 * Rows per (init, seed): for `scae`, one `split = pretrain` row per layer and pretraining epoch
 * with the autoencoder's mean squared reconstruction error per example (`recon_error`, of the
 * masked inputs); per fine-tuning epoch (0 = before it), one `split = train` row with the mean
 * loss and error on a fixed subset of the training rows, one `validation` and one `test` row
 * with the error.
 *
 * References: J. Masci, U. Meier, D. Cireşan & J. Schmidhuber (2011), "Stacked convolutional
 * auto-encoders for hierarchical feature extraction", ICANN (LNCS 6791); D. Erhan et al. (2010),
 * "Why does unsupervised pre-training help deep learning?", JMLR 11; H. Xiao, K. Rasul &
 * R. Vollgraf (2017), Fashion-MNIST.
 */
import { Adam, ConvNet, INIT_NAMES, Rng, oneOf, positiveInt, positiveNumber, softmaxCrossEntropy, tf, type LabeledData } from '@gradlab/core';
import { z, defineExperiment, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { CONV_AUTOENCODER_ACTIVATIONS, StackedConvAutoencoder } from '@gradlab/rbm';
import { cachedImageData } from './cached-image-data.js';
import { fineTuneEpoch } from './fine-tune-epoch.js';
import { validationSplit } from './pretraining.js';
import { convPretrainingFinding } from './findings/conv-pretraining.js';

/** Initialisations compared. */
export const CONV_PRETRAINING_INITS = ['random', 'scae'] as const;
/** An initialisation. */
export type ConvPretrainingInit = (typeof CONV_PRETRAINING_INITS)[number];
/** Kernel side of every convolution ("same" padding 2). */
export const CONV_PRETRAINING_KERNEL = 5;

const configSchema = z.strictObject({
  /** Seeds; each has its own initialisation, pretraining, validation rows and minibatch order. */
  seeds: z.array(z.number().int()).min(1),
  /** Initialisations to compare. */
  inits: z.array(oneOf(CONV_PRETRAINING_INITS)).min(1),
  /** Feature maps of each convolution layer, bottom first. */
  channels: z.array(positiveInt()).min(1),
  /** Activation of every convolution (and encoder). */
  activation: oneOf(CONV_AUTOENCODER_ACTIVATIONS),
  /** Initialiser of the random net's kernels and of both nets' heads. */
  randomInit: oneOf(INIT_NAMES),
  /** Training images (the first n of the training file), the validation rows included. */
  trainSize: positiveInt(),
  /** Rows of the training subset held out for validation (fewer than trainSize). */
  validationSize: positiveInt(),
  /** Test images (the first n of the test file). */
  testSize: positiveInt(),
  /** Pretraining epochs per autoencoder. */
  pretrainEpochs: positiveInt(),
  /** Adam learning rate of the autoencoders. */
  pretrainLearningRate: positiveNumber(),
  /** Masking noise of the autoencoders (fraction of inputs zeroed). */
  daeNoise: z.number().min(0).lt(1),
  /** Fine-tuning epochs. */
  epochs: positiveInt(),
  /** Minibatch size of pretraining and fine-tuning. */
  batchSize: positiveInt(),
  /** Fine-tuning Adam learning rate. */
  learningRate: positiveNumber(),
  /** Training rows the train loss and error are measured on. */
  lossSubset: positiveInt(),
});

/** Configuration of conv-pretraining. */
export type ConvPretrainingConfig = z.output<typeof configSchema>;

/** Columns of conv-pretraining.csv. */
export const CONV_PRETRAINING_COLUMNS = ['init', 'seed', 'epoch', 'split', 'layer', 'recon_error', 'train_loss', 'error'] as const;

/** One cell: an initialisation. */
export type ConvPretrainingCell = { init: ConvPretrainingInit };

/** Images [n, 28, 28, 1] and labels of the rows `indices` (in that order). */
function imagesOf(d: LabeledData, side: [number, number], indices: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const f = d.shape[1];
  const x = new Float32Array(indices.length * f);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    x.set(d.x.subarray(r * f, (r + 1) * f), i * f);
    y[i] = d.y[r]!;
  }
  return { x: tf.tensor4d(x, [indices.length, side[0], side[1], 1]), y: tf.tensor1d(y, 'int32') };
}

/** Rows evaluated per forward pass. */
const EVAL_CHUNK = 1000;

/** Mean loss and error rate of `net` on (x, y), in chunks. */
function evaluate(net: ConvNet, x: tf.Tensor4D, y: tf.Tensor1D): { loss: number; error: number } {
  const n = x.shape[0];
  const xs = x.dataSync() as Float32Array;
  const ys = y.dataSync() as Int32Array;
  const f = xs.length / n;
  let lossSum = 0;
  let wrong = 0;
  for (let s = 0; s < n; s += EVAL_CHUNK) {
    const m = Math.min(EVAL_CHUNK, n - s);
    const r = tf.tidy(() => {
      const xb = tf.tensor4d(xs.subarray(s * f, (s + m) * f), [m, x.shape[1], x.shape[2], x.shape[3]]);
      const yb = tf.tensor1d(ys.subarray(s, s + m), 'int32');
      const logits = net.forward(xb);
      return tf.stack([tf.mul(softmaxCrossEntropy(logits, yb), m), tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), yb), 'float32'))]);
    });
    const v = r.dataSync();
    r.dispose();
    lossSum += v[0]!;
    wrong += v[1]!;
  }
  return { loss: lossSum / n, error: wrong / n };
}

/**
 * One run: builds the net (pretraining it for `scae`), fine-tunes it, records the rows.
 * @param rng the cell's Rng (forks 'net', 'scae', 'pretrain', 'shuffle/<epoch>')
 */
export async function convPretrainingRows(
  cell: ConvPretrainingCell & { seed: number },
  config: ConvPretrainingConfig,
  rng: Rng,
  dataDir?: string,
  notice: (m: string) => void = () => undefined,
): Promise<Row[]> {
  const data = await cachedImageData('conv-pretraining', dataDir, config.trainSize, config.testSize, cell.seed);
  if (data.notice !== undefined) notice(data.notice);
  const side = data.imageShape;
  const split = validationSplit(Math.min(config.trainSize, data.train.shape[0]), config.validationSize, cell.seed);
  const train = imagesOf(data.train, side, split.train);
  const validation = imagesOf(data.train, side, split.validation);
  const test = imagesOf(data.test, side, Array.from({ length: Math.min(config.testSize, data.test.shape[0]) }, (_, i) => i));
  const lossSet = imagesOf(data.train, side, split.train.subarray(0, config.lossSubset));
  const outputs = data.train.numClasses;
  const geometry = { kernelSize: CONV_PRETRAINING_KERNEL, padding: (CONV_PRETRAINING_KERNEL - 1) / 2, pool: 'max', activation: config.activation } as const;
  const rows: Row[] = [];
  let net: ConvNet | undefined;
  const optimizer = new Adam({ learningRate: config.learningRate });
  try {
    if (cell.init === 'random') {
      net = new ConvNet({ inputShape: [side[0], side[1], 1], depth: config.channels.length, channels: config.channels, outputs, head: 'flatten', init: config.randomInit, ...geometry }, rng.fork('net'));
    } else {
      const scae = new StackedConvAutoencoder({ inputShape: [side[0], side[1], 1], channels: config.channels, init: config.randomInit, ...geometry }, rng.fork('scae'));
      try {
        scae.pretrain(
          train.x,
          {
            epochs: config.pretrainEpochs,
            batchSize: config.batchSize,
            optimizer: 'adam',
            learningRate: config.pretrainLearningRate,
            noise: config.daeNoise,
            onEpoch: (s) => void rows.push({ epoch: s.epoch, split: 'pretrain', layer: s.layer + 1, recon_error: s.reconError, train_loss: '', error: '' }),
          },
          rng.fork('pretrain'),
        );
        net = scae.toConvNet(outputs, rng.fork('net'), { head: 'flatten', headInit: config.randomInit });
      } finally {
        scae.dispose();
      }
    }
    const record = (epoch: number) => {
      const { loss, error } = evaluate(net!, lossSet.x, lossSet.y);
      rows.push({ epoch, split: 'train', layer: '', recon_error: '', train_loss: loss, error });
      for (const [name, s] of [['validation', validation], ['test', test]] as const) {
        rows.push({ epoch, split: name, layer: '', recon_error: '', train_loss: '', error: evaluate(net!, s.x, s.y).error });
      }
    };
    record(0);
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      fineTuneEpoch(net, optimizer, train.x, train.y, config.batchSize, rng.fork(`shuffle/${epoch}`));
      record(epoch);
    }
  } finally {
    optimizer.dispose();
    net?.dispose();
    tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y, lossSet.x, lossSet.y]);
  }
  return rows;
}

/** The conv-pretraining experiment. */
export const convPretraining = defineExperiment<ConvPretrainingConfig, ConvPretrainingCell>({
  finding: convPretrainingFinding,
  name: 'conv-pretraining',
  description:
    'Does greedy pretraining of the convolution layers by stacked denoising convolutional autoencoders (Masci et al. 2011) lower a small CNN\'s test error against random init (Fashion-MNIST when installed, synthetic images otherwise)?',
  configSchema,
  sizes: {
    quick: {
      seeds: [1],
      inits: [...CONV_PRETRAINING_INITS],
      channels: [4, 8],
      activation: 'tanh',
      randomInit: 'glorot-uniform',
      trainSize: 600,
      validationSize: 200,
      testSize: 400,
      pretrainEpochs: 2,
      pretrainLearningRate: 0.01,
      daeNoise: 0.25,
      epochs: 2,
      batchSize: 50,
      learningRate: 0.003,
      lossSubset: 200,
    },
    full: {
      seeds: [1, 2, 3],
      inits: [...CONV_PRETRAINING_INITS],
      channels: [8, 16],
      activation: 'tanh',
      randomInit: 'glorot-uniform',
      trainSize: 3000,
      validationSize: 1000,
      testSize: 2000,
      pretrainEpochs: 2,
      pretrainLearningRate: 0.01,
      daeNoise: 0.25,
      epochs: 5,
      batchSize: 50,
      learningRate: 0.003,
      lossSubset: 1000,
    },
  },
  grid: (c) => c.inits.map((init) => ({ init })),
  columns: CONV_PRETRAINING_COLUMNS,
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, await convPretrainingRows(cell, config, ctx.rng, ctx.dataDir, (m) => ctx.notice(m)), { step: 'epoch', watch: ['train_loss', 'error'] }),
  summary: { by: ['init', 'epoch', 'split', 'layer'], values: ['recon_error', 'train_loss', 'error'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    const band = seeds > 1 ? ('stdev' as const) : ('none' as const);
    const errors = rows.filter((r) => r['split'] === 'validation' || r['split'] === 'test').map((r) => ({ ...r, series: `${r['init']} ${r['split']}` }));
    const recon = rows.filter((r) => r['split'] === 'pretrain').map((r) => ({ ...r, series: `layer ${r['layer']}` }));
    return [
      {
        file: 'conv-pretraining-error.svg',
        spec: lineChart({
          data: errors, x: 'epoch', y: 'error', color: 'series', band,
          title: 'Validation and test error during fine-tuning', subtitle: `the finding reads the test error at the epoch of least validation error${seeds > 1 ? `; mean of ${seeds} seeds ± 1 std` : ''}`,
          xTitle: 'fine-tuning epoch', yTitle: 'error rate', colorTitle: 'init, split',
        }),
      },
      {
        file: 'conv-pretraining-recon.svg',
        spec: lineChart({
          data: recon, x: 'epoch', y: 'recon_error', color: 'series', band,
          title: 'Reconstruction error of each convolutional autoencoder during pretraining', subtitle: 'squared error per example, of masked inputs (layer 2 reconstructs pooled layer-1 codes)',
          xTitle: 'pretraining epoch', yTitle: 'squared error per example', colorTitle: 'layer',
        }),
      },
    ];
  },
});
