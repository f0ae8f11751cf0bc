/**
 * The weight-penalties verdict rule on made-up rows: each verdict, a broken penalised run never
 * counted as limiting the gradient, a broken unpenalised run counted as unbounded, one seed unable
 * to flip the verdict, and fewer than five seeds capping "reproduced".
 */
import { describe, expect, test } from 'vitest';
import type { Row } from '@gradlab/lab';
import { partStatus, settingOutcomes, weightPenaltiesFinding } from '../src/findings/weight-penalties.js';
import { weightPenalties } from '../src/weight-penalties.js';

type Run = { late: number; error: number; broken?: boolean };
type Setting = { penalty: 'none' | 'l2' | 'l1'; lambda: number; runs: (seed: number) => Run };

/** Eval rows of one run: steps 0..40, the gradient norm `late` in the second half (10× early), a NaN loss when broken. */
function runRows(part: string, s: Setting, seed: number): Row[] {
  const r = s.runs(seed);
  return [0, 10, 20, 30, 40].map((step) => ({
    part,
    penalty: s.penalty,
    lambda: s.lambda,
    seed,
    step,
    kind: 'eval',
    loss: step === 0 ? Number.NaN : r.broken === true && step >= 30 ? Number.NaN : 1,
    test_error: r.error,
    grad_norm_max: step === 0 ? Number.NaN : step > 20 ? r.late : 10 * r.late,
    weight_norm: 1,
  }));
}

function rows(parts: Record<string, Setting[]>, seeds = [1, 2, 3, 4, 5]): Row[] {
  return Object.entries(parts).flatMap(([part, settings]) => settings.flatMap((s) => seeds.flatMap((seed) => runRows(part, s, seed))));
}

const config = (seeds = [1, 2, 3, 4, 5]) => ({ ...weightPenalties.sizes.full, seeds });
const none = (late = 10, error = 0.3): Setting => ({ penalty: 'none', lambda: 0, runs: () => ({ late, error }) });
const l2 = (run: (seed: number) => Run, lambda = 1): Setting => ({ penalty: 'l2', lambda, runs: run });

describe('weight-penalties finding', () => {
  test('reproduced: L2 cuts the late gradient norm 5× on both nets and the test error stays', () => {
    const r = rows({ mlp: [none(), l2(() => ({ late: 2, error: 0.3 }))], rnn: [none(10, 0.1), l2(() => ({ late: 2, error: 0.1 }))] });
    const f = weightPenaltiesFinding(r, config());
    expect(f.verdict).toBe('reproduced');
    expect(f.keyNumbers.rows.length).toBe(4);
  });

  test('partly: it holds on the MLP only', () => {
    const r = rows({ mlp: [none(), l2(() => ({ late: 2, error: 0.3 }))], rnn: [none(10, 0.1), l2(() => ({ late: 9, error: 0.1 }))] });
    expect(weightPenaltiesFinding(r, config()).verdict).toBe('partly');
  });

  test('partly: the gradient is limited only where the test error suffers (costly)', () => {
    const r = rows({ mlp: [none(), l2(() => ({ late: 2, error: 0.6 }))], rnn: [none(10, 0.1), l2(() => ({ late: 2, error: 0.2 }))] });
    const f = weightPenaltiesFinding(r, config());
    expect(f.verdict).toBe('partly');
    expect(partStatus(settingOutcomes(r, 'rnn')).status).toBe('costly');
    expect(f.why).toMatch(/only by hurting the test error/);
  });

  test('not: no penalty at any strength halves the late gradient norm', () => {
    const r = rows({
      mlp: [none(), l2(() => ({ late: 8, error: 0.3 }), 0.1), l2(() => ({ late: 6, error: 0.3 }), 1)],
      rnn: [none(10, 0.1), l2(() => ({ late: 12, error: 0.1 }))],
    });
    expect(weightPenaltiesFinding(r, config()).verdict).toBe('not');
  });

  test('a diverged penalised run is broken, never a success', () => {
    const r = rows({ mlp: [none(), l2(() => ({ late: 0.1, error: 0.3, broken: true }))], rnn: [none(10, 0.1), l2(() => ({ late: 0.1, error: 0.1, broken: true }))] });
    const o = settingOutcomes(r, 'mlp')[1]!;
    expect(o.broken).toBe(5);
    expect(o.limits).toBe(0);
    expect(weightPenaltiesFinding(r, config()).verdict).toBe('not');
  });

  test('a diverged unpenalised run counts as an unbounded gradient', () => {
    const brokenNone: Setting = { penalty: 'none', lambda: 0, runs: () => ({ late: 10, error: 0.9, broken: true }) };
    const r = rows({ mlp: [brokenNone, l2(() => ({ late: 9, error: 0.5 }))] });
    expect(partStatus(settingOutcomes(r, 'mlp')).status).toBe('holds');
  });

  test('one seed cannot flip the verdict, and three seeds cap it at partly', () => {
    const oneBad = (seed: number): Run => (seed === 3 ? { late: 10, error: 0.3 } : { late: 2, error: 0.3 });
    const r = rows({ mlp: [none(), l2(oneBad)], rnn: [none(10, 0.1), l2((s) => ({ ...oneBad(s), error: 0.1 }))] });
    expect(weightPenaltiesFinding(r, config()).verdict).toBe('reproduced');
    const twoBad = (seed: number): Run => (seed <= 2 ? { late: 10, error: 0.3 } : { late: 2, error: 0.3 });
    const r2 = rows({ mlp: [none(), l2(twoBad)], rnn: [none(10, 0.3), l2(twoBad)] });
    expect(weightPenaltiesFinding(r2, config()).verdict).toBe('not');
    const three = rows({ mlp: [none(), l2(() => ({ late: 2, error: 0.3 }))], rnn: [none(10, 0.1), l2(() => ({ late: 2, error: 0.1 }))] }, [1, 2, 3]);
    const f = weightPenaltiesFinding(three, config([1, 2, 3]));
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/only 3 seeds/);
  });
});
