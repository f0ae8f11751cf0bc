import { describe, expect, test, vi } from 'vitest';
import {
  Adam,
  AdamW,
  Rng,
  SGD,
  ShapeError,
  ValidationError,
  tf,
  type NamedTensors,
  type NamedVariables,
  type Optimizer,
} from '@gradlab/core';

const makers: [string, () => Optimizer][] = [
  ['SGD', () => new SGD({ learningRate: 0.1 })],
  ['SGD momentum + nesterov + wd + clip', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3, clip: { mode: 'global-norm', max: 1 } })],
  ['Adam', () => new Adam({ learningRate: 0.01 })],
  ['Adam + wd + value clip', () => new Adam({ learningRate: 0.01, weightDecay: 1e-2, clip: { mode: 'value', max: 0.5 } })],
  ['SGD + l1', () => new SGD({ learningRate: 0.1, momentum: 0.5, l1: 1e-3 })],
  ['AdamW + l1 + global-norm clip', () => new AdamW({ learningRate: 0.01, l1: 1e-3, clip: { mode: 'global-norm', max: 1 } })],
];

function model(rng: Rng): NamedVariables {
  return { 'layer0.weight': tf.variable(rng.normalTensor([4, 3])), 'layer0.bias': tf.variable(rng.normalTensor([3])) };
}

function gradients(rng: Rng): NamedTensors {
  return { 'layer0.weight': rng.normalTensor([4, 3]), 'layer0.bias': rng.normalTensor([3]) };
}

function snapshot(ts: NamedTensors): Record<string, number[]> {
  return Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, Array.from(t.dataSync())]));
}

describe.each(makers)('%s', (_, make) => {
  test('no tensors leak over 100 steps, and dispose() frees the state', () => {
    const rng = new Rng(1);
    const params = model(rng);
    const grads = gradients(rng);
    const start = tf.memory().numTensors;
    const opt = make();
    opt.step(params, grads); // creates the state slots
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) opt.step(params, grads);
    expect(tf.memory().numTensors).toBe(afterFirst);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(start);
    expect(() => opt.step(params, grads)).toThrow(/this optimizer was disposed/);
    tf.dispose([params, grads]);
  });

  test('gradients are neither changed nor disposed; parameters change in place', () => {
    const rng = new Rng(2);
    const params = model(rng);
    const grads = gradients(rng);
    const g0 = snapshot(grads);
    const p0 = snapshot(params);
    const w = params['layer0.weight'];
    const opt = make();
    for (let i = 0; i < 3; i++) opt.step(params, grads);
    expect(snapshot(grads)).toEqual(g0);
    expect(grads['layer0.bias']!.isDisposed).toBe(false);
    expect(params['layer0.weight']).toBe(w);
    expect(snapshot(params)).not.toEqual(p0);
    opt.dispose();
    tf.dispose([params, grads]);
  });

  test('one readback per step, finite or not (the scaled norm is finite exactly when every entry is)', () => {
    const rng = new Rng(3);
    const params = model(rng);
    const grads = gradients(rng);
    const bad = { 'layer0.bias': tf.tensor1d([1, Number.POSITIVE_INFINITY, 2]) };
    const opt = make();
    const spy = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    opt.step(params, grads);
    opt.step(params, grads);
    expect(opt.step(params, bad).nonFinite).toBe(true);
    expect(spy).toHaveBeenCalledTimes(3);
    tf.dispose(bad);
    spy.mockRestore();
    opt.dispose();
    tf.dispose([params, grads]);
  });

  test('non-finite gradients are reported, applied as PyTorch applies them, never thrown', () => {
    const rng = new Rng(4);
    const params = model(rng);
    const grads = gradients(rng);
    grads['layer0.bias']!.dispose();
    grads['layer0.bias'] = tf.tensor1d([1, Number.NaN, Number.POSITIVE_INFINITY]);
    const opt = make();
    const r = opt.step(params, grads);
    expect(r.nonFinite).toBe(true);
    expect(Number.isFinite(r.gradNormPreClip)).toBe(false);
    // The NaN entry reaches its parameter.
    expect(params['layer0.bias']!.dataSync()[1]).toBeNaN();
    opt.dispose();
    tf.dispose([params, grads]);
  });

  test('finite but huge gradients have their finite norm, are not called non-finite, and give a finite update', () => {
    const params = { w: tf.variable(tf.zeros([2])) };
    const grads = { w: tf.tensor1d([1e30, 1]) };
    const opt = make();
    const r = opt.step(params, grads);
    // A float32 sum of squares would be Infinity here (1e60 > 3.4e38).
    expect(Math.abs(r.gradNormPreClip / Math.fround(1e30) - 1)).toBeLessThan(1e-6);
    expect(r.nonFinite).toBe(false);
    expect(Number.isFinite(r.gradNormPostClip)).toBe(true);
    // (Adam's own second moment (1 − β₂)·g² overflows float32 here, as in torch.optim.Adam, so
    // its update is 0; the parameters stay finite either way.)
    expect(Array.from(params.w.dataSync()).every(Number.isFinite)).toBe(true);
    opt.dispose();
    tf.dispose([params, grads]);
  });

  test('parameters without a gradient are skipped', () => {
    const rng = new Rng(5);
    const params = model(rng);
    const bias0 = Array.from(params['layer0.bias']!.dataSync());
    const g = { 'layer0.weight': rng.normalTensor([4, 3]) };
    const opt = make();
    opt.step(params, g);
    expect(Array.from(params['layer0.bias']!.dataSync())).toEqual(bias0);
    opt.dispose();
    tf.dispose([params, g]);
  });

  test('bad steps are rejected with a message naming the problem', () => {
    const rng = new Rng(6);
    const params = model(rng);
    const opt = make();
    const name = opt instanceof SGD ? 'SGD' : opt instanceof AdamW ? 'AdamW' : 'Adam';
    const wrongShape = { 'layer0.weight': tf.zeros([3, 4]) };
    const step = (g: unknown): unknown => opt.step(params, g as NamedTensors);
    expect(() => step(wrongShape)).toThrow(ShapeError);
    expect(() => step(wrongShape)).toThrow(
      new RegExp(`${name}.step: expected grads\\["layer0.weight"\\] to have shape \\[4, 3\\] \\(the shape of params\\["layer0.weight"\\]\\), got \\[3, 4\\]`),
    );
    const unknown = { 'layer1.weight': tf.zeros([4, 3]) };
    expect(() => step(unknown)).toThrow(ValidationError);
    expect(() => step(unknown)).toThrow(/expected every name in grads to be a parameter, got "layer1.weight"; params are layer0.weight, layer0.bias/);
    expect(() => step({ 'layer0.bias': [1, 2, 3] })).toThrow(/expected grads\["layer0.bias"\] to be a tf.Tensor, got \[1, 2, 3\]/);
    expect(() => step({ 'layer0.bias': tf.zeros([3], 'int32') })).toThrow(/expected grads\["layer0.bias"\].dtype to be "float32"/);
    expect(() => opt.step({ w: tf.zeros([1]) as unknown as tf.Variable }, { w: tf.zeros([1]) })).toThrow(/expected params\["w"\] to be a tf.Variable/);
    expect(() => (opt.learningRate = -0.1)).toThrow(new RegExp(`${name}: expected learningRate to be a finite number >= 0, got -0.1`));
    opt.dispose();
    tf.dispose([params, wrongShape, unknown]);
  });
});

describe('clipping inside a step', () => {
  test('acts on the raw gradient before weight decay is added', () => {
    // g = [30, 40] (norm 50) clipped to norm 1: [0.6, 0.8] (up to 1e-6); then d = g + λθ.
    const params = { w: tf.variable(tf.tensor1d([10, -10])) };
    const grads = { w: tf.tensor1d([30, 40]) };
    const opt = new SGD({ learningRate: 1, weightDecay: 0.5, clip: { mode: 'global-norm', max: 1 } });
    const r = opt.step(params, grads);
    expect(r.clipped).toBe(true);
    expect(r.gradNormPreClip).toBeCloseTo(50, 4);
    expect(r.gradNormPostClip).toBeCloseTo(1, 5);
    const w = params.w.dataSync();
    expect(w[0]).toBeCloseTo(10 - (0.6 + 5), 5);
    expect(w[1]).toBeCloseTo(-10 - (0.8 - 5), 5);
    opt.dispose();
    tf.dispose([params, grads]);
  });

  test('reports clipped: false below the threshold', () => {
    const params = { w: tf.variable(tf.tensor1d([0, 0])) };
    const grads = { w: tf.tensor1d([0.3, 0.4]) };
    const opt = new Adam({ clip: { mode: 'per-tensor', max: 1 } });
    expect(opt.step(params, grads)).toMatchObject({ clipped: false, nonFinite: false });
    opt.dispose();
    tf.dispose([params, grads]);
  });
});
