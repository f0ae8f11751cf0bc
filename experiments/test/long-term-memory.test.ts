/**
 * long-term-memory: complete rows with the 1/6 baseline, every model built as described, and
 * byte-identical CSVs on rerun (tiny config; the quick and full sizes only change the numbers).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Rng } from '@gradlab/core';
import { readResultsCsv, runExperiment } from '@gradlab/lab';
import { LONG_TERM_MEMORY_COLUMNS, longTermMemory, memoryModel } from '../src/long-term-memory.js';

describe('long-term-memory', () => {
  test('models: IRNN starts at W_hh = I with zero biases; the LSTM forget bias is 1', () => {
    const irnn = memoryModel('irnn', 3, new Rng(1));
    expect(Array.from(irnn.params['weight_hh_l0']!.dataSync())).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(irnn.spec.nonlinearity).toBe('relu');
    const lstm = memoryModel('lstm', 2, new Rng(1));
    expect(Array.from(lstm.params['bias_ih_l0']!.dataSync()).slice(2, 4)).toEqual([1, 1]);
    irnn.dispose();
    lstm.dispose();
  });

  test('rows and reruns', async () => {
    const tiny = { lengths: [8], hidden: 4, batchSize: 4, iterations: 20, evalEvery: 10, testSize: 16 };
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-ltm-'));
    const a = await runExperiment(longTermMemory, { size: 'quick', config: tiny, outDir: join(dir, 'a') });
    const b = await runExperiment(longTermMemory, { size: 'quick', config: tiny, outDir: join(dir, 'b') });
    expect(readFileSync(a.assembled!.csv).equals(readFileSync(b.assembled!.csv))).toBe(true);
    const rows = readResultsCsv(a.assembled!.csv);
    expect(Object.keys(rows[0]!)).toEqual([...LONG_TERM_MEMORY_COLUMNS]);
    expect(rows).toHaveLength(3 * 3); // 3 models × evaluations at 0, 10, 20
    for (const r of rows) {
      expect(r['baseline_mse']).toBeCloseTo(1 / 6, 6);
      expect(r['solved'] as number).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(r['test_mse'] as number)).toBe(true);
    }
  });
});
