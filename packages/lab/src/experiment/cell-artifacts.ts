/**
 * Cell artifacts: extra files an experiment cell produces besides its rows — trained weights
 * (safetensors), image grids (SVG/PNG), anything a reader of results/ should get. A cell writes
 * them through `ctx.artifact(file, data)` while it runs; they are stored beside the cell,
 *
 * ```
 * OUT/.cells/<hash>/<cellId>.artifacts/<file>
 * ```
 *
 * before its checksum record marks it complete (the record covers them too, so a resumed run
 * never keeps artifacts of a half-done or damaged cell), and at assembly they are written into
 * the results folder with the other outputs and listed, with their sha256, in the manifest. File names are plain (no folders) and must be distinct across the
 * cells of a run: derive them from the cell (e.g. `weights-pcd-seed1.safetensors`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExperimentError, ValidationError, describeValue, writeFileAtomicSync } from '@gradlab/core';
import type { CellsStore } from './cells-store.js';

/** Allowed artifact file names: a plain name with an extension, no path separators. */
export const ARTIFACT_FILE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*\.[A-Za-z0-9]+$/;

/** Names an artifact may not take (the run's own outputs). */
const RESERVED = new Set(['manifest.json']);

/** The folder holding one cell's artifacts. */
export function cellArtifactsDir(store: CellsStore, cellId: string): string {
  return join(store.dir, `${cellId}.artifacts`);
}

/**
 * Stores one artifact of a cell, atomically.
 * @param file plain file name (see {@link ARTIFACT_FILE_PATTERN}), e.g. `weights-seed1.safetensors`
 * @param data bytes or UTF-8 text
 * @throws ValidationError for a bad name or data
 */
export function writeCellArtifact(store: CellsStore, cellId: string, experiment: string, file: string, data: Uint8Array | string): void {
  if (typeof file !== 'string' || !ARTIFACT_FILE_PATTERN.test(file) || RESERVED.has(file) || file === `${experiment}.csv`) {
    throw new ValidationError(
      `${experiment}: expected an artifact file name to be a plain name with an extension (letters, digits, . _ -), other than manifest.json and ${experiment}.csv, got ${describeValue(file)}`,
    );
  }
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new ValidationError(`${experiment}: expected artifact ${JSON.stringify(file)} to be a Uint8Array or a string, got ${describeValue(data)}`);
  }
  writeFileAtomicSync(join(cellArtifactsDir(store, cellId), file), data);
}

/**
 * Gathers every cell's artifacts for the results folder, in grid order (the caller writes them
 * with the other outputs, all together).
 * @param cellIds the run's cells, in grid order
 * @param taken file names already used by the run's outputs (CSV, plots)
 * @returns each file name (grid order, then by name) with its bytes
 * @throws ExperimentError when two cells (or a cell and a plot) use the same file name
 */
export function collectCellArtifacts(
  store: CellsStore,
  cellIds: readonly string[],
  experiment: string,
  taken: readonly string[],
): { file: string; data: Buffer }[] {
  const seen = new Map<string, string>(taken.map((f) => [f, 'the run outputs']));
  const out: { file: string; data: Buffer }[] = [];
  for (const id of cellIds) {
    const dir = cellArtifactsDir(store, id);
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir)
      .filter((f) => ARTIFACT_FILE_PATTERN.test(f))
      .sort();
    for (const f of files) {
      const owner = seen.get(f);
      if (owner !== undefined) {
        throw new ExperimentError(`${experiment}: artifact ${JSON.stringify(f)} of cell ${id} clashes with ${owner}; expected artifact names to be distinct across cells (include the cell and seed in the name)`);
      }
      seen.set(f, `cell ${id}`);
      out.push({ file: f, data: readFileSync(join(dir, f)) });
    }
  }
  return out;
}
