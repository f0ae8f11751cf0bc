import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest, readResultsCsv, runExperiment, verifyManifest } from '@gradlab/lab';
import { loadRBM } from '@gradlab/rbm';
import { deepAutoencoder } from '../src/deep-autoencoder.js';
import { pretraining, validationSplit } from '../src/pretraining.js';
import { fmt } from '../src/findings/stats.js';
import { rbmLikelihood } from '../src/rbm-likelihood.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gradlab-rbm-exp-'));

describe('rbm-likelihood', () => {
  const tiny = { methods: ['cd-1', 'pcd-1'], epochs: 12, evalEvery: 6, aisRuns: 8, aisBetas: 40, numHidden: 6 };

  test('rows, AIS columns on the last row, weights saved and loadable; reruns give byte-identical CSVs', async () => {
    const a = tmp();
    const b = tmp();
    const r = await runExperiment(rbmLikelihood, { size: 'quick', config: tiny, outDir: a });
    await runExperiment(rbmLikelihood, { size: 'quick', config: tiny, outDir: b });
    const csv = readFileSync(join(a, 'rbm-likelihood.csv'), 'utf8');
    expect(csv).toBe(readFileSync(join(b, 'rbm-likelihood.csv'), 'utf8'));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('method,k,seed,epoch,exact_ll,pll,recon_error,log_z,ais_log_z,ais_log_z_stderr,ais_ll,ais_ll_low,ais_ll_high');
    expect(lines).toHaveLength(1 + 2 * 3); // epochs 0, 6, 12 for two methods
    expect(lines[1]).toMatch(/^cd,1,1,0,-?[0-9.]+,-?[0-9.]+,[0-9.]+,[0-9.]+,,,,,$/);
    const last = lines[3]!.split(',');
    expect(last[3]).toBe('12');
    // AIS log Z near the exact one on this tiny model.
    expect(Math.abs(Number(last[8]) - Number(last[7]))).toBeLessThan(0.5);
    expect(r.assembled!.plots.map((p) => p.split('/').at(-1))).toEqual(['rbm-likelihood-exact-ll.svg', 'rbm-likelihood-pll.svg', 'rbm-likelihood-recon.svg']);
    const weights = join(a, 'weights-pcd-1-seed1.safetensors');
    expect(existsSync(weights)).toBe(true);
    const rbm = await loadRBM(weights);
    expect([rbm.numVisible, rbm.numHidden]).toEqual([16, 6]);
    rbm.dispose();
    expect((await readManifest(a)).outputs.map((o) => o.path)).toContain('weights-cd-1-seed1.safetensors');
    expect((await verifyManifest(a)).ok).toBe(true);
  });

  test('a bad method is named in the error', async () => {
    await expect(runExperiment(rbmLikelihood, { size: 'quick', config: { methods: ['cd-0'] }, outDir: tmp() })).rejects.toThrow(
      /expected methods\[0\] to be a method like "cd-1", "cd-10", "pcd-1" or "fpcd-1", got "cd-0"/,
    );
  });
});

describe('pretraining', () => {
  test('synthetic data forced by an empty --data folder: said loudly, chance-level at the start, the gradient vanishes towards the input; deterministic; the finding reads the test error at the validation-selected epoch', async () => {
    const tiny = { trainSize: 300, validationSize: 60, testSize: 100, width: 16, depths: [2], pretrainEpochs: 1, epochs: 2, probeSize: 50, lossSubset: 100, batchSize: 50 };
    const empty = tmp(); // no data set in it: the synthetic Shapeset-like images, wherever Fashion-MNIST is installed
    const a = tmp();
    const b = tmp();
    const r = await runExperiment(pretraining, { size: 'quick', config: tiny, outDir: a, dataDir: empty });
    await runExperiment(pretraining, { size: 'quick', config: tiny, outDir: b, dataDir: empty });
    const notice =
      `SYNTHETIC DATA: no MNIST-like data set was found (in ${empty}, the folder given); these results use 28×28 Shapeset-like images instead ` +
      'and are not comparable with published numbers (apt-get install dataset-fashion-mnist).';
    expect(r.assembled!.notices).toEqual([notice]);
    expect((await readManifest(a)).notices).toEqual(r.assembled!.notices);
    const csv = readFileSync(join(a, 'pretraining.csv'), 'utf8');
    expect(csv).toBe(readFileSync(join(b, 'pretraining.csv'), 'utf8'));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('init,depth,seed,epoch,split,layer,grad_l2,train_loss,error');
    expect(lines).toHaveLength(1 + 4 * 3 * (3 + 2)); // 4 inits × epochs {0, 1, 2} × (3 weight layers + validation + test)
    const rows = readResultsCsv(join(a, 'pretraining.csv'));
    const at = (init: string, epoch: number, split: string, layer: number | '' = '') => rows.find((x) => x['init'] === init && x['epoch'] === epoch && x['split'] === split && x['layer'] === layer)!;
    // Nine balanced shape classes: every net starts at chance, error 8/9 (measured 0.89 for all four).
    for (const init of ['random', 'dbn', 'sdae', 'scae']) {
      for (const split of ['validation', 'test']) expect(Math.abs((at(init, 0, split)['error'] as number) - 8 / 9)).toBeLessThan(0.07);
    }
    // Random init starts at the chance-level loss ln 9 ≈ 2.197 (measured 2.227).
    expect(Math.abs((at('random', 0, 'train', 1)['train_loss'] as number) - Math.log(9))).toBeLessThan(0.1);
    // The deep sigmoid net's gradient shrinks towards the input: ‖∂L/∂W_1‖ is a tenth of the
    // output layer's at the start (measured 0.0263 vs 0.269).
    expect(at('random', 0, 'train', 1)['grad_l2'] as number).toBeLessThan((at('random', 0, 'train', 3)['grad_l2'] as number) / 5);
    // The finding's number is the test error at the epoch (1 or 2) of least validation error, earliest on ties.
    const val = [1, 2].map((e) => at('random', e, 'validation')['error'] as number);
    const chosen = val[1]! < val[0]! ? 2 : 1;
    const f = pretraining.finding!(rows, { ...pretraining.sizes.quick, ...tiny });
    expect(f.keyNumbers.rows.find((x) => x[0] === 'random')!.slice(1, 3)).toEqual([fmt(at('random', chosen, 'test')['error'] as number), String(chosen)]);
  });

  test('the validation split: validationSize rows drawn per seed, disjoint from the training rows; a size too large is named', () => {
    const s1 = validationSplit(300, 60, 1);
    expect([s1.train.length, s1.validation.length]).toEqual([240, 60]);
    expect([...s1.train, ...s1.validation].sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(Array.from(validationSplit(300, 60, 1).validation)).toEqual(Array.from(s1.validation)); // same seed, same rows
    expect(Array.from(validationSplit(300, 60, 2).validation)).not.toEqual(Array.from(s1.validation));
    expect(Array.from(s1.validation)).not.toEqual(Array.from({ length: 60 }, (_, i) => i)); // drawn, not the first rows
    expect(() => validationSplit(300, 300, 1)).toThrow(/pretraining: expected validationSize to be below trainSize 300, got 300/);
  });
});

describe('deep-autoencoder', () => {
  test('quick size on Fashion-MNIST (synthetic when absent): random init settles on the mean image, pretraining beats it, logistic PCA beats PCA; rows, PNGs, finding', async () => {
    const a = tmp();
    const r = await runExperiment(deepAutoencoder, { size: 'quick', config: {}, outDir: a });
    const csv = readFileSync(join(a, 'deep-autoencoder.csv'), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('init,seed,epoch,split,recon_error,layer,grad_l2');
    expect(lines).toHaveLength(1 + 2 * 4 * (8 + 1) + 3 * 2); // 2 inits × epochs 0–3 × (8 layers + 1 test row) + 3 baselines × (train, test)
    const rows = readResultsCsv(join(a, 'deep-autoencoder.csv'));
    const test = (init: string) => rows.filter((x) => x['init'] === init && x['split'] === 'test').at(-1)!['recon_error'] as number;
    expect(['random', 'rbm', 'pca', 'logistic-pca', 'mean-image'].every((m) => Number.isFinite(test(m)))).toBe(true);
    if (r.assembled!.notices.length === 0) {
      // Fashion-MNIST, measured at quick size, seed 1 (784-200-100-50-10, 3 + 3 epochs): random 68.6
      // against the mean image's 68.7 (it settles on the mean); pretrained 43.1; PCA-10 18.9,
      // logistic PCA-10 15.4. The synthetic images were not measured: only the notice is checked.
      expect(Math.abs(test('random') / test('mean-image') - 1)).toBeLessThan(0.05);
      expect(test('rbm')).toBeLessThan(0.8 * test('random'));
      expect(test('pca')).toBeLessThan(0.5 * test('mean-image'));
      expect(test('logistic-pca')).toBeLessThan(test('pca'));
      // At this size (10-unit code, 3 epochs) the autoencoder is still far above PCA: the finding says not.
      expect(deepAutoencoder.finding!(rows, deepAutoencoder.sizes.quick).verdict).toBe('not');
    } else {
      expect(r.assembled!.notices[0]).toMatch(/^SYNTHETIC DATA/);
    }
    for (const init of ['random', 'rbm']) {
      const png = readFileSync(join(a, `reconstructions-${init}-seed1.png`));
      expect(Array.from(png.subarray(1, 4))).toEqual([80, 78, 71]); // "PNG"
    }
    expect((await verifyManifest(a)).ok).toBe(true);
  });

  test('a layer size that is not the image size is named', async () => {
    await expect(runExperiment(deepAutoencoder, { size: 'quick', config: { layerSizes: [100, 10], baselines: [] }, outDir: tmp() })).rejects.toThrow(
      /deep-autoencoder: expected layerSizes\[0\] to be the image size 784, got 100/,
    );
  });
});
