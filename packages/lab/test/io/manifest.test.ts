import { describe, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError, backendInfo } from '@gradlab/core';
import { gitCommit, packageVersions, readManifest, sha256File, verifyManifest, writeManifest } from '../../src/io/manifest.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-manifest-'));

describe('manifest', () => {
  test('sha256File matches node:crypto', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.txt'), 'hello\n');
    expect(await sha256File(join(dir, 'a.txt'))).toBe(createHash('sha256').update('hello\n').digest('hex'));
  });

  test('gitCommit is undefined outside a repository and never throws', () => {
    expect(gitCommit(tmp())).toBeUndefined();
    expect(gitCommit(join(tmp(), 'does-not-exist'))).toBeUndefined();
    const here = gitCommit(process.cwd());
    if (here !== undefined) expect(here).toMatch(/^[0-9a-f]{40}/);
  });

  test('packageVersions lists @gradlab/core and tfjs', () => {
    const v = packageVersions();
    expect(v['@gradlab/core']).toMatch(/^\d+\.\d+\.\d+/);
    expect(v['@tensorflow/tfjs']).toBe('4.22.0');
    expect(Object.keys(v)).toEqual([...Object.keys(v)].sort());
  });

  test('writeManifest lists every output with bytes and sha256; verifyManifest detects changes', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'x.csv'), 'a\n1\n');
    writeFileSync(join(dir, 'x.svg'), '<svg/>');
    const m = await writeManifest(dir, {
      name: 'toy',
      description: 'A toy.',
      config: { n: 1, seeds: [1] },
      seeds: [1],
      backend: backendInfo(),
      started: '2024-01-01T00:00:00.000Z',
      finished: '2024-01-01T00:00:01.000Z',
      notices: ['synthetic data used', 'synthetic data used'],
      outputs: ['x.csv', 'x.svg'],
    });
    expect(m.notices).toEqual(['synthetic data used']);
    expect(m.outputs).toEqual([
      { path: 'x.csv', bytes: 4, sha256: createHash('sha256').update('a\n1\n').digest('hex') },
      { path: 'x.svg', bytes: 6, sha256: createHash('sha256').update('<svg/>').digest('hex') },
    ]);
    expect(m.node).toBe(process.version);
    expect(await readManifest(dir)).toEqual(m);
    expect((await verifyManifest(dir)).ok).toBe(true);

    writeFileSync(join(dir, 'x.csv'), 'a\n2\n');
    const v = await verifyManifest(dir);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => [p.path, p.kind])).toEqual([['x.csv', 'sha256']]);
  });

  test('bad outputs and missing manifests are rejected with clear messages', async () => {
    const dir = tmp();
    const base = {
      name: 'toy', description: 'A toy.', config: {}, seeds: [1], backend: backendInfo(),
      started: '', finished: '', notices: [],
    };
    await expect(writeManifest(dir, { ...base, outputs: ['../escape.csv'] })).rejects.toThrow(
      /writeManifest: expected every output to be a relative path inside the folder, got "..\/escape.csv"/,
    );
    await expect(writeManifest(dir, { ...base, outputs: ['nope.csv'] })).rejects.toThrow(/output "nope.csv" does not exist/);
    await expect(verifyManifest(dir)).rejects.toThrow(FileFormatError);
    writeFileSync(join(dir, 'manifest.json'), '{"outputs": 3}');
    await expect(verifyManifest(dir)).rejects.toThrow(/expected outputs in .* to be an array of \{ path, bytes, sha256 \}, got 3/);
  });
});
