/**
 * Deterministic minibatching and splits: index batches (shuffled by an `Rng` or in order),
 * train/test splits, tensor minibatches for one epoch, one-hot targets.
 *
 * Minibatch tensors are cut once per epoch: the source tensor is read into JS once, the rows of
 * each batch are gathered there, and each batch becomes one tensor. On tfjs-wasm `tf.slice`
 * (and `tf.split`, made of slices) copies its whole source on every call, so slicing batch by
 * batch out of a device tensor would cost O(batches × data) per epoch instead of O(data).
 */
import { tf } from '../backend/tf.js';
import { ShapeError, ValidationError, invalidArgument } from '../errors/gradlab-error.js';
import type { Rng } from '../random/rng.js';
import type { LabeledData } from './labeled-data.js';

/** Options of {@link batchIndices} and {@link minibatches}. */
export interface BatchOptions {
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/** One minibatch: rows of x and y, and which rows of the source they are. */
export interface Minibatch {
  /** `[b, ...x.shape.slice(1)]`, same dtype as x. Owned by the caller. */
  x: tf.Tensor;
  /** `[b, ...y.shape.slice(1)]`, same dtype as y. Owned by the caller. */
  y: tf.Tensor;
  /** Row indices of the source, length b. */
  indices: Int32Array;
}

function checkSize(where: string, field: string, v: unknown, positive: boolean): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (positive ? 1 : 0)) {
    throw invalidArgument(where, field, v, positive ? 'a positive integer' : 'a non-negative integer');
  }
  return v;
}

/**
 * Splits 0 … n−1 into batches: in order when `rng` is undefined, else in the order of one
 * `rng.permutation(n)` (one epoch: every index appears exactly once, or once minus the
 * dropped tail when `dropLast`).
 * @param n number of examples (non-negative integer)
 * @param batchSize examples per batch (positive integer); the last batch may be smaller
 * @param rng random stream for the shuffle, or undefined for the identity order
 * @param options `{ dropLast = false }`
 * @returns the batches, each an Int32Array of indices, `⌈n / batchSize⌉` of them (`⌊n / batchSize⌋` with dropLast)
 * @throws ValidationError for a bad n or batchSize
 * @example for (const idx of batchIndices(1000, 32, rng.fork(`epoch/${e}`))) { … }
 */
export function batchIndices(n: number, batchSize: number, rng: Rng | undefined, options: BatchOptions = {}): Int32Array[] {
  checkSize('batchIndices', 'n', n, false);
  checkSize('batchIndices', 'batchSize', batchSize, true);
  const order = rng === undefined ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(n);
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (options.dropLast === true && end - start < batchSize) break;
    out.push(order.slice(start, end));
  }
  return out;
}

/**
 * Random train/test split of 0 … n−1: `round(n · testFraction)` indices go to test.
 * @param n number of examples (non-negative integer)
 * @param testFraction fraction held out, in [0, 1]
 * @param rng random stream (one permutation)
 * @returns `{ train, test }`, disjoint, together 0 … n−1, each sorted ascending
 * @throws ValidationError for a bad n or testFraction
 * @example const { train, test } = trainTestSplit(data.shape[0], 0.2, rng.fork('data/split'))
 */
export function trainTestSplit(n: number, testFraction: number, rng: Rng): { train: Int32Array; test: Int32Array } {
  checkSize('trainTestSplit', 'n', n, false);
  if (typeof testFraction !== 'number' || !(testFraction >= 0 && testFraction <= 1)) {
    throw invalidArgument('trainTestSplit', 'testFraction', testFraction, 'a number in [0, 1]');
  }
  const perm = rng.permutation(n);
  const nTest = Math.round(n * testFraction);
  const test = perm.slice(0, nTest).sort();
  const train = perm.slice(nTest).sort();
  return { train, test };
}

/**
 * The rows `indices` of a labelled data set, in that order.
 * @param data `{ x: [n, d], y: [n], shape, numClasses }`
 * @param indices row indices in [0, n)
 * @returns a new `LabeledData` with `indices.length` rows (copies, the input is not changed)
 * @throws ValidationError when an index is out of range
 * @example const train = takeRows(data, trainTestSplit(data.shape[0], 0.2, rng).train)
 */
export function takeRows(data: LabeledData, indices: ArrayLike<number>): LabeledData {
  const [n, d] = data.shape;
  const m = indices.length;
  const x = new Float32Array(m * d);
  const y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const r = indices[i]!;
    if (!Number.isInteger(r) || r < 0 || r >= n) throw invalidArgument('takeRows', `indices[${i}]`, r, `an integer in [0, ${n})`);
    x.set(data.x.subarray(r * d, (r + 1) * d), i * d);
    y[i] = data.y[r]!;
  }
  return { x, y, shape: [m, d], numClasses: data.numClasses };
}

type RowData = Float32Array | Int32Array | Uint8Array;

function readRows(t: tf.Tensor, name: string, where: string): { data: RowData; row: number } {
  if (!(t instanceof tf.Tensor)) throw invalidArgument(where, name, t, 'a tf.Tensor');
  if (t.rank < 1) throw new ShapeError(`${where}: expected ${name} to have rank >= 1 ([n, ...]), got a scalar`);
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') {
    throw new ValidationError(`${where}: expected ${name} to have dtype float32, int32 or bool, got ${t.dtype}`);
  }
  const n = t.shape[0]!;
  return { data: t.dataSync() as RowData, row: n === 0 ? 0 : t.size / n };
}

function gather(source: RowData, row: number, idx: Int32Array): RowData {
  const Ctor = source.constructor as new (n: number) => RowData;
  const out = new Ctor(idx.length * row);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    out.set(source.subarray(r * row, (r + 1) * row), i * row);
  }
  return out;
}

function cut(sources: tf.Tensor[], names: string[], where: string, batchSize: number, rng: Rng | undefined, options: BatchOptions): { tensors: tf.Tensor[][]; batches: Int32Array[] } {
  checkSize(where, 'batchSize', batchSize, true);
  const rows = sources.map((t, i) => readRows(t, names[i]!, where));
  const n = sources[0]!.shape[0]!;
  sources.forEach((t, i) => {
    if (t.shape[0] !== n) {
      throw new ShapeError(`${where}: expected ${names[i]} to have ${n} rows like ${names[0]} ([${sources[0]!.shape.join(', ')}]), got [${t.shape.join(', ')}]`);
    }
  });
  const batches = batchIndices(n, batchSize, rng, options);
  const tensors = tf.tidy(() =>
    batches.map((idx) =>
      sources.map((t, i) => tf.tensor(gather(rows[i]!.data, rows[i]!.row, idx), [idx.length, ...t.shape.slice(1)], t.dtype)),
    ),
  );
  return { tensors, batches };
}

/**
 * One epoch of minibatches of (x, y): shuffled by `rng` (in order when undefined), gathered
 * once and cut into batches (see the file comment on why not `tf.slice`).
 * @param x inputs `[n, ...]`, float32 / int32 / bool; not disposed
 * @param y targets `[n, ...]` (labels `[n]` or one-hot `[n, k]`); not disposed
 * @param batchSize rows per batch (positive integer); the last batch may be smaller
 * @param rng random stream for the shuffle (use a fork per epoch), or undefined for in-order batches
 * @param options `{ dropLast = false }`
 * @returns `⌈n / batchSize⌉` batches `{ x: [b, ...], y: [b, ...], indices }`; the caller disposes the tensors
 * @throws ShapeError when x and y have different numbers of rows; ValidationError for a bad
 *   batchSize, a non-tensor or a string / complex tensor
 * @example
 * for (const b of minibatches(x, y, 64, rng.fork(`shuffle/${epoch}`))) { step(b.x, b.y); b.x.dispose(); b.y.dispose(); }
 */
export function minibatches(x: tf.Tensor, y: tf.Tensor, batchSize: number, rng: Rng | undefined, options: BatchOptions = {}): Minibatch[] {
  const { tensors, batches } = cut([x, y], ['x', 'y'], 'minibatches', batchSize, rng, options);
  return batches.map((indices, b) => ({ x: tensors[b]![0]!, y: tensors[b]![1]!, indices }));
}

/**
 * One epoch of minibatches of x alone (unsupervised training: RBMs, autoencoders); as
 * {@link minibatches} without targets.
 * @param x inputs `[n, ...]`; not disposed
 * @param batchSize rows per batch (positive integer)
 * @param rng random stream for the shuffle, or undefined for in-order batches
 * @param options `{ dropLast = false }`
 * @returns the batch tensors `[b, ...]`; the caller disposes them
 * @throws ValidationError for a bad batchSize or input
 * @example const batches = unlabeledMinibatches(x, 100, rng.fork('epoch/0'))
 */
export function unlabeledMinibatches(x: tf.Tensor, batchSize: number, rng: Rng | undefined, options: BatchOptions = {}): tf.Tensor[] {
  return cut([x], ['x'], 'unlabeledMinibatches', batchSize, rng, options).tensors.map((b) => b[0]!);
}

/**
 * One-hot encoding of integer labels, checked (tf.oneHot silently gives a zero row for a label
 * out of range).
 * @param labels class labels in [0, numClasses), an array or a 1-d tensor (not disposed)
 * @param numClasses number of classes (positive integer)
 * @returns float32 `[n, numClasses]`
 * @throws ValidationError for a label that is not an integer in [0, numClasses) or a bad numClasses
 * @example oneHot(new Int32Array([2, 0]), 3) // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(labels: ArrayLike<number> | tf.Tensor, numClasses: number): tf.Tensor2D {
  checkSize('oneHot', 'numClasses', numClasses, true);
  if (labels instanceof tf.Tensor && labels.rank !== 1) {
    throw new ShapeError(`oneHot: expected labels to be 1-d ([n]), got shape [${labels.shape.join(', ')}]`);
  }
  const values = labels instanceof tf.Tensor ? labels.dataSync() : labels;
  const n = values.length;
  const out = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const c = values[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw invalidArgument('oneHot', `labels[${i}]`, c, `an integer in [0, ${numClasses})`);
    out[i * numClasses + c] = 1;
  }
  return tf.tidy(() => tf.tensor2d(out, [n, numClasses], 'float32'));
}
