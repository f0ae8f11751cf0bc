/**
 * `pnpm bench` — times the benchmark workloads W1–W6 (DESIGN.md) and prints one JSON line per
 * workload. Each workload runs in its own child process (a fresh engine, its own peak RSS);
 * with `--peer`, each is followed by the PyTorch peer in its tuned and as-installed settings
 * and the line carries `ratio` = gradlab median / best peer median. `--sweep` instead runs a seed
 * sweep of experiment cells on worker processes (bench/sweep.ts). See BENCHMARKS.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@gradlab/core';
import { ArgError, USAGE, parseBenchArgs } from './args.js';
import type { BenchArgs } from './args.js';
import { measure, round } from './measure.js';
import type { Measurement } from './measure.js';
import { PEER_SETTINGS, peerUnavailable, runPeer } from './peer.js';
import type { PeerLine } from './peer.js';
import { profileWorkload } from './profile.js';
import { sweepLine } from './sweep.js';
import { WORKLOADS } from './workloads.js';
import type { WorkloadId } from './workload.js';

const SELF = fileURLToPath(import.meta.url);

function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Arguments a child process gets for workload `id`. */
function childArgs(args: BenchArgs, id: WorkloadId): string[] {
  return [
    ...process.execArgv,
    SELF,
    '--child',
    id,
    '--size',
    args.size,
    ...(args.runs ? ['--runs', String(args.runs)] : []),
    ...(args.backend ? ['--backend', args.backend] : []),
    ...(args.profile ? ['--profile'] : []),
  ];
}

/** Measures workload `id` in a child process; returns its JSON line. */
function measureInChild(args: BenchArgs, id: WorkloadId): Measurement {
  const r = spawnSync(process.execPath, childArgs(args, id), { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) throw new Error(`${id} failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line) as Measurement;
}

/** One workload in this process (the child's job, or --in-process). */
async function runHere(args: BenchArgs, id: WorkloadId): Promise<object> {
  const w = WORKLOADS[id];
  if (args.profile) return profileWorkload(w, args.size);
  return measure(w, args.size, args.runs ?? w.runs);
}

/** Two W1 processes at once against the same two one after the other (what a second core gives). */
async function parallelW1(args: BenchArgs): Promise<object> {
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const p = spawn(process.execPath, childArgs(args, 'W1'), { stdio: ['ignore', 'ignore', 'inherit'] });
      p.on('exit', (code) => (code === 0 ? resolve(0) : reject(new Error(`W1 child exited with ${code}`))));
    });
  let t0 = performance.now();
  await one();
  await one();
  const serial = performance.now() - t0;
  t0 = performance.now();
  await Promise.all([one(), one()]);
  const parallel = performance.now() - t0;
  return { id: 'W1x2', title: 'two W1 processes (start-up, warm-up and runs), serial vs concurrent', serial_ms: round(serial), parallel_ms: round(parallel), speedup: round(serial / parallel) };
}

function withPeers(g: Measurement, peers: PeerLine[]): object {
  const best = peers.reduce<PeerLine | undefined>((b, p) => (b === undefined || p.median_ms < b.median_ms ? p : b), undefined);
  const ratios: Record<string, number> = {};
  for (const p of peers) ratios[`ratio_${p.impl}_${p.setting}`] = round(g.median_ms / p.median_ms, 2);
  return {
    ...g,
    peers: peers.map((p) => ({ ...p, gflops: round(g.flops / (p.median_ms * 1e6)) })),
    best_peer: best === undefined ? undefined : `${best.impl} ${best.setting}`,
    ratio: best === undefined ? undefined : round(g.median_ms / best.median_ms, 2),
    ...ratios,
  };
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ArgError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.child !== undefined || args.inProcess) {
    await initBackend({ backend: args.backend });
    for (const id of args.child !== undefined ? [args.child] : args.only) print(await runHere(args, id));
    return 0;
  }
  const peerReason = args.peer ? peerUnavailable(args.python) : undefined;
  if (args.peer && peerReason !== undefined) print({ peer_skipped: peerReason });
  if (args.sweep) {
    print(await sweepLine(args.size, args.jobs, args.backend, args.peer && peerReason === undefined ? args.python : undefined));
    return 0;
  }
  const usePeer = args.peer && peerReason === undefined && !args.profile;
  let failed = 0;
  for (const id of args.only) {
    try {
      const g = measureInChild(args, id);
      if (!usePeer) {
        print(g);
        continue;
      }
      const peers: PeerLine[] = [];
      for (const setting of PEER_SETTINGS) peers.push(...runPeer(args.python, id, setting, args.runs));
      print(withPeers(g, peers));
    } catch (e) {
      failed++;
      print({ id, error: (e as Error).message });
    }
  }
  if (args.parallel) print(await parallelW1(args));
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  },
);
