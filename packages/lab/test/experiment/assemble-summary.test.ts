import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentError, ValidationError, positiveInt } from '@gradlab/core';
import { z, defineExperiment, mergeExperiment,  runExperiment, verifyManifest } from '@gradlab/lab';
import { checkSummarySpec, seedSummary, summaryColumns } from '../../src/experiment/seed-summary.js';
import { CellsStore, readCellsConfig } from '../../src/experiment/cells-store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-summary-'));

/** Rows = seed + cell-dependent numbers that are easy to check by hand. */
function sweep(opts: { summary?: unknown } = {}) {
  return defineExperiment({
    name: 'sweep',
    description: 'Does the summary average over seeds?',
    configSchema: z.object({ depths: z.array(positiveInt()), seeds: z.array(z.number().int()) }),
    sizes: { quick: { depths: [1, 2], seeds: [1, 2, 3] }, full: { depths: [1, 2, 3], seeds: [1, 2, 3, 4] } },
    grid: (c) => c.depths.map((depth) => ({ depth })),
    columns: ['depth', 'seed', 'step', 'loss', 'note'],
    run: (cell) => [0, 1].map((step) => ({ step, loss: cell.depth * 10 + step + cell.seed, note: step === 0 ? 'start' : '' })),
    ...(opts.summary === undefined ? { summary: { by: ['depth', 'step'], values: ['loss'] } } : { summary: opts.summary as never }),
  });
}

describe('seedSummary', () => {
  const spec = { by: ['model', 'step'], values: ['mse', 'acc'] };

  test('groups in first-appearance order with n_seeds, mean, sample std, min, max', () => {
    const rows = [
      { model: 'b', step: 0, seed: 1, mse: 1, acc: 0.5 },
      { model: 'a', step: 0, seed: 1, mse: 2, acc: '' },
      { model: 'b', step: 0, seed: 2, mse: 3, acc: 0.7 },
      { model: 'a', step: 0, seed: 2, mse: 4, acc: '' },
      { model: 'b', step: 0, seed: 3, mse: 5, acc: 0.9 },
    ];
    expect(seedSummary(rows, spec)).toEqual([
      { model: 'b', step: 0, n_seeds: 3, mse_mean: 3, mse_std: 2, mse_min: 1, mse_max: 5, acc_mean: expect.closeTo(0.7, 12), acc_std: expect.closeTo(0.2, 12), acc_min: 0.5, acc_max: 0.9 },
      // acc is '' for model a: no statistic; the std of [2, 4] is √2.
      { model: 'a', step: 0, n_seeds: 2, mse_mean: 3, mse_std: Math.SQRT2, mse_min: 2, mse_max: 4, acc_mean: '', acc_std: '', acc_min: '', acc_max: '' },
    ]);
  });

  test('one seed: std is empty, min = max = mean', () => {
    expect(seedSummary([{ model: 'a', step: 0, seed: 7, mse: 0.25, acc: 1 }], spec)[0]).toMatchObject({
      n_seeds: 1, mse_mean: 0.25, mse_std: '', mse_min: 0.25, mse_max: 0.25,
    });
  });

  test('a diverged seed (NaN, Infinity) shows in the statistics instead of vanishing', () => {
    const rows = [
      { model: 'a', step: 0, seed: 1, mse: 1, acc: Infinity },
      { model: 'a', step: 0, seed: 2, mse: NaN, acc: 2 },
    ];
    const [s] = seedSummary(rows, spec);
    expect(s).toMatchObject({ mse_mean: NaN, mse_min: NaN, mse_max: NaN, acc_mean: Infinity, acc_max: Infinity, acc_min: 2 });
    expect(s!['acc_std']).toBeNaN();
  });

  test('two rows of one seed in a group is an error naming the group', () => {
    const rows = [
      { model: 'a', step: 0, seed: 1, mse: 1, acc: 1 },
      { model: 'a', step: 0, seed: 1, mse: 2, acc: 1 },
    ];
    expect(() => seedSummary(rows, spec, 'toy: summary')).toThrow(ExperimentError);
    expect(() => seedSummary(rows, spec, 'toy: summary')).toThrow(
      /^toy: summary: two rows of seed 1 share model=a, step=0; expected summary\.by to list every column that tells the rows of one seed apart$/,
    );
  });

  test('does not modify its input', () => {
    const rows = [{ model: 'a', step: 0, seed: 1, mse: 1, acc: 1 }];
    const copy = structuredClone(rows);
    seedSummary(rows, spec);
    expect(rows).toEqual(copy);
  });

  test('columns: by, n_seeds, then mean/std/min/max per value', () => {
    expect(summaryColumns(spec)).toEqual(['model', 'step', 'n_seeds', 'mse_mean', 'mse_std', 'mse_min', 'mse_max', 'acc_mean', 'acc_std', 'acc_min', 'acc_max']);
  });
});

describe('defineExperiment summary validation', () => {
  test.each([
    [{ by: ['depth'], values: ['nope'] }, /^defineExperiment\(sweep\): expected every summary\.values entry to be one of the columns \(depth, seed, step, loss, note\), got "nope"$/],
    [{ by: ['seed'], values: ['loss'] }, /^defineExperiment\(sweep\): expected every summary\.by entry|must not list "seed"/],
    [{ by: ['depth', 'step'], values: [] }, /^defineExperiment\(sweep\): expected summary\.values to be a non-empty array of column names, got \[\]$/],
    [{ by: ['depth', 'loss'], values: ['loss'] }, /^defineExperiment\(sweep\): column "loss" is listed twice in summary\.by \/ summary\.values$/],
    [{ by: 'depth', values: ['loss'] }, /^defineExperiment\(sweep\): expected summary\.by to be an array of column names, got "depth"$/],
    [['depth'], /^defineExperiment\(sweep\): expected summary to be \{ by: \[\.\.\.\], values: \[\.\.\.\] \}, got \[/],
  ])('rejects %j', (summary, message) => {
    expect(() => sweep({ summary })).toThrow(ValidationError);
    expect(() => sweep({ summary })).toThrow(message);
  });

  test('"seed" itself is refused with a message saying why', () => {
    expect(() => checkSummarySpec('where', { by: ['seed'], values: ['loss'] }, ['seed', 'loss'])).toThrow(
      /^where: summary\.by must not list "seed" \(the summary is over seeds\)$/,
    );
  });

  test('needs a seed column', () => {
    expect(() => checkSummarySpec('where', { by: [], values: ['loss'] }, ['loss'])).toThrow(
      /^where: expected a "seed" column when summary is given \(the summary is over seeds\), got columns loss$/,
    );
  });
});

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('assembly writes the summary CSV', () => {
  test('three seeds: exact bytes, listed in the manifest with its sha256 after the main CSV', async () => {
    const out = tmp();
    const res = await runExperiment(sweep(), { size: 'quick', outDir: out });
    expect(res.assembled?.summary).toBe(join(out, 'sweep-summary.csv'));
    // loss = 10·depth + step + seed, seeds 1..3 → mean 10·depth + step + 2, std 1, min −1, max +1.
    expect(readFileSync(join(out, 'sweep-summary.csv'), 'utf8')).toBe(
      [
        'depth,step,n_seeds,loss_mean,loss_std,loss_min,loss_max',
        '1,0,3,12,1,11,13',
        '1,1,3,13,1,12,14',
        '2,0,3,22,1,21,23',
        '2,1,3,23,1,22,24',
        '',
      ].join('\n'),
    );
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.outputs.map((o: { path: string }) => o.path)).toEqual(['sweep.csv', 'sweep-summary.csv']);
    expect(manifest.outputs[1].sha256).toBe(sha256(join(out, 'sweep-summary.csv')));
    expect(manifest.cells).toEqual({ total: 6, diverged: 0 });
    expect(manifest.diverged).toBeUndefined();
    expect((await verifyManifest(out)).ok).toBe(true);
  });

  test('one seed, or no summary declared: no summary file', async () => {
    const one = tmp();
    const r1 = await runExperiment(sweep(), { size: 'quick', outDir: one, seeds: [5] });
    expect(r1.assembled?.summary).toBeUndefined();
    expect(existsSync(join(one, 'sweep-summary.csv'))).toBe(false);
    const none = tmp();
    const plain = defineExperiment({ ...sweep(), summary: undefined });
    await runExperiment(plain, { size: 'quick', outDir: none });
    expect(readdirSync(none).filter((f) => f.endsWith('.csv'))).toEqual(['sweep.csv']);
  });

  test('sharded then merged gives the same summary bytes as a serial run', async () => {
    const whole = tmp();
    await runExperiment(sweep(), { size: 'full', outDir: whole });
    const sharded = tmp();
    for (const index of [1, 0]) await runExperiment(sweep(), { size: 'full', outDir: sharded, shard: { index, count: 2 } });
    await mergeExperiment(sweep(), sharded);
    for (const f of ['sweep.csv', 'sweep-summary.csv']) expect(readFileSync(join(sharded, f))).toEqual(readFileSync(join(whole, f)));
  });
});

describe('diverged cells in the manifest', () => {
  test('listed with their cell id in grid order, counted in cells; identical from merge', async () => {
    const out = tmp();
    await runExperiment(sweep(), { size: 'quick', outDir: out });
    const { configHash } = readCellsConfig(out);
    const store = new CellsStore(out, configHash);
    const divergence = (step: number) => ({ step, reason: 'loss = NaN', lastFinite: { loss: 3.5 } });
    // Mark two cells diverged, the later one in grid order first (through the store, so that
    // their checksum records cover the new metadata).
    for (const [id, seed, step] of [['depth=2,seed=1', 1, 7], ['depth=1,seed=3', 3, 2]] as const) {
      const meta = JSON.parse(readFileSync(store.metaPath(id), 'utf8'));
      store.write({ experiment: sweep().name, configHash, cell: id, seed }, readFileSync(store.csvPath(id), 'utf8'), {
        ...meta,
        status: 'diverged',
        divergence: divergence(step),
      });
    }
    await mergeExperiment(sweep(), out);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.cells).toEqual({ total: 6, diverged: 2 });
    expect(manifest.diverged).toEqual([
      { cell: 'depth=1,seed=3', ...divergence(2) },
      { cell: 'depth=2,seed=1', ...divergence(7) },
    ]);
    const first = readFileSync(join(out, 'manifest.json'), 'utf8');
    await mergeExperiment(sweep(), out);
    const strip = (t: string) => t.replace(/"(started|finished)": "[^"]+"/g, '');
    expect(strip(readFileSync(join(out, 'manifest.json'), 'utf8'))).toBe(strip(first));
    expect((await verifyManifest(out)).ok).toBe(true);
  });
});
