import { describe, expect, test } from 'vitest';
import { Rng, pool2d, tf } from '@gradlab/core';

/**
 * pool2d values and gradients against a loop over windows. Shapes include [4, 4, 4, 5], where
 * tfjs-wasm 4.22's own MaxPoolGrad kernel misroutes gradients, and odd sides (a remainder row
 * and column dropped, as PyTorch drops them).
 */
function reference(x: tf.Tensor, w: tf.Tensor, kind: 'max' | 'avg', s: number): { y: number[]; dx: number[] } {
  const [B, H, W, C] = x.shape as number[];
  const xs = x.arraySync() as number[][][][];
  const ws = w.arraySync() as number[][][][];
  const dx = new Array<number>(B! * H! * W! * C!).fill(0);
  const y: number[] = [];
  const at = (b: number, i: number, j: number, c: number) => ((b * H! + i) * W! + j) * C! + c;
  const [oh, ow] = [Math.floor(H! / s), Math.floor(W! / s)];
  for (let b = 0; b < B!; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let c = 0; c < C!; c++) {
    let best = -Infinity;
    let arg = 0;
    let sum = 0;
    for (let di = 0; di < s; di++) for (let dj = 0; dj < s; dj++) {
      const v = xs[b]![i * s + di]![j * s + dj]![c]!;
      sum += v;
      if (v > best) [best, arg] = [v, at(b, i * s + di, j * s + dj, c)];
    }
    y.push(kind === 'max' ? best : sum / (s * s));
    const g = ws[b]![i]![j]![c]!;
    if (kind === 'max') dx[arg] = dx[arg]! + g;
    else for (let di = 0; di < s; di++) for (let dj = 0; dj < s; dj++) dx[at(b, i * s + di, j * s + dj, c)]! += g / (s * s);
  }
  return { y, dx };
}

describe('pool2d', () => {
  test.each([
    ['max', [2, 4, 4, 3], 2],
    ['max', [4, 4, 4, 5], 2],
    ['max', [4, 8, 8, 4], 2],
    ['max', [3, 7, 5, 2], 2],
    ['max', [2, 9, 9, 3], 3],
    ['avg', [4, 4, 4, 5], 2],
    ['avg', [3, 7, 5, 2], 2],
  ] as const)('%s over %j, window %i: values and gradient', (kind, shape, s) => {
    const x = new Rng(1).normalTensor([...shape]);
    const w = new Rng(2).normalTensor([shape[0], Math.floor(shape[1] / s), Math.floor(shape[2] / s), shape[3]]);
    const before = tf.memory().numTensors;
    const y = pool2d(x, kind, s);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool2d(t, kind, s), w)))(x);
    const ref = reference(x, w, kind, s);
    expect(y.shape).toEqual(w.shape);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref.y[i]!, 5));
    Array.from(dx.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref.dx[i]!, 5));
    tf.dispose([y, dx]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  test('a map smaller than the window is refused with one line', () => {
    const x = tf.zeros([1, 1, 3, 2]);
    expect(() => pool2d(x, 'max', 2)).toThrow(/^pool2d: expected the input to hold one 2×2 window, got 1×3$/);
    x.dispose();
  });
});
