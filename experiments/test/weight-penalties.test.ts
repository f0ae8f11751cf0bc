/**
 * weight-penalties at the quick size (synthetic images unless the run is given data, as in CI):
 * every penalty starts from the same weights (identical gradient norms at step 0); L2 with
 * λ = 1 shrinks the weights and cuts the late gradient norm to at most half the unpenalised one
 * in every seed on both nets, and on the RNN it does so at a cost in test MSE; the watch
 * histograms account for every gradient entry; a small rerun is byte-identical.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readResultsCsv, runExperiment, type Row } from '@gradlab/lab';
import { finalError, lateGradNorm, partStatus, runBroken, settingOutcomes } from '../src/findings/weight-penalties.js';
import { WATCH_BINS, WEIGHT_PENALTIES_COLUMNS, weightPenalties } from '../src/weight-penalties.js';

const run = (rows: Row[], part: string, penalty: string, seed: number) => rows.filter((r) => r['part'] === part && r['penalty'] === penalty && r['seed'] === seed);
const finalWeightNorm = (rs: Row[]) => rs.filter((r) => r['kind'] === 'eval').at(-1)!['weight_norm'] as number;

describe('weight-penalties', () => {
  test('a small rerun is byte-identical and has the documented columns', async () => {
    const small = { seeds: [1], l2: [1], l1: [], mlpDepth: 3, mlpWidth: 8, trainSize: 64, testSize: 32, mlpBatch: 16, mlpSteps: 6, addingSteps: 5, hidden: 4, rnnBatch: 4, rnnSteps: 6, watchEvery: 3 };
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-wp-'));
    const a = await runExperiment(weightPenalties, { size: 'quick', config: small, outDir: join(dir, 'a') });
    const b = await runExperiment(weightPenalties, { size: 'quick', config: small, outDir: join(dir, 'b') });
    expect(readFileSync(a.assembled!.csv).equals(readFileSync(b.assembled!.csv))).toBe(true);
    const rows = readResultsCsv(a.assembled!.csv);
    expect(Object.keys(rows[0]!)).toEqual([...WEIGHT_PENALTIES_COLUMNS]);
  });

  test('quick size: L2 shrinks the weights and halves the late gradient norm on both nets, at a cost on the RNN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-wp-q-'));
    const r = await runExperiment(weightPenalties, { size: 'quick', outDir: dir });
    const rows = readResultsCsv(r.assembled!.csv);
    const seeds = weightPenalties.sizes.quick.seeds;
    for (const part of ['mlp', 'rnn']) {
      for (const seed of seeds) {
        const none = run(rows, part, 'none', seed);
        const l2 = run(rows, part, 'l2', seed);
        const g0 = (rs: Row[]) => rs.filter((x) => x['kind'] === 'param' && x['step'] === 0).map((x) => x['grad_norm']);
        expect(g0(l2)).toEqual(g0(none));
        expect(g0(run(rows, part, 'l1', seed))).toEqual(g0(none));
        expect(runBroken(l2)).toBe(false);
        expect(finalWeightNorm(l2)).toBeLessThan(0.9 * finalWeightNorm(none));
        expect(lateGradNorm(l2)).toBeLessThanOrEqual(0.5 * lateGradNorm(none));
      }
    }
    for (const seed of seeds) expect(finalError(run(rows, 'rnn', 'l2', seed))).toBeGreaterThan(finalError(run(rows, 'rnn', 'none', seed)));
    expect(partStatus(settingOutcomes(rows, 'rnn')).status).toBe('costly');
    // Every gradient entry of a watched weight is in a bin, outside the range, or non-finite.
    const w0 = rows.find((x) => x['part'] === 'mlp' && x['kind'] === 'param' && x['name'] === 'layer0.weight')!;
    const binned = Array.from({ length: WATCH_BINS }, (_, k) => w0[`hist_${k}`] as number).reduce((a, b) => a + b, 0);
    expect(binned + (w0['hist_outside'] as number) + (w0['nonfinite'] as number)).toBe(28 * 28 * weightPenalties.sizes.quick.mlpWidth);
    // The hidden states of the RNN: one activation row per time step at every record.
    const hs = rows.filter((x) => x['part'] === 'rnn' && x['kind'] === 'activation' && x['seed'] === 1 && x['penalty'] === 'none' && x['step'] === 0);
    expect(hs.map((x) => x['index'])).toEqual(Array.from({ length: weightPenalties.sizes.quick.addingSteps }, (_, t) => t));
  }, 600_000);
});
