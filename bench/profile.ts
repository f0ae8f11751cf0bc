/**
 * Where the time of one run goes: `tf.profile` around a run (after warm-up) gives every kernel
 * the run dispatched with its time inside the backend; summed by kernel name, against the
 * run's wall time, this shows the kernel count and the share of dispatch overhead (wall time
 * not spent inside kernels).
 */
import { performance } from 'node:perf_hooks';
import { tf } from '@gradlab/core';
import { round } from './measure.js';
import type { Workload, WorkloadSize } from './workload.js';

/** Time and count of one kernel name over a profiled run. */
export interface KernelShare {
  kernel: string;
  count: number;
  ms: number;
}

/** The profile of one run. */
export interface RunProfile {
  id: string;
  profile: true;
  /** Wall time of the profiled run (profiling itself adds a readback per kernel). */
  wall_ms: number;
  /** Wall time of an unprofiled run just before. */
  plain_ms: number;
  kernels: number;
  kernel_ms: number;
  /** Top kernels by time. */
  top: KernelShare[];
}

/** Profiles one run of `w` after `warmup` runs. */
export async function profileWorkload(w: Workload, size: WorkloadSize, warmup = w.warmup): Promise<RunProfile> {
  const inst = w.setup(size);
  try {
    for (let i = 0; i < warmup; i++) {
      inst.beforeRun?.();
      inst.run();
      inst.afterRun?.();
    }
    inst.beforeRun?.();
    let t0 = performance.now();
    inst.run();
    const plain = performance.now() - t0;
    inst.afterRun?.();
    inst.beforeRun?.();
    t0 = performance.now();
    const info = await tf.profile(() => inst.run());
    const wall = performance.now() - t0;
    inst.afterRun?.();
    const byName = new Map<string, KernelShare>();
    let total = 0;
    for (const k of info.kernels) {
      const ms = Number(await k.kernelTimeMs);
      total += ms;
      const s = byName.get(k.name) ?? { kernel: k.name, count: 0, ms: 0 };
      s.count++;
      s.ms += ms;
      byName.set(k.name, s);
    }
    const top = [...byName.values()].sort((a, b) => b.ms - a.ms).map((s) => ({ ...s, ms: round(s.ms) }));
    return { id: w.id, profile: true, wall_ms: round(wall), plain_ms: round(plain), kernels: info.kernels.length, kernel_ms: round(total), top };
  } finally {
    inst.dispose();
  }
}
