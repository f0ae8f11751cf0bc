/**
 * depth-gradients at quick size (width 64, 16×16 images), at initialisation, seeds 1–3: the
 * effects the experiment exists to show.
 * - Residual links make ‖∂L/∂h_l‖ explode toward the input of a 16-layer ReLU net under He's
 *   init (theory: ×√2 per block, 2.3 decades over 15 blocks); branches scaled by 1/√16 keep it
 *   within one decade (theory: (1 + 1/16)^{7.5} ≈ 1.6).
 * - Batch norm makes it grow toward the input of a ReLU net too (Yang et al. 2019).
 * - Large initial weights (16× Glorot's variance) explode tanh, ReLU and ELU nets, with
 *   per-layer factors within 10% of mean-field theory; He's init keeps leaky ReLU within 0.1 of
 *   a factor of 1; ELU under He's init has a factor above 1, within 10% of theory.
 * - The same seed gives the same rows, and a cell leaks no tensors.
 */
import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import type { Row } from '@gradlab/lab';
import { depthGradientRows, depthGradients, type DepthCell } from '../src/depth-gradients.js';
import { decadesToInput } from '../src/findings/depth-health.js';
import { measuredFactor, theoryFactor, weightGain } from '../src/findings/depth-theory.js';

const config = { ...depthGradients.sizes.quick, steps: 0 };
const D = Math.max(...config.depths);
const SEEDS = [1, 2, 3];

function rows(cell: Omit<DepthCell, 'depth'>, seed: number): Row[] {
  return depthGradientRows({ ...cell, depth: D, seed }, config, new Rng(seed).fork('cell'));
}

describe('depth-gradients at quick size, depth 16', () => {
  test.each(SEEDS)('seed %i: residual ReLU explodes toward the input (> 1 decade); scaled by 1/√depth it stays within ±1 decade', (seed) => {
    const residual = decadesToInput(rows({ activation: 'relu', init: 'he-normal', variant: 'residual' }, seed), D);
    const scaled = decadesToInput(rows({ activation: 'relu', init: 'he-normal', variant: 'residual-scaled' }, seed), D);
    expect(residual).toBeGreaterThan(1.5);
    expect(Math.abs(scaled)).toBeLessThan(1);
  });

  test.each(SEEDS)('seed %i: batch norm makes ReLU gradients grow toward the input (> 1 decade)', (seed) => {
    expect(decadesToInput(rows({ activation: 'relu', init: 'he-normal', variant: 'batchnorm' }, seed), D)).toBeGreaterThan(1);
  });

  const gain = { x4: weightGain('glorot-uniform-x4', config.width), he: weightGain('he-normal', config.width) };
  test.each(SEEDS.flatMap((seed) => (['tanh', 'relu', 'elu'] as const).map((a) => [a, seed] as const)))(
    '%s, seed %i: 16× Glorot variance explodes (factor > 1.3), within 10% of mean-field theory',
    (activation, seed) => {
      const rs = rows({ activation, init: 'glorot-uniform-x4', variant: 'plain' }, seed);
      const m = measuredFactor(rs, D);
      expect(m).toBeGreaterThan(1.3);
      expect(Math.abs(m / theoryFactor(rs, D, activation, gain.x4) - 1)).toBeLessThan(0.1);
    },
  );

  test.each(SEEDS)('seed %i: He init keeps leaky ReLU within 0.1 of 1; ELU above 1 and within 10% of theory', (seed) => {
    expect(Math.abs(measuredFactor(rows({ activation: 'leaky-relu', init: 'he-normal', variant: 'plain' }, seed), D) - 1)).toBeLessThan(0.1);
    const elu = rows({ activation: 'elu', init: 'he-normal', variant: 'plain' }, seed);
    const theory = theoryFactor(elu, D, 'elu', gain.he);
    expect(theory).toBeGreaterThan(1);
    expect(measuredFactor(elu, D)).toBeGreaterThan(1);
    expect(Math.abs(measuredFactor(elu, D) / theory - 1)).toBeLessThan(0.1);
  });

  test('the same seed gives the same rows; a cell with training steps leaks no tensors', () => {
    const cell = { activation: 'elu', init: 'he-normal', variant: 'residual-scaled', depth: 5, seed: 4 } as const;
    const trained = { ...config, steps: 2, recordEvery: 1 };
    const a = depthGradientRows(cell, trained, new Rng(4));
    const before = tf.memory().numTensors;
    const b = depthGradientRows(cell, trained, new Rng(4));
    expect(tf.memory().numTensors).toBe(before);
    expect(b).toEqual(a);
    expect(a).toHaveLength(3 * 5);
  });
});
