/**
 * conv-pretraining: the verdict rule on made-up rows (reproduced / partly / not, a broken run,
 * too few seeds), and at quick size the effects the experiment rests on: each convolutional
 * autoencoder's reconstruction error falls during pretraining, fine-tuning lowers the error of
 * both inits, the finding reads the rows, and a rerun gives the same rows.
 */
import { describe, expect, test } from 'vitest';
import { Rng } from '@gradlab/core';
import type { Row } from '@gradlab/lab';
import { convPretraining, convPretrainingRows, type ConvPretrainingConfig } from '../src/conv-pretraining.js';
import { MIN_CONV_GAIN, convPretrainingFinding, convPretrainingVerdict } from '../src/findings/conv-pretraining.js';
import { EXPERIMENTS } from '../src/registry.js';

const quick = convPretraining.sizes.quick;
const full = convPretraining.sizes.full;

/** Made-up rows of one run: validation errors per epoch 0…E, test errors per epoch. */
function run(init: string, seed: number, validation: number[], test: number[]): Row[] {
  return validation.flatMap((v, epoch) => [
    { init, seed, epoch, split: 'validation', layer: '', recon_error: '', train_loss: '', error: v },
    { init, seed, epoch, split: 'test', layer: '', recon_error: '', train_loss: '', error: test[epoch]! },
  ]);
}

/** Per seed: random's and scae's test errors at their (least-validation) epoch 2. */
function rows(pairs: [number, number][]): Row[] {
  return pairs.flatMap(([r, s], i) => [
    ...run('random', i + 1, [0.9, 0.3, 0.2, 0.25], [0.9, 0.35, r, 0.1]),
    ...run('scae', i + 1, [0.9, 0.3, 0.2, 0.25], [0.9, 0.35, s, 0.1]),
  ]);
}

const config3: ConvPretrainingConfig = { ...full, seeds: [1, 2, 3] };

describe('conv-pretraining verdict rule (made-up rows)', () => {
  test('a ≥ 3% reduction in every one of 3 seeds: reproduced; the test error is read at the validation-selected epoch', () => {
    const f = convPretrainingFinding(rows([[0.2, 0.18], [0.21, 0.2], [0.19, 0.18]]), config3);
    expect(f.verdict).toBe('reproduced');
    // The later epoch's lower test error (0.1) is never looked at: epoch 2 has the least validation error.
    expect(f.keyNumbers.rows.map((r) => r[2])).toEqual(['2, 2, 2', '2, 2, 2']);
    expect(f.why).toMatch(/^relative reduction per seed 10\.0%, 4\.8%, 5\.3%: positive in 3 of 3, ≥ 3\.0% in 3 of 3 seeds/);
  });

  test('lower in every seed but by less than 3% in one: partly', () => {
    expect(convPretrainingFinding(rows([[0.2, 0.18], [0.2, 0.199], [0.2, 0.18]]), config3).verdict).toBe('partly');
  });

  test('lower only on the mean: partly; higher on the mean: not', () => {
    expect(convPretrainingFinding(rows([[0.2, 0.1], [0.2, 0.21], [0.2, 0.21]]), config3).verdict).toBe('partly');
    expect(convPretrainingFinding(rows([[0.2, 0.19], [0.2, 0.22], [0.2, 0.22]]), config3).verdict).toBe('not');
  });

  test('one seed cannot flip it: a large gain in one seed of three, equal errors elsewhere, is not reproduced', () => {
    expect(convPretrainingFinding(rows([[0.2, 0.1], [0.2, 0.2], [0.2, 0.2]]), config3).verdict).toBe('partly');
  });

  test('a broken scae run (NaN validation error throughout) is never lower, and its NaN mean is not a gain', () => {
    const broken = rows([[0.2, 0.1], [0.2, 0.1], [0.2, 0.1]]).map((r) => (r['init'] === 'scae' && r['seed'] === 1 ? { ...r, error: NaN } : r));
    const f = convPretrainingFinding(broken, config3);
    expect(f.verdict).toBe('not');
    expect(f.why).toMatch(/positive in 2 of 3/);
  });

  test('fewer than 3 seeds: at most partly, saying why', () => {
    const f = convPretrainingFinding(rows([[0.2, 0.1], [0.2, 0.1]]), { ...full, seeds: [1, 2] });
    expect(f.verdict).toBe('partly');
    expect(f.why).toMatch(/only 2 seeds \(reproduced needs 3\)/);
  });

  test('the rule function: thresholds at exactly 3%, NaN, no seeds', () => {
    expect(convPretrainingVerdict([MIN_CONV_GAIN, MIN_CONV_GAIN, MIN_CONV_GAIN]).verdict).toBe('reproduced');
    expect(convPretrainingVerdict([MIN_CONV_GAIN, MIN_CONV_GAIN, 0.0299]).verdict).toBe('partly');
    expect(convPretrainingVerdict([NaN, NaN, NaN]).verdict).toBe('not');
    expect(convPretrainingVerdict([]).verdict).toBe('not');
  });
});

describe('conv-pretraining at quick size', () => {
  test('registered; the quick size is small (one seed, two cells, ≤ 600 images)', () => {
    expect(EXPERIMENTS.get('conv-pretraining')).toBe(convPretraining);
    expect(quick.seeds).toHaveLength(1);
    expect(quick.trainSize).toBeLessThanOrEqual(600);
    expect(full.seeds.length).toBeGreaterThanOrEqual(3);
  });

  test('pretraining lowers each autoencoder\'s reconstruction error; fine-tuning lowers the validation error of both inits; the finding reads the rows', async () => {
    const all: Row[] = [];
    for (const init of quick.inits) {
      const rs = await convPretrainingRows({ init, seed: 1 }, quick, new Rng(1).fork(init));
      all.push(...rs.map((r) => ({ init, seed: 1, ...r })));
    }
    const recon = (layer: number) => all.filter((r) => r['split'] === 'pretrain' && r['layer'] === layer).map((r) => r['recon_error'] as number);
    for (const layer of [1, 2]) {
      const e = recon(layer);
      expect(e).toHaveLength(quick.pretrainEpochs);
      expect(e.at(-1)!).toBeLessThan(e[0]!);
    }
    for (const init of quick.inits) {
      const v = all.filter((r) => r['init'] === init && r['split'] === 'validation').map((r) => r['error'] as number);
      expect(v).toHaveLength(quick.epochs + 1);
      expect(Math.min(...v.slice(1))).toBeLessThan(v[0]! - 0.1);
    }
    const f = convPretrainingFinding(all, quick);
    expect(['reproduced', 'partly', 'not']).toContain(f.verdict);
    expect(f.why).toMatch(/only 1 seed \(reproduced needs 3\)/);
  });

  test('a rerun of a tiny cell gives the same rows', async () => {
    const tiny = { ...quick, trainSize: 150, validationSize: 50, testSize: 50, lossSubset: 50, epochs: 1 };
    const a = await convPretrainingRows({ init: 'scae', seed: 2 }, tiny, new Rng(2).fork('scae'));
    const b = await convPretrainingRows({ init: 'scae', seed: 2 }, tiny, new Rng(2).fork('scae'));
    expect(b).toEqual(a);
  });
});
