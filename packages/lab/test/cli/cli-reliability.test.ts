/**
 * The fault cases of the gradlab command, run as a user runs it (spawned processes): a bad
 * --out, two writers at once, Ctrl-C / SIGTERM with synchronous cells (also through
 * `npx -y pnpm@10 gradlab`, and SIGTERM to the package runner only), SIGTERM during a merge,
 * and `gradlab verify`. Tests wait for lines the run prints, never for fixed times.
 */
import { describe, expect, test } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyResults } from '../../src/cli/verify-command.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const TINY_CLI = 'packages/lab/test/cli/fixtures/tiny-cli.ts';
const BUSY_MODULE = 'packages/lab/test/cli/fixtures/busy-experiment.ts';
const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `gradlab-${tag}-`));

interface Done { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Spawns a command; `onOutput` sees stdout + stderr so far and may signal the child. */
function spawnRun(cmd: string, args: string[], opts: { env?: Record<string, string>; detached?: boolean; onOutput?: (text: string, child: ChildProcess) => void } = {}): Promise<Done> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, SLURM_ARRAY_TASK_ID: '', FORCE_COLOR: '0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.detached,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
      opts.onOutput?.(stdout + stderr, child);
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
      opts.onOutput?.(stdout + stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const tinyCli = (args: string[], opts: Parameters<typeof spawnRun>[2] = {}) =>
  spawnRun(process.execPath, ['--conditions=gradlab-source', '--import', 'tsx', TINY_CLI, ...args], opts);

const gradlabLines = (text: string) => text.split('\n').filter((l) => l.startsWith('gradlab:'));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a bad --out: one line naming the path and the real cause, no stack', () => {
  test.each([
    ['--out is a regular file', (dir: string) => join(dir, 'file'), /^gradlab: cannot create ".*\/file": it is a file, not a directory \(ENOTDIR\)$/],
    ['the parent of --out is a regular file', (dir: string) => join(dir, 'file', 'x'), /^gradlab: cannot create ".*\/file\/x": ".*\/file" is a file, not a directory \(ENOTDIR\)$/],
  ])('%s', async (_what, outOf, line) => {
    const dir = tmp('badout');
    writeFileSync(join(dir, 'file'), 'not a folder\n');
    const r = await tinyCli(['run', 'tiny', '--jobs', '1', '--out', outOf(dir)]);
    expect(r.code).toBe(2);
    expect(gradlabLines(r.stderr)).toHaveLength(1);
    expect(gradlabLines(r.stderr)[0]).toMatch(line);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('not a folder\n');
  });

  const ro = tmp('readonly');
  const mounted = process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]).status === 0;
  test.skipIf(!mounted)('--out on a read-only mount says EROFS (needs root to mount a read-only tmpfs)', async () => {
    try {
      const r = await tinyCli(['run', 'tiny', '--jobs', '1', '--out', join(ro, 'a', 'b')]);
      expect(r.code).toBe(2);
      expect(gradlabLines(r.stderr)).toEqual([expect.stringMatching(/^gradlab: cannot create ".*\/a\/b": ".*": read-only file system \(EROFS\)$/)]);
      const top = await tinyCli(['run', 'tiny', '--jobs', '1', '--out', ro]);
      expect(gradlabLines(top.stderr)).toEqual([expect.stringMatching(/^gradlab: cannot write into ".*": read-only file system \(EROFS\)$/)]);
    } finally {
      spawnSync('umount', [ro]);
    }
  });
});

describe('two writers into one --out', () => {
  test('runs started together wait for each other, naming the holder; every cell is computed once; both exit 0', async () => {
    const out = join(tmp('twowriters'), 'slow');
    // A live holder (this test) makes both wait, so that they really overlap however slowly
    // they start; releasing it lets them race for the lock.
    const lock = join(out, '.gradlab.lock');
    spawnSync('mkdir', ['-p', out]);
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-12-02T10:00:00.000Z', command: 'run test' }));
    let waiting = 0;
    const onOutput = (text: string) => {
      if (/slow: waiting for pid \d+ on host .* \(gradlab run test, since .*\), which is writing/.test(text)) {
        waiting += 1;
        if (waiting === 2) rmSync(lock, { force: true });
      }
    };
    const seen = [false, false];
    const runs = [0, 1].map((k) =>
      tinyCli(['run', 'slow', '--jobs', '1', '--out', out], {
        onOutput: (text) => {
          if (!seen[k] && /waiting for pid/.test(text)) {
            seen[k] = true;
            onOutput(text);
          }
        },
      }),
    );
    const [a, b] = await Promise.all(runs);
    expect(a!.code).toBe(0);
    expect(b!.code).toBe(0);
    const computed = [a!.stdout, b!.stdout].map((s) => Number(/slow: 6 cells \((\d+) run/.exec(s)![1]));
    expect(computed[0]! + computed[1]!).toBe(6);
    expect(existsSync(lock)).toBe(false);
  });

  test('--no-wait refuses in one line naming the holder', async () => {
    const out = tmp('nowait');
    writeFileSync(join(out, '.gradlab.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-12-02T10:00:00.000Z', command: 'run tiny' }));
    const r = await tinyCli(['run', 'tiny', '--jobs', '1', '--no-wait', '--out', out]);
    expect(r.code).toBe(2);
    expect(gradlabLines(r.stderr)).toEqual([
      `gradlab: ${JSON.stringify(out)} is being written by pid ${process.pid} on host ${hostname()} (gradlab run tiny, since 2026-12-02T10:00:00.000Z); not waiting (--no-wait) (wait for it, or remove ${JSON.stringify(join(out, '.gradlab.lock'))} if that process is gone)`,
    ]);
  });
});

describe('signals with --jobs 1 and cells that never await', () => {
  test.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s stops between cells saying how many are complete; exit %i; the rerun resumes', async (signal, code) => {
    const out = join(tmp('busy'), 'busy');
    let sent = false;
    const r = await tinyCli(['run', 'busy', '--quick', '--jobs', '1', '--out', out], {
      onOutput: (text, child) => {
        if (!sent && /busy: 1\/8 \S+ done/.test(text)) {
          sent = true;
          child.kill(signal);
        }
      },
    });
    expect(r.code).toBe(code);
    const line = /gradlab: busy: interrupted; (\d) of 8 cells are complete in ".*" \(\d computed by this run\); rerun the same command to resume\n$/.exec(r.stderr);
    expect(line).not.toBeNull();
    expect(Number(line![1])).toBeLessThan(8);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    const again = await tinyCli(['run', 'busy', '--quick', '--jobs', '1', '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`busy: resuming, ${line![1]} of 8 cells already done`);
  });
});

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const pnpmAvailable = spawnSync(npx, ['-y', 'pnpm@10', '--version'], { cwd: root, encoding: 'utf8' }).status === 0;

describe.skipIf(!pnpmAvailable)('through npx -y pnpm@10 gradlab', () => {
  /** Runs the busy module through the package script; `stop` signals once a cell is complete. */
  async function throughPnpm(stop: (child: ChildProcess) => void) {
    const out = join(tmp('pnpm'), 'busy');
    let gradlabPid = 0;
    let sent = false;
    const r = await spawnRun(npx, ['-y', 'pnpm@10', 'gradlab', 'run', BUSY_MODULE, '--quick', '--jobs', '1', '--out', out], {
      detached: true,
      env: { BUSY_CELL_MS: '300' },
      onOutput: (text, child) => {
        if (!sent && /busy: 1\/8 \S+ done/.test(text)) {
          sent = true;
          gradlabPid = JSON.parse(readFileSync(join(out, '.gradlab.lock'), 'utf8')).pid;
          stop(child);
        }
      },
    });
    return { r, out, gradlabPid };
  }

  test('Ctrl-C (SIGINT to the process group) stops with "interrupted; N of M cells are complete"', async () => {
    const { r, out, gradlabPid } = await throughPnpm((child) => process.kill(-child.pid!, 'SIGINT'));
    expect(r.stderr).toMatch(/gradlab: busy: interrupted; \d of 8 cells are complete in/);
    expect(alive(gradlabPid)).toBe(false);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(existsSync(join(out, '.gradlab.lock'))).toBe(false);
  });

  test('SIGTERM to the package runner only: gradlab stops too (exit 143), no orphan writes into OUT', async () => {
    const { r, out, gradlabPid } = await throughPnpm((child) => child.kill('SIGTERM'));
    // 'close' comes once every holder of the pipes has exited, gradlab included.
    expect(alive(gradlabPid)).toBe(false);
    expect(r.stdout + r.stderr).toMatch(/gradlab: busy: interrupted; \d of 8 cells are complete in/);
    expect(r.stdout + r.stderr).toContain('exit code 143');
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });
});

describe('merge honours signals', () => {
  test('SIGTERM while merge waits for the lock: exit 143, one line, nothing written', async () => {
    const out = tmp('merge');
    for (const shard of ['1/2', '2/2']) expect((await tinyCli(['run', 'tiny', '--jobs', '1', '--shard', shard, '--out', out])).code).toBe(0);
    writeFileSync(join(out, '.gradlab.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-12-02T10:00:00.000Z', command: 'run tiny' }));
    let sent = false;
    const r = await tinyCli(['merge', out], {
      onOutput: (text, child) => {
        if (!sent && /waiting for pid/.test(text)) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    });
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/gradlab: interrupted while waiting for pid \d+ .* to finish writing ".*"; nothing was written\n$/);
    expect(existsSync(join(out, 'tiny.csv'))).toBe(false);
  });
});

describe('gradlab verify', () => {
  test('passes on a fresh run; an edited CSV is named and exits 1', async () => {
    const out = join(tmp('verify'), 'tiny');
    expect((await tinyCli(['run', 'tiny', '--jobs', '1', '--out', out])).code).toBe(0);
    const ok = await tinyCli(['verify', out]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok +.*tiny \(\d files match manifest\.json\)\n$/);
    const csv = join(out, 'tiny.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace(/\n(\d),/, '\n9,'));
    const bad = await tinyCli(['verify', join(out, '..')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/DIFFERS +.*tiny\n +tiny\.csv: sha256 [0-9a-f]{12}… on disk, the manifest says [0-9a-f]{12}…\n/);
    expect(gradlabLines(bad.stderr)).toEqual(['gradlab: verify: 1 of 1 results folders differ from their manifest']);
  });

  test('the committed results/ folders match their manifests (the format written before rows were recorded)', async () => {
    const found = await verifyResults(join(root, 'results'));
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((f) => f.problems.length > 0)).toEqual([]);
  });
});
