/**
 * Error classes shared by every gradlab package. Each carries a stable `code` so callers (and
 * the CLI, which maps them to exit code 2) can branch on the kind of failure without parsing
 * the message, and each message names the field, the value and what was expected.
 */

/** Stable error codes. Never renumber or rename: scripts branch on them. */
export type GradlabErrorCode =
  | 'E_INVALID_ARGUMENT'
  | 'E_SHAPE'
  | 'E_FILE_FORMAT'
  | 'E_BACKEND'
  | 'E_EXPERIMENT'
  | 'E_IO'
  | 'E_NONFINITE'
  | 'E_INTERRUPTED';

/** Base class of every error gradlab throws on purpose. */
export class GradlabError extends Error {
  /** Stable machine-readable code. */
  readonly code: GradlabErrorCode;
  /** Optional one-line hint on how to fix the input. */
  readonly hint: string | undefined;

  constructor(code: GradlabErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options?.hint;
  }
}

/** A value given by the caller is outside what the entry point accepts. */
export class ValidationError extends GradlabError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('E_INVALID_ARGUMENT', message, options);
  }
}

/** Tensor shapes do not fit together. */
export class ShapeError extends GradlabError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('E_SHAPE', message, options);
  }
}

/** A file (IDX, CSV, safetensors, manifest) is malformed or does not match what was expected. */
export class FileFormatError extends GradlabError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('E_FILE_FORMAT', message, options);
  }
}

/** A requested tensor backend cannot be loaded. */
export class BackendError extends GradlabError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('E_BACKEND', message, options);
  }
}

/** An experiment name, grid or output directory is wrong. */
export class ExperimentError extends GradlabError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('E_EXPERIMENT', message, options);
  }
}

/** Training reached NaN or ±Infinity and the caller asked for a hard stop (`--fail-on-nonfinite`). */
export class NonFiniteError extends GradlabError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('E_NONFINITE', message, options);
  }
}

/** A run was stopped by a signal (SIGINT, SIGTERM) or an abort; completed cells are kept. */
export class InterruptedError extends GradlabError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super('E_INTERRUPTED', message, options);
  }
}

/** Formats a value for an error message: short, unambiguous, never the whole of a big array. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length > 8) return `an array of length ${value.length}`;
    return `[${value.map(describeValue).join(', ')}]`;
  }
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'object') {
    // Keys that are not plain names are quoted, so a message stays on one line whatever the input.
    const keys = Object.keys(value as object).map((k) => (/^[\w$.-]+$/.test(k) ? k : JSON.stringify(k)));
    return keys.length <= 6 ? `an object with keys {${keys.join(', ')}}` : `an object with ${keys.length} keys`;
  }
  return typeof value;
}

/**
 * Builds the house-style message `where: expected field to be expected, got value`.
 * @example invalidArgument('LSTM', 'hiddenSize', 12.5, 'a positive integer')
 */
export function invalidArgument(where: string, field: string, value: unknown, expected: string): ValidationError {
  return new ValidationError(`${where}: expected ${field} to be ${expected}, got ${describeValue(value)}`);
}
