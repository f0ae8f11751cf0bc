// A few SGD steps with gradient clipping by global norm; each step reports the pre-clip norm.
import { MLP, Rng, SGD, gaussianMixture, initBackend, tf } from '@gradlab/core';

await initBackend();
const rng = new Rng(7);
const data = gaussianMixture({ n: 256, k: 3, d: 2 }, rng.fork('data'));
const x = tf.tensor2d(data.x, data.shape);
const y = tf.tensor1d(data.y, 'int32');
const net = new MLP({ layerSizes: [2, 32, 32, 3], activation: 'relu', init: 'he-normal' }, rng.fork('net'));
const sgd = new SGD({ learningRate: 0.1, momentum: 0.9, clip: { mode: 'global-norm', max: 1 } });

for (let step = 0; step < 20; step++) {
  const g = net.gradients(x, y, 'softmax-cross-entropy');
  const report = sgd.step(net.params, g.grads);
  if (step % 5 === 0) console.log(`step ${step}: loss ${g.loss.toFixed(4)}, pre-clip ‖g‖ ${report.gradNormPreClip.toFixed(3)}`);
  g.dispose();
}
sgd.dispose();
net.dispose();
tf.dispose([x, y]);
