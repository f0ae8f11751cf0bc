/**
 * The temporal-order problem (Hochreiter & Schmidhuber 1997, exp. 6a; as used by Martens &
 * Sutskever 2011 and Pascanu, Mikolov & Bengio 2013): a sequence of T distractor symbols from
 * {a, b, c, d}, except two relevant symbols, each X or Y, at random steps t1 ∈ [0.1T, 0.2T)
 * and t2 ∈ [0.5T, 0.6T); the class — read at the last step — is their order: XX, XY, YX or YY.
 * Inputs one-hot over the 6 symbols; 4 classes; chance is cross-entropy ln 4, accuracy 1/4.
 *
 * x [T, B, 6]; y int32 [B]; loss cross-entropy at the last step.
 */
import { invalidArgument, type Rng } from '@gradlab/core';
import type { RecurrentNet } from '../recurrent-net.js';
import { makeBatch, scoreClassification, testRng } from './sequence-task.js';
import type { SequenceBatch, SequenceTask } from './sequence-task.js';

/** Symbols: 4 distractors then X, Y. */
export const TEMPORAL_ORDER_SYMBOLS = 6;

/**
 * Temporal order of length T (T ≥ 10).
 * @throws ValidationError for T < 10
 */
export function temporalOrder(steps: number): SequenceTask {
  if (!Number.isSafeInteger(steps) || steps < 10) throw invalidArgument('temporalOrder', 'steps', steps, 'an integer >= 10');
  const T = steps;
  const range = (lo: number, hi: number) => [Math.floor(lo * T), Math.max(Math.floor(lo * T) + 1, Math.floor(hi * T))] as const;
  const [a1, b1] = range(0.1, 0.2);
  const [a2, b2] = range(0.5, 0.6);
  const draw = (batch: number, rng: Rng): SequenceBatch => {
    if (!Number.isSafeInteger(batch) || batch < 1) throw invalidArgument('temporalOrder.sample', 'batch', batch, 'a positive integer');
    const D = TEMPORAL_ORDER_SYMBOLS;
    const x = new Float32Array(T * batch * D);
    const y = new Int32Array(batch);
    for (let b = 0; b < batch; b++) {
      const t1 = a1 + rng.int(b1 - a1);
      const t2 = a2 + rng.int(b2 - a2);
      const s1 = rng.int(2);
      const s2 = rng.int(2);
      for (let t = 0; t < T; t++) {
        const symbol = t === t1 ? 4 + s1 : t === t2 ? 4 + s2 : rng.int(4);
        x[(t * batch + b) * D + symbol] = 1;
      }
      y[b] = 2 * s1 + s2;
    }
    return makeBatch(x, [T, batch, D], y, [batch], { classes: 4, where: 'temporalOrder.sample' });
  };
  const loss = { loss: 'softmax-cross-entropy', at: 'last' } as const;
  return {
    name: 'temporal-order',
    steps: T,
    inputSize: TEMPORAL_ORDER_SYMBOLS,
    outputSize: 4,
    loss,
    baselineLoss: Math.log(4),
    baselineAccuracy: 0.25,
    sample: draw,
    testSet: (size, seed) => draw(size, testRng(`temporal-order-${T}`, seed)),
    evaluate: (net: RecurrentNet, batch: SequenceBatch) => scoreClassification(net, batch, loss),
  };
}
