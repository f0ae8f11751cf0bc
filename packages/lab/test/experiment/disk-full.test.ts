/**
 * A full disk (ENOSPC injected into node:fs writes) while cells are stored or while the outputs
 * are assembled: one error naming the file and the cause, the previous complete outputs left
 * exactly as they were, no temp file behind, and a rerun that repairs everything.
 */
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import fs, { mkdtempSync, readFileSync, readdirSync, type PathLike } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GradlabError } from '@gradlab/core';
import { runExperiment, verifyManifest } from '@gradlab/lab';
import { tiny } from '../cli/fixtures/tiny-experiments.js';

/** Writes to a file whose path matches `failing` fail with ENOSPC (Node's builtin fs, patched). */
const inject = { failing: undefined as RegExp | undefined, fds: new Map<number, string>() };
const realOpenSync = fs.openSync;
const realWriteSync = fs.writeSync;
(fs as { openSync: unknown }).openSync = (path: PathLike, ...rest: unknown[]) => {
  const fd = (realOpenSync as (...a: unknown[]) => number)(path, ...rest);
  inject.fds.set(fd, String(path));
  return fd;
};
(fs as { writeSync: unknown }).writeSync = (fd: number, ...rest: unknown[]) => {
  const path = inject.fds.get(fd);
  if (inject.failing !== undefined && path !== undefined && inject.failing.test(path)) {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  }
  return (realWriteSync as (...a: unknown[]) => number)(fd, ...rest);
};
// Named imports of node:fs (as in atomic-write.ts) see the patched functions.
syncBuiltinESMExports();

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-diskfull-'));
const snapshot = (dir: string) =>
  Object.fromEntries(['tiny.csv', 'tiny.svg', 'manifest.json'].map((f) => [f, readFileSync(join(dir, f))]));
const tempFiles = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.tmp-'));

afterEach(() => {
  inject.failing = undefined;
});
afterAll(() => {
  fs.openSync = realOpenSync;
  fs.writeSync = realWriteSync;
  syncBuiltinESMExports();
});

describe('disk full', () => {
  test.each([
    ['while a cell is stored', /\.cells\/.*size=3,seed=3\.csv\.tmp-/, 'size=3,seed=3.csv'],
    ['while the main CSV is staged', /[/]\.tiny\.csv\.tmp-/, 'tiny.csv'],
    ['while a plot is staged', /[/]\.tiny\.svg\.tmp-/, 'tiny.svg'],
    ['while the manifest is staged', /[/]\.manifest\.json\.tmp-/, 'manifest.json'],
  ])('%s: one line naming the file and ENOSPC; the previous outputs are untouched; a rerun repairs', async (_when, failing, file) => {
    const out = tmp();
    await runExperiment(tiny, { size: 'full', outDir: out });
    const before = snapshot(out);

    inject.failing = failing;
    const err = await runExperiment(tiny, { size: 'full', seeds: [1, 2, 3], outDir: out }).catch((e: unknown) => e);
    inject.failing = undefined;
    expect(err).toBeInstanceOf(GradlabError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot write ".*${file.replace(/[.]/g, '\\.')}": no space left on the device \\(ENOSPC\\)$`));
    expect(snapshot(out)).toEqual(before);
    expect((await verifyManifest(out)).ok).toBe(true);
    expect(tempFiles(out)).toEqual([]);

    await runExperiment(tiny, { size: 'full', seeds: [1, 2, 3], outDir: out });
    const clean = tmp();
    await runExperiment(tiny, { size: 'full', seeds: [1, 2, 3], outDir: clean });
    expect(snapshot(out)['tiny.csv']).toEqual(snapshot(clean)['tiny.csv']);
    expect((await verifyManifest(out)).ok).toBe(true);
  });
});
