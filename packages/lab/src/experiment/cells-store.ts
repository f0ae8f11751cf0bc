/**
 * On-disk layout of a run's completed cells, which makes runs resumable and shardable:
 *
 * ```
 * OUT/.cells/current                 hash of the config last run here
 * OUT/.cells/<hash>/config.json      { name, size, configHash, config } of that config
 * OUT/.cells/<hash>/<cellId>.meta.json   backend, notices, time of one cell
 * OUT/.cells/<hash>/<cellId>.csv     the cell's rows
 * OUT/.cells/<hash>/<cellId>.tables/<table>.csv   its rows of each extra table (see extra-tables.ts)
 * OUT/.cells/<hash>/<cellId>.sum.json    identity and sha256 of the files above (written last:
 *                                    its presence marks the cell done; see cell-checksum.ts)
 * ```
 *
 * Every file is written atomically, so a killed run leaves complete cells or none, and a cell
 * whose files no longer match their checksum record is reported and recomputed (`check`).
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BackendInfo,
  ExperimentError,
  FileFormatError,
  describeCause,
  describeValue,
  errorCode,
  fileError,
  writeFileAtomicSync,
} from '@gradlab/core';
import { type CellChecksum, type CellFileSum, type CellIdentity, checksumMismatch, fileSum, sha256Hex } from './cell-checksum.js';

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

/** What `CellsStore.check` found. */
export type CellState = { state: 'missing' } | { state: 'complete' } | { state: 'damaged'; why: string };

/** A verified cell's content. */
export interface StoredCell {
  csv: string;
  meta: CellMeta;
  /** The CSV text of each extra table the store was made for, by name. */
  tables: Record<string, string>;
}

/** Reads a file of a cell, telling a folder, a missing file or an unreadable one apart in words. */
function readCellFile(path: string, what: string): { data: Buffer } | { why: string } {
  try {
    return { data: readFileSync(path) };
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT') return { why: `${what} is missing` };
    if (code === 'EISDIR') return { why: `${what} is a directory` };
    return { why: `${what} cannot be read: ${describeCause(err)}` };
  }
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
    /**
     * The experiment's extra tables: a complete cell stores each of them (a cell stored before
     * the experiment declared one is incomplete, and recomputed).
     */
    readonly tables: readonly string[] = [],
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

  /** Path of a cell's checksum record. */
  sumPath(cellId: string): string {
    return join(this.dir, `${cellId}.sum.json`);
  }

  /** Path of a cell's artifacts folder. */
  artifactsPath(cellId: string): string {
    return join(this.dir, `${cellId}.artifacts`);
  }

  /** Path of a cell's folder of extra tables. */
  tablesPath(cellId: string): string {
    return join(this.dir, `${cellId}.tables`);
  }

  /** Every path a cell may own. */
  private paths(cellId: string): string[] {
    return [this.sumPath(cellId), this.csvPath(cellId), this.metaPath(cellId), this.artifactsPath(cellId), this.tablesPath(cellId)];
  }

  /** Whether any file of a cell is on disk (complete or not). */
  private anyFile(cellId: string): boolean {
    return this.paths(cellId).some((p) => existsSync(p));
  }

  /**
   * Whether a cell is complete: its checksum record exists, names this cell, and every file it
   * lists has the recorded size and sha256. Never throws: an unreadable cell is damaged.
   */
  check(identity: CellIdentity): CellState {
    const r = this.verify(identity);
    if ('why' in r) return r.why === '' ? { state: 'missing' } : { state: 'damaged', why: r.why };
    return { state: 'complete' };
  }

  /** Whether a cell is complete (see `check`). */
  has(identity: CellIdentity): boolean {
    return this.check(identity).state === 'complete';
  }

  /**
   * Reads a complete cell, verifying it against its checksum record.
   * @throws ExperimentError `cell X: damaged (why)` when it is missing or does not match
   */
  read(identity: CellIdentity): StoredCell {
    const r = this.verify(identity);
    if ('why' in r) throw new ExperimentError(`cell ${identity.cell}: damaged (${r.why === '' ? 'it is missing' : r.why})`);
    return r;
  }

  /** The cell's content when it matches its record; else why not (`''`: no file of it exists). */
  private verify(identity: CellIdentity): StoredCell | { why: string } {
    const id = identity.cell;
    const sumText = readCellFile(this.sumPath(id), 'its checksum record');
    if ('why' in sumText) {
      if (!this.anyFile(id)) return { why: '' };
      return { why: existsSync(this.sumPath(id)) ? sumText.why : 'it has no checksum record (cut short, or written by an older gradlab)' };
    }
    let record: unknown;
    try {
      record = JSON.parse(sumText.data.toString('utf8'));
    } catch {
      return { why: 'its checksum record is not valid JSON' };
    }
    const mismatch = checksumMismatch(record, identity);
    if (mismatch !== undefined) return { why: mismatch };
    const files = (record as CellChecksum).files;
    const csvName = `${id}.csv`;
    const metaName = `${id}.meta.json`;
    if (!files.some((f) => f.path === csvName) || !files.some((f) => f.path === metaName)) {
      return { why: 'its checksum record does not list the CSV and metadata' };
    }
    const tableName = (t: string) => `${id}.tables/${t}.csv`;
    const unlisted = this.tables.find((t) => !files.some((f) => f.path === tableName(t)));
    if (unlisted !== undefined) return { why: `its checksum record does not list its ${JSON.stringify(unlisted)} table (stored before the experiment declared it)` };
    const tablesPrefix = `${id}.tables/`;
    const contents = new Map<string, Buffer>();
    for (const f of files) {
      if (f.path.includes('..') || f.path.startsWith('/')) return { why: 'its checksum record lists a path outside the cells folder' };
      const what =
        f.path === csvName
          ? 'its CSV'
          : f.path === metaName
            ? 'its metadata'
            : f.path.startsWith(tablesPrefix)
              ? `its ${JSON.stringify(f.path.slice(tablesPrefix.length, -4))} table`
              : `its artifact ${JSON.stringify(f.path.slice(id.length + 11))}`;
      const got = readCellFile(join(this.dir, f.path), what);
      if ('why' in got) return got;
      if (got.data.byteLength !== f.bytes) return { why: `${what} is ${got.data.byteLength} bytes, the checksum record says ${f.bytes}` };
      if (sha256Hex(got.data) !== f.sha256) return { why: `${what} does not match its sha256` };
      contents.set(f.path, got.data);
    }
    let meta: CellMeta;
    try {
      meta = parseMeta(contents.get(metaName)!.toString('utf8'));
    } catch {
      return { why: 'its metadata is malformed' };
    }
    const tables = Object.fromEntries(this.tables.map((t) => [t, contents.get(tableName(t))!.toString('utf8')]));
    return { csv: contents.get(csvName)!.toString('utf8'), meta, tables };
  }

  /**
   * Deletes every file of a cell (before recomputing it).
   * @throws GradlabError `E_IO` naming the path when one cannot be removed
   */
  remove(cellId: string): void {
    for (const p of this.paths(cellId)) {
      try {
        rmSync(p, { recursive: true, force: true });
      } catch (err) {
        throw fileError('remove', p, err);
      }
    }
  }

  /**
   * Writes a cell: metadata, CSV and extra tables, then the checksum record (over them and the
   * artifacts the cell stored) that marks it complete.
   * @param tables CSV text of each extra table, by name (every one of `this.tables`)
   */
  write(identity: CellIdentity, csv: string, meta: CellMeta, tables: Readonly<Record<string, string>> = {}): void {
    const id = identity.cell;
    const metaText = `${JSON.stringify(meta, null, 2)}\n`;
    writeFileAtomicSync(this.metaPath(id), metaText);
    writeFileAtomicSync(this.csvPath(id), csv);
    const files: CellFileSum[] = [fileSum(`${id}.csv`, csv), fileSum(`${id}.meta.json`, metaText)];
    for (const t of this.tables) {
      const text = tables[t];
      if (text === undefined) throw new ExperimentError(`cell ${id}: expected the rows of its ${JSON.stringify(t)} table, got none`);
      writeFileAtomicSync(join(this.tablesPath(id), `${t}.csv`), text);
      files.push(fileSum(`${id}.tables/${t}.csv`, text));
    }
    const artifacts = this.artifactsPath(id);
    if (existsSync(artifacts)) {
      for (const name of readdirSync(artifacts).filter((f) => !f.startsWith('.')).sort()) {
        const path = join(artifacts, name);
        if (statSync(path).isFile()) files.push(fileSum(`${id}.artifacts/${name}`, readFileSync(path)));
      }
    }
    const record: CellChecksum = { ...identity, files };
    writeFileAtomicSync(this.sumPath(id), `${JSON.stringify(record, null, 2)}\n`);
  }

  /**
   * Reads a cell's metadata.
   * @throws FileFormatError when it is missing or malformed
   */
  readMeta(cellId: string): CellMeta {
    const path = this.metaPath(cellId);
    try {
      return parseMeta(readFileSync(path, 'utf8'));
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

/** Parses a cell's metadata. @throws Error when it is not `{ backend, notices, ms, rows }` */
function parseMeta(text: string): CellMeta {
  const meta = JSON.parse(text) as CellMeta;
  if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.notices) || typeof meta.backend?.name !== 'string') {
    throw new Error('expected { backend, notices, ms, rows }');
  }
  return meta;
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
    try {
      hash = readFileSync(current, 'utf8').trim();
    } catch (err) {
      throw fileError('read', current, err);
    }
  }
  const path = join(outDir, CELLS_DIR, hash, 'config.json');
  if (!existsSync(path)) throw new ExperimentError(`no cells config at ${JSON.stringify(path)}`);
  let parsed: CellsConfig;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fileError('read', path, err);
  }
  try {
    parsed = JSON.parse(text) as CellsConfig;
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
