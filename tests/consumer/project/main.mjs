// A consumer's plain-node ESM script (no tsx, no build step): a small LSTM trained by full BPTT,
// and a Bernoulli RBM fitted with persistent contrastive divergence. Prints one JSON line.
import { Adam, Rng, barsAndStripes, initBackend, tf } from '@gradlab/core';
import { LSTM, bptt } from '@gradlab/rnn';
import { BernoulliRBM, exactLogLikelihood, trainRBM } from '@gradlab/rbm';

const backend = await initBackend();
const rng = new Rng(3);

// LSTM: regress the first input of a sequence at the last step; full BPTT and Adam.
const [T, B] = [12, 16];
const net = new LSTM({ inputSize: 1, hiddenSize: 16, outputSize: 1 }, rng.fork('lstm'));
const xs = Float32Array.from({ length: T * B }, () => rng.uniform(-1, 1));
const x = tf.tensor3d(xs, [T, B, 1]);
const y = tf.tensor2d(xs.slice(0, B), [B, 1]);
const adam = new Adam({ learningRate: 0.01 });
const losses = [];
for (let step = 0; step < 60; step++) {
  const g = bptt(net, x, y, { loss: 'mse', at: 'last' });
  losses.push(g.loss);
  adam.step(net.params, g.grads);
  g.dispose();
}

// RBM: 3×3 bars and stripes, PCD.
const data = barsAndStripes(3);
const v = tf.tensor2d(data.x, data.shape);
const rbm = new BernoulliRBM({ numVisible: 9, numHidden: 8, weightStd: 0.1 }, rng.fork('rbm'));
const llBefore = exactLogLikelihood(rbm, v);
trainRBM(rbm, v, { epochs: 200, batchSize: 7, method: 'pcd', numChains: 14, learningRate: 0.05 }, rng.fork('pcd'));
const llAfter = exactLogLikelihood(rbm, v);

tf.dispose([x, y, v]);
adam.dispose();
net.dispose();
rbm.dispose();
console.log(JSON.stringify({ backend: backend.name, lstmLossFirst: losses[0], lstmLossLast: losses.at(-1), llBefore, llAfter, tensors: tf.memory().numTensors }));
