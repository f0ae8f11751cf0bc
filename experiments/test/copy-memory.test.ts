/**
 * copy-memory at its quick size (T = 10, seed 1, tanh RNN and GRU, 1000 Adam updates): every row
 * carries the memoryless baseline 10·ln 8/(T + 20); the tanh RNN ends at that baseline, the GRU
 * well below it, recalling more than the memoryless 1/8 of the symbols; the finding says partly
 * (both claims hold, one seed is too few).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '@gradlab/core';
import { readResultsCsv, runExperiment, type Row } from '@gradlab/lab';
import { COPY_MEMORY_COLUMNS, copyMemoryExperiment, copyMemoryModel } from '../src/copy-memory.js';
import { BELOW_BASELINE, copyMemoryFinding } from '../src/findings/copy-memory.js';

const T = 10;
const BASELINE = (10 * Math.log(8)) / (T + 20);

describe('copy-memory (quick size)', () => {
  let rows: Row[] = [];
  const final = (model: string) => rows.filter((r) => r['model'] === model).reduce((a, b) => ((b['step'] as number) > (a['step'] as number) ? b : a));

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-copy-memory-'));
    const result = await runExperiment(copyMemoryExperiment, { size: 'quick', outDir: dir });
    rows = readResultsCsv(result.assembled!.csv);
  }, 600_000);

  test('columns; baseline_ce = 10·ln 8/(T + 20) on every row', () => {
    expect(Object.keys(rows[0]!)).toEqual([...COPY_MEMORY_COLUMNS]);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r['T']).toBe(T);
      expect(Math.abs((r['baseline_ce'] as number) - BASELINE)).toBeLessThan(1e-6 * BASELINE);
    }
  });

  test('the tanh RNN ends at the baseline (within −3% … +10%) and recalls about 1/8 of the symbols', () => {
    const r = final('rnn-tanh');
    expect(r['step']).toBe(1000);
    expect(r['test_ce'] as number).toBeGreaterThan(0.97 * BASELINE);
    expect(r['test_ce'] as number).toBeLessThan(1.1 * BASELINE);
    expect(r['recall_accuracy'] as number).toBeLessThan(0.2);
  });

  test(`the GRU ends below ${BELOW_BASELINE}× the baseline and recalls more than 1/5 of the symbols`, () => {
    const r = final('gru');
    expect(r['step']).toBe(1000);
    expect(r['test_ce'] as number).toBeLessThan(BELOW_BASELINE * BASELINE);
    expect(r['recall_accuracy'] as number).toBeGreaterThan(0.2);
  });

  test('finding: the RNN stays, the GRU gets below, one seed: partly', () => {
    const f = copyMemoryFinding(rows, copyMemoryExperiment.sizes.quick as unknown as Record<string, unknown>);
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/^\(a\) holds, \(b\) holds \(gru\); 1 seed < 5/);
  });

  test('models: 10 symbols in, 9 classes out; the LSTM carries the configured forget bias', () => {
    for (const m of ['rnn-tanh', 'lstm', 'gru'] as const) {
      const net = copyMemoryModel(m, { hidden: 3, forgetBias: 2 }, new Rng(1));
      expect([net.spec.inputSize, net.spec.outputSize]).toEqual([10, 9]);
      if (m === 'lstm') expect(Array.from(net.params['bias_ih_l0']!.dataSync()).slice(3, 6)).toEqual([2, 2, 2]);
      net.dispose();
    }
  });
});
