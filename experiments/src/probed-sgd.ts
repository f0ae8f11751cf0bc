/**
 * What depth-gradients and weight-sharing share: the SGD loop that probes a feed-forward net's
 * gradients at initialisation and over the first steps, and the chart of a per-layer quantity
 * against depth.
 */
import { SGD, tf, type NamedTensors, type NamedVariables, type Rng } from '@gradlab/core';
import { lineChart } from '@gradlab/lab';
import { seedBand } from './seed-band.js';

/** The loop's sizes (fields of both experiments' configs). */
export interface ProbedSgdConfig {
  /** Rows of the training set. */
  trainSize: number;
  /** Rows per minibatch. */
  batchSize: number;
  /** SGD updates; gradients are taken at steps 0 … steps. */
  steps: number;
  /** Record every this many steps (and always at step 0 and the last). */
  recordEvery: number;
  /** Plain SGD's learning rate. */
  learningRate: number;
}

/**
 * Steps 0 … steps: a minibatch of the first `batchSize` rows of a fresh permutation from
 * `order`, its gradients, `record` at step 0, every `recordEvery` steps and the last, then an
 * SGD update after every step but the last (so the last record is of the net after `steps`
 * updates).
 * @param x inputs [trainSize, …]; y labels [trainSize] (neither disposed)
 * @param gradients one minibatch's loss and gradients, disposed after `record`
 * @param applyUpdate runs the step's SGD update (`undefined` after the last step); a watcher
 *   goes here, to read θ before and after the update (default: just run it)
 */
export function runProbedSgd<G extends { grads: NamedTensors; dispose(): void }>(
  x: tf.Tensor,
  y: tf.Tensor,
  params: NamedVariables,
  config: ProbedSgdConfig,
  order: Rng,
  gradients: (xb: tf.Tensor, yb: tf.Tensor) => G,
  record: (step: number, g: G) => void,
  applyUpdate: (step: number, g: G, update: (() => void) | undefined) => void = (_step, _g, update) => update?.(),
): void {
  const optimizer = new SGD({ learningRate: config.learningRate });
  try {
    for (let step = 0; step <= config.steps; step++) {
      const idx = tf.tensor1d(Array.from(order.permutation(config.trainSize).subarray(0, config.batchSize)), 'int32');
      const xb = tf.gather(x, idx);
      const yb = tf.gather(y, idx);
      const g = gradients(xb, yb);
      if (step % config.recordEvery === 0 || step === config.steps) record(step, g);
      applyUpdate(step, g, step < config.steps ? () => optimizer.step(params, g.grads) : undefined);
      g.dispose();
      tf.dispose([idx, xb, yb]);
    }
  } finally {
    optimizer.dispose();
  }
}

/**
 * A per-layer quantity against hidden layer l on a log axis, one panel per activation, seeds
 * shown as {@link seedBand} says.
 */
export function layerProfileChart(args: {
  data: readonly Record<string, string | number | boolean>[];
  y: string;
  color: string;
  facetRow?: string;
  seeds: readonly number[];
  title: string;
  yTitle: string;
}): ReturnType<typeof lineChart> {
  return lineChart({
    data: args.data,
    x: 'layer',
    y: args.y,
    color: args.color,
    facetColumn: 'activation',
    facetRow: args.facetRow,
    logY: true,
    band: seedBand(args.seeds).band,
    title: args.title,
    xTitle: 'hidden layer l (1 = nearest the input)',
    yTitle: `${args.yTitle} (log scale)`,
  });
}
