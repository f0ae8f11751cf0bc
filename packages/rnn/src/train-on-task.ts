/**
 * Training a recurrent network on a {@link SequenceTask}: fresh minibatches from an `Rng`, full
 * BPTT or truncated BPTT(k1, k2) with an optimiser step per chunk (the optimiser carries the
 * clipping), and a periodic evaluation on the task's fixed test set. Divergence is recorded, not
 * thrown: a NaN loss or non-finite gradient shows up in the records (and training can stop early).
 * Progress goes to a callback; nothing is printed. An optional `watch` (core's `Watcher`)
 * instruments the updates per parameter without changing them.
 */
import { Optimizer, Rng, Watcher, invalidArgument, parseOptions, positiveInt, tf } from '@gradlab/core';
import { z } from 'zod';
import { bptt } from './bptt.js';
import type { RecurrentNet } from './recurrent-net.js';
import type { SequenceTask } from './tasks/sequence-task.js';
import { truncatedBptt } from './truncated-bptt.js';
import { watchedUpdate } from './watched-update.js';

/** Options of {@link trainOnTask}. */
export interface TrainOnTaskOptions {
  /** Minibatches to train on (a positive integer). */
  iterations: number;
  /** Sequences per minibatch (a positive integer). */
  batchSize: number;
  /** The optimiser (its `clip` setting clips every update). */
  optimizer: Optimizer;
  /** Truncated BPTT(k1, k2); default full BPTT (one update per minibatch). */
  truncation?: { k1: number; k2: number };
  /** Evaluate on the test set every this many iterations, and after the last (default 100). */
  evalEvery?: number;
  /** The test set (from `task.testSet(size, seed)`); evaluation is skipped when absent. */
  testSet?: { x: tf.Tensor; y: tf.Tensor; dispose(): void };
  /** Stop after the first evaluation point at which the parameters are non-finite (default true). */
  stopOnNonFinite?: boolean;
  /** Called at each evaluation point (iteration 0 is evaluated before any update). */
  onEval?: (record: TrainingRecord) => void;
  /**
   * Per-parameter instrumentation (core's `watch({ every, ... })`): on each optimiser update
   * whose 0-based index it records (with full BPTT, update i trains on minibatch i + 1), it
   * records θ, ∂L/∂θ and Δθ of every parameter, and under full BPTT the top layer's hidden
   * states h of the minibatch (activation `h`, all steps together). Read the rows with
   * `watcher.drain()`. It draws no random numbers: the run and its records are bit for bit the
   * same with and without it.
   */
  watch?: Watcher;
}

const optionsSchema = z.strictObject({
  iterations: positiveInt(),
  batchSize: positiveInt(),
  optimizer: z.custom<Optimizer>((v) => v instanceof Optimizer, { error: 'an Optimizer (SGD, Adam, …)' }),
  truncation: z.strictObject({ k1: positiveInt(), k2: positiveInt() }, { error: 'an object { k1, k2 }' }).optional(),
  evalEvery: positiveInt().default(100),
  testSet: z
    .custom<{ x: tf.Tensor; y: tf.Tensor; dispose(): void }>(
      (v) => typeof v === 'object' && v !== null && (v as { x?: unknown }).x instanceof tf.Tensor && (v as { y?: unknown }).y instanceof tf.Tensor,
      { error: 'a test set { x, y } from task.testSet(size, seed)' },
    )
    .optional(),
  stopOnNonFinite: z.boolean({ error: 'true or false' }).default(true),
  onEval: z.custom<(record: TrainingRecord) => void>((v) => typeof v === 'function', { error: 'a function' }).optional(),
  watch: z.custom<Watcher>((v) => v instanceof Watcher, { error: 'a Watcher (from watch({ every, ... }))' }).optional(),
});

/** One evaluation point of a training run. */
export interface TrainingRecord {
  /** Minibatches processed so far. */
  iteration: number;
  /** Mean training loss over the minibatches since the previous record (NaN at iteration 0). */
  trainLoss: number;
  /** Largest pre-clip global gradient norm over the updates since the previous record (NaN at 0). */
  gradNormPreClip: number;
  /** Updates since the previous record whose gradient held a NaN or ±Infinity. */
  nonFiniteUpdates: number;
  /** Test loss (NaN without a test set). */
  testLoss: number;
  /** Test accuracy as the task defines it (NaN without a test set). */
  testAccuracy: number;
}

/**
 * Trains `net` on `task`; returns every evaluation record.
 * @param rng minibatches are drawn from it
 * @throws ValidationError for bad options (unknown keys included), or `rng` not an Rng
 * @example
 * const task = addingProblem(100);
 * const records = trainOnTask(lstm, task, { iterations: 2000, batchSize: 32, optimizer: new Adam({ learningRate: 1e-2 }), testSet: task.testSet(1000, seed) }, rng);
 */
export function trainOnTask(net: RecurrentNet, task: SequenceTask, options: TrainOnTaskOptions, rng: Rng): TrainingRecord[] {
  const opts = parseOptions('trainOnTask', optionsSchema, options);
  if (!(rng instanceof Rng)) throw invalidArgument('trainOnTask', 'rng', rng, 'an Rng');
  const { iterations, batchSize, optimizer, evalEvery } = opts;
  const stop = opts.stopOnNonFinite;
  const records: TrainingRecord[] = [];
  let lossSum = 0;
  let lossCount = 0;
  let maxNorm = NaN;
  let nonFinite = 0;
  const evaluate = (iteration: number): boolean => {
    const score = opts.testSet ? task.evaluate(net, opts.testSet) : { loss: NaN, accuracy: NaN };
    const record: TrainingRecord = {
      iteration,
      trainLoss: lossCount === 0 ? NaN : lossSum / lossCount,
      gradNormPreClip: maxNorm,
      nonFiniteUpdates: nonFinite,
      testLoss: score.loss,
      testAccuracy: score.accuracy,
    };
    records.push(record);
    opts.onEval?.(record);
    lossSum = 0;
    lossCount = 0;
    maxNorm = NaN;
    nonFinite = 0;
    return !(stop && iteration > 0 && !paramsFinite(net));
  };
  const noteStep = (report: { gradNormPreClip: number; nonFinite: boolean }) => {
    maxNorm = Number.isNaN(maxNorm) ? report.gradNormPreClip : Math.max(maxNorm, report.gradNormPreClip);
    if (Number.isNaN(report.gradNormPreClip)) maxNorm = NaN;
    if (report.nonFinite) nonFinite++;
  };
  let updates = 0;
  const update = (grads: Record<string, tf.Tensor>, x?: tf.Tensor) =>
    watchedUpdate(opts.watch, net, updates++, grads, () => optimizer.step(net.params, grads), x);
  if (!evaluate(0)) return records;
  for (let it = 1; it <= iterations; it++) {
    const batch = task.sample(batchSize, rng);
    try {
      if (opts.truncation === undefined) {
        const g = bptt(net, batch.x, batch.y, { ...task.loss, measure: false });
        try {
          noteStep(update(g.grads, batch.x));
          lossSum += g.loss;
          lossCount++;
        } finally {
          g.dispose();
        }
      } else {
        let chunkLoss = 0;
        const r = truncatedBptt(net, batch.x, batch.y, { ...task.loss, ...opts.truncation }, (u) => {
          noteStep(update(u.grads));
          chunkLoss += u.weight * u.loss;
        });
        tf.dispose([r.state.h, ...(r.state.c ? [r.state.c] : [])]);
        lossSum += chunkLoss;
        lossCount++;
      }
    } finally {
      batch.dispose();
    }
    if (it % evalEvery === 0 || it === iterations) {
      if (!evaluate(it)) break;
    }
  }
  return records;
}

/** Whether every parameter is finite (one readback). */
export function paramsFinite(net: RecurrentNet): boolean {
  const bad = tf.tidy(() => tf.addN(Object.values(net.params).map((p) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(p)), 'float32')))));
  const n = bad.dataSync()[0]!;
  bad.dispose();
  return n === 0;
}
