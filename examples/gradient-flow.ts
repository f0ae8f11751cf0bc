// Per-layer gradient norms of a deep sigmoid net at initialisation, with and without batch norm.
import { MLP, Rng, initBackend, shapeset, tensorStatsMany, tf } from '@gradlab/core';

await initBackend();
const rng = new Rng(1);
const data = shapeset({ n: 128, size: 16 }, rng.fork('data'));
const x = tf.tensor2d(data.x, data.shape);
const y = tf.tensor1d(data.y, 'int32');

for (const norm of ['none', 'batch'] as const) {
  const net = new MLP(
    { layerSizes: [256, ...Array<number>(10).fill(64), data.numClasses], activation: 'sigmoid', init: 'standard', norm },
    rng.fork(`net-${norm}`),
  );
  const g = net.gradients(x, y, 'softmax-cross-entropy');
  const stats = tensorStatsMany(Array.from({ length: net.depth }, (_, l) => g.grads[`layer${l}.weight`]!));
  console.log(`norm=${norm}: ‖∂L/∂W_l‖ for l = 1..${net.depth}:`, stats.map((s) => s.l2.toExponential(1)).join(' '));
  g.dispose();
  net.dispose();
}
tf.dispose([x, y]);
