/**
 * Headless SVG rendering of Vega-Lite specs: vega-lite compiles the spec to Vega, a Vega `View`
 * with the `none` renderer evaluates it without a DOM or canvas, and `toSVG` serialises the
 * scene graph. Text is measured by Vega's built-in estimate (no canvas), so the same spec gives
 * the same bytes on every machine.
 *
 * vega and vega-lite are imported on the first render, not with this package: they are large,
 * and vega's canvas shim uses top-level await, which would make `require('@gradlab/lab')` fail.
 *
 * References: Satyanarayan et al., "Vega-Lite: A Grammar of Interactive Graphics" (2017).
 */
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { ValidationError, describeValue } from '@gradlab/core';

let libraries: Promise<{ vega: typeof Vega; compile: typeof import('vega-lite').compile }> | undefined;

/** vega and vega-lite, loaded once. */
function loadLibraries() {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, compile: vegaLite.compile }));
  return libraries;
}

/** A Vega-Lite top-level spec (re-exported type of vega-lite). */
export type VegaLiteSpec = TopLevelSpec;

/**
 * Renders a Vega-Lite spec to an SVG document (a string starting with `<svg`).
 * External data URLs are refused: specs carry their data inline (`data.values`).
 * @throws ValidationError when the spec is not an object or vega-lite / vega reject it
 * @example const svg = await renderSvg(lineChart({ data, x: 'layer', y: 'grad_l2', title: 'Gradient norm', xTitle: 'layer', yTitle: '‖∂L/∂W‖' }))
 */
export async function renderSvg(spec: VegaLiteSpec | object): Promise<string> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ValidationError(`renderSvg: expected spec to be a Vega-Lite spec object, got ${describeValue(spec)}`);
  }
  const { vega, compile } = await loadLibraries();
  let view: Vega.View;
  // Vega reports dataflow failures (e.g. a refused data URL) to its logger and renders anyway;
  // collect them so a broken chart is an error, not a silently empty SVG. Warnings are dropped.
  const errors: string[] = [];
  const logger = vega.logger(vega.None);
  logger.error = (...args: readonly unknown[]) => {
    errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
    return logger;
  };
  try {
    const compiled = compile(spec as TopLevelSpec).spec;
    const loader = vega.loader();
    loader.load = async (uri: string) => {
      const message = `external data (${uri}) is not allowed; put the rows in data.values`;
      errors.push(message);
      throw new Error(message);
    };
    view = new vega.View(vega.parse(compiled), { renderer: 'none', loader, logger });
  } catch (err) {
    throw new ValidationError(`renderSvg: invalid Vega-Lite spec: ${(err as Error).message}`, { cause: err });
  }
  try {
    const svg = await view.toSVG();
    if (errors.length > 0) throw new Error(errors[0]);
    return svg;
  } catch (err) {
    throw new ValidationError(`renderSvg: cannot render the spec: ${(err as Error).message}`, { cause: err });
  } finally {
    view.finalize();
  }
}
