// A researcher's own experiment, run by `npx gradlab run ./my-experiment.mjs`: the gradient
// norm at the first layer of a deep tanh MLP, by depth and initialisation, over seeds.
import { MLP, Rng, gaussianMixture, tensorStats, tf } from '@gradlab/core';
import { defineExperiment, lineChart, z } from '@gradlab/lab';

export const firstLayerGradient = defineExperiment({
  name: 'first-layer-gradient',
  description: 'How does ‖∂L/∂W_1‖ of a tanh MLP change with depth, for two initialisations?',
  configSchema: z.object({
    depths: z.array(z.number().int().positive()),
    inits: z.array(z.enum(['standard', 'glorot-uniform'])),
    width: z.number().int().positive(),
    seeds: z.array(z.number().int()),
  }),
  sizes: {
    quick: { depths: [2, 6, 12], inits: ['standard', 'glorot-uniform'], width: 32, seeds: [1, 2] },
    full: { depths: [2, 6, 12, 24], inits: ['standard', 'glorot-uniform'], width: 64, seeds: [1, 2, 3, 4, 5] },
  },
  grid: (config) => config.depths.flatMap((depth) => config.inits.map((init) => ({ depth, init }))),
  columns: ['depth', 'init', 'seed', 'grad_l2'],
  summary: { by: ['depth', 'init'], values: ['grad_l2'] },
  run: (cell, config, ctx) => {
    const data = gaussianMixture({ n: 128, k: 3, d: 8 }, ctx.rng.fork('data'));
    const x = tf.tensor2d(data.x, data.shape);
    const y = tf.tensor1d(data.y, 'int32');
    const net = new MLP({ layerSizes: [8, ...Array(cell.depth).fill(config.width), 3], activation: 'tanh', init: cell.init }, ctx.rng.fork('net'));
    const g = net.gradients(x, y, 'softmax-cross-entropy');
    const gradL2 = tensorStats(g.grads['layer0.weight']).l2;
    g.dispose();
    net.dispose();
    tf.dispose([x, y]);
    return [{ depth: cell.depth, init: cell.init, grad_l2: gradL2 }];
  },
  plots: (rows) => [
    { file: 'first-layer-gradient.svg', spec: lineChart({ data: rows, x: 'depth', y: 'grad_l2', color: 'init', title: '‖∂L/∂W_1‖ by depth', xTitle: 'depth', yTitle: '‖∂L/∂W_1‖', logY: true }) },
  ],
});
