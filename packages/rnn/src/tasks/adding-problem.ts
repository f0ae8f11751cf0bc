/**
 * The adding problem (Hochreiter & Schmidhuber 1997, exp. 4), in its modern form (Le, Jaitly &
 * Hinton 2015; Arjovsky, Shah & Bengio 2016): each step carries a value v_t ~ U(0, 1) and a
 * marker m_t ∈ {0, 1}; exactly two steps are marked, one in each half of the sequence; the
 * target, read at the last step, is the sum of the two marked values. Predicting the constant
 * 1 gives MSE Var(v_a + v_b) = 2/12 = 1/6 — the baseline; a sequence counts as solved when
 * |prediction − target| < 0.04 (Hochreiter & Schmidhuber's criterion).
 *
 * x [T, B, 2] (value, marker); y [B, 1]; loss MSE at the last step.
 */
import { invalidArgument, tf, type Rng } from '@gradlab/core';
import type { RecurrentNet } from '../recurrent-net.js';
import { tidy } from '../typed-tidy.js';
import { makeBatch, testRng } from './sequence-task.js';
import type { SequenceBatch, SequenceTask, TaskScore } from './sequence-task.js';

/** MSE of the constant prediction 1: Var(U(0,1) + U(0,1)) = 1/6. */
export const ADDING_BASELINE_MSE = 1 / 6;
/** A prediction within this absolute error counts as correct. */
export const ADDING_TOLERANCE = 0.04;
/**
 * Fraction of sequences the constant predictor 1 gets within ±0.04: P(|S − 1| < 0.04) for S
 * the sum of two U(0,1) (triangular density), = 1 − 0.96² = 0.0784.
 */
export const ADDING_BASELINE_ACCURACY = 1 - (1 - ADDING_TOLERANCE) ** 2;

/**
 * The adding problem of length T (T ≥ 2).
 * @throws ValidationError for T < 2
 * @example
 * const task = addingProblem(100);
 * const b = task.sample(32, rng); bptt(lstm, b.x, b.y, task.loss); b.dispose();
 */
export function addingProblem(steps: number): SequenceTask {
  if (!Number.isSafeInteger(steps) || steps < 2) throw invalidArgument('addingProblem', 'steps', steps, 'an integer >= 2');
  const T = steps;
  const half = Math.floor(T / 2);
  const draw = (batch: number, rng: Rng): SequenceBatch => {
    if (!Number.isSafeInteger(batch) || batch < 1) throw invalidArgument('addingProblem.sample', 'batch', batch, 'a positive integer');
    const x = new Float32Array(T * batch * 2);
    const y = new Float32Array(batch);
    for (let b = 0; b < batch; b++) {
      const first = rng.int(half);
      const second = half + rng.int(T - half);
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const v = Math.fround(rng.next());
        const i = (t * batch + b) * 2;
        x[i] = v;
        if (t === first || t === second) {
          x[i + 1] = 1;
          sum += v;
        }
      }
      y[b] = sum;
    }
    return makeBatch(x, [T, batch, 2], y, [batch, 1]);
  };
  return {
    name: 'adding',
    steps: T,
    inputSize: 2,
    outputSize: 1,
    loss: { loss: 'mse', at: 'last' },
    baselineLoss: ADDING_BASELINE_MSE,
    baselineAccuracy: ADDING_BASELINE_ACCURACY,
    sample: draw,
    testSet: (size, seed) => draw(size, testRng(`adding-${T}`, seed)),
    evaluate(net: RecurrentNet, batch: SequenceBatch): TaskScore {
      const out = tidy(() => {
        const { output, hidden, state } = net.forward(batch.x);
        tf.dispose([hidden, state.h, ...(state.c ? [state.c] : [])]);
        const pred = tf.squeeze(tf.slice(output, [T - 1, 0, 0], [1, -1, 1]), [0]); // [B, 1]
        const err = tf.abs(tf.sub(pred, batch.y));
        return tf.stack([tf.mean(tf.square(err)), tf.mean(tf.cast(tf.less(err, ADDING_TOLERANCE), 'float32'))]);
      });
      const [loss, accuracy] = Array.from(out.dataSync());
      out.dispose();
      return { loss: loss!, accuracy: accuracy! };
    },
  };
}
