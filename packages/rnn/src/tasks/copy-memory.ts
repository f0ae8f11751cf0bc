/**
 * The copy-memory task (Hochreiter & Schmidhuber 1997; in the form of Arjovsky, Shah & Bengio
 * 2016, sect. 4.1): ten symbols drawn from {1, …, 8}, then T − 1 blanks (0), a delimiter (9),
 * and ten more blanks; the target is blank for the first T + 10 steps and then the ten symbols
 * in order. Sequence length T + 20; inputs one-hot over 10 categories; 9 output classes; loss
 * cross-entropy at every step. The memoryless baseline (blanks, then uniform over the 8
 * symbols) has cross-entropy 10·ln 8 / (T + 20).
 *
 * x [T+20, B, 10]; y int32 [T+20, B]; accuracy is scored on the last 10 steps only.
 */
import { invalidArgument, type Rng } from '@gradlab/core';
import type { RecurrentNet } from '../recurrent-net.js';
import { makeBatch, scoreClassification, testRng } from './sequence-task.js';
import type { SequenceBatch, SequenceTask } from './sequence-task.js';

/** Symbols to remember. */
export const COPY_SYMBOLS = 8;
/** How many symbols are remembered. */
export const COPY_LENGTH = 10;

/** The memoryless cross-entropy 10·ln 8 / (T + 20) of copy memory with delay T. */
export function copyMemoryBaseline(delay: number): number {
  return (COPY_LENGTH * Math.log(COPY_SYMBOLS)) / (delay + 2 * COPY_LENGTH);
}

/**
 * Copy memory with delay T (T ≥ 1): sequences of length T + 20.
 * @throws ValidationError for a bad delay
 */
export function copyMemory(delay: number): SequenceTask {
  if (!Number.isSafeInteger(delay) || delay < 1) throw invalidArgument('copyMemory', 'delay', delay, 'a positive integer');
  const L = delay + 2 * COPY_LENGTH;
  const D = COPY_SYMBOLS + 2;
  const answer = Array.from({ length: COPY_LENGTH }, (_, i) => delay + COPY_LENGTH + i);
  const draw = (batch: number, rng: Rng): SequenceBatch => {
    if (!Number.isSafeInteger(batch) || batch < 1) throw invalidArgument('copyMemory.sample', 'batch', batch, 'a positive integer');
    const x = new Float32Array(L * batch * D);
    const y = new Int32Array(L * batch);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < L; t++) {
        let symbol = 0;
        if (t < COPY_LENGTH) {
          symbol = 1 + rng.int(COPY_SYMBOLS);
          y[(t + delay + COPY_LENGTH) * batch + b] = symbol;
        } else if (t === delay + COPY_LENGTH - 1) {
          symbol = COPY_SYMBOLS + 1;
        }
        x[(t * batch + b) * D + symbol] = 1;
      }
    }
    return makeBatch(x, [L, batch, D], y, [L, batch], { classes: COPY_SYMBOLS + 1, where: 'copyMemory.sample' });
  };
  const loss = { loss: 'softmax-cross-entropy', at: 'every' } as const;
  return {
    name: 'copy',
    steps: L,
    inputSize: D,
    outputSize: COPY_SYMBOLS + 1,
    loss,
    baselineLoss: copyMemoryBaseline(delay),
    baselineAccuracy: 1 / COPY_SYMBOLS,
    sample: draw,
    testSet: (size, seed) => draw(size, testRng(`copy-${delay}`, seed)),
    evaluate: (net: RecurrentNet, batch: SequenceBatch) => scoreClassification(net, batch, loss, answer),
  };
}
