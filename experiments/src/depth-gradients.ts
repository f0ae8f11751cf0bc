/**
 * depth-gradients — how does the gradient ‖∂L/∂W_l‖ and ‖∂L/∂h_l‖ change with layer l, for
 * activation × initialisation × {plain, batch norm, residual, scaled residual}, at
 * initialisation and over the first SGD steps?
 *
 * Reproduces the depth half of Glorot & Bengio (2010), "Understanding the difficulty of
 * training deep feedforward neural networks" (Shapeset-3×2, sigmoid/tanh/softsign, "standard"
 * U[±1/√n] vs normalised init) and He et al. (2015) (ReLU needs Var(W) = 2/n; leaky ReLU
 * 2/((1+a²)n)), with the two architectural remedies that followed: batch normalisation (Ioffe &
 * Szegedy 2015) and residual links (He et al. 2016), and the remedy for deep residual nets
 * whose gradients still grow with depth: branches scaled by 1/√depth (Hanin & Rolnick 2018).
 * Large initial weights (16× Glorot's variance) show the explosion side. Data: the
 * Shapeset-like synthetic images of @gradlab/core.
 *
 * One row per (cell, seed, recorded step, hidden layer l = 1 … depth).
 */
import {
  MLP,
  Rng,
  type MLPConfig,
  activation as activationByName,
  oneOf,
  positiveInt,
  nonNegativeInt,
  positiveNumber,
  saturationFraction,
  shapeset,
  tensorStatsMany,
  tf,
} from '@gradlab/core';
import { z, defineExperiment, recordDivergence, type Row } from '@gradlab/lab';
import { depthGradientsFinding } from './findings/depth-gradients.js';
import { layerProfileChart, runProbedSgd } from './probed-sgd.js';
import { seedBand } from './seed-band.js';

/** Activations compared (leaky ReLU with slope 0.01 and ELU with α = 1, PyTorch's defaults). */
export const DEPTH_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu'] as const;
/**
 * Initialisations compared: Glorot's "standard" U[±1/√n], Glorot, He, orthogonal, N(0, 0.01²),
 * and Glorot with gain 4 (16× its variance: large initial weights).
 */
export const DEPTH_INITS = ['standard', 'glorot-uniform', 'he-normal', 'orthogonal', 'normal-0.01', 'glorot-uniform-x4'] as const;
/** Architectural variants. */
export const DEPTH_VARIANTS = ['plain', 'batchnorm', 'residual', 'residual-scaled'] as const;
/** An architectural variant. */
export type DepthVariant = (typeof DEPTH_VARIANTS)[number];

/**
 * The MLP options of each variant for a net of `depth` hidden layers. 'residual-scaled' scales
 * every residual branch by 1/√depth, so the variance the branches add stays bounded as depth
 * grows (Hanin & Rolnick 2018).
 */
export const VARIANT_OPTIONS: Record<DepthVariant, (depth: number) => Pick<MLPConfig, 'norm' | 'residual' | 'residualScale'>> = {
  plain: () => ({}),
  batchnorm: () => ({ norm: 'batch' }),
  residual: () => ({ residual: true }),
  'residual-scaled': (depth) => ({ residual: true, residualScale: 1 / Math.sqrt(depth) }),
};

const configSchema = z
  .object({
    /** Seeds; each gets its own data set, batch order and weights. */
    seeds: z.array(z.number().int()).min(1),
    /** Numbers of hidden layers to compare. */
    depths: z.array(positiveInt()).min(1),
    /** Width of every hidden layer. */
    width: positiveInt(),
    /** Shapeset image side; the input has imageSize² units (Glorot & Bengio used 32). */
    imageSize: z.number().int().min(8, { error: 'an integer >= 8' }),
    /** Training images drawn per seed. */
    trainSize: positiveInt(),
    /** Minibatch size. */
    batchSize: positiveInt(),
    /** Plain SGD steps after initialisation (0 = measure at initialisation only). */
    steps: nonNegativeInt(),
    /** Record every this many steps (step 0 is always recorded). */
    recordEvery: positiveInt(),
    /** SGD learning rate (no momentum: the point is the raw gradient). */
    learningRate: positiveNumber(),
    activations: z.array(oneOf(DEPTH_ACTIVATIONS)).min(1),
    inits: z.array(oneOf(DEPTH_INITS)).min(1),
    /** Architectural variants; all but 'plain' run at the deepest depth only. */
    variants: z.array(oneOf(DEPTH_VARIANTS)).min(1),
  })
  .strict();

/** Configuration of depth-gradients. */
export type DepthGradientsConfig = z.output<typeof configSchema>;

const ALL = { activations: [...DEPTH_ACTIVATIONS], inits: [...DEPTH_INITS], variants: [...DEPTH_VARIANTS] };

/** Columns of depth-gradients.csv. */
export const DEPTH_GRADIENT_COLUMNS = [
  'depth',
  'activation',
  'init',
  'variant',
  'seed',
  'step',
  'layer',
  'grad_l2',
  'grad_rms',
  'grad_act_l2',
  'act_mean',
  'act_std',
  'saturation',
  'loss',
] as const;

/** One cell of the grid. */
export type DepthCell = { depth: number; activation: (typeof DEPTH_ACTIVATIONS)[number]; init: (typeof DEPTH_INITS)[number]; variant: DepthVariant };

/** The rows of one cell and seed (see {@link DEPTH_GRADIENT_COLUMNS}, less the cell's own columns). */
export function depthGradientRows(cell: DepthCell & { seed: number }, config: DepthGradientsConfig, rng: Rng): Row[] {
  const inputSize = config.imageSize * config.imageSize;
  // Data and batch order depend on the seed only, so every cell of a seed sees the same images.
  const seedRng = new Rng(cell.seed).fork('depth-gradients');
  const data = shapeset({ n: config.trainSize, size: config.imageSize }, seedRng.fork('data'));
  const net = new MLP(
    {
      layerSizes: [inputSize, ...Array<number>(cell.depth).fill(config.width), data.numClasses],
      activation: cell.activation,
      init: cell.init,
      ...VARIANT_OPTIONS[cell.variant](cell.depth),
    },
    rng.fork('init'),
  );
  const act = activationByName(cell.activation);
  const x = tf.tensor2d(data.x, [config.trainSize, inputSize]);
  const y = tf.tensor1d(data.y, 'int32');
  const rows: Row[] = [];
  try {
    const gradients = (xb: tf.Tensor, yb: tf.Tensor) => net.gradients(xb, yb, 'softmax-cross-entropy');
    runProbedSgd(x, y, net.params, config, seedRng.fork('batches'), gradients, (step, g) => {
      const weightGrads = Array.from({ length: cell.depth }, (_, l) => g.grads[`layer${l}.weight`]!);
      const stats = tensorStatsMany([...weightGrads, ...g.activationGrads, ...g.post]);
      for (let l = 0; l < cell.depth; l++) {
        const w = stats[l]!;
        const a = stats[2 * cell.depth + l]!;
        rows.push({
          step,
          layer: l + 1,
          grad_l2: w.l2,
          grad_rms: w.rms,
          grad_act_l2: stats[cell.depth + l]!.l2,
          act_mean: a.mean,
          act_std: a.std,
          saturation: saturationFraction(g.pre[l]!, act.derivative, act.gamma),
          loss: g.loss,
        });
      }
    });
  } finally {
    tf.dispose([x, y]);
    net.dispose();
  }
  return rows;
}

/** The depth-gradients experiment. */
export const depthGradients = defineExperiment<DepthGradientsConfig, DepthCell>({
  finding: depthGradientsFinding,
  name: 'depth-gradients',
  description:
    'How do the gradient norms ‖∂L/∂W_l‖ and ‖∂L/∂h_l‖ change with layer l, for activation × initialisation × {plain, batch norm, residual, residual scaled by 1/√depth}, at initialisation and during the first SGD steps?',
  configSchema,
  sizes: {
    quick: {
      seeds: [1],
      depths: [5, 16],
      width: 64,
      imageSize: 16,
      trainSize: 512,
      batchSize: 64,
      steps: 4,
      recordEvery: 4,
      learningRate: 0.05,
      ...ALL,
      inits: ['standard', 'glorot-uniform', 'he-normal', 'glorot-uniform-x4'],
    },
    full: { seeds: [1, 2, 3, 4, 5], depths: [5, 20, 50], width: 128, imageSize: 32, trainSize: 2048, batchSize: 64, steps: 10, recordEvery: 10, learningRate: 0.05, ...ALL },
  },
  // The architectures are compared at the deepest depth; shallower depths run plain nets only
  // (the Glorot & Bengio ratios and the mean-field factors), which keeps the full size cheap.
  grid: (c) =>
    c.depths.flatMap((depth) =>
      c.activations.flatMap((activation) =>
        c.inits.flatMap((init) =>
          c.variants.filter((v) => v === 'plain' || depth === Math.max(...c.depths)).map((variant) => ({ depth, activation, init, variant })),
        ),
      ),
    ),
  columns: DEPTH_GRADIENT_COLUMNS,
  run: async (cell, config, ctx) => recordDivergence(ctx, depthGradientRows(cell, config, ctx.rng), { step: 'step', watch: ['loss'] }),
  summary: {
    by: ['depth', 'activation', 'init', 'variant', 'step', 'layer'],
    values: ['grad_l2', 'grad_rms', 'grad_act_l2', 'act_mean', 'act_std', 'saturation', 'loss'],
  },
  plots: (rows, config) => {
    const deepest = Math.max(...config.depths);
    const lastStep = config.steps;
    const seedText = seedBand(config.seeds).note;
    const pick = (step: number) =>
      rows
        .filter((r) => r['depth'] === deepest && r['step'] === step)
        .map((r) => ({ layer: r['layer']!, grad_l2: r['grad_l2']!, init: r['init']!, activation: r['activation']!, variant: r['variant']! }));
    const chart = (step: number, label: string) =>
      layerProfileChart({
        data: pick(step),
        y: 'grad_l2',
        color: 'init',
        facetRow: 'variant',
        seeds: config.seeds,
        title: `‖∂L/∂W_l‖ against layer, depth ${deepest}, ${label} (${seedText})`,
        yTitle: '‖∂L/∂W_l‖',
      });
    const actGrads = layerProfileChart({
      data: rows
        .filter((r) => r['depth'] === deepest && r['step'] === 0)
        .map((r) => ({ layer: r['layer']!, grad_act_l2: r['grad_act_l2']!, init: r['init']!, activation: r['activation']!, variant: r['variant']! })),
      y: 'grad_act_l2',
      color: 'variant',
      facetRow: 'init',
      seeds: config.seeds,
      title: `‖∂L/∂h_l‖ against layer by architecture, depth ${deepest}, at initialisation (${seedText})`,
      yTitle: '‖∂L/∂h_l‖',
    });
    const out = [
      { file: 'grad-vs-layer-init.svg', spec: chart(0, 'at initialisation') },
      { file: 'act-grad-vs-layer-by-variant.svg', spec: actGrads },
    ];
    if (lastStep > 0) out.push({ file: 'grad-vs-layer-trained.svg', spec: chart(lastStep, `after ${lastStep} SGD steps`) });
    return out;
  },
});
