/**
 * The contract of a synthetic long-range sequence task: a generator of batches (time-major
 * x [T, B, D] and targets), the loss a {@link RecurrentNet} is trained with on it, the loss of
 * the best memoryless predictor (the baseline a model must beat to show it remembers), a fixed
 * test set per seed, and an evaluation (loss and task accuracy) of a network on a batch.
 */
import { Rng, checkClassLabels, classLabelTensor, lossByName, tf } from '@gradlab/core';
import type { RecurrentNet } from '../recurrent-net.js';
import type { SequenceLossConfig } from '../sequence-loss.js';
import { tidy } from '../typed-tidy.js';

/** A batch of sequences; `dispose()` frees both tensors. */
export interface SequenceBatch {
  /** Inputs [T, B, D], float32. */
  x: tf.Tensor;
  /** Targets: [B, O] (regression at the last step), int32 labels [B] (last step) or [T, B] (every step). */
  y: tf.Tensor;
  dispose(): void;
}

/** How well a network does on a batch. */
export interface TaskScore {
  /** The training loss on the batch. */
  loss: number;
  /**
   * The task's accuracy: for regression the fraction with |prediction − target| below the
   * task's threshold; for classification the fraction of scored steps predicted right.
   */
  accuracy: number;
}

/** A synthetic sequence task. */
export interface SequenceTask {
  /** kebab-case name, e.g. 'adding'. */
  readonly name: string;
  /** Sequence length T. */
  readonly steps: number;
  /** Input features D. */
  readonly inputSize: number;
  /** Readout size O (classes for classification). */
  readonly outputSize: number;
  /** The loss to train with (where, which steps). */
  readonly loss: SequenceLossConfig;
  /** Loss of the best predictor that ignores the inputs (e.g. 1/6 for the adding problem). */
  readonly baselineLoss: number;
  /** Accuracy of that predictor. */
  readonly baselineAccuracy: number;
  /** Draws a training batch from `rng`. */
  sample(batch: number, rng: Rng): SequenceBatch;
  /** The test set of a seed: the same sequences for every call with the same seed and size. */
  testSet(size: number, seed: number): SequenceBatch;
  /** Loss and accuracy of `net` on a batch (one forward pass, one readback). */
  evaluate(net: RecurrentNet, batch: SequenceBatch): TaskScore;
}

/**
 * Makes a batch object from arrays: float32 targets, or int32 class labels checked against
 * `labels.classes` here, on the host, as they are made, so that training on a fresh batch per
 * step never reads its labels back to check them (see `classLabelTensor`).
 * @param labels for Int32Array targets: the number of classes and the maker named in a refusal
 */
export function makeBatch(x: Float32Array, xShape: number[], y: Float32Array, yShape: number[]): SequenceBatch;
export function makeBatch(x: Float32Array, xShape: number[], y: Int32Array, yShape: number[], labels: { classes: number; where: string }): SequenceBatch;
export function makeBatch(x: Float32Array, xShape: number[], y: Float32Array | Int32Array, yShape: number[], labels?: { classes: number; where: string }): SequenceBatch {
  const yt = y instanceof Int32Array ? classLabelTensor(labels!.where, y, yShape, labels!.classes) : tf.tensor(y, yShape, 'float32');
  const xt = tf.tensor(x, xShape, 'float32');
  return { x: xt, y: yt, dispose: () => tf.dispose([xt, yt]) };
}

/** The random stream of a task's test set for a seed. */
export function testRng(task: string, seed: number): Rng {
  return new Rng(seed).fork(`task/${task}/test`);
}

/**
 * Scores a classification task: mean cross-entropy over the loss steps, accuracy over
 * `scored` steps (default: the loss steps). Labels [T, B] (every step) or [B] (last step).
 */
export function scoreClassification(net: RecurrentNet, batch: SequenceBatch, loss: SequenceLossConfig, scored?: readonly number[]): TaskScore {
  const T = batch.x.shape[0]!;
  const steps = loss.at === 'last' ? [T - 1] : (loss.steps ?? Array.from({ length: T }, (_, t) => t));
  const acc = scored ?? steps;
  // Free for a batch from makeBatch (checked as it was made); one readback for any other.
  checkClassLabels('scoreClassification', batch.y, net.spec.outputSize);
  const out = tidy(() => {
    const { output, hidden, state } = net.forward(batch.x);
    tf.dispose([hidden, state.h, ...(state.c ? [state.c] : [])]);
    const O = output.shape[2]!;
    const labels = loss.at === 'last' ? tf.expandDims(batch.y, 0) : batch.y; // [T' , B]
    const pick = (list: readonly number[]) => {
      const idx = tf.tensor1d(loss.at === 'last' ? list.map(() => 0) : [...list], 'int32');
      const logits = tf.reshape(tf.gather(output, tf.tensor1d([...list], 'int32')), [-1, O]);
      return { logits, labels: tf.reshape(tf.gather(labels, idx), [-1]) };
    };
    const l = pick(steps);
    const a = pick(acc);
    const correct = tf.mean(tf.cast(tf.equal(tf.argMax(a.logits, 1), a.labels), 'float32'));
    // As one-hot rows (the same arithmetic) the loss does not read the gathered labels back to check them again.
    const targets = tf.oneHot(l.labels, O).asType('float32');
    return tf.stack([lossByName('softmax-cross-entropy', l.logits, targets), correct]);
  });
  const [lossValue, accuracy] = Array.from(out.dataSync());
  out.dispose();
  return { loss: lossValue!, accuracy: accuracy! };
}
