/**
 * @gradlab/lab — running experiments as data: `defineExperiment`, grids and seeds, the runner
 * with resumable cells, worker processes, shards and merge, manifests, result CSVs, plots
 * (loaded lazily), findings with verdicts, and the `gradlab` command. Everything public is
 * exported by name from this file; importing it loads no plotting code.
 */
export { z } from 'zod';

// ---- defining and running experiments ----
export { defineExperiment, isExperiment } from './experiment/define-experiment.js';
export type {
  CellValue,
  Row,
  ExperimentContext,
  PlotOutput,
  ExperimentDefinition,
  AnyExperimentDefinition,
} from './experiment/define-experiment.js';
export { runExperiment } from './experiment/runner.js';
export type { RunOptions, RunResult, ExperimentSize } from './experiment/runner.js';
export { mergeExperiment } from './experiment/merge.js';
export type { MergeOptions } from './experiment/merge.js';
export type { AssembledOutputs } from './experiment/assemble-results.js';
export { CellPool, defaultJobs } from './experiment/cell-pool.js';
export type { CellPoolOptions } from './experiment/cell-pool.js';
export { recordDivergence } from './experiment/divergence.js';
export type { DivergenceWatch } from './experiment/divergence.js';
export type { Divergence } from './experiment/cells-store.js';
export type { Shard } from './experiment/shard.js';
export type { RunEvent, RunEventHandler } from './experiment/run-events.js';
export type { SummarySpec } from './experiment/seed-summary.js';
export { loadExperimentModule } from './experiment/experiment-module.js';

// ---- results: CSV, manifest, plots ----
export { writeCsv, readResultsCsv } from './io/csv.js';
export type { CsvValue, CsvRow } from './io/csv.js';
export { readManifest, verifyManifest, MANIFEST_FILE } from './io/manifest.js';
export type { Manifest, ManifestOutput, ManifestProblem, ManifestVerification } from './io/manifest.js';
export { renderSvg } from './plot/render-svg.js';
export type { VegaLiteSpec } from './plot/render-svg.js';
export { lineChart } from './plot/charts.js';
export type { LineChartConfig, LineBand } from './plot/charts.js';
export { histogramHeatmap } from './plot/histogram-heatmap.js';
export type { HistogramHeatmapConfig } from './plot/histogram-heatmap.js';
export { imageGridPng } from './plot/image-grid.js';
export type { ImageGridOptions } from './plot/image-grid.js';

// ---- findings ----
export type { Finding, FindingFn, KeyTable, PublishedFigure, Verdict } from './findings/finding.js';

// ---- the gradlab command ----
export { runCli } from './cli/run-cli.js';
export type { CliIo } from './cli/run-cli.js';
export { main } from './cli/main.js';
export { experimentMap } from './cli/experiment-map.js';
export type { ExperimentMap } from './cli/experiment-map.js';
