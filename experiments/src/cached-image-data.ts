/**
 * The image data set of an experiment run, loaded once per process: the cells of a run share it
 * (reading Fashion-MNIST takes seconds). Real data is the first n examples of each file;
 * synthetic data is drawn from `new Rng(seed).fork(`${experiment}/data`)`, the same stream the
 * experiments always used, so cached and uncached loads give identical images.
 */
import { Rng, loadImageData, type ImageData } from '@gradlab/core';

let cache: { key: string; data: Promise<ImageData> } | undefined;

/** `loadImageData` for one experiment and seed, memoised on its arguments (the last one kept). */
export function cachedImageData(
  experiment: string,
  dataDir: string | undefined,
  trainSize: number,
  testSize: number,
  seed: number,
): Promise<ImageData> {
  const key = JSON.stringify([experiment, dataDir ?? null, trainSize, testSize, seed]);
  if (cache?.key !== key) cache = { key, data: loadImageData({ dataDir, trainSize, testSize }, new Rng(seed).fork(`${experiment}/data`)) };
  return cache.data;
}
