import { describe, expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, loadImageData } from '@gradlab/core';

describe('loadImageData', () => {
  test('a named folder without a data set gives synthetic 28×28 images with a notice naming it, wherever data is installed', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gradlab-nodata-'));
    const d = await loadImageData({ dataDir: empty, trainSize: 20, testSize: 10 }, new Rng(1));
    expect(d.source).toBe('synthetic');
    expect(d.notice).toBe(
      `SYNTHETIC DATA: no MNIST-like data set was found (in ${empty}, the folder given); these results use 28×28 Shapeset-like images instead ` +
        'and are not comparable with published numbers (apt-get install dataset-fashion-mnist).',
    );
    expect(d.train.shape).toEqual([20, 784]);
    expect(d.test.shape).toEqual([10, 784]);
    expect(d.imageShape).toEqual([28, 28]);
    expect(d.train.numClasses).toBe(9);
  });

  test('rejects bad sizes', async () => {
    await expect(loadImageData({ trainSize: 0, testSize: 1 }, new Rng(1))).rejects.toThrow(/loadImageData: expected trainSize to be a positive integer, got 0/);
  });
});
