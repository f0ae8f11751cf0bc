// Writes test/nn/fixtures/convnet-torch/gradlab-check.safetensors and gradlab-check.json: a seeded
// gradlab ConvNet (batch norm after one training batch, residual, max pooling, flatten head)
// saved with saveConvNetTorchWeights, a batch and its eval-mode logits, for
// `make_convnet_fixture.py check` to load into PyTorch with load_state_dict(strict=True) and compare.
// Run: npx tsx packages/core/scripts/write-convnet-check.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvNet, Rng, initBackend, saveConvNetTorchWeights, tf } from '../src/index.js';
import type { ConvNetConfig } from '../src/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'nn', 'fixtures', 'convnet-torch');
const config: ConvNetConfig = {
  inputShape: [8, 7, 2],
  depth: 3,
  channels: [3, 4, 4],
  outputs: 3,
  activation: 'tanh',
  norm: 'batch',
  residual: true,
  pool: 'max',
  poolEvery: 2,
  head: 'flatten',
};

await initBackend();
const rng = new Rng(4);
const net = new ConvNet(config, rng.fork('net'));
const x = rng.fork('x').normalTensor([3, 8, 7, 2]);
const y = tf.tensor1d([0, 1, 2], 'int32');
net.gradients(x, y, 'softmax-cross-entropy').dispose(); // moves the BatchNorm2d buffers off their initial values
await saveConvNetTorchWeights(net, join(dir, 'gradlab-check.safetensors'), config);
const logits = net.forward(x);
writeFileSync(join(dir, 'gradlab-check.json'), JSON.stringify({ config, x: { shape: x.shape, data: Array.from(x.dataSync()) }, eval_output: Array.from(logits.dataSync()) }));
tf.dispose([x, y, logits]);
net.dispose();
