import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExperiment, loadExperimentModule, runCli } from '@gradlab/lab';

const dir = fileURLToPath(new URL('./fixtures/modules', import.meta.url));

function stream() {
  const s = { text: '', write: (t: string) => ((s.text += t), true), isTTY: false as const };
  return s;
}

async function cli(argv: string[]) {
  const stdout = stream();
  const stderr = stream();
  const code = await runCli(argv, new Map(), { stdout, stderr, cwd: dir, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('loadExperimentModule', () => {
  test('finds the one experiment of a module, exported under two names, and nothing else', async () => {
    const m = await loadExperimentModule('one.mjs', { cwd: dir, exactlyOne: true });
    expect(m.path).toBe(join(dir, 'one.mjs'));
    expect(m.experiments.map((d) => d.name)).toEqual(['one']);
    expect(isExperiment(m.experiments[0])).toBe(true);
    expect(isExperiment({ ...m.experiments[0] })).toBe(false);
  });

  test('a TypeScript module with two: both listed, but refused where exactly one is needed', async () => {
    expect((await loadExperimentModule('two.ts', { cwd: dir })).experiments.map((d) => d.name)).toEqual(['alpha', 'beta']);
    await expect(loadExperimentModule('two.ts', { cwd: dir, exactlyOne: true })).rejects.toThrow(
      /^two\.ts: exports 2 experiments \(alpha, beta\); gradlab run PATH needs a module with exactly one$/,
    );
  });

  test.each([
    ['none.mjs', /^none\.mjs: exports no experiment made with defineExperiment from @gradlab\/lab; found exports answer, fake$/],
    ['broken.mjs', /^broken\.mjs: importing it failed: boom at import$/],
    ['missing.mjs', /^missing\.mjs: no such file \(expected an experiment module: \.ts, \.mts, \.cts, \.js, \.mjs, \.cjs\)$/],
    ['.', /^\.: no such file/],
  ])('%s: one clear error', async (file, message) => {
    await expect(loadExperimentModule(file, { cwd: dir })).rejects.toThrow(message);
  });
});

describe('gradlab run PATH', () => {
  test('runs the module, resumes it, lists it; a module with no experiment is one line and exit 2', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gradlab-module-')), 'one');
    const first = await cli(['run', './one.mjs', '--quick', '--jobs', '1', '--out', out]);
    expect(first.stderr).not.toMatch(/gradlab:/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^one: 2 cells \(2 run\) in /);
    const csv = readFileSync(join(out, 'one.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('i,seed,u');
    const again = await cli(['run', './one.mjs', '--quick', '--jobs', '1', '--out', out]);
    expect(again.stdout).toMatch(/^one: 2 cells \(0 run, 2 reused\)/);
    expect(readFileSync(join(out, 'one.csv'), 'utf8')).toBe(csv);

    expect((await cli(['list', 'two.ts'])).stdout).toBe('alpha  A module with two experiments.\nbeta   A module with two experiments.\n');
    const none = await cli(['run', './none.mjs', '--quick']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('gradlab: ./none.mjs: exports no experiment made with defineExperiment from @gradlab/lab; found exports answer, fake\n');
    const two = await cli(['run', 'two.ts', '--quick']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^gradlab: two\.ts: exports 2 experiments \(alpha, beta\)/);
  });

  test('a sharded module run merges with the module named again', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gradlab-module-shard-')), 'one');
    const s1 = await cli(['run', './one.mjs', '--full', '--jobs', '1', '--shard', '1/2', '--out', out]);
    expect(s1.stdout).toContain(`gradlab merge ${out} one.mjs`);
    await cli(['run', './one.mjs', '--full', '--jobs', '1', '--shard', '2/2', '--out', out]);
    const withoutModule = await cli(['merge', out]);
    expect(withoutModule.code).toBe(2);
    expect(withoutModule.stderr).toMatch(/^gradlab: unknown experiment "one"/);
    const merged = await cli(['merge', out, './one.mjs']);
    expect(merged.code).toBe(0);
    expect(readFileSync(join(out, 'one.csv'), 'utf8').trim().split('\n')).toHaveLength(7);
  });
});
