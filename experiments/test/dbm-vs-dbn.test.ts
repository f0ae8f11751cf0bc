import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResultsCsv, runExperiment, verifyManifest, type Row } from '@gradlab/lab';
import { dbmVsDbn } from '../src/dbm-vs-dbn.js';
import { dbmVsDbnFinding } from '../src/findings/dbm-vs-dbn.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-dbm-vs-dbn-'));

describe('dbm-vs-dbn at quick size', () => {
  test('joint training lifts the DBM above its pretrained start; the bound stays below the exact value; a cell gives the same bytes whatever else runs', async () => {
    const a = tmp();
    const b = tmp();
    const r = await runExperiment(dbmVsDbn, { size: 'quick', config: { models: ['dbm', 'rbm-h1'] }, outDir: a });
    await runExperiment(dbmVsDbn, { size: 'quick', config: { models: ['dbm'] }, outDir: b });
    const csv = readFileSync(join(a, 'dbm-vs-dbn.csv'), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('model,seed,stage,epoch,exact_ll,mf_bound');
    expect(lines.filter((l) => l.startsWith('dbm,'))).toEqual(readFileSync(join(b, 'dbm-vs-dbn.csv'), 'utf8').trim().split('\n').slice(1));
    const rows = readResultsCsv(join(a, 'dbm-vs-dbn.csv'));
    const dbm = rows.filter((x) => x['model'] === 'dbm');
    expect(dbm.map((x) => [x['stage'], x['epoch']])).toEqual([
      ['pretrained', 80],
      ['joint', 100],
      ['joint', 120],
    ]);
    const ll = (x: Row) => x['exact_ll'] as number;
    // Every log-likelihood lies between the uniform model's −16 log 2 and the optimum −log 30.
    for (const x of rows) expect(ll(x)).toBeGreaterThan(-16 * Math.log(2) - 0.1);
    for (const x of rows) expect(ll(x)).toBeLessThan(-Math.log(30));
    // The mean-field bound is a lower bound (computed with the exact log Z).
    for (const x of dbm) expect(x['mf_bound'] as number).toBeLessThanOrEqual(ll(x) + 1e-4);
    // Joint training adds clearly more than noise (measured −10.58 → −10.04 at this size).
    expect(ll(dbm[2]!) - ll(dbm[0]!)).toBeGreaterThan(0.3);
    expect(r.assembled!.plots.map((p) => p.split('/').at(-1))).toEqual(['dbm-vs-dbn-exact-ll.svg']);
    expect((await verifyManifest(a)).ok).toBe(true);
  });

  test('a model name outside the list is refused in one line', async () => {
    await expect(runExperiment(dbmVsDbn, { size: 'quick', config: { models: ['dbm', 'sbn'] as never }, outDir: tmp() })).rejects.toThrow(
      /expected models\[1\] to be one of dbm, dbn, rbm-h1, rbm-h1h2, got "sbn"/,
    );
  });
});

describe('dbm-vs-dbn finding', () => {
  /** Made-up rows: per seed [DBM pretrained, DBM trained, DBN, RBM(H1+H2)]. */
  const rows = (perSeed: number[][]): Row[] =>
    perSeed.flatMap(([pre, dbm, dbn, rbm], s) => [
      { model: 'dbm', seed: s + 1, stage: 'pretrained', epoch: 600, exact_ll: pre!, mf_bound: pre! - 0.1 },
      { model: 'dbm', seed: s + 1, stage: 'joint', epoch: 900, exact_ll: dbm!, mf_bound: dbm! - 0.2 },
      { model: 'dbn', seed: s + 1, stage: 'final', epoch: 1800, exact_ll: dbn!, mf_bound: '' },
      { model: 'rbm-h1', seed: s + 1, stage: 'final', epoch: 1200, exact_ll: -6, mf_bound: '' },
      { model: 'rbm-h1h2', seed: s + 1, stage: 'final', epoch: 1200, exact_ll: rbm!, mf_bound: '' },
    ]);
  const times = (n: number, x: number[]) => Array.from({ length: n }, () => x);
  const finding = (perSeed: number[][]) => dbmVsDbnFinding(rows(perSeed), { ...dbmVsDbn.sizes.full, seeds: perSeed.map((_, i) => i + 1) });

  test.each([
    ['DBM above the DBN and above its pretrained start in every seed', times(5, [-6, -4.5, -5, -4.8]), 'reproduced', /^DBM > DBN in 5 of 5 seeds \(holds\); DBM trained > DBM pretrained in 5 of 5 seeds \(holds\); baselines \(not judged\): DBM > RBM\(20\) in 5 of 5 seeds; DBM > RBM\(12\) in 5 of 5 seeds\.$/],
    ['one seed of five with the DBN on top cannot flip it', [...times(4, [-6, -4.5, -5, -4]), [-6, -4.5, -4.4, -4]], 'reproduced', /DBM > DBN in 4 of 5 seeds \(holds\).*baselines \(not judged\): RBM\(20\) > DBM in 5 of 5 seeds/],
    ['the DBN above the DBM, joint training still helps', times(5, [-6, -5, -4.5, -4]), 'partly', /^DBN > DBM in 5 of 5 seeds \(contradicted\); DBM trained > DBM pretrained in 5 of 5 seeds \(holds\)/],
    ['a DBM that diverged in two seeds is below everything there', [...times(3, [-6, -4.5, -5, -5]), ...times(2, [-6, NaN, -5, -5])], 'not', /DBM > DBN in 3 of 5 seeds \(does not hold\); DBM trained > DBM pretrained in 3 of 5 seeds \(does not hold\)/],
    ['joint training lowers the DBM below both', times(5, [-5, -5.5, -5.2, -5]), 'not', /DBN > DBM in 5 of 5 seeds \(contradicted\); DBM pretrained > DBM trained in 5 of 5 seeds \(contradicted\)/],
    ['both hold in two seeds only', times(2, [-6, -4.5, -5, -4.8]), 'partly', /; only 2 seeds\.$/],
  ])('%s → %s', (_, perSeed, verdict, why) => {
    const f = finding(perSeed);
    expect(f.verdict).toBe(verdict);
    expect(f.why).toMatch(why);
  });

  test('the table, the rule and the published numbers', () => {
    const f = finding(times(5, [-6, -4.5, -5, -4.8]));
    expect(f.keyNumbers.rows.map((r) => r[0])).toEqual(['DBM [12, 8] after pretraining', 'DBM [12, 8] trained', 'DBN [12, 8]', 'RBM 12 hidden', 'RBM 20 hidden']);
    expect(f.keyNumbers.rows[1]![1]).toBe('-4.5 ± 0');
    expect(f.rule).toMatch(/DBM > DBN; joint training raises the DBM above its pretrained start/);
    expect(f.rule).toMatch(/all but one seed from 5 seeds on/);
    expect(f.ours).toMatch(/exact minus mean-field bound for the trained DBM 0\.2 ± 0 nats/);
    expect(f.published.paper).toMatch(/sect\. 4\.1/);
    expect(f.published.figure).toMatch(/−84\.62/);
  });
});
