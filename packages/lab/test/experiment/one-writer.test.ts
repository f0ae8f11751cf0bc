/**
 * One writer per results folder, and a manifest that vouches for exactly what the run wrote:
 * the lock on OUT (wait, --no-wait, stale takeover), interleaved runs with other seeds, and
 * merge refusing shards that ran different seeds or configs.
 */
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentError, InterruptedError } from '@gradlab/core';
import { mergeExperiment, readResultsCsv, runExperiment, verifyManifest, type RunEvent } from '@gradlab/lab';
import { LOCK_FILE, lockOutDir } from '../../src/experiment/out-lock.js';
import { tiny } from '../cli/fixtures/tiny-experiments.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-writer-'));

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('the lock on OUT', () => {
  test('a second writer waits, naming the holder, and goes on when it is released; --no-wait refuses', async () => {
    const out = tmp();
    const lock = await lockOutDir(out, { command: 'run other' });
    const holder = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), command: 'run other' });

    const refused = await runExperiment(tiny, { size: 'quick', outDir: out, wait: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExperimentError);
    expect((refused as Error).message).toMatch(
      new RegExp(`^".*" is being written by pid ${process.pid} on host .+ \\(gradlab run other, since \\d{4}-.*\\); not waiting \\(--no-wait\\)$`),
    );
    expect(existsSync(join(out, 'tiny.csv'))).toBe(false);

    const events: RunEvent[] = [];
    const waiting = runExperiment(tiny, {
      size: 'quick',
      outDir: out,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'lock') lock.release();
      },
    });
    const r = await waiting;
    expect(events.find((e) => e.type === 'lock')).toMatchObject({ message: expect.stringMatching(new RegExp(`^waiting for pid ${process.pid} on host `)) });
    expect(r.assembled).toBeDefined();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  test('a stale lock of a dead process on this host is taken over, saying so', async () => {
    const out = tmp();
    const pid = deadPid();
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'run tiny' }));
    // What a locker killed while taking the lock leaves beside it.
    const side = `${LOCK_FILE}.${hostname().replace(/[^A-Za-z0-9.]/g, '_')}-${pid}`;
    writeFileSync(join(out, side), '{}');
    const events: RunEvent[] = [];
    await runExperiment(tiny, { size: 'quick', outDir: out, wait: false, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'lock')).toEqual([
      { type: 'lock', name: 'tiny', message: `taking over the stale lock of pid ${pid} on host ${hostname()} (gradlab run tiny, since 2026-01-01T00:00:00.000Z): that process is gone` },
    ]);
    expect((await verifyManifest(out)).ok).toBe(true);
    expect(existsSync(join(out, side))).toBe(false);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  test('two runs with other seeds into one folder, at once: each computes its cells once; the manifest matches the CSV', async () => {
    const out = tmp();
    const calls: string[] = [];
    const [a, b] = await Promise.all([
      runExperiment(tiny, { size: 'full', seeds: [1], outDir: out, onEvent: (e) => e.type === 'cell-done' && calls.push(e.cellId) }),
      runExperiment(tiny, { size: 'full', seeds: [2], outDir: out, onEvent: (e) => e.type === 'cell-done' && calls.push(e.cellId) }),
    ]);
    expect(a.cellsRun + b.cellsRun).toBe(6);
    expect(new Set(calls).size).toBe(calls.length);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const seeds = [...new Set(readResultsCsv(join(out, 'tiny.csv')).map((r) => r['seed']))];
    expect(seeds).toEqual(manifest.seeds);
    expect((await verifyManifest(out)).ok).toBe(true);
  });
});

describe('merge checks what the shards ran', () => {
  test('shards that ran different seeds are refused, naming them', async () => {
    const out = tmp();
    await runExperiment(tiny, { size: 'full', seeds: [1, 2], outDir: out, shard: { index: 0, count: 2 } });
    await runExperiment(tiny, { size: 'full', seeds: [1], outDir: out, shard: { index: 1, count: 2 } });
    const err = await mergeExperiment(tiny, out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExperimentError);
    expect((err as Error).message).toMatch(/^merge: the shards in ".*" ran different seeds: shard 1\/2 ran seeds 1,2, shard 2\/2 ran seeds 1; refusing to merge$/);
    expect(existsSync(join(out, 'tiny.csv'))).toBe(false);
  });

  test('shards that ran different configs are refused, naming the field', async () => {
    const out = tmp();
    await runExperiment(tiny, { size: 'full', outDir: out, shard: { index: 0, count: 2 } });
    await runExperiment(tiny, { size: 'full', config: { sizes: [1, 2] }, outDir: out, shard: { index: 1, count: 2 } });
    const err = await mergeExperiment(tiny, out).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/ran different configs: shard 1\/2 vs shard 2\/2: sizes = \[1,2,3\] vs \[1,2\]; refusing to merge$/);
  });

  test('shards that agree merge to the seeds they ran', async () => {
    const out = tmp();
    await runExperiment(tiny, { size: 'full', seeds: [3, 4], outDir: out, shard: { index: 0, count: 2 } });
    await runExperiment(tiny, { size: 'full', seeds: [3, 4], outDir: out, shard: { index: 1, count: 2 } });
    await mergeExperiment(tiny, out);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.seeds).toEqual([3, 4]);
    expect([...new Set(readResultsCsv(join(out, 'tiny.csv')).map((r) => r['seed']))]).toEqual([3, 4]);
  });
});

describe('merge honours a signal', () => {
  test('aborted before the outputs are renamed: InterruptedError, the previous outputs untouched', async () => {
    const out = tmp();
    for (const index of [0, 1]) await runExperiment(tiny, { size: 'full', outDir: out, shard: { index, count: 2 } });
    await mergeExperiment(tiny, out);
    const before = [readFileSync(join(out, 'tiny.csv')), readFileSync(join(out, 'manifest.json'))];
    const controller = new AbortController();
    controller.abort();
    const err = await mergeExperiment(tiny, out, { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toMatch(/^merge: tiny: interrupted; 6 of 6 cells are complete in ".*"; the previous outputs are untouched; run the merge again to write them$/);
    expect([readFileSync(join(out, 'tiny.csv')), readFileSync(join(out, 'manifest.json'))]).toEqual(before);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });
});
