import { describe, expect, test, vi } from 'vitest';
import { Rng, SGD, clipGradients, globalNorm, tf } from '@gradlab/core';
import { CLIP_NORM_EPSILON } from '../../src/optim/clipping.js';

function values(ts: Record<string, tf.Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, Array.from(t.dataSync())]));
}

describe('globalNorm', () => {
  test('is sqrt of the sum of squares over all tensors, arrays or records', () => {
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor2d([[0], [4]]);
    expect(globalNorm({ a, b })).toBeCloseTo(5, 6);
    expect(globalNorm([a, b])).toBeCloseTo(5, 6);
    expect(globalNorm([])).toBe(0);
    tf.dispose([a, b]);
  });

  test('reads back once and leaks nothing', () => {
    const ts = Array.from({ length: 6 }, (_, i) => tf.fill([3, 2], i));
    const before = tf.memory().numTensors;
    const spy = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    globalNorm(ts);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(ts);
  });

  test('NaN and Infinity propagate', () => {
    const t = tf.tensor1d([1, Number.NaN]);
    const u = tf.tensor1d([1, Number.POSITIVE_INFINITY]);
    expect(globalNorm([t])).toBeNaN();
    expect(globalNorm([u])).toBe(Number.POSITIVE_INFINITY);
    tf.dispose([t, u]);
  });
});

describe('clipGradients', () => {
  test('global-norm scales every tensor by max / (norm + 1e-6), as clip_grad_norm_', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const r = clipGradients(grads, { mode: 'global-norm', max: 1 });
    const scale = 1 / (5 + CLIP_NORM_EPSILON);
    expect(r.preNorm).toBeCloseTo(5, 6);
    expect(r.postNorm).toBeCloseTo(5 * scale, 6);
    expect(r.clipped).toBe(true);
    const v = values(r.grads);
    expect(v.a![0]).toBeCloseTo(3 * scale, 7);
    expect(v.b![1]).toBeCloseTo(4 * scale, 7);
    // Direction preserved: the clipped vector is a positive multiple of the original.
    expect(v.a![0]! / v.b![1]!).toBeCloseTo(3 / 4, 6);
    expect(globalNorm(r.grads)).toBeCloseTo(r.postNorm, 6);
    tf.dispose([grads, r.grads]);
  });

  test('below the threshold nothing changes (but the result is still new tensors)', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    for (const mode of ['global-norm', 'per-tensor', 'value'] as const) {
      const r = clipGradients(grads, { mode, max: 10 });
      expect(r.clipped).toBe(false);
      expect(r.preNorm).toBeCloseTo(5, 6);
      expect(r.postNorm).toBeCloseTo(5, 6);
      expect(values(r.grads)).toEqual({ a: [3, 0], b: [0, 4] });
      expect(r.grads.a).not.toBe(grads.a);
      tf.dispose(r.grads);
    }
    tf.dispose(grads);
  });

  test("per-tensor clips each tensor's own norm", () => {
    const grads = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4]), tf.tensor1d([0.1, 0])];
    const r = clipGradients(grads, { mode: 'per-tensor', max: 2 });
    expect(r.clipped).toBe(true);
    const norms = r.grads.map((g) => globalNorm([g]));
    expect(norms[0]).toBeCloseTo(2, 5);
    expect(norms[1]).toBeCloseTo(2, 5);
    expect(norms[2]).toBeCloseTo(0.1, 6);
    expect(r.postNorm).toBeCloseTo(Math.sqrt(4 + 4 + 0.01), 5);
    expect(r.preNorm).toBeCloseTo(Math.sqrt(9 + 16 + 0.01), 5);
    tf.dispose([grads, r.grads]);
  });

  test('value clamps each entry to [-max, max], as clip_grad_value_, keeping NaN', () => {
    const grads = [tf.tensor1d([-3, 0.5, 2, Number.NEGATIVE_INFINITY]), tf.tensor1d([Number.NaN])];
    const r = clipGradients(grads, { mode: 'value', max: 1 });
    expect(Array.from(r.grads[0]!.dataSync())).toEqual([-1, 0.5, 1, -1]);
    expect(r.grads[1]!.dataSync()[0]).toBeNaN();
    expect(r.preNorm).toBeNaN();
    tf.dispose([grads, r.grads]);
    const finite = [tf.tensor1d([-3, 0.5, 2])];
    const s = clipGradients(finite, { mode: 'value', max: 1 });
    expect(s.clipped).toBe(true);
    expect(s.preNorm).toBeCloseTo(Math.sqrt(9 + 0.25 + 4), 5);
    expect(s.postNorm).toBeCloseTo(Math.sqrt(1 + 0.25 + 1), 5);
    tf.dispose([finite, s.grads]);
  });

  test('a NaN gradient makes the global-norm scale NaN, as in PyTorch', () => {
    const grads = [tf.tensor1d([1, Number.NaN]), tf.tensor1d([2])];
    const r = clipGradients(grads, { mode: 'global-norm', max: 1 });
    expect(r.preNorm).toBeNaN();
    expect(r.grads[1]!.dataSync()[0]).toBeNaN();
    tf.dispose([grads, r.grads]);
  });

  test('inputs are not changed, nothing leaks besides the returned tensors, one readback', () => {
    const grads = { a: tf.tensor2d([[1, -7], [2, 5]]), b: tf.tensor1d([9]) };
    const before = tf.memory().numTensors;
    for (const mode of ['global-norm', 'per-tensor', 'value'] as const) {
      const spy = vi.spyOn(tf.Tensor.prototype, 'dataSync');
      const r = clipGradients(grads, { mode, max: 1.5 });
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      expect(tf.memory().numTensors).toBe(before + 2);
      tf.dispose(r.grads);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(values(grads)).toEqual({ a: [1, -7, 2, 5], b: [9] });
    tf.dispose(grads);
  });

  /** Float32 entries ~ N(0, 1)·scale, and their float64 norm. */
  function big(n: number, scale: number, seed: number): { xs: number[]; norm: number } {
    const xs = Array.from(new Rng(seed).normalArray(n, 0, 1), (v) => Math.fround(v * scale));
    return { xs, norm: Math.sqrt(xs.reduce((a, x) => a + x * x, 0)) };
  }
  const f64Norm = (ts: tf.Tensor[]) => Math.sqrt(ts.reduce((a, t) => a + Array.from(t.dataSync()).reduce((b, x) => b + x * x, 0), 0));

  test.each([
    [1e25, 1],
    [3e37, 1],
    [1e35, 1e-3], // max / ‖g‖ ≈ 1e-39 is subnormal in float32: applied as (g / scale) · multiplier
  ])('global-norm at entries near %d, max %d: the true norm, clipped to max, nothing zeroed', (scale, max) => {
    // A float32 Σ g² is Infinity here; PyTorch's clip_grad_norm_ then zeroes every gradient.
    const a = big(40, scale, 1);
    const b = big(8, 1, 2);
    const grads = [tf.tensor1d(a.xs), tf.tensor1d(b.xs)];
    const r = clipGradients(grads, { mode: 'global-norm', max });
    const want = Math.hypot(a.norm, b.norm);
    expect(Math.abs(r.preNorm - want)).toBeLessThanOrEqual(1e-6 * want);
    expect(Math.abs(r.postNorm - max)).toBeLessThanOrEqual(1e-6 * max);
    expect(r.clipped).toBe(true);
    expect(Math.abs(f64Norm(r.grads) - max)).toBeLessThanOrEqual(1e-6 * max);
    const out = r.grads[0]!.dataSync();
    a.xs.forEach((x, i) => expect(Math.abs(out[i]! - (x * max) / want)).toBeLessThanOrEqual(1e-6 * Math.abs((x * max) / want)));
    tf.dispose([grads, r.grads]);
  });

  test('per-tensor and value at 1e25 report the finite norms', () => {
    const a = big(30, 1e25, 3);
    const b = big(30, 1e-30, 4);
    const grads = [tf.tensor1d(a.xs), tf.tensor1d(b.xs)];
    const p = clipGradients(grads, { mode: 'per-tensor', max: 2 });
    expect(Math.abs(p.preNorm - Math.hypot(a.norm, b.norm))).toBeLessThanOrEqual(1e-6 * a.norm);
    expect(globalNorm([p.grads[0]!])).toBeCloseTo(2, 5);
    expect(Math.abs(globalNorm([p.grads[1]!]) - b.norm)).toBeLessThanOrEqual(1e-6 * b.norm); // 4e-30 < 2: untouched
    expect(p.postNorm).toBeCloseTo(2, 5);
    const v = clipGradients(grads, { mode: 'value', max: 1 });
    expect(Math.abs(v.preNorm - Math.hypot(a.norm, b.norm))).toBeLessThanOrEqual(1e-6 * a.norm);
    expect(Number.isFinite(v.postNorm) && v.postNorm > 0).toBe(true);
    tf.dispose([grads, p.grads, v.grads]);
  });

  test.each(['global-norm', 'per-tensor', 'value'] as const)('%s: empty tensors count as 0 (wasm reduces them to garbage)', (mode) => {
    const grads = [tf.zeros([0]), tf.tensor1d([3, 4]), tf.zeros([2, 0])];
    const r = clipGradients(grads, { mode, max: 1 });
    expect(r.preNorm).toBeCloseTo(5, 6);
    expect(r.postNorm).toBeCloseTo(mode === 'value' ? Math.SQRT2 : 1, 5);
    expect(r.grads.map((g) => g.shape)).toEqual([[0], [2], [2, 0]]);
    tf.dispose([grads, r.grads]);
  });

  test('an SGD step with global-norm clipping at 1e25 entries moves the parameters by lr·max', () => {
    const a = big(12, 1e25, 5);
    const params = { w: tf.variable(tf.zeros([12])) };
    const grads = { w: tf.tensor1d(a.xs) };
    const sgd = new SGD({ learningRate: 0.1, clip: { mode: 'global-norm', max: 1 } });
    const report = sgd.step(params, grads);
    expect(report.nonFinite).toBe(false);
    expect(Math.abs(report.gradNormPreClip - a.norm)).toBeLessThanOrEqual(1e-6 * a.norm);
    const step = Array.from(params.w.dataSync());
    expect(Math.hypot(...step)).toBeCloseTo(0.1, 6);
    step.forEach((d, i) => expect(Math.sign(d)).toBe(-Math.sign(a.xs[i]!)));
    sgd.dispose();
    tf.dispose([params, grads]);
  });

  test('bad arguments are rejected with a message naming them', () => {
    const g = [tf.tensor1d([1])];
    expect(() => clipGradients(g, { mode: 'global-norm', max: -1 })).toThrow(/clipGradients: expected max to be a finite number > 0, got -1/);
    expect(() => clipGradients(g, { mode: 'l1' as 'value', max: 1 })).toThrow(
      /clipGradients: expected mode to be one of "global-norm", "per-tensor", "value", got "l1"/,
    );
    expect(() => clipGradients([1 as unknown as tf.Tensor], { mode: 'value', max: 1 })).toThrow(
      /clipGradients: expected grads\[0\] to be a tf.Tensor, got 1/,
    );
    expect(() => globalNorm(g[0] as unknown as tf.Tensor[])).toThrow(/globalNorm: expected grads to be an array of tensors or an object/);
    tf.dispose(g);
  });
});
