/**
 * The contract between the benchmark harness and a workload (W1–W6 of DESIGN.md): a workload
 * builds its model and data once (untimed), then its `run` is timed repeatedly. Each workload
 * is written against the public API of @gradlab/core, @gradlab/rnn and @gradlab/rbm — what a
 * user would call — so the numbers are what a user gets.
 */

/** Identifiers of the six workloads. */
export const WORKLOAD_IDS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'] as const;
/** A workload identifier. */
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

/** Sizes: `full` is the benchmark; `tiny` runs in milliseconds (smoke test). */
export type WorkloadSize = 'full' | 'tiny';

/** One prepared workload: model and data built, ready to be timed. */
export interface WorkloadInstance {
  /** Untimed preparation before each timed run (e.g. a fresh model). */
  beforeRun?(): void;
  /** The timed work. */
  run(): void;
  /** Untimed clean-up after each timed run. */
  afterRun?(): void;
  /** Extra figures measured by the workload itself (e.g. memory inside a chunk), read after the runs. */
  extra?(): Record<string, number | string> | Promise<Record<string, number | string>>;
  /** Frees every tensor the instance owns. */
  dispose(): void;
}

/** A benchmark workload. */
export interface Workload {
  /** W1 … W6. */
  id: WorkloadId;
  /** One line: what is computed. */
  title: string;
  /** Timed runs by default (after warm-up); at least 5. */
  runs: number;
  /** Untimed warm-up runs. */
  warmup: number;
  /** Floating-point operations of one run at a size (see flops.ts for how they are counted). */
  flops(size: WorkloadSize): number;
  /** Builds the model and data (untimed). */
  setup(size: WorkloadSize): WorkloadInstance;
}
