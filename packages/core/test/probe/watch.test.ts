import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MLP, Rng, SGD, activation, tf, watch, watchColumns } from '@gradlab/core';

const l2 = (xs: ArrayLike<number>) => Math.sqrt(Array.from(xs).reduce((a, x) => a + x * x, 0));
const flat = (t: tf.Tensor) => Array.from(t.dataSync());

function tinyNet() {
  const net = new MLP({ layerSizes: [3, 4, 2], activation: 'tanh' }, new Rng(7).fork('init'));
  const x = new Rng(7).fork('x').normalTensor([5, 3]);
  const y = tf.tensor1d([0, 1, 1, 0, 1], 'int32');
  return { net, x, y };
}

describe('watch', () => {
  test('per-parameter, per-layer and activation values match a brute-force computation', () => {
    const { net, x, y } = tinyNet();
    const opt = new SGD({ learningRate: 0.1 });
    const w = watch({ bins: 4, gradRange: [-0.5, 0.5], activationRange: [-1, 1] });
    const before = Object.fromEntries(Object.entries(net.params).map(([n, p]) => [n, flat(p)]));
    const g = net.gradients(x, y, 'softmax-cross-entropy');
    const grads = Object.fromEntries(Object.entries(g.grads).map(([n, t]) => [n, flat(t)]));
    const a = flat(g.post[0]!);
    const pre = flat(g.pre[0]!);
    const tanh = activation('tanh');
    w.observe(0, { params: net.params, grads: g.grads, activations: { a1: { value: g.post[0]!, derivative: () => tanh.derivative(g.pre[0]!), gamma: 1 } } }, () =>
      opt.step(net.params, g.grads),
    );
    g.dispose();
    const rows = w.rows;
    expect(rows.map((r) => `${r['kind']}:${r['name']}:${r['index']}`)).toEqual([
      'param:layer0.weight:0',
      'param:layer0.bias:0',
      'param:layer1.weight:1',
      'param:layer1.bias:1',
      'layer:layer0:0',
      'layer:layer1:1',
      'activation:a1:0',
    ]);
    for (const r of rows.filter((r) => r['kind'] === 'param')) {
      const n = r['name'] as string;
      const gn = l2(grads[n]!);
      expect(r['grad_norm']).toBeCloseTo(gn, 5);
      expect(r['weight_norm']).toBeCloseTo(l2(before[n]!), 5);
      // Plain SGD: Δθ = −lr·g.
      expect(r['update_norm']).toBeCloseTo(0.1 * gn, 5);
      expect(r['update_ratio']).toBeCloseTo((0.1 * gn) / l2(before[n]!), 5);
      const counts = [0, 0, 0, 0];
      let outside = 0;
      for (const v of grads[n]!) {
        if (v < -0.5 || v > 0.5) outside++;
        else counts[Math.min(3, Math.floor((v + 0.5) / 0.25))]!++;
      }
      expect([0, 1, 2, 3].map((k) => r[`hist_${k}`])).toEqual(counts);
      expect(r['hist_outside']).toBe(outside);
    }
    const layer0 = rows.find((r) => r['kind'] === 'layer' && r['name'] === 'layer0')!;
    expect(layer0['grad_norm']).toBeCloseTo(l2([...grads['layer0.weight']!, ...grads['layer0.bias']!]), 5);
    expect(layer0['weight_norm']).toBeCloseTo(l2([...before['layer0.weight']!, ...before['layer0.bias']!]), 5);
    const act = rows.find((r) => r['kind'] === 'activation')!;
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(act['act_mean']).toBeCloseTo(mean, 5);
    expect(act['act_std']).toBeCloseTo(Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length), 5);
    const saturated = pre.filter((z) => 1 - Math.tanh(z) ** 2 <= 0.01).length;
    expect(act['act_saturation']).toBeCloseTo(saturated / pre.length, 6);
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  test('records every N steps, runs the update on every step, histogram bins sum to the count', () => {
    const { net, x, y } = tinyNet();
    const opt = new SGD({ learningRate: 0.5 });
    const w = watch({ every: 3, bins: 5, gradScale: 'log10-abs', gradRange: [-3, 0] });
    let updates = 0;
    for (let step = 0; step < 8; step++) {
      const g = net.gradients(x, y, 'softmax-cross-entropy');
      const report = w.observe(step, { params: net.params, grads: g.grads, activations: { a1: g.post[0]! } }, () => {
        updates++;
        return opt.step(net.params, g.grads);
      });
      expect(report?.gradNormPreClip).toBeGreaterThan(0);
      g.dispose();
    }
    expect(updates).toBe(8);
    expect([...new Set(w.rows.map((r) => r['step']))]).toEqual([0, 3, 6]);
    const sizes: Record<string, number> = { 'layer0.weight': 12, 'layer0.bias': 4, 'layer1.weight': 8, 'layer1.bias': 2, a1: 20 };
    for (const r of w.rows.filter((r) => r['kind'] !== 'layer')) {
      const binned = [0, 1, 2, 3, 4].reduce((s, k) => s + (r[`hist_${k}`] as number), 0);
      expect(binned + (r['hist_outside'] as number) + (r['nonfinite'] as number)).toBe(sizes[r['name'] as string]);
    }
    tf.dispose([x, y]);
    opt.dispose();
    net.dispose();
  });

  test('leaks no tensors and changes no result: training is bit for bit the same with watch on or off', () => {
    const train = (watched: boolean) => {
      const { net, x, y } = tinyNet();
      const opt = new SGD({ learningRate: 0.3, momentum: 0.9 });
      const w = watch({ every: 2 });
      for (let step = 0; step < 6; step++) {
        const g = net.gradients(x, y, 'softmax-cross-entropy');
        const live = tf.memory().numTensors;
        if (watched) w.observe(step, { params: net.params, grads: g.grads, activations: { a1: { value: g.post[0]!, derivative: (h) => tf.sub(1, tf.square(h)) } } }, () => opt.step(net.params, g.grads));
        else opt.step(net.params, g.grads);
        // The optimiser creates its momentum slots on the first step only.
        if (step > 0) expect(tf.memory().numTensors).toBe(live);
        g.dispose();
      }
      const out = Object.values(net.params).map((p) => Array.from(new Uint32Array(new Float32Array(p.dataSync()).buffer)));
      tf.dispose([x, y]);
      opt.dispose();
      net.dispose();
      return { out, rows: w.rows.length };
    };
    const start = tf.memory().numTensors;
    const on = train(true);
    const off = train(false);
    expect(on.rows).toBeGreaterThan(0);
    expect(on.out).toEqual(off.out);
    expect(tf.memory().numTensors).toBe(start);
  });

  test('per-step activations give one row per slice; CSV has the documented columns', () => {
    const w = watch({ bins: 2 });
    const h = tf.tensor3d([[[0.1, -0.2]], [[0.99999, 0.5]], [[-1, 0]]]); // [T=3, B=1, H=2]
    const p = { 'w.weight': tf.tensor1d([3, 4]) };
    w.observe(0, { params: p, activations: { h: { value: h, derivative: (v) => tf.sub(1, tf.square(v)), perStep: true } } });
    const acts = w.rows.filter((r) => r['kind'] === 'activation');
    expect(acts.map((r) => r['index'])).toEqual([0, 1, 2]);
    expect(acts.map((r) => r['act_saturation'])).toEqual([0, 0.5, 0.5]);
    expect(w.rows[0]!['weight_norm']).toBeCloseTo(5, 6);
    expect(w.rows[0]!['grad_norm']).toBe('');
    const dir = mkdtempSync(join(tmpdir(), 'watch-'));
    w.writeCsv(join(dir, 'w.csv'));
    const lines = readFileSync(join(dir, 'w.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(watchColumns(2).join(','));
    expect(lines[0]).toBe('step,kind,name,index,grad_norm,weight_norm,update_norm,update_ratio,act_mean,act_std,act_saturation,nonfinite,hist_scale,hist_lo,hist_hi,hist_outside,hist_0,hist_1');
    expect(lines.length).toBe(1 + w.rows.length);
    tf.dispose([h, p['w.weight']]);
  });

  test.each([
    [{ every: 0 }, /^watch: expected every to be a positive integer, got 0$/],
    [{ bins: 2.5 }, /^watch: expected bins to be a positive integer, got 2\.5$/],
    [{ gradRange: [1, 1] }, /^watch: expected gradRange to be a pair \[low, high\] of finite numbers with low < high, got/],
    [{ gradScale: 'log' }, /^watch: expected gradScale to be 'linear' or 'log10-abs', got "log"$/],
    [{ saturationThreshold: 2 }, /^watch: expected saturationThreshold to be a number in \(0, 1\], got 2$/],
    [{ evry: 2 }, /^watch: expected an option name to be one of every, bins/],
  ])('rejects bad option %j with one line', (config, message) => {
    expect(() => watch(config as never)).toThrow(message);
    try {
      watch(config as never);
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });

  test('rejects a bad step and an unknown gradient name', () => {
    const w = watch();
    const p = { a: tf.scalar(1) };
    expect(() => w.observe(-1, { params: p })).toThrow(/expected step to be a non-negative integer, got -1/);
    expect(() => w.observe(0, { params: p, grads: { b: tf.scalar(1) } })).toThrow(/expected a gradient name to be one of the params \(a\), got "b"/);
    tf.dispose(p.a);
  });
});
