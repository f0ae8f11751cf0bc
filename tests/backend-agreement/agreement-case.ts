/**
 * A backend-agreement case: a deterministic computation (fixed seeds, randomness drawn in JS
 * by `Rng`) that builds its own model and data on the active backend and returns named outputs.
 */
import type { CaseOutputs } from './compare.js';

/** One row of the agreement matrix. */
export interface AgreementCase {
  /** Model family, e.g. 'rnn LSTM'. */
  family: string;
  /** The case within the family, e.g. 'bptt + truncated step'. */
  name: string;
  /** Computes the outputs on the active backend; frees every tensor it made. */
  run(): CaseOutputs;
}
