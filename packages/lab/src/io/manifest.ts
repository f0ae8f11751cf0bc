/**
 * The run manifest (`manifest.json`): everything needed to say what produced a results folder —
 * config, seeds, backend, package versions, git commit, Node version, start and end time,
 * notices (e.g. "synthetic data used") — and the size and sha256 of every output file, so a
 * reader (or CI) can check with `verifyManifest` that the files are the ones the run wrote.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendInfo, FileFormatError, GradlabError, ValidationError, describeValue, writeFileAtomic } from '@gradlab/core';

/** File name of the manifest inside a results folder. */
export const MANIFEST_FILE = 'manifest.json';
/** Version of the manifest layout; bumped when a field changes meaning. */
export const MANIFEST_FORMAT_VERSION = 1;

/** One output file listed in a manifest. */
export interface ManifestOutput {
  /** Path relative to the manifest's folder, with `/` separators. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the content. */
  sha256: string;
  /** Data rows (below the header) of a CSV output; absent for other files and in older manifests. */
  rows?: number | undefined;
}

/** How many cells a run had and how many of them diverged (went NaN / ±Infinity). */
export interface ManifestCells {
  /** Cells in the grid (cells × seeds). */
  total: number;
  /** Cells whose training reported a non-finite value. */
  diverged: number;
}

/** One diverged cell, as listed in a manifest (its `Divergence`, with the cell id). */
export interface ManifestDivergence {
  /** The cell id (e.g. `model=rnn-tanh,rho=3,seed=2`). */
  cell: string;
  /** Training step (or epoch) at which a non-finite value appeared. */
  step: number;
  /** What went non-finite. */
  reason: string;
  /** The last finite values before it, by name. */
  lastFinite: Record<string, number>;
}

/** The content of `manifest.json`. */
export interface Manifest {
  /** Layout version (`MANIFEST_FORMAT_VERSION`). */
  formatVersion: number;
  /** Experiment name. */
  name: string;
  /** The question the experiment answers. */
  description: string;
  /** Size preset the config started from (`quick` or `full`), when there is one. */
  size?: string | undefined;
  /** The full, validated config (seeds included). */
  config: unknown;
  /** Hash of the config without seeds (the `.cells/<hash>` folder), when there is one. */
  configHash?: string | undefined;
  /** Seeds run. */
  seeds: number[];
  /** Backend that computed the results. */
  backend: BackendInfo;
  /** Versions of the gradlab packages and of tfjs / vega. */
  packages: Record<string, string>;
  /** `git rev-parse HEAD` of the working tree, or null outside a git repository. */
  gitCommit: string | null;
  /** `process.version`. */
  node: string;
  /** ISO 8601 start time. */
  started: string;
  /** ISO 8601 end time. */
  finished: string;
  /** Things a reader must know about the results (deduplicated, in first-seen order). */
  notices: string[];
  /** Every output file, in the order given. */
  outputs: ManifestOutput[];
  /** Cells run and diverged; absent in manifests written before it existed. */
  cells?: ManifestCells | undefined;
  /** The diverged cells in grid order; absent when none diverged. */
  diverged?: ManifestDivergence[] | undefined;
}

/** What `writeManifest` takes: a manifest whose outputs are paths still to be hashed. */
export type ManifestInput = Omit<Manifest, 'formatVersion' | 'outputs' | 'node' | 'packages' | 'gitCommit'> & {
  /** Output files, relative to the manifest's folder. */
  outputs: readonly string[];
  /** Default `packageVersions()`. */
  packages?: Record<string, string> | undefined;
  /** Default `gitCommit(process.cwd())`, null when not a repository. */
  gitCommit?: string | null | undefined;
  /** Default `process.version`. */
  node?: string | undefined;
};

/** One disagreement found by `verifyManifest`. */
export interface ManifestProblem {
  /** Output path as listed. */
  path: string;
  /** What is wrong. */
  kind: 'missing' | 'bytes' | 'sha256' | 'rows';
  /** Listed value. */
  expected: string;
  /** Value on disk ('' when missing). */
  actual: string;
}

/** Result of `verifyManifest`. */
export interface ManifestVerification {
  /** The manifest read. */
  manifest: Manifest;
  /** True when every output exists with the listed size and hash. */
  ok: boolean;
  /** Each disagreement, in manifest order. */
  problems: ManifestProblem[];
}

/**
 * Lower-case hex sha256 of a file's content (streamed).
 * @throws GradlabError `E_IO` when the file cannot be read
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (err) =>
        reject(new GradlabError('E_IO', `sha256File: cannot read ${JSON.stringify(path)}: ${err.message}`, { cause: err })),
      )
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * The commit checked out in `cwd` (`git rev-parse HEAD`), or undefined when `cwd` is not in a
 * git repository, git is not installed, or anything else fails. Never throws.
 */
export function gitCommit(cwd: string = process.cwd()): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function readJson(path: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}

/** Version of an installed package, found the way Node resolves it from this file. */
function installedVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    // Packages whose `exports` hide package.json: walk up the node_modules folders.
    for (let dir = here; ; dir = dirname(dir)) {
      const pkg = readJson(join(dir, 'node_modules', name, 'package.json'));
      if (pkg?.version !== undefined) return pkg.version;
      if (dirname(dir) === dir) return undefined;
    }
  }
}

/**
 * Versions of the gradlab packages of this workspace (`@gradlab/*`) and of the libraries whose
 * version changes results or plots (`@tensorflow/tfjs`, `vega`, `vega-lite`), sorted by name.
 * Packages that cannot be found are left out.
 */
export function packageVersions(): Record<string, string> {
  const found: Record<string, string> = {};
  const coreRoot = join(here, '..', '..');
  const candidates = [join(coreRoot, 'package.json')];
  const packagesDir = dirname(coreRoot);
  try {
    for (const d of readdirSync(packagesDir)) candidates.push(join(packagesDir, d, 'package.json'));
  } catch {
    // not a workspace checkout
  }
  candidates.push(join(dirname(packagesDir), 'experiments', 'package.json'));
  for (const path of candidates) {
    const pkg = readJson(path);
    if (pkg?.name?.startsWith('@gradlab/') && pkg.version !== undefined) found[pkg.name] = pkg.version;
  }
  for (const name of ['@tensorflow/tfjs', 'vega', 'vega-lite']) {
    const v = installedVersion(name);
    if (v !== undefined) found[name] = v;
  }
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function checkOutputPath(path: unknown): string {
  if (typeof path !== 'string' || path === '' || isAbsolute(path) || normalize(path).split(sep).includes('..')) {
    throw new ValidationError(
      `writeManifest: expected every output to be a relative path inside the folder, got ${describeValue(path)}`,
    );
  }
  return path.split(sep).join('/');
}

/**
 * Hashes the outputs and writes `dir/manifest.json` atomically (2-space JSON, trailing newline).
 * Write it last: it lists the files as they are when it is written.
 * @param dir the results folder; output paths are relative to it
 * @returns the manifest written
 * @throws ValidationError for an absolute or escaping output path; GradlabError `E_IO` when an
 *   output cannot be read or the manifest cannot be written
 */
export async function writeManifest(dir: string, input: ManifestInput): Promise<Manifest> {
  const outputs: ManifestOutput[] = [];
  for (const raw of input.outputs) {
    const path = checkOutputPath(raw);
    const full = join(dir, path);
    let bytes: number;
    try {
      bytes = statSync(full).size;
    } catch (err) {
      throw new GradlabError('E_IO', `writeManifest: output ${JSON.stringify(path)} does not exist in ${JSON.stringify(dir)}`, {
        cause: err,
      });
    }
    outputs.push({ path, bytes, sha256: await sha256File(full) });
  }
  const manifest = buildManifest(input, outputs);
  await writeFileAtomic(join(dir, MANIFEST_FILE), manifestText(manifest));
  return manifest;
}

/**
 * The manifest of outputs already hashed (e.g. from the bytes about to be written, so it vouches
 * for exactly those).
 * @throws ValidationError for an absolute or escaping output path
 */
export function buildManifest(input: Omit<ManifestInput, 'outputs'>, outputs: readonly ManifestOutput[]): Manifest {
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: input.name,
    description: input.description,
    ...(input.size !== undefined ? { size: input.size } : {}),
    config: input.config,
    ...(input.configHash !== undefined ? { configHash: input.configHash } : {}),
    seeds: [...input.seeds],
    backend: input.backend,
    packages: input.packages ?? packageVersions(),
    gitCommit: input.gitCommit !== undefined ? input.gitCommit : (gitCommit() ?? null),
    node: input.node ?? process.version,
    started: input.started,
    finished: input.finished,
    notices: [...new Set(input.notices)],
    outputs: outputs.map((o) => ({ ...o, path: checkOutputPath(o.path) })),
    ...(input.cells !== undefined ? { cells: { total: input.cells.total, diverged: input.cells.diverged } } : {}),
    ...(input.diverged !== undefined && input.diverged.length > 0 ? { diverged: input.diverged.map((d) => ({ ...d })) } : {}),
  };
}

/** The bytes of `manifest.json` (2-space JSON, trailing newline). */
export function manifestText(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Reads `dir/manifest.json`.
 * @throws FileFormatError when it is missing, not JSON, or lacks the outputs list
 */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new FileFormatError(`readManifest: no ${MANIFEST_FILE} in ${JSON.stringify(dir)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new FileFormatError(`readManifest: ${JSON.stringify(path)} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const outputs = (parsed as { outputs?: unknown } | null)?.outputs;
  if (
    !Array.isArray(outputs) ||
    !outputs.every(
      (o) => o !== null && typeof o === 'object' && typeof o.path === 'string' && typeof o.sha256 === 'string' && typeof o.bytes === 'number',
    )
  ) {
    throw new FileFormatError(
      `readManifest: expected outputs in ${JSON.stringify(path)} to be an array of { path, bytes, sha256 }, got ${describeValue(outputs)}`,
    );
  }
  const { cells, diverged } = parsed as { cells?: unknown; diverged?: unknown };
  if (
    cells !== undefined &&
    (cells === null || typeof cells !== 'object' || !Number.isInteger((cells as ManifestCells).total) || !Number.isInteger((cells as ManifestCells).diverged))
  ) {
    throw new FileFormatError(`readManifest: expected cells in ${JSON.stringify(path)} to be { total, diverged } integers, got ${describeValue(cells)}`);
  }
  if (
    diverged !== undefined &&
    (!Array.isArray(diverged) || !diverged.every((d) => d !== null && typeof d === 'object' && typeof (d as ManifestDivergence).cell === 'string'))
  ) {
    throw new FileFormatError(`readManifest: expected diverged in ${JSON.stringify(path)} to be an array of { cell, step, reason, lastFinite }, got ${describeValue(diverged)}`);
  }
  return parsed as Manifest;
}

/** Data rows of a CSV text written by `toCsv` (records below the header; quoted newlines do not count). */
export function countCsvRows(text: string): number {
  let records = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' && !quoted) records += 1;
  }
  if (text.length > 0 && !text.endsWith('\n')) records += 1;
  return Math.max(0, records - 1);
}

/**
 * Recomputes the size and sha256 of every output listed in `dir/manifest.json`.
 * @returns the manifest and each disagreement; `ok` is true when there is none
 * @throws FileFormatError when the manifest is missing or malformed
 * @example expect((await verifyManifest('results/depth-gradients')).problems).toEqual([])
 */
export async function verifyManifest(dir: string): Promise<ManifestVerification> {
  const manifest = await readManifest(dir);
  const problems: ManifestProblem[] = [];
  for (const out of manifest.outputs) {
    const full = join(dir, checkOutputPath(out.path));
    if (!existsSync(full)) {
      problems.push({ path: out.path, kind: 'missing', expected: out.sha256, actual: '' });
      continue;
    }
    const st = statSync(full);
    if (!st.isFile()) {
      problems.push({ path: out.path, kind: 'missing', expected: out.sha256, actual: 'not a file' });
      continue;
    }
    const bytes = st.size;
    if (bytes !== out.bytes) {
      problems.push({ path: out.path, kind: 'bytes', expected: String(out.bytes), actual: String(bytes) });
      continue;
    }
    const sha = await sha256File(full);
    if (sha !== out.sha256) {
      problems.push({ path: out.path, kind: 'sha256', expected: out.sha256, actual: sha });
      continue;
    }
    if (out.rows !== undefined) {
      const rows = countCsvRows(await readFile(full, 'utf8'));
      if (rows !== out.rows) problems.push({ path: out.path, kind: 'rows', expected: String(out.rows), actual: String(rows) });
    }
  }
  return { manifest, ok: problems.length === 0, problems };
}
