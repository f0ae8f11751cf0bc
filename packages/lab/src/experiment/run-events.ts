/**
 * Events a run reports through `onEvent`, for the CLI (progress bar or plain lines) or any
 * other front end. The runner itself never prints.
 */
import type { CellStatus } from './cells-store.js';
import type { Shard } from './shard.js';

/** Everything `runExperiment` and `mergeExperiment` report, as they happen. */
export type RunEvent =
  /** The cells of this run are known: `total` to run here, of `gridTotal` in the whole grid. */
  | { type: 'plan'; name: string; total: number; gridTotal: number; shard: Shard | undefined; configHash: string }
  /** A cell (0-based `index` of `total` in this run) starts. */
  | { type: 'cell-start'; name: string; cellId: string; index: number; total: number }
  /** The running cell reported progress (a fraction in [0, 1]). */
  | { type: 'cell-progress'; name: string; cellId: string; index: number; total: number; fraction: number }
  /** A cell finished and its rows are on disk; `status` is `'diverged'` when its training went non-finite. */
  | { type: 'cell-done'; name: string; cellId: string; index: number; total: number; ms: number; rows: number; status?: CellStatus }
  /** A cell was already on disk from an earlier run (resume). */
  | { type: 'cell-skipped'; name: string; cellId: string; index: number; total: number }
  /** A stored cell did not match its checksum record (`reason`, in words); it is recomputed. */
  | { type: 'cell-damaged'; name: string; cellId: string; index: number; total: number; reason: string }
  /** The lock on OUT: waiting for its holder (named), or taking over a stale one. */
  | { type: 'lock'; name: string; message: string }
  /** A cell threw; the error propagates from `runExperiment` right after this event. */
  | { type: 'cell-failed'; name: string; cellId: string; index: number; total: number; error: unknown }
  /** A notice, reported once per run the first time any cell gives it. */
  | { type: 'notice'; name: string; message: string; cellId: string | undefined }
  /** The main CSV, the plots and the manifest are written. */
  | { type: 'assembled'; name: string; csv: string; plots: string[]; manifest: string; rows: number };

/** Receives run events. */
export type RunEventHandler = (event: RunEvent) => void;
