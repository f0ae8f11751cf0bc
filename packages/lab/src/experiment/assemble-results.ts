/**
 * The last step of a run (and all of `merge`): concatenate the cells' CSVs in grid order into
 * the main CSV (so its bytes do not depend on the order or the shards the cells ran in), and
 * likewise each extra table the experiment declares into `<name>-<table>.csv`, make
 * the seed summary (`<name>-summary.csv`, when the experiment declares one and the run has more
 * than one seed), draw the plots as SVG, and `manifest.json`, listing every output with its
 * sha256 and rows, the number of cells and the cells that diverged, in grid order. Every cell
 * is checked against its checksum record as it is read. The files are staged, then renamed into
 * place together, the manifest last (see `StagedOutputs`): a failure or a signal before that
 * leaves the previous outputs untouched.
 */
import { join } from 'node:path';
import { ExperimentError, InterruptedError, describeValue } from '@gradlab/core';
import { parseResultsCsv, toCsv } from '../io/csv.js';
import { MANIFEST_FILE, buildManifest, countCsvRows, manifestText, type ManifestDivergence, type ManifestOutput } from '../io/manifest.js';
import { renderSvg } from '../plot/render-svg.js';
import type { CellsStore } from './cells-store.js';
import { collectCellArtifacts } from './cell-artifacts.js';
import type { AnyExperimentDefinition, Row } from './define-experiment.js';
import type { PlannedCell } from './plan-cells.js';
import type { RunEventHandler } from './run-events.js';
import { seedSummary, summaryColumns, summaryFileName } from './seed-summary.js';
import { cellIdentity } from './cell-checksum.js';
import { StagedOutputs } from './staged-outputs.js';
import { tableFileName } from './extra-tables.js';

/** The files an assembled run wrote. */
export interface AssembledOutputs {
  /** Path of the main CSV (`OUT/<name>.csv`). */
  csv: string;
  /** Path of the seed summary (`OUT/<name>-summary.csv`), when one was written. */
  summary?: string | undefined;
  /** The extra tables (`OUT/<name>-<table>.csv`), in declaration order, with their rows. */
  tables?: { path: string; rows: number }[] | undefined;
  /** Paths of the SVG plots. */
  plots: string[];
  /** Path of `manifest.json`. */
  manifest: string;
  /** Rows in the main CSV. */
  rows: number;
  /** Notices recorded in the manifest. */
  notices: string[];
  /** Cells in the grid and cells that diverged. */
  cells: { total: number; diverged: number };
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
  /** Checked before the outputs are replaced: an abort throws `interrupted()` and writes nothing. */
  signal?: AbortSignal | undefined;
  /** The error to throw when `signal` aborts. */
  interrupted?: (() => InterruptedError) | undefined;
  /** Added to the error of a damaged cell: what to do about it. */
  damagedHint?: string | undefined;
}

const PLOT_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.svg$/;

/**
 * Assembles a complete set of cells into the results folder.
 * @throws ExperimentError when a cell is damaged or was written with other columns, or plots()
 *   returns bad file names; InterruptedError when `signal` aborts; GradlabError `E_IO` naming
 *   the file when an output cannot be written (the previous outputs are then untouched)
 */
export async function assembleResults(args: AssembleArgs): Promise<AssembledOutputs> {
  const staged = new StagedOutputs(args.store.outDir);
  try {
    return await assemble(args, staged);
  } finally {
    staged.discard();
  }
}

async function assemble(args: AssembleArgs, staged: StagedOutputs): Promise<AssembledOutputs> {
  const { def, config, store, plan } = args;
  const outDir = store.outDir;
  const header = toCsv([], def.columns);
  const parts: string[] = [header];
  const tableSpecs = Object.entries(def.tables ?? {}).map(([table, columns]) => ({ table, header: toCsv([], columns), parts: [] as string[] }));
  for (const t of tableSpecs) t.parts.push(t.header);
  const notices: string[] = [];
  const backends = new Map<string, number>();
  const diverged: ManifestDivergence[] = [];
  let backend;
  for (const cell of plan) {
    let stored;
    try {
      stored = store.read(cellIdentity(def.name, store.configHash, cell));
    } catch (err) {
      if (!(err instanceof ExperimentError)) throw err;
      throw new ExperimentError(`${def.name}: ${err.message}`, { hint: args.damagedHint, cause: err });
    }
    const text = stored.csv;
    if (!text.startsWith(header)) {
      throw new ExperimentError(
        `${def.name}: cell ${cell.id} was written with other columns (${JSON.stringify(text.split('\n', 1)[0])}) than ` +
          `the experiment now has (${def.columns.join(',')}); rerun with --fresh`,
      );
    }
    parts.push(text.slice(header.length));
    for (const t of tableSpecs) {
      const tableText = stored.tables[t.table]!;
      if (!tableText.startsWith(t.header)) {
        throw new ExperimentError(
          `${def.name}: cell ${cell.id} stored its ${JSON.stringify(t.table)} table with other columns (${JSON.stringify(tableText.split('\n', 1)[0])}) than ` +
            `the experiment now declares (${def.tables![t.table]!.join(',')}); rerun with --fresh`,
        );
      }
      t.parts.push(tableText.slice(t.header.length));
    }
    const meta = stored.meta;
    for (const n of meta.notices) if (!notices.includes(n)) notices.push(n);
    if (meta.status === 'diverged') diverged.push({ cell: cell.id, ...(meta.divergence as Omit<ManifestDivergence, 'cell'>) });
    backend ??= meta.backend;
    const tag = `${meta.backend.name} ${meta.backend.version}`;
    backends.set(tag, (backends.get(tag) ?? 0) + 1);
  }
  if (backends.size > 1) {
    notices.push(`cells were computed on different backends: ${[...backends].map(([b, n]) => `${b} (${n} cells)`).join(', ')}`);
  }
  const csvText = parts.join('');
  const csvFile = `${def.name}.csv`;
  const outputs: ManifestOutput[] = [];
  const stageTable = (file: string, text: string) => outputs.push({ ...staged.stage(file, text), rows: countCsvRows(text) });
  stageTable(csvFile, csvText);

  const rows = parseResultsCsv(csvText, join(outDir, csvFile)) as Row[];
  const seeds = (config as { seeds: number[] }).seeds;
  let summaryFile: string | undefined;
  if (def.summary !== undefined && seeds.length > 1) {
    summaryFile = summaryFileName(def.name);
    const summary = seedSummary(rows, def.summary, `${def.name}: summary`);
    stageTable(summaryFile, toCsv(summary, summaryColumns(def.summary)));
  }
  const tableRows: Record<string, Row[]> = {};
  const tableOutputs: { path: string; rows: number }[] = [];
  for (const t of tableSpecs) {
    const file = tableFileName(def.name, t.table);
    const text = t.parts.join('');
    stageTable(file, text);
    tableOutputs.push({ path: join(outDir, file), rows: outputs[outputs.length - 1]!.rows! });
    tableRows[t.table] = parseResultsCsv(text, join(outDir, file)) as Row[];
  }
  const plotFiles: string[] = [];
  const plots = def.plots?.(rows, config, tableRows) ?? [];
  if (!Array.isArray(plots)) throw new ExperimentError(`${def.name}: expected plots() to return an array, got ${describeValue(plots)}`);
  for (const plot of plots) {
    const file = (plot as { file?: unknown })?.file;
    if (typeof file !== 'string' || !PLOT_FILE.test(file) || plotFiles.includes(file)) {
      throw new ExperimentError(
        `${def.name}: expected every plot file to be a distinct plain file name ending in .svg, got ${describeValue(file)}`,
      );
    }
    const svg = await renderSvg(plot.spec);
    outputs.push(staged.stage(file, svg));
    plotFiles.push(file);
  }

  const tables = [csvFile, ...(summaryFile === undefined ? [] : [summaryFile]), ...tableSpecs.map((t) => tableFileName(def.name, t.table))];
  for (const a of collectCellArtifacts(store, plan.map((c) => c.id), def.name, [...tables, ...plotFiles])) {
    outputs.push(staged.stage(a.file, a.data));
  }
  const cells = { total: plan.length, diverged: diverged.length };

  const manifest = buildManifest({
    name: def.name,
    description: def.description,
    size: args.size,
    config,
    configHash: store.configHash,
    seeds,
    backend: backend!,
    started: args.started.toISOString(),
    finished: new Date().toISOString(),
    notices,
    cells,
    diverged,
  }, outputs);
  staged.stage(MANIFEST_FILE, manifestText(manifest));
  if (args.signal?.aborted === true && args.interrupted !== undefined) throw args.interrupted();
  staged.publish(MANIFEST_FILE);
  const out: AssembledOutputs = {
    csv: join(outDir, csvFile),
    ...(summaryFile !== undefined ? { summary: join(outDir, summaryFile) } : {}),
    ...(tableOutputs.length > 0 ? { tables: tableOutputs } : {}),
    plots: plotFiles.map((f) => join(outDir, f)),
    manifest: join(outDir, MANIFEST_FILE),
    rows: rows.length,
    notices,
    cells,
  };
  args.onEvent?.({ type: 'assembled', name: def.name, csv: out.csv, plots: out.plots, manifest: out.manifest, rows: out.rows });
  return out;
}
