/**
 * The checksum record of a stored cell, `<cellId>.sum.json`: the cell's identity (experiment,
 * config hash, cell id, seed) and the size and sha256 of each of its files (rows, metadata,
 * artifacts). It is written atomically after those files, so its presence marks the cell
 * complete, and a resumed run reuses a cell only when every file still matches it. A cell cut
 * short, edited, swapped with another cell's, overwritten with junk or replaced by a folder is
 * found and recomputed, never reused.
 */
import { createHash } from 'node:crypto';

/** One file of a cell, as its checksum record lists it. */
export interface CellFileSum {
  /** Path relative to the cells folder (`<cellId>.csv`, `<cellId>.artifacts/w.safetensors`). */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the content. */
  sha256: string;
}

/** What `<cellId>.sum.json` holds. */
export interface CellChecksum {
  /** Experiment name. */
  experiment: string;
  /** The config hash of the cells folder. */
  configHash: string;
  /** The cell id (with its seed). */
  cell: string;
  /** The cell's seed. */
  seed: number;
  /** Every file of the cell. */
  files: CellFileSum[];
}

/** Who a stored cell must be. */
export type CellIdentity = Omit<CellChecksum, 'files'>;

/** sha256 of bytes, hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The entry of one file. */
export function fileSum(path: string, data: string | Uint8Array): CellFileSum {
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
  return { path, bytes, sha256: sha256Hex(data) };
}

/**
 * Checks a parsed record against the identity wanted.
 * @returns why it does not fit, or undefined when it does
 */
export function checksumMismatch(record: unknown, want: CellIdentity): string | undefined {
  const r = record as Partial<CellChecksum> | null;
  if (r === null || typeof r !== 'object' || !Array.isArray(r.files)) return 'its checksum record is malformed';
  const filesOk = r.files.every(
    (f) => f !== null && typeof f === 'object' && typeof f.path === 'string' && typeof f.sha256 === 'string' && Number.isSafeInteger(f.bytes),
  );
  if (!filesOk) return 'its checksum record is malformed';
  if (r.experiment !== want.experiment) return 'its checksum record belongs to another experiment';
  if (r.configHash !== want.configHash) return 'its checksum record belongs to another config';
  if (r.cell !== want.cell || r.seed !== want.seed) return 'its checksum record belongs to another cell';
  return undefined;
}

/** The identity of a planned cell of an experiment's config. */
export function cellIdentity(experiment: string, configHash: string, planned: { id: string; seed: number }): CellIdentity {
  return { experiment, configHash, cell: planned.id, seed: planned.seed };
}
