import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MLP, Rng, tf, type LossName, type MLPConfig } from '@gradlab/core';

interface TorchCase {
  name: string;
  config: MLPConfig;
  loss_name: LossName;
  params: Record<string, { shape: number[]; data: number[] }>;
  x: { shape: number[]; data: number[] };
  target: number[] | number[][];
  loss: number;
  grads: Record<string, number[]>;
  buffers_after: Record<string, number[]>;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/mlp-torch.json', import.meta.url), 'utf8')) as {
  cases: TorchCase[];
};

/** max |a − e| / (max |e| + 1e-2): the 1e-2 floor (gradients here are O(0.1–1)) keeps exactly-zero
 * gradients, such as a bias before batch norm, from turning float32 round-off into a large
 * relative error. */
function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
  }
  return err / (scale + 1e-2);
}

describe('MLP against PyTorch autograd (fixture from fixtures/make_mlp_fixture.py)', () => {
  test.each(fixture.cases.map((c) => [c.name, c] as const))('%s: loss, every gradient and BN running stats', (_, c) => {
    const net = new MLP({ ...c.config, init: 'glorot-uniform' }, new Rng(0));
    const values: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(c.params)) values[k] = tf.tensor(v.data, v.shape);
    net.setParams(values);
    tf.dispose(Object.values(values));
    const x = tf.tensor(c.x.data, c.x.shape);
    const target = c.loss_name === 'softmax-cross-entropy' ? tf.tensor1d(c.target as number[], 'int32') : tf.tensor2d(c.target as number[][]);
    const g = net.gradients(x, target, c.loss_name);
    expect(Math.abs(g.loss - c.loss) / Math.abs(c.loss)).toBeLessThan(1e-5);
    expect(Object.keys(g.grads).sort()).toEqual(Object.keys(c.grads).sort());
    for (const [name, expected] of Object.entries(c.grads)) {
      expect(maxRelError(g.grads[name]!.dataSync(), expected), name).toBeLessThan(1e-4);
    }
    for (const [name, expected] of Object.entries(c.buffers_after)) {
      expect(maxRelError(net.buffers[name]!.dataSync(), expected), name).toBeLessThan(1e-5);
    }
    g.dispose();
    tf.dispose([x, target]);
    net.dispose();
  });
});

describe('MLP', () => {
  const configs: [string, MLPConfig][] = [
    ['plain', { layerSizes: [6, 5, 5, 5, 3], activation: 'tanh' }],
    ['batchnorm', { layerSizes: [6, 5, 5, 5, 3], activation: 'sigmoid', norm: 'batch' }],
    ['residual', { layerSizes: [6, 5, 5, 5, 3], activation: 'relu', init: 'he-normal', residual: true }],
  ];

  test.each(configs)('%s: ∂L/∂a_l from the zero probes equals the chain rule through the next layer', (_, config) => {
    // The last hidden activation feeds the output layer only, so ∂L/∂a_depth = (∂L/∂logits)·W_outᵀ,
    // with ∂L/∂logits = (softmax − onehot)/batch for mean cross-entropy.
    const rng = new Rng(3);
    const net = new MLP(config, rng.fork('net'));
    const x = rng.fork('x').normalTensor([4, 6]);
    const y = tf.tensor1d([0, 2, 1, 2], 'int32');
    const g = net.gradients(x, y, 'softmax-cross-entropy');
    const depth = net.depth;
    const expected = tf.tidy(() => {
      const logits = net.forward(x, { training: true });
      const dLogits = tf.div(tf.sub(tf.softmax(logits), tf.oneHot(y, 3)), 4);
      return tf.matMul(dLogits, net.params[`layer${depth}.weight`]!, false, true);
    });
    expect(maxRelError(g.activationGrads[depth - 1]!.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    expect(g.activationGrads).toHaveLength(depth);
    expect(g.pre).toHaveLength(depth);
    tf.dispose([expected, x, y]);
    g.dispose();
    net.dispose();
  });

  test('residualScale s: each square hidden layer adds s·f(z_l) to its input; the first (non-square) layer has no skip', () => {
    const s = 0.25;
    const rng = new Rng(8);
    const net = new MLP({ layerSizes: [3, 4, 4, 4, 2], activation: 'tanh', residual: true, residualScale: s }, rng.fork('net'));
    const x = rng.fork('x').normalTensor([5, 3]);
    const expected = tf.tidy(() => {
      const layer = (a: tf.Tensor, l: number) => tf.tanh(tf.add(tf.matMul(a, net.params[`layer${l}.weight`]!), net.params[`layer${l}.bias`]!));
      let a = layer(x, 0);
      for (let l = 1; l <= 2; l++) a = tf.add(a, tf.mul(s, layer(a, l)));
      return tf.add(tf.matMul(a, net.params['layer3.weight']!), net.params['layer3.bias']!);
    });
    const out = net.forward(x);
    expect(maxRelError(out.dataSync(), expected.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, out, expected]);
    net.dispose();
  });

  test('the same seed gives the same weights; another seed different ones', () => {
    const a = new MLP({ layerSizes: [4, 3, 2] }, new Rng(1));
    const b = new MLP({ layerSizes: [4, 3, 2] }, new Rng(1));
    const c = new MLP({ layerSizes: [4, 3, 2] }, new Rng(2));
    expect(Array.from(a.params['layer0.weight']!.dataSync())).toEqual(Array.from(b.params['layer0.weight']!.dataSync()));
    expect(Array.from(a.params['layer0.weight']!.dataSync())).not.toEqual(Array.from(c.params['layer0.weight']!.dataSync()));
    [a, b, c].forEach((n) => n.dispose());
  });

  test('repeated gradient calls leak no tensors and do not mutate the input', () => {
    const net = new MLP({ layerSizes: [6, 8, 8, 3], norm: 'batch', residual: true }, new Rng(4));
    const x = new Rng(5).normalTensor([5, 6]);
    const xBefore = Array.from(x.dataSync());
    const y = tf.tensor1d([0, 1, 2, 0, 1], 'int32');
    const warm = net.gradients(x, y, 'softmax-cross-entropy');
    warm.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      net.gradients(x, y, 'softmax-cross-entropy').dispose();
      net.forward(x).dispose();
    }
    const w = tf.zeros([8, 8]);
    const wInt = tf.zeros([8, 8], 'int32');
    const beforeSet = tf.memory().numTensors;
    net.setParams({ 'layer1.weight': w });
    net.setParams({ 'layer1.weight': wInt });
    expect(tf.memory().numTensors).toBe(beforeSet);
    tf.dispose([w, wInt]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(x.dataSync())).toEqual(xBefore);
    tf.dispose([x, y]);
    net.dispose();
  });

  test('bad configs and inputs fail with messages naming the field', () => {
    const rng = new Rng(0);
    expect(() => new MLP({ layerSizes: [4] }, rng)).toThrow(/MLP: expected layerSizes to be an array of at least 2 positive integers, got \[4\]/);
    expect(() => new MLP({ layerSizes: [4, 2.5, 3] }, rng)).toThrow(/MLP: expected layerSizes\[1\] to be a positive integer, got 2.5/);
    expect(() => new MLP({ layerSizes: [4, 3], activation: 'swish' as never }, rng)).toThrow(
      /MLP: expected activation to be one of "sigmoid", "tanh", "relu".*got "swish"/,
    );
    expect(() => new MLP({ layerSizes: [4, 3], depth: 3 } as never, rng)).toThrow(/MLP: unknown option "depth"/);
    expect(() => new MLP({ layerSizes: [4, 3], residual: true, residualScale: 0 }, rng)).toThrow(/^MLP: expected residualScale to be a finite number > 0, got 0$/);
    const net = new MLP({ layerSizes: [4, 3] }, rng);
    const x = tf.zeros([2, 5]);
    expect(() => net.forward(x)).toThrow(/MLP: expected input of shape \[batch, 4\], got \[2,5\]/);
    const w = tf.zeros([3, 3]);
    expect(() => net.setParams({ 'layer0.weight': w })).toThrow(/expected "layer0.weight" of shape \[4,3\], got \[3,3\]/);
    tf.dispose([x, w]);
    net.dispose();
  });
});
