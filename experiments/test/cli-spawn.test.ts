import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = 'experiments/src/cli.ts';
const TINY_CLI = 'experiments/test/fixtures/tiny-cli.ts';

interface Done { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Spawns `node --import tsx SCRIPT ...args`; `onStderr` may kill it. */
function gradlab(script: string, args: string[], onStderr?: (text: string, kill: () => void) => void): Promise<Done> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      env: { ...process.env, SLURM_ARRAY_TASK_ID: '', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, () => child.kill('SIGINT'));
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
    expect(r.stderr).toMatch(/^gradlab: run: unknown experiment "no-such-experiment"; expected one of .*all\n$/);
  });

  test('a bad option: one line naming it and the valid options, exit 2', async () => {
    const r = await gradlab(CLI, ['run', 'all', '--fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'gradlab: run: unknown option --fast; valid options: --quick, --full, --seeds, --backend, --out, --shard, --data, --fresh, --verbose, --help\n',
    );
  });

  test('SIGINT during run leaves complete cells and no temp file; the rerun resumes', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gradlab-sigint-')), 'slow');
    let sent = false;
    const first = await gradlab(TINY_CLI, ['run', 'slow', '--out', out], (text, kill) => {
      if (!sent && /slow: 2\/6 \S+ done/.test(text)) {
        sent = true;
        kill();
      }
    });
    expect(first.signal).toBe('SIGINT');
    const files = listFiles(out);
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    const cells = files.filter((f) => f.endsWith('.csv'));
    expect(cells.length).toBeGreaterThanOrEqual(2);
    expect(cells.length).toBeLessThan(6);
    expect(existsSync(join(out, 'slow.csv'))).toBe(false);

    const second = await gradlab(TINY_CLI, ['run', 'slow', '--out', out]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`slow: resuming, ${cells.length} of 6 cells already done`);
    expect(readFileSync(join(out, 'slow.csv'), 'utf8').trim().split('\n')).toHaveLength(7);
    expect(second.stdout).toContain('manifest: ');
  });
});
