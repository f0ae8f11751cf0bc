/**
 * A fully connected layer y = x·W + b with W stored [in, out] (the orientation that needs no
 * transpose in the forward pass; PyTorch's nn.Linear stores Wᵀ).
 */
import { tf } from '../backend/tf.js';
import { ShapeError } from '../errors/gradlab-error.js';

/** y = x·W + b. x [batch, in], W [in, out], b [out] → [batch, out]. */
export function dense(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    if (x.rank !== 2 || x.shape[1] !== weight.shape[0]) {
      throw new ShapeError(`dense: expected input [batch, ${weight.shape[0]}], got [${x.shape}]`);
    }
    const y = tf.matMul(x as tf.Tensor2D, weight as tf.Tensor2D);
    return (bias === undefined ? y : tf.add(y, bias)) as tf.Tensor2D;
  });
}
