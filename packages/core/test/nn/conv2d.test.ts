import { afterAll, describe, expect, test } from 'vitest';
import { Rng, conv2d, initBackend, pool2d, tf } from '@gradlab/core';

/**
 * conv2d's and pool2d's hand-written backward passes (needed on wasm, see their file comments)
 * against tfjs autodiff through the stock kernels on the cpu backend, which registers
 * Conv2DBackpropFilter and a correct MaxPoolGrad. Tolerance: float32 round-off in another
 * summation order, 1e-4 of the largest entry.
 */
const cases: [string, number[], number[], number, number][] = [
  ['3×3, stride 1, padding 1', [3, 6, 5, 2], [3, 3, 2, 4], 1, 1],
  ['3×3, stride 2, padding 1 (odd remainder)', [2, 7, 8, 3], [3, 3, 3, 2], 2, 1],
  ['5×5, stride 1, no padding', [2, 7, 6, 3], [5, 5, 3, 2], 1, 0],
  ['2×3 kernel, stride 3, padding 2', [2, 9, 7, 1], [2, 3, 1, 3], 3, 2],
];

function maxRel(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < e.length; i++) {
    scale = Math.max(scale, Math.abs(e[i]!));
    err = Math.max(err, Math.abs(a[i]! - e[i]!));
  }
  return err / scale;
}

/** Loss Σ r·conv(x) (+ its max-pooled map) and its gradients, by the given conv / pool. */
function grads(x: tf.Tensor, w: tf.Tensor, r: tf.Tensor, stride: number, padding: number, stock: boolean): Float32Array[] {
  const f = (xx: tf.Tensor, ww: tf.Tensor): tf.Scalar => {
    const y = stock
      ? tf.conv2d(tf.pad(xx as tf.Tensor4D, [[0, 0], [padding, padding], [padding, padding], [0, 0]]), ww as tf.Tensor4D, stride, 'valid')
      : conv2d(xx, ww, undefined, { stride, padding });
    const pooled = y.shape[1]! >= 2 && y.shape[2]! >= 2 ? (stock ? tf.maxPool(y, 2, 2, 'valid') : pool2d(y, 'max', 2)) : y;
    return tf.add(tf.sum(tf.mul(y, r)), tf.sum(tf.square(pooled)));
  };
  const g = tf.grads(f)([x, w]);
  const out = g.map((t) => t.dataSync() as Float32Array);
  tf.dispose(g);
  return out;
}

describe('conv2d and pool2d backward against tfjs autodiff (cpu, stock kernels)', () => {
  afterAll(async () => {
    await initBackend();
  });

  test.each(cases)('%s', async (_, xs, ws, stride, padding) => {
    const rng = new Rng(4);
    const x = rng.fork('x').normalTensor(xs);
    const w = rng.fork('w').normalTensor(ws);
    const probe = conv2d(x, w, undefined, { stride, padding });
    const r = rng.fork('r').normalTensor(probe.shape);
    const ours = grads(x, w, r, stride, padding, false);
    const xd = x.dataSync().slice();
    const wd = w.dataSync().slice();
    const rd = r.dataSync().slice();
    tf.dispose([x, w, r, probe]);
    await initBackend({ backend: 'cpu' });
    const [xc, wc, rc] = [tf.tensor(xd, xs), tf.tensor(wd, ws), tf.tensor(rd, r.shape)];
    const stock = grads(xc, wc, rc, stride, padding, true);
    const mine = grads(xc, wc, rc, stride, padding, false);
    tf.dispose([xc, wc, rc]);
    await initBackend();
    expect(maxRel(ours[0]!, stock[0]!), '∂/∂x (wasm)').toBeLessThan(1e-4);
    expect(maxRel(ours[1]!, stock[1]!), '∂/∂W (wasm)').toBeLessThan(1e-4);
    expect(maxRel(mine[0]!, stock[0]!), '∂/∂x (cpu)').toBeLessThan(1e-4);
    expect(maxRel(mine[1]!, stock[1]!), '∂/∂W (cpu)').toBeLessThan(1e-4);
  });

  test('shapes that cannot convolve are refused with one line', () => {
    const x = tf.zeros([1, 2, 2, 3]);
    const w = tf.zeros([3, 3, 3, 1]);
    const w4 = tf.zeros([3, 3, 4, 1]);
    expect(() => conv2d(x, w)).toThrow(/^conv2d: expected a kernel 3×3 to fit the 2×2 input padded by 0, got no output position$/);
    expect(() => conv2d(x, w4, undefined, { padding: 1 })).toThrow(/^conv2d: expected input \[batch, height, width, 4\] and kernel \[kh, kw, in, out\], got \[1,2,2,3\] and \[3,3,4,1\]$/);
    tf.dispose([x, w, w4]);
  });
});
