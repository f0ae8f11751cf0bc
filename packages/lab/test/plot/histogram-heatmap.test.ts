import { describe, expect, test } from 'vitest';
import { watch, tf, watchColumns } from '@gradlab/core';
import { histogramHeatmap, renderSvg } from '@gradlab/lab';

/** Watch rows of two seeds, two steps, one tensor, from real `watch` histograms. */
function watchRows() {
  const rows: Record<string, string | number>[] = [];
  for (const seed of [1, 2]) {
    const w = watch({ bins: 4, gradScale: 'log10-abs', gradRange: [-4, 0] });
    for (const step of [0, 1]) {
      const p = tf.tensor1d([1, 2, 3]);
      // 1e-3.5 → bin 0; 1e-0.5 → bin 3; at step 1 seed 2 moves one entry to bin 1.
      const g = tf.tensor1d([10 ** -3.5, 10 ** -0.5, step === 1 && seed === 2 ? 10 ** -2.5 : 10 ** -0.5]);
      w.observe(step, { params: { 'layer0.weight': p }, grads: { 'layer0.weight': g } });
      tf.dispose([p, g]);
    }
    for (const r of w.drain()) rows.push({ ...r, seed });
  }
  return rows;
}

describe('histogramHeatmap', () => {
  test('averages counts over the rows sharing panel, step and bin; leaves out empty cells; renders', async () => {
    const spec = histogramHeatmap({ rows: watchRows(), filter: (r) => r['kind'] === 'param', title: 'log10 |g|' }) as unknown as {
      data: { values: { step: number; bin: number; count: number }[] };
    };
    const at = (step: number, bin: number) => spec.data.values.find((v) => v.step === step && v.bin === bin)?.count;
    expect(at(0, -4)).toBe(1);
    expect(at(0, -1)).toBe(2);
    expect(at(1, -3)).toBe(0.5);
    expect(at(1, -1)).toBe(1.5);
    expect(at(0, -3)).toBeUndefined();
    expect(spec.data.values).toHaveLength(5);
    const svg = await renderSvg(spec);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('log10 |value| (bin start)');
    expect(watchColumns(4)).toContain('hist_3');
  });

  test('rows whose bins differ cannot share an axis: an error naming both', () => {
    const rows = watchRows();
    const i = rows.findIndex((r, k) => k > 0 && r['kind'] === 'param');
    rows[i] = { ...rows[i]!, hist_lo: -8 };
    expect(() => histogramHeatmap({ rows, title: 't' })).toThrow(/expected every chosen row to have the bins of the first \(log10-abs \[-4, 0\]\), got log10-abs \[-8, 0\]/);
  });
});
