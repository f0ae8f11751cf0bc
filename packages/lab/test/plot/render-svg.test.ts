import { describe, expect, test } from 'vitest';
import { ValidationError } from '@gradlab/core';
import { lineChart, renderSvg } from '@gradlab/lab';

const rows = [1, 2, 3, 4].flatMap((layer) =>
  ['sigmoid', 'relu'].flatMap((activation) =>
    [1, 2].map((seed) => ({
      layer,
      activation,
      seed,
      init: 'glorot',
      grad_l2: activation === 'sigmoid' ? 10 ** -layer * seed : 0.5 + 0.01 * layer,
    })),
  ),
);

describe('renderSvg + lineChart', () => {
  test('renders a faceted log-scale line chart with its title, axis titles and legend', async () => {
    const spec = lineChart({
      data: [...rows, { layer: 5, activation: 'sigmoid', seed: 1, init: 'glorot', grad_l2: 0 }],
      x: 'layer',
      y: 'grad_l2',
      color: 'activation',
      facetColumn: 'init',
      logY: true,
      title: 'Gradient norm by layer',
      xTitle: 'layer l',
      yTitle: 'gradient L2 norm',
    });
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Gradient norm by layer');
    expect(svg).toContain('layer l');
    expect(svg).toContain('gradient L2 norm');
    expect(svg).toContain('sigmoid'); // legend entry
    expect(svg).not.toMatch(/NaN/); // the zero was filtered out of the log scale
  });

  test('the same spec gives the same bytes, and the input rows are not modified', async () => {
    const copy = structuredClone(rows);
    const make = () => lineChart({ data: rows, x: 'layer', y: 'grad_l2', color: 'activation', title: 'T', xTitle: 'x', yTitle: 'y' });
    const a = await renderSvg(make());
    const b = await renderSvg(make());
    expect(a).toBe(b);
    expect(rows).toEqual(copy);
  });

  test('bad input is a ValidationError naming the field', async () => {
    expect(() => lineChart({ data: rows, x: '', y: 'grad_l2', title: 'T', xTitle: 'x', yTitle: 'y' })).toThrow(
      /lineChart: expected x to be a non-empty field name, got ""/,
    );
    expect(() =>
      lineChart({ data: rows, x: 'layer', y: 'grad_l2', title: 'T', xTitle: 'x', yTitle: 'y', aggregate: 'max' as 'mean' }),
    ).toThrow(/expected aggregate to be one of "mean", "median", "none", got "max"/);
    await expect(renderSvg(null as unknown as object)).rejects.toThrow(ValidationError);
    await expect(renderSvg({ data: { url: 'http://example.com/x.csv' }, mark: 'point' })).rejects.toThrow(
      /renderSvg: .*external data/,
    );
  });
});
