/**
 * tbptt-window: rows are complete and paired (every arm of a seed starts from the same weights),
 * both schemes see the same minibatches, BPTT(T, T) has cosine 1 to full BPTT at shared
 * parameters, reruns give byte-identical CSVs; and at quick size the effect the experiment
 * exists to show: k2 = L + 1 learns the echo where k2 ≤ L does not, beyond the readout-only control.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readResultsCsv, runExperiment } from '@gradlab/lab';
import type { Row } from '@gradlab/lab';
import { Rng, tf } from '@gradlab/core';
import { RNN, delayedEcho } from '@gradlab/rnn';
import { TBPTT_WINDOW_COLUMNS, tbpttWindow } from '../src/tbptt-window.js';
import { windowedScore } from '../src/windowed-score.js';

/** Accuracy by which, at quick size, k2 = L + 1 must beat the best k2 ≤ L and the readout-only control in every seed. */
const QUICK_TOLERANCE = 0.15;

const small = {
  seeds: [1],
  delays: [3],
  windowOffsets: [-1, 0, 1, 3],
  schemes: ['k1=k2' as const, 'k1=1' as const],
  steps: 6,
  hidden: 8,
  batchSize: 8,
  sequences: 4,
  evaluations: 2,
  testSize: 16,
  probeSize: 8,
};

describe('windowedScore', () => {
  test('a window as long as the sequence scores as the whole sequence; a shorter one differs; no leaks', () => {
    const task = delayedEcho(3, 8);
    const net = new RNN({ inputSize: 4, hiddenSize: 6, outputSize: 4 }, new Rng(7));
    const batch = task.testSet(12, 1);
    const before = tf.memory().numTensors;
    const whole = task.evaluate(net, batch);
    const full = windowedScore(net, batch, task.loss.steps!, 8);
    expect(full.loss).toBeCloseTo(whole.loss, 5);
    expect(full.accuracy).toBeCloseTo(whole.accuracy, 6);
    expect(windowedScore(net, batch, task.loss.steps!, 2).loss).not.toBeCloseTo(whole.loss, 3);
    expect(tf.memory().numTensors).toBe(before);
    batch.dispose();
    net.dispose();
  });
});

describe('tbptt-window', () => {
  test('complete, paired rows; same minibatches for both schemes; BPTT(T, T) equals full BPTT; reruns are byte-identical', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-tbptt-'));
    const a = await runExperiment(tbpttWindow, { size: 'quick', config: small, outDir: join(dir, 'a') });
    const b = await runExperiment(tbpttWindow, { size: 'quick', config: small, outDir: join(dir, 'b') });
    expect(readFileSync(a.assembled!.csv).equals(readFileSync(b.assembled!.csv))).toBe(true);
    const rows = readResultsCsv(a.assembled!.csv);
    expect(Object.keys(rows[0]!)).toEqual([...TBPTT_WINDOW_COLUMNS]);
    const at = (step: number, control: string) => rows.filter((r) => r['step'] === step && r['control'] === control);
    // Per scheme: k2 ∈ {2, 3, 4, 6} plain, readout-only at 4, reset-state at 3 and 4 (7 arms);
    // evaluations at 0, 2 and 4 minibatches; plus the paired-cosine run probing 2 × 4 truncations.
    expect(rows).toHaveLength(2 * 7 * 3 + 8 * 3);
    // Every arm starts from the same weights: one accuracy before training.
    expect(new Set(rows.filter((r) => r['step'] === 0).map((r) => r['accuracy'])).size).toBe(1);
    // The same 4 minibatches: T − L = 3 updates each when sliding; chunked, one per chunk that
    // holds a loss step (t ≥ 3 of 0 … 5): k2 = 2 → [2, 4), [4, 6); 3 → [3, 6); 4 → [0, 4), [4, 6); 6 → one.
    const chunked: Record<number, number> = { 2: 2, 3: 1, 4: 2, 6: 1 };
    for (const r of at(4, 'none')) expect(r['updates']).toBe(4 * (r['scheme'] === 'k1=1' ? 3 : chunked[r['k2'] as number]!));
    const probes = at(4, 'paired-cosine');
    expect(probes).toHaveLength(8);
    for (const r of probes) {
      if (r['k1'] === 6) {
        expect(r['cos_to_full']).toBeCloseTo(1, 5);
        expect(r['rel_err_to_full']).toBeLessThan(1e-5);
      }
      if (r['k2'] === 2) expect(r['cos_to_full'] as number).toBeLessThan(0.999);
    }
    // One trained net behind the paired cosines: one accuracy per evaluation.
    expect(new Set(probes.map((r) => r['accuracy'])).size).toBe(1);
    for (const r of at(4, 'none')) expect(Number.isNaN(r['cos_to_full'])).toBe(true);
  });

  test(`quick size: in every seed, k2 = L + 1 beats the best k2 ≤ L and the readout-only control by > ${QUICK_TOLERANCE}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-tbptt-quick-'));
    const r = await runExperiment(tbpttWindow, { size: 'quick', outDir: dir });
    const rows = readResultsCsv(r.assembled!.csv);
    const { seeds, delays, sequences } = tbpttWindow.sizes.quick;
    const L = delays[0]!;
    const final = (seed: number, control: string, pick: (k: number) => boolean) =>
      Math.max(...rows.filter((x: Row) => x['seed'] === seed && x['control'] === control && x['step'] === sequences && pick(x['k2'] as number)).map((x) => x['accuracy'] as number));
    expect(seeds.length).toBeGreaterThanOrEqual(3);
    for (const seed of seeds) {
      const path = final(seed, 'none', (k) => k === L + 1);
      expect(path - final(seed, 'none', (k) => k <= L)).toBeGreaterThan(QUICK_TOLERANCE);
      expect(path - final(seed, 'readout-only', () => true)).toBeGreaterThan(QUICK_TOLERANCE);
    }
  });
});
