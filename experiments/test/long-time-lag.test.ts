/**
 * long-time-lag at its quick size (p ∈ {4, 50}, seeds 1 and 2, 500 Adam updates): at p = 4 the
 * tanh RNN and the LSTM both learn to repeat the first symbol within 50 updates; at p = 50 no
 * tanh RNN seed ever does, while an LSTM seed does — the gap the finding calls partly (two
 * seeds, and p = 50 short of the paper's 100).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '@gradlab/core';
import { readResultsCsv, runExperiment, type Row } from '@gradlab/lab';
import { longTimeLagFinding } from '../src/findings/long-time-lag.js';
import { LONG_TIME_LAG_COLUMNS, endsSolved, longTimeLagExperiment, longTimeLagModel, solvedStep } from '../src/long-time-lag.js';

describe('long-time-lag (quick size)', () => {
  let rows: Row[] = [];
  const run = (model: string, p: number, seed: number) => rows.filter((r) => r['model'] === model && r['p'] === p && r['seed'] === seed);

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-long-time-lag-'));
    const result = await runExperiment(longTimeLagExperiment, { size: 'quick', outDir: dir });
    rows = readResultsCsv(result.assembled!.csv);
  }, 600_000);

  test('columns; solved is exactly "no test sequence wrong"', () => {
    expect(Object.keys(rows[0]!)).toEqual([...LONG_TIME_LAG_COLUMNS]);
    for (const r of rows) {
      const e = r['test_error_rate'] as number;
      expect(e >= 0 && e <= 1).toBe(true);
      expect(r['solved']).toBe(e === 0 ? 1 : 0);
    }
  });

  test.each(['rnn-tanh', 'lstm'])('p = 4: %s solves it in both seeds by the first evaluation (50 updates) and stays solved', (model) => {
    for (const seed of [1, 2]) {
      expect(solvedStep(run(model, 4, seed))).toBe(50);
      expect(run(model, 4, seed).filter((r) => (r['step'] as number) >= 50).every((r) => r['solved'] === 1)).toBe(true);
    }
  });

  test('p = 50: no tanh RNN seed solves it at any evaluation; an LSTM seed does, and ends solved', () => {
    for (const seed of [1, 2]) expect(solvedStep(run('rnn-tanh', 50, seed))).toBeUndefined();
    const lstm = [1, 2].map((seed) => endsSolved(run('lstm', 50, seed)));
    expect(lstm.filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });

  test('finding: an LSTM–RNN gap at p = 50 with two seeds: partly', () => {
    const f = longTimeLagFinding(rows, longTimeLagExperiment.sizes.quick as unknown as Record<string, unknown>);
    expect(f.verdict).toBe('partly');
    expect(f.ours).toMatch(/the LSTM solves and the RNN fails at p = 50/);
    const steps = f.keyNumbers.rows.find((r) => r[0] === '4' && r[1] === 'lstm')![3];
    expect(steps).toBe('50, 50');
  });

  test('models: p + 1 symbols in and out; the LSTM carries the configured forget bias', () => {
    const rnn = longTimeLagModel('rnn-tanh', 7, { hidden: 3, forgetBias: 5 }, new Rng(1));
    const lstm = longTimeLagModel('lstm', 7, { hidden: 2, forgetBias: 5 }, new Rng(1));
    expect([rnn.spec.inputSize, rnn.spec.outputSize, rnn.spec.nonlinearity]).toEqual([8, 8, 'tanh']);
    expect(Array.from(lstm.params['bias_ih_l0']!.dataSync()).slice(2, 4)).toEqual([5, 5]);
    rnn.dispose();
    lstm.dispose();
  });
});
