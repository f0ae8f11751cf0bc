import { describe, expect, test } from 'vitest';
import { MLP, Rng, checkGradients, lossByName, mlpForward, tf, type LossName, type MLPConfig } from '@gradlab/core';

/**
 * MLP.gradients (tfjs autodiff through batch norm and skips) against central differences of the
 * same loss. Smooth activations only: a ReLU kink within h of a sampled point would be a false
 * alarm. Tolerances as recommended for float32 in check-gradients.ts (rtol 1e-2, atol 1e-3).
 */
const cases: [string, MLPConfig, LossName][] = [
  ['tanh plain', { layerSizes: [5, 6, 6, 6, 3], activation: 'tanh' }, 'softmax-cross-entropy'],
  ['sigmoid batchnorm', { layerSizes: [5, 6, 6, 6, 3], activation: 'sigmoid', norm: 'batch' }, 'softmax-cross-entropy'],
  ['tanh residual', { layerSizes: [5, 6, 6, 6, 2], activation: 'tanh', residual: true }, 'mse'],
  ['tanh residual, branches scaled by 0.3', { layerSizes: [5, 6, 6, 6, 3], activation: 'tanh', residual: true, residualScale: 0.3 }, 'softmax-cross-entropy'],
  ['elu batchnorm + residual', { layerSizes: [5, 6, 6, 6, 3], activation: 'elu', norm: 'batch', residual: true }, 'softmax-cross-entropy'],
];

describe('MLP gradients against finite differences', () => {
  test.each(cases)('%s', (_, config, loss) => {
    const rng = new Rng(17);
    const net = new MLP({ ...config, init: 'glorot-normal' }, rng.fork('net'));
    const x = rng.fork('x').normalTensor([7, 5]);
    const out = config.layerSizes[config.layerSizes.length - 1]!;
    const target = loss === 'mse' ? rng.fork('y').normalTensor([7, out]) : tf.tensor1d([0, 1, 2, 0, 1, 2, 0], 'int32');
    const g = net.gradients(x, target, loss);
    const f = (params: Record<string, tf.Tensor>) =>
      tf.tidy(() => lossByName(loss, mlpForward(net.spec, params, net.buffers, x, { training: true }).output, target));
    const result = checkGradients(f, net.params, g.grads, { samples: 12, rng: rng.fork('check') });
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
    expect(result.checked).toBeGreaterThan(50);
    g.dispose();
    tf.dispose([x, target]);
    net.dispose();
  });
});
