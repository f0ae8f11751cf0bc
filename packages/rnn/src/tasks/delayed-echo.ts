/**
 * Delayed echo: x_t is a random symbol from K classes (one-hot), and the target at step t is
 * the input L steps earlier, y_t = x_{t−L}, for t ≥ L. The dependency length is exactly L, which
 * makes it the probe for truncated BPTT: with a window k2 ≤ L no gradient connects y_t to
 * x_{t−L} (Williams & Peng 1990; Tallec & Ollivier 2017). Chance: cross-entropy ln K,
 * accuracy 1/K.
 *
 * x [T, B, K]; y int32 [T, B] (0 where t < L, not scored); loss cross-entropy at steps L … T−1.
 */
import { invalidArgument, type Rng } from '@gradlab/core';
import type { RecurrentNet } from '../recurrent-net.js';
import { makeBatch, scoreClassification, testRng } from './sequence-task.js';
import type { SequenceBatch, SequenceTask } from './sequence-task.js';

/** Default number of symbols K. */
export const DEFAULT_ECHO_SYMBOLS = 4;

/**
 * Delayed echo with delay L over sequences of length T > L.
 * @param symbols K ≥ 2 (default 4)
 * @throws ValidationError for L < 1, T ≤ L or K < 2
 */
export function delayedEcho(delay: number, steps: number, symbols = DEFAULT_ECHO_SYMBOLS): SequenceTask {
  const where = 'delayedEcho';
  if (!Number.isSafeInteger(delay) || delay < 1) throw invalidArgument(where, 'delay', delay, 'a positive integer');
  if (!Number.isSafeInteger(steps) || steps <= delay) throw invalidArgument(where, 'steps', steps, `an integer > delay = ${delay}`);
  if (!Number.isSafeInteger(symbols) || symbols < 2) throw invalidArgument(where, 'symbols', symbols, 'an integer >= 2');
  const T = steps;
  const K = symbols;
  const draw = (batch: number, rng: Rng): SequenceBatch => {
    if (!Number.isSafeInteger(batch) || batch < 1) throw invalidArgument(`${where}.sample`, 'batch', batch, 'a positive integer');
    const x = new Float32Array(T * batch * K);
    const y = new Int32Array(T * batch);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < T; t++) {
        const s = rng.int(K);
        x[(t * batch + b) * K + s] = 1;
        if (t + delay < T) y[(t + delay) * batch + b] = s;
      }
    }
    return makeBatch(x, [T, batch, K], y, [T, batch], { classes: K, where: 'delayedEcho.sample' });
  };
  const loss = { loss: 'softmax-cross-entropy', at: 'every', steps: Array.from({ length: T - delay }, (_, i) => delay + i) } as const;
  return {
    name: 'echo',
    steps: T,
    inputSize: K,
    outputSize: K,
    loss: { ...loss, steps: [...loss.steps] },
    baselineLoss: Math.log(K),
    baselineAccuracy: 1 / K,
    sample: draw,
    testSet: (size, seed) => draw(size, testRng(`echo-${delay}-${T}-${K}`, seed)),
    evaluate: (net: RecurrentNet, batch: SequenceBatch) => scoreClassification(net, batch, { ...loss, steps: [...loss.steps] }),
  };
}
