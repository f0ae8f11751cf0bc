import { describe, expect, test } from 'vitest';
import type { Divergence, Row } from '@gradlab/lab';
import { recordDivergence } from '../../src/experiment/divergence.js';

function collect() {
  const seen: Divergence[] = [];
  return { seen, ctx: { diverged: (d: Divergence) => void seen.push(d) } };
}

describe('recordDivergence', () => {
  test('reports the first non-finite training value with its step and the last finite values; rows unchanged', () => {
    const rows: Row[] = [
      { step: 0, loss: 1, grad: 2, note: NaN },
      { step: 10, loss: 0.5, grad: 40 },
      { step: 20, loss: Infinity, grad: NaN },
      { step: 30, loss: NaN, grad: NaN },
    ];
    const copy = structuredClone(rows);
    const { seen, ctx } = collect();
    expect(recordDivergence(ctx, rows, { step: 'step', watch: ['loss', 'grad'] })).toBe(rows);
    expect(rows).toEqual(copy);
    expect(seen).toEqual([{ step: 20, reason: 'loss = Infinity', lastFinite: { loss: 0.5, grad: 40 } }]);
  });

  test('finite rows, and columns NaN by design (not watched, or skipped rows), report nothing', () => {
    const { seen, ctx } = collect();
    recordDivergence(ctx, [{ step: 0, loss: 1, pending: NaN }, { step: 1, loss: 0.9 }], { step: 'step', watch: ['loss'] });
    recordDivergence(ctx, [{ step: 0, loss: NaN }, { step: 1, loss: 0.9 }], { step: 'step', watch: ['loss'], skip: (r) => r['step'] === 0 });
    expect(seen).toEqual([]);
  });

  test('a count of skipped non-finite steps marks the divergence even when the recorded values are finite', () => {
    const { seen, ctx } = collect();
    recordDivergence(
      ctx,
      [{ step: 0, loss: 2, nonfinite: 0 }, { step: 10, loss: 1.5, nonfinite: 3 }, { step: 20, loss: NaN, nonfinite: 9 }],
      { step: 'step', watch: ['loss'], count: 'nonfinite' },
    );
    expect(seen).toEqual([{ step: 10, reason: 'nonfinite = 3 (non-finite gradient steps so far)', lastFinite: { loss: 2 } }]);
  });

  test('a context without diverged (built by hand) is fine', () => {
    expect(() => recordDivergence({}, [{ step: 0, loss: NaN }], { step: 'step', watch: ['loss'] })).not.toThrow();
  });
});
