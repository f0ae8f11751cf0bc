/**
 * Vega-Lite spec builders for the charts gradlab draws: gradient norm against layer or against
 * lag on a log scale, learning curves. Each returns a plain spec (data inline) for `renderSvg`,
 * with a title, axis titles and a legend, averaged over seeds unless asked otherwise.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ValidationError, describeValue } from '../errors/gradlab-error.js';

/** Width of one panel in pixels. */
export const DEFAULT_CHART_WIDTH = 240;
/** Height of one panel in pixels. */
export const DEFAULT_CHART_HEIGHT = 180;

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
  if (config.facetColumn !== undefined) {
    encoding['column'] = { field: config.facetColumn, type: 'nominal', title: config.facetColumn, header: { labelFontSize: 11 } };
  }
  if (config.facetRow !== undefined) {
    encoding['row'] = { field: config.facetRow, type: 'nominal', title: config.facetRow, header: { labelFontSize: 11 } };
  }

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: config.subtitle !== undefined ? { text: config.title, subtitle: config.subtitle } : config.title,
    data: { values: config.data.map((row) => ({ ...row })) },
    transform: [{ filter: filters.join(' && ') }],
    mark: { type: 'line', point: config.points ?? true, strokeWidth: 1.5 },
    encoding,
    width: config.width ?? DEFAULT_CHART_WIDTH,
    height: config.height ?? DEFAULT_CHART_HEIGHT,
    background: 'white',
    config: {
      font: 'sans-serif',
      title: { fontSize: 14, anchor: 'start' },
      axis: { labelFontSize: 10, titleFontSize: 11, grid: true },
      legend: { labelFontSize: 10, titleFontSize: 11 },
    },
  } as TopLevelSpec;
}
