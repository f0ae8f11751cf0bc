/**
 * The Slurm scripts on a real cluster: `scripts/slurm/submit.sh depth-gradients 3 --quick`
 * queues a 3-task job array and its merge; once both have finished, every output (the CSV, the
 * SVGs, the sha256 list of the manifest) has the bytes of one unsharded `gradlab run`.
 *
 * Needs a cluster whose `sinfo` shows an idle node (`scripts/slurm/local-cluster.sh start` makes
 * a one-node one, as root); without one the test is skipped and says why. The jobs run
 * `npx -y pnpm@10 gradlab` in this checkout (submit.sh submits from the repository root), with
 * the environment sbatch passes on (this process's PATH and HOME), so the node must see this
 * folder: true of the one-node cluster, and of a cluster whose nodes share it.
 */
import { describe, expect, test } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Array tasks the experiment is split into. */
const SHARDS = 3;
/** How long the array and the merge may take together, queueing included (ms). */
const JOB_DEADLINE_MS = 25 * 60_000;
/** Pause between two looks at the jobs' states (ms). */
const POLL_MS = 3_000;
/** Slurm job states after which a job still has work to do (every other state is final). */
const ACTIVE = /^(PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED|REQUEUE_HOLD|REQUEUE_FED|RESIZING|SIGNALING|STAGE_OUT|RESV_DEL_HOLD)/;

/** The environment of the jobs and of the unsharded run: this one, less any Slurm or test front end. */
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_') && !k.startsWith('SBATCH_') && k !== 'GRADLAB'),
);
env.FORCE_COLOR = '0';

/** Why no cluster can take the jobs, or undefined when `sinfo` shows an idle node. */
function noCluster(): string | undefined {
  const r = spawnSync('sinfo', ['-h', '-o', '%T %N'], { encoding: 'utf8', timeout: 20_000, env });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'sinfo not found: no Slurm client here (scripts/slurm/local-cluster.sh start --install makes a one-node cluster, as root)'
      : `sinfo did not answer: ${r.error.message}`;
  }
  if (r.status !== 0) return `sinfo failed (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`;
  if (!/^idle /m.test(r.stdout)) return `sinfo shows no idle node: ${r.stdout.trim() || '(no nodes)'}`;
  return undefined;
}

function run(command: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** The state of each record of job ID (one per array task), from scontrol, else sacct. */
async function jobStates(id: string): Promise<string[]> {
  const shown = await run('scontrol', ['show', 'job', '-o', id]);
  if (shown.code === 0) return [...shown.out.matchAll(/JobState=(\S+)/g)].map((m) => m[1]!);
  const acct = await run('sacct', ['-n', '-X', '-P', '-j', id, '-o', 'State']);
  const states = acct.out.split('\n').map((l) => l.trim().split(' ')[0]!).filter(Boolean);
  if (acct.code === 0 && states.length > 0) return states;
  throw new Error(`job ${id} is known to neither scontrol (${shown.out.trim()}) nor sacct (${acct.out.trim()})`);
}

/** Waits until every record of job ID is in a final state; returns those states. */
async function finalStates(id: string, deadline: number): Promise<string[]> {
  for (;;) {
    const states = await jobStates(id);
    if (states.length > 0 && !states.some((s) => ACTIVE.test(s))) return states;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${states.join(', ')} after ${JOB_DEADLINE_MS / 60_000} min`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The output files of the jobs (written into the repository root, where submit.sh submits). */
function jobOutputs(arrayId: string, mergeId: string): string[] {
  return readdirSync(root)
    .filter((f) => f.startsWith(`gradlab-${arrayId}_`) || f === `gradlab-merge-${mergeId}.out`)
    .sort();
}

function showOutputs(files: string[]): string {
  return files.map((f) => `--- ${f}\n${readFileSync(join(root, f), 'utf8').slice(-4000)}`).join('\n') || '(no job output files)';
}

describe('scripts/slurm on a real cluster', () => {
  const why = noCluster();

  test(`submit.sh depth-gradients ${SHARDS} --quick: the array and its merge give the bytes of one unsharded run`, async (ctx) => {
    if (why !== undefined) {
      console.warn(`slurm-cluster: skipped: ${why}`);
      ctx.skip(why);
    }
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-slurm-cluster-'));
    const sharded = join(dir, 'sharded');
    const whole = join(dir, 'whole');
    const t0 = Date.now();
    const submitted = await run('bash', ['scripts/slurm/submit.sh', 'depth-gradients', String(SHARDS), '--quick', '--out', sharded]);
    expect(submitted.code, submitted.out).toBe(0);
    const arrayId = /submitted array job (\d+)/.exec(submitted.out)?.[1];
    const mergeId = /Submitted batch job (\d+)/.exec(submitted.out)?.[1];
    expect(arrayId, submitted.out).toBeDefined();
    expect(mergeId, submitted.out).toBeDefined();
    // The unsharded reference runs here while the jobs queue and run.
    const single = run('npx', ['-y', 'pnpm@10', 'gradlab', 'run', 'depth-gradients', '--quick', '--out', whole]).then((r) => ({
      ...r,
      seconds: (Date.now() - t0) / 1000,
    }));
    try {
      const deadline = t0 + JOB_DEADLINE_MS;
      let failure: string | undefined;
      try {
        const tasks = await finalStates(arrayId!, deadline);
        if (tasks.length !== SHARDS || tasks.some((s) => s !== 'COMPLETED')) failure = `array job ${arrayId}: ${tasks.join(', ')}`;
        else {
          const merge = await finalStates(mergeId!, deadline);
          if (merge.some((s) => s !== 'COMPLETED')) failure = `merge job ${mergeId}: ${merge.join(', ')}`;
        }
      } catch (e) {
        failure = (e as Error).message;
      }
      if (failure !== undefined) {
        await run('scancel', [arrayId!, mergeId!]);
        expect.fail(`${failure}\n${showOutputs(jobOutputs(arrayId!, mergeId!))}`);
      }
      const slurmSeconds = (Date.now() - t0) / 1000;
      const outputs = jobOutputs(arrayId!, mergeId!);
      for (let task = 0; task < SHARDS; task++) {
        const f = `gradlab-${arrayId}_${task}.out`;
        expect(outputs, showOutputs(outputs)).toContain(f);
        expect(readFileSync(join(root, f), 'utf8')).toContain(`depth-gradients: shard ${task + 1}/${SHARDS} done`);
      }
      const reference = await single;
      expect(reference.code, reference.out).toBe(0);
      console.log(
        `slurm-cluster: array job ${arrayId} (${SHARDS} tasks) and merge job ${mergeId} done in ${slurmSeconds.toFixed(0)} s; ` +
          `the unsharded run alongside in ${reference.seconds.toFixed(0)} s`,
      );

      const files = readdirSync(whole).filter((f) => !f.startsWith('.')).sort();
      expect(files).toEqual(expect.arrayContaining(['depth-gradients.csv', 'manifest.json']));
      expect(readdirSync(sharded).filter((f) => !f.startsWith('.')).sort()).toEqual(files);
      for (const f of files.filter((f) => f !== 'manifest.json')) {
        expect(readFileSync(join(sharded, f)).equals(readFileSync(join(whole, f))), f).toBe(true);
      }
      // The manifests agree on everything but the run's start and end times (outputs' sha256 included).
      const manifest = (d: string) => {
        const { started, finished, ...rest } = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>;
        return rest;
      };
      expect(manifest(sharded)).toEqual(manifest(whole));
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await single;
      for (const f of jobOutputs(arrayId!, mergeId!)) rmSync(join(root, f), { force: true });
    }
  }, JOB_DEADLINE_MS + 5 * 60_000);
});
