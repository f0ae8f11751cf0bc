/**
 * pretraining — does greedy layer-wise pretraining (a DBN of RBMs, or stacked denoising
 * autoencoders) change the early-layer gradients and the test error of a deep sigmoid network?
 *
 * A logistic MLP 784-width×depth-10 is fine-tuned by SGD with momentum on Fashion-MNIST (or on
 * synthetic 28×28 images, with a loud notice, when the data set is not installed) from three
 * initialisations:
 *
 * - `random`: Glorot & Bengio's "standard" U[±1/√fan_in] (config `randomInit`), the baseline of
 *   the pretraining era;
 * - `dbn`: a deep belief net pretrained by CD-1, layer by layer, unrolled by `DBN.toMLP`
 *   (Hinton, Osindero & Teh 2006; Hinton & Salakhutdinov 2006);
 * - `sdae`: stacked denoising autoencoders with masking noise, unrolled by
 *   `StackedAutoencoder.toMLP` (Vincent et al. 2008, 2010);
 * - `scae`: stacked contractive autoencoders (no input noise; the penalty λ‖J_f(x)‖²_F of each
 *   sigmoid encoder, in closed form, with λ = `caeContraction`), unrolled the same way (Rifai,
 *   Vincent, Muller, Glorot & Bengio 2011).
 *
 * A validation split is carved from the training subset: `validationSize` of its `trainSize`
 * rows, drawn without replacement by `new Rng(seed).fork('pretraining/validation')` (the same
 * rows for every initialisation of a seed); pretraining and fine-tuning see only the rest. The
 * finding selects each run's fine-tuning epoch by its validation error and reads the test
 * error once, at that epoch; the curves of every epoch stay in the CSV.
 *
 * Each run records, at the start of fine-tuning (epoch 0) and after every epoch, the L2 norm of
 * ∂L/∂W_l for every layer on a fixed probe batch, the training loss and error (on a fixed subset
 * of the training rows), the validation error and the test error.
 *
 * Rows per (init, depth, seed, epoch): one `split = train` row per layer l = 1 … depth + 1 (the
 * last being the output layer) with grad_l2, train_loss and error; one `split = validation` and
 * one `split = test` row with error only.
 *
 * References: G. E. Hinton, S. Osindero & Y.-W. Teh (2006), "A fast learning algorithm for deep
 * belief nets"; Y. Bengio, P. Lamblin, D. Popovici & H. Larochelle (2007), "Greedy layer-wise
 * training of deep networks"; D. Erhan, Y. Bengio, A. Courville, P.-A. Manzagol, P. Vincent &
 * S. Bengio (2010), "Why does unsupervised pre-training help deep learning?", JMLR 11;
 * X. Glorot & Y. Bengio (2010), "Understanding the difficulty of training deep feedforward
 * neural networks"; H. Xiao, K. Rasul & R. Vollgraf (2017), Fashion-MNIST (benchmark: MLP
 * 256-128-100, test accuracy 0.8833).
 */
import {
  MLP,
  Rng,
  SGD,
  ValidationError,
  trainTestSplit,
  softmaxCrossEntropy,
  INIT_NAMES,
  nonNegativeNumber,
  oneOf,
  positiveInt,
  positiveNumber,
  tensorStatsMany,
  tf,
  type LabeledData,
} from '@gradlab/core';
import { z, defineExperiment, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import { DBN, StackedAutoencoder } from '@gradlab/rbm';
import { cachedImageData } from './cached-image-data.js';
import { fineTuneEpoch } from './fine-tune-epoch.js';
import { pretrainingFinding } from './findings/pretraining.js';

/** Initialisations compared. */
export const PRETRAINING_INITS = ['random', 'dbn', 'sdae', 'scae'] as const;
/** An initialisation. */
export type PretrainingInit = (typeof PRETRAINING_INITS)[number];

const configSchema = z.strictObject({
  /** Seeds; each has its own initialisation, pretraining and minibatch order (the real-data subset is fixed). */
  seeds: z.array(z.number().int()).min(1),
  /** Initialisations to compare. */
  inits: z.array(oneOf(PRETRAINING_INITS)).min(1),
  /** Numbers of hidden layers. */
  depths: z.array(positiveInt()).min(1),
  /** Width of every hidden layer. */
  width: positiveInt(),
  /** Training examples (the first n of the training file), the validation rows included. */
  trainSize: positiveInt(),
  /** Rows of the training subset held out for validation (drawn at random per seed; fewer than trainSize). */
  validationSize: positiveInt(),
  /** Test examples (the first n of the test file). */
  testSize: positiveInt(),
  /** The `random` initialiser (Glorot & Bengio's "standard" U[±1/√n] by default). */
  randomInit: oneOf(INIT_NAMES),
  /** Pretraining epochs per layer (DBN and SDAE alike). */
  pretrainEpochs: positiveInt(),
  /** CD-1 learning rate of the RBMs (Hinton & Salakhutdinov: 0.1). */
  rbmLearningRate: positiveNumber(),
  /** SGD learning rate of the denoising and the contractive autoencoders. */
  daeLearningRate: positiveNumber(),
  /** Masking noise of the denoising autoencoders (fraction of inputs zeroed). */
  daeNoise: z.number().min(0).lt(1),
  /** Contraction strength λ of every contractive autoencoder (`scae`). */
  caeContraction: positiveNumber(),
  /** Fine-tuning epochs. */
  epochs: positiveInt(),
  /** Minibatch size of pretraining and fine-tuning. */
  batchSize: positiveInt(),
  /** Fine-tuning SGD learning rate. */
  learningRate: positiveNumber(),
  /** Factor the fine-tuning learning rate is multiplied by after every epoch (1 = constant). */
  learningRateDecay: z.number().gt(0).max(1),
  /** Fine-tuning momentum. */
  momentum: z.number().min(0).lt(1),
  /** Fine-tuning L2 weight decay. */
  weightDecay: nonNegativeNumber(),
  /** Examples in the fixed batch the gradient norms are measured on. */
  probeSize: positiveInt(),
  /** Examples of the fixed subset the training loss is measured on. */
  lossSubset: positiveInt(),
});

/** Configuration of pretraining. */
export type PretrainingConfig = z.output<typeof configSchema>;


/** Columns of pretraining.csv. */
export const PRETRAINING_COLUMNS = ['init', 'depth', 'seed', 'epoch', 'split', 'layer', 'grad_l2', 'train_loss', 'error'] as const;

type Cell = { init: PretrainingInit; depth: number };

/** The rows `indices` (in that order) of a split as tensors. */
function rowsOf(d: LabeledData, indices: ArrayLike<number>): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const f = d.shape[1];
  const x = new Float32Array(indices.length * f);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    x.set(d.x.subarray(r * f, (r + 1) * f), i * f);
    y[i] = d.y[r]!;
  }
  return { x: tf.tensor2d(x, [indices.length, f]), y: tf.tensor1d(y, 'int32') };
}

/** The first n rows of a split as tensors. */
function head(d: LabeledData, n: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  return rowsOf(d, Array.from({ length: Math.min(n, d.shape[0]) }, (_, i) => i));
}

/**
 * The validation split of a seed: `validationSize` of the first `trainSize` training rows, drawn
 * by one permutation of `new Rng(seed).fork('pretraining/validation')`; both index lists ascending.
 */
export function validationSplit(trainSize: number, validationSize: number, seed: number): { train: Int32Array; validation: Int32Array } {
  if (!(validationSize < trainSize)) throw new ValidationError(`pretraining: expected validationSize to be below trainSize ${trainSize}, got ${validationSize}`);
  const { train, test } = trainTestSplit(trainSize, validationSize / trainSize, new Rng(seed).fork('pretraining/validation'));
  return { train, validation: test };
}

/** Mean loss and error rate of `net` on (x, y), in chunks of 2,000 rows. */
function evaluate(net: MLP, x: tf.Tensor2D, y: tf.Tensor1D): { loss: number; error: number } {
  const n = x.shape[0];
  const chunk = 2000;
  const xs = x.dataSync() as Float32Array;
  const ys = y.dataSync() as Int32Array;
  const f = x.shape[1];
  let lossSum = 0;
  let wrong = 0;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const r = tf.tidy(() => {
      const xb = tf.tensor2d(xs.subarray(s * f, (s + m) * f), [m, f]);
      const yb = tf.tensor1d(ys.subarray(s, s + m), 'int32');
      const logits = net.forward(xb);
      const loss = tf.mul(softmaxCrossEntropy(logits, yb), m);
      const miss = tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), yb), 'float32'));
      return tf.stack([loss, miss]);
    });
    const v = r.dataSync();
    r.dispose();
    lossSum += v[0]!;
    wrong += v[1]!;
  }
  return { loss: lossSum / n, error: wrong / n };
}

/** ‖∂L/∂W_l‖ for every weight layer, on the probe batch. */
function layerGradNorms(net: MLP, x: tf.Tensor, y: tf.Tensor, layers: number): number[] {
  const g = net.gradients(x, y, 'softmax-cross-entropy', { training: false });
  const stats = tensorStatsMany(Array.from({ length: layers }, (_, l) => g.grads[`layer${l}.weight`]!));
  g.dispose();
  return stats.map((s) => s.l2);
}

async function runCell(cell: Cell & { seed: number }, config: PretrainingConfig, rng: Rng, dataDir: string | undefined, notice: (m: string) => void): Promise<Row[]> {
  const data = await cachedImageData('pretraining', dataDir, config.trainSize, config.testSize, cell.seed);
  if (data.notice !== undefined) notice(data.notice);
  const split = validationSplit(Math.min(config.trainSize, data.train.shape[0]), config.validationSize, cell.seed);
  const train = rowsOf(data.train, split.train);
  const validation = rowsOf(data.train, split.validation);
  const test = head(data.test, config.testSize);
  const probe = rowsOf(data.train, split.train.subarray(0, config.probeSize));
  const lossSet = rowsOf(data.train, split.train.subarray(0, config.lossSubset));
  const numClasses = data.train.numClasses;
  const sizes = [train.x.shape[1], ...Array<number>(cell.depth).fill(config.width), numClasses];
  const layers = cell.depth + 1;
  const rows: Row[] = [];
  let net: MLP | undefined;
  const optimizer = new SGD({ learningRate: config.learningRate, momentum: config.momentum, weightDecay: config.weightDecay });
  try {
    if (cell.init === 'random') {
      net = new MLP({ layerSizes: sizes, activation: 'sigmoid', init: config.randomInit }, rng.fork('init'));
    } else if (cell.init === 'dbn') {
      const dbn = new DBN({ layerSizes: sizes.slice(0, -1) }, rng.fork('dbn'));
      dbn.pretrain(train.x, { epochs: config.pretrainEpochs, batchSize: config.batchSize, learningRate: config.rbmLearningRate }, rng.fork('pretrain'));
      net = dbn.toMLP(numClasses, rng.fork('head'));
      dbn.dispose();
    } else {
      // Denoising and contractive stacks differ only in their regulariser: masking noise, or the Jacobian penalty.
      const contractive = cell.init === 'scae';
      const sae = new StackedAutoencoder(
        { layerSizes: sizes.slice(0, -1), ...(contractive ? { contraction: config.caeContraction } : {}) },
        rng.fork(cell.init),
      );
      sae.pretrain(
        train.x,
        { epochs: config.pretrainEpochs, batchSize: config.batchSize, learningRate: config.daeLearningRate, momentum: 0.9, noise: contractive ? 0 : config.daeNoise },
        rng.fork('pretrain'),
      );
      net = sae.toMLP(numClasses, rng.fork('head'));
      sae.dispose();
    }
    const record = (epoch: number) => {
      const norms = layerGradNorms(net!, probe.x, probe.y, layers);
      const { loss, error } = evaluate(net!, lossSet.x, lossSet.y);
      norms.forEach((g, l) => rows.push({ epoch, split: 'train', layer: l + 1, grad_l2: g, train_loss: loss, error }));
      for (const [name, s] of [['validation', validation], ['test', test]] as const) {
        rows.push({ epoch, split: name, layer: '', grad_l2: '', train_loss: '', error: evaluate(net!, s.x, s.y).error });
      }
    };
    record(0);
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      optimizer.learningRate = config.learningRate * config.learningRateDecay ** (epoch - 1);
      fineTuneEpoch(net, optimizer, train.x, train.y, config.batchSize, rng.fork(`shuffle/${epoch}`));
      record(epoch);
    }
  } finally {
    optimizer.dispose();
    net?.dispose();
    tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y, probe.x, probe.y, lossSet.x, lossSet.y]);
  }
  return rows;
}

/** The pretraining experiment. */
export const pretraining = defineExperiment<PretrainingConfig, Cell>({
  finding: pretrainingFinding,
  name: 'pretraining',
  description:
    'Does DBN, stacked-denoising- or stacked-contractive-autoencoder pretraining change the early-layer gradients and the test error of a deep sigmoid network (Fashion-MNIST when installed, synthetic images otherwise)?',
  configSchema,
  sizes: {
    quick: {
      seeds: [1],
      inits: [...PRETRAINING_INITS],
      depths: [3],
      width: 100,
      trainSize: 2000,
      validationSize: 500,
      testSize: 1000,
      randomInit: 'standard',
      pretrainEpochs: 3,
      rbmLearningRate: 0.1,
      daeLearningRate: 0.01,
      daeNoise: 0.25,
      caeContraction: 0.1,
      epochs: 3,
      batchSize: 100,
      learningRate: 0.1,
      learningRateDecay: 1,
      momentum: 0.9,
      weightDecay: 0,
      probeSize: 500,
      lossSubset: 1000,
    },
    full: {
      seeds: [1, 2, 3],
      inits: [...PRETRAINING_INITS],
      depths: [3],
      width: 500,
      trainSize: 60_000,
      validationSize: 10_000,
      testSize: 10_000,
      randomInit: 'standard',
      pretrainEpochs: 5,
      rbmLearningRate: 0.1,
      daeLearningRate: 0.01,
      daeNoise: 0.25,
      caeContraction: 0.1,
      epochs: 20,
      batchSize: 100,
      learningRate: 0.1,
      learningRateDecay: 0.9,
      momentum: 0.9,
      weightDecay: 0,
      probeSize: 1000,
      lossSubset: 10_000,
    },
  },
  grid: (c) => c.depths.flatMap((depth) => c.inits.map((init) => ({ init, depth }))),
  columns: PRETRAINING_COLUMNS,
  run: async (cell, config, ctx) =>
    recordDivergence(ctx, await runCell(cell, config, ctx.rng, ctx.dataDir, (m) => ctx.notice(m)), { step: 'epoch', watch: ['train_loss', 'error', 'grad_l2'] }),
  summary: { by: ['init', 'depth', 'epoch', 'split', 'layer'], values: ['grad_l2', 'train_loss', 'error'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    const over = seeds > 1 ? `mean of ${seeds} seeds, band` : '';
    const depth = Math.max(...config.depths);
    const atDepth = rows.filter((r) => r['depth'] === depth);
    const curves = atDepth.filter((r) => r['layer'] === 1);
    const errors = atDepth.filter((r) => r['split'] === 'validation' || r['split'] === 'test').map((r) => ({ ...r, series: `${r['init']} ${r['split']}` }));
    const start = atDepth.filter((r) => r['epoch'] === 0 && r['split'] === 'train');
    return [
      {
        file: 'pretraining-grad-vs-layer.svg',
        spec: lineChart({
          data: start,
          x: 'layer',
          y: 'grad_l2',
          color: 'init',
          logY: true,
          band: seeds > 1 ? 'minmax' : 'none',
          title: `‖∂L/∂W_l‖ at the start of fine-tuning, depth ${depth}`,
          subtitle: `layer depth+1 is the new output layer${seeds > 1 ? `; ${over} min–max` : ''}`,
          xTitle: 'layer l (1 = nearest the input)',
          yTitle: '‖∂L/∂W_l‖ (log scale)',
        }),
      },
      {
        file: 'pretraining-test-error.svg',
        spec: lineChart({
          data: errors, x: 'epoch', y: 'error', color: 'series', band: seeds > 1 ? 'stdev' : 'none',
          title: `Validation and test error during fine-tuning, depth ${depth}`, subtitle: `the finding reads the test error at the epoch of least validation error${seeds > 1 ? `; ${over} ± 1 std` : ''}`, xTitle: 'epoch', yTitle: 'error rate', colorTitle: 'init, split',
        }),
      },
      {
        file: 'pretraining-train-loss.svg',
        spec: lineChart({
          data: curves, x: 'epoch', y: 'train_loss', color: 'init', logY: true, band: seeds > 1 ? 'minmax' : 'none',
          title: `Training loss during fine-tuning, depth ${depth}`, ...(seeds > 1 ? { subtitle: `${over} min–max` } : {}), xTitle: 'epoch', yTitle: 'cross-entropy (log scale)',
        }),
      },
    ];
  },
});
