/**
 * Stored cells that were damaged after they were written (cut short, edited, swapped, junk, a
 * folder in their place, no checksum record) are found on resume, reported in one line naming
 * the cell, and recomputed: the outputs are the bytes of a clean run. Merge refuses them.
 */
import { describe, expect, test } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentError } from '@gradlab/core';
import { mergeExperiment, runExperiment, verifyManifest, type RunEvent } from '@gradlab/lab';
import { tiny } from '../cli/fixtures/tiny-experiments.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-damaged-'));
const CELL = 'size=2,seed=1';
const OTHER = 'size=3,seed=2';

async function run(outDir: string, events: RunEvent[] = [], shard?: { index: number; count: number }) {
  return runExperiment(tiny, { size: 'full', outDir, shard, onEvent: (e) => events.push(e) });
}

const cellsDir = (out: string) => join(out, '.cells', readFileSync(join(out, '.cells', 'current'), 'utf8').trim());

/** Each way of damaging the stored cell CELL, given its folder. */
const DAMAGE: [string, (dir: string) => void, RegExp][] = [
  [
    'CSV cut at a line boundary',
    (dir) => {
      const p = join(dir, `${CELL}.csv`);
      truncateSync(p, readFileSync(p, 'utf8').indexOf('\n') + 1);
    },
    /its CSV is \d+ bytes, the checksum record says \d+/,
  ],
  ['CSV cut mid-line', (dir) => truncateSync(join(dir, `${CELL}.csv`), 20), /its CSV is 20 bytes, the checksum record says \d+/],
  [
    'one number edited',
    (dir) => {
      const p = join(dir, `${CELL}.csv`);
      const text = readFileSync(p, 'utf8');
      const at = text.lastIndexOf('.') + 1;
      writeFileSync(p, text.slice(0, at) + (text[at] === '9' ? '8' : '9') + text.slice(at + 1));
    },
    /its CSV does not match its sha256/,
  ],
  ["replaced by another cell's CSV", (dir) => copyFileSync(join(dir, `${OTHER}.csv`), join(dir, `${CELL}.csv`)), /its CSV (is \d+ bytes|does not match)/],
  [
    "replaced by another cell's CSV and checksum record",
    (dir) => {
      copyFileSync(join(dir, `${OTHER}.csv`), join(dir, `${CELL}.csv`));
      copyFileSync(join(dir, `${OTHER}.sum.json`), join(dir, `${CELL}.sum.json`));
    },
    /its checksum record belongs to another cell/,
  ],
  [
    'random bytes',
    (dir) => writeFileSync(join(dir, `${CELL}.csv`), Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 151 + 7) % 256))),
    /its CSV is 300 bytes, the checksum record says \d+/,
  ],
  [
    'a directory in its place',
    (dir) => {
      rmSync(join(dir, `${CELL}.csv`));
      mkdirSync(join(dir, `${CELL}.csv`));
    },
    /its CSV is a directory/,
  ],
  ['no checksum record (killed before it was written)', (dir) => rmSync(join(dir, `${CELL}.sum.json`)), /it has no checksum record/],
  ['checksum record of random bytes', (dir) => writeFileSync(join(dir, `${CELL}.sum.json`), Buffer.from([0xff, 0x00, 0x7b, 0x22])), /its checksum record is not valid JSON/],
];

describe('damaged stored cells', () => {
  test.each(DAMAGE)('%s: reported in one line naming the cell, recomputed, outputs identical to a clean run', async (_what, damage, why) => {
    const clean = tmp();
    await run(clean);
    const cleanCsv = readFileSync(join(clean, 'tiny.csv'));

    damage(cellsDir(clean));
    const events: RunEvent[] = [];
    const r = await run(clean, events);
    const damaged = events.filter((e) => e.type === 'cell-damaged');
    expect(damaged).toHaveLength(1);
    expect(damaged[0]).toMatchObject({ cellId: CELL });
    const reason = (damaged[0] as { reason: string }).reason;
    expect(reason).toMatch(why);
    // Words only: nothing read from the damaged file is quoted.
    expect(reason).toMatch(/^[ -~]+$/);
    expect(reason).not.toMatch(/size,seed|value/);
    expect(r.cellsRun).toBe(1);
    expect(r.cellsSkipped).toBe(5);
    expect(readFileSync(join(clean, 'tiny.csv'))).toEqual(cleanCsv);
    expect((await verifyManifest(clean)).ok).toBe(true);

    const again = await run(clean);
    expect(again.cellsRun).toBe(0);
  });

  test('merge refuses a damaged cell, naming it, and leaves the previous outputs untouched', async () => {
    const out = tmp();
    await run(out, [], { index: 0, count: 2 });
    await run(out, [], { index: 1, count: 2 });
    await mergeExperiment(tiny, out);
    const before = readFileSync(join(out, 'tiny.csv'));
    const manifest = readFileSync(join(out, 'manifest.json'));
    truncateSync(join(cellsDir(out), `${CELL}.csv`), 20);
    const err = await mergeExperiment(tiny, out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExperimentError);
    expect((err as Error).message).toMatch(new RegExp(`^merge: 1 of 6 cells of tiny are damaged in ".*": ${CELL} \\(its CSV is 20 bytes, the checksum record says \\d+\\)$`));
    expect((err as ExperimentError).hint).toMatch(/rerun the shards holding them/);
    expect(readFileSync(join(out, 'tiny.csv'))).toEqual(before);
    expect(readFileSync(join(out, 'manifest.json'))).toEqual(manifest);

    // Rerunning the shard that holds it (grid position 2: shard 1/2) recomputes it; the merge
    // then gives the same bytes.
    const events: RunEvent[] = [];
    await run(out, events, { index: 0, count: 2 });
    expect(events.filter((e) => e.type === 'cell-damaged').map((e) => (e as { cellId: string }).cellId)).toEqual([CELL]);
    await mergeExperiment(tiny, out);
    expect(readFileSync(join(out, 'tiny.csv'))).toEqual(before);
  });
});
