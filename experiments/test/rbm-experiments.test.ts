import { describe, expect, test } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest, runExperiment, verifyManifest } from '@gradlab/lab';
import { loadRBM } from '@gradlab/rbm';
import { deepAutoencoder } from '../src/deep-autoencoder.js';
import { pretraining } from '../src/pretraining.js';
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
  test('three initialisations, per-layer gradient norms from epoch 0, deterministic', async () => {
    const tiny = { trainSize: 300, testSize: 100, width: 16, depths: [2], pretrainEpochs: 1, epochs: 1, probeSize: 50, lossSubset: 100, batchSize: 50 };
    const a = tmp();
    const b = tmp();
    const r = await runExperiment(pretraining, { size: 'quick', config: tiny, outDir: a });
    await runExperiment(pretraining, { size: 'quick', config: tiny, outDir: b });
    const csv = readFileSync(join(a, 'pretraining.csv'), 'utf8');
    expect(csv).toBe(readFileSync(join(b, 'pretraining.csv'), 'utf8'));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('init,depth,seed,epoch,layer,grad_l2,train_loss,test_error');
    expect(lines).toHaveLength(1 + 3 * 2 * 3); // 3 inits × epochs {0, 1} × 3 weight layers
    for (const init of ['random', 'dbn', 'sdae']) expect(csv).toContain(`\n${init},2,1,0,1,`);
    const synthetic = r.assembled!.notices.some((n) => n.startsWith('SYNTHETIC DATA'));
    // On a machine without Fashion-MNIST the run says loudly that it used synthetic images.
    if (!existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) expect(synthetic).toBe(true);
  });
});

describe('deep-autoencoder', () => {
  test('random vs RBM-pretrained: error rows per split, gradient rows per layer, reconstruction PNGs', async () => {
    const tiny = { layerSizes: [784, 20, 10, 4], trainSize: 200, testSize: 50, pretrainEpochs: 1, epochs: 1, probeSize: 50, trainEvalSize: 100, batchSize: 50, gridImages: 4 };
    const a = tmp();
    await runExperiment(deepAutoencoder, { size: 'quick', config: tiny, outDir: a });
    const csv = readFileSync(join(a, 'deep-autoencoder.csv'), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('init,seed,epoch,split,recon_error,layer,grad_l2');
    expect(lines).toHaveLength(1 + 2 * 2 * (6 + 1)); // 2 inits × epochs {0, 1} × (6 layers + 1 test row)
    expect(lines.filter((l) => l.includes(',test,'))).toHaveLength(4);
    for (const init of ['random', 'rbm']) {
      const png = readFileSync(join(a, `reconstructions-${init}-seed1.png`));
      expect(Array.from(png.subarray(1, 4))).toEqual([80, 78, 71]); // "PNG"
    }
    expect((await verifyManifest(a)).ok).toBe(true);
    await expect(runExperiment(deepAutoencoder, { size: 'quick', config: { ...tiny, layerSizes: [100, 10] }, outDir: tmp() })).rejects.toThrow(
      /deep-autoencoder: expected layerSizes\[0\] to be the image size 784, got 100/,
    );
  });
});
