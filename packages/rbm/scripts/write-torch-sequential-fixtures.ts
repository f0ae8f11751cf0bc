// Writes test/fixtures/torch-sequential/gradlab-*.safetensors and gradlab-cases.json: a DBN's
// fine-tuning MLP (toMLP, saved with core's saveMLPTorchWeights), a DBN unrolled into a deep
// autoencoder (toAutoencoder) and a stacked autoencoder, saved in torch.nn.Sequential names, with
// their outputs on a batch, for `tests/torch/sequential_weights_reference.py check` to load into
// PyTorch and compare. The tests rebuild the same models and compare the bytes.
// Run: npx tsx packages/rbm/scripts/write-torch-sequential-fixtures.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, initBackend, saveMLPTorchWeights, tf } from '@gradlab/core';
import type { MLP } from '@gradlab/core';
import { DBN, StackedAutoencoder, saveAutoencoderTorchWeights } from '../src/index.js';
import type { DeepAutoencoder } from '../src/index.js';

/** Where the fixtures live. */
export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'torch-sequential');

/** A DBN [6, 5, 4] (weights N(0, 0.5²)) unrolled into a logistic MLP with 3 outputs. */
export function fixtureDbnMLP(): MLP {
  const rng = new Rng(21);
  const dbn = new DBN({ layerSizes: [6, 5, 4], weightStd: 0.5 }, rng.fork('dbn'));
  const mlp = dbn.toMLP(3, rng.fork('head'));
  dbn.dispose();
  return mlp;
}

/** A DBN [6, 5, 3] with a linear-Gaussian top layer, unrolled into a deep autoencoder (linear code). */
export function fixtureDbnAutoencoder(): DeepAutoencoder {
  const rng = new Rng(22);
  const dbn = new DBN({ layerSizes: [6, 5, 3], weightStd: 0.5, topHiddenType: 'gaussian' }, rng.fork('dbn'));
  const ae = dbn.toAutoencoder();
  dbn.dispose();
  return ae;
}

/** A stacked autoencoder [6, 4, 3] with Glorot weights and N(0, 0.2²) biases. */
export function fixtureStackedAutoencoder(): StackedAutoencoder {
  const rng = new Rng(23);
  const sae = new StackedAutoencoder({ layerSizes: [6, 4, 3] }, rng.fork('sae'));
  sae.layers.forEach((ae, l) => {
    const c = rng.fork(`hidden${l}`).normalTensor([ae.numHidden], 0, 0.2);
    const b = rng.fork(`visible${l}`).normalTensor([ae.numVisible], 0, 0.2);
    ae.params.hiddenBias.assign(c);
    ae.params.visibleBias.assign(b);
    tf.dispose([c, b]);
  });
  return sae;
}

/** The fixture batch: 4 rows of 6 values in [0, 1]. */
export function fixtureInput(): tf.Tensor2D {
  return new Rng(24).fork('x').uniformTensor([4, 6]) as tf.Tensor2D;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await initBackend();
  const x = fixtureInput();
  const input = { shape: x.shape, data: Array.from(x.dataSync()) };
  const values = (t: tf.Tensor) => {
    const v = Array.from(t.dataSync());
    t.dispose();
    return v;
  };
  const cases = [];

  const mlp = fixtureDbnMLP();
  await saveMLPTorchWeights(mlp, join(FIXTURE_DIR, 'gradlab-dbn-mlp.safetensors'));
  cases.push({ name: 'gradlab-dbn-mlp', weights: 'gradlab-dbn-mlp.safetensors', layerSizes: mlp.spec.layerSizes, x: input, output: values(mlp.forward(x)) });
  mlp.dispose();

  const ae = fixtureDbnAutoencoder();
  await saveAutoencoderTorchWeights(ae, join(FIXTURE_DIR, 'gradlab-dbn-autoencoder.safetensors'));
  cases.push({ name: 'gradlab-dbn-autoencoder', weights: 'gradlab-dbn-autoencoder.safetensors', layerSizes: [...ae.layerSizes], x: input, code: values(ae.encode(x)), reconstruction: values(ae.reconstruct(x)) });
  ae.dispose();

  const sae = fixtureStackedAutoencoder();
  await saveAutoencoderTorchWeights(sae, join(FIXTURE_DIR, 'gradlab-stacked-autoencoder.safetensors'));
  const code = sae.encode(x);
  const h1 = sae.layers[1]!.decode(code);
  const y = sae.layers[0]!.decode(h1);
  cases.push({ name: 'gradlab-stacked-autoencoder', weights: 'gradlab-stacked-autoencoder.safetensors', layerSizes: [...sae.layerSizes], x: input, code: values(code), reconstruction: values(y) });
  h1.dispose();
  sae.dispose();
  x.dispose();
  writeFileSync(join(FIXTURE_DIR, 'gradlab-cases.json'), `${JSON.stringify({ cases })}\n`);
}
