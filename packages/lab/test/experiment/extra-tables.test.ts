import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentError, ValidationError } from '@gradlab/core';
import { z, defineExperiment, mergeExperiment, readManifest, runExperiment, verifyManifest, type Row, type RunEvent } from '@gradlab/lab';
import { verifyResults } from '../../src/cli/verify-command.js';
import { indexFolders } from '../../src/cli/index-folders.js';
import { resultsIndex } from '../../src/cli/results-index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-tables-'));

type Behaviour = { calls?: string[]; undeclared?: boolean; badRow?: boolean; tables?: Record<string, readonly string[]>; seen?: Record<string, Row[]>[] };

/** Two tables: `trace` (three rows a cell, keys and seed filled by the runner) and `once` (none for width 3). */
function tableExperiment(b: Behaviour = {}) {
  return defineExperiment({
    name: 'toy-tables',
    description: 'Do extra tables reach the results folder and the manifest?',
    configSchema: z.object({ widths: z.array(z.number().int()), seeds: z.array(z.number().int()) }),
    sizes: { quick: { widths: [2, 3], seeds: [1] }, full: { widths: [2, 3, 4], seeds: [1, 2] } },
    grid: (c) => c.widths.map((width) => ({ width })),
    columns: ['width', 'seed', 'value'],
    tables: b.tables ?? { trace: ['width', 'seed', 'step', 'x'], once: ['width', 'seed', 'note'] },
    run(cell, _config, ctx) {
      b.calls?.push(`${cell.width}/${cell.seed}`);
      if (b.undeclared === true) ctx.table?.('nope', []);
      for (let step = 0; step < 3; step++) ctx.table?.('trace', [{ step, x: ctx.rng.normal() }]);
      if (cell.width !== 3 && (b.tables === undefined || 'once' in b.tables)) ctx.table?.('once', [{ note: b.badRow === true ? { not: 'a value' } as never : `width ${cell.width}` }]);
      return [{ value: cell.width * 10 }];
    },
    plots: (_rows, _config, tables) => {
      b.seen?.push(tables);
      return [];
    },
  });
}

const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');

describe('extra tables', () => {
  test('are written in grid order with the cell keys and seed filled in, listed in the manifest and the index, verified, and given to plots', async () => {
    const root = tmp();
    const out = join(root, 'toy-tables');
    const seen: Record<string, Row[]>[] = [];
    const r = await runExperiment(tableExperiment({ seen }), { size: 'full', outDir: out });
    const trace = lines(join(out, 'toy-tables-trace.csv'));
    expect(trace[0]).toBe('width,seed,step,x');
    expect(trace).toHaveLength(1 + 3 * 2 * 3);
    // Grid order, seeds innermost, then the cell's own order.
    expect(trace.slice(1, 8).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['2,1,0', '2,1,1', '2,1,2', '2,2,0', '2,2,1', '2,2,2', '3,1,0']);
    expect(lines(join(out, 'toy-tables-once.csv'))).toEqual(['width,seed,note', '2,1,width 2', '2,2,width 2', '4,1,width 4', '4,2,width 4']);
    const manifest = await readManifest(out);
    expect(manifest.outputs.map((o) => o.path)).toEqual(['toy-tables.csv', 'toy-tables-trace.csv', 'toy-tables-once.csv']);
    expect(manifest.outputs.find((o) => o.path === 'toy-tables-trace.csv')?.rows).toBe(18);
    expect(r.assembled?.tables).toEqual([
      { path: join(out, 'toy-tables-trace.csv'), rows: 18 },
      { path: join(out, 'toy-tables-once.csv'), rows: 4 },
    ]);
    expect(seen[0]!['trace']).toHaveLength(18);
    expect(seen[0]!['once']![0]).toEqual({ width: 2, seed: 1, note: 'width 2' });
    expect((await verifyManifest(out)).ok).toBe(true);
    // The results index links each table with its rows, from a run and from `gradlab index`.
    expect(resultsIndex(root, [{ def: tableExperiment(), outputs: r.assembled! }], 'full')).toContain('- table: [toy-tables/toy-tables-trace.csv](toy-tables/toy-tables-trace.csv) (18 rows)');
    expect((await indexFolders(root, [tableExperiment()])).entries[0]!.outputs.tables).toEqual(r.assembled!.tables);
    // `gradlab verify` checks the table's sha256 like any output.
    writeFileSync(join(out, 'toy-tables-trace.csv'), readFileSync(join(out, 'toy-tables-trace.csv'), 'utf8').replace(/,0,/, ',9,'));
    const [v] = await verifyResults(out);
    expect(v!.problems).toEqual([expect.stringMatching(/^toy-tables-trace\.csv: sha256 .* on disk, the manifest says/)]);
  });

  test('are byte-identical across fresh reruns, and a resume reuses the stored cells with their tables', async () => {
    const a = tmp();
    const b = tmp();
    await runExperiment(tableExperiment(), { size: 'full', outDir: a });
    await runExperiment(tableExperiment(), { size: 'full', outDir: b });
    for (const f of ['toy-tables.csv', 'toy-tables-trace.csv', 'toy-tables-once.csv']) expect(readFileSync(join(b, f)), f).toEqual(readFileSync(join(a, f)));
    const before = readFileSync(join(a, 'toy-tables-trace.csv'));
    const calls: string[] = [];
    const again = await runExperiment(tableExperiment({ calls }), { size: 'full', outDir: a });
    expect(calls).toEqual([]);
    expect(again.cellsSkipped).toBe(6);
    expect(readFileSync(join(a, 'toy-tables-trace.csv'))).toEqual(before);
  });

  test("a cell whose stored table is damaged or missing is recomputed, and the table comes out the same", async () => {
    const out = tmp();
    await runExperiment(tableExperiment(), { size: 'full', outDir: out });
    const before = readFileSync(join(out, 'toy-tables-trace.csv'));
    const hash = readFileSync(join(out, '.cells', 'current'), 'utf8').trim();
    const cells = join(out, '.cells', hash);
    writeFileSync(join(cells, 'width=3,seed=2.tables', 'trace.csv'), 'width,seed,step,x\n3,2,0,42\n');
    rmSync(join(cells, 'width=4,seed=1.tables'), { recursive: true });
    const calls: string[] = [];
    const damaged: string[] = [];
    await runExperiment(tableExperiment({ calls }), {
      size: 'full',
      outDir: out,
      onEvent: (e: RunEvent) => e.type === 'cell-damaged' && damaged.push(`${e.cellId}: ${e.reason}`),
    });
    expect(calls.sort()).toEqual(['3/2', '4/1']);
    expect(damaged.sort()).toEqual(['width=3,seed=2: its "trace" table is 27 bytes, the checksum record says 63', 'width=4,seed=1: its "trace" table is missing']);
    expect(readFileSync(join(out, 'toy-tables-trace.csv'))).toEqual(before);
  });

  test('a cell stored before the experiment declared a table is recomputed, not assembled without it', async () => {
    const out = tmp();
    await runExperiment(tableExperiment({ tables: { trace: ['width', 'seed', 'step', 'x'] } }), { size: 'quick', outDir: out });
    // The same config (so the same cells folder), now with a second table.
    const calls: string[] = [];
    const damaged: string[] = [];
    await runExperiment(tableExperiment({ calls }), { size: 'quick', outDir: out, onEvent: (e) => e.type === 'cell-damaged' && damaged.push(e.reason) });
    expect(calls).toEqual(['2/1', '3/1']);
    expect(damaged[0]).toBe('its checksum record does not list its "once" table (stored before the experiment declared it)');
    expect(lines(join(out, 'toy-tables-once.csv'))).toEqual(['width,seed,note', '2,1,width 2']);
  });

  test('sharded runs merge into the bytes of a serial run', async () => {
    const serial = tmp();
    await runExperiment(tableExperiment(), { size: 'full', outDir: serial });
    const sharded = tmp();
    await runExperiment(tableExperiment(), { size: 'full', outDir: sharded, shard: { index: 0, count: 2 } });
    await runExperiment(tableExperiment(), { size: 'full', outDir: sharded, shard: { index: 1, count: 2 } });
    await mergeExperiment(tableExperiment(), sharded);
    const csvs = readdirSync(serial).filter((f) => f.endsWith('.csv')).sort();
    expect(csvs).toEqual(['toy-tables-once.csv', 'toy-tables-trace.csv', 'toy-tables.csv']);
    for (const f of csvs) expect(readFileSync(join(sharded, f)), f).toEqual(readFileSync(join(serial, f)));
  });

  test('an undeclared table, rows that do not fit and a bad declaration are errors naming the field', async () => {
    await expect(runExperiment(tableExperiment({ undeclared: true }), { size: 'quick', outDir: tmp() })).rejects.toThrow(
      /toy-tables: cell width=2,seed=1: expected a table name declared in tables \(trace, once\), got "nope"/,
    );
    const bad = runExperiment(tableExperiment({ badRow: true }), { size: 'quick', outDir: tmp() });
    await expect(bad).rejects.toThrow(ExperimentError);
    await expect(runExperiment(tableExperiment({ badRow: true }), { size: 'quick', outDir: tmp() })).rejects.toThrow(/gave rows of table "once" that do not fit its columns/);
    expect(() => tableExperiment({ tables: { summary: ['x'] } })).toThrow(ValidationError);
    expect(() => tableExperiment({ tables: { summary: ['x'] } })).toThrow(/expected every table name to be kebab-case and not "summary", got "summary"/);
    expect(() => tableExperiment({ tables: { Watch: ['x'] } })).toThrow(/got "Watch"/);
    expect(() => tableExperiment({ tables: { watch: [] } })).toThrow(/expected tables\.watch to be a non-empty array of column names, got/);
    expect(() => tableExperiment({ tables: { watch: ['x', 'x'] } })).toThrow(/column "x" is listed twice in tables\.watch/);
  });
});
