/**
 * The wasm thread count `gradlab run` uses when neither `--threads` nor `GRADLAB_WASM_THREADS`
 * gives one: the cores shared out among the processes of the run. Measured (BENCHMARKS.md): one
 * job on 2 threads of this 2-core machine ran 5 of the 6 workloads 1.1–1.6× faster than on 1
 * (the sixth, W6, 0.9×), with the same bits; 2 worker processes of 1 thread each keep both
 * cores busy without oversubscribing them.
 */
import { availableParallelism } from 'node:os';
import { MAX_WASM_THREADS, type BackendInfo } from '@gradlab/core';

/**
 * Threads per process for a run of `jobs` processes: undefined to keep what the backend loaded
 * with (a non-wasm backend, or a count chosen by `GRADLAB_WASM_THREADS`), else
 * ⌊cores / jobs⌋ within [1, MAX_WASM_THREADS], where cores is `SLURM_CPUS_PER_TASK` in a Slurm
 * job (the cores it was given) and the machine's otherwise.
 */
export function defaultThreads(
  jobs: number,
  backend: Pick<BackendInfo, 'name'>,
  env: Record<string, string | undefined> = process.env,
  cores: number = availableParallelism(),
): number | undefined {
  if (backend.name !== 'wasm') return undefined;
  const fromEnv = env['GRADLAB_WASM_THREADS'];
  if (fromEnv !== undefined && fromEnv !== '') return undefined;
  const slurm = Number(env['SLURM_CPUS_PER_TASK']);
  const available = Number.isSafeInteger(slurm) && slurm > 0 ? slurm : cores;
  return Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(available / Math.max(1, jobs))));
}
