/**
 * The findings of temporal-order, copy-memory and long-time-lag on made-up rows: each rule gives
 * reproduced, partly and not where it should, one outlier seed does not change a clear verdict,
 * and diverged runs count as failures.
 */
import { describe, expect, test } from 'vitest';
import type { Row } from '@gradlab/lab';
import { copyMemoryBaseline } from '@gradlab/rnn';
import { copyMemoryExperiment } from '../src/copy-memory.js';
import { copyMemoryFinding } from '../src/findings/copy-memory.js';
import { longTimeLagFinding } from '../src/findings/long-time-lag.js';
import { allButOne, atMostOne } from '../src/findings/seed-votes.js';
import { groupRuns, lastRow, wentNonFinite } from '../src/run-outcome.js';
import { temporalOrderFinding } from '../src/findings/temporal-order.js';
import { longTimeLagExperiment } from '../src/long-time-lag.js';
import { temporalOrderExperiment } from '../src/temporal-order.js';

const SEEDS = [1, 2, 3, 4, 5];

test('seed votes: all but one, at most one; nothing measured decides nothing', () => {
  expect([allButOne([true, true, true, true, false]), allButOne([true, true, true, false, false]), allButOne([])]).toEqual([true, false, false]);
  expect([atMostOne([false, true, false]), atMostOne([true, true, false]), atMostOne([])]).toEqual([true, false, false]);
});

test('run outcomes: runs grouped by key, the last evaluation, non-finite after step 0 only', () => {
  const rows: Row[] = [
    { model: 'a', seed: 1, step: 0, loss: NaN, bad: 0 },
    { model: 'a', seed: 1, step: 10, loss: 0.5, bad: 0 },
    { model: 'a', seed: 2, step: 10, loss: Infinity, bad: 0 },
    { model: 'a', seed: 1, step: 5, loss: 0.7, bad: 1 },
  ];
  const runs = groupRuns(rows, ['model', 'seed']);
  expect(runs.map((r) => [r.key, r.rows.length])).toEqual([[{ model: 'a', seed: 1 }, 3], [{ model: 'a', seed: 2 }, 1]]);
  expect(lastRow(runs[0]!.rows)!['loss']).toBe(0.5);
  expect(lastRow([])).toBeUndefined();
  expect(wentNonFinite(runs[0]!.rows, ['loss'])).toBe(false); // the NaN at step 0 is by design
  expect(wentNonFinite(runs[0]!.rows, ['loss'], 'bad')).toBe(true);
  expect(wentNonFinite(runs[1]!.rows, ['loss'])).toBe(true);
});

/** Solved seeds per T for each run of temporal-order: `{ 'rnn-tanh|none': [5, 0, 0, 0], … }` over lengths 10…40. */
type Counts = Record<'rnn-tanh|none' | 'rnn-tanh|1' | 'lstm|1', readonly number[]>;
const LENGTHS = [10, 20, 30, 40];

/** temporal-order rows: the first `k` seeds end at accuracy 1, the rest at 0.3 (a diverged seed: NaN loss, a non-finite update). */
function orderRows(counts: Counts, diverge: { run: keyof Counts; T: number; seed: number }[] = []): Row[] {
  return Object.entries(counts).flatMap(([run, perT]) => {
    const [model, clip] = run.split('|') as [string, string];
    return LENGTHS.flatMap((T, i) =>
      SEEDS.flatMap((seed) => {
        const ok = seed <= perT[i]!;
        const bad = diverge.some((d) => d.run === run && d.T === T && d.seed === seed);
        const base = { model, clip: clip === 'none' ? 'none' : Number(clip), T, seed, grad_norm_preclip: 1 };
        return [
          { ...base, step: 0, train_loss: NaN, test_loss: 1.39, test_accuracy: 0.25, nonfinite: 0 },
          { ...base, step: 3000, train_loss: bad ? NaN : 0.1, test_loss: bad ? NaN : 0.1, test_accuracy: bad ? 0.25 : ok ? 1 : 0.3, nonfinite: bad ? 4 : 0 },
        ];
      }),
    );
  });
}
const orderConfig = { ...temporalOrderExperiment.sizes.full, seeds: SEEDS, lengths: LENGTHS };
const ORDER_REPRODUCED: Counts = { 'rnn-tanh|none': [5, 0, 0, 0], 'rnn-tanh|1': [5, 5, 1, 0], 'lstm|1': [5, 5, 5, 4] };

describe('temporal-order finding', () => {
  test.each([
    ['clipping helps more at longer T, the LSTM goes further', 'reproduced', ORDER_REPRODUCED],
    ['one outlier seed (LSTM 4 of 5 at T = 30, plain SGD 1 of 5 at T = 20)', 'reproduced', { ...ORDER_REPRODUCED, 'rnn-tanh|none': [5, 1, 0, 0], 'lstm|1': [5, 5, 4, 4] }],
    ['clipping helps, the LSTM goes no further than the RNN', 'partly', { ...ORDER_REPRODUCED, 'lstm|1': [5, 5, 2, 0] }],
    ['clipping helps equally at every T (no growth)', 'partly', { 'rnn-tanh|none': [0, 0, 0, 0], 'rnn-tanh|1': [5, 5, 5, 0], 'lstm|1': [5, 5, 5, 0] }],
    ['clipping does not help and the LSTM does not go further', 'not', { 'rnn-tanh|none': [5, 3, 0, 0], 'rnn-tanh|1': [5, 3, 0, 0], 'lstm|1': [5, 3, 0, 0] }],
  ] as const)('%s → %s', (_name, verdict, counts) => {
    const f = temporalOrderFinding(orderRows(counts), orderConfig);
    expect(f.verdict).toBe(verdict);
    expect(f.keyNumbers.rows).toHaveLength(LENGTHS.length * 3);
  });

  test('the key table counts solved and diverged seeds; a diverged seed is not solved', () => {
    const f = temporalOrderFinding(orderRows(ORDER_REPRODUCED, [{ run: 'rnn-tanh|none', T: 10, seed: 1 }]), orderConfig);
    expect(f.keyNumbers.rows[0]).toEqual(['10', 'rnn-tanh, no clip', '4 of 5', '1 of 5']);
    expect(f.keyNumbers.rows.find((r) => r[0] === '20' && r[1] === 'rnn-tanh, clip 1')).toEqual(['20', 'rnn-tanh, clip 1', '5 of 5', '0 of 5']);
    expect(f.ours).toMatch(/T = 10: \+1, T = 20: \+5, T = 30: \+1, T = 40: 0/);
  });

  test('all claims with 2 seeds: partly, saying too few seeds', () => {
    const rows = orderRows(ORDER_REPRODUCED).filter((r) => (r['seed'] as number) <= 2);
    const f = temporalOrderFinding(rows, { ...orderConfig, seeds: [1, 2] });
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/2 seeds < 5, too few/);
  });

  test('rejects a config the experiment would reject, naming the field', () => {
    expect(() => temporalOrderFinding([], { ...orderConfig, lengths: [5] })).toThrow(/temporal-order finding: config.*lengths/);
  });
});

/** copy-memory rows: final test CE = factor × baseline per (model, T, seed). */
function copyRows(factor: (model: string, T: number, seed: number) => number): Row[] {
  return ['rnn-tanh', 'lstm', 'gru'].flatMap((model) =>
    [10, 25, 50].flatMap((T) =>
      SEEDS.flatMap((seed) => {
        const b = copyMemoryBaseline(T);
        const base = { model, T, seed, baseline_ce: b, grad_norm_preclip: 1 };
        const ce = factor(model, T, seed) * b;
        return [
          { ...base, step: 0, train_loss: NaN, test_ce: 2.3, recall_accuracy: 0.12 },
          { ...base, step: 1000, train_loss: ce, test_ce: ce, recall_accuracy: ce < b ? 0.5 : 0.125 },
        ];
      }),
    ),
  );
}
const copyConfig = { ...copyMemoryExperiment.sizes.full, seeds: SEEDS };

describe('copy-memory finding', () => {
  test.each([
    ['RNN at the baseline, GRU below at T = 10 only', 'reproduced', (m: string, T: number) => (m === 'gru' && T === 10 ? 0.5 : 1)],
    ['one GRU seed stuck, one RNN seed below', 'reproduced', (m: string, T: number, s: number) => (m === 'gru' && T === 10 ? (s === 5 ? 1 : 0.5) : m === 'rnn-tanh' && s === 1 ? 0.8 : 1)],
    ['the RNN also gets below at T = 10', 'partly', (m: string, T: number) => (T === 10 && m !== 'lstm' ? 0.5 : 1)],
    ['gated nets stay at the baseline, the RNN goes below', 'not', (m: string) => (m === 'rnn-tanh' ? 0.7 : 1.02)],
  ] as const)('%s → %s', (_name, verdict, factor) => {
    expect(copyMemoryFinding(copyRows(factor), copyConfig).verdict).toBe(verdict);
  });

  test('a gated net that never gets below is named as such, not with a placeholder', () => {
    const f = copyMemoryFinding(copyRows((m, T) => (m === 'gru' && T === 10 ? 0.5 : 1)), copyConfig);
    expect(f.ours).toContain('lstm below at no T');
    expect(f.ours).toContain('gru below at T ≤ 10');
  });

  test('a diverged run (NaN cross-entropy) is not below the baseline', () => {
    const f = copyMemoryFinding(copyRows((m, T) => (m === 'gru' && T === 10 ? NaN : 1)), copyConfig);
    expect(f.verdict).toBe('partly'); // the RNN stays at the baseline; no gated net gets below
    expect(f.keyNumbers.rows.find((r) => r[0] === '10' && r[1] === 'gru')![4]).toBe('0 of 5');
  });
});

/** long-time-lag rows: seed s solves (model, p) at step 100·s when `solves` says so. */
function lagRows(solves: (model: string, p: number, seed: number) => boolean): Row[] {
  return ['rnn-tanh', 'lstm'].flatMap((model) =>
    [4, 10, 25, 50, 100].flatMap((p) =>
      SEEDS.flatMap((seed) =>
        [0, 100, 200, 300, 400, 500, 600].map((step) => {
          const solved = solves(model, p, seed) && step >= 100 * seed ? 1 : 0;
          return { model, p, seed, step, train_loss: 0.1, test_ce: 0.1, test_error_rate: 1 - solved, solved, grad_norm_preclip: 1 };
        }),
      ),
    ),
  );
}
const lagConfig = { ...longTimeLagExperiment.sizes.full, seeds: SEEDS };

describe('long-time-lag finding', () => {
  test.each([
    ['the RNN solves p = 4 only, the LSTM every p', 'reproduced', (m: string, p: number) => m === 'lstm' || p === 4],
    ['one outlier seed each way', 'reproduced', (m: string, p: number, s: number) => (m === 'lstm' ? !(p === 100 && s === 3) : p === 4 || (p === 25 && s === 2))],
    ['the RNN also solves p = 10', 'partly', (m: string, p: number) => m === 'lstm' || p <= 10],
    ['the LSTM solves only up to p = 50', 'partly', (m: string, p: number) => (m === 'lstm' ? p <= 50 : p === 4)],
    ['neither solves beyond p = 4', 'not', (_m: string, p: number) => p === 4],
  ] as const)('%s → %s', (_name, verdict, solves) => {
    expect(longTimeLagFinding(lagRows(solves), lagConfig).verdict).toBe(verdict);
  });

  test('the key table gives the first solved step of each seed', () => {
    const f = longTimeLagFinding(lagRows((m, p, s) => m === 'lstm' && s !== 4), lagConfig);
    expect(f.keyNumbers.rows.find((r) => r[0] === '100' && r[1] === 'lstm')).toEqual(['100', 'lstm', '4 of 5', '100, 200, 300, —, 500', '0.2 ± 0.447']);
  });
});
