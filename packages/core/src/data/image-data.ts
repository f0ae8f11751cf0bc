/**
 * Image data for experiments that want MNIST-like data when it is installed and must still run
 * (on CI, on a bare machine) when it is not: the MNIST-like files found by `findDataDir` (the
 * `--data DIR` named, and only it; else `GRADLAB_DATA` or Debian's
 * `/usr/share/datasets/fashion-mnist`), else the
 * synthetic Shapeset-like images at the same 28×28 size — with a notice saying so, for the
 * manifest and the console.
 */
import { z } from 'zod';
import { invalidArgument } from '../errors/gradlab-error.js';
import { parseOptions, positiveInt } from '../errors/schema.js';
import { Rng } from '../random/rng.js';
import type { LabeledData } from './labeled-data.js';
import { DEFAULT_DATA_DIR, findDataDir, loadMnistLike } from './mnist-like.js';
import { shapeset } from './shapeset.js';

/** Options of {@link loadImageData}. */
export interface ImageDataConfig {
  /** A directory given by the user (`--data`): the only place looked when set; an empty folder forces synthetic data. */
  dataDir?: string | undefined;
  /** Training examples to keep (the first n of the file; n synthetic ones). */
  trainSize: number;
  /** Test examples to keep. */
  testSize: number;
}

/** What {@link loadImageData} returns. */
export interface ImageData {
  /** Training split, pixels in [0, 1]. */
  train: LabeledData;
  /** Test split, pixels in [0, 1]. */
  test: LabeledData;
  /** [height, width]. */
  imageShape: [number, number];
  /** Where the data came from: the directory, or `'synthetic'`. */
  source: string;
  /** Set when synthetic data replaced the real set: a sentence for `ctx.notice`. */
  notice: string | undefined;
}

const configSchema = z.strictObject({
  dataDir: z.string({ error: 'a directory path' }).optional(),
  trainSize: positiveInt(),
  testSize: positiveInt(),
});

/**
 * The first `trainSize` / `testSize` examples of an MNIST-like set, or synthetic 28×28
 * Shapeset-like images when none is installed.
 * @param rng used only for synthetic data (its forks 'synthetic/train' and 'synthetic/test')
 * @throws ValidationError for a bad config (unknown key, sizes that are not positive integers)
 *   or `rng` not an Rng; FileFormatError for a malformed data file
 * @example const d = await loadImageData({ dataDir: ctx.dataDir, trainSize: 60000, testSize: 10000 }, rng); if (d.notice) ctx.notice(d.notice);
 */
export async function loadImageData(config: ImageDataConfig, rng: Rng): Promise<ImageData> {
  const { dataDir, trainSize, testSize } = parseOptions('loadImageData', configSchema, config);
  if (!(rng instanceof Rng)) throw invalidArgument('loadImageData', 'rng', rng, 'an Rng');
  const dir = findDataDir(dataDir);
  if (dir !== undefined) {
    const d = await loadMnistLike(dir, { limitTrain: trainSize, limitTest: testSize });
    return { train: d.train, test: d.test, imageShape: [d.imageShape[0]!, d.imageShape[1]!], source: dir, notice: undefined };
  }
  const looked = dataDir !== undefined && dataDir !== '' ? `in ${dataDir}, the folder given` : `--data DIR, GRADLAB_DATA, ${DEFAULT_DATA_DIR}`;
  const train = shapeset({ n: trainSize, size: 28 }, rng.fork('synthetic/train'));
  const test = shapeset({ n: testSize, size: 28 }, rng.fork('synthetic/test'));
  return {
    train,
    test,
    imageShape: [28, 28],
    source: 'synthetic',
    notice:
      `SYNTHETIC DATA: no MNIST-like data set was found (${looked}); ` +
      'these results use 28×28 Shapeset-like images instead and are not comparable with published numbers ' +
      '(apt-get install dataset-fashion-mnist).',
  };
}
