/**
 * MNIST-like data sets (MNIST, Fashion-MNIST, KMNIST): the four IDX files of the LeCun layout,
 * gzipped or plain, turned into `[n, 784]` float32 pixels in [0, 1] and int32 labels.
 *
 * File names (each also accepted with `.gz`, and with a dot before `idx` as some mirrors spell
 * them): `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`.
 *
 * References: LeCun et al., "Gradient-based learning applied to document recognition" (1998);
 * Xiao, Rasul & Vollgraf, "Fashion-MNIST: a novel image dataset for benchmarking machine learning
 * algorithms" (2017), arXiv:1708.07747.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { FileFormatError, invalidArgument } from '../errors/gradlab-error.js';
import { parseOptions, positiveInt } from '../errors/schema.js';
import { readIdx } from './idx.js';
import type { IdxArray } from './idx.js';
import type { LabeledData } from './labeled-data.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files; the last place looked when no directory is named. */
export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';

/** Base names of the four files, by role. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

type Role = keyof typeof MNIST_FILES;

/** Options of {@link loadMnistLike}. */
export interface MnistLikeConfig {
  /** Keep only the first `limitTrain` training examples (default: all). */
  limitTrain?: number;
  /** Keep only the first `limitTest` test examples (default: all). */
  limitTest?: number;
}

/** What {@link loadMnistLike} returns. */
export interface MnistLike {
  /** Training split: x `[n, 784]` in [0, 1], y `[n]`. */
  train: LabeledData;
  /** Test split: x `[n, 784]` in [0, 1], y `[n]`. */
  test: LabeledData;
  /** Image height and width, `[28, 28]` for MNIST. */
  imageShape: number[];
  /** The four files read, by role. */
  files: Record<Role, string>;
}

const configSchema = z.strictObject({ limitTrain: positiveInt().optional(), limitTest: positiveInt().optional() });

function candidates(base: string): string[] {
  const dotted = base.replace(/-idx(\d)/, '.idx$1');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

/** The path of each of the four files in `dir`, or undefined when one is missing. */
function locateFiles(dir: string): Record<Role, string> | undefined {
  const out: Partial<Record<Role, string>> = {};
  for (const role of Object.keys(MNIST_FILES) as Role[]) {
    const found = candidates(MNIST_FILES[role]).map((f) => join(dir, f)).find((p) => existsSync(p));
    if (found === undefined) return undefined;
    out[role] = found;
  }
  return out as Record<Role, string>;
}

/**
 * Finds a directory holding the four MNIST-like files. A directory the user names (`explicit`,
 * e.g. `--data DIR`) is the only one looked at, so that naming an empty folder forces synthetic
 * data and a wrong path never silently picks up a data set from elsewhere. Without one, looks
 * at the `GRADLAB_DATA` environment variable, then {@link DEFAULT_DATA_DIR}; the first that has
 * all four files wins.
 * @param explicit a directory given by the user (e.g. `--data DIR`); empty means none
 * @returns the directory, or `undefined` when no candidate has the files (callers then fall
 *   back to synthetic data and say so)
 * @example const dir = findDataDir(args.data); if (dir === undefined) useSynthetic()
 */
export function findDataDir(explicit?: string): string | undefined {
  const dirs = explicit !== undefined && explicit !== '' ? [explicit] : [process.env['GRADLAB_DATA'], DEFAULT_DATA_DIR];
  for (const dir of dirs) {
    if (dir !== undefined && dir !== '' && locateFiles(dir) !== undefined) return dir;
  }
  return undefined;
}

function toSplit(images: IdxArray, labels: IdxArray, limit: number | undefined, numClasses: number, files: [string, string]): LabeledData {
  const [imagesPath, labelsPath] = files;
  const total = images.shape[0]!;
  if (labels.shape[0] !== total) {
    throw new FileFormatError(
      `${imagesPath}: holds ${total} images but ${labelsPath} holds ${labels.shape[0]} labels; expected the same count`,
    );
  }
  const n = limit === undefined ? total : Math.min(limit, total);
  const features = images.shape.slice(1).reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * features);
  const pixels = images.data;
  for (let i = 0; i < x.length; i++) x[i] = pixels[i]! / 255;
  const y = new Int32Array(labels.data.subarray(0, n));
  return { x, y, shape: [n, features], numClasses };
}

/**
 * Loads an MNIST-like data set from `dir` (see {@link findDataDir} to locate one).
 * Pixels are divided by 255; labels are the file's uint8 values. `numClasses` is one more
 * than the largest label in the two label files (10 for MNIST and Fashion-MNIST).
 * @param dir directory with the four files (gzipped or plain)
 * @param config `{ limitTrain, limitTest }`: keep the first n examples of each split
 *   (positive integers; default all: 60,000 and 10,000 for MNIST)
 * @returns `{ train, test, imageShape, files }`, each split `{ x: [n, 784], y: [n], shape, numClasses }`
 * @throws ValidationError for bad options or a directory missing one of the files (naming
 *   it); FileFormatError for a malformed file, images that are not uint8 with at least
 *   2 dimensions, labels that are not 1-d uint8, or image and label counts that differ
 * @example
 * const dir = findDataDir();
 * if (dir !== undefined) { const { train } = await loadMnistLike(dir, { limitTrain: 10000 }); }
 */
export async function loadMnistLike(dir: string, config: MnistLikeConfig = {}): Promise<MnistLike> {
  const { limitTrain, limitTest } = parseOptions('loadMnistLike', configSchema, config);
  const files = locateFiles(dir);
  if (files === undefined) {
    const missing = (Object.keys(MNIST_FILES) as Role[]).filter(
      (r) => !candidates(MNIST_FILES[r]).some((f) => existsSync(join(dir, f))),
    );
    throw invalidArgument('loadMnistLike', 'dir', dir, `a directory holding ${missing.map((r) => `${MNIST_FILES[r]}(.gz)`).join(', ')}`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdx(files.trainImages),
    readIdx(files.trainLabels),
    readIdx(files.testImages),
    readIdx(files.testLabels),
  ]);
  for (const [arr, path] of [
    [trainImages, files.trainImages],
    [testImages, files.testImages],
  ] as const) {
    if (arr.dtype !== 'uint8' || arr.shape.length < 2) {
      throw new FileFormatError(`${path}: expected uint8 images with shape [n, height, width], got ${arr.dtype} with shape [${arr.shape.join(', ')}]`);
    }
  }
  for (const [arr, path] of [
    [trainLabels, files.trainLabels],
    [testLabels, files.testLabels],
  ] as const) {
    if (arr.dtype !== 'uint8' || arr.shape.length !== 1) {
      throw new FileFormatError(`${path}: expected uint8 labels with shape [n], got ${arr.dtype} with shape [${arr.shape.join(', ')}]`);
    }
  }
  if (trainImages.shape.slice(1).join('x') !== testImages.shape.slice(1).join('x')) {
    throw new FileFormatError(
      `${files.testImages}: images of shape [${testImages.shape.slice(1).join(', ')}] do not match the training images' [${trainImages.shape.slice(1).join(', ')}]`,
    );
  }
  let maxLabel = 0;
  for (const arr of [trainLabels.data, testLabels.data]) for (let i = 0; i < arr.length; i++) maxLabel = Math.max(maxLabel, arr[i]!);
  const numClasses = maxLabel + 1;
  return {
    train: toSplit(trainImages, trainLabels, limitTrain, numClasses, [files.trainImages, files.trainLabels]),
    test: toSplit(testImages, testLabels, limitTest, numClasses, [files.testImages, files.testLabels]),
    imageShape: trainImages.shape.slice(1),
    files,
  };
}
