/**
 * `gradlab verify [DIR]`: checks results folders against their manifests — every listed output
 * must exist with the recorded size, sha256 and (for CSVs) row count. DIR is one results folder
 * (it holds a manifest.json) or a folder of them (default `results/`). Prints one line per
 * folder and one per difference; the command exits 1 when anything differs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GradlabError, ValidationError, fileError } from '@gradlab/core';
import { MANIFEST_FILE, verifyManifest, type ManifestProblem } from '../io/manifest.js';

/** What `verifyResults` found in one folder. */
export interface FolderVerification {
  /** The results folder. */
  dir: string;
  /** Outputs listed by its manifest. */
  files: number;
  /** Each difference, in words (empty when the folder matches). */
  problems: string[];
}

function describeProblem(p: ManifestProblem): string {
  switch (p.kind) {
    case 'missing':
      return `${p.path}: missing`;
    case 'bytes':
      return `${p.path}: ${p.actual} bytes on disk, the manifest says ${p.expected}`;
    case 'sha256':
      return `${p.path}: sha256 ${p.actual.slice(0, 12)}… on disk, the manifest says ${p.expected.slice(0, 12)}…`;
    case 'rows':
      return `${p.path}: ${p.actual} rows on disk, the manifest says ${p.expected}`;
  }
}

/** The results folders under `dir`: itself when it holds a manifest, else its subfolders that do. */
function resultsFolders(dir: string): string[] {
  if (existsSync(join(dir, MANIFEST_FILE))) return [dir];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    throw fileError('read', dir, err);
  }
  const found = names
    .map((n) => join(dir, n))
    .filter((d) => {
      try {
        return statSync(d).isDirectory() && existsSync(join(d, MANIFEST_FILE));
      } catch {
        return false;
      }
    });
  if (found.length === 0) {
    throw new ValidationError(`verify: expected ${JSON.stringify(dir)} to hold a ${MANIFEST_FILE} or results folders with one, found none`);
  }
  return found;
}

/**
 * Verifies every results folder of `dir` against its manifest.
 * @throws ValidationError when `dir` holds no manifest at all; GradlabError `E_IO` when it cannot be read
 */
export async function verifyResults(dir: string): Promise<FolderVerification[]> {
  const out: FolderVerification[] = [];
  for (const folder of resultsFolders(dir)) {
    try {
      const v = await verifyManifest(folder);
      out.push({ dir: folder, files: v.manifest.outputs.length, problems: v.problems.map(describeProblem) });
    } catch (err) {
      if (!(err instanceof GradlabError)) throw err;
      out.push({ dir: folder, files: 0, problems: [err.message.split('\n', 1)[0]!] });
    }
  }
  return out;
}
