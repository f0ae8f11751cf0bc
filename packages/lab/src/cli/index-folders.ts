/**
 * `gradlab index DIR`: the results index (`DIR/README.md`) rebuilt from the results folders
 * already in DIR, without running anything — for a tree whose experiments were run at
 * different times, on different machines or in shards. Each folder must verify against its
 * manifest (a damaged or hand-edited output is refused, never indexed); a folder made with a
 * config other than the one the current code would run is indexed with a notice saying so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError, ValidationError } from '@gradlab/core';
import type { AnyExperimentDefinition } from '../experiment/define-experiment.js';
import type { AssembledOutputs } from '../experiment/assemble-results.js';
import { configHash } from '../experiment/cell-id.js';
import { tableFileName } from '../experiment/extra-tables.js';
import { resolveConfig } from '../experiment/runner.js';
import { MANIFEST_FILE, verifyManifest } from '../io/manifest.js';
import type { IndexEntry } from './results-index.js';

/** What `indexFolders` found. */
export interface IndexedFolders {
  /** The entries, in the order of `experiments`. */
  entries: IndexEntry[];
  /** The size the folders were run at (all must agree). */
  size: 'quick' | 'full';
  /** Notices for the user (stale configs). */
  notices: string[];
}

/**
 * Collects the results folders `DIR/NAME` of the given experiments.
 * @throws FileFormatError when a folder does not verify against its manifest, or names another
 *   experiment; ValidationError when none is found or the sizes differ
 */
export async function indexFolders(root: string, experiments: Iterable<AnyExperimentDefinition>): Promise<IndexedFolders> {
  const entries: IndexEntry[] = [];
  const notices: string[] = [];
  const sizes = new Set<'quick' | 'full'>();
  for (const def of experiments) {
    const dir = join(root, def.name);
    if (!existsSync(join(dir, MANIFEST_FILE))) continue;
    const { manifest, ok, problems } = await verifyManifest(dir);
    if (!ok) {
      const p = problems[0]!;
      throw new FileFormatError(`${dir}: ${p.path} does not match its manifest (${p.kind}: expected ${p.expected || 'a file'}, got ${p.actual || 'none'}); rerun the experiment`);
    }
    if (manifest.name !== def.name) throw new FileFormatError(`${dir}: the manifest is of experiment "${manifest.name}", expected "${def.name}"`);
    const size = manifest.size as 'quick' | 'full';
    sizes.add(size);
    const current = configHash(resolveConfig(def, size, undefined, manifest.seeds));
    let stale: string | undefined;
    if (current !== manifest.configHash) {
      notices.push(`${def.name}: made with config ${manifest.configHash}; the current code's ${size} config is ${current} (rerun it to refresh)`);
      stale =
        `these results were made by an earlier version of the experiment (config ${manifest.configHash}; the current code's ${size} config is ${current}), ` +
        `so no verdict is computed from them; \`gradlab run ${def.name}${size === 'quick' ? ' --quick' : ' --full'}\` refreshes them.`;
    }
    const paths = manifest.outputs.map((o) => o.path);
    const csv = join(dir, `${def.name}.csv`);
    const summaryName = `${def.name}-summary.csv`;
    const rows = readFileSync(csv, 'utf8').split('\n').filter((l) => l !== '').length - 1;
    const tables = Object.keys(def.tables ?? {})
      .map((t) => manifest.outputs.find((o) => o.path === tableFileName(def.name, t)))
      .filter((o) => o !== undefined)
      .map((o) => ({ path: join(dir, o.path), rows: o.rows ?? 0 }));
    const outputs: AssembledOutputs = {
      csv,
      summary: paths.includes(summaryName) ? join(dir, summaryName) : undefined,
      ...(tables.length > 0 ? { tables } : {}),
      plots: paths.filter((p) => p.endsWith('.svg')).map((p) => join(dir, p)),
      manifest: join(dir, MANIFEST_FILE),
      rows,
      notices: manifest.notices ?? [],
      cells: manifest.cells ?? { total: 0, diverged: 0 },
    };
    entries.push(stale === undefined ? { def, outputs } : { def, outputs, stale });
  }
  if (entries.length === 0) throw new ValidationError(`index: no results folder of a known experiment in ${JSON.stringify(root)}`);
  if (sizes.size > 1) throw new ValidationError(`index: ${JSON.stringify(root)} mixes quick and full runs; index each size in its own folder`);
  return { entries, size: [...sizes][0]!, notices };
}
