/**
 * The Slurm array script of docs/slurm.md, run as three array tasks without Slurm (the
 * variables Slurm would set, and GRADLAB pointing at the tiny test front end), then merged:
 * the same bytes as one unsharded run. Also: the doc quotes the scripts verbatim.
 */
import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TINY = `${process.execPath} --import tsx packages/lab/test/cli/fixtures/tiny-cli.ts`;

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('scripts/slurm', () => {
  test('docs/slurm.md quotes both scripts verbatim', () => {
    const doc = readFileSync(join(root, 'docs/slurm.md'), 'utf8');
    for (const f of ['scripts/slurm/gradlab-array.sbatch', 'scripts/slurm/submit.sh']) {
      expect(doc).toContain(readFileSync(join(root, f), 'utf8').trimEnd());
    }
  });

  test('three array tasks (SLURM_ARRAY_TASK_ID 1..3) then merge give the bytes of one unsharded run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-slurm-'));
    const sharded = join(dir, 'sharded');
    const whole = join(dir, 'whole');
    const clean = { SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_COUNT: '', SLURM_ARRAY_TASK_MIN: '', SLURM_ARRAY_TASK_STEP: '', SLURM_CPUS_PER_TASK: '' };
    for (const id of ['1', '2', '3']) {
      const task = await run('bash', ['scripts/slurm/gradlab-array.sbatch', 'tiny', '--out', sharded], {
        ...clean,
        GRADLAB: TINY,
        SLURM_SUBMIT_DIR: root,
        SLURM_ARRAY_TASK_ID: id,
        SLURM_ARRAY_TASK_COUNT: '3',
        SLURM_ARRAY_TASK_MIN: '1',
        SLURM_CPUS_PER_TASK: '1',
      });
      expect(task.code, task.out).toBe(0);
      expect(task.out).toContain(`tiny: shard ${id}/3 done`);
    }
    const merged = await run(process.execPath, ['--import', 'tsx', 'packages/lab/test/cli/fixtures/tiny-cli.ts', 'merge', sharded], clean);
    expect(merged.code, merged.out).toBe(0);
    const single = await run(process.execPath, ['--import', 'tsx', 'packages/lab/test/cli/fixtures/tiny-cli.ts', 'run', 'tiny', '--full', '--jobs', '1', '--out', whole], clean);
    expect(single.code, single.out).toBe(0);
    const outputs = readdirSync(whole).filter((f) => !f.startsWith('.')).sort();
    expect(readdirSync(sharded).filter((f) => !f.startsWith('.')).sort()).toEqual(outputs);
    for (const f of outputs.filter((f) => f !== 'manifest.json')) {
      expect(readFileSync(join(sharded, f)).equals(readFileSync(join(whole, f))), f).toBe(true);
    }
    const hashes = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).outputs;
    expect(hashes(sharded)).toEqual(hashes(whole));
  }, 200_000);
});
