import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentError, ValidationError, positiveInt } from '@gradlab/core';
import {
  z,
  defineExperiment,
  lineChart,
  mergeExperiment,
  runExperiment,
  verifyManifest,
  type RunEvent,
} from '@gradlab/lab';
import { readCellsConfig } from '../../src/experiment/cells-store.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-runner-'));

/** A tiny experiment: `depths` × `widths` cells, rows drawn from the cell's Rng. */
function toyExperiment(opts: { failAt?: number; calls?: string[] } = {}) {
  let n = 0;
  return defineExperiment({
    name: 'toy-grid',
    description: 'Does the toy runner keep its promises?',
    configSchema: z.object({
      depths: z.array(positiveInt()),
      width: positiveInt(),
      steps: positiveInt(),
      seeds: z.array(z.number().int()),
    }),
    sizes: {
      quick: { depths: [1, 2, 3], width: 4, steps: 2, seeds: [1, 2] },
      full: { depths: [1, 2, 3, 4], width: 8, steps: 3, seeds: [1, 2, 3] },
    },
    grid: (c) => c.depths.flatMap((depth) => [{ depth, act: 'tanh' }, { depth, act: 'relu' }]),
    columns: ['depth', 'act', 'seed', 'step', 'value', 'ok'],
    summary: { by: ['depth', 'act', 'step'], values: ['value'] },
    run(cell, config, ctx) {
      n += 1;
      opts.calls?.push(`${cell.depth}/${cell.act}/${cell.seed}`);
      if (opts.failAt !== undefined && n === opts.failAt) throw new Error(`boom in call ${n}`);
      if (cell.depth === 2) ctx.notice('synthetic data used');
      ctx.onProgress?.(1);
      return Array.from({ length: config.steps }, (_, step) => ({
        step,
        value: ctx.rng.normal() * 10 ** -cell.depth,
        ok: ctx.rng.next() < 0.5,
      }));
    },
    plots: (rows) => [
      {
        file: 'toy-grid-by-depth.svg',
        spec: lineChart({ data: rows, x: 'depth', y: 'value', color: 'act', title: 'Toy', xTitle: 'depth', yTitle: 'value' }),
      },
    ],
  });
}

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => !f.endsWith('/')).sort();

describe('runExperiment', () => {
  test('writes the main CSV in grid order (cell-major, seeds innermost), plots and a verifiable manifest', async () => {
    const out = tmp();
    const events: RunEvent[] = [];
    const res = await runExperiment(toyExperiment(), { size: 'quick', outDir: out, onEvent: (e) => events.push(e) });
    expect(res.cellsRun).toBe(12);
    expect(res.assembled?.rows).toBe(24);
    const csv = readFileSync(join(out, 'toy-grid.csv'), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('depth,act,seed,step,value,ok');
    expect(lines.slice(1, 6).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      '1,tanh,1,0', '1,tanh,1,1', '1,tanh,2,0', '1,tanh,2,1', '1,relu,1,0',
    ]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.outputs.map((o: { path: string }) => o.path)).toEqual(['toy-grid.csv', 'toy-grid-summary.csv', 'toy-grid-by-depth.svg']);
    expect(manifest.notices).toEqual(['synthetic data used']);
    expect(manifest.seeds).toEqual([1, 2]);
    expect(manifest.size).toBe('quick');
    expect((await verifyManifest(out)).ok).toBe(true);
    expect(readFileSync(join(out, 'toy-grid-by-depth.svg'), 'utf8')).toMatch(/^<svg[^]*Toy/);
    expect(events.filter((e) => e.type === 'notice')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'cell-done')).toHaveLength(12);
    expect(events.at(-1)?.type).toBe('assembled');
    expect(listFiles(out).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  test('a run that failed in the 3rd cell resumes: the rerun skips the first 2 cells', async () => {
    const out = tmp();
    const calls1: string[] = [];
    await expect(runExperiment(toyExperiment({ failAt: 3, calls: calls1 }), { size: 'quick', outDir: out })).rejects.toThrow(
      /boom in call 3/,
    );
    expect(calls1).toEqual(['1/tanh/1', '1/tanh/2', '1/relu/1']);
    expect(existsSync(join(out, 'toy-grid.csv'))).toBe(false);
    const cellFiles = listFiles(out).filter((f) => f.endsWith('.csv'));
    expect(cellFiles).toHaveLength(2); // no partial file of the failed cell
    const calls2: string[] = [];
    const events: RunEvent[] = [];
    const res = await runExperiment(toyExperiment({ calls: calls2 }), { size: 'quick', outDir: out, onEvent: (e) => events.push(e) });
    expect(res.cellsSkipped).toBe(2);
    expect(calls2).toHaveLength(10);
    expect(calls2).not.toContain('1/tanh/1');
    expect(events.filter((e) => e.type === 'cell-skipped').map((e) => (e as { cellId: string }).cellId)).toEqual([
      'act=tanh,depth=1,seed=1',
      'act=tanh,depth=1,seed=2',
    ]);
    // Resumed output equals an uninterrupted run's.
    const clean = tmp();
    await runExperiment(toyExperiment(), { size: 'quick', outDir: clean });
    expect(readFileSync(join(out, 'toy-grid.csv'), 'utf8')).toBe(readFileSync(join(clean, 'toy-grid.csv'), 'utf8'));
  });

  test('sharded 3 ways then merged is byte-identical to an unsharded run', async () => {
    const whole = tmp();
    await runExperiment(toyExperiment(), { size: 'quick', outDir: whole });
    const sharded = tmp();
    // Shards in reverse order, to show the order cells ran in does not matter.
    for (const index of [2, 0, 1]) {
      const res = await runExperiment(toyExperiment(), { size: 'quick', outDir: sharded, shard: { index, count: 3 } });
      expect(res.assembled).toBeUndefined();
      expect(res.cellsRun).toBe(4);
      if (index === 2) {
        expect(res.missing).toHaveLength(8);
        await expect(mergeExperiment(toyExperiment(), sharded)).rejects.toThrow(
          /merge: 8 of 12 cells of toy-grid are missing in .*: act=tanh,depth=1,seed=1; /,
        );
      }
    }
    expect(existsSync(join(sharded, 'toy-grid.csv'))).toBe(false);
    const merged = await mergeExperiment(toyExperiment(), sharded);
    expect(merged.rows).toBe(24);
    for (const f of ['toy-grid.csv', 'toy-grid-summary.csv', 'toy-grid-by-depth.svg']) {
      expect(readFileSync(join(sharded, f))).toEqual(readFileSync(join(whole, f)));
    }
    expect(readCellsConfig(sharded).name).toBe('toy-grid');
    expect((await verifyManifest(sharded)).ok).toBe(true);
  });

  test('a rerun in a fresh folder gives identical CSV bytes; adding seeds reuses the cells; fresh recomputes', async () => {
    const a = tmp();
    const b = tmp();
    await runExperiment(toyExperiment(), { size: 'quick', outDir: a });
    await runExperiment(toyExperiment(), { size: 'quick', outDir: b });
    expect(readFileSync(join(a, 'toy-grid.csv'))).toEqual(readFileSync(join(b, 'toy-grid.csv')));

    const calls: string[] = [];
    const more = await runExperiment(toyExperiment({ calls }), { size: 'quick', outDir: a, seeds: [1, 2, 3] });
    expect(more.cellsSkipped).toBe(12);
    expect(calls.every((c) => c.endsWith('/3'))).toBe(true);
    expect(more.assembled?.rows).toBe(36);

    const again: string[] = [];
    const fresh = await runExperiment(toyExperiment({ calls: again }), { size: 'quick', outDir: a, fresh: true });
    expect(fresh.cellsSkipped).toBe(0);
    expect(again).toHaveLength(12);
    expect(readFileSync(join(a, 'toy-grid.csv'))).toEqual(readFileSync(join(b, 'toy-grid.csv')));
  });

  test('the cell Rng depends on the seed and the cell, not on which cells ran before', async () => {
    const one = tmp();
    const all = tmp();
    await runExperiment(toyExperiment(), { size: 'quick', config: { depths: [3] }, outDir: one });
    await runExperiment(toyExperiment(), { size: 'quick', outDir: all });
    const rowsOf = (dir: string) =>
      readFileSync(join(dir, 'toy-grid.csv'), 'utf8').split('\n').filter((l) => l.startsWith('3,'));
    expect(rowsOf(one)).toEqual(rowsOf(all));
  });

  test('bad config, seeds, shard and rows are rejected with messages naming the field', async () => {
    const out = tmp();
    const def = toyExperiment();
    await expect(runExperiment(def, { size: 'quick', outDir: out, config: { width: 0 } })).rejects.toThrow(
      /toy-grid config: expected width to be a positive integer, got 0/,
    );
    await expect(runExperiment(def, { size: 'quick', outDir: out, config: { depths: [1, 'x' as unknown as number] } })).rejects.toThrow(
      /expected depths\[1\] to be a positive integer, got "x"/,
    );
    await expect(runExperiment(def, { size: 'quick', outDir: out, config: { wdth: 3 } as object })).rejects.toThrow(
      /toy-grid config: unknown option "wdth"; expected one of depths, width, steps, seeds/,
    );
    await expect(runExperiment(def, { size: 'quick', outDir: out, seeds: [1, 1] })).rejects.toThrow(
      /expected seeds to be distinct, got \[1, 1\]/,
    );
    await expect(runExperiment(def, { size: 'huge' as 'quick', outDir: out })).rejects.toThrow(
      /toy-grid: expected size to be one of "quick", "full", got "huge"/,
    );
    await expect(runExperiment(def, { size: 'quick', outDir: out, shard: { index: 3, count: 3 } })).rejects.toThrow(
      /expected shard.index to be an integer in \[0, 2\] \(0-based\), got 3/,
    );
    const badRows = defineExperiment({ ...def, run: () => [{ depth: 1, oops: 2 }] });
    await expect(runExperiment(badRows, { size: 'quick', outDir: out })).rejects.toThrow(ExperimentError);
    await expect(runExperiment(badRows, { size: 'quick', outDir: out })).rejects.toThrow(
      /toy-grid: cell act=tanh,depth=1,seed=1 returned rows that do not fit the columns: toCsv: row 0 has column "oops"/,
    );
  });

  test('defineExperiment rejects bad declarations', () => {
    const def = toyExperiment();
    expect(() => defineExperiment({ ...def, name: 'Toy Grid' })).toThrow(/expected name to be kebab-case .*got "Toy Grid"/);
    expect(() => defineExperiment({ ...def, columns: ['a', 'a'] })).toThrow(/column "a" is listed twice/);
    expect(() => defineExperiment({ ...def, sizes: { ...def.sizes, quick: { ...def.sizes.quick, width: -1 } } })).toThrow(
      ValidationError,
    );
    expect(() => defineExperiment({ ...def, sizes: { ...def.sizes, full: { ...def.sizes.full, seeds: [] } } })).toThrow(
      /sizes.full: expected seeds to be a non-empty array of integers, got \[\]/,
    );
  });

  test('stale temp files of killed writers are removed on the next run', async () => {
    const out = tmp();
    await runExperiment(toyExperiment(), { size: 'quick', outDir: out, config: { depths: [1] } });
    const host = (await import('node:os')).hostname().replace(/[^A-Za-z0-9.]/g, '_');
    const stale = join(out, `.toy-grid.csv.tmp-${host}-999999999-7`);
    writeFileSync(stale, 'half');
    await runExperiment(toyExperiment(), { size: 'quick', outDir: out, config: { depths: [1] } });
    expect(existsSync(stale)).toBe(false);
  });
});
