/**
 * End to end, in real child processes: `gradlab run depth-gradients --quick` killed with
 * SIGKILL at random points (the whole process group, parent and worker processes, as a
 * cluster's scheduler or the OOM killer would), then rerun, ends with exactly the files of an
 * uninterrupted serial run, byte for byte. After every kill each stored cell is complete and
 * no main CSV, plot or manifest is half-written.
 *
 * The kill points are random but seeded (KILL_SEED), so a failure can be replayed.
 */
import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Seed of the kill points. */
const KILL_SEED = 20261121;
/** Kills that must land while cells are being computed. */
const CELL_KILLS = 10;
/** Attempts to kill while the main CSV, plots and manifest are being assembled. */
const ASSEMBLY_KILLS = 3;

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Whether the kill reached a live process. */
  killed: boolean;
}

/** mulberry32: a tiny seeded generator for the kill points (the test's own, not the library's). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs gradlab; `killWhen(output)` returns a delay in ms once the process group should be
 * SIGKILLed that long after, or undefined to keep waiting.
 */
function gradlab(args: string[], killWhen?: (output: string) => number | undefined): Promise<Done> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['packages/lab/bin/gradlab.js', ...args], {
      cwd: root,
      env: { ...process.env, SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_COUNT: '', SLURM_CPUS_PER_TASK: '', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let armed = false;
    let killed = false;
    let exited = false;
    const onData = () => {
      if (armed || killWhen === undefined) return;
      const delay = killWhen(stdout + stderr);
      if (delay === undefined) return;
      armed = true;
      setTimeout(() => {
        if (exited) return;
        killed = true;
        process.kill(-child.pid!, 'SIGKILL');
      }, delay);
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
    child.on('exit', () => (exited = true));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, killed }));
  });
}

const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
const cellsDone = (text: string) => text.match(/ done in /g)?.length ?? 0;

/** After a kill: every stored cell is whole, and any final output present is the reference's. */
function checkConsistent(dir: string, reference: string): void {
  for (const f of files(dir)) {
    const name = f.split('/').pop()!;
    if (name.includes('.tmp-')) continue; // a killed writer's temp file: ignored, removed by the next run
    if (f.startsWith('.cells') && name.endsWith('.csv')) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text.startsWith('depth,activation,init,variant,seed,'), f).toBe(true);
      expect(text.endsWith('\n'), f).toBe(true);
      expect(existsSync(join(dir, f.replace(/\.csv$/, '.meta.json'))), `${f} without its metadata`).toBe(true);
    } else if (!f.startsWith('.cells') && /\.(csv|svg)$/.test(name)) {
      expect(readFileSync(join(dir, f)).equals(readFileSync(join(reference, f))), `${f} differs from the reference`).toBe(true);
    } else if (name === 'manifest.json') {
      expect(() => JSON.parse(readFileSync(join(dir, f), 'utf8'))).not.toThrow();
    }
  }
}

describe('gradlab run depth-gradients --quick, SIGKILLed at random points', () => {
  test(`${CELL_KILLS} kills during the cells and ${ASSEMBLY_KILLS} during assembly, then a rerun: the bytes of an uninterrupted serial run`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-dg-'));
    const whole = join(dir, 'whole');
    const killed = join(dir, 'killed');
    const random = seeded(KILL_SEED);

    const a = await gradlab(['run', 'depth-gradients', '--quick', '--jobs', '1', '--out', whole]);
    expect(a.code, a.stderr).toBe(0);
    // The quick grid's size, as the clean run reports it (the grid changes with the experiment).
    const total = Number(/depth-gradients: (\d+) cells \(/.exec(a.stdout)?.[1]);
    expect(total).toBeGreaterThan(CELL_KILLS);

    let kills = 0;
    let cellsBefore = 0;
    for (let round = 0; kills < CELL_KILLS && round < 3 * CELL_KILLS; round++) {
      const after = 1 + Math.floor(random() * 6);
      const delay = Math.floor(random() * 400);
      const jobs = round % 2 === 0 ? '2' : '1';
      const r = await gradlab(['run', 'depth-gradients', '--quick', '--jobs', jobs, '--out', killed], (out) =>
        cellsDone(out) >= after ? delay : undefined,
      );
      if (r.killed) kills += 1;
      else expect(r.code, r.stderr).toBe(0);
      checkConsistent(killed, whole);
      const stored = files(killed).filter((f) => f.startsWith('.cells') && f.endsWith('.csv')).length;
      expect(stored).toBeGreaterThanOrEqual(cellsBefore);
      cellsBefore = stored;
    }
    expect(kills).toBe(CELL_KILLS);
    expect(existsSync(join(killed, 'manifest.json'))).toBe(false);

    // Finish the cells, removing nothing, then kill runs that only assemble.
    for (let i = 0; i < ASSEMBLY_KILLS; i++) {
      const delay = Math.floor(random() * 1500);
      const r = await gradlab(['run', 'depth-gradients', '--quick', '--jobs', '2', '--out', killed], (out) =>
        /depth-gradients: \d+ cells\n/.test(out) && (i > 0 || cellsDone(out) + cellsBefore >= total) ? delay : undefined,
      );
      if (!r.killed) expect(r.code, r.stderr).toBe(0);
      checkConsistent(killed, whole);
    }

    const b = await gradlab(['run', 'depth-gradients', '--quick', '--jobs', '2', '--out', killed]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain(`depth-gradients: ${total} cells (0 run, ${total} reused`);
    const outputs = files(whole).filter((f) => !f.startsWith('.cells'));
    expect(files(killed).filter((f) => !f.startsWith('.cells'))).toEqual(outputs);
    for (const f of outputs) {
      if (f === 'manifest.json') continue;
      expect(readFileSync(join(killed, f)).equals(readFileSync(join(whole, f))), f).toBe(true);
    }
    const hashes = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).outputs;
    expect(hashes(killed)).toEqual(hashes(whole));
    expect(files(killed).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 400_000);
});
