/**
 * One training run of the long-lag experiments (temporal-order, copy-memory, long-time-lag):
 * `trainOnTask` on fresh minibatches from `rng.fork('batches')`, evaluated every `evalEvery`
 * updates and after the last on the seed's fixed test set, with progress reported as the
 * fraction of updates done. The run owns the net and the optimiser it is handed and disposes
 * them with the test set, also when training throws.
 */
import type { Optimizer, Rng } from '@gradlab/core';
import { trainOnTask } from '@gradlab/rnn';
import type { RecurrentNet, SequenceTask, TrainingRecord } from '@gradlab/rnn';

/** The run's sizes (fields of each long-lag experiment's config). */
export interface TaskRunConfig {
  /** Optimiser updates. */
  iterations: number;
  /** Sequences per minibatch. */
  batchSize: number;
  /** Evaluate every this many updates (and after the last). */
  evalEvery: number;
  /** Test sequences, fixed per seed. */
  testSize: number;
}

/**
 * Trains `net` on `task` and returns every evaluation record.
 * @param seed picks the test set (`task.testSet(testSize, seed)`)
 * @param rng the cell's stream; minibatches come from `rng.fork('batches')`
 */
export function runTaskTraining(
  net: RecurrentNet,
  optimizer: Optimizer,
  task: SequenceTask,
  config: TaskRunConfig,
  seed: number,
  rng: Rng,
  onProgress?: (f: number) => void,
): TrainingRecord[] {
  try {
    const test = task.testSet(config.testSize, seed);
    try {
      return trainOnTask(
        net,
        task,
        {
          iterations: config.iterations,
          batchSize: config.batchSize,
          optimizer,
          evalEvery: config.evalEvery,
          testSet: test,
          onEval: (r) => onProgress?.(r.iteration / config.iterations),
        },
        rng.fork('batches'),
      );
    } finally {
      test.dispose();
    }
  } finally {
    optimizer.dispose();
    net.dispose();
  }
}
