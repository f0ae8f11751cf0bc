/**
 * tbptt-window: rows are complete, BPTT(T, T) has cosine 1 to full BPTT, a window shorter than
 * the delay has a biased gradient, and reruns give byte-identical CSVs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readResultsCsv, runExperiment } from '@gradlab/lab';
import { TBPTT_WINDOW_COLUMNS, tbpttWindow } from '../src/tbptt-window.js';

const small = {
  delays: [3],
  windows: [2, 10],
  models: ['lstm' as const],
  steps: 10,
  hidden: 8,
  batchSize: 8,
  updates: 20,
  evaluations: 2,
  testSize: 16,
  probeSize: 8,
};

describe('tbptt-window', () => {
  test('complete rows; BPTT(T, T) equals full BPTT; reruns are byte-identical', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-tbptt-'));
    const a = await runExperiment(tbpttWindow, { size: 'quick', config: small, outDir: join(dir, 'a') });
    const b = await runExperiment(tbpttWindow, { size: 'quick', config: small, outDir: join(dir, 'b') });
    expect(readFileSync(a.assembled!.csv).equals(readFileSync(b.assembled!.csv))).toBe(true);
    const rows = readResultsCsv(a.assembled!.csv);
    expect(Object.keys(rows[0]!)).toEqual([...TBPTT_WINDOW_COLUMNS]);
    // 2 schemes × 2 windows, each with evaluations at 0, 10 and 20 updates.
    expect(rows).toHaveLength(12);
    for (const r of rows) {
      expect(r['accuracy']).toBeGreaterThanOrEqual(0);
      expect(r['accuracy']).toBeLessThanOrEqual(1);
      if (r['scheme'] === 'k1=k2' && r['k2'] === 10) {
        expect(r['cos_to_full']).toBeCloseTo(1, 5);
        expect(r['rel_err_to_full']).toBeLessThan(1e-5);
      }
      if (r['k2'] === 2) expect(r['cos_to_full'] as number).toBeLessThan(0.999);
    }
  });
});
