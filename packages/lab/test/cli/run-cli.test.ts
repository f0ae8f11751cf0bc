import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyManifest } from '@gradlab/lab';
import { experimentMap } from '../../src/cli/experiment-map.js';
import { runCli } from '../../src/cli/run-cli.js';
import { createProgress, formatDuration } from '../../src/cli/progress.js';
import { tiny } from './fixtures/tiny-experiments.js';

function capture(isTTY = false) {
  const s = { text: '', isTTY, columns: 80, write(t: string) { s.text += t; return true; } };
  return s;
}

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  const stdout = capture();
  const stderr = capture();
  const cwd = mkdtempSync(join(tmpdir(), 'gradlab-cli-'));
  const code = await runCli(argv, experimentMap([tiny]), { stdout, stderr, env, cwd });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('runCli', () => {
  test('list prints each name with its question', async () => {
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('tiny  A tiny experiment for the CLI tests.\n');
  });

  test('run writes results, prints where they are, and merge of sharded runs gives the same CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-cli-run-'));
    const whole = join(dir, 'whole');
    const r = await cli(['run', 'tiny', '--quick', '--seeds', '1..2', '--out', whole, '--backend', 'cpu']);
    expect(r.stderr).toMatch(/^backend: cpu /);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('tiny: notice: synthetic data used');
    expect(r.stderr).toMatch(/tiny: 4\/4 size=2,seed=2 done in/);
    expect(r.stdout).toContain(`csv:      ${join(whole, 'tiny.csv')} (4 rows)`);
    expect(r.stdout).toContain(`manifest: ${join(whole, 'manifest.json')}`);
    expect((await verifyManifest(whole)).ok).toBe(true);

    const sharded = join(dir, 'sharded');
    for (const i of [1, 2]) {
      const s = await cli(['run', 'tiny', '--quick', '--seeds', '1,2', '--out', sharded, '--shard', `${i}/2`]);
      expect(s.code).toBe(0);
      expect(s.stdout).toContain(`when every shard is done: gradlab merge ${sharded}`);
    }
    expect(existsSync(join(sharded, 'tiny.csv'))).toBe(false);
    const m = await cli(['merge', sharded]);
    expect(m.code).toBe(0);
    expect(readFileSync(join(sharded, 'tiny.csv'))).toEqual(readFileSync(join(whole, 'tiny.csv')));
  });

  test('run all writes each experiment under --out and a README.md index of them', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'gradlab-cli-all-')), 'r');
    const r = await cli(['run', 'all', '--quick', '--out', root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`index: ${join(root, 'README.md')}`);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('## tiny\n\nA tiny experiment for the CLI tests.');
    expect(readme).toContain('- data: [tiny/tiny.csv](tiny/tiny.csv) (2 rows)');
    expect(readme).toContain('![tiny: tiny/tiny.svg](tiny/tiny.svg)');
    expect(readme).toContain('- notice: synthetic data used');

    // gradlab index rebuilds the same page from the folders, without running anything.
    rmSync(join(root, 'README.md'));
    const again = await cli(['index', root]);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe(`index: ${join(root, 'README.md')} (tiny)\n`);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe(readme);
    // A damaged output is refused, naming it.
    writeFileSync(join(root, 'tiny', 'tiny.csv'), readFileSync(join(root, 'tiny', 'tiny.csv'), 'utf8').replace('1', '2'));
    const damaged = await cli(['index', root]);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/^gradlab: .*tiny: tiny\.csv does not match its manifest \(sha256: expected [0-9a-f]{64}, got [0-9a-f]{64}\); rerun the experiment\n$/);
    expect((await cli(['index', join(root, 'tiny')])).stderr).toMatch(/^gradlab: index: no results folder of a known experiment in /);
  });

  test('index does not judge a folder made by an earlier version of the experiment: its verdict is pending a rerun', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'gradlab-cli-stale-')), 'r');
    expect((await cli(['run', 'tiny', '--quick', '--out', join(root, 'tiny')])).code).toBe(0);
    let judged = 0;
    const finding = () => {
      judged++;
      return { setup: 's', keyNumbers: { columns: [], rows: [] }, published: { paper: 'P', setup: 'ps', figure: 'pf' }, ours: 'o', rule: 'r', verdict: 'reproduced' as const, why: 'w' };
    };
    const index = async (def: typeof tiny) => {
      const stdout = capture();
      const stderr = capture();
      const code = await runCli(['index', root], experimentMap([def]), { stdout, stderr, env: {}, cwd: root });
      return { code, stderr: stderr.text, readme: readFileSync(join(root, 'README.md'), 'utf8') };
    };
    // The same code: judged.
    const same = await index({ ...tiny, finding });
    expect(same.code).toBe(0);
    expect(same.readme).toContain('**Verdict: reproduced** — w');
    expect(judged).toBe(1);
    // The quick config changed since the run (a new grid): the finding is not called on the old rows.
    const changed = await index({ ...tiny, finding, sizes: { ...tiny.sizes, quick: { sizes: [1, 2, 4], seeds: [1] } } });
    expect(changed.code).toBe(0);
    expect(judged).toBe(1);
    expect(changed.stderr).toMatch(/tiny: made with config [0-9a-f]+; the current code's quick config is [0-9a-f]+ \(rerun it to refresh\)/);
    expect(changed.readme).toContain('| [tiny](#tiny) |  | **pending a rerun** |');
    expect(changed.readme).toMatch(/\*\*Verdict: pending a rerun\*\* — these results were made by an earlier version of the experiment \(config [0-9a-f]+; the current code's quick config is [0-9a-f]+\), so no verdict is computed from them; `gradlab run tiny --quick` refreshes them\./);
  });

  test('a Slurm array task runs its shard without --shard', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gradlab-cli-slurm-')), 'o');
    const env = { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MIN: '1' };
    const r = await cli(['run', 'tiny', '--quick', '--out', out], env);
    expect(r.stdout).toMatch(/tiny: shard 1\/2 done \(1 cells run\); 1 cells of other shards pending/);
  });

  test('errors: one line, exit code 2; merge of an incomplete folder lists the missing cells', async () => {
    const bad = await cli(['run', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('gradlab: run: unknown experiment "nope"; expected one of tiny, all, or the path of a module (./my-experiment.mjs)\n');
    const out = join(mkdtempSync(join(tmpdir(), 'gradlab-cli-merge-')), 'o');
    await cli(['run', 'tiny', '--quick', '--out', out, '--shard', '1/2']);
    const m = await cli(['merge', out]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^gradlab: merge: 1 of 2 cells of tiny are missing in .*: size=2,seed=1 \(run the remaining shards/);
    expect(m.stderr.trim().split('\n')).toHaveLength(1);
    const none = await cli(['merge', join(out, 'nothing-here')]);
    expect(none.stderr).toMatch(/holds no experiment cells/);
    const verbose = await cli(['run', 'tiny', '--seeds', 'x', '--verbose']);
    expect(verbose.code).toBe(2);
    expect(verbose.stderr.split('\n').length).toBeGreaterThan(2); // the stack follows
  });
});

describe('progress', () => {
  test('on a terminal: one line rewritten in place, cleared at the end', () => {
    const s = capture(true);
    let t = 0;
    const p = createProgress(s, { verbose: false, now: () => (t += 1000) });
    p.onEvent({ type: 'plan', name: 'x', total: 2, gridTotal: 2, shard: undefined, configHash: 'h' });
    p.onEvent({ type: 'cell-start', name: 'x', cellId: 'a=1,seed=1', index: 0, total: 2 });
    p.onEvent({ type: 'cell-progress', name: 'x', cellId: 'a=1,seed=1', index: 0, total: 2, fraction: 0.5 });
    p.onEvent({ type: 'cell-done', name: 'x', cellId: 'a=1,seed=1', index: 0, total: 2, ms: 2000, rows: 1 });
    p.clear();
    expect(s.text).not.toContain('\n');
    expect(s.text).toContain('\r\x1b[Kx [#####...............] 0/2  a=1,seed=1 50%');
    expect(s.text).toContain('1/2, ~2.0 s left');
    expect(s.text.endsWith('\r\x1b[K')).toBe(true);
  });

  test('formatDuration', () => {
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
  });
});
