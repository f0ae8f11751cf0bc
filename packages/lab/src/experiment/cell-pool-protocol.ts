/** Messages between a `CellPool` and its worker processes (plain JSON over the IPC channel). */
import type { BackendInfo, GradlabErrorCode } from '@gradlab/core';
import type { CellStatus, Divergence } from './cells-store.js';

/** Parent → worker: run one cell of an experiment and store it. */
export interface WorkerRequest {
  job: number;
  /** Experiment name (looked up among the worker module's exports). */
  name: string;
  /** The validated config (the worker plans the same cells from it). */
  config: Record<string, unknown>;
  configHash: string;
  /** Grid position and id of the cell (the id is checked). */
  position: number;
  cellId: string;
  outDir: string;
  dataDir: string | undefined;
  failOnNonFinite: boolean;
}

/** An error carried across the process boundary. */
export interface WorkerError {
  message: string;
  stack: string | undefined;
  code: GradlabErrorCode | undefined;
  hint: string | undefined;
}

/** Worker → parent. */
export type WorkerReply =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'notice'; job: number; message: string }
  | { type: 'progress'; job: number; fraction: number }
  | { type: 'done'; job: number; ms: number; rows: number; status: CellStatus; divergence: Divergence | undefined }
  | { type: 'failed'; job: number; error: WorkerError }
  | { type: 'fatal'; error: WorkerError };
