/**
 * Test score of a net that only ever sees the last k steps: each scored step t is predicted by a
 * fresh forward pass from the zero state over x[max(0, t − k + 1) … t], exactly the view the
 * reset-state control of tbptt-window trains on. Scoring such a net on whole sequences would
 * instead test it on carried states it never saw in training.
 */
import { tf } from '@gradlab/core';
import type { RecurrentNet, SequenceBatch, TaskScore } from '@gradlab/rnn';

/**
 * Mean softmax cross-entropy and accuracy over `steps`, each step predicted from its own window.
 * @param batch x [T, B, K] one-hot inputs, y int32 [T, B] class labels
 * @param steps the scored steps
 * @param window k ≥ 1, the steps each prediction sees
 */
export function windowedScore(net: RecurrentNet, batch: SequenceBatch, steps: readonly number[], window: number): TaskScore {
  const out = tf.tidy(() => {
    const [, B, K] = batch.x.shape as [number, number, number];
    const losses: tf.Tensor[] = [];
    const hits: tf.Tensor[] = [];
    for (const t of steps) {
      const start = Math.max(0, t - window + 1);
      const f = net.forward(tf.slice(batch.x, [start, 0, 0], [t - start + 1, B, K]));
      const logits = tf.reshape(tf.slice(f.output, [t - start, 0, 0], [1, B, -1]), [B, -1]);
      const labels = tf.reshape(tf.slice(batch.y, [t, 0], [1, B]), [B]);
      const logp = tf.logSoftmax(logits);
      const depth = logits.shape[1]!;
      losses.push(tf.neg(tf.sum(tf.mul(logp, tf.oneHot(tf.cast(labels, 'int32'), depth)), 1)));
      hits.push(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32'));
    }
    return tf.stack([tf.mean(tf.concat(losses)), tf.mean(tf.concat(hits))]);
  });
  const [loss, accuracy] = Array.from(out.dataSync());
  out.dispose();
  return { loss: loss!, accuracy: accuracy! };
}
