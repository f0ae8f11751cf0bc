/**
 * Noise-free sequences with long time lags (Hochreiter & Schmidhuber 1997, Sect. 5.2, task 2a):
 * an alphabet of p + 1 symbols a_1, …, a_{p−1}, a_p = x, a_{p+1} = y, and only two sequences,
 * (y, a_1, a_2, …, a_{p−1}, y) and (x, a_1, a_2, …, a_{p−1}, x), each drawn with probability ½.
 * The net reads one symbol per step and predicts the next one at every step; every prediction
 * is fixed by the current input except the last, which must repeat the first symbol, seen p
 * steps earlier. Symbols are one-hot ("locally represented").
 *
 * Steps t = 0 … p−1: input s_t, target s_{t+1}, so the target of the last step is s_p = s_0.
 * Symbol indices: a_i ↦ i − 1 (i = 1 … p−1), x ↦ p − 1, y ↦ p.
 *
 * Which predictions are trained and scored (`predict`):
 * - 'every' (the paper's task 2a): cross-entropy at every step. A memoryless predictor gets every
 *   step right except the last, where the best it can do is ½ on x and on y: cross-entropy
 *   ln 2 / p (mean over the p steps). A sequence is processed correctly when at every step the
 *   predicted probability of the target exceeds 1 − 0.25 (the paper's criterion "absolute error
 *   of every output unit below 0.25", ABS(0.25), read for softmax outputs).
 * - 'last': cross-entropy at the last step only, the one that needs the memory (the success
 *   criterion of tasks 2b and 2c, "at sequence end"). Baseline ln 2; a sequence is processed
 *   correctly when the final prediction gives the first symbol probability above 0.75.
 * The memoryless predictor processes no sequence correctly in either form.
 *
 * x [p, B, p+1]; y int32 [p, B] (every step's next symbol, also with 'last').
 */
import { invalidArgument, tf } from '@gradlab/core';
import type { Rng } from '@gradlab/core';
import type { RecurrentNet } from '../recurrent-net.js';
import { tidy } from '../typed-tidy.js';
import { makeBatch, testRng } from './sequence-task.js';
import type { SequenceBatch, SequenceTask, TaskScore } from './sequence-task.js';

/** Largest error on the target's output a correct step may have (Hochreiter & Schmidhuber's ABS(0.25)). */
export const LONG_TIME_LAG_TOLERANCE = 0.25;

/** Which predictions {@link longTimeLag} trains and scores. */
export const LONG_TIME_LAG_PREDICTIONS = ['every', 'last'] as const;
/** 'every' step (task 2a) or the 'last' step only. */
export type LongTimeLagPrediction = (typeof LONG_TIME_LAG_PREDICTIONS)[number];

/**
 * Cross-entropy of the memoryless predictor: ln 2 at the last step, 0 elsewhere — ln 2 / p
 * averaged over the p steps ('every'), ln 2 at the last step alone ('last').
 */
export function longTimeLagBaseline(lag: number, predict: LongTimeLagPrediction = 'every'): number {
  return predict === 'every' ? Math.log(2) / lag : Math.log(2);
}

/**
 * Task 2a with time lag p (p ≥ 2): sequences of p + 1 symbols, p steps of prediction.
 * @param lag p, an integer ≥ 2 (the paper uses 4, 10 and 100)
 * @param predict 'every' step (default, the paper's 2a) or the 'last' step only (see the file comment)
 * @throws ValidationError for p < 2 or not an integer, or an unknown `predict`
 * @example
 * const task = longTimeLag(100);
 * const b = task.sample(16, rng); bptt(lstm, b.x, b.y, task.loss); b.dispose();
 */
export function longTimeLag(lag: number, predict: LongTimeLagPrediction = 'every'): SequenceTask {
  if (!Number.isSafeInteger(lag) || lag < 2) throw invalidArgument('longTimeLag', 'lag', lag, 'an integer >= 2');
  if (!LONG_TIME_LAG_PREDICTIONS.includes(predict)) throw invalidArgument('longTimeLag', 'predict', predict, `one of ${LONG_TIME_LAG_PREDICTIONS.join(', ')}`);
  const p = lag;
  const lastOnly = predict === 'last';
  const D = p + 1;
  const X = p - 1;
  const Y = p;
  const draw = (batch: number, rng: Rng): SequenceBatch => {
    if (!Number.isSafeInteger(batch) || batch < 1) throw invalidArgument('longTimeLag.sample', 'batch', batch, 'a positive integer');
    const x = new Float32Array(p * batch * D);
    const y = new Int32Array(p * batch);
    for (let b = 0; b < batch; b++) {
      const first = rng.next() < 0.5 ? X : Y;
      // s_0 = first, s_t = a_t (index t − 1) for t = 1 … p−1, s_p = first.
      for (let t = 0; t < p; t++) {
        const input = t === 0 ? first : t - 1;
        const target = t === p - 1 ? first : t;
        x[(t * batch + b) * D + input] = 1;
        y[t * batch + b] = target;
      }
    }
    return makeBatch(x, [p, batch, D], y, [p, batch], { classes: D, where: 'longTimeLag.sample' });
  };
  return {
    name: lastOnly ? 'long-time-lag-last' : 'long-time-lag',
    steps: p,
    inputSize: D,
    outputSize: D,
    loss: lastOnly ? { loss: 'softmax-cross-entropy', at: 'every', steps: [p - 1] } : { loss: 'softmax-cross-entropy', at: 'every' },
    baselineLoss: longTimeLagBaseline(p, predict),
    baselineAccuracy: 0,
    sample: draw,
    // The sequences do not depend on `predict`: both forms share a seed's test set.
    testSet: (size, seed) => draw(size, testRng(`long-time-lag-${p}`, seed)),
    evaluate(net: RecurrentNet, batch: SequenceBatch): TaskScore {
      const out = tidy(() => {
        const { output, hidden, state } = net.forward(batch.x);
        tf.dispose([hidden, state.h, ...(state.c ? [state.c] : [])]);
        // The scored steps: all p, or the last one.
        const logits = lastOnly ? tf.slice(output, [p - 1, 0, 0], [1, -1, -1]) : output; // [p', B, D]
        const labels = lastOnly ? tf.slice(batch.y, [p - 1, 0], [1, -1]) : batch.y; // [p', B]
        const target = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(labels, D)), 2); // log P(target) [p', B]
        const worst = tf.min(target, 0); // [B]
        const correct = tf.cast(tf.greater(worst, Math.log(1 - LONG_TIME_LAG_TOLERANCE)), 'float32');
        return tf.stack([tf.neg(tf.mean(target)), tf.mean(correct)]);
      });
      const [loss, accuracy] = Array.from(out.dataSync());
      out.dispose();
      return { loss: loss!, accuracy: accuracy! };
    },
  };
}
