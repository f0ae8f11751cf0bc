/**
 * time-gradients: Pascanu et al.'s sufficient condition holds in the measurements — where
 * η = s·γ < 1, ‖∂h_T/∂h_t‖₂ (max over the batch) never exceeds η^lag and ‖∂L/∂h_t‖ never exceeds
 * ‖∂L/∂h_T‖·η^lag; linear units follow s^lag exactly; reruns give byte-identical CSVs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Rng } from '@gradlab/core';
import { runExperiment } from '@gradlab/lab';
import { TIME_ACTIVATIONS, timeGradientRows, timeGradients } from '../src/time-gradients.js';

const config = { ...timeGradients.sizes.quick, steps: 60 };

describe('time-gradients', () => {
  const cells = config.activations.flatMap((a) =>
    config.scales.filter((s) => s * TIME_ACTIVATIONS[a] < 1).map((s) => ({ model: `rnn-${a}`, rho: s, forget_bias: '' as const, seed: 1 })),
  );

  test.each(cells)('the bound η^lag is never violated for $model, s = $rho (η < 1)', (cell) => {
    const rows = timeGradientRows(cell, config, new Rng(1).fork('cell'));
    expect(rows).toHaveLength(config.steps);
    const gT = rows[config.steps - 1]!['grad_l2'] as number;
    for (const r of rows) {
      const bound = r['bound'] as number;
      expect(r['eta']).toBeLessThan(1);
      expect(r['jac_max'] as number).toBeLessThanOrEqual(bound * (1 + 1e-3));
      expect(r['jac_l2'] as number).toBeLessThanOrEqual(r['jac_max'] as number);
      expect(r['grad_l2'] as number).toBeLessThanOrEqual(gT * bound * (1 + 1e-3) + 1e-37);
    }
    // Where the bound is tight (linear units) the measurement follows it.
    if (cell.model === 'rnn-linear') for (const r of rows) expect(Math.abs((r['jac_l2'] as number) / (r['bound'] as number) - 1)).toBeLessThan(1e-3);
  });

  test('linear units with s > 1 explode as s^lag', () => {
    const rows = timeGradientRows({ model: 'rnn-linear', rho: 1.5, forget_bias: '', seed: 2 }, config, new Rng(2));
    const r = rows[0]!;
    expect(Math.abs((r['jac_l2'] as number) / 1.5 ** (config.steps - 1) - 1)).toBeLessThan(1e-3);
  });

  test('reruns give byte-identical CSVs', async () => {
    const small = { steps: 30, scales: [0.5, 1.5], activations: ['tanh' as const], forgetBiases: [1], gru: true };
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-tg-'));
    const a = await runExperiment(timeGradients, { size: 'quick', config: small, outDir: join(dir, 'a') });
    const b = await runExperiment(timeGradients, { size: 'quick', config: small, outDir: join(dir, 'b') });
    const csvA = readFileSync(a.assembled!.csv);
    expect(csvA.toString().split('\n')[0]).toBe('model,rho,forget_bias,seed,t,lag,grad_l2,jac_l2,jac_max,grad_c_l2,gamma,eta,bound');
    expect(csvA.equals(readFileSync(b.assembled!.csv))).toBe(true);
  });
});
