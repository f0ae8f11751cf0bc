import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentError, ValidationError } from '@gradlab/core';
import { z, defineExperiment, readManifest, runExperiment, verifyManifest } from '@gradlab/lab';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-artifacts-'));

function artifactExperiment(opts: { clash?: boolean; badName?: string; calls?: string[] } = {}) {
  return defineExperiment({
    name: 'toy-artifacts',
    description: 'Do cell artifacts reach the results folder and the manifest?',
    configSchema: z.object({ widths: z.array(z.number().int()), seeds: z.array(z.number().int()) }),
    sizes: { quick: { widths: [2, 3], seeds: [1] }, full: { widths: [2, 3], seeds: [1, 2] } },
    grid: (c) => c.widths.map((width) => ({ width })),
    columns: ['width', 'seed', 'value'],
    run(cell, _config, ctx) {
      opts.calls?.push(`${cell.width}/${cell.seed}`);
      const name = opts.badName ?? (opts.clash ? 'weights.bin' : `weights-w${cell.width}-seed${cell.seed}.bin`);
      ctx.artifact?.(name, new Uint8Array([cell.width, cell.seed]));
      ctx.artifact?.(`note-w${cell.width}-seed${cell.seed}.txt`, `width ${cell.width}\n`);
      return [{ value: cell.width * 10 }];
    },
  });
}

describe('cell artifacts', () => {
  test('are copied into the results folder, listed with their sha256, and survive a resume', async () => {
    const out = tmp();
    const r = await runExperiment(artifactExperiment(), { size: 'full', outDir: out });
    for (const f of ['weights-w2-seed1.bin', 'weights-w3-seed2.bin', 'note-w3-seed1.txt']) expect(existsSync(join(out, f))).toBe(true);
    expect(Array.from(readFileSync(join(out, 'weights-w3-seed2.bin')))).toEqual([3, 2]);
    const manifest = await readManifest(out);
    const listed = manifest.outputs.map((o) => o.path);
    expect(listed).toContain('weights-w2-seed2.bin');
    expect(listed.indexOf('toy-artifacts.csv')).toBe(0);
    expect((await verifyManifest(out)).ok).toBe(true);
    expect(r.cellsRun).toBe(4);
    // Resume: nothing recomputed, the same outputs.
    const calls: string[] = [];
    await runExperiment(artifactExperiment({ calls }), { size: 'full', outDir: out });
    expect(calls).toEqual([]);
    expect((await readManifest(out)).outputs.map((o) => o.path)).toEqual(listed);
  });

  test('clashing names across cells and bad names are errors that say what to do', async () => {
    await expect(runExperiment(artifactExperiment({ clash: true }), { size: 'quick', outDir: tmp() })).rejects.toThrow(ExperimentError);
    await expect(runExperiment(artifactExperiment({ clash: true }), { size: 'quick', outDir: tmp() })).rejects.toThrow(
      /artifact "weights.bin" of cell .* clashes with cell .*; expected artifact names to be distinct across cells/,
    );
    await expect(runExperiment(artifactExperiment({ badName: '../escape.bin' }), { size: 'quick', outDir: tmp() })).rejects.toThrow(ValidationError);
    await expect(runExperiment(artifactExperiment({ badName: 'manifest.json' }), { size: 'quick', outDir: tmp() })).rejects.toThrow(
      /toy-artifacts: expected an artifact file name to be a plain name with an extension/,
    );
  });
});
