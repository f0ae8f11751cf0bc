/**
 * dbm-vs-dbn — is a deep Boltzmann machine a better generative model than a deep belief net of
 * the same size (Salakhutdinov & Hinton 2009)? On 4×4 bars-and-stripes (all 30 patterns) every
 * model is small enough for its exact log-likelihood:
 *
 * - `dbm`: [16, H1, H2] pretrained greedily with the modified RBMs (sect. 3.1), then trained
 *   jointly (mean field + persistent chains); rows right after pretraining (stage `pretrained`)
 *   and every `evalEvery` joint epochs (stage `joint`), with the mean-field lower bound beside the
 *   exact value;
 * - `dbn`: the same sizes, two ordinary RBMs trained greedily by PCD, each for as many epochs as
 *   the DBM's pretraining and joint training together; log P(v) = log Σ_h1 P_top(h1) P(v | h1);
 * - `rbm-h1` and `rbm-h1h2`: one RBM with H1 or H1 + H2 hidden units, trained by PCD for as many
 *   epochs as the DBM in all (2·pretrain + joint).
 *
 * The learning rates decay linearly to 1% over each training phase; momentum is constant. The
 * Fashion-MNIST fine-tuning half of the comparison is its own experiment, `dbm-fine-tuning`,
 * because its cells take minutes where these take seconds.
 *
 * References: R. Salakhutdinov & G. E. Hinton (2009), "Deep Boltzmann machines", AISTATS;
 * R. Salakhutdinov & I. Murray (2008), "On the quantitative analysis of deep belief networks", ICML.
 */
import { Rng, barsAndStripes, nonNegativeNumber, positiveInt, positiveNumber, tf } from '@gradlab/core';
import { z, defineExperiment, lineChart, recordDivergence, type Row } from '@gradlab/lab';
import {
  BernoulliRBM,
  DBM,
  DBN,
  dbmExactLogLikelihood,
  dbmExactLogPartition,
  dbnExactLogLikelihood,
  exactLogLikelihood,
  meanFieldLowerBound,
  trainDBM,
  trainRBM,
} from '@gradlab/rbm';
import { dbmVsDbnFinding } from './findings/dbm-vs-dbn.js';

/** The models compared. */
export const DBM_VS_DBN_MODELS = ['dbm', 'dbn', 'rbm-h1', 'rbm-h1h2'] as const;
/** One of {@link DBM_VS_DBN_MODELS}. */
export type DbmVsDbnModel = (typeof DBM_VS_DBN_MODELS)[number];

const configSchema = z
  .object({
    /** Seeds; each gets its own initial weights, batch order and chains. */
    seeds: z.array(z.number().int()).min(1),
    /** Models to run (default all four). */
    models: z.array(z.enum(DBM_VS_DBN_MODELS, { error: `one of ${DBM_VS_DBN_MODELS.join(', ')}` })).min(1),
    /** Side of the bars-and-stripes images (4: 16 visible units, 30 patterns). */
    imageSize: z.number().int().min(2, { error: 'an integer in [2, 4]' }).max(4, { error: 'an integer in [2, 4]' }),
    /** Units of the first hidden layer (enumerated for the exact likelihoods: ≤ 16). */
    hidden1: z.number().int().min(1, { error: 'an integer in [1, 16]' }).max(16, { error: 'an integer in [1, 16]' }),
    /** Units of the second hidden layer. */
    hidden2: z.number().int().min(1, { error: 'an integer in [1, 16]' }).max(16, { error: 'an integer in [1, 16]' }),
    /** Epochs of each pretraining RBM of the DBM. */
    pretrainEpochs: positiveInt(),
    /** Epochs of the DBM's joint training after pretraining. */
    jointEpochs: positiveInt(),
    /** Evaluate the DBM every this many joint epochs (and at the last). */
    evalEvery: positiveInt(),
    /** Minibatch size (3 updates per epoch with 10). */
    batchSize: positiveInt(),
    /** Initial learning rate of every RBM (PCD); decays linearly to 1% over each RBM's training. */
    rbmLearningRate: positiveNumber(),
    /** Initial learning rate of the DBM's joint training; decays the same way. */
    dbmLearningRate: positiveNumber(),
    /** Momentum, constant (0.9 makes persistent chains fall behind on this tiny set). */
    momentum: z.number().min(0).lt(1),
    /** Persistent chains of every model. */
    numChains: positiveInt(),
    /** Standard deviation of the initial weights. */
    weightStd: nonNegativeNumber(),
    /** Mean-field sweeps per minibatch of the DBM. */
    meanFieldIterations: z.number().int().min(0),
  })
  .strict();

/** Configuration of dbm-vs-dbn. */
export type DbmVsDbnConfig = z.output<typeof configSchema>;

/** Columns of dbm-vs-dbn.csv. */
export const DBM_VS_DBN_COLUMNS = ['model', 'seed', 'stage', 'epoch', 'exact_ll', 'mf_bound'] as const;

type Cell = { model: DbmVsDbnModel };

/** Linear decay to 1% of `lr0` over `epochs` (the schedule of rbm-likelihood). */
const decayed = (lr0: number, epoch: number, epochs: number) => lr0 * Math.max(0.01, 1 - epoch / epochs);

function runCell(cell: Cell & { seed: number }, c: DbmVsDbnConfig, rng: Rng): Row[] {
  const data = barsAndStripes(c.imageSize);
  const x = tf.tensor2d(data.x, data.shape);
  const V = data.shape[1];
  const init = new Rng(cell.seed).fork(`dbm-vs-dbn/init/${cell.model}`);
  const total = 2 * c.pretrainEpochs + c.jointEpochs;
  const rbmConfig = (epochs: number) => ({
    epochs,
    batchSize: c.batchSize,
    method: 'pcd' as const,
    numChains: c.numChains,
    learningRate: c.rbmLearningRate,
    initialMomentum: c.momentum,
    finalMomentum: c.momentum,
    weightCost: 0,
    onEpoch: (s: { epoch: number; trainer: { learningRate: number } }) => {
      s.trainer.learningRate = decayed(c.rbmLearningRate, s.epoch, epochs);
    },
  });
  const rows: Row[] = [];
  try {
    if (cell.model === 'dbm') {
      const dbm = new DBM({ layerSizes: [V, c.hidden1, c.hidden2], weightStd: c.weightStd }, init);
      try {
        const evaluate = (stage: string, epoch: number) => {
          const logZ = dbmExactLogPartition(dbm);
          const mf = dbm.meanField(x, { iterations: c.meanFieldIterations });
          const bound = meanFieldLowerBound(dbm, x, mf, logZ);
          tf.dispose([mf.hidden1, mf.hidden2]);
          rows.push({ model: cell.model, stage, epoch, exact_ll: dbmExactLogLikelihood(dbm, x, logZ), mf_bound: bound.reduce((a, b) => a + b, 0) / bound.length });
        };
        dbm.pretrain(x, rbmConfig(c.pretrainEpochs), rng.fork('pretrain'));
        evaluate('pretrained', 2 * c.pretrainEpochs);
        trainDBM(
          dbm,
          x,
          {
            epochs: c.jointEpochs,
            batchSize: c.batchSize,
            learningRate: c.dbmLearningRate,
            initialMomentum: c.momentum,
            finalMomentum: c.momentum,
            weightCost: 0,
            numChains: c.numChains,
            meanFieldIterations: c.meanFieldIterations,
            onEpoch: (s) => {
              s.trainer.learningRate = decayed(c.dbmLearningRate, s.epoch, c.jointEpochs);
              if (s.epoch % c.evalEvery === 0 || s.epoch === c.jointEpochs) evaluate('joint', 2 * c.pretrainEpochs + s.epoch);
            },
          },
          rng.fork('joint'),
        );
      } finally {
        dbm.dispose();
      }
    } else if (cell.model === 'dbn') {
      const dbn = new DBN({ layerSizes: [V, c.hidden1, c.hidden2], weightStd: c.weightStd }, init);
      try {
        const perLayer = c.pretrainEpochs + c.jointEpochs;
        dbn.pretrain(x, rbmConfig(perLayer), rng.fork('pretrain'));
        rows.push({ model: cell.model, stage: 'final', epoch: 2 * perLayer, exact_ll: dbnExactLogLikelihood(dbn, x), mf_bound: '' });
      } finally {
        dbn.dispose();
      }
    } else {
      const numHidden = cell.model === 'rbm-h1' ? c.hidden1 : c.hidden1 + c.hidden2;
      const means = tf.tidy(() => tf.mean(x, 0));
      const rbm = new BernoulliRBM({ numVisible: V, numHidden, weightStd: c.weightStd, visibleMeans: means }, init);
      means.dispose();
      try {
        trainRBM(rbm, x, rbmConfig(total), rng.fork('train'));
        rows.push({ model: cell.model, stage: 'final', epoch: total, exact_ll: exactLogLikelihood(rbm, x), mf_bound: '' });
      } finally {
        rbm.dispose();
      }
    }
  } finally {
    x.dispose();
  }
  return rows;
}

const SHARED_SIZE = {
  models: [...DBM_VS_DBN_MODELS],
  imageSize: 4,
  momentum: 0.5,
  numChains: 50,
  weightStd: 0.1,
  meanFieldIterations: 10,
};

/** The dbm-vs-dbn experiment. */
export const dbmVsDbn = defineExperiment<DbmVsDbnConfig, Cell>({
  finding: dbmVsDbnFinding,
  name: 'dbm-vs-dbn',
  description:
    'Deep Boltzmann machine vs deep belief net vs RBMs of the same size on 4×4 bars-and-stripes: exact log-likelihood (the DBM after greedy pretraining and during joint training, with its mean-field bound).',
  configSchema,
  sizes: {
    // Quick: larger steps on smaller batches, so that 40 + 40 epochs learn something in seconds.
    quick: { ...SHARED_SIZE, seeds: [1], hidden1: 8, hidden2: 4, batchSize: 5, rbmLearningRate: 0.1, dbmLearningRate: 0.05, pretrainEpochs: 40, jointEpochs: 40, evalEvery: 20 },
    full: { ...SHARED_SIZE, seeds: [1, 2, 3, 4, 5], hidden1: 12, hidden2: 8, batchSize: 10, rbmLearningRate: 0.05, dbmLearningRate: 0.02, pretrainEpochs: 300, jointEpochs: 600, evalEvery: 50 },
  },
  grid: (c) => c.models.map((model) => ({ model })),
  columns: DBM_VS_DBN_COLUMNS,
  run: async (cell, config, ctx) => recordDivergence(ctx, runCell(cell, config, ctx.rng), { step: 'epoch', watch: ['exact_ll'] }),
  summary: { by: ['model', 'stage', 'epoch'], values: ['exact_ll', 'mf_bound'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    return [
      {
        file: 'dbm-vs-dbn-exact-ll.svg',
        spec: lineChart({
          data: rows,
          x: 'epoch',
          y: 'exact_ll',
          color: 'model',
          band: seeds > 1 ? 'stdev' : 'none',
          title: `Exact average log-likelihood, ${config.imageSize}×${config.imageSize} bars-and-stripes (optimum −log 30 = −3.40 for 4×4)`,
          subtitle: `${seeds > 1 ? `mean of ${seeds} seeds, band ± 1 std` : `seed ${config.seeds[0]}`}; DBM from the end of pretraining, the others at the end of training`,
          xTitle: 'epochs of training (RBM epochs summed over layers)',
          yTitle: 'log-likelihood (nats)',
          width: 420,
          height: 260,
        }),
      },
    ];
  },
});
