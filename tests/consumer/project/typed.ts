// A strict TypeScript consumer (NodeNext): typechecked against the packages' .d.ts, never run.
import { MLP, Rng, initBackend, tf, type BackendInfo } from '@gradlab/core';
import { GRU, bptt, type BPTTResult } from '@gradlab/rnn';
import { BernoulliRBM, trainRBM } from '@gradlab/rbm';
import { defineExperiment, runExperiment, z, type Row } from '@gradlab/lab';

export async function demo(): Promise<number> {
  const backend: BackendInfo = await initBackend();
  const rng = new Rng(1);
  const net = new GRU({ inputSize: 2, hiddenSize: 4, outputSize: 1 }, rng.fork('gru'));
  const x = tf.zeros([5, 3, 2]);
  const y = tf.zeros([3, 1]);
  const g: BPTTResult = bptt(net, x, y, { loss: 'mse', at: 'last' });
  const mlp = new MLP({ layerSizes: [4, 8, 2] }, rng.fork('mlp'));
  const rbm = new BernoulliRBM({ numVisible: 4, numHidden: 2 }, rng.fork('rbm'));
  trainRBM(rbm, tf.zeros([8, 4]), { epochs: 1, batchSize: 4 }, rng.fork('cd'));
  const loss = g.loss;
  g.dispose();
  mlp.dispose();
  rbm.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return backend.name === 'wasm' ? loss : -loss;
}

export const typed = defineExperiment({
  name: 'typed',
  description: 'A typed experiment: the config type flows into grid and run.',
  configSchema: z.object({ widths: z.array(z.number().int().positive()), seeds: z.array(z.number().int()) }),
  sizes: { quick: { widths: [2], seeds: [1] }, full: { widths: [2, 4], seeds: [1, 2] } },
  grid: (config) => config.widths.map((width) => ({ width })),
  columns: ['width', 'seed', 'value'],
  run: (cell, _config, ctx): Row[] => [{ width: cell.width, seed: cell.seed, value: ctx.rng.uniform(0, 1) }],
});

export const run = () => runExperiment(typed, { outDir: 'out/typed', size: 'quick' });
