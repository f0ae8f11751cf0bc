/**
 * Backend-agreement cases of the rbm package: Bernoulli and Gaussian-Bernoulli RBMs (free
 * energy, P(h | v), the CD-1 gradient estimate with a fixed Rng, one CD-1 training step), a
 * DBN's greedy pretraining (one epoch per layer) and a denoising autoencoder (explicit
 * gradient on masked input, one training step).
 *
 * Gibbs samples are Bernoulli draws u < p with u from the Rng in JS, so both backends draw the
 * same u; a sample can only differ where p lands within round-off of u, which at these sizes
 * (a few hundred draws, |Δp| ~ 1e-7) has probability ~1e-5.
 */
import { Rng, tf } from '@gradlab/core';
import {
  Autoencoder,
  BernoulliRBM,
  ContrastiveDivergence,
  DBN,
  GaussianBernoulliRBM,
  contrastiveDivergenceStatistics,
  maskingNoise,
  trainAutoencoder,
} from '@gradlab/rbm';
import type { RBM } from '@gradlab/rbm';
import { parameterChange, snapshot, take } from './compare.js';
import type { CaseOutputs } from './compare.js';
import type { AgreementCase } from './agreement-case.js';

const ROWS = 8;
const VISIBLE = 20;
const HIDDEN = 12;

/** Binary data [n, VISIBLE] with P(on) = 0.3. */
function binaryData(rng: Rng, n: number): tf.Tensor {
  return tf.tidy(() => rng.bernoulliTensor(tf.fill([n, VISIBLE], 0.3)));
}

function rbmOutputs(kind: 'bernoulli' | 'gaussian'): CaseOutputs {
  const rng = new Rng(31);
  const config = { numVisible: VISIBLE, numHidden: HIDDEN, weightStd: 0.1 };
  const rbm: RBM = kind === 'bernoulli' ? new BernoulliRBM(config, rng.fork('rbm')) : new GaussianBernoulliRBM(config, rng.fork('rbm'));
  const v = kind === 'bernoulli' ? binaryData(rng.fork('data'), ROWS) : rng.fork('data').normalTensor([ROWS, VISIBLE]);
  const out: CaseOutputs = {
    'fwd:free-energy': take(rbm.freeEnergy(v)),
    'fwd:P(h|v)': take(rbm.meanHidden(v)),
  };
  const s = contrastiveDivergenceStatistics(rbm, v, new Rng(5), { k: 1 });
  out['grad:cd1 weight'] = take(s.weight);
  out['grad:cd1 visibleBias'] = take(s.visibleBias);
  out['grad:cd1 hiddenBias'] = take(s.hiddenBias);
  out['fwd:cd1 negative visible'] = take(s.negativeVisible);
  const before = snapshot(rbm.params);
  const cd = new ContrastiveDivergence(rbm, { k: 1, learningRate: 0.1 });
  cd.step(v, new Rng(6));
  out['fwd:recon-error'] = [cd.takeReconstructionError()];
  Object.assign(out, parameterChange(before, rbm.params));
  cd.dispose();
  rbm.dispose();
  v.dispose();
  return out;
}

/** Greedy pretraining of a 20-12-6 DBN, one CD-1 epoch per layer over 32 rows in batches of 8. */
function dbnOutputs(): CaseOutputs {
  const rng = new Rng(41);
  const dbn = new DBN({ layerSizes: [VISIBLE, HIDDEN, 6], weightStd: 0.1 }, rng.fork('dbn'));
  const x = binaryData(rng.fork('data'), 32);
  const before = dbn.layers.map((l) => snapshot(l.params));
  const result = dbn.pretrain(x, { epochs: 1, batchSize: 8 }, rng.fork('pretrain'));
  const out: CaseOutputs = { 'fwd:recon-error per layer': result.layers.map((l) => l.history[0]!.reconError) };
  dbn.layers.forEach((l, i) => Object.assign(out, parameterChange(before[i]!, l.params, `layer${i}.`)));
  out['fwd:transform'] = take(dbn.transform(x));
  dbn.dispose();
  x.dispose();
  return out;
}

/** A tied-weight denoising autoencoder: gradient on masked input, then one SGD step (batch = all rows). */
function autoencoderOutputs(): CaseOutputs {
  const rng = new Rng(51);
  const ae = new Autoencoder({ numVisible: VISIBLE, numHidden: HIDDEN }, rng.fork('ae'));
  const x = rng.fork('data').uniformTensor([ROWS, VISIBLE]);
  const noisy = maskingNoise(x, 0.25, new Rng(7));
  const g = ae.gradients(noisy, x);
  const out: CaseOutputs = { 'fwd:loss': [g.loss], 'fwd:recon-error': [g.reconError] };
  for (const [k, t] of Object.entries(g.grads)) out[`grad:${k}`] = Float32Array.from(t.dataSync());
  g.dispose();
  const before = snapshot(ae.params);
  const history = trainAutoencoder(ae, x, { epochs: 1, batchSize: ROWS, noise: 0.25, learningRate: 0.1 }, rng.fork('train'));
  out['fwd:train-loss'] = [history[0]!.loss];
  Object.assign(out, parameterChange(before, ae.params));
  ae.dispose();
  tf.dispose([x, noisy]);
  return out;
}

/** The rbm package's cases. */
export const RBM_CASES: AgreementCase[] = [
  { family: 'rbm BernoulliRBM', name: 'free energy, CD-1 gradient, CD-1 step', run: () => rbmOutputs('bernoulli') },
  { family: 'rbm GaussianBernoulliRBM', name: 'free energy, CD-1 gradient, CD-1 step', run: () => rbmOutputs('gaussian') },
  { family: 'rbm DBN', name: 'greedy pretraining, 1 epoch per layer', run: dbnOutputs },
  { family: 'rbm Autoencoder', name: 'denoising gradient and step', run: autoencoderOutputs },
];
