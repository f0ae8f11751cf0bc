import { describe, expect, test } from 'vitest';
import type { Row } from '@gradlab/lab';
import { timeGradientsFinding } from '../src/findings/time-gradients.js';
import { explodingClippingFinding, holdsOverSeeds, runBroken, runLearned } from '../src/findings/exploding-clipping.js';
import { tbpttWindowFinding } from '../src/findings/tbptt-window.js';
import { longTermMemoryFinding } from '../src/findings/long-term-memory.js';
import { rbmLikelihoodFinding } from '../src/findings/rbm-likelihood.js';
import { pretrainingFinding, selectEpoch } from '../src/findings/pretraining.js';
import { deepAutoencoderFinding } from '../src/findings/deep-autoencoder.js';
import { fmt, fmtSeeds, seedOrdering } from '../src/findings/stats.js';
import { EXPERIMENTS } from '../src/registry.js';
import { longTermMemory } from '../src/long-term-memory.js';
import { rbmLikelihood } from '../src/rbm-likelihood.js';

test('every registered experiment has a finding', () => {
  expect([...EXPERIMENTS.values()].filter((def) => def.finding === undefined).map((def) => def.name)).toEqual([]);
});

test('number format: 3 significant digits, exponents outside [1e-3, 1e5), mean ± std', () => {
  expect([fmt(0.123456), fmt(1.5e-9), fmt(123456), fmt(0), fmt(NaN), fmt(Infinity), fmt(1e-7)]).toEqual(['0.123', '1.5e-9', '1.23e+5', '0', 'n/a', '∞', '1e-7']);
  expect(fmtSeeds([1, 3])).toBe('2 ± 1.41');
  expect(fmtSeeds([0.5])).toBe('0.5');
});

test('seedOrdering: a > b holds in all but one of 5 seeds, is contradicted when b > a does, mixed otherwise', () => {
  expect(seedOrdering('A', 'B', { above: 4, below: 1, n: 5 })).toEqual({ name: 'A > B', seen: 'A > B in 4 of 5 seeds', status: 'holds' });
  expect(seedOrdering('A', 'B', { above: 0, below: 5, n: 5 }, 'A wins')).toEqual({ name: 'A wins', seen: 'B > A in 5 of 5 seeds', status: 'contradicted' });
  expect(seedOrdering('A', 'B', { above: 3, below: 2, n: 5 }).status).toBe('mixed');
  expect(seedOrdering('A', 'B', { above: 0, below: 0, n: 0 })).toEqual({ name: 'A > B', seen: 'A or B not run', status: 'not run' });
});

/** time-gradients rows with jac = c·rate^lag. */
function lagRows(model: string, rho: number | '', eta: number | '', rate: number, T = 11, c = 1): Row[] {
  return Array.from({ length: T }, (_, t) => {
    const lag = T - 1 - t;
    const jac = c * rate ** lag;
    return { model, rho, forget_bias: model === 'lstm' ? 1 : '', seed: 1, t, lag, grad_l2: jac, jac_l2: jac, jac_max: jac, eta, bound: eta === '' ? '' : eta ** lag };
  });
}
const timeConfig = { steps: 11, seeds: [1], activations: ['linear', 'tanh'], scales: [0.5, 2], forgetBiases: [1], gru: false, hidden: 4, batch: 2 };

describe('time-gradients finding', () => {
  const lstm = lagRows('lstm', '', '', 0.8);
  test('bound holds and the linear rate is exact: reproduced', () => {
    const rows = [...lagRows('rnn-linear', 0.5, 0.5, 0.5), ...lagRows('rnn-linear', 2, 2, 2), ...lagRows('rnn-tanh', 0.5, 0.5, 0.45), ...lstm];
    const f = timeGradientsFinding(rows, timeConfig);
    expect(f.verdict).toBe('reproduced');
    expect(f.keyNumbers.rows.map((r) => r[2])).toEqual(['0.5', '2', '0.45', '0.8']);
  });
  test('the linear rate is off by 5%: partly', () => {
    const f = timeGradientsFinding([...lagRows('rnn-linear', 2, 2, 2.1), ...lagRows('rnn-tanh', 0.5, 0.5, 0.45), ...lstm], timeConfig);
    expect(f.verdict).toBe('partly');
  });
  test('a bound violated and the linear rate off: not, naming the setting', () => {
    const f = timeGradientsFinding([...lagRows('rnn-linear', 2, 2, 2.1), ...lagRows('rnn-tanh', 0.5, 0.5, 0.6), ...lstm], timeConfig);
    expect(f.verdict).toBe('not');
    expect(f.why).toMatch(/the bound is violated for tanh RNN, s = 0\.5/);
    expect(f.keyNumbers.rows.find((r) => r[0] === 'tanh RNN, s = 0.5')![5]).toBe('NO');
  });
});

describe('exploding-clipping finding', () => {
  const surface = (peak: number) => [0.1, 0.1, 0.1, peak].map((g, i) => ({ part: 'surface', model: 'one-unit', rho: '', clip: '', seed: 1, step: '', w: 4, b: i, loss: 0.1, grad_norm_preclip: g, nonfinite: 0, test_mse: '' }));
  const traj = (clip: string | number, losses: number[]) =>
    losses.flatMap((l, s) => [0, 10].map((step) => ({ part: 'trajectory', model: 'one-unit', rho: '', clip, seed: s + 1, step, w: 5, b: -3, loss: step === 0 ? 0.3 : l, grad_norm_preclip: 1, nonfinite: 0, test_mse: '' })));
  /** A training run's records at steps 0, 100, 200 (loss, pre-clip norm, non-finite count, test MSE). */
  type Kind = 'learns' | 'diverges' | 'baseline' | 'frozen' | 'never-improves';
  const RECORDS: Record<Kind, [number, number, number, number][]> = {
    learns: [[NaN, NaN, 0, 3], [0.3, 50, 0, 0.2], [0.05, 2, 0, 0.06]],
    diverges: [[NaN, NaN, 0, 3], [NaN, NaN, 7, NaN]],
    baseline: [[NaN, NaN, 0, 3], [0.2, 5, 0, 0.18], [0.17, 4, 0, 0.17]], // finite, improves on its start, but no better than 1/6
    frozen: [[NaN, NaN, 0, 6e22], [6.1e22, Infinity, 0, 6e22], [5.9e22, Infinity, 0, 6e22]], // the float32-overflow bug: every update zero
    'never-improves': [[NaN, NaN, 0, 0.1], [0.12, 1, 0, 0.1], [0.11, 1, 0, 0.12]], // learned-looking loss, test MSE never below its start
  };
  const run = (kind: Kind, model: string, clip: string | number, seed: number) =>
    RECORDS[kind].map(([loss, g, nonfinite, test], i) => ({ part: 'training', model, rho: 3, clip, seed, step: 100 * i, w: '', b: '', loss, grad_norm_preclip: g, nonfinite, test_mse: test }));
  const setting = (model: string, none: Kind[], clipped: Kind[], valueClipped: Kind[] = []) =>
    [...none.map((k, s) => run(k, model, 'none', s + 1)), ...clipped.map((k, s) => run(k, model, 'norm 1', s + 1)), ...valueClipped.map((k, s) => run(k, model, 'value 0.03', s + 1))].flat();
  const five = (k: Kind): Kind[] => [k, k, k, k, k];
  const config = { seeds: [1, 2, 3, 4, 5], surfaceW: [3, 8], surfaceWStep: 1, surfaceBStep: 1, trajectoryLearningRate: 3, trajectoryClip: 0.5, trajectoryValueClip: 0.35, models: ['rnn-relu'], rhos: [3], hidden: 4, addingSteps: 5, iterations: 200, batchSize: 4, learningRate: 0.1, recordEvery: 100, clips: ['none', 1], valueClips: [] };
  const rowsOf = (peak: number, clippedTraj: number[], training: Row[]) =>
    [...surface(peak), ...traj('none', [0.01, 0.01, 0.01, 0.01, 0.01].slice(0, clippedTraj.length)), ...traj('norm 0.5', clippedTraj), ...training] as Row[];
  const good = [0.01, 0.005, 0.004, 0.01, 0.003];

  test.each([
    ['reproduced', 1000, good, setting('rnn-relu', five('diverges'), five('learns'))],
    ['reproduced', 1000, good, setting('rnn-relu', ['diverges', 'diverges', 'diverges', 'diverges', 'learns'], ['learns', 'learns', 'frozen', 'learns', 'learns'])], // one odd seed each side cannot flip it
    ['partly', 1000, good, setting('rnn-relu', five('diverges'), ['learns', 'learns', 'frozen', 'baseline', 'learns'])], // two clipped seeds fail
    ['partly', 1000, good, setting('rnn-relu', five('diverges'), five('frozen'))], // the overflow bug: finite loss, Infinity norm, zero updates
    ['partly', 1000, good, setting('rnn-relu', five('diverges'), five('baseline'))], // finite but not learning
    ['partly', 1000, good, setting('rnn-relu', five('diverges'), five('never-improves'))],
    ['partly', 1000, good, [...setting('rnn-relu', five('diverges'), five('learns')), ...setting('rnn-tanh', five('diverges'), five('baseline'))]], // one setting not rescued
    ['partly', 1000, [0.01, 0.005, 0.02, 0.02, 0.003], setting('rnn-relu', five('diverges'), five('learns'))], // trajectories: higher in two seeds
    ['not', 1000, [0.01, 0.005, 0.02, 0.02, 0.003], setting('rnn-relu', ['diverges', 'diverges', 'diverges', 'learns', 'learns'], five('learns'))], // unclipped diverge in only 3 of 5
    ['not', 5, good, setting('rnn-relu', five('diverges'), five('learns'))], // no cliff on the surface
  ] as const)('→ %s (peak %d, clipped trajectory losses %j)', (verdict, peak, clippedTraj, training) => {
    const f = explodingClippingFinding(rowsOf(peak, [...clippedTraj], training as Row[]), config);
    expect(f.verdict).toBe(verdict);
  });

  test('fewer than 5 seeds cannot reproduce, and says so', () => {
    const rows = rowsOf(1000, [0.005, 0.004], setting('rnn-relu', ['diverges', 'diverges'], ['learns', 'learns']));
    const f = explodingClippingFinding(rows, { ...config, seeds: [1, 2] });
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/\(iii\) fails: no setting's unclipped runs diverge in all but at most one of ≥ 5 seeds \(this run has fewer than 5 seeds\)/);
  });

  test('the key numbers count broken and learned runs per setting and clip', () => {
    const rows = rowsOf(1000, good, setting('rnn-relu', five('diverges'), ['learns', 'learns', 'frozen', 'baseline', 'learns']));
    const f = explodingClippingFinding(rows, config);
    const line = (clip: string) => f.keyNumbers.rows.find((r) => r[0] === 'rnn-relu, ρ = 3' && r[1] === clip)!;
    expect(line('none').slice(2, 4)).toEqual(['5 of 5', '0 of 5']);
    expect(line('norm 1').slice(2, 4)).toEqual(['1 of 5', '3 of 5']);
    expect(f.why).toMatch(/norm clipping rescues none of them \(learned = final training loss ≤ 0\.15\)/);
  });

  test.each([
    ['learns', 'reproduced'],
    ['frozen', 'reproduced'],
  ] as const)('value clipping that %s is reported beside norm clipping and leaves the verdict (%s) alone', (kind, verdict) => {
    const rows = [...rowsOf(1000, good, setting('rnn-relu', five('diverges'), five('learns'), five(kind))), ...traj('value 0.35', [0.2, 0.2, 0.2, 0.2, 0.2])];
    const f = explodingClippingFinding(rows, { ...config, valueClips: [0.03] });
    expect(f.verdict).toBe(verdict);
    const learned = kind === 'learns' ? 5 : 0;
    expect(f.ours).toMatch(new RegExp(`rnn-relu, ρ = 3: seeds learned with norm 1: 5 of 5, value 0\\.03: ${learned} of 5`));
    expect(f.ours).toMatch(/value-clipped one-unit SGD ended at or below unclipped in 0 of 5 seeds/);
    expect(f.keyNumbers.rows.find((r) => r[0] === 'rnn-relu, ρ = 3' && r[1] === 'value 0.03')!.slice(2, 4)).toEqual([kind === 'learns' ? '0 of 5' : '5 of 5', `${learned} of 5`]);
  });

  test('a clip label that is neither none, norm X nor value X is refused', () => {
    const rows = rowsOf(1000, good, setting('rnn-relu', five('diverges'), five('learns')));
    expect(() => explodingClippingFinding([...rows, ...traj('1', good)], config)).toThrow(/clip label "1" is not 'none', 'norm X' or 'value X'/);
  });

  test.each([
    ['learns', false, true],
    ['diverges', true, false],
    ['baseline', false, false],
    ['frozen', true, false],
    ['never-improves', true, false],
  ] as const)('a run that %s: broken %s, learned %s', (kind, broken, learned) => {
    const rs = run(kind, 'rnn-relu', 1, 1) as Row[];
    expect(runBroken(rs)).toBe(broken);
    expect(runLearned(rs)).toBe(learned);
  });

  test('seeds: all but at most one of at least 5', () => {
    expect(holdsOverSeeds([true, true, true, true, false])).toBe(true);
    expect(holdsOverSeeds([true, true, true, false, false])).toBe(false);
    expect(holdsOverSeeds([true, true, true, true])).toBe(false);
    expect(holdsOverSeeds(Array<boolean>(9).fill(true))).toBe(true);
  });
});

describe('tbptt-window finding', () => {
  /** Final-step rows of one seed: accuracy per k2 for plain training, plus the readout-only control. */
  const seedRows = (seed: number, acc: Record<number, number>, readout: number) => [
    ...Object.entries(acc).map(([k2, accuracy]) => ({ task: 'echo', model: 'rnn-tanh', dep_len: 5, scheme: 'k1=1', k1: 1, k2: Number(k2), control: 'none', seed, step: 100, accuracy })),
    { task: 'echo', model: 'rnn-tanh', dep_len: 5, scheme: 'k1=1', k1: 1, k2: 6, control: 'readout-only', seed, step: 100, accuracy: readout },
    { task: 'echo', model: 'rnn-tanh', dep_len: 5, scheme: 'k1=1', k1: 1, k2: 5, control: 'paired-cosine', seed, step: 100, accuracy: 0.9, cos_to_full: 0.6 },
  ];
  const config = (seeds: number) => ({
    symbols: 4, sequences: 100, seeds: Array.from({ length: seeds }, (_, i) => i + 1), steps: 20, delays: [5], windowOffsets: [-3, 0, 1],
    schemes: ['k1=1'], models: ['rnn-tanh'], controls: ['readout-only', 'reset-state'], hidden: 8, batchSize: 8,
  });
  const run = (perSeed: [number, number, number, number][]) =>
    tbpttWindowFinding(perSeed.flatMap(([k2, k5, k6, readout], i) => seedRows(i + 1, { 2: k2, 5: k5, 6: k6 }, readout)), config(perSeed.length));
  const good: [number, number, number, number] = [0.3, 0.35, 0.99, 0.31];

  test('k2 = L + 1 beats the best k2 ≤ L and the readout-only control in 5 of 5 seeds: reproduced', () => {
    const f = run([good, good, good, good, [0.3, 0.4, 0.95, 0.32]]);
    expect(f.verdict).toBe('reproduced');
    expect(f.keyNumbers.rows[0]![6]).toMatch(/\(5 of 5 > 0\.25\)$/);
    expect(f.keyNumbers.rows[0]![9]).toBe('0.6 ± 0 / n/a');
  });
  test('one seed of five without the contrast cannot flip it', () => {
    expect(run([good, good, good, good, [0.3, 0.8, 0.95, 0.3]]).verdict).toBe('reproduced');
  });
  test('the contrast holds in every seed but only 3 seeds were run: partly', () => {
    const f = run([good, good, good]);
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/only 3 seeds/);
  });
  test('the readout-only control comes within the margin of k2 = L + 1: not', () => {
    const f = run([good, good, good, good, good].map(([a, b, c]) => [a, b, c, 0.8]));
    expect(f.verdict).toBe('not');
  });
  test('two of five seeds learn as well with k2 ≤ L: not, naming the group', () => {
    const f = run([good, good, good, [0.3, 0.9, 0.95, 0.3], [0.85, 0.3, 0.95, 0.3]]);
    expect(f.verdict).toBe('not');
    expect(f.why).toMatch(/rnn-tanh, L = 5, k1=1/);
  });
  test('one group holds and another does not: partly', () => {
    const chunked = (rows: Row[]) => rows.map((r) => ({ ...r, scheme: 'k1=k2', k1: r['k2']! }));
    const seeds = [good, good, good, good, good].flatMap(([a, b, c, d], i) => seedRows(i + 1, { 2: a, 5: b, 6: c }, d));
    const flat = [0.3, 0.3, 0.3, 0.3, 0.3].flatMap((a, i) => seedRows(i + 1, { 2: a, 5: a, 6: a }, a));
    const f = tbpttWindowFinding([...seeds, ...chunked(flat)], { ...config(5), schemes: ['k1=1', 'k1=k2'] });
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/holds in 1 of 2 groups; it fails for rnn-tanh, L = 5, k1=k2/);
  });
  test('no k2 = L + 1 arm: not, saying why', () => {
    const rows = seedRows(1, { 2: 0.3, 5: 0.3 }, 0.3);
    expect(tbpttWindowFinding(rows, config(1)).why).toMatch(/no group with both a k2 ≤ L and a k2 = L \+ 1 arm/);
  });
});

describe('long-term-memory finding', () => {
  /** Rows of one (model, T): per seed a start at 0.2 and the given final test MSE (NaN: the run broke). */
  const runs = (model: string, T: number, finals: number[]) =>
    finals.flatMap((m, s) =>
      [0, 100].map((step) => ({
        model,
        T,
        seed: s + 1,
        step,
        train_loss: step === 0 ? NaN : Number.isNaN(m) ? NaN : m,
        test_mse: step === 0 ? 0.2 : m,
        solved: step === 0 ? 0 : m < 0.01 ? 0.9 : 0.1,
        grad_norm_preclip: step === 0 ? NaN : 1.5,
      })),
    );
  const full = longTermMemory.sizes.full;
  const config = (T: number, seeds: number, iterations = full.iterations) => ({ ...full, iterations, lengths: [T], seeds: Array.from({ length: seeds }, (_, i) => i + 1) });
  const finding = (T: number, mse: Record<string, number[]>, iterations = full.iterations) =>
    longTermMemoryFinding(Object.entries(mse).flatMap(([model, finals]) => runs(model, T, finals)), config(T, mse['lstm']!.length, iterations));
  const solves = [0.002, 0.003, 0.002, 0.004, 0.003];
  const tanhFails = [0.16, 0.17, 0.15, 0.16, 0.16];
  const stuck = [0.16, 0.165, 0.15, 0.16, 0.16];

  test.each([
    ['all hold in 5 seeds', 100, { 'rnn-tanh': tanhFails, irnn: solves, lstm: solves }, 'reproduced', /LSTM solved 5 of 5 seeds \(solves\), IRNN solved 5 of 5 seeds \(solves\), tanh RNN above 0\.1 in 5 of 5 seeds \(fails\)\.$/],
    ['one IRNN seed of five unsolved cannot flip it', 100, { 'rnn-tanh': tanhFails, irnn: [0.002, 0.003, 0.15, 0.004, 0.003], lstm: solves }, 'reproduced', /IRNN solved 4 of 5 seeds \(solves\)/],
    ['one tanh seed of five that learns cannot flip it', 100, { 'rnn-tanh': [0.16, 0.005, 0.15, 0.16, 0.16], irnn: solves, lstm: solves }, 'reproduced', /tanh RNN above 0\.1 in 4 of 5 seeds \(fails\)/],
    ['IRNN solves 3 of 5 and learns in the rest: budget-limited', 100, { 'rnn-tanh': tanhFails, irnn: [0.002, 0.03, 0.05, 0.004, 0.003], lstm: solves }, 'partly', /the verdict is budget-limited: the IRNN solved 3 of 5 seeds at T = 100 in 10000 Adam steps and left the plateau \(final test MSE ≤ 0\.1\) in 5 of 5, with no broken run; in PyTorch the same settings need 1\.5–2× 3000 Adam steps/],
    ['IRNN solves 1 of 5, the rest on the plateau: budget-limited', 100, { 'rnn-tanh': tanhFails, irnn: [0.16, 0.165, 0.15, 0.004, 0.16], lstm: solves }, 'partly', /the verdict is budget-limited: the IRNN solved 1 of 5 seeds .* left the plateau .* in 1 of 5/],
    ['IRNN on the plateau in every seed: not called budget-limited', 100, { 'rnn-tanh': tanhFails, irnn: stuck, lstm: solves }, 'partly', /the IRNN solved 0 of 5 seeds at T = 100 in 10000 Adam steps and stayed on the plateau in every seed; in PyTorch/],
    ['IRNN runs broke: not budget-limited', 100, { 'rnn-tanh': tanhFails, irnn: [0.002, NaN, NaN, 0.05, 0.003], lstm: solves }, 'partly', /the IRNN solved 2 of 5 seeds .*; 2 of 5 of its runs broke \(non-finite values\), so the budget is not the only cause/],
    ['broken tanh runs are not failures', 100, { 'rnn-tanh': [NaN, NaN, 0.16, 0.16, 0.16], irnn: solves, lstm: solves }, 'partly', /tanh RNN above 0\.1 in 3 of 5 seeds \(does not fail\)/],
    ['everything holds but only 2 seeds', 100, { 'rnn-tanh': [0.16, 0.15], irnn: [0.002, 0.003], lstm: [0.002, 0.003] }, 'partly', /; only 2 seeds\.$/],
    ['T too short to decide', 25, { 'rnn-tanh': tanhFails, irnn: solves, lstm: solves }, 'partly', /T = 25 < 100 is too short to decide/],
    ['the tanh RNN learns', 100, { 'rnn-tanh': solves, irnn: solves, lstm: solves }, 'partly', /tanh RNN above 0\.1 in 0 of 5 seeds \(does not fail\)/],
    ['the LSTM solves 3 of 5', 100, { 'rnn-tanh': tanhFails, irnn: solves, lstm: [0.002, 0.05, 0.05, 0.004, 0.003] }, 'not', /LSTM solved 3 of 5 seeds \(does not solve\)/],
    ['the LSTM fails in 2 seeds of 2', 100, { 'rnn-tanh': [0.16, 0.15], irnn: [0.002, 0.003], lstm: [0.05, 0.002] }, 'not', /LSTM solved 1 of 2 seeds \(does not solve\).*only 2 seeds/],
  ])('%s → %s', (_, T, mse, verdict, why) => {
    const f = finding(T, mse);
    expect(f.verdict).toBe(verdict);
    expect(f.why).toMatch(why);
    // "solved" is a count of seeds, per model and T; a broken run never solves.
    const irnnRow = f.keyNumbers.rows.find((r) => r[1] === 'irnn')!;
    expect(irnnRow[4]).toBe(`${mse.irnn.filter((x) => x < 0.01).length} of ${mse.irnn.length}`);
    expect(irnnRow[6]).toBe(`${mse.irnn.filter((x) => Number.isNaN(x)).length} of ${mse.irnn.length}`);
  });

  test('a tanh RNN that failed with fewer Adam steps than the IRNN had does not count', () => {
    const f = finding(100, { 'rnn-tanh': tanhFails, irnn: solves, lstm: solves }, { 'rnn-tanh': 3000, irnn: 10000, lstm: 3000 });
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/the tanh RNN had fewer Adam steps \(3000\) than the IRNN \(10000\), so its failure does not count/);
    expect(f.keyNumbers.rows.map((r) => r[2])).toEqual(['3000', '10000', '3000']);
  });

  test('a run stored before the per-model budgets (one number) is still read', () => {
    const f = finding(100, { 'rnn-tanh': tanhFails, irnn: solves, lstm: solves }, 3000 as never);
    expect(f.verdict).toBe('reproduced');
    expect(f.setup).toMatch(/Adam steps: 3000 for the tanh RNN, 3000 for the IRNN, 3000 for the LSTM/);
  });

  test('the rule is stated in words: thresholds, seeds combined, budgets, broken runs', () => {
    const { rule } = finding(100, { 'rnn-tanh': tanhFails, irnn: solves, lstm: solves });
    expect(rule).toMatch(/final test MSE is below 0\.01 .* stays above 0\.1/);
    expect(rule).toMatch(/non-finite loss, test MSE or gradient norm is broken/);
    expect(rule).toMatch(/all but one seed from 5 seeds on/);
    expect(rule).toMatch(/tanh RNN fails with at least the IRNN's Adam steps, at T ≥ 100, with at least 5 seeds/);
    expect(rule).toMatch(/fewer than 5 seeds were run \("only n seeds"\)/);
    expect(rule).toMatch(/the verdict is budget-limited: in PyTorch the same settings need 1\.5–2× 3000 Adam steps to solve T = 100/);
  });
});

describe('rbm-likelihood finding', () => {
  /** Rows of one method: per seed a curve −6 → peak → final (exact log-likelihood). */
  const curves = (method: string, k: number, seeds: number[][]) =>
    seeds.flatMap(([peak, final], s) => [-6, peak, final].map((exact_ll, i) => ({ method, k, seed: s + 1, epoch: i * 1000, exact_ll, recon_error: 0.1 })));
  const times = (n: number, x: [number, number]): [number, number][] => Array.from({ length: n }, () => x);
  const finding = (cd1: number[][], cd10: number[][], pcd: number[][]) =>
    rbmLikelihoodFinding([...curves('cd', 1, cd1), ...curves('cd', 10, cd10), ...curves('pcd', 1, pcd)], {
      ...rbmLikelihood.sizes.full,
      seeds: cd1.map((_, i) => i + 1),
    });
  const cd1Falls = times(5, [-5.4, -7.5]);
  const cd10 = times(5, [-3.7, -3.8]);

  test.each([
    ['PCD above CD-10 above CD-1, CD-1 falls 2 nats', cd1Falls, cd10, times(5, [-3.5, -3.6]), 'reproduced', /^PCD-1 > CD-1 in 5 of 5 seeds \(holds\); PCD-1 > CD-10 in 5 of 5 seeds \(holds\); CD-10 > CD-1 in 5 of 5 seeds \(holds\); CD-1 fell more than 0\.5 nats from its peak in 5 of 5 seeds \(holds\)\.$/],
    ['one seed of five with CD-10 above PCD cannot flip it', cd1Falls, cd10, [...times(4, [-3.5, -3.6]), [-3.9, -4]], 'reproduced', /PCD-1 > CD-10 in 4 of 5 seeds \(holds\)/],
    ['our full run: CD-10 above PCD in every seed', cd1Falls, cd10, times(5, [-4.5, -5.3]), 'partly', /CD-10 > PCD-1 in 5 of 5 seeds \(contradicts PCD-1 > CD-10\)/],
    ['PCD above CD-10 in 3 of 5 seeds only', cd1Falls, cd10, [...times(3, [-3.5, -3.6]), ...times(2, [-3.9, -4])], 'partly', /PCD-1 > CD-10 in 3 of 5 seeds \(does not hold\)/],
    ['PCD below both CDs, CD-1 does not fall', times(5, [-5, -5.1]), cd10, times(5, [-5.5, -5.6]), 'not', /^CD-1 > PCD-1 in 5 of 5 seeds \(contradicts PCD-1 > CD-1\); CD-10 > PCD-1 in 5 of 5 seeds \(contradicts PCD-1 > CD-10\); .*CD-1 fell more than 0\.5 nats from its peak in 0 of 5 seeds \(does not hold\)/],
    ['everything holds in 2 seeds only', times(2, [-5.4, -7.5]), times(2, [-3.7, -3.8]), times(2, [-3.5, -3.6]), 'partly', /; only 2 seeds\.$/],
  ])('%s → %s', (_, cd1, cdk, pcd, verdict, why) => {
    const f = finding(cd1, cdk, pcd);
    expect(f.verdict).toBe(verdict);
    expect(f.why).toMatch(why);
  });

  test('the rule compares PCD with CD-1 and CD-10 and says how seeds combine', () => {
    const f = finding(cd1Falls, cd10, times(5, [-4.5, -5.3]));
    expect(f.rule).toMatch(/PCD-1 > CD-1; PCD-1 > CD-10; CD-10 > CD-1; CD-1 falls more than 0\.5 nats from its peak/);
    expect(f.rule).toMatch(/all but one seed from 5 seeds on/);
    expect(f.ours).toMatch(/final exact log-likelihood CD-1 -7\.5, CD-10 -3\.8, PCD-1 -5\.3; PCD-1 > CD-1 in 5 of 5 seeds; CD-10 > PCD-1 in 5 of 5 seeds/);
    expect(f.published.setup).toMatch(/not checked against the papers' text here/i);
  });
});

describe('pretraining finding', () => {
  /** One run: test error 0.9 at epoch 0, then per epoch the given [validation, test] errors. */
  const run = (init: string, seed: number, curve: [number, number][]) =>
    [[0.9, 0.9] as [number, number], ...curve].flatMap(([val, test], epoch) => [
      ...[1, 2, 3].map((layer) => ({ init, depth: 2, seed, epoch, split: 'train', layer, grad_l2: layer, train_loss: 1, error: 0.5 })),
      { init, depth: 2, seed, epoch, split: 'validation', layer: '', grad_l2: '', train_loss: '', error: val },
      { init, depth: 2, seed, epoch, split: 'test', layer: '', grad_l2: '', train_loss: '', error: test },
    ]);
  /** Runs whose test error at the validation minimum (epoch 2) is the given value; the last epoch's test error is lower still. */
  const rows = (errors: Record<string, number[]>) =>
    Object.entries(errors).flatMap(([init, perSeed]) =>
      perSeed.flatMap((e, s) => run(init, s + 1, [[0.3, 0.5], [0.2, e], [0.25, e - 0.05]])),
    );
  const config = (seeds: number) => ({ depths: [2], seeds: Array.from({ length: seeds }, (_, i) => i + 1), width: 10, trainSize: 10, validationSize: 2, testSize: 10, randomInit: 'standard', pretrainEpochs: 1, epochs: 20, learningRate: 0.1, momentum: 0.9 });

  test('the validation-selected epoch is the argmin of validation error (earliest on ties, epoch 0 excluded) and the test error is read there', () => {
    expect(selectEpoch(run('dbn', 1, [[0.3, 0.5], [0.2, 0.13], [0.25, 0.08]]))).toEqual({ epoch: 2, validationError: 0.2, testError: 0.13 });
    expect(selectEpoch(run('dbn', 1, [[0.2, 0.5], [0.3, 0.1], [0.2, 0.08]]))).toEqual({ epoch: 1, validationError: 0.2, testError: 0.5 });
    expect(selectEpoch(run('dbn', 1, [[NaN, 0.5], [0.4, 0.3]]))).toEqual({ epoch: 2, validationError: 0.4, testError: 0.3 });
    expect(selectEpoch(run('dbn', 1, [[NaN, NaN]])).epoch).toBeNaN(); // a broken run selects nothing
  });

  test.each([
    ['3 seeds, ≥ 5% lower in each', { random: [0.15, 0.16, 0.15], dbn: [0.12, 0.13, 0.13] }, 'reproduced', /lower in 3 of 3, by ≥ 5\.0% in 3 of 3 seeds/],
    ['5 seeds, one odd seed cannot flip it', { random: [0.15, 0.16, 0.15, 0.15, 0.15], dbn: [0.12, 0.13, 0.13, 0.16, 0.13] }, 'reproduced', /lower in 4 of 5, by ≥ 5\.0% in 4 of 5 seeds/],
    ['3 seeds, one only 1.3% lower', { random: [0.15, 0.16, 0.15], dbn: [0.148, 0.13, 0.13] }, 'partly', /by ≥ 5\.0% in 2 of 3 seeds/],
    ['everything holds but only 2 seeds', { random: [0.15, 0.16], dbn: [0.12, 0.13] }, 'partly', /only 2 seeds/],
    ['DBN higher', { random: [0.15, 0.16, 0.15], dbn: [0.16, 0.17, 0.16] }, 'not', /lower in 0 of 3/],
    ['a broken DBN run never counts as lower', { random: [0.15, 0.16, 0.15], dbn: [NaN, NaN, NaN] }, 'not', /lower in 0 of 3/],
  ])('%s → %s', (_, errors, verdict, why) => {
    const f = pretrainingFinding(rows(errors), config(errors.dbn.length));
    expect(f.verdict).toBe(verdict);
    expect(f.why).toMatch(why);
    expect(f.keyNumbers.rows.map((r) => r[0])).toEqual(['random', 'dbn']);
    expect(f.keyNumbers.rows[1]![1]).toBe(fmtSeeds(errors.dbn)); // read at the validation-selected epoch 2, not the last
  });

  test('the rule says how the epoch is chosen and how seeds combine', () => {
    const f = pretrainingFinding(rows({ random: [0.15, 0.16, 0.15], dbn: [0.12, 0.13, 0.13] }), config(3));
    expect(f.rule).toMatch(/validation-selected epoch \(least validation error, earliest on ties\)/);
    expect(f.rule).toMatch(/in every seed \(all but one from 5 seeds on\), with at least 3 seeds/);
    expect(f.setup).toMatch(/of the first 10 training images, 2 drawn at random per seed \(Rng fork 'pretraining\/validation'\) are held out for validation/);
    expect(f.keyNumbers.rows[1]![2]).toBe('2, 2, 2');
  });
});

describe('deep-autoencoder finding', () => {
  type Errors = Partial<Record<'rbm' | 'random' | 'pca' | 'logistic-pca' | 'mean-image', number[]>>;
  const rows = (errors: Errors) =>
    Object.entries(errors).flatMap(([init, perSeed]) =>
      perSeed.flatMap((e, s) =>
        (init === 'rbm' || init === 'random' ? [0, 5] : [0]).map((epoch) => ({ init, seed: s + 1, epoch, split: 'test', recon_error: epoch === 0 && (init === 'rbm' || init === 'random') ? 100 : e, layer: '', grad_l2: '' })),
      ),
    );
  const config = (seeds: number) => ({ layerSizes: [784, 30], seeds: Array.from({ length: seeds }, (_, i) => i + 1), trainSize: 10, testSize: 10, randomInit: 'normal-0.01', pretrainEpochs: 1, epochs: 20, optimizer: 'sgd', learningRate: 0.001, logisticPcaIterations: 300 });
  const three = (x: number): number[] => [x, x + 0.1, x - 0.1];
  const base = { random: three(67.9), pca: three(12.24), 'logistic-pca': three(10), 'mean-image': three(67.93) };

  test.each([
    ['beats PCA-30, logistic PCA-30 and random init in 3 of 3 seeds', { ...base, rbm: three(8.88) }, 'reproduced', /below PCA-30 in 3 of 3 seeds \(holds\); .* below logistic PCA-30 in 3 of 3 seeds \(holds\); .* below the random-init one in 3 of 3 seeds \(holds\); random init within 5% of the mean image in 3 of 3 seeds\.$/],
    ['5 seeds: one seed above PCA cannot flip it', { random: [60, 60, 60, 60, 60], pca: [12, 12, 12, 12, 12], 'logistic-pca': [10, 10, 10, 10, 10], 'mean-image': [68, 68, 68, 68, 68], rbm: [8, 8, 13, 8, 8] }, 'reproduced', /below PCA-30 in 4 of 5 seeds \(holds\)/],
    ['beats PCA-30 but not logistic PCA-30', { ...base, rbm: three(11) }, 'partly', /below logistic PCA-30 in 0 of 3 seeds \(does not hold\)/],
    ['everything holds in 2 seeds only', { random: [67, 67], pca: [12, 12], 'logistic-pca': [10, 10], 'mean-image': [68, 68], rbm: [8, 8] }, 'partly', /only 2 seeds \(reproduced needs 3\)/],
    ['above PCA-30 in one seed of three', { ...base, rbm: [8.8, 8.9, 12.5] }, 'not', /below PCA-30 in 2 of 3 seeds \(does not hold\)/],
    ['worse than PCA-30 although better than random init', { ...base, rbm: three(20) }, 'not', /below PCA-30 in 0 of 3 seeds .* below the random-init one in 3 of 3 seeds \(holds\)/],
    ['a broken (non-finite) pretrained run is never below', { ...base, rbm: [NaN, NaN, NaN] }, 'not', /below PCA-30 in 0 of 3 seeds/],
  ] as const)('%s → %s', (_, errors, verdict, why) => {
    const f = deepAutoencoderFinding(rows(errors as Errors), config(errors.rbm.length));
    expect(f.verdict).toBe(verdict);
    expect(f.why).toMatch(why);
  });

  test('the table sets our five models beside the paper\'s three MNIST numbers, labelled as MNIST', () => {
    const f = deepAutoencoderFinding(rows({ ...base, rbm: three(8.88) }), config(3));
    expect(f.keyNumbers.rows).toEqual([
      ['autoencoder, RBM-pretrained', '100 ± 0', '8.88 ± 0.1', '3', '3.00'],
      ['autoencoder, random init', '100 ± 0', '67.9 ± 0.1', '3', '—'],
      ['logistic PCA', '—', '10 ± 0.1', '3', '8.01'],
      ['PCA', '—', '12.2 ± 0.1', '3', '13.87'],
      ['mean image', '—', '67.9 ± 0.1', '3', '—'],
    ]);
    expect(f.published.paper).toMatch(/Fig\. 2B caption/);
    expect(f.published.setup).toMatch(/^MNIST \(we use Fashion-MNIST/);
    expect(f.rule).toMatch(/every seed \(all but one from 5 seeds on\)/);
  });
});
