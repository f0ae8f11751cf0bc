/**
 * `layerWatchInput`: the watch input of one MLP or ConvNet step. Checked against the tensors it
 * should pick, against a saturation counted by hand, and by a training loop whose weights are
 * bit for bit the same with and without the watcher.
 */
import { describe, expect, test } from 'vitest';
import { ConvNet, MLP, Rng, SGD, activation, layerWatchInput, tf, watch, type WatchedActivation } from '@gradlab/core';

function trainMlp(withWatch: boolean) {
  const net = new MLP({ layerSizes: [4, 6, 6, 6, 3], activation: 'sigmoid', init: 'glorot-uniform' }, new Rng(11).fork('init'));
  const x = new Rng(11).fork('x').normalTensor([8, 4]);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32');
  const opt = new SGD({ learningRate: 0.5, momentum: 0.9 });
  const w = watch({ every: 2, gradScale: 'log10-abs', gradRange: [-8, 0] });
  for (let step = 0; step < 5; step++) {
    const g = net.gradients(x, y, 'softmax-cross-entropy');
    const update = () => opt.step(net.params, g.grads);
    if (withWatch) w.observe(step, layerWatchInput(net, g, { weightsOnly: true }), update);
    else update();
    g.dispose();
  }
  const params = Object.fromEntries(Object.entries(net.params).map(([n, p]) => [n, Array.from(p.dataSync())]));
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
  return { params, rows: w.rows };
}

describe('layerWatchInput', () => {
  test('MLP: weights only, the first and last hidden activations with f′(z) of the net’s activation', () => {
    const net = new MLP({ layerSizes: [3, 5, 5, 5, 2], activation: 'sigmoid' }, new Rng(4).fork('init'));
    const x = new Rng(4).fork('x').normalTensor([6, 3]);
    const y = tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32');
    const g = net.gradients(x, y, 'softmax-cross-entropy');
    const input = layerWatchInput(net, g, { weightsOnly: true });
    expect(Object.keys(input.params)).toEqual(['layer0.weight', 'layer1.weight', 'layer2.weight', 'layer3.weight']);
    expect(input.grads!['layer2.weight']).toBe(g.grads['layer2.weight']);
    expect(Object.keys(input.activations!)).toEqual(['a1', 'a3']);
    const w = watch({ bins: 4, activationRange: [0, 1] });
    w.observe(0, input);
    const a3 = w.rows.find((r) => r['name'] === 'a3')!;
    // σ′(z) ≤ 0.01·γ with γ = 1/4, counted by hand from z.
    const z = Array.from(g.pre[2]!.dataSync());
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    expect(a3['act_saturation']).toBeCloseTo(z.filter((v) => s(v) * (1 - s(v)) <= 0.0025).length / z.length, 6);
    expect(a3['act_mean']).toBeCloseTo(Array.from(g.post[2]!.dataSync()).reduce((a, v) => a + v, 0) / z.length, 6);
    expect(Object.keys(layerWatchInput(net, g, { layers: [2] }).activations!)).toEqual(['a2']);
    expect(Object.keys(layerWatchInput(net, g).params)).toHaveLength(8);
    expect(() => layerWatchInput(net, g, { layers: [0, 4] })).toThrow(/^layerWatchInput: expected layers to be integers in 1 … 3 \(the hidden layers\), got \[0, 4\]$/);
    g.dispose();
    tf.dispose([x, y]);
    net.dispose();
    expect(activation('sigmoid').gamma).toBe(0.25);
  });

  test('ConvNet: kernels and head by name, activations of its convolution layers', () => {
    const net = new ConvNet({ inputShape: [6, 6, 1], depth: 3, channels: 2, kernelSize: 3, outputs: 2, activation: 'tanh', init: 'glorot-uniform' }, new Rng(5).fork('init'));
    const x = new Rng(5).fork('x').normalTensor([2, 6, 6, 1]);
    const y = tf.tensor1d([0, 1], 'int32');
    const g = net.gradients(x, y, 'softmax-cross-entropy');
    const input = layerWatchInput(net, g, { weightsOnly: true });
    expect(Object.keys(input.params)).toEqual(['conv0.weight', 'conv1.weight', 'conv2.weight', 'head.weight']);
    expect((input.activations!['a3'] as WatchedActivation).value).toBe(g.post[2]);
    g.dispose();
    tf.dispose([x, y]);
    net.dispose();
  });

  test('a watched MLP loop trains to the same bits and leaks nothing; a record every 2 steps', () => {
    const start = tf.memory().numTensors;
    const plain = trainMlp(false);
    const watched = trainMlp(true);
    expect(tf.memory().numTensors).toBe(start);
    expect(watched.params).toEqual(plain.params);
    expect([...new Set(watched.rows.map((r) => r['step']))]).toEqual([0, 2, 4]);
    expect(watched.rows.filter((r) => r['step'] === 0).map((r) => `${r['kind']}:${r['name']}`)).toEqual([
      'param:layer0.weight',
      'param:layer1.weight',
      'param:layer2.weight',
      'param:layer3.weight',
      'layer:layer0',
      'layer:layer1',
      'layer:layer2',
      'layer:layer3',
      'activation:a1',
      'activation:a3',
    ]);
  });
});
