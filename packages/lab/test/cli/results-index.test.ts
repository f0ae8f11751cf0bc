import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  z,
  defineExperiment,
  lineChart,
  mergeExperiment,
  runExperiment,
  type AssembledOutputs,
} from '@gradlab/lab';
import type { FindingFn } from '../../src/findings/finding.js';
import { resultsIndex } from '../../src/cli/results-index.js';
import { CellsStore, readCellsConfig } from '../../src/experiment/cells-store.js';

const toy = defineExperiment({
  name: 'toy',
  description: 'Does the toy loss fall?',
  configSchema: z.object({ seeds: z.array(z.number().int()), steps: z.number().int() }),
  sizes: { quick: { seeds: [1, 2], steps: 3 }, full: { seeds: [1, 2, 3], steps: 5 } },
  grid: () => [{ model: 'a' }, { model: 'b' }],
  columns: ['model', 'seed', 'step', 'loss'],
  summary: { by: ['model', 'step'], values: ['loss'] },
  run: (cell, config) => Array.from({ length: config.steps }, (_, step) => ({ step, loss: (cell.model === 'a' ? 1 : 2) / (step + cell.seed) })),
  plots: (rows) => [{ file: 'toy-loss.svg', spec: lineChart({ data: rows, x: 'step', y: 'loss', color: 'model', title: 'Toy', xTitle: 'step', yTitle: 'loss' }) }],
});

/** A finding computed from the rows: the final loss of model a, verdict by a threshold. */
const toyFinding: FindingFn = (rows, config) => {
  const last = rows.filter((r) => r['model'] === 'a' && r['step'] === (config['steps'] as number) - 1).map((r) => r['loss'] as number);
  const final = Math.max(...last);
  return {
    setup: `${config['steps']} steps`,
    keyNumbers: { columns: ['model', '|loss|'], rows: [['a', String(final)]] },
    published: { paper: 'Doe (2001), "Toys", J. Toys, Fig. 1', setup: 'a toy', figure: 'loss 0.25' },
    ours: `loss ${final}`,
    rule: 'reproduced when the final loss of a is below 0.6',
    verdict: final < 0.6 ? 'reproduced' : 'not',
    why: `final loss ${final}`,
  };
};

async function runToy(): Promise<{ root: string; outputs: AssembledOutputs }> {
  const root = mkdtempSync(join(tmpdir(), 'gradlab-index-'));
  const out = join(root, 'toy');
  await runExperiment(toy, { size: 'quick', outDir: out });
  const { configHash } = readCellsConfig(out);
  // Rewritten through the store, so that the cell's checksum record covers the new metadata.
  const store = new CellsStore(out, configHash);
  const id = 'model=b,seed=2';
  const meta = JSON.parse(readFileSync(store.metaPath(id), 'utf8'));
  store.write({ experiment: toy.name, configHash, cell: id, seed: 2 }, readFileSync(store.csvPath(id), 'utf8'), {
    ...meta,
    status: 'diverged',
    divergence: { step: 2, reason: 'loss = NaN', lastFinite: { loss: 1 } },
  });
  return { root, outputs: await mergeExperiment(toy, out) };
}

describe('resultsIndex', () => {
  test('one section per experiment: verdict, rule, published beside ours, key numbers from the rows, plots, links, diverged cells', async () => {
    const { root, outputs } = await runToy();
    const text = resultsIndex(root, [{ def: { ...toy, finding: toyFinding }, outputs }], 'full');
    // final loss of a: 1 / (2 + seed) over seeds 1, 2 → max 1/3.
    expect(text).toContain('| [toy](#toy) | Doe (2001) | **reproduced** |');
    const section = text.slice(text.indexOf('## toy'));
    const order = [
      '## toy',
      'Does the toy loss fall?',
      '**Verdict: reproduced** — final loss 0.3333333',
      '*Rule:* reproduced when the final loss of a is below 0.6',
      '| | published | this run |',
      '| source | Doe (2001), "Toys", J. Toys, Fig. 1 | `gradlab run toy` |',
      '| setup | a toy | 3 steps |',
      '| result | loss 0.25 | loss 0.3333333 |',
      'Key numbers (from `toy/toy.csv`):',
      '| model | \\|loss\\| |',
      '| a | 0.3333333 |',
      '![toy: toy/toy-loss.svg](toy/toy-loss.svg)',
      '- data: [toy/toy.csv](toy/toy.csv) (12 rows)',
      '- seed summary: [toy/toy-summary.csv](toy/toy-summary.csv)',
      '- manifest: [toy/manifest.json](toy/manifest.json)',
      '- cells: 4, diverged: 1',
      '  - `model=b,seed=2` diverged at step 2: loss = NaN',
    ];
    let at = 0;
    for (const piece of order) {
      const i = section.indexOf(piece, at);
      expect(i, piece).toBeGreaterThanOrEqual(at);
      at = i + piece.length;
    }
    expect(text).not.toContain('Quick size');
    expect(resultsIndex(root, [{ def: { ...toy, finding: toyFinding }, outputs }], 'full')).toBe(text);
  });

  test('quick size says the runs are too small to decide; a failing finding is shown, not thrown; no finding: links only', async () => {
    const { root, outputs } = await runToy();
    const broken: FindingFn = () => {
      throw new Error('no column "acc"');
    };
    const quick = resultsIndex(root, [{ def: { ...toy, finding: broken }, outputs }], 'quick');
    expect(quick).toMatch(/> \*\*Quick size\.\*\* These are the CI-sized runs/);
    expect(quick).toContain('**Verdict: n/a** — the finding could not be computed from the rows: no column "acc"');
    expect(quick).toContain('| [toy](#toy) |  | **n/a (error)** |');
    const plain = resultsIndex(root, [{ def: toy, outputs }], 'full');
    expect(plain).not.toContain('Verdict');
    expect(plain).not.toContain('| experiment | reproduces | verdict |');
    expect(plain).toContain('![toy: toy/toy-loss.svg](toy/toy-loss.svg)');
  });
});
