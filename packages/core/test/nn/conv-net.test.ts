import { describe, expect, test } from 'vitest';
import { ConvNet, Rng, checkGradients, conv2d, convNetForward, convNetLayerGradients, lossByName, tf, type ConvNetConfig, type LossName } from '@gradlab/core';

/**
 * ConvNet: gradients and ∂L/∂h_l against central differences (smooth activations; max pooling
 * only where no two window entries are within h of each other), kernel fans as PyTorch's,
 * per-layer probes, seeded reruns, leaks, and bad configurations. PyTorch agreement is in
 * conv-net-torch.test.ts, the hand-written conv and pool backward in conv2d.test.ts.
 */
const small = { inputShape: [6, 6, 2] as [number, number, number], outputs: 3 };
const cases: [string, ConvNetConfig, LossName][] = [
  ['tanh, stride 2, avg pool, flatten head', { ...small, depth: 2, channels: [3, 4], activation: 'tanh', stride: 2, pool: 'avg', poolEvery: 2, head: 'flatten' }, 'softmax-cross-entropy'],
  ['sigmoid, batch norm', { ...small, depth: 3, channels: 3, activation: 'sigmoid', norm: 'batch' }, 'softmax-cross-entropy'],
  ['elu, residual, avg pool every 2', { ...small, depth: 3, channels: [2, 2, 3], activation: 'elu', residual: true, pool: 'avg', poolEvery: 2 }, 'mse'],
  ['tanh, max pool', { ...small, depth: 2, channels: [3, 3], activation: 'tanh', pool: 'max' }, 'softmax-cross-entropy'],
  ['softsign, batch norm + residual, 5×5 kernel', { ...small, depth: 2, channels: 2, kernelSize: 5, activation: 'softsign', norm: 'batch', residual: true }, 'mse'],
];

function setup(config: ConvNetConfig, loss: LossName, seed = 17) {
  const rng = new Rng(seed);
  const net = new ConvNet({ ...config, init: 'glorot-normal' }, rng.fork('net'));
  const x = rng.fork('x').normalTensor([5, ...config.inputShape]);
  const target = loss === 'mse' ? rng.fork('y').normalTensor([5, config.outputs]) : tf.tensor1d([0, 1, 2, 0, 1], 'int32');
  return { rng, net, x, target };
}

describe('ConvNet gradients against finite differences', () => {
  test.each(cases)('%s: ∂L/∂θ and ∂L/∂h_l', (_, config, loss) => {
    const { rng, net, x, target } = setup(config, loss);
    const g = net.gradients(x, target, loss);
    const f = (params: Record<string, tf.Tensor>) =>
      tf.tidy(() => lossByName(loss, convNetForward(net.spec, params, net.buffers, x, { training: true }).output, target));
    const result = checkGradients(f, net.params, g.grads, { samples: 10, rng: rng.fork('check') });
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(30);
    // ∂L/∂h_l: perturb the zero probes added to each layer's output.
    const probes: Record<string, tf.Tensor> = {};
    const probeGrads: Record<string, tf.Tensor> = {};
    g.activationGrads.forEach((t, l) => {
      probes[`h${l}`] = tf.zerosLike(t);
      probeGrads[`h${l}`] = t;
    });
    const fh = (ps: Record<string, tf.Tensor>) =>
      tf.tidy(() => {
        const list = net.spec.layers.map((_, l) => ps[`h${l}`]!);
        return lossByName(loss, convNetForward(net.spec, net.params, net.buffers, x, { training: true, probes: list }).output, target);
      });
    const rh = checkGradients(fh, probes, probeGrads, { samples: 10, rng: rng.fork('check-h') });
    expect(rh.ok, JSON.stringify(rh.worst)).toBe(true);
    tf.dispose(Object.values(probes));
    g.dispose();
    tf.dispose([x, target]);
    net.dispose();
  });
});

describe('ConvNet', () => {
  test('kernels are [kh, kw, in, out] with PyTorch fans: He std √(2/(k²·in)), Glorot limit √(6/(k²·(in + out)))', () => {
    const cfg = { inputShape: [8, 8, 16] as [number, number, number], depth: 1, channels: 32, outputs: 2 };
    const he = new ConvNet({ ...cfg, init: 'he-normal' }, new Rng(1));
    const w = he.params['conv0.weight']!;
    expect(w.shape).toEqual([3, 3, 16, 32]);
    const std = Math.sqrt(tf.tidy(() => tf.mean(tf.square(w))).dataSync()[0]!);
    // 4608 draws: the sample std is within ~1% (3σ ≈ 3.1%) of √(2/144).
    expect(Math.abs(std / Math.sqrt(2 / 144) - 1)).toBeLessThan(0.035);
    const glorot = new ConvNet({ ...cfg, init: 'glorot-uniform' }, new Rng(1));
    const maxAbs = tf.tidy(() => tf.max(tf.abs(glorot.params['conv0.weight']!))).dataSync()[0]!;
    const limit = Math.sqrt(6 / (9 * (16 + 32)));
    expect(maxAbs).toBeLessThanOrEqual(limit);
    expect(maxAbs).toBeGreaterThan(0.99 * limit);
    he.dispose();
    glorot.dispose();
  });

  test('per-layer probes: rms per shared weight = ‖∂L/∂W_l‖/√|W_l|, positions = h_l·w_l, ‖∂L/∂h_l‖ from the probes', () => {
    const { net, x, target } = setup({ inputShape: [8, 8, 1], outputs: 3, depth: 3, channels: 4, activation: 'tanh', pool: 'max', stride: 1 }, 'softmax-cross-entropy');
    const g = net.gradients(x, target, 'softmax-cross-entropy');
    const rows = convNetLayerGradients(net, g);
    expect(rows.map((r) => r.positions)).toEqual([64, 16, 4]);
    expect(rows.map((r) => r.params)).toEqual([36, 144, 144]);
    rows.forEach((r, l) => {
      const w = Array.from(g.grads[`conv${l}.weight`]!.dataSync());
      const l2 = Math.sqrt(w.reduce((s, v) => s + v * v, 0));
      expect(r.gradL2).toBeCloseTo(l2, 6);
      expect(r.gradRmsPerParam).toBeCloseTo(l2 / Math.sqrt(w.length), 6);
      const h = Array.from(g.activationGrads[l]!.dataSync());
      expect(r.gradActL2).toBeCloseTo(Math.sqrt(h.reduce((s, v) => s + v * v, 0)), 6);
      expect(g.activationGrads[l]!.shape).toEqual([5, ...net.spec.layers[l]!.outSize, 4]);
    });
    g.dispose();
    tf.dispose([x, target]);
    net.dispose();
  });

  test('same seed, same bits; another seed, other weights', () => {
    const cfg: ConvNetConfig = { ...small, depth: 2, channels: 3 };
    const [a, b, c] = [new ConvNet(cfg, new Rng(9)), new ConvNet(cfg, new Rng(9)), new ConvNet(cfg, new Rng(10))];
    for (const k of Object.keys(a.params)) expect(Array.from(b.params[k]!.dataSync()), k).toEqual(Array.from(a.params[k]!.dataSync()));
    expect(Array.from(c.params['conv0.weight']!.dataSync())).not.toEqual(Array.from(a.params['conv0.weight']!.dataSync()));
    const x = new Rng(2).normalTensor([4, 6, 6, 2]);
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    const [ga, gb] = [a.gradients(x, y, 'softmax-cross-entropy'), b.gradients(x, y, 'softmax-cross-entropy')];
    expect(gb.loss).toBe(ga.loss);
    for (const k of Object.keys(ga.grads)) expect(Array.from(gb.grads[k]!.dataSync()), k).toEqual(Array.from(ga.grads[k]!.dataSync()));
    tf.dispose([x, y]);
    [ga, gb].forEach((g) => g.dispose());
    [a, b, c].forEach((n) => n.dispose());
  });

  test('batch norm: training mode moves running stats as BatchNorm2d (per channel over batch·h·w); eval mode uses them', () => {
    const { net, x, target } = setup({ ...small, depth: 1, channels: 2, norm: 'batch' }, 'softmax-cross-entropy');
    const z = conv2d(x, net.params['conv0.weight']!, net.params['conv0.bias']!, { padding: 1 });
    const n = 5 * 6 * 6;
    const zs = Array.from(z.dataSync());
    const mean = [0, 1].map((c) => zs.filter((_, i) => i % 2 === c).reduce((a, b) => a + b, 0) / n);
    const unbiased = [0, 1].map((c) => zs.filter((_, i) => i % 2 === c).reduce((a, v) => a + (v - mean[c]!) ** 2, 0) / (n - 1));
    net.gradients(x, target, 'softmax-cross-entropy').dispose();
    expect(net.buffers['conv0.num_batches_tracked']!.dataSync()[0]).toBe(1);
    const rm = net.buffers['conv0.running_mean']!.dataSync();
    const rv = net.buffers['conv0.running_var']!.dataSync();
    [0, 1].forEach((c) => {
      expect(rm[c]).toBeCloseTo(0.1 * mean[c]!, 5);
      expect(rv[c]).toBeCloseTo(0.9 + 0.1 * unbiased[c]!, 5);
    });
    const evalOut = net.forward(x);
    const trainOut = net.forward(x, { training: true });
    expect(Array.from(evalOut.dataSync())).not.toEqual(Array.from(trainOut.dataSync()));
    tf.dispose([z, evalOut, trainOut, x, target]);
    net.dispose();
  });

  test('no tensor leaks, the input is not changed', () => {
    const { net, x, target } = setup({ ...small, depth: 3, channels: 3, norm: 'batch', residual: true, pool: 'max', poolEvery: 2 }, 'softmax-cross-entropy');
    const xBefore = Array.from(x.dataSync());
    net.gradients(x, target, 'softmax-cross-entropy').dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const g = net.gradients(x, target, 'softmax-cross-entropy');
      convNetLayerGradients(net, g);
      g.dispose();
      net.forward(x).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(x.dataSync())).toEqual(xBefore);
    tf.dispose([x, target]);
    net.dispose();
  });

  test.each([
    [{ ...small, depth: 0, channels: 3 }, /^ConvNet: expected depth to be a positive integer, got 0$/],
    [{ ...small, depth: 2, channels: [3] }, /^ConvNet: expected channels to be a positive integer or an array of depth \(2\) positive integers, got \[3\]$/],
    [{ ...small, depth: 2, channels: 3, pool: 'min' }, /^ConvNet: expected pool to be one of "none", "max", "avg", got "min"$/],
    [{ ...small, depth: 4, channels: 3, pool: 'max' }, /^ConvNet: expected layer 2's 1×1 map to hold one 2×2 pooling window \(reduce depth, stride or pooling\)$/],
    [{ ...small, depth: 2, channels: 3, kernelSize: 7, padding: 0 }, /^ConvNet: expected layer 0 to see at least one 7×7 window, got a 6×6 input with padding 0/],
    [{ ...small, inputShape: [6, 6], depth: 1, channels: 3 }, /^ConvNet: expected inputShape/],
    [{ ...small, depth: 1, channels: 3, dilation: 2 }, /^ConvNet: unknown option "dilation"/],
  ])('bad config %# is refused with one line', (config, message) => {
    expect(() => new ConvNet(config as ConvNetConfig, new Rng(0))).toThrow(message);
  });

  test('an input of the wrong shape is refused naming the expected one', () => {
    const net = new ConvNet({ ...small, depth: 1, channels: 2 }, new Rng(0));
    const x = tf.zeros([2, 6, 6, 3]);
    expect(() => net.forward(x)).toThrow(/^ConvNet: expected input of shape \[batch, 6, 6, 2\], got \[2,6,6,3\]$/);
    x.dispose();
    net.dispose();
  });
});
