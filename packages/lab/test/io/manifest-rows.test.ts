import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countCsvRows, verifyManifest } from '../../src/io/manifest.js';
import { runExperiment } from '@gradlab/lab';
import { tiny } from '../cli/fixtures/tiny-experiments.js';

describe('row counts in the manifest', () => {
  test('countCsvRows counts records below the header; quoted newlines do not count', () => {
    expect(countCsvRows('a,b\n')).toBe(0);
    expect(countCsvRows('a,b\n1,2\n3,4\n')).toBe(2);
    expect(countCsvRows('a,b\n1,"x\ny"\n')).toBe(1);
    expect(countCsvRows('a,b\n1,2')).toBe(1);
  });

  test('a run records the rows of its CSV; verify reports a manifest whose rows disagree', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gradlab-rows-'));
    await runExperiment(tiny, { size: 'full', outDir: out });
    const path = join(out, 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    const csv = manifest.outputs.find((o: { path: string }) => o.path === 'tiny.csv');
    expect(csv.rows).toBe(6);
    expect(manifest.outputs.find((o: { path: string }) => o.path === 'tiny.svg').rows).toBeUndefined();
    csv.rows = 5;
    writeFileSync(path, JSON.stringify(manifest));
    const v = await verifyManifest(out);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([{ path: 'tiny.csv', kind: 'rows', expected: '5', actual: '6' }]);
  });
});
