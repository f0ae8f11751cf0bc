/**
 * End to end: `gradlab run depth-gradients --quick` in real child processes. A run killed with
 * SIGKILL midway and restarted skips the completed cells, leaves no partial or temporary file,
 * and ends with a CSV byte-identical to an uninterrupted run's.
 */
import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function gradlab(args: string[], killAfterCells?: number): Promise<Done> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'experiments/src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_COUNT: '', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const onData = () => {
      const done = (stdout + stderr).match(/ done in /g)?.length ?? 0;
      if (killAfterCells !== undefined && done >= killAfterCells) child.kill('SIGKILL');
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      onData();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      onData();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('gradlab run depth-gradients --quick', () => {
  test('killed midway then rerun: completed cells are skipped, no partial files, same bytes as an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-dg-'));
    const whole = join(dir, 'whole');
    const killed = join(dir, 'killed');

    const a = await gradlab(['run', 'depth-gradients', '--quick', '--out', whole]);
    expect(a.code, a.stderr).toBe(0);

    const b1 = await gradlab(['run', 'depth-gradients', '--quick', '--out', killed], 12);
    expect(b1.signal).toBe('SIGKILL');
    const afterKill = readdirSync(killed, { recursive: true, encoding: 'utf8' });
    expect(afterKill.some((f) => f.endsWith('depth-gradients.csv') && !f.includes('.cells'))).toBe(false);
    expect(afterKill.some((f) => /\.tmp|~$/.test(f))).toBe(false);

    const b2 = await gradlab(['run', 'depth-gradients', '--quick', '--out', killed]);
    expect(b2.code, b2.stderr).toBe(0);
    const skipped = Number(/(\d+) reused/.exec(b2.stdout + b2.stderr)?.[1] ?? '0');
    expect(skipped).toBeGreaterThanOrEqual(12);
    const afterRerun = readdirSync(killed, { recursive: true, encoding: 'utf8' });
    expect(afterRerun.some((f) => /\.tmp|~$/.test(f))).toBe(false);

    const csvA = readFileSync(join(whole, 'depth-gradients.csv'));
    const csvB = readFileSync(join(killed, 'depth-gradients.csv'));
    expect(csvB.length).toBeGreaterThan(1000);
    expect(csvB.equals(csvA)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(killed, 'manifest.json'), 'utf8')) as { outputs: { path: string }[] };
    expect(manifest.outputs.map((o) => o.path)).toContain('depth-gradients.csv');
  });
});
