import { describe, expect, test } from 'vitest';
import { Adam, tf, type AdamConfig } from '@gradlab/core';
import { ADAM_DEFAULTS } from '../../src/optim/adam.js';

const P0 = [1, -2];
const G = [
  [0.5, 1],
  [-1, 2],
];

/** Adam written out in doubles, Kingma & Ba Algorithm 1 in torch's arrangement. */
function reference(config: Required<Omit<AdamConfig, 'clip' | 'l1'>> & { l1?: number }, steps: number): number[][] {
  const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd } = config;
  const l1 = config.l1 ?? 0;
  const p = [...P0];
  const m = [0, 0];
  const v = [0, 0];
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < 2; i++) {
      const d = G[t - 1]![i]! + l1 * Math.sign(p[i]!) + wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * d;
      v[i] = b2 * v[i]! + (1 - b2) * d * d;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
      p[i] = p[i]! - (lr / (1 - b1 ** t)) * (m[i]! / denom);
    }
    out.push([...p]);
  }
  return out;
}

function run(config: AdamConfig, steps = 2): number[][] {
  const p = { w: tf.variable(tf.tensor1d(P0)) };
  const opt = new Adam(config);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = { w: tf.tensor1d(G[t]!) };
    opt.step(p, g);
    g.w.dispose();
    out.push(Array.from(p.w.dataSync()));
  }
  opt.dispose();
  p.w.dispose();
  return out;
}

describe('Adam', () => {
  test('the first step moves every coordinate by about η (bias correction)', () => {
    // m̂1 = g1, v̂1 = g1², so θ1 = θ0 − η·sign(g1) up to ε.
    const [p1] = run({ learningRate: 0.1 }, 1);
    expect(p1![0]).toBeCloseTo(0.9, 6);
    expect(p1![1]).toBeCloseTo(-2.1, 6);
  });

  test('two steps match the update rule written out by hand', () => {
    const cfg = { ...ADAM_DEFAULTS, learningRate: 0.1 };
    const actual = run(cfg);
    const expected = reference(cfg, 2);
    // Step 2 by hand: m = [-0.055, 0.29], v = [0.00124975, 0.004999], m̂ = m / 0.19, v̂ = v / 0.001999.
    expect(expected[1]![0]).toBeCloseTo(0.9 + (0.1 * 0.055) / 0.19 / Math.sqrt(0.00124975 / 0.001999), 7); // ε ignored
    actual.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(expected[i]![j]!, 5)));
  });

  test('coupled L2 weight decay and non-default betas / epsilon', () => {
    const cfg = { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-3, weightDecay: 0.2 };
    const actual = run(cfg, 2);
    const expected = reference(cfg, 2);
    actual.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(expected[i]![j]!, 5)));
  });

  test('L1 penalty: the subgradient l1·sign(θ) joins the gradient before the moments', () => {
    const cfg = { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-3, weightDecay: 0.1, l1: 0.3 };
    const actual = run(cfg, 2);
    const expected = reference(cfg, 2);
    actual.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(expected[i]![j]!, 5)));
    // ... and it changes the trajectory.
    expect(Math.abs(actual[1]![0]! - reference({ ...cfg, l1: 0 }, 2)[1]![0]!)).toBeGreaterThan(1e-3);
  });

  test('defaults are those of torch.optim.Adam', () => {
    const opt = new Adam();
    expect([opt.learningRate, opt.beta1, opt.beta2, opt.epsilon, opt.weightDecay]).toEqual([1e-3, 0.9, 0.999, 1e-8, 0]);
    opt.dispose();
  });

  test('reset() restarts the bias correction', () => {
    const p = { w: tf.variable(tf.tensor1d(P0)) };
    const opt = new Adam({ learningRate: 0.1 });
    const g = { w: tf.tensor1d(G[0]!) };
    opt.step(p, g);
    opt.reset();
    expect(opt.stepCount).toBe(0);
    p.w.assign(tf.tensor1d(P0));
    opt.step(p, g);
    expect(p.w.dataSync()[0]).toBeCloseTo(0.9, 6);
    opt.dispose();
    tf.dispose([p, g]);
  });

  test('bad options are rejected with a message naming the field', () => {
    expect(() => new Adam({ learningRate: -1 })).toThrow(/Adam: expected learningRate to be a finite number >= 0, got -1/);
    expect(() => new Adam({ beta1: 1 })).toThrow(/Adam: expected beta1 to be a number in \[0, 1\), got 1/);
    expect(() => new Adam({ beta2: -0.1 })).toThrow(/Adam: expected beta2 to be a number in \[0, 1\), got -0.1/);
    expect(() => new Adam({ epsilon: Number.NaN })).toThrow(/Adam: expected epsilon to be a finite number >= 0, got NaN/);
    expect(() => new Adam({ weightDecay: -1 })).toThrow(/Adam: expected weightDecay to be a finite number >= 0, got -1/);
    expect(() => new Adam({ clip: { mode: 'value', max: 0 } })).toThrow(/Adam: expected clip.max to be a finite number > 0, got 0/);
  });
});
