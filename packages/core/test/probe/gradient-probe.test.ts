import { describe, expect, test, vi } from 'vitest';
import { GradientProbe, tensorStats, tf } from '@gradlab/core';
import { PROBE_COLUMNS } from '../../src/probe/gradient-probe.js';

describe('GradientProbe', () => {
  test('records one row per named tensor, with tags, in one readback', () => {
    const probe = new GradientProbe();
    const grads = { 'layer0.weight': tf.tensor2d([[3, 4]]), 'layer1.weight': tf.tensor1d([1, Number.NaN]) };
    const spy = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    const rows = probe.record(0, { 'layer0.weight': grads['layer0.weight'] }, { seed: 7, model: 'mlp' });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect(rows).toEqual([{ step: 0, name: 'layer0.weight', index: 0, seed: 7, model: 'mlp', ...tensorStats(grads['layer0.weight']) }]);
    const more = probe.record(1, grads);
    expect(more.map((r) => [r.name, r.index, r.nonFinite])).toEqual([
      ['layer0.weight', 0, 0],
      ['layer1.weight', 1, 1],
    ]);
    expect(probe.rows.length).toBe(3);
    expect(Object.keys(rows[0]!).slice(0, 3)).toEqual(['step', 'name', 'index']);
    expect(PROBE_COLUMNS.slice(0, 4)).toEqual(['step', 'name', 'index', 'l2']);
    tf.dispose(grads);
  });

  test('recordAlong gives one row per slice (per time step)', () => {
    const probe = new GradientProbe();
    const dh = tf.tensor3d([[[1, 0]], [[0, 2]], [[3, 4]]]); // [time 3, batch 1, hidden 2]
    const before = tf.memory().numTensors;
    const rows = probe.recordAlong(5, 'dL/dh', dh, 0, { seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(rows.map((r) => [r.step, r.name, r.index, r.l2])).toEqual([
      [5, 'dL/dh', 0, 1],
      [5, 'dL/dh', 1, 2],
      [5, 'dL/dh', 2, 5],
    ]);
    expect(probe.recordAlong(5, 'h', dh, -1).map((r) => r.l2)).toEqual([Math.sqrt(10), Math.sqrt(20)]);
    dh.dispose();
  });

  test('every: only multiples are recorded; drain and clear empty the table', () => {
    const probe = new GradientProbe({ every: 10 });
    const t = tf.tensor1d([1]);
    expect(probe.shouldRecord(20)).toBe(true);
    expect(probe.record(3, [t])).toEqual([]);
    expect(probe.record(20, [t])[0]!.name).toBe('0');
    expect(probe.drain().length).toBe(1);
    expect(probe.rows.length).toBe(0);
    probe.record(30, [t]);
    probe.clear();
    expect(probe.rows.length).toBe(0);
    t.dispose();
  });

  test('bad arguments are rejected with a message naming them', () => {
    const probe = new GradientProbe();
    const t = tf.tensor2d([[1, 2]]);
    expect(() => new GradientProbe({ every: 0 })).toThrow(/GradientProbe: expected every to be a positive integer, got 0/);
    expect(() => probe.record(-1, [t])).toThrow(/GradientProbe: expected step to be a non-negative integer, got -1/);
    expect(() => probe.record(0, [t], { l2: 1 })).toThrow(/GradientProbe: expected a tag name to be none of step, name, index, l2/);
    expect(() => probe.recordAlong(0, 'x', t, 2)).toThrow(/GradientProbe.recordAlong: expected axis to be an integer in \[-2, 1\], got 2/);
    t.dispose();
  });
});
