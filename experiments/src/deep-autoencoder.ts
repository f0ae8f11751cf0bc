/**
 * deep-autoencoder — does RBM pretraining let a deep autoencoder learn where random
 * initialisation collapses? Hinton & Salakhutdinov (2006), scaled to this machine.
 *
 * The same deep autoencoder (default 784-500-250-100-30, logistic units, a linear 30-unit code,
 * logistic output with cross-entropy) is fine-tuned by backpropagation on Fashion-MNIST (or on
 * synthetic 28×28 images, with a loud notice, when the data set is not installed) from:
 *
 * - `random`: small random weights N(0, 0.01²) (config `randomInit`), biases 0;
 * - `rbm`: a stack of RBMs pretrained greedily by CD-1 (the top one with linear Gaussian hidden
 *   units) and unrolled by `DBN.toAutoencoder()` into encoder + transposed decoder.
 *
 * Baselines, fitted to the same training images and measured in the same unit: PCA and logistic
 * PCA (Collins, Dasgupta & Schapire 2001) with as many components as the code, and the mean
 * training image (`reconstruction-baselines.ts`).
 *
 * The published finding (MNIST, Fig. 2B caption): the pretrained autoencoder reconstructs with
 * less than half the error of logistic PCA and a quarter of PCA's; on the curves data set the
 * deep autoencoder from random weights settles on (close to) the mean image. Recorded per epoch:
 * the squared reconstruction error per image (Σ over pixels, mean over images) on the training
 * subset and the test set, and ‖∂L/∂W_l‖ of every weight layer (encoder then decoder) on a fixed
 * probe batch, at the start of fine-tuning (epoch 0) and after every epoch. Each run also saves
 * a PNG of test images (top row) above their reconstructions (bottom row).
 *
 * Rows: per (init, seed, epoch) one `split = train` row per weight layer l = 1 … 2L (with that
 * layer's gradient norm) and one `split = test` row (layer and grad_l2 empty). A baseline takes
 * the place of the initialisation in `init` (pca, logistic-pca, mean-image) and has one train
 * and one test row at epoch 0, after its fit (layer and grad_l2 empty).
 *
 * References: G. E. Hinton & R. R. Salakhutdinov (2006), "Reducing the dimensionality of data
 * with neural networks", Science 313(5786), 504–507, and its supporting online material.
 */
import {
  Rng,
  ValidationError,
  INIT_NAMES,
  oneOf,
  positiveInt,
  positiveNumber,
  tensorStatsMany,
  tf,
  type LabeledData,
} from '@gradlab/core';
import { z, defineExperiment, imageGridPng, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { BACKPROP_OPTIMIZERS, DBN, DeepAutoencoder, fineTuneAutoencoder } from '@gradlab/rbm';
import { cachedImageData } from './cached-image-data.js';
import { deepAutoencoderFinding } from './findings/deep-autoencoder.js';
import { BASELINE_NAMES, RECONSTRUCTION_BASELINES, type BaselineName } from './reconstruction-baselines.js';

/** Initialisations compared. */
export const DEEP_AUTOENCODER_INITS = ['random', 'rbm'] as const;
/** An initialisation. */
export type DeepAutoencoderInit = (typeof DEEP_AUTOENCODER_INITS)[number];

const configSchema = z.strictObject({
  /** Seeds; each has its own initialisation, pretraining and minibatch order (the real-data subset is fixed). */
  seeds: z.array(z.number().int()).min(1),
  /** Initialisations to compare. */
  inits: z.array(oneOf(DEEP_AUTOENCODER_INITS)).min(1),
  /** Baselines fitted to the same training images (PCA and logistic PCA with code-size components, the mean image). */
  baselines: z.array(oneOf(BASELINE_NAMES)),
  /** Full-batch Adam steps of logistic PCA, for fitting and for encoding the evaluation images. */
  logisticPcaIterations: positiveInt(),
  /** Adam learning rate of logistic PCA. */
  logisticPcaLearningRate: positiveNumber(),
  /** Encoder sizes [784, …, code]; the decoder mirrors them. */
  layerSizes: z.array(positiveInt()).min(2),
  /** Training examples (the first n of the training file). */
  trainSize: positiveInt(),
  /** Test examples (the first n of the test file). */
  testSize: positiveInt(),
  /** The `random` initialiser of every weight matrix. */
  randomInit: oneOf(INIT_NAMES),
  /** CD-1 epochs per RBM. */
  pretrainEpochs: positiveInt(),
  /** CD-1 learning rate of the logistic RBMs (Hinton & Salakhutdinov: 0.1). */
  rbmLearningRate: positiveNumber(),
  /** CD-1 learning rate of the top RBM with linear hidden units (Hinton & Salakhutdinov: 0.001). */
  codeLearningRate: positiveNumber(),
  /** Fine-tuning epochs. */
  epochs: positiveInt(),
  /** Minibatch size of pretraining and fine-tuning. */
  batchSize: positiveInt(),
  /** Fine-tuning optimiser ('sgd' with momentum, or 'adam'). */
  optimizer: oneOf(BACKPROP_OPTIMIZERS),
  /** Fine-tuning learning rate (the loss is a sum over 784 pixels per image: keep it small for SGD). */
  learningRate: positiveNumber(),
  /** Fine-tuning momentum (SGD). */
  momentum: z.number().min(0).lt(1),
  /** Examples in the fixed batch the gradient norms are measured on. */
  probeSize: positiveInt(),
  /** Examples of the training subset the training error is measured on. */
  trainEvalSize: positiveInt(),
  /** Test images shown in the reconstruction grid. */
  gridImages: positiveInt(),
});

/** Configuration of deep-autoencoder. */
export type DeepAutoencoderExperimentConfig = z.output<typeof configSchema>;


/** Columns of deep-autoencoder.csv. */
export const DEEP_AUTOENCODER_COLUMNS = ['init', 'seed', 'epoch', 'split', 'recon_error', 'layer', 'grad_l2'] as const;

type Cell = { init: DeepAutoencoderInit | BaselineName };

function isBaseline(init: Cell['init']): init is BaselineName {
  return init in RECONSTRUCTION_BASELINES;
}

function head(d: LabeledData, n: number): tf.Tensor2D {
  const m = Math.min(n, d.shape[0]);
  return tf.tensor2d(d.x.subarray(0, m * d.shape[1]), [m, d.shape[1]]);
}

/** Squared reconstruction error per image, over the rows of x in chunks. */
function reconError(ae: DeepAutoencoder, x: tf.Tensor2D): number {
  const n = x.shape[0];
  const f = x.shape[1];
  const data = x.dataSync() as Float32Array;
  let sum = 0;
  for (let s = 0; s < n; s += 2000) {
    const m = Math.min(2000, n - s);
    const chunk = tf.tensor2d(data.subarray(s * f, (s + m) * f), [m, f]);
    sum += ae.reconstructionError(chunk) * m;
    chunk.dispose();
  }
  return sum / n;
}

async function runCell(
  cell: Cell & { seed: number },
  config: DeepAutoencoderExperimentConfig,
  rng: Rng,
  ctx: { dataDir: string | undefined; notice(m: string): void; artifact?: ((file: string, data: Uint8Array) => void) | undefined },
): Promise<Row[]> {
  const data = await cachedImageData('deep-autoencoder', ctx.dataDir, config.trainSize, config.testSize, cell.seed);
  if (data.notice !== undefined) ctx.notice(data.notice);
  const inputSize = data.train.shape[1];
  if (config.layerSizes[0] !== inputSize) throw new ValidationError(`deep-autoencoder: expected layerSizes[0] to be the image size ${inputSize}, got ${config.layerSizes[0]}`);
  const train = head(data.train, config.trainSize);
  const test = head(data.test, config.testSize);
  const probe = head(data.train, config.probeSize);
  const trainEval = head(data.train, config.trainEvalSize);
  const rows: Row[] = [];
  if (isBaseline(cell.init)) {
    const options = { components: config.layerSizes.at(-1)!, logisticPcaIterations: config.logisticPcaIterations, logisticPcaLearningRate: config.logisticPcaLearningRate };
    const baseline = RECONSTRUCTION_BASELINES[cell.init](train, options, rng.fork('baseline'));
    try {
      rows.push({ epoch: 0, split: 'train', recon_error: baseline.reconstructionError(trainEval), layer: '', grad_l2: '' });
      rows.push({ epoch: 0, split: 'test', recon_error: baseline.reconstructionError(test), layer: '', grad_l2: '' });
    } finally {
      baseline.dispose();
      tf.dispose([train, test, probe, trainEval]);
    }
    return rows;
  }
  let ae: DeepAutoencoder | undefined;
  try {
    if (cell.init === 'random') {
      ae = new DeepAutoencoder({ layerSizes: config.layerSizes, codeActivation: 'linear', outputActivation: 'sigmoid', init: config.randomInit }, rng.fork('init'));
    } else {
      const dbn = new DBN({ layerSizes: config.layerSizes, topHiddenType: 'gaussian' }, rng.fork('dbn'));
      const L = config.layerSizes.length - 1;
      dbn.pretrain(
        train,
        {
          epochs: config.pretrainEpochs,
          batchSize: config.batchSize,
          learningRate: config.rbmLearningRate,
          layers: Array.from({ length: L }, (_, l) => (l === L - 1 ? { learningRate: config.codeLearningRate } : {})),
        },
        rng.fork('pretrain'),
      );
      ae = dbn.toAutoencoder();
      dbn.dispose();
    }
    const names = ae.weightNames;
    const record = (epoch: number) => {
      const g = ae!.gradients(probe);
      const norms = tensorStatsMany(names.map((n) => g.grads[n]!)).map((s) => s.l2);
      g.dispose();
      const trainErr = reconError(ae!, trainEval);
      norms.forEach((gl, l) => rows.push({ epoch, split: 'train', recon_error: trainErr, layer: l + 1, grad_l2: gl }));
      rows.push({ epoch, split: 'test', recon_error: reconError(ae!, test), layer: '', grad_l2: '' });
    };
    record(0);
    fineTuneAutoencoder(
      ae,
      train,
      { epochs: config.epochs, batchSize: config.batchSize, optimizer: config.optimizer, learningRate: config.learningRate, momentum: config.momentum, onEpoch: (s) => record(s.epoch) },
      rng.fork('fine-tune'),
    );
    // Test images (top row) above their reconstructions (bottom row).
    const k = Math.min(config.gridImages, test.shape[0]);
    const shown = tf.tidy(() => tf.slice(test, [0, 0], [k, inputSize]));
    const recon = ae.reconstruct(shown);
    const both = tf.tidy(() => tf.concat([shown, recon], 0));
    ctx.artifact?.(`reconstructions-${cell.init}-seed${cell.seed}.png`, imageGridPng(both.dataSync(), { imageShape: data.imageShape, columns: k, scale: 2 }));
    tf.dispose([shown, recon, both]);
  } finally {
    ae?.dispose();
    tf.dispose([train, test, probe, trainEval]);
  }
  return rows;
}

/** The deep-autoencoder experiment. */
export const deepAutoencoder = defineExperiment<DeepAutoencoderExperimentConfig, Cell>({
  finding: deepAutoencoderFinding,
  name: 'deep-autoencoder',
  description:
    'Does an RBM-pretrained deep autoencoder reconstruct better than PCA, logistic PCA and the same net from random weights (Hinton & Salakhutdinov 2006, Fig. 2B)?',
  configSchema,
  sizes: {
    quick: {
      seeds: [1],
      inits: [...DEEP_AUTOENCODER_INITS],
      baselines: [...BASELINE_NAMES],
      logisticPcaIterations: 100,
      logisticPcaLearningRate: 0.05,
      layerSizes: [784, 200, 100, 50, 10],
      trainSize: 2000,
      testSize: 500,
      randomInit: 'normal-0.01',
      pretrainEpochs: 3,
      rbmLearningRate: 0.1,
      codeLearningRate: 0.001,
      epochs: 3,
      batchSize: 100,
      optimizer: 'sgd',
      learningRate: 0.001,
      momentum: 0.9,
      probeSize: 500,
      trainEvalSize: 1000,
      gridImages: 10,
    },
    full: {
      seeds: [1, 2, 3],
      inits: [...DEEP_AUTOENCODER_INITS],
      baselines: [...BASELINE_NAMES],
      logisticPcaIterations: 300,
      logisticPcaLearningRate: 0.05,
      layerSizes: [784, 500, 250, 100, 30],
      trainSize: 60_000,
      testSize: 10_000,
      randomInit: 'normal-0.01',
      pretrainEpochs: 10,
      rbmLearningRate: 0.1,
      codeLearningRate: 0.001,
      epochs: 20,
      batchSize: 100,
      optimizer: 'sgd',
      learningRate: 0.001,
      momentum: 0.9,
      probeSize: 1000,
      trainEvalSize: 10_000,
      gridImages: 12,
    },
  },
  grid: (c) => [...c.inits.map((init) => ({ init })), ...c.baselines.map((init) => ({ init }))],
  columns: DEEP_AUTOENCODER_COLUMNS,
  run: async (cell, config, ctx) => recordDivergence(ctx, await runCell(cell, config, ctx.rng, ctx), { step: 'epoch', watch: ['recon_error', 'grad_l2'] }),
  summary: { by: ['init', 'epoch', 'split', 'layer'], values: ['recon_error', 'grad_l2'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    const over = seeds > 1 ? `mean of ${seeds} seeds, band` : `seed ${config.seeds[0]}`;
    const trained = rows.filter((r) => !isBaseline(r['init'] as Cell['init']));
    const curves = trained.filter((r) => r['layer'] === 1 || r['split'] === 'test').map((r) => ({ ...r, series: `${r['init']} ${r['split']}` }));
    // Each baseline's test error drawn as a flat line across the fine-tuning epochs.
    const flat = rows
      .filter((r) => isBaseline(r['init'] as Cell['init']) && r['split'] === 'test')
      .flatMap((r) => Array.from({ length: config.epochs + 1 }, (_, epoch) => ({ ...r, epoch, series: `${r['init']} test` })));
    const start = trained.filter((r) => r['epoch'] === 0 && r['split'] === 'train');
    return [
      {
        file: 'deep-autoencoder-recon-error.svg',
        spec: lineChart({
          data: [...curves, ...flat],
          x: 'epoch',
          y: 'recon_error',
          color: 'series',
          band: seeds > 1 ? 'stdev' : 'none',
          title: 'Squared reconstruction error per image during fine-tuning',
          subtitle: `random init vs RBM pretraining; PCA, logistic PCA and the mean image (test) as flat lines; ${over}${seeds > 1 ? ' ± 1 std' : ''}`,
          xTitle: 'fine-tuning epoch',
          yTitle: 'Σ (x − x̂)² per image',
          colorTitle: 'init, split',
        }),
      },
      {
        file: 'deep-autoencoder-grad-vs-layer.svg',
        spec: lineChart({
          data: start,
          x: 'layer',
          y: 'grad_l2',
          color: 'init',
          logY: true,
          band: seeds > 1 ? 'minmax' : 'none',
          title: '‖∂L/∂W_l‖ at the start of fine-tuning',
          subtitle: `layers 1…L encoder, L+1…2L decoder; ${over}${seeds > 1 ? ' min–max' : ''}`,
          xTitle: 'weight layer l (1 = nearest the input)',
          yTitle: '‖∂L/∂W_l‖ (log scale)',
        }),
      },
    ];
  },
});
