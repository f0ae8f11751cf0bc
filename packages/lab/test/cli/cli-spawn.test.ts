import { describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
/** The installed bin (plain node: it runs the sources through tsx itself in a checkout). */
const CLI = 'packages/lab/bin/gradlab.js';
const TINY_CLI = 'packages/lab/test/cli/fixtures/tiny-cli.ts';

interface Done { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Spawns `node SCRIPT ...args` (with tsx's loader for a .ts script); `onStderr` may kill it. */
function gradlab(
  script: string,
  args: string[],
  onStderr?: (text: string, kill: () => void, child: ChildProcess) => void,
): Promise<Done> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script, ...args], {
      cwd: root,
      env: { ...process.env, SLURM_ARRAY_TASK_ID: '', SLURM_CPUS_PER_TASK: '', GRADLAB_WASM_THREADS: '', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, () => child.kill('SIGINT'), child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const listFiles = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' });

describe('gradlab (spawned)', () => {
  test('--help prints the usage and exits 0', async () => {
    const r = await gradlab(CLI, ['--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gradlab — /);
    expect(r.stdout).toContain('gradlab run NAME|all [options]');
    const run = await gradlab(CLI, ['run', '--help']);
    expect(run.stdout).toContain('--shard i/n');
  });

  test('an unknown experiment: one line naming it and the valid ones, exit 2', async () => {
    const r = await gradlab(CLI, ['run', 'no-such-experiment']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^gradlab: run: unknown experiment "no-such-experiment"; expected one of .*all, or the path of a module \(\.\/my-experiment\.mjs\)\n$/);
  });

  test('a bad option: one line naming it and the valid options, exit 2', async () => {
    const r = await gradlab(CLI, ['run', 'all', '--fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'gradlab: run: unknown option --fast; valid options: --quick, --full, --seeds, --backend, --out, --shard, --data, --jobs, --threads, --fail-on-nonfinite, --fresh, --no-wait, --verbose, --help\n',
    );
  });

  test('--threads N and its default (cores shared out among the processes) write the same CSV as 1 thread; the manifest records the count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-threads-'));
    // [--jobs, --threads, threads expected]: without --threads the cores are shared out among the processes.
    const cores = availableParallelism();
    // (⌊cores / 2⌋ for --jobs 2 is left to default-threads.test.ts: each spawn loads wasm per process.)
    const runs = [
      ['1', '1', 1],
      ['2', '2', 2],
      ['1', undefined, Math.min(8, cores)],
    ] as const;
    const csv: string[] = [];
    for (const [jobs, threads, expected] of runs) {
      const out = join(dir, `j${jobs}t${threads ?? 'default'}`);
      const r = await gradlab(TINY_CLI, ['run', 'tensors', '--quick', '--jobs', jobs, ...(threads === undefined ? [] : ['--threads', threads]), '--backend', 'wasm', '--out', out]);
      expect(r.stderr).not.toContain('gradlab:');
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`, ${expected} thread${expected === 1 ? '' : 's'};`);
      expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).backend).toMatchObject({ name: 'wasm', threads: expected });
      csv.push(readFileSync(join(out, 'tensors.csv'), 'utf8'));
    }
    expect(csv[0]!.trim().split('\n')).toHaveLength(10);
    for (const c of csv.slice(1)) expect(c).toBe(csv[0]);
    const bad = await gradlab(TINY_CLI, ['run', 'tensors', '--quick', '--threads', '2', '--backend', 'cpu', '--out', join(dir, 'cpu')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^gradlab: .*threads.*\n$/);
  }, 300_000);

  test.each(['1', '2'])('SIGINT (--jobs %s) stops cleanly saying what completed; no temp file; the rerun resumes', async (jobs) => {
    const out = join(mkdtempSync(join(tmpdir(), 'gradlab-sigint-')), 'slow');
    let sent = false;
    const first = await gradlab(TINY_CLI, ['run', 'slow', '--jobs', jobs, '--out', out], (text, kill) => {
      if (!sent && /slow: 2\/6 \S+ done/.test(text)) {
        sent = true;
        kill();
      }
    });
    expect(first.code).toBe(130);
    expect(first.stderr).toContain('gradlab: SIGINT: stopping; completed cells are kept');
    const files = listFiles(out);
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    const cells = files.filter((f) => f.endsWith('.csv'));
    expect(cells.length).toBeGreaterThanOrEqual(2);
    expect(cells.length).toBeLessThan(6);
    expect(first.stderr).toMatch(
      new RegExp(`gradlab: slow: interrupted; ${cells.length} of 6 cells are complete in ".*" \\(${cells.length} computed by this run\\); rerun the same command to resume\n$`),
    );
    expect(existsSync(join(out, 'slow.csv'))).toBe(false);

    const second = await gradlab(TINY_CLI, ['run', 'slow', '--jobs', jobs, '--out', out]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`slow: resuming, ${cells.length} of 6 cells already done`);
    expect(readFileSync(join(out, 'slow.csv'), 'utf8').trim().split('\n')).toHaveLength(7);
    expect(second.stdout).toContain('manifest: ');
  });

  test('SIGTERM stops the same way, with exit code 143', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gradlab-sigterm-')), 'slow');
    let sent = false;
    const r = await gradlab(TINY_CLI, ['run', 'slow', '--jobs', '2', '--out', out], (text, _kill, child) => {
      if (!sent && /slow: 1\/6 \S+ done/.test(text)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/gradlab: slow: interrupted; \d of 6 cells are complete/);
  });

  test.each(['1', '2'])('a diverging cell is recorded and the sweep goes on (--jobs %s); --fail-on-nonfinite stops it', async (jobs) => {
    const out = join(mkdtempSync(join(tmpdir(), 'gradlab-diverge-')), 'diverge');
    const r = await gradlab(TINY_CLI, ['run', 'diverge', '--quick', '--jobs', jobs, '--out', out]);
    expect(r.stderr).not.toContain('gradlab:');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('diverge: 3 cells (3 run, 2 diverged (recorded in the manifest))');
    const meta = JSON.parse(readFileSync(join(out, '.cells', readFileSync(join(out, '.cells', 'current'), 'utf8').trim(), 'size=2,seed=1.meta.json'), 'utf8'));
    expect(meta).toMatchObject({ status: 'diverged', divergence: { step: 2, reason: 'value = Infinity', lastFinite: { value: 100 } } });
    expect(readFileSync(join(out, 'diverge.csv'), 'utf8')).toContain('2,1,2,Inf\n');

    const hard = join(mkdtempSync(join(tmpdir(), 'gradlab-diverge-')), 'diverge');
    const f = await gradlab(TINY_CLI, ['run', 'diverge', '--quick', '--jobs', jobs, '--fail-on-nonfinite', '--out', hard]);
    expect(f.code).toBe(2);
    expect(f.stderr.split('\n').filter((l) => l.startsWith('gradlab:'))).toEqual([
      'gradlab: diverge: cell size=2,seed=1: training diverged: value = Infinity at step 2 (last finite: value = 100.0) ' +
        '(drop --fail-on-nonfinite to record diverged cells as data and go on)',
    ]);
    expect(existsSync(join(hard, 'diverge.csv'))).toBe(false);
  });
});
