import { describe, expect, test, vi } from 'vitest';
import { MLP, Rng, bceWithLogits, binaryCrossEntropy, checkClassLabels, classLabelTensor, lossByName, mse, softmaxCrossEntropy, tf } from '@gradlab/core';

const net = () => new MLP({ layerSizes: [4, 5, 3], activation: 'tanh' }, new Rng(7));

describe('class labels outside [0, classes) are refused, naming the first bad index', () => {
  test.each([
    ['7 for 3 classes', [0, 7, 1, 9], 'int32', /^MLP\.gradients: expected labels to be integers in \[0, 2\] \(3 classes\), got 7 at index 1$/],
    ['−1', [0, 1, 2, -1], 'int32', /^MLP\.gradients: expected labels to be integers in \[0, 2\] \(3 classes\), got -1 at index 3$/],
    ['a non-integer', [1.5, 0, 1, 2], 'float32', /^MLP\.gradients: expected labels to be integers in \[0, 2\] \(3 classes\), got 1\.5 at index 0$/],
    ['NaN', [0, 1, NaN, 2], 'float32', /^MLP\.gradients: expected labels to be integers in \[0, 2\] \(3 classes\), got NaN at index 2$/],
  ] as const)('MLP.gradients with %s', (_name, labels, dtype, message) => {
    const m = net();
    const x = tf.ones([4, 4]);
    const y = tf.tensor1d([...labels], dtype);
    const before = tf.memory().numTensors;
    expect(() => m.gradients(x, y, 'softmax-cross-entropy')).toThrow(message);
    // Nothing made for the gradient graph is stranded, and the batch-norm-free net is unchanged.
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    m.dispose();
  });

  test('softmaxCrossEntropy and lossByName check too (a bad row used to drop out of the loss)', () => {
    const logits = tf.zeros([3, 4]);
    const y = tf.tensor1d([3, 4, 0], 'int32');
    expect(() => softmaxCrossEntropy(logits, y)).toThrow(/^softmaxCrossEntropy: expected labels to be integers in \[0, 3\] \(4 classes\), got 4 at index 1$/);
    expect(() => lossByName('softmax-cross-entropy', logits, y)).toThrow(/got 4 at index 1$/);
    tf.dispose([logits, y]);
  });

  test('the index of a [T, B] label tensor is given as [t, b]', () => {
    const y = tf.tensor2d([[0, 1], [2, 3]], [2, 2], 'int32');
    expect(() => checkClassLabels('f', y, 3)).toThrow(/^f: expected labels to be integers in \[0, 2\] \(3 classes\), got 3 at index \[1, 1\]$/);
    y.dispose();
  });

  test('valid labels give the same loss as one-hot targets, however often they are checked', () => {
    const logits = tf.tensor2d([[1, 2, 0.5], [0.3, -1, 2]]);
    const y = tf.tensor1d([2, 0], 'int32');
    const oneHot = tf.tensor2d([[0, 0, 1], [1, 0, 0]]);
    const a = softmaxCrossEntropy(logits, y);
    const b = softmaxCrossEntropy(logits, y);
    const c = softmaxCrossEntropy(logits, oneHot);
    expect(a.dataSync()[0]).toBe(c.dataSync()[0]);
    expect(b.dataSync()[0]).toBe(c.dataSync()[0]);
    tf.dispose([logits, y, oneHot, a, b, c]);
  });

  test('classLabelTensor checks host values as it makes the tensor, so later checks read nothing back', () => {
    expect(() => classLabelTensor('gen', [0, 1, 2, 3], [2, 2], 3)).toThrow(/^gen: expected labels to be integers in \[0, 2\] \(3 classes\), got 3 at index \[1, 1\]$/);
    expect(() => classLabelTensor('gen', [0, 1.5], [2], 3)).toThrow(/^gen: expected labels to be integers in \[0, 2\] \(3 classes\), got 1\.5 at index 1$/);
    const y = classLabelTensor('gen', new Int32Array([2, 0]), [2], 3);
    expect([y.dtype, y.shape, Array.from(y.dataSync())]).toEqual(['int32', [2], [2, 0]]);
    const read = vi.spyOn(y, 'dataSync');
    const logits = tf.zeros([2, 3]);
    softmaxCrossEntropy(logits, y).dispose();
    expect(read).not.toHaveBeenCalled();
    // Checked against 3 classes, not 2: a check against another count still reads and refuses.
    expect(() => checkClassLabels('f', y, 2)).toThrow(/got 2 at index 0$/);
    tf.dispose([logits, y]);
  });

  test('a variable holding labels is re-checked after it changes', () => {
    const logits = tf.zeros([2, 3]);
    const v = tf.variable(tf.tensor1d([0, 1], 'int32'));
    softmaxCrossEntropy(logits, v).dispose();
    v.assign(tf.tensor1d([0, 5], 'int32'));
    expect(() => softmaxCrossEntropy(logits, v)).toThrow(/got 5 at index 1$/);
    tf.dispose([logits, v]);
  });
});

test('a target that does not fit the batch is refused before the gradient graph is built', () => {
  const m = net();
  const x = tf.ones([4, 4]);
  const labelsForMse = tf.zeros([4]);
  const tooFewLabels = tf.zeros([3], 'int32');
  const before = tf.memory().numTensors;
  expect(() => m.gradients(x, labelsForMse, 'mse')).toThrow(/^MLP\.gradients: expected target to have shape \[4, 3\] for loss "mse", got \[4\]$/);
  expect(() => m.gradients(x, tooFewLabels, 'softmax-cross-entropy')).toThrow(
    /^MLP\.gradients: expected target to have shape \[4, 3\] \(or labels \[4\]\) for loss "softmax-cross-entropy", got \[3\]$/,
  );
  // The probes and traces made for tf.valueAndGrads used to be stranded by a shape error inside it.
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, labelsForMse, tooFewLabels]);
  m.dispose();
});

describe('zero rows are refused: a mean over nothing is not a loss', () => {
  test('MLP.gradients on 0 rows (it returned a loss of −3.6e-41)', () => {
    const m = net();
    const x = tf.zeros([0, 4]);
    const before = tf.memory().numTensors;
    for (const [loss, y] of [
      ['softmax-cross-entropy', tf.zeros([0], 'int32')],
      ['mse', tf.zeros([0, 3])],
    ] as const) {
      expect(() => m.gradients(x, y, loss)).toThrow(/^MLP\.gradients: expected x to have at least one row, got shape \[0, 4\]$/);
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  test.each([
    ['softmaxCrossEntropy', () => softmaxCrossEntropy(tf.zeros([0, 3]), tf.zeros([0], 'int32'))],
    ['mse', () => mse(tf.zeros([0, 3]), tf.zeros([0, 3]))],
    ['bceWithLogits', () => bceWithLogits(tf.zeros([0, 1]), tf.zeros([0, 1]))],
    ['binaryCrossEntropy', () => binaryCrossEntropy(tf.zeros([0, 1]), tf.zeros([0, 1]))],
  ])('%s', (name, run) => {
    expect(run).toThrow(new RegExp(`^${name}: expected at least one row and one output, got a prediction of shape \\[0, \\d\\]$`));
  });
});
