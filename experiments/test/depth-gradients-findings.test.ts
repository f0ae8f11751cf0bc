/**
 * depth-gradients' finding on made-up rows: each sub-rule gives each of its verdicts, one seed
 * cannot flip a verdict, explosion and vanishing are told apart, and the mean-field factors
 * match their closed forms.
 */
import { describe, expect, test } from 'vitest';
import type { Row } from '@gradlab/lab';
import { combineVerdicts, depthGradientsFinding, glorotBengioVerdict } from '../src/findings/depth-gradients.js';
import { cellHealth, decadesToInput, healthOf, healthVerdict, heldBySeeds } from '../src/findings/depth-health.js';
import { meanFieldFactor, meanSquaredSlope, theoryVerdict, weightGain } from '../src/findings/depth-theory.js';
import { fmtSeeds } from '../src/findings/stats.js';

/**
 * Rows of one cell, one seed per entry of `decades`: ‖∂L/∂h_l‖ = 10^(x·(D−l)/(D−1)), so
 * log10 ‖∂L/∂h_1‖/‖∂L/∂h_D‖ = x; activations of mean 0 and std 1.
 */
function cell(c: { depth: number; activation: string; init: string; variant: string }, decades: number[]): Row[] {
  const D = c.depth;
  return decades.flatMap((x, s) =>
    Array.from({ length: D }, (_, i) => ({ ...c, seed: s + 1, step: 0, layer: i + 1, grad_act_l2: 10 ** ((x * (D - 1 - i)) / (D - 1)), grad_l2: 1, act_mean: 0, act_std: 1 })),
  );
}
/** Decades giving a per-layer factor f at depth D. */
const dec = (f: number, D: number) => (D - 1) * Math.log10(f);

describe('seed votes and health', () => {
  test('all but one seed from 3 seeds, every seed below', () => {
    expect(heldBySeeds([true, true, false])).toBe(true);
    expect(heldBySeeds([true, false, false])).toBe(false);
    expect(heldBySeeds([true, false])).toBe(false);
    expect(heldBySeeds([true])).toBe(true);
    expect(heldBySeeds([])).toBe(false);
  });

  test('exploding, vanishing, healthy and broken are told apart, also at 0 and ∞', () => {
    expect([healthOf(1.5), healthOf(-1.5), healthOf(0.9), healthOf(-0.9), healthOf(NaN)]).toEqual(['exploding', 'vanishing', 'healthy', 'healthy', 'broken']);
    const at = (g1: number, gD: number) => decadesToInput([{ layer: 1, step: 0, grad_act_l2: g1 }, { layer: 3, step: 0, grad_act_l2: gD }], 3);
    expect(healthOf(at(Infinity, 1))).toBe('exploding');
    expect(healthOf(at(0, 1))).toBe('vanishing');
    expect(healthOf(at(NaN, 1))).toBe('broken');
    expect(healthOf(at(1, 0))).toBe('broken');
    expect(cellHealth([3, 3, 0])).toBe('exploding');
    expect(cellHealth([3, -3, 0])).toBe('mixed');
  });
});

describe('batch norm and residual links keep gradients healthy (depth 50)', () => {
  const D = 50;
  const rows = (bn: number[], res: number[], plain = [-5, -5, -5]) =>
    ['tanh', 'relu'].flatMap((activation) =>
      ['glorot-uniform', 'he-normal'].flatMap((init) => [
        ...cell({ depth: D, activation, init, variant: 'batchnorm' }, bn),
        ...cell({ depth: D, activation, init, variant: 'residual' }, res),
        ...cell({ depth: D, activation, init, variant: 'plain' }, plain),
        ...cell({ depth: D, activation, init, variant: 'residual-scaled' }, [0.2, 0.3, 0.1]),
      ]),
    );

  test.each([
    ['both healthy (one seed exploding cannot flip it)', [0.5, 0.6, 3], [0.2, -0.3, 0.1], 'reproduced'],
    ['batch norm healthy, residual exploding', [0.5, 0.6, 0.7], [3, 4, 5], 'partly'],
    ['both exploding (one healthy seed cannot flip it)', [2, 3, 0.5], [3, 4, 10], 'not'],
  ])('%s → %s', (_, bn, res, verdict) => {
    const v = healthVerdict(rows(bn as number[], res as number[]), D, 3);
    expect(v.verdict).toBe(verdict);
  });

  test('explosion and vanishing are reported separately, with the decades', () => {
    const v = healthVerdict(rows([2, 3, 4], [3, 4, 5]), D, 3);
    expect(v.why).toContain('batchnorm: exploding 4 of 4, log10 ‖∂L/∂h_1‖/‖∂L/∂h_50‖ from 2 … 4');
    expect(v.why).toContain('plain: vanishing 4 of 4');
    expect(v.why).toContain('residual-scaled: healthy 4 of 4');
    expect(v.table).toContainEqual(['residual', 'relu', 'exploding 2 of 2', '3 … 5']);
  });

  test('without batch-norm nets: not, saying why', () => {
    const v = healthVerdict(cell({ depth: D, activation: 'tanh', init: 'he-normal', variant: 'residual' }, [0, 0, 0]), D, 3);
    expect(v.verdict).toBe('not');
    expect(v.why).toBe('the run has no batchnorm nets at depth 50, so the claim cannot be judged.');
  });
});

describe('large initial weights explode; He gain keeps (leaky) ReLU at 1 (depth 20)', () => {
  const T = 20;
  const rows = (large: number[], he: number[]) => [
    ...['tanh', 'relu', 'leaky-relu', 'elu'].flatMap((activation) => cell({ depth: T, activation, init: 'glorot-uniform-x4', variant: 'plain' }, large.map((f) => dec(f, T)))),
    ...['relu', 'leaky-relu'].flatMap((activation) => cell({ depth: T, activation, init: 'he-normal', variant: 'plain' }, he.map((f) => dec(f, T)))),
  ];

  test.each([
    ['both hold (one seed of each off cannot flip them)', [2, 2.5, 1], [1.01, 0.98, 1.3], 'reproduced'],
    ['large weights explode, He factor 1.2', [2, 2.5, 2.2], [1.2, 1.2, 1.01], 'partly'],
    ['neither', [1, 1.05, 2], [1.2, 0.8, 1]],
  ])('%s → %s', (_, large, he, verdict = 'not') => {
    const v = theoryVerdict(rows(large as number[], he as number[]), T, 16, 3);
    expect(v.verdict).toBe(verdict);
    expect(v.table.find((r) => r[0] === 'relu' && r[1] === 'he-normal')![2]).toBe(fmtSeeds(he as number[]));
  });

  test('the theory column: ReLU under He is predicted at √(σ²/2) ≈ 1 whatever the variance, so measured/theory ≈ measured', () => {
    const v = theoryVerdict(rows([2, 2, 2], [1.02, 1.02, 1.02]), T, 16, 3);
    const relu = v.table.find((r) => r[0] === 'relu' && r[1] === 'he-normal')!;
    expect(Math.abs(Number(relu[3]) - 1)).toBeLessThan(0.03); // σ² sampled from 16 draws of 16×16
    expect(relu[5]).toBe('yes');
  });
});

describe('mean-field factors against closed forms', () => {
  test('ReLU: √(σ²/2); leaky ReLU with He gain 2/(1+a²): 1; tanh at small variance: σ', () => {
    expect(meanFieldFactor('relu', 2, 0.7)).toBeCloseTo(1, 3);
    expect(meanFieldFactor('relu', 16, 3)).toBeCloseTo(Math.sqrt(8), 3);
    expect(meanFieldFactor('leaky-relu', 2 / (1 + 0.01 ** 2), 5)).toBeCloseTo(1, 3);
    expect(meanFieldFactor('tanh', 1, 1e-6)).toBeCloseTo(1, 4);
  });

  test('ELU: E[f′(z)²] = 1/2 + e^{2q}·Φ(−2√q); at q = 1, 0.5 + e²·Φ(−2) = 0.668102', () => {
    expect(meanSquaredSlope('elu', 1)).toBeCloseTo(0.668102, 4);
    // Under He's σ² = 2 the ELU factor is above 1: ELU nets explode mildly at He initialisation.
    expect(meanFieldFactor('elu', 2, 0.5)).toBeGreaterThan(1.1);
  });

  test('σ² of the initialisers: He 2, Glorot 1 on square layers, 16 for the large one (within 3%)', () => {
    expect(weightGain('he-normal', 32)).toBeCloseTo(2, 1);
    expect(Math.abs(weightGain('glorot-uniform', 32) - 1)).toBeLessThan(0.03);
    expect(Math.abs(weightGain('glorot-uniform-x4', 32) / 16 - 1)).toBeLessThan(0.03);
  });
});

describe('depth-gradients finding: three sub-claims combined', () => {
  test('Glorot & Bengio ratios: reproduced / partly / not, one seed cannot flip it', () => {
    const rows = (standard: number[], glorot: number[]) => [
      ...cell({ depth: 5, activation: 'tanh', init: 'standard', variant: 'plain' }, standard.map((r) => dec(r, 5))),
      ...cell({ depth: 5, activation: 'tanh', init: 'glorot-uniform', variant: 'plain' }, glorot.map((r) => dec(r, 5))),
    ];
    expect(glorotBengioVerdict(rows([0.57, 0.6, 0.8], [0.9, 0.95, 0.92]), 5).verdict).toBe('reproduced');
    expect(glorotBengioVerdict(rows([0.57, 0.8, 0.85], [0.9, 0.95, 0.92]), 5).verdict).toBe('partly');
    expect(glorotBengioVerdict(rows([0.95, 0.9, 0.9], [0.5, 0.6, 0.5]), 5).verdict).toBe('not');
    expect(glorotBengioVerdict(rows([], [1]), 5).why).toMatch(/^the run has no plain tanh network with the standard and the Glorot initialisation/);
  });

  test('combination: reproduced only when all three are, not only when none is', () => {
    expect(combineVerdicts(['reproduced', 'reproduced', 'reproduced'])).toBe('reproduced');
    expect(combineVerdicts(['reproduced', 'not', 'reproduced'])).toBe('partly');
    expect(combineVerdicts(['not', 'not', 'not'])).toBe('not');
  });

  const allGood = (seeds: number) => {
    const s = (x: number) => Array<number>(seeds).fill(x);
    return [
      ...cell({ depth: 5, activation: 'tanh', init: 'standard', variant: 'plain' }, s(dec(0.58, 5))),
      ...cell({ depth: 5, activation: 'tanh', init: 'glorot-uniform', variant: 'plain' }, s(dec(0.95, 5))),
      ...['batchnorm', 'residual'].flatMap((variant) => cell({ depth: 20, activation: 'tanh', init: 'he-normal', variant }, s(0.3))),
      ...['tanh', 'relu', 'leaky-relu', 'elu'].flatMap((activation) => cell({ depth: 20, activation, init: 'glorot-uniform-x4', variant: 'plain' }, s(dec(2, 20)))),
      ...['relu', 'leaky-relu'].flatMap((activation) => cell({ depth: 20, activation, init: 'he-normal', variant: 'plain' }, s(0))),
    ];
  };
  const config = (seeds: number) => ({ depths: [5, 20], seeds: Array.from({ length: seeds }, (_, i) => i + 1), width: 16, imageSize: 8, batchSize: 4 });

  test('all three reproduced with 5 seeds → reproduced; with 4 seeds at most partly', () => {
    const f5 = depthGradientsFinding(allGood(5), config(5));
    expect(f5.verdict, f5.why).toBe('reproduced');
    expect(f5.why).toMatch(/^\(1\) Glorot & Bengio: reproduced — .* \(2\) batch norm and residual links keep ‖∂L\/∂h_l‖ healthy: reproduced — .* \(3\) large initial weights explode and He's gain keeps the factor at 1: reproduced — /);
    expect(depthGradientsFinding(allGood(4), config(4)).verdict).toBe('partly');
  });
});
