/**
 * Vega-Lite spec builders for the charts gradlab draws: gradient norm against layer or against
 * lag on a log scale, learning curves. Each returns a plain spec (data inline) for `renderSvg`,
 * with a title, axis titles and a legend, averaged over seeds unless asked otherwise, and
 * optionally a shaded band (Vega-Lite `errorband`) showing the spread over the seeds.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ValidationError, describeValue } from '@gradlab/core';

/** Width of one panel in pixels. */
export const DEFAULT_CHART_WIDTH = 240;
/** Height of one panel in pixels. */
export const DEFAULT_CHART_HEIGHT = 180;
/** Opacity of the seed band. */
export const BAND_OPACITY = 0.2;

/** The spread drawn around the seed mean: ± one sample std, the min–max range, or none. */
export type LineBand = 'stdev' | 'minmax' | 'none';

/** Options of `lineChart`. */
export interface LineChartConfig {
  /** Rows to draw (not modified; copied into the spec). */
  data: readonly Record<string, string | number | boolean>[];
  /** Field on the x axis (quantitative). */
  x: string;
  /** Field on the y axis (quantitative). */
  y: string;
  /** Field giving one coloured line per value, with a legend. Default: a single line. */
  color?: string | undefined;
  /** Field splitting the chart into columns of panels. */
  facetColumn?: string | undefined;
  /** Field splitting the chart into rows of panels. */
  facetRow?: string | undefined;
  /**
   * Log-scale y axis (for gradient norms that vanish or explode). Rows whose y is not a finite
   * number > 0 are left out, since a log scale cannot place them. Default false.
   */
  logY?: boolean | undefined;
  /** Log-scale x axis (e.g. sequence length). Default false. */
  logX?: boolean | undefined;
  /**
   * How rows sharing x, colour and facet (e.g. several seeds) are combined: their `mean`
   * (default), their `median`, or `none` to draw one line per `detail` value.
   */
  aggregate?: 'mean' | 'median' | 'none' | undefined;
  /**
   * A shaded band around each line showing the spread of the rows it averages (e.g. seeds):
   * `stdev` = mean ± sample standard deviation, `minmax` = from the smallest to the largest,
   * `none` (default). Needs `aggregate` `mean` or `median`. On a log y axis the lower edge of
   * a `stdev` band is clamped to the smallest value (mean − std can be ≤ 0); prefer `minmax`.
   */
  band?: LineBand | undefined;
  /** With `aggregate: 'none'`: field drawing separate lines of the same colour (e.g. `seed`). */
  detail?: string | undefined;
  /** Draw a point at each datum as well as the line. Default true. */
  points?: boolean | undefined;
  /** Chart title. */
  title: string;
  /** Optional subtitle under the title. */
  subtitle?: string | undefined;
  /** x axis title. */
  xTitle: string;
  /** y axis title. */
  yTitle: string;
  /** Legend title. Default: the colour field's name. */
  colorTitle?: string | undefined;
  /** Panel width in pixels. Default `DEFAULT_CHART_WIDTH`. */
  width?: number | undefined;
  /** Panel height in pixels. Default `DEFAULT_CHART_HEIGHT`. */
  height?: number | undefined;
}

function requireField(name: string, value: unknown, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(`lineChart: expected ${name} to be a non-empty field name, got ${describeValue(value)}`);
  }
}

/** A string usable in a Vega expression as `datum[...]`. */
function datumRef(field: string): string {
  return `datum[${JSON.stringify(field)}]`;
}

/**
 * A line chart spec: `y` against `x`, one line per `color` value, optionally faceted, optionally
 * on log axes. Typical uses: ‖∂L/∂W_l‖ against layer l coloured by activation and faceted by
 * init; ‖∂L_T/∂h_t‖ against lag; loss against step.
 * @returns a Vega-Lite spec with the data inline
 * @throws ValidationError when a field name is empty or the titles are missing
 * @example
 * lineChart({ data: rows, x: 'layer', y: 'grad_l2', color: 'activation', facetColumn: 'init',
 *   logY: true, title: 'Gradient norm by layer', xTitle: 'layer', yTitle: '‖∂L/∂W_l‖₂' })
 */
export function lineChart(config: LineChartConfig): TopLevelSpec {
  if (config === null || typeof config !== 'object') {
    throw new ValidationError(`lineChart: expected the options to be an object, got ${describeValue(config)}`);
  }
  if (!Array.isArray(config.data)) {
    throw new ValidationError(`lineChart: expected data to be an array of rows, got ${describeValue(config.data)}`);
  }
  requireField('x', config.x);
  requireField('y', config.y);
  requireField('color', config.color, true);
  requireField('facetColumn', config.facetColumn, true);
  requireField('facetRow', config.facetRow, true);
  requireField('detail', config.detail, true);
  for (const key of ['title', 'xTitle', 'yTitle'] as const) {
    if (typeof config[key] !== 'string') {
      throw new ValidationError(`lineChart: expected ${key} to be a string, got ${describeValue(config[key])}`);
    }
  }
  const aggregate = config.aggregate ?? 'mean';
  if (!['mean', 'median', 'none'].includes(aggregate)) {
    throw new ValidationError(`lineChart: expected aggregate to be one of "mean", "median", "none", got ${describeValue(aggregate)}`);
  }

  const band = config.band ?? 'none';
  if (!['stdev', 'minmax', 'none'].includes(band)) {
    throw new ValidationError(`lineChart: expected band to be one of "stdev", "minmax", "none", got ${describeValue(band)}`);
  }
  if (band !== 'none' && aggregate === 'none') {
    throw new ValidationError(`lineChart: band "${band}" needs aggregate "mean" or "median" (a band spans the rows a line averages), got aggregate "none"`);
  }

  const filters: string[] = [];
  const finitePositive = (f: string) => `isFinite(${datumRef(f)}) && ${datumRef(f)} > 0`;
  if (config.logY === true) filters.push(finitePositive(config.y));
  else filters.push(`isFinite(${datumRef(config.y)})`);
  if (config.logX === true) filters.push(finitePositive(config.x));

  const encoding: Record<string, unknown> = {
    x: {
      field: config.x,
      type: 'quantitative',
      title: config.xTitle,
      scale: config.logX === true ? { type: 'log' } : { zero: false },
    },
    y: {
      field: config.y,
      type: 'quantitative',
      title: config.yTitle,
      ...(aggregate === 'none' ? {} : { aggregate }),
      scale: config.logY === true ? { type: 'log' } : { zero: false },
      axis: config.logY === true ? { format: '.0e' } : {},
    },
  };
  if (config.color !== undefined) {
    encoding['color'] = { field: config.color, type: 'nominal', title: config.colorTitle ?? config.color };
  }
  if (aggregate === 'none' && config.detail !== undefined) encoding['detail'] = { field: config.detail, type: 'nominal' };
  const facet: Record<string, unknown> = {};
  if (config.facetColumn !== undefined) {
    facet['column'] = { field: config.facetColumn, type: 'nominal', title: config.facetColumn, header: { labelFontSize: 11 } };
  }
  if (config.facetRow !== undefined) {
    facet['row'] = { field: config.facetRow, type: 'nominal', title: config.facetRow, header: { labelFontSize: 11 } };
  }
  const width = config.width ?? DEFAULT_CHART_WIDTH;
  const height = config.height ?? DEFAULT_CHART_HEIGHT;
  const line = { type: 'line', point: config.points ?? true, strokeWidth: 1.5 };

  const common = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: config.subtitle !== undefined ? { text: config.title, subtitle: config.subtitle } : config.title,
    data: { values: config.data.map((row) => ({ ...row })) },
    transform: [{ filter: filters.join(' && ') }],
    background: 'white',
    config: {
      font: 'sans-serif',
      title: { fontSize: 14, anchor: 'start' },
      axis: { labelFontSize: 10, titleFontSize: 11, grid: true },
      legend: { labelFontSize: 10, titleFontSize: 11 },
    },
  };
  if (band === 'none') {
    return { ...common, mark: line, encoding: { ...encoding, ...facet }, width, height } as TopLevelSpec;
  }
  const layers = { layer: [bandLayer(config, band, encoding), { mark: line, encoding }], width, height };
  // Legend symbols in full colour (the band's opacity would otherwise pale them).
  const banded = { ...common, config: { ...common.config, legend: { ...common.config.legend, symbolOpacity: 1 } } };
  if (Object.keys(facet).length === 0) return { ...banded, ...layers } as TopLevelSpec;
  return { ...banded, facet, spec: layers, resolve: { scale: { y: 'shared' } } } as TopLevelSpec;
}

/**
 * The band layer: aggregates y per (x, colour, facets) into its mean, std, min and max, and
 * draws an `errorband` from the lower to the upper edge in the line's colour (one legend for
 * both layers: they share the colour scale).
 */
function bandLayer(config: LineChartConfig, band: 'stdev' | 'minmax', lineEncoding: Record<string, unknown>): object {
  const groupby = [config.x, config.color, config.facetColumn, config.facetRow].filter((f): f is string => f !== undefined);
  const y = datumRef('__y_mean');
  const sd = `(isValid(${datumRef('__y_sd')}) ? ${datumRef('__y_sd')} : 0)`; // one row: no std
  const lower =
    band === 'minmax'
      ? datumRef('__y_min')
      : config.logY === true
        ? `max(${y} - ${sd}, ${datumRef('__y_min')})`
        : `${y} - ${sd}`;
  const upper = band === 'minmax' ? datumRef('__y_max') : `${y} + ${sd}`;
  const xEnc = lineEncoding['x'] as Record<string, unknown>;
  const yEnc = lineEncoding['y'] as Record<string, unknown>;
  const { aggregate: _ignored, ...yPlain } = yEnc;
  return {
    transform: [
      {
        aggregate: [
          { op: 'mean', field: config.y, as: '__y_mean' },
          { op: 'stdev', field: config.y, as: '__y_sd' },
          { op: 'min', field: config.y, as: '__y_min' },
          { op: 'max', field: config.y, as: '__y_max' },
        ],
        groupby,
      },
      { calculate: lower, as: '__band_lo' },
      { calculate: upper, as: '__band_hi' },
    ],
    mark: { type: 'errorband', opacity: BAND_OPACITY },
    encoding: {
      x: xEnc,
      y: { ...yPlain, field: '__band_lo' },
      y2: { field: '__band_hi' },
      ...(config.color !== undefined ? { color: lineEncoding['color'] } : {}),
    },
  };
}
