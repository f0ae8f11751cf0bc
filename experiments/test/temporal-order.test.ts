/**
 * temporal-order at its quick size (T = 20, seeds 1 and 2, 1200 SGD updates): what the run shows
 * — plain SGD at lr 0.2 never gets past chance-level accuracy while the same SGD with norm
 * clipping at 1 solves the task, under pre-clip gradient norms above 10× the threshold; the LSTM
 * solves it too — and what the finding makes of it (clipping helps, one length cannot show the
 * growth with T: partly).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '@gradlab/core';
import { readResultsCsv, runExperiment, type Row } from '@gradlab/lab';
import { temporalOrderFinding } from '../src/findings/temporal-order.js';
import { TEMPORAL_ORDER_COLUMNS, TEMPORAL_ORDER_SUCCESS, temporalOrderExperiment, temporalOrderModel } from '../src/temporal-order.js';

/** Accuracy below which a run counts as stuck near chance (0.25) — twice chance. */
const NEAR_CHANCE = 0.5;

describe('temporal-order (quick size)', () => {
  let rows: Row[] = [];
  const run = (model: string, clip: string | number, seed: number) =>
    rows.filter((r) => r['model'] === model && String(r['clip']) === String(clip) && r['seed'] === seed);
  const final = (rs: Row[]) => rs.reduce((a, b) => ((b['step'] as number) > (a['step'] as number) ? b : a));

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-temporal-order-'));
    const result = await runExperiment(temporalOrderExperiment, { size: 'quick', outDir: dir });
    rows = readResultsCsv(result.assembled!.csv);
  }, 600_000);

  test('columns, and every cell ran to the last update without a non-finite gradient', () => {
    expect(Object.keys(rows[0]!)).toEqual([...TEMPORAL_ORDER_COLUMNS]);
    for (const [model, clip] of [['rnn-tanh', 'none'], ['rnn-tanh', 1], ['lstm', 1]] as const) {
      for (const seed of [1, 2]) {
        expect(final(run(model, clip, seed))['step']).toBe(1200);
        expect(run(model, clip, seed).every((r) => r['nonfinite'] === 0)).toBe(true);
      }
    }
  });

  test.each([1, 2])('seed %i: plain SGD stays near chance at every evaluation; clipped SGD and the LSTM solve T = 20', (seed) => {
    expect(Math.max(...run('rnn-tanh', 'none', seed).map((r) => r['test_accuracy'] as number))).toBeLessThan(NEAR_CHANCE);
    expect(final(run('rnn-tanh', 1, seed))['test_accuracy']).toBeGreaterThanOrEqual(TEMPORAL_ORDER_SUCCESS);
    expect(final(run('lstm', 1, seed))['test_accuracy']).toBeGreaterThanOrEqual(TEMPORAL_ORDER_SUCCESS);
  });

  test.each([1, 2])('seed %i: the clipped run meets gradients above 10× its threshold (they explode; clipping bounds the step)', (seed) => {
    expect(Math.max(...run('rnn-tanh', 1, seed).map((r) => r['grad_norm_preclip'] as number).filter(Number.isFinite))).toBeGreaterThan(10);
  });

  test('finding: clipping helps (i), but one length cannot show it growing with T: partly', () => {
    const f = temporalOrderFinding(rows, temporalOrderExperiment.sizes.quick as unknown as Record<string, unknown>);
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/^\(i\) holds, \(ii\) cannot hold with one length, \(iii\) fails; 2 seeds < 5/);
    expect(f.keyNumbers.rows).toEqual([
      ['20', 'rnn-tanh, no clip', '0 of 2', '0 of 2'],
      ['20', 'rnn-tanh, clip 1', '2 of 2', '0 of 2'],
      ['20', 'lstm, clip 1', '2 of 2', '0 of 2'],
    ]);
  });

  test('models: PyTorch-initialised tanh RNN and an LSTM with the configured forget bias, 6 symbols in, 4 classes out', () => {
    const rnn = temporalOrderModel('rnn-tanh', { hidden: 3, forgetBias: 1 }, new Rng(1));
    const lstm = temporalOrderModel('lstm', { hidden: 2, forgetBias: 2.5 }, new Rng(1));
    expect([rnn.spec.cell, rnn.spec.nonlinearity, rnn.spec.inputSize, rnn.spec.outputSize]).toEqual(['rnn', 'tanh', 6, 4]);
    expect(Array.from(lstm.params['bias_ih_l0']!.dataSync()).slice(2, 4)).toEqual([2.5, 2.5]);
    rnn.dispose();
    lstm.dispose();
  });
});
