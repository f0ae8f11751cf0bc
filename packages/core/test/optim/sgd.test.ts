import { describe, expect, test } from 'vitest';
import { SGD, tf, type SGDConfig } from '@gradlab/core';

// p0 and two gradients; every expected trajectory below is worked out by hand from
// torch.optim.SGD's update rule (see the comments).
const P0 = [1, -2];
const G = [
  [0.5, 1],
  [-1, 2],
];

function run(config: SGDConfig, steps = 2, between?: (opt: SGD, t: number) => void): number[][] {
  const p = { w: tf.variable(tf.tensor1d(P0)) };
  const opt = new SGD(config);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    between?.(opt, t);
    const g = { w: tf.tensor1d(G[t]!) };
    opt.step(p, g);
    g.w.dispose();
    out.push(Array.from(p.w.dataSync()));
  }
  opt.dispose();
  p.w.dispose();
  return out;
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6)));
}

describe('SGD', () => {
  test('plain: θ ← θ − η g', () => {
    // p1 = [1, -2] - 0.1 [0.5, 1]; p2 = p1 - 0.1 [-1, 2]
    expectClose(run({ learningRate: 0.1 }), [
      [0.95, -2.1],
      [1.05, -2.3],
    ]);
  });

  test('momentum: the buffer starts at the first gradient, then b = μ b + g', () => {
    // b1 = [0.5, 1]; b2 = 0.9 b1 + g2 = [-0.55, 2.9]; p2 = p1 - 0.1 b2
    expectClose(run({ learningRate: 0.1, momentum: 0.9 }), [
      [0.95, -2.1],
      [1.005, -2.39],
    ]);
  });

  test('Nesterov: d = g + μ b', () => {
    // d1 = g1 + 0.9 g1 = [0.95, 1.9]; b2 = [-0.55, 2.9]; d2 = g2 + 0.9 b2 = [-1.495, 4.61]
    expectClose(run({ learningRate: 0.1, momentum: 0.9, nesterov: true }), [
      [0.905, -2.19],
      [1.0545, -2.651],
    ]);
  });

  test('dampening scales the new gradient but not the first one', () => {
    // b1 = g1; b2 = 0.9 b1 + 0.5 g2 = [-0.05, 1.9]
    expectClose(run({ learningRate: 0.1, momentum: 0.9, dampening: 0.5 }), [
      [0.95, -2.1],
      [0.955, -2.29],
    ]);
  });

  test('weight decay adds λθ to the gradient (coupled L2)', () => {
    // d1 = g1 + 0.1 p0 = [0.6, 0.8] -> p1 = [0.94, -2.08]; d2 = g2 + 0.1 p1 = [-0.906, 1.792]
    expectClose(run({ learningRate: 0.1, weightDecay: 0.1 }), [
      [0.94, -2.08],
      [1.0306, -2.2592],
    ]);
  });

  test('a momentum schedule is evaluated at each step index (Hinton: 0.5 then 0.9)', () => {
    const seen: number[] = [];
    const schedule = (t: number): number => {
      seen.push(t);
      return t < 1 ? 0.9 : 0.5;
    };
    // b2 = 0.5 b1 + g2 = [-0.75, 2.5] (μ of step 1 is 0.5)
    expectClose(run({ learningRate: 0.1, momentum: schedule }), [
      [0.95, -2.1],
      [1.025, -2.35],
    ]);
    expect(seen).toEqual([0, 1]);
    const opt = new SGD({ learningRate: 0.1, momentum: (t) => (t < 5 ? 0.5 : 0.9) });
    expect([opt.momentumAt(0), opt.momentumAt(4), opt.momentumAt(5)]).toEqual([0.5, 0.5, 0.9]);
  });

  test('a schedule starting at 0 creates the buffer on the first step with μ > 0', () => {
    // step 0: μ = 0, plain; step 1: μ = 0.5, buffer = g2 (fresh)
    expectClose(run({ learningRate: 0.1, momentum: (t) => (t === 0 ? 0 : 0.5) }), [
      [0.95, -2.1],
      [1.05, -2.3],
    ]);
  });

  test('the learning rate can change between steps', () => {
    // p2 = p1 - 0.01 g2
    expectClose(run({ learningRate: 0.1 }, 2, (opt, t) => t === 1 && (opt.learningRate = 0.01)), [
      [0.95, -2.1],
      [0.96, -2.12],
    ]);
  });

  test('the step report carries the global gradient norm', () => {
    const p = { a: tf.variable(tf.zeros([2])), b: tf.variable(tf.zeros([1])) };
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
    const opt = new SGD({ learningRate: 1 });
    expect(opt.step(p, g)).toEqual({ gradNormPreClip: 5, gradNormPostClip: 5, clipped: false, nonFinite: false });
    expect(opt.stepCount).toBe(1);
    opt.dispose();
    tf.dispose([p, g]);
  });

  test('bad options are rejected with a message naming the field', () => {
    expect(() => new SGD({ learningRate: -1 })).toThrow(/SGD: expected learningRate to be a finite number >= 0, got -1/);
    expect(() => new SGD({} as SGDConfig)).toThrow(/SGD: expected learningRate to be .*\(it is required\), got undefined/);
    expect(() => new SGD({ learningRate: 0.1, momentum: -0.5 })).toThrow(
      /SGD: expected momentum to be a finite number >= 0 or a function \(stepIndex\) => number, got -0.5/,
    );
    expect(() => new SGD({ learningRate: 0.1, dampening: 2 })).toThrow(/SGD: expected dampening to be a number in \[0, 1\], got 2/);
    expect(() => new SGD({ learningRate: 0.1, nesterov: true })).toThrow(/SGD: expected momentum to be a number > 0 when nesterov is true, got 0/);
    expect(() => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, dampening: 0.1 })).toThrow(
      /SGD: expected dampening to be 0 when nesterov is true, got 0.1/,
    );
    expect(() => new SGD({ learningRate: 0.1, clip: { mode: 'norm' as 'value', max: 1 } })).toThrow(
      /SGD: expected clip.mode to be one of "global-norm", "per-tensor", "value", got "norm"/,
    );
    expect(() => new SGD({ learningRate: 0.1, lr: 1 } as SGDConfig)).toThrow(/SGD: unknown option "lr"/);
    const p = { w: tf.variable(tf.zeros([1])) };
    const g = { w: tf.zeros([1]) };
    const opt = new SGD({ learningRate: 0.1, momentum: () => NaN });
    expect(() => opt.step(p, g)).toThrow(/SGD: expected momentum\(0\) to be a finite number >= 0, got NaN/);
    tf.dispose([p, g]);
  });
});
