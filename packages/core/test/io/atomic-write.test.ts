import { describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GradlabError, removeStaleTempFiles, writeFileAtomic, writeFileAtomicSync } from '@gradlab/core';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-atomic-'));
const host = hostname().replace(/[^A-Za-z0-9.]/g, '_');

describe('writeFileAtomic', () => {
  test.each([
    ['async', (p: string, d: string | Uint8Array) => writeFileAtomic(p, d)],
    ['sync', async (p: string, d: string | Uint8Array) => writeFileAtomicSync(p, d)],
  ])('%s: creates parent folders, replaces the file, leaves no temp file', async (_name, write) => {
    const dir = tmp();
    const path = join(dir, 'a', 'b', 'out.txt');
    await write(path, 'first');
    await write(path, new Uint8Array([104, 105]));
    expect(readFileSync(path, 'utf8')).toBe('hi');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['out.txt']);
  });

  test.each([
    ['async', (p: string) => writeFileAtomic(p, 'x')],
    ['sync', async (p: string) => writeFileAtomicSync(p, 'x')],
  ])('%s: a failed rename throws E_IO naming the path and removes the temp file', async (_name, write) => {
    const dir = tmp();
    const target = join(dir, 'taken');
    mkdirSync(join(target, 'child'), { recursive: true }); // a non-empty directory cannot be replaced by a file
    const err = await write(target).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GradlabError);
    expect((err as GradlabError).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/^cannot write ".*taken": /);
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});

describe('removeStaleTempFiles', () => {
  test('removes temp files of dead processes on this host, keeps live ones, other hosts and other files', () => {
    const dir = tmp();
    const dead = `.x.csv.tmp-${host}-999999999-1`;
    const live = `.y.csv.tmp-${host}-${process.ppid}-1`;
    const other = '.z.csv.tmp-some-other-node-12-3';
    for (const f of [dead, live, other, 'kept.csv']) writeFileSync(join(dir, f), '');
    expect(removeStaleTempFiles(dir)).toEqual([join(dir, dead)]);
    expect(readdirSync(dir).sort()).toEqual([live, other, 'kept.csv'].sort());
    expect(removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
    expect(existsSync(join(dir, 'kept.csv'))).toBe(true);
  });
});
