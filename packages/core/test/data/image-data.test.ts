import { describe, expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, loadImageData } from '@gradlab/core';

describe('loadImageData', () => {
  test('falls back to synthetic 28×28 images with a notice when no data set is found', async () => {
    const saved = process.env['GRADLAB_DATA'];
    delete process.env['GRADLAB_DATA'];
    try {
      const empty = mkdtempSync(join(tmpdir(), 'gradlab-nodata-'));
      const d = await loadImageData({ dataDir: empty, trainSize: 20, testSize: 10 }, new Rng(1));
      if (d.source === 'synthetic') {
        expect(d.notice).toMatch(/SYNTHETIC DATA/);
        expect(d.train.shape).toEqual([20, 784]);
        expect(d.test.shape).toEqual([10, 784]);
        expect(d.imageShape).toEqual([28, 28]);
      } else {
        // The machine has Fashion-MNIST installed in the default place: it is used.
        expect(d.notice).toBeUndefined();
        expect(d.train.shape).toEqual([20, 784]);
      }
    } finally {
      if (saved !== undefined) process.env['GRADLAB_DATA'] = saved;
    }
  });

  test('rejects bad sizes', async () => {
    await expect(loadImageData({ trainSize: 0, testSize: 1 }, new Rng(1))).rejects.toThrow(/loadImageData: expected trainSize to be a positive integer, got 0/);
  });
});
