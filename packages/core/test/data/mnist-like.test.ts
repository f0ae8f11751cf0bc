import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FileFormatError, loadMnistLike, writeIdx } from '@gradlab/core';
import { DEFAULT_DATA_DIR, MNIST_FILES, findDataDir } from '../../src/data/mnist-like.js';

/** Writes a tiny MNIST-like set: n images of 2×3 pixels with value 51·k, labels k mod 4. */
async function writeFixture(dir: string, nTrain: number, nTest: number, options: { gzip?: boolean; labelCount?: number } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const ext = options.gzip === true ? '.gz' : '';
  const images = (n: number) => ({ dtype: 'uint8' as const, shape: [n, 2, 3], data: Array.from({ length: n * 6 }, (_, i) => 51 * (Math.floor(i / 6) % 6)) });
  const labels = (n: number) => ({ dtype: 'uint8' as const, shape: [n], data: Array.from({ length: n }, (_, i) => i % 4) });
  const gzip = options.gzip === true;
  await writeIdx(join(dir, MNIST_FILES.trainImages + ext), images(nTrain), { gzip });
  await writeIdx(join(dir, MNIST_FILES.trainLabels + ext), labels(options.labelCount ?? nTrain), { gzip });
  await writeIdx(join(dir, MNIST_FILES.testImages + ext), images(nTest), { gzip });
  await writeIdx(join(dir, MNIST_FILES.testLabels + ext), labels(nTest), { gzip });
}

describe('loadMnistLike and findDataDir', () => {
  let root = '';
  const savedEnv = process.env['GRADLAB_DATA'];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gradlab-mnist-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env['GRADLAB_DATA'];
    else process.env['GRADLAB_DATA'] = savedEnv;
  });

  test.each([false, true])('reads a fixture (gzip %s): pixels / 255, labels, shapes, limits', async (gzip) => {
    const dir = join(root, `ok-${gzip}`);
    await writeFixture(dir, 7, 5, { gzip });
    const d = await loadMnistLike(dir, { limitTrain: 6 });
    expect(d.train.shape).toEqual([6, 6]);
    expect(d.test.shape).toEqual([5, 6]);
    expect(d.imageShape).toEqual([2, 3]);
    expect(d.train.numClasses).toBe(4);
    expect(Array.from(d.train.y)).toEqual([0, 1, 2, 3, 0, 1]);
    expect(d.train.x[0]).toBe(0);
    expect(d.train.x[6 * 5]).toBe(1); // image 5 has pixel value 255
    expect(d.train.x[6 * 1]).toBeCloseTo(0.2, 6);
    expect(d.train.x).toBeInstanceOf(Float32Array);
    expect(d.train.y).toBeInstanceOf(Int32Array);
  });

  test('image and label counts must agree', async () => {
    const dir = join(root, 'mismatch');
    await writeFixture(dir, 7, 5, { labelCount: 6 });
    await expect(loadMnistLike(dir)).rejects.toThrow(FileFormatError);
    await expect(loadMnistLike(dir)).rejects.toThrow(/train-images-idx3-ubyte: holds 7 images but .*train-labels-idx1-ubyte holds 6 labels; expected the same count/);
  });

  test('a directory without the files is a clear error, and bad limits are rejected', async () => {
    const dir = join(root, 'empty');
    await mkdir(dir, { recursive: true });
    await expect(loadMnistLike(dir)).rejects.toThrow(/^loadMnistLike: expected dir to be a directory holding train-images-idx3-ubyte\(\.gz\), train-labels/);
    await expect(loadMnistLike(dir, { limitTrain: 0 })).rejects.toThrow(/^loadMnistLike: expected limitTrain to be a positive integer, got 0$/);
  });

  test('findDataDir: a named directory is the only one looked at; else GRADLAB_DATA, then the default', async () => {
    const a = join(root, 'find-a');
    const b = join(root, 'find-b');
    await writeFixture(a, 2, 2);
    await writeFixture(b, 2, 2, { gzip: true });
    process.env['GRADLAB_DATA'] = b;
    expect(findDataDir(a)).toBe(a);
    // A named folder without the files means none, even with GRADLAB_DATA holding a data set.
    expect(findDataDir(join(root, 'nothing-here'))).toBeUndefined();
    expect(findDataDir()).toBe(b);
    expect(findDataDir('')).toBe(b);
    process.env['GRADLAB_DATA'] = join(root, 'nothing-here');
    expect([undefined, DEFAULT_DATA_DIR]).toContain(findDataDir());
  });

  const real = findDataDir();
  test.skipIf(real === undefined)('reads the installed data set (10 classes, 28×28; Fashion-MNIST\'s known first labels)', async () => {
    const d = await loadMnistLike(real!, { limitTrain: 10, limitTest: 10 });
    expect(d.imageShape).toEqual([28, 28]);
    expect(d.train.shape).toEqual([10, 784]);
    expect(d.train.numClasses).toBe(10);
    let max = 0;
    for (const v of d.train.x) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
    // The first training labels of Fashion-MNIST (ankle boot, T-shirt, T-shirt, dress, …).
    if (real === DEFAULT_DATA_DIR) expect(Array.from(d.train.y)).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  });
});
