/**
 * A histogram over training as a heatmap, the form TensorBoard's histogram dashboard and
 * `wandb.watch` give: training step on x, the histogram bins on y, each cell coloured by the
 * count of entries in that bin at that step (a symlog colour scale, so a bin of 3 entries shows
 * beside one of 30,000). It reads the rows of core's `watch` (`hist_scale`, `hist_lo`,
 * `hist_hi`, `hist_0` …) and averages the counts of rows sharing a panel, step and bin (e.g.
 * seeds). Empty cells are left out, so the background reads as zero.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ValidationError, describeValue } from '@gradlab/core';

type Value = string | number | boolean;

/** Options of `histogramHeatmap`. */
export interface HistogramHeatmapConfig {
  /** Watch rows (e.g. of `<name>-watch.csv`); those without a histogram are skipped. */
  rows: readonly Record<string, Value>[];
  /** Keeps the rows to draw (e.g. two tensors of one model). Default: every row with a histogram. */
  filter?: ((row: Record<string, Value>) => boolean) | undefined;
  /** The panel row of a row (e.g. its tensor, 'layer 1: W_ih'). Default: the row's `name`. */
  panelRow?: ((row: Record<string, Value>) => string) | undefined;
  /** The panel column of a row (e.g. 'ρ = 3, no clipping'). Default: one column. */
  panelColumn?: ((row: Record<string, Value>) => string) | undefined;
  /** Chart title. */
  title: string;
  /** Optional subtitle (say what the counts are averaged over). */
  subtitle?: string | undefined;
  /** x axis title. Default 'step'. */
  xTitle?: string | undefined;
  /** Panel width and height in pixels. Default 150 × 120. */
  width?: number | undefined;
  height?: number | undefined;
}

/**
 * The Vega-Lite spec of a histogram-over-training heatmap.
 * @throws ValidationError when `rows` is not an array, or the chosen rows' histograms differ in
 *   bins, range or scale (they could not share a y axis)
 * @example
 * histogramHeatmap({ rows: tables.watch, filter: (r) => r.kind === 'param', panelColumn: (r) => String(r.clip), title: 'log10 |∂L/∂W| over training' })
 */
export function histogramHeatmap(config: HistogramHeatmapConfig): TopLevelSpec {
  if (!Array.isArray(config.rows)) throw new ValidationError(`histogramHeatmap: expected rows to be an array of watch rows, got ${describeValue(config.rows)}`);
  const rows = config.rows.filter((r) => typeof r['hist_lo'] === 'number' && (config.filter?.(r) ?? true));
  let bins = 0;
  while (`hist_${bins}` in (rows[0] ?? {})) bins++;
  const first = rows[0];
  const axis = first === undefined ? undefined : { lo: first['hist_lo'] as number, hi: first['hist_hi'] as number, scale: String(first['hist_scale']) };
  const cells = new Map<string, { row: string; column: string; step: Value; bin: number; sum: number; n: number }>();
  for (const r of rows) {
    if (r['hist_lo'] !== axis!.lo || r['hist_hi'] !== axis!.hi || String(r['hist_scale']) !== axis!.scale) {
      throw new ValidationError(
        `histogramHeatmap: expected every chosen row to have the bins of the first (${axis!.scale} [${axis!.lo}, ${axis!.hi}]), got ${String(r['hist_scale'])} [${String(r['hist_lo'])}, ${String(r['hist_hi'])}] in row ${String(r['name'])}`,
      );
    }
    const row = config.panelRow?.(r) ?? String(r['name']);
    const column = config.panelColumn?.(r) ?? '';
    for (let k = 0; k < bins; k++) {
      const key = JSON.stringify([row, column, r['step'], k]);
      const c = cells.get(key) ?? { row, column, step: r['step']!, bin: k, sum: 0, n: 0 };
      c.sum += Number(r[`hist_${k}`]);
      c.n += 1;
      cells.set(key, c);
    }
  }
  const width = axis === undefined ? 1 : (axis.hi - axis.lo) / bins;
  const label = axis?.scale === 'log10-abs' ? 'log10 |value|' : 'value';
  const data = [...cells.values()]
    .filter((c) => c.sum > 0)
    .map((c) => ({ panel_row: c.row, panel_column: c.column, step: c.step, bin: axis!.lo + c.bin * width, count: c.sum / c.n }));
  const facet: Record<string, unknown> = { row: { field: 'panel_row', type: 'nominal', title: null } };
  if (config.panelColumn !== undefined) facet['column'] = { field: 'panel_column', type: 'nominal', title: null };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: config.subtitle === undefined ? config.title : { text: config.title, subtitle: config.subtitle },
    data: { values: data },
    facet,
    spec: {
      width: config.width ?? 150,
      height: config.height ?? 120,
      mark: 'rect',
      encoding: {
        x: { field: 'step', type: 'ordinal', title: config.xTitle ?? 'step' },
        y: {
          field: 'bin',
          type: 'ordinal',
          scale: { domain: Array.from({ length: bins }, (_, k) => (axis?.lo ?? 0) + k * width).reverse() },
          title: `${label} (bin start)`,
          axis: { labelExpr: 'format(datum.value, ".3~g")' },
        },
        color: { field: 'count', type: 'quantitative', scale: { type: 'symlog', scheme: 'viridis' }, title: 'entries' },
      },
    },
    config: { axis: { labelFontSize: 9 } },
  } as TopLevelSpec;
}
