/**
 * Times one workload in this process: build (untimed), warm up, then `runs` timed runs; reports
 * the median, min and max wall time, the effective GFLOP/s (FLOPs of a run / median time), the
 * process's peak resident set size and tf.memory() after the runs (equal counts after warm-up
 * and after the last run show that nothing leaks). Run one workload per process (`run.ts`
 * does) so the peak RSS is the workload's own.
 */
import { performance } from 'node:perf_hooks';
import { backendInfo, tf } from '@gradlab/core';
import type { Workload, WorkloadSize } from './workload.js';

/** One JSON line of gradlab's side. */
export interface Measurement {
  id: string;
  impl: 'gradlab';
  title: string;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  /** Median CPU time (user + system) of this process per run: robust to other processes on the machine. */
  cpu_ms: number;
  runs: number;
  backend: string;
  simd: boolean;
  threads: number;
  flops: number;
  gflops: number;
  peak_rss_mb: number;
  /** tf.memory().numTensors after the last run (model and data still alive). */
  tf_tensors_after: number;
  /** tf_tensors_after minus the count after warm-up: 0 when nothing leaks. */
  tf_tensors_growth: number;
  /** tf.memory().numTensors after dispose minus before setup: 0 when the workload frees everything. */
  tf_tensors_left: number;
  extra: Record<string, number | string>;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Rounds to 3 significant decimals for printing. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Times `w` (see file comment). */
export async function measure(w: Workload, size: WorkloadSize, runs = w.runs, warmup = w.warmup): Promise<Measurement> {
  const start = tf.memory().numTensors;
  const inst = w.setup(size);
  const cpu: number[] = [];
  const once = (): number => {
    inst.beforeRun?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    inst.run();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    inst.afterRun?.();
    return ms;
  };
  for (let i = 0; i < warmup; i++) once();
  cpu.length = 0;
  const afterWarmup = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(once());
  const after = tf.memory().numTensors;
  const extra = (await inst.extra?.()) ?? {};
  inst.dispose();
  const left = tf.memory().numTensors - start;
  const info = backendInfo();
  const med = median(times);
  const flops = w.flops(size);
  return {
    id: w.id,
    impl: 'gradlab',
    title: w.title,
    median_ms: round(med),
    min_ms: round(Math.min(...times)),
    max_ms: round(Math.max(...times)),
    cpu_ms: round(median(cpu)),
    runs: times.length,
    backend: info.name,
    simd: info.simd,
    threads: info.threads,
    flops,
    gflops: round(flops / (med * 1e6)),
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    tf_tensors_after: after,
    tf_tensors_growth: after - afterWarmup,
    tf_tensors_left: left,
    extra,
  };
}
