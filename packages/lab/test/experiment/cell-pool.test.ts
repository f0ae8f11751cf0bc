import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GradlabError, InterruptedError, backendInfo } from '@gradlab/core';
import { CellPool, defaultJobs, runExperiment, type RunEvent } from '@gradlab/lab';
import { poolFail, poolSlow, poolToy } from './fixtures/pool-experiments.js';

const MODULE = fileURLToPath(new URL('./fixtures/pool-experiments.ts', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-pool-'));
const outputs = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith('.')).sort();

describe('CellPool', () => {
  test('two worker processes write exactly the bytes of a serial run', async () => {
    const serial = tmp();
    await runExperiment(poolToy, { size: 'quick', outDir: serial });
    const parallel = tmp();
    const pool = new CellPool({ jobs: 2, module: MODULE, backend: backendInfo() });
    const events: RunEvent[] = [];
    try {
      const r = await runExperiment(poolToy, { size: 'quick', outDir: parallel, pool, onEvent: (e) => events.push(e) });
      expect(r.cellsRun).toBe(8);
      // The pool is reused: a second experiment in the same workers resumes nothing and reruns nothing.
      const again = await runExperiment(poolToy, { size: 'quick', outDir: parallel, pool });
      expect(again).toMatchObject({ cellsRun: 0, cellsSkipped: 8 });
    } finally {
      await pool.close();
    }
    expect(outputs(parallel)).toEqual(outputs(serial));
    expect(outputs(serial)).toContain('pool-toy-trace.csv');
    for (const f of outputs(serial)) {
      if (f === 'manifest.json') continue;
      expect(readFileSync(join(parallel, f)), f).toEqual(readFileSync(join(serial, f)));
    }
    const manifest = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).outputs;
    expect(manifest(parallel)).toEqual(manifest(serial));
    expect(events.filter((e) => e.type === 'cell-done')).toHaveLength(8);
    expect(events.filter((e) => e.type === 'notice')).toEqual([
      expect.objectContaining({ message: 'synthetic data used' }),
    ]);
  });

  test("a cell's error comes back with its code and message; that cell leaves no file", async () => {
    const out = tmp();
    const pool = new CellPool({ jobs: 2, module: MODULE, backend: backendInfo() });
    const failed: string[] = [];
    try {
      const run = runExperiment(poolFail, {
        size: 'quick',
        outDir: out,
        pool,
        onEvent: (e) => e.type === 'cell-failed' && failed.push(e.cellId),
      });
      await expect(run).rejects.toThrow(GradlabError);
      await expect(run).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: 'pool-fail: depth 2 is not allowed here' });
    } finally {
      await pool.close();
    }
    expect(failed[0]).toMatch(/^depth=2,seed=[12]$/);
    const cells = readdirSync(join(out, '.cells'), { recursive: true, encoding: 'utf8' });
    expect(cells.filter((f) => f.includes('depth=2'))).toEqual([]);
    expect(existsSync(join(out, 'pool-fail.csv'))).toBe(false);
  });

  test('an abort stops the workers at once with an InterruptedError; rerunning resumes to the serial bytes', async () => {
    const out = tmp();
    const controller = new AbortController();
    const pool = new CellPool({ jobs: 2, module: MODULE, backend: backendInfo() });
    try {
      const run = runExperiment(poolSlow, {
        size: 'quick',
        outDir: out,
        pool,
        signal: controller.signal,
        onEvent: (e) => e.type === 'cell-done' && controller.abort(),
      });
      await expect(run).rejects.toThrow(InterruptedError);
      await expect(run).rejects.toThrow(/^pool-slow: interrupted; [1-7] of 8 cells are complete in ".*" \([1-7] computed by this run\); rerun the same command to resume$/);
      const resumed = await runExperiment(poolSlow, { size: 'quick', outDir: out, pool });
      expect(resumed.cellsSkipped).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
    const serial = tmp();
    await runExperiment(poolSlow, { size: 'quick', outDir: serial });
    expect(readFileSync(join(out, 'pool-slow.csv'))).toEqual(readFileSync(join(serial, 'pool-slow.csv')));
  });

  test('serial runs stop between cells when aborted', async () => {
    const out = tmp();
    const controller = new AbortController();
    const run = runExperiment(poolSlow, {
      size: 'quick',
      outDir: out,
      signal: controller.signal,
      onEvent: (e) => e.type === 'cell-done' && e.index === 2 && controller.abort(),
    });
    await expect(run).rejects.toThrow(/^pool-slow: interrupted; 3 of 8 cells are complete in ".*" \(3 computed by this run\)/);
  });

  test.each([
    [{ jobs: 0, module: MODULE }, /^CellPool: expected jobs to be a positive integer, got 0$/],
    [{ jobs: 1.5, module: MODULE }, /^CellPool: expected jobs to be a positive integer, got 1.5$/],
    [{ jobs: 2, module: '' }, /^CellPool: expected module to be the path of a module exporting experiments, got ""$/],
  ])('bad options %j are rejected', (options, message) => {
    expect(() => new CellPool({ ...options, backend: backendInfo() })).toThrow(message);
  });

  test('defaultJobs: SLURM_CPUS_PER_TASK inside a Slurm job, else the cores', () => {
    expect(defaultJobs({ SLURM_CPUS_PER_TASK: '6' })).toBe(6);
    expect(defaultJobs({})).toBe(availableParallelism());
    for (const bad of ['x', '0', '-2', '1.5', '']) expect(defaultJobs({ SLURM_CPUS_PER_TASK: bad })).toBe(availableParallelism());
  });
});
