/**
 * exploding-clipping: the one-unit model's written-out gradient matches central differences
 * (float64); without clipping a ReLU RNN with ρ = 3 diverges while the clipped one stays
 * finite; reruns give byte-identical CSVs.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readResultsCsv, runExperiment } from '@gradlab/lab';
import { EXPLODING_CLIPPING_COLUMNS, explodingClipping, oneUnitCliff } from '../src/exploding-clipping.js';

describe('exploding-clipping', () => {
  test.each([
    [2, -1],
    [5, -2.6],
    [8, -3.9],
  ])('one-unit gradient at (w, b) = (%f, %f) matches central differences', (w, b) => {
    const g = oneUnitCliff(w, b);
    const h = 1e-6;
    const dw = (oneUnitCliff(w + h, b).loss - oneUnitCliff(w - h, b).loss) / (2 * h);
    const db = (oneUnitCliff(w, b + h).loss - oneUnitCliff(w, b - h).loss) / (2 * h);
    expect(Math.abs(g.dw - dw)).toBeLessThan(1e-6 + 1e-4 * Math.abs(dw));
    expect(Math.abs(g.db - db)).toBeLessThan(1e-6 + 1e-4 * Math.abs(db));
  });

  test('clipping keeps a ρ = 3 ReLU RNN finite where plain SGD diverges; reruns are byte-identical', async () => {
    const small = { seeds: [1], surfaceWStep: 1, surfaceBStep: 0.5, trajectorySteps: 10, models: ['rnn-relu' as const], rhos: [3], iterations: 40, recordEvery: 20 };
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-ec-'));
    const a = await runExperiment(explodingClipping, { size: 'quick', config: small, outDir: join(dir, 'a') });
    const b = await runExperiment(explodingClipping, { size: 'quick', config: small, outDir: join(dir, 'b') });
    expect(readFileSync(a.assembled!.csv).equals(readFileSync(b.assembled!.csv))).toBe(true);
    const rows = readResultsCsv(a.assembled!.csv);
    expect(Object.keys(rows[0]!)).toEqual([...EXPLODING_CLIPPING_COLUMNS]);
    const training = rows.filter((r) => r['part'] === 'training');
    const last = (clip: string) => training.filter((r) => String(r['clip']) === clip).at(-1)!;
    expect(last('none')['nonfinite'] as number).toBeGreaterThan(0);
    expect(last('1')['nonfinite']).toBe(0);
    expect(Number.isFinite(last('1')['loss'] as number)).toBe(true);
    expect(rows.filter((r) => r['part'] === 'surface').length).toBe(6 * 11);
  });
});
