/**
 * The last step of a run (and all of `merge`): concatenate the cells' CSVs in grid order into
 * the main CSV (so its bytes do not depend on the order or the shards the cells ran in), draw
 * the plots as SVG, and write `manifest.json` last, listing every output with its sha256.
 */
import { join } from 'node:path';
import { ExperimentError, describeValue } from '../errors/gradlab-error.js';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { parseResultsCsv, toCsv } from '../io/csv.js';
import { MANIFEST_FILE, writeManifest } from '../io/manifest.js';
import { renderSvg } from '../plot/render-svg.js';
import type { CellsStore } from './cells-store.js';
import { collectCellArtifacts } from './cell-artifacts.js';
import type { AnyExperimentDefinition, Row } from './define-experiment.js';
import type { PlannedCell } from './plan-cells.js';
import type { RunEventHandler } from './run-events.js';

/** The files an assembled run wrote. */
export interface AssembledOutputs {
  /** Path of the main CSV (`OUT/<name>.csv`). */
  csv: string;
  /** Paths of the SVG plots. */
  plots: string[];
  /** Path of `manifest.json`. */
  manifest: string;
  /** Rows in the main CSV. */
  rows: number;
  /** Notices recorded in the manifest. */
  notices: string[];
}

/** Inputs of `assembleResults`. */
export interface AssembleArgs {
  def: AnyExperimentDefinition;
  config: Record<string, unknown>;
  size: 'quick' | 'full';
  store: CellsStore;
  plan: PlannedCell[];
  started: Date;
  onEvent: RunEventHandler | undefined;
}

const PLOT_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.svg$/;

/**
 * Assembles a complete set of cells into the results folder.
 * @throws ExperimentError when a cell was written with other columns, or plots() returns bad file names
 */
export async function assembleResults(args: AssembleArgs): Promise<AssembledOutputs> {
  const { def, config, store, plan } = args;
  const outDir = store.outDir;
  const header = toCsv([], def.columns);
  const parts: string[] = [header];
  const notices: string[] = [];
  const backends = new Map<string, number>();
  let backend;
  for (const cell of plan) {
    const text = store.readCsv(cell.id);
    if (!text.startsWith(header)) {
      throw new ExperimentError(
        `${def.name}: cell ${cell.id} was written with other columns (${JSON.stringify(text.split('\n', 1)[0])}) than ` +
          `the experiment now has (${def.columns.join(',')}); rerun with --fresh`,
      );
    }
    parts.push(text.slice(header.length));
    const meta = store.readMeta(cell.id);
    for (const n of meta.notices) if (!notices.includes(n)) notices.push(n);
    backend ??= meta.backend;
    const tag = `${meta.backend.name} ${meta.backend.version}`;
    backends.set(tag, (backends.get(tag) ?? 0) + 1);
  }
  if (backends.size > 1) {
    notices.push(`cells were computed on different backends: ${[...backends].map(([b, n]) => `${b} (${n} cells)`).join(', ')}`);
  }
  const csvText = parts.join('');
  const csvFile = `${def.name}.csv`;
  writeFileAtomicSync(join(outDir, csvFile), csvText);

  const rows = parseResultsCsv(csvText, join(outDir, csvFile)) as Row[];
  const plotFiles: string[] = [];
  const plots = def.plots?.(rows, config) ?? [];
  if (!Array.isArray(plots)) throw new ExperimentError(`${def.name}: expected plots() to return an array, got ${describeValue(plots)}`);
  for (const plot of plots) {
    const file = (plot as { file?: unknown })?.file;
    if (typeof file !== 'string' || !PLOT_FILE.test(file) || plotFiles.includes(file)) {
      throw new ExperimentError(
        `${def.name}: expected every plot file to be a distinct plain file name ending in .svg, got ${describeValue(file)}`,
      );
    }
    const svg = await renderSvg(plot.spec);
    writeFileAtomicSync(join(outDir, file), svg);
    plotFiles.push(file);
  }

  const artifactFiles = collectCellArtifacts(store, plan.map((c) => c.id), def.name, [csvFile, ...plotFiles]);

  await writeManifest(outDir, {
    name: def.name,
    description: def.description,
    size: args.size,
    config,
    configHash: store.configHash,
    seeds: (config as { seeds: number[] }).seeds,
    backend: backend!,
    started: args.started.toISOString(),
    finished: new Date().toISOString(),
    notices,
    outputs: [csvFile, ...plotFiles, ...artifactFiles],
  });
  const out: AssembledOutputs = {
    csv: join(outDir, csvFile),
    plots: plotFiles.map((f) => join(outDir, f)),
    manifest: join(outDir, MANIFEST_FILE),
    rows: rows.length,
    notices,
  };
  args.onEvent?.({ type: 'assembled', name: def.name, csv: out.csv, plots: out.plots, manifest: out.manifest, rows: out.rows });
  return out;
}
