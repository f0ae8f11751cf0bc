/**
 * gradlab as a researcher installs it in another project: `pack-packages` writes the tarballs,
 * a fresh npm project installs them, and then
 * - a plain-node ESM script (no tsx) trains a small LSTM by BPTT and an RBM by PCD;
 * - importing core, rnn, rbm and lab loads no plotting module, and `require()` works;
 * - a strict NodeNext TypeScript consumer typechecks (with skipLibCheck, see docs/library.md);
 * - `npx gradlab` runs the project's own experiment module, is killed mid-run, resumes, and
 *   writes the bytes of an uninterrupted run.
 *
 * Needs the npm registry (the tarballs' dependencies, tfjs among them, come from it). Where it
 * cannot be reached the test is skipped with the reason printed; it is never counted as passed.
 */
import { describe, expect, test } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./project', import.meta.url));
const PACKAGES = ['core', 'rnn', 'rbm', 'lab'];

/** Why the registry cannot be used, or undefined when it can. */
function registryProblem(): string | undefined {
  const ping = spawnSync('npm', ['ping'], { encoding: 'utf8', timeout: 60_000 });
  return ping.status === 0 ? undefined : `npm ping failed (${ping.status ?? ping.signal}): ${(ping.stderr || ping.stdout).trim().split('\n').pop()}`;
}

/** The plain environment of a user's shell: no workspace source condition. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_COUNT: '', SLURM_CPUS_PER_TASK: '' };
  delete env['NODE_OPTIONS'];
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k.startsWith('PNPM_') || k === 'VITEST' || k.startsWith('VITEST_')) delete env[k];
  return env;
}

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Files of an experiment's results folder, without the cell store, name → bytes. */
function outputs(dir: string): Map<string, Buffer> {
  const files = readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
  return new Map(files.map((f) => [f, readFileSync(join(dir, f))]));
}

/** The manifest without its timestamps. */
function manifestBody(dir: string): unknown {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  delete m['started'];
  delete m['finished'];
  return m;
}

const problem = registryProblem();
if (problem !== undefined) console.warn(`consumer: skipped: ${problem}`);

describe.skipIf(problem !== undefined)('a consumer project that installs the packed tarballs', () => {
  const work = mkdtempSync(join(tmpdir(), 'gradlab-consumer-'));
  const tarballs = join(work, 'packages');
  const project = join(work, 'project');

  test('pack-packages writes one tarball per package, with dist and without workspace: versions', () => {
    const printed = run(process.execPath, [join(root, 'scripts/pack-packages.mjs'), tarballs], root);
    const files = readdirSync(tarballs).sort();
    expect(files).toEqual(PACKAGES.map((p) => `gradlab-${p}-0.1.0.tgz`).sort());
    expect(printed.trim().split('\n')).toHaveLength(PACKAGES.length);
    for (const file of files) {
      const listing = run('tar', ['-tzf', join(tarballs, file)], work);
      expect(listing).toContain('package/dist/index.js');
      expect(listing).toContain('package/dist/index.d.ts');
      expect(listing).not.toContain('package/src/');
      const manifest = run('tar', ['-xzOf', join(tarballs, file), 'package/package.json'], work);
      expect(manifest).not.toContain('workspace:');
    }
  }, 600_000);

  test('npm installs them into a fresh project', () => {
    cpSync(fixture, project, { recursive: true });
    const pkg = {
      name: 'gradlab-consumer',
      private: true,
      type: 'module',
      dependencies: Object.fromEntries(PACKAGES.map((p) => [`@gradlab/${p}`, `file:${join(tarballs, `gradlab-${p}-0.1.0.tgz`)}`])),
      devDependencies: { '@types/node': '^20.19.0' },
    };
    writeFileSync(join(project, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);
    for (const p of PACKAGES) expect(existsSync(join(project, 'node_modules/@gradlab', p, 'dist/index.js'))).toBe(true);
  }, 600_000);

  test('plain node: an LSTM learns by BPTT and an RBM by PCD, nothing leaks', () => {
    const result = JSON.parse(run(process.execPath, ['main.mjs'], project)) as Record<string, number | string>;
    expect(result['backend']).toBe('wasm');
    expect(result['lstmLossLast'] as number).toBeLessThan((result['lstmLossFirst'] as number) / 5);
    expect(result['llAfter'] as number).toBeGreaterThan((result['llBefore'] as number) + 1);
    expect(result['tensors']).toBe(0);
  }, 120_000);

  test('importing core, rnn, rbm and lab loads no plotting module; require() works', () => {
    const loaded = JSON.parse(run(process.execPath, ['check-no-plots.mjs'], project)) as { modules: number; plotting: string[] };
    expect(loaded.modules).toBeGreaterThan(50);
    expect(loaded.plotting).toEqual([]);
    for (const p of PACKAGES) {
      const out = run(process.execPath, ['-e', `console.log(Object.keys(require('@gradlab/${p}')).length)`], project);
      expect(Number(out)).toBeGreaterThan(5);
    }
  }, 120_000);

  test('a strict NodeNext TypeScript consumer typechecks', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, env: userEnv(), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  test('npx gradlab: help, list, and a user experiment killed mid-run resumes to the bytes of an uninterrupted run', async () => {
    expect(run('npx', ['gradlab', '--help'], project)).toMatch(/gradlab run \.\/my-experiment\.ts/);
    expect(run('npx', ['gradlab', 'list', './my-experiment.mjs'], project)).toMatch(/^first-layer-gradient {2}How does/);

    run('npx', ['gradlab', 'run', './my-experiment.mjs', '--quick', '--jobs', '1', '--out', 'whole'], project);

    // Killed (the whole process group, SIGKILL) once the first cell is done.
    await new Promise<void>((resolve, reject) => {
      const child = spawn('npx', ['gradlab', 'run', './my-experiment.mjs', '--quick', '--jobs', '1', '--verbose', '--out', 'resumed'], {
        cwd: project,
        env: userEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/ 1\/12 /.test(stderr)) process.kill(-child.pid!, 'SIGKILL');
      });
      child.on('error', reject);
      child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`not killed: ${code} ${signal}\n${stderr}`))));
    });
    expect(existsSync(join(project, 'resumed', 'manifest.json'))).toBe(false);
    const rerun = run('npx', ['gradlab', 'run', './my-experiment.mjs', '--quick', '--jobs', '2', '--out', 'resumed'], project);
    const counts = /12 cells \((\d+) run, (\d+) reused\)/.exec(rerun);
    expect(counts, rerun).not.toBeNull();
    expect(Number(counts![2])).toBeGreaterThanOrEqual(1);

    const whole = outputs(join(project, 'whole'));
    const resumed = outputs(join(project, 'resumed'));
    expect([...resumed.keys()]).toEqual([...whole.keys()]);
    expect([...whole.keys()]).toContain('first-layer-gradient.svg');
    for (const [file, bytes] of whole) if (file !== 'manifest.json') expect(resumed.get(file)!.equals(bytes), file).toBe(true);
    expect(manifestBody(join(project, 'resumed'))).toEqual(manifestBody(join(project, 'whole')));
  }, 600_000);
});
