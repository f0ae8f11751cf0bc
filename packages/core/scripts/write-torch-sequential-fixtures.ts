// Writes test/nn/fixtures/torch-sequential/gradlab-*.safetensors and gradlab-cases.json: seeded
// gradlab MLPs saved with saveMLPTorchWeights and their eval-mode outputs on a batch, for
// `tests/torch/sequential_weights_reference.py check` to load into torch.nn.Sequential and
// compare. The tests rebuild the same models and compare the bytes.
// Run: npx tsx packages/core/scripts/write-torch-sequential-fixtures.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MLP, Rng, initBackend, saveMLPTorchWeights, tf } from '../src/index.js';
import type { MLPConfig } from '../src/index.js';

/** Where the fixtures live. */
export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'nn', 'fixtures', 'torch-sequential');

/** The fixture models: name, config, and a seed for the weights, batch-norm state and batch. */
export const FIXTURE_MLPS: { name: string; config: MLPConfig; seed: number; batch: number }[] = [
  { name: 'gradlab-tanh', config: { layerSizes: [5, 7, 6, 3], activation: 'tanh' }, seed: 11, batch: 4 },
  { name: 'gradlab-relu-bn', config: { layerSizes: [4, 6, 6, 3], activation: 'relu', norm: 'batch', init: 'he-normal' }, seed: 12, batch: 5 },
  { name: 'gradlab-leaky-relu-residual-bn', config: { layerSizes: [4, 5, 5, 2], activation: 'leaky-relu', norm: 'batch', residual: true }, seed: 13, batch: 3 },
];

/**
 * A fixture MLP: weights from `rng.fork('init')`, non-zero biases, and (with batch norm) γ, β,
 * running statistics and a batch count drawn from the Rng, so every tensor is exact on every backend.
 */
export function fixtureMLP(config: MLPConfig, seed: number): MLP {
  const rng = new Rng(seed);
  const net = new MLP(config, rng.fork('init'));
  const values: Record<string, tf.Tensor> = {};
  for (const [name, p] of Object.entries(net.params)) {
    const r = rng.fork(name);
    if (name.endsWith('.bias') || name.endsWith('.beta')) values[name] = r.normalTensor(p.shape, 0, 0.2);
    if (name.endsWith('.gamma')) values[name] = r.uniformTensor(p.shape, 0.7, 1.3);
  }
  for (const [name, b] of Object.entries(net.buffers)) {
    const r = rng.fork(name);
    if (name.endsWith('.running_mean')) values[name] = r.normalTensor(b.shape, 0, 0.5);
    if (name.endsWith('.running_var')) values[name] = r.uniformTensor(b.shape, 0.5, 2);
    if (name.endsWith('.num_batches_tracked')) values[name] = tf.scalar(37, 'int32');
  }
  net.setParams(values);
  tf.dispose(Object.values(values));
  return net;
}

/** The fixture batch x [batch, input]. */
export function fixtureInput(config: MLPConfig, seed: number, batch: number): tf.Tensor {
  return new Rng(seed).fork('x').normalTensor([batch, config.layerSizes[0]!]);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await initBackend();
  const cases = [];
  for (const { name, config, seed, batch } of FIXTURE_MLPS) {
    const net = fixtureMLP(config, seed);
    const x = fixtureInput(config, seed, batch);
    const y = net.forward(x);
    await saveMLPTorchWeights(net, join(FIXTURE_DIR, `${name}.safetensors`));
    cases.push({
      name,
      weights: `${name}.safetensors`,
      config: { norm: 'none', residual: false, ...config },
      x: { shape: x.shape, data: Array.from(x.dataSync()) },
      output: Array.from(y.dataSync()),
    });
    tf.dispose([x, y]);
    net.dispose();
  }
  writeFileSync(join(FIXTURE_DIR, 'gradlab-cases.json'), `${JSON.stringify({ cases })}\n`);
}
