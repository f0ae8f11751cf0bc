/**
 * `npx tsx bench/threads.ts [--threads 1,2] [--runs 10]` — the wasm backend on 1 and N threads
 * (GRADLAB_WASM_THREADS, see docs/backends.md) on a 1000×784×500 matmul loop, one child process
 * per thread count. Prints one JSON line each: the thread count the backend reports, wall and
 * process CPU time of the loop, their ratio (above 1 only when more than one thread computes),
 * the CPU time of the main thread and of all other threads (Linux /proc; the Emscripten pthread
 * workers are among the others), GFLOP/s, and the 1-minute load average, because on a shared
 * machine the ratio and the speed depend on how many cores are free.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@gradlab/core';

const [M, K, N] = [1000, 784, 500];

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** CPU milliseconds of each thread of this process, by thread id (Linux only; empty elsewhere). */
function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / 100); // utime + stime, 100 ticks/s
    }
  } catch {
    // not Linux: per-thread times are left out
  }
  return out;
}

async function child(threads: number, runs: number): Promise<void> {
  const info = await initBackend({ backend: 'wasm', threads });
  const a = tf.randomUniform([M, K], 0, 1, 'float32', 1);
  const b = tf.randomUniform([K, N], 0, 1, 'float32', 2);
  tf.matMul(a, b).dispose(); // warm-up: XNNPACK packs b once per operator
  const t0 = threadCpuMs();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let r = 0; r < runs; r++) {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(c0);
  const t1 = threadCpuMs();
  let main = 0;
  let others = 0;
  for (const [tid, ms] of t1) {
    const d = ms - (t0.get(tid) ?? 0);
    if (tid === process.pid) main += d;
    else others += d;
  }
  tf.dispose([a, b]);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const line = {
    id: 'wasm-threads-matmul',
    shape: `${M}x${K}x${N}`,
    requested: threads,
    threads: info.threads,
    runs,
    wall_ms: Math.round(wall),
    cpu_ms: Math.round(cpuMs),
    cpu_per_wall: Number((cpuMs / wall).toFixed(2)),
    main_thread_cpu_ms: t1.size > 0 ? Math.round(main) : undefined,
    other_threads_cpu_ms: t1.size > 0 ? Math.round(others) : undefined,
    gflops: Number(((2 * M * K * N * runs) / (wall * 1e6)).toFixed(1)),
    load_1min: Number(loadavg()[0]!.toFixed(1)),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<number> {
  const runs = Number(option('--runs', '10'));
  if (process.argv.includes('--child')) {
    await child(Number(option('--child', '1')), runs);
    return 0;
  }
  const counts = option('--threads', '1,2').split(',').map(Number);
  for (const n of counts) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', String(n), '--runs', String(runs)], { encoding: 'utf8' });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (r.status !== 0 || line === undefined) {
      process.stdout.write(`${JSON.stringify({ id: 'wasm-threads-matmul', requested: n, error: (r.stderr || String(r.error)).trim().split('\n').slice(-2).join(' | ') })}\n`);
      continue;
    }
    process.stdout.write(`${line}\n`);
  }
  return 0;
}

main().then((code) => process.exit(code));
