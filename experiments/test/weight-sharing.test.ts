/**
 * weight-sharing: at quick size, the effect the experiment exists to show — a kernel weight's
 * gradient collects far more than a dense weight's (it sums over positions), while the per-layer
 * gain of ‖∂L/∂h_l‖ through depth stays the MLP's (sigmoid vanishes in both) — and the verdict
 * rule on made-up rows for each verdict; with a watcher the rows are bit for bit the same, and its
 * histograms show the vanishing too (layer 1's gradient entries sit decades below layer L's).
 */
import { describe, expect, test } from 'vitest';
import { Rng } from '@gradlab/core';
import type { Row } from '@gradlab/lab';
import { SHARING_ACTIVATIONS, SHARING_GRAD_RANGE, SHARING_NETS, SHARING_WATCH_BINS, sharingWatcher, weightSharing, weightSharingRows } from '../src/weight-sharing.js';
import { LESS_VANISHING, layerGains, sharingGains, weightSharingFinding } from '../src/findings/weight-sharing.js';

const quick = weightSharing.sizes.quick;

describe('weight-sharing at quick size (initialisation)', () => {
  const config = { ...quick, steps: 0 };
  const rows: Row[] = SHARING_NETS.flatMap((net) =>
    SHARING_ACTIVATIONS.flatMap((activation) =>
      config.seeds.flatMap((seed) => weightSharingRows({ net, activation, seed }, config, new Rng(seed).fork(`${net}/${activation}`)).map((r) => ({ net, activation, seed, ...r }))),
    ),
  );

  test('every gradient is finite; positions are h·w for the CNN and 1 for the MLP', () => {
    for (const r of rows) for (const k of ['grad_l2', 'grad_rms_per_param', 'grad_act_l2', 'loss']) expect(Number.isFinite(r[k] as number), `${r['net']} ${k}`).toBe(true);
    expect(new Set(rows.filter((r) => r['net'] === 'cnn').map((r) => r['positions']))).toEqual(new Set([quick.imageSize ** 2]));
    expect(new Set(rows.filter((r) => r['net'] === 'mlp').map((r) => r['positions']))).toEqual(new Set([1]));
  });

  test.each(SHARING_ACTIVATIONS)('%s: a shared weight collects more than 2× what a dense weight does, relative to ∂L/∂h (every seed)', (a) => {
    const cnn = sharingGains(rows, 'cnn', a, quick.depth);
    const mlp = sharingGains(rows, 'mlp', a, quick.depth);
    expect(cnn).toHaveLength(quick.seeds.length);
    cnn.forEach((s, i) => expect(s / mlp[i]!).toBeGreaterThan(2));
  });

  test('sigmoid: weight sharing does not stop the back-propagated gradient vanishing (r < 0.5 for both nets, every seed)', () => {
    for (const net of SHARING_NETS) for (const r of layerGains(rows, net, 'sigmoid', quick.depth)) expect(r).toBeLessThan(0.5);
  });

  test('the finding reads "not" from these rows: the CNN vanishes no less than the MLP', () => {
    const f = weightSharingFinding(rows, config);
    expect(f.verdict).toBe('not');
    expect(f.why).toMatch(/^sigmoid: r_CNN \/ r_MLP = .* \(≥ 1\.25 in 0 of 3 seeds\); tanh: /);
  });

  test('a rerun gives the same rows', () => {
    const again = weightSharingRows({ net: 'cnn', activation: 'tanh', seed: 2 }, config, new Rng(2).fork('cnn/tanh'));
    expect(again).toEqual(rows.filter((r) => r['net'] === 'cnn' && r['activation'] === 'tanh' && r['seed'] === 2).map(({ net, activation, seed, ...r }) => r));
  });
});

describe('weight-sharing with watch (quick size, 3 SGD steps)', () => {
  /** The median of a watch row's histogram, in log10 |g| (entries outside the range left out). */
  const medianLog10 = (r: Row) => {
    const counts = Array.from({ length: SHARING_WATCH_BINS }, (_, k) => r[`hist_${k}`] as number);
    const half = counts.reduce((a, c) => a + c, 0) / 2;
    let acc = 0;
    const k = counts.findIndex((c) => (acc += c) >= half);
    return SHARING_GRAD_RANGE[0] + ((k + 0.5) * (SHARING_GRAD_RANGE[1] - SHARING_GRAD_RANGE[0])) / SHARING_WATCH_BINS;
  };

  test.each(SHARING_NETS)('%s, sigmoid: rows unchanged by the watcher; every step watched; layer 1’s gradients a decade or more below layer L’s (every seed)', (net) => {
    for (const seed of quick.seeds) {
      const cell = { net, activation: 'sigmoid' as const, seed };
      const w = sharingWatcher(quick);
      const watched = weightSharingRows(cell, quick, new Rng(seed).fork(`${net}/sigmoid`), w);
      expect(watched).toEqual(weightSharingRows(cell, quick, new Rng(seed).fork(`${net}/sigmoid`)));
      expect([...new Set(w.rows.map((r) => r['step']))]).toEqual([0, 1, 2, 3]);
      const prefix = net === 'cnn' ? 'conv' : 'layer';
      const at0 = (name: string) => w.rows.find((r) => r['step'] === 0 && r['name'] === name)!;
      expect(medianLog10(at0(`${prefix}${quick.depth - 1}.weight`)) - medianLog10(at0(`${prefix}0.weight`))).toBeGreaterThanOrEqual(1);
      // The last step has no update after it: its update columns are empty.
      expect(w.rows.find((r) => r['step'] === 3 && r['kind'] === 'param')!['update_ratio']).toBe('');
    }
  });
});

/** Made-up rows: ‖∂L/∂h_l‖ = r^(D−l) per (net, activation, seed), so the per-layer gain is r. */
function madeUp(gains: Record<string, Record<string, number[]>>, D = 4): Row[] {
  return Object.entries(gains).flatMap(([key, perSeed]) => {
    const [net, activation] = key.split('/') as [string, string];
    return Object.values(perSeed).flatMap((rs) =>
      rs.flatMap((r, s) =>
        Array.from({ length: D }, (_, i) => ({ net, activation, init: 'glorot-uniform', seed: s + 1, step: 0, layer: i + 1, grad_l2: 1, grad_rms_per_param: net === 'cnn' ? 10 : 1, grad_act_l2: r ** (D - 1 - i), grad_act_rms: 1, positions: net === 'cnn' ? 16 : 1, loss: 2 })),
      ),
    );
  });
}
const findingConfig = { depth: 4, seeds: [1, 2, 3], channels: 2, imageSize: 4, batchSize: 2, steps: 0, learningRate: 0.1 };
const pair = (cnn: number[], mlp: number[]) => ({ cnn: { x: cnn }, mlp: { x: mlp } });
function rowsFor(sigmoid: [number[], number[]], tanh: [number[], number[]]): Row[] {
  const [s, t] = [pair(...sigmoid), pair(...tanh)];
  return madeUp({ 'cnn/sigmoid': s.cnn, 'mlp/sigmoid': s.mlp, 'cnn/tanh': t.cnn, 'mlp/tanh': t.mlp });
}

describe('weight-sharing finding', () => {
  test.each([
    ['reproduced', [[0.9, 0.9, 0.9], [0.5, 0.5, 0.5]], [[1, 1, 1], [0.7, 0.7, 0.7]]],
    ['partly', [[0.9, 0.9, 0.9], [0.5, 0.5, 0.5]], [[0.7, 0.7, 0.7], [0.7, 0.7, 0.7]]], // tanh: no better than the MLP
    ['partly', [[0.9, 0.9, 0.9], [0.5, 0.5, 0.5]], [[1, 1, 0.8], [0.7, 0.7, 0.7]]], // tanh: one of 3 seeds below the factor
    ['not', [[0.25, 0.25, 0.22], [0.25, 0.23, 0.25]], [[0.9, 0.92, 0.88], [0.9, 0.9, 0.9]]],
    ['not', [[0.2, 0.2, 0.2], [0.5, 0.5, 0.5]], [[0.6, 0.6, 0.6], [0.9, 0.9, 0.9]]], // the CNN vanishes more
  ] as const)('%s', (verdict, sigmoid, tanh) => {
    const f = weightSharingFinding(rowsFor(sigmoid as never, tanh as never), findingConfig);
    expect(f.verdict).toBe(verdict);
    expect(f.keyNumbers.rows[0]![0]).toBe('sigmoid');
  });

  test(`five seeds: one seed below ${LESS_VANISHING} cannot flip "reproduced"`, () => {
    const five = rowsFor([[0.9, 0.9, 0.9, 0.9, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5]], [[1, 1, 1, 1, 1], [0.7, 0.7, 0.7, 0.7, 0.7]]);
    expect(weightSharingFinding(five, { ...findingConfig, seeds: [1, 2, 3, 4, 5] }).verdict).toBe('reproduced');
  });

  test('a non-finite gradient counts against the claim', () => {
    const rows = rowsFor([[0.9, 0.9, 0.9], [0.5, 0.5, 0.5]], [[1, 1, 1], [0.7, 0.7, 0.7]]).map((r) =>
      r['net'] === 'cnn' && r['activation'] === 'tanh' && r['seed'] === 2 && r['layer'] === 1 ? { ...r, grad_act_l2: NaN } : r,
    );
    expect(weightSharingFinding(rows, findingConfig).verdict).toBe('partly');
  });

  test('without a sigmoid or tanh pair: not, saying why', () => {
    const rows = madeUp({ 'cnn/relu': { x: [1] }, 'mlp/relu': { x: [1] } });
    const f = weightSharingFinding(rows, findingConfig);
    expect(f.verdict).toBe('not');
    expect(f.why).toMatch(/^the run has no sigmoid or tanh pair/);
  });
});
