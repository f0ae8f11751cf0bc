import { afterAll, describe, expect, test } from 'vitest';
import { MLP, Rng, initBackend, tf } from '@gradlab/core';

/**
 * The core-level check that backends agree; the full matrix (every model family, a training
 * step, a 200-step run) is tests/backend-agreement.test.ts.
 *
 * cpu and wasm must give the same numbers up to float32 round-off in a different order of
 * summation. Tolerance: 1e-4 relative to the largest entry of each gradient, plus 1e-3 of the
 * largest gradient entry of the whole net as a floor (biases before batch norm are exactly zero in
 * exact arithmetic, so only round-off is left of them).
 */
const RTOL = 1e-4;

async function mlpGradientsOn(backend: 'cpu' | 'wasm'): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
  await initBackend({ backend });
  const rng = new Rng(21);
  const net = new MLP({ layerSizes: [12, 16, 16, 16, 4], activation: 'tanh', norm: 'batch', residual: true }, rng.fork('net'));
  const x = rng.fork('x').normalTensor([8, 12]);
  const y = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32');
  const g = net.gradients(x, y, 'softmax-cross-entropy');
  const grads: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(g.grads)) grads[k] = v.dataSync() as Float32Array;
  const loss = g.loss;
  g.dispose();
  tf.dispose([x, y]);
  net.dispose();
  return { loss, grads };
}

describe('backends agree', () => {
  afterAll(async () => {
    await initBackend();
  });

  test('an MLP (batch norm + residual) gives the same loss and gradients on cpu and wasm', async () => {
    const cpu = await mlpGradientsOn('cpu');
    const wasm = await mlpGradientsOn('wasm');
    expect(Math.abs(cpu.loss - wasm.loss) / Math.abs(cpu.loss)).toBeLessThan(RTOL);
    const globalScale = Math.max(...Object.values(cpu.grads).map((g) => Math.max(...Array.from(g, Math.abs))));
    for (const [name, a] of Object.entries(cpu.grads)) {
      const b = wasm.grads[name]!;
      let scale = 0;
      let err = 0;
      for (let i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i]!));
        err = Math.max(err, Math.abs(a[i]! - b[i]!));
      }
      expect(err / (scale + 1e-3 * globalScale), name).toBeLessThan(RTOL);
    }
  });

  test.each(['cpu', 'wasm'] as const)('on %s, the matMul gradient is the explicit-transpose one (transposes, then plain products)', async (backend) => {
    await initBackend({ backend });
    const a = new Rng(1).normalTensor([3, 4]);
    const b = new Rng(2).normalTensor([4, 5]);
    const run = () => tf.tidy(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q)))([a, b]));
    const info = await tf.profile(() => run());
    const kernels = info.kernels.map((k) => k.name);
    // Built-in rule: two BatchMatMul with transpose flags and no Transpose. Ours: Transpose of each operand.
    expect(kernels.filter((k) => k === 'Transpose')).toHaveLength(2);
    expect(kernels.filter((k) => k === 'BatchMatMul')).toHaveLength(3);
    expect(info.newTensors).toBe(2);
    tf.dispose(info.result as tf.Tensor[]);
    tf.dispose([a, b]);
  });

  test('random tensors are drawn in JS, so a seed gives identical numbers on every backend', async () => {
    await initBackend({ backend: 'cpu' });
    const a = new Rng(5).normalTensor([100]);
    const av = Array.from(a.dataSync());
    await initBackend({ backend: 'wasm' });
    const b = new Rng(5).normalTensor([100]);
    expect(Array.from(b.dataSync())).toEqual(av);
    tf.dispose([a, b]);
  });
});
