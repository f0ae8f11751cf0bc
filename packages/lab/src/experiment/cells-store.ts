/**
 * On-disk layout of a run's completed cells, which makes runs resumable and shardable:
 *
 * ```
 * OUT/.cells/current                 hash of the config last run here
 * OUT/.cells/<hash>/config.json      { name, size, configHash, config } of that config
 * OUT/.cells/<hash>/<cellId>.meta.json   backend, notices, time of one cell (written first)
 * OUT/.cells/<hash>/<cellId>.csv     the cell's rows (written last: its presence marks the cell done)
 * ```
 *
 * Every file is written atomically, so a killed run leaves complete cells or none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendInfo, ExperimentError, FileFormatError, describeValue, writeFileAtomicSync } from '@gradlab/core';

/** Name of the hidden folder holding completed cells. */
export const CELLS_DIR = '.cells';

/** What `.cells/<hash>/config.json` holds. */
export interface CellsConfig {
  /** Experiment name. */
  name: string;
  /** Size preset the config started from. */
  size: 'quick' | 'full';
  /** The folder's hash (config without seeds). */
  configHash: string;
  /** The full validated config, seeds included (the seeds of the latest run here). */
  config: Record<string, unknown>;
}

/** What `<cellId>.meta.json` holds. */
export interface CellMeta {
  /** Backend that computed the cell. */
  backend: BackendInfo;
  /** Notices the cell gave, deduplicated. */
  notices: string[];
  /** Wall time of the cell in milliseconds. */
  ms: number;
  /** Number of rows. */
  rows: number;
  /**
   * `'diverged'` when the cell reported that its training reached NaN or ±Infinity (data, not a
   * crash). Absent in cells written before this field existed, which means `'ok'`.
   */
  status?: CellStatus | undefined;
  /** Where a diverged cell first went non-finite. */
  divergence?: Divergence | undefined;
}

/** Outcome of a cell. */
export type CellStatus = 'ok' | 'diverged';

/** Where a cell's training first went non-finite (reported by the cell through `ctx.diverged`). */
export interface Divergence {
  /** Training step (or epoch, iteration: the cell's own unit) at which a non-finite value appeared. */
  step: number;
  /** What went non-finite, e.g. `loss = NaN` or `gradient norm = Infinity`. */
  reason: string;
  /** The last finite values the cell saw before it, by name (e.g. `{ loss: 0.31, grad_norm: 8.2e11 }`). */
  lastFinite: Record<string, number>;
}

/** Paths of one config's cells folder. */
export class CellsStore {
  /** `OUT/.cells/<hash>`. */
  readonly dir: string;

  constructor(
    /** The results folder. */
    readonly outDir: string,
    /** The config hash. */
    readonly configHash: string,
  ) {
    this.dir = join(outDir, CELLS_DIR, configHash);
  }

  /** Path of a cell's CSV. */
  csvPath(cellId: string): string {
    return join(this.dir, `${cellId}.csv`);
  }

  /** Path of a cell's metadata. */
  metaPath(cellId: string): string {
    return join(this.dir, `${cellId}.meta.json`);
  }

  /** Whether a cell is complete. */
  has(cellId: string): boolean {
    return existsSync(this.csvPath(cellId));
  }

  /** Writes a cell: metadata first, then the CSV that marks it complete. */
  write(cellId: string, csv: string, meta: CellMeta): void {
    writeFileAtomicSync(this.metaPath(cellId), `${JSON.stringify(meta, null, 2)}\n`);
    writeFileAtomicSync(this.csvPath(cellId), csv);
  }

  /** Reads a cell's CSV text. */
  readCsv(cellId: string): string {
    return readFileSync(this.csvPath(cellId), 'utf8');
  }

  /**
   * Reads a cell's metadata.
   * @throws FileFormatError when it is missing or malformed
   */
  readMeta(cellId: string): CellMeta {
    const path = this.metaPath(cellId);
    try {
      const meta = JSON.parse(readFileSync(path, 'utf8')) as CellMeta;
      if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.notices) || typeof meta.backend?.name !== 'string') {
        throw new Error('expected { backend, notices, ms, rows }');
      }
      return meta;
    } catch (err) {
      throw new FileFormatError(`${path}: cannot read the cell's metadata (${(err as Error).message}); rerun with --fresh`, {
        cause: err,
      });
    }
  }

  /** Writes `config.json` and marks this config as the current one of the folder. */
  writeConfig(config: CellsConfig): void {
    writeFileAtomicSync(join(this.dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    writeFileAtomicSync(join(this.outDir, CELLS_DIR, 'current'), `${this.configHash}\n`);
  }
}

/**
 * Reads the cells config of a results folder: the one named by `.cells/current`, or the one
 * given by `configHash`.
 * @throws ExperimentError when the folder holds no cells; FileFormatError when config.json is malformed
 */
export function readCellsConfig(outDir: string, configHash?: string): CellsConfig {
  let hash = configHash;
  if (hash === undefined) {
    const current = join(outDir, CELLS_DIR, 'current');
    if (!existsSync(current)) {
      throw new ExperimentError(
        `${JSON.stringify(outDir)} holds no experiment cells (no ${CELLS_DIR}/current); expected the --out folder of a gradlab run`,
      );
    }
    hash = readFileSync(current, 'utf8').trim();
  }
  const path = join(outDir, CELLS_DIR, hash, 'config.json');
  if (!existsSync(path)) throw new ExperimentError(`no cells config at ${JSON.stringify(path)}`);
  let parsed: CellsConfig;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as CellsConfig;
  } catch (err) {
    throw new FileFormatError(`${path}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (
    parsed === null || typeof parsed !== 'object' || typeof parsed.name !== 'string' ||
    (parsed.size !== 'quick' && parsed.size !== 'full') || parsed.config === null || typeof parsed.config !== 'object'
  ) {
    throw new FileFormatError(`${path}: expected { name, size, configHash, config }, got ${describeValue(parsed)}`);
  }
  return { ...parsed, configHash: hash };
}
