import { describe, expect, test } from 'vitest';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ValidationError } from '@gradlab/core';
import { lineChart, renderSvg } from '@gradlab/lab';

/** Three seeds per (x, model): y = base(model, x) + {−1, 0, +4}·spread. */
const rows = [0, 1, 2].flatMap((x) =>
  ['rnn', 'lstm'].flatMap((model) =>
    [-1, 0, 4].map((d, seed) => ({ x, model, seed, panel: x < 2 ? 'a' : 'b', y: (model === 'rnn' ? 10 : 20) + x + d * 0.5 })),
  ),
);

interface BandItem {
  x: number;
  model: string;
  lo: number;
  hi: number;
}

/** Runs the spec through Vega and collects the data of the band marks (the errorband's area items). */
async function bandItems(spec: TopLevelSpec): Promise<BandItem[]> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  await view.runAsync();
  const found: BandItem[] = [];
  const walk = (node: { items?: unknown[]; datum?: Record<string, unknown> } | undefined) => {
    if (node === undefined || node === null) return;
    const d = node.datum;
    if (d !== undefined && typeof d['__band_lo'] === 'number') {
      found.push({ x: d['x'] as number, model: d['model'] as string, lo: d['__band_lo'] as number, hi: d['__band_hi'] as number });
    }
    for (const item of node.items ?? []) walk(item as typeof node);
  };
  walk((view.scenegraph() as unknown as { root: never }).root);
  view.finalize();
  const seen = new Map(found.map((b) => [`${b.model}/${b.x}`, b]));
  return [...seen.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.x - b.x));
}

const base = { data: rows, x: 'x', y: 'y', color: 'model', title: 'Band', xTitle: 'x', yTitle: 'y' };

describe('lineChart band', () => {
  test('minmax: the band spans the smallest to the largest seed at each x, per line', async () => {
    const items = await bandItems(lineChart({ ...base, band: 'minmax' }));
    expect(items).toHaveLength(6);
    for (const b of items) {
      const y0 = (b.model === 'rnn' ? 10 : 20) + b.x;
      expect(b.lo).toBeCloseTo(y0 - 0.5, 10);
      expect(b.hi).toBeCloseTo(y0 + 2, 10);
    }
  });

  test('stdev: the band is mean ± sample std (n − 1) of the seeds', async () => {
    // Offsets −0.5, 0, 2: mean 0.5, sample std √((1 + 0.25 + 2.25)/2) = √1.75.
    const sd = Math.sqrt(1.75);
    const items = await bandItems(lineChart({ ...base, band: 'stdev' }));
    expect(items).toHaveLength(6);
    for (const b of items) {
      const mean = (b.model === 'rnn' ? 10 : 20) + b.x + 0.5;
      expect(b.lo).toBeCloseTo(mean - sd, 10);
      expect(b.hi).toBeCloseTo(mean + sd, 10);
    }
  });

  test('stdev on a log axis: the lower edge never goes below the smallest seed (stays positive)', async () => {
    const data = [1, 100].map((y, seed) => ({ x: 0, model: 'rnn', seed, y }));
    const [b] = await bandItems(lineChart({ ...base, data, band: 'stdev', logY: true }));
    expect(b!.lo).toBe(1); // mean − std = 50.5 − 70.0 < 0, clamped to the min
    expect(b!.hi).toBeCloseTo(50.5 + Math.sqrt(((1 - 50.5) ** 2 + (100 - 50.5) ** 2) / 1), 8);
  });

  test('one row per x: a zero-width band, not an error', async () => {
    const data = [0, 1].map((x) => ({ x, model: 'rnn', seed: 1, y: 3 }));
    expect(await bandItems(lineChart({ ...base, data, band: 'stdev' }))).toEqual([
      { x: 0, model: 'rnn', lo: 3, hi: 3 },
      { x: 1, model: 'rnn', lo: 3, hi: 3 },
    ]);
  });

  test('faceted band chart renders with its legend, titles and the band per panel', async () => {
    const spec = lineChart({ ...base, facetColumn: 'panel', band: 'minmax', title: 'Faceted band', xTitle: 'lag', yTitle: 'norm' });
    const svg = await renderSvg(spec);
    expect(svg).toContain('Faceted band');
    expect(svg).toContain('lag');
    expect(svg).toContain('norm');
    expect(svg).toContain('lstm'); // legend entry
    expect(svg).toMatch(/aria-roledescription="errorband"/); // the band
    expect(await bandItems(spec)).toHaveLength(6);
  });

  test('band none (the default) gives the plain line spec', () => {
    const plain = lineChart(base);
    expect(lineChart({ ...base, band: 'none' })).toEqual(plain);
    expect(plain).toMatchObject({ mark: { type: 'line' } });
    expect(plain).not.toHaveProperty('layer');
  });

  test('rejects an unknown band and a band with aggregate none', () => {
    expect(() => lineChart({ ...base, band: 'iqr' as never })).toThrow(ValidationError);
    expect(() => lineChart({ ...base, band: 'iqr' as never })).toThrow(
      /^lineChart: expected band to be one of "stdev", "minmax", "none", got "iqr"$/,
    );
    expect(() => lineChart({ ...base, band: 'stdev', aggregate: 'none', detail: 'seed' })).toThrow(
      /^lineChart: band "stdev" needs aggregate "mean" or "median" \(a band spans the rows a line averages\), got aggregate "none"$/,
    );
  });
});
