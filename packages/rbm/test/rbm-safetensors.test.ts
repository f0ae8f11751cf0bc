import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FileFormatError, Rng, barsAndStripes, decodeSafetensors, encodeSafetensors, tf } from '@gradlab/core';
import { BernoulliRBM, GaussianBernoulliRBM, decodeRBM, encodeRBM, loadRBM, pseudoLikelihood, saveRBM } from '../src/index.js';
import { fixtureModel } from '../scripts/write-gradlab-fixture.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'gradlab-rbm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('scikit-learn names in safetensors', () => {
  test('a model is written as components_ [hidden, visible], intercept_hidden_ [hidden], intercept_visible_ [visible] and read back', async () => {
    const rbm = new BernoulliRBM({ numVisible: 5, numHidden: 3, weightStd: 0.3, visibleMeans: [0.1, 0.2, 0.3, 0.4, 0.5] }, new Rng(1));
    const path = join(tmp, 'rbm.safetensors');
    await saveRBM(path, rbm, { note: 'test' });
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)), path);
    expect(Object.keys(tensors).sort()).toEqual(['components_', 'intercept_hidden_', 'intercept_visible_']);
    expect(tensors['components_']!.shape).toEqual([3, 5]);
    expect(tensors['intercept_hidden_']!.shape).toEqual([3]);
    expect(tensors['intercept_visible_']!.shape).toEqual([5]);
    expect(metadata).toMatchObject({ gradlab_model: 'BernoulliRBM', n_components: '3', n_features_in: '5', note: 'test' });
    // components_ is Wᵀ.
    const w = rbm.weight.arraySync() as number[][];
    expect(tensors['components_']!.data[1 * 5 + 4]).toBeCloseTo(w[4]![1]!, 7);
    const back = await loadRBM(path);
    expect(back).toBeInstanceOf(BernoulliRBM);
    expect(Array.from(back.weight.dataSync())).toEqual(Array.from(rbm.weight.dataSync()));
    expect(Array.from(back.visibleBias.dataSync())).toEqual(Array.from(rbm.visibleBias.dataSync()));
    expect(Array.from(back.hiddenBias.dataSync())).toEqual(Array.from(rbm.hiddenBias.dataSync()));
    back.dispose();
    rbm.dispose();
  });

  test('a GaussianBernoulliRBM keeps its class through the metadata', () => {
    const rbm = new GaussianBernoulliRBM({ numVisible: 2, numHidden: 4 }, new Rng(2));
    const back = decodeRBM(encodeRBM(rbm), 'memory');
    expect(back).toBeInstanceOf(GaussianBernoulliRBM);
    expect(Array.from(back.weight.dataSync())).toEqual(Array.from(rbm.weight.dataSync()));
    back.dispose();
    rbm.dispose();
  });

  test('a model fitted by scikit-learn 1.2 loads and gives its transform, _free_energy and pseudo-likelihood', async () => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'sklearn-rbm.json'), 'utf8')) as {
      transform: number[][];
      free_energy: number[];
      pseudo_likelihood_per_unit: number;
    };
    const rbm = await loadRBM(join(FIXTURES, 'sklearn-rbm.safetensors')); // float64 tensors
    expect([rbm.numVisible, rbm.numHidden]).toEqual([16, 12]);
    const data = barsAndStripes(4);
    const x = tf.tensor2d(data.x, data.shape);
    const h = rbm.meanHidden(x).arraySync() as number[][];
    const f = Array.from(rbm.freeEnergy(x).dataSync());
    h.forEach((row, i) => row.forEach((p, j) => expect(Math.abs(p - expected.transform[i]![j]!)).toBeLessThan(1e-5)));
    f.forEach((v, i) => expect(Math.abs(v - expected.free_energy[i]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(v))));
    expect(pseudoLikelihood(rbm, x)).toBeCloseTo(expected.pseudo_likelihood_per_unit, 4);
    x.dispose();
    rbm.dispose();
  });

  test('the committed gradlab fixture (checked in scikit-learn by sklearn_crosscheck.py) is byte-identical to a fresh encoding', () => {
    const rbm = fixtureModel();
    const bytes = encodeRBM(rbm);
    expect(Buffer.from(bytes).equals(readFileSync(join(FIXTURES, 'gradlab-rbm.safetensors')))).toBe(true);
    rbm.dispose();
  });

  test('malformed files are rejected with the tensor and shapes named', () => {
    const f32 = (shape: number[]) => ({ dtype: 'F32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const missing = encodeSafetensors({ components_: f32([3, 4]), intercept_hidden_: f32([3]) });
    expect(() => decodeRBM(missing, 'a.safetensors')).toThrow(FileFormatError);
    expect(() => decodeRBM(missing, 'a.safetensors')).toThrow(/a.safetensors: expected a tensor named "intercept_visible_"/);
    const badShape = encodeSafetensors({ components_: f32([3, 4]), intercept_hidden_: f32([2]), intercept_visible_: f32([4]) });
    expect(() => decodeRBM(badShape, 'b.safetensors')).toThrow(/b.safetensors: expected "intercept_hidden_" of shape \[3\] \(components_ is \[3,4\]\), got \[2\]/);
    const badType = encodeSafetensors({ components_: { dtype: 'I32', shape: [1, 1], data: new Int32Array(1) }, intercept_hidden_: f32([1]), intercept_visible_: f32([1]) });
    expect(() => decodeRBM(badType, 'c.safetensors')).toThrow(/expected tensor "components_" to have dtype F32 or F64, got I32/);
    const badKind = encodeSafetensors({ components_: f32([1, 1]), intercept_hidden_: f32([1]), intercept_visible_: f32([1]) }, { gradlab_model: 'DBN' });
    expect(() => decodeRBM(badKind, 'd.safetensors')).toThrow(/expected metadata gradlab_model to be "BernoulliRBM", "GaussianBernoulliRBM" or "BernoulliGaussianRBM", got "DBN"/);
    expect(() => decodeRBM(new Uint8Array([1, 2, 3]), 'e.safetensors')).toThrow(FileFormatError);
  });

  test('no tensor leaks', () => {
    const rbm = new BernoulliRBM({ numVisible: 4, numHidden: 2 }, new Rng(0));
    decodeRBM(encodeRBM(rbm), 'm').dispose();
    const n = tf.memory().numTensors;
    decodeRBM(encodeRBM(rbm), 'm').dispose();
    expect(tf.memory().numTensors).toBe(n);
    rbm.dispose();
  });
});
