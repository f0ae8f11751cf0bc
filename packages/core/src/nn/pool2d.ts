/**
 * 2-D max and average pooling over NHWC images with a size×size window moved by `size`
 * (PyTorch's `nn.MaxPool2d(size)` / `nn.AvgPool2d(size)` defaults: stride = kernel, no
 * padding, a remainder row or column dropped).
 *
 * Max pooling's backward pass is written here (`tf.customGrad`): tfjs-wasm 4.22's `MaxPoolGrad`
 * kernel routes gradients to the wrong positions for some shapes (e.g. x [4, 4, 4, 5]; the
 * test holds the case). The window's gradient goes to its first maximum in row-major order, as
 * in PyTorch: the windows are laid out on their own axis, `argMax` picks the winner, `oneHot`
 * scatters ∂L/∂y to it.
 */
import { tf } from '../backend/tf.js';
import { ShapeError } from '../errors/gradlab-error.js';

/** The pooling kinds; 'none' leaves the map as it is. */
export const POOL_NAMES = ['none', 'max', 'avg'] as const;

/** A pooling kind. */
export type PoolName = (typeof POOL_NAMES)[number];

/**
 * x [batch, h, w, c] → [batch, ⌊h/size⌋, ⌊w/size⌋, c], the max or mean of each window.
 * @throws ShapeError when x is not 4-D or smaller than one window
 */
export function pool2d(x: tf.Tensor, kind: PoolName, size: number): tf.Tensor4D {
  if (x.rank !== 4) throw new ShapeError(`pool2d: expected input [batch, height, width, channels], got [${x.shape}]`);
  if (kind === 'none') return x as tf.Tensor4D;
  if (x.shape[1]! < size || x.shape[2]! < size) {
    throw new ShapeError(`pool2d: expected the input to hold one ${size}×${size} window, got ${x.shape[1]}×${x.shape[2]}`);
  }
  return tf.tidy(() => (kind === 'max' ? maxPool(size)(x as tf.Tensor4D) : tf.avgPool(x as tf.Tensor4D, size, size, 'valid')));
}

/** Max pooling with the argmax gradient (see the file comment). */
function maxPool(size: number): (x: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad((x, save) => {
    const xs = x as tf.Tensor4D;
    (save as tf.GradSaveFunc)([xs]);
    return {
      value: tf.maxPool(xs, size, size, 'valid'),
      gradFunc: (dy, saved) => {
        const [sx] = saved as [tf.Tensor4D];
        const [b, h, w, c] = sx.shape;
        const [oh, ow] = [Math.floor(h / size), Math.floor(w / size)];
        const cropped = oh * size === h && ow * size === w ? sx : tf.slice(sx, [0, 0, 0, 0], [b, oh * size, ow * size, c]);
        // [b, oh, size, ow, size, c] → [b, oh, ow, c, size·size]: each window on the last axis.
        const windows = tf.reshape(tf.transpose(tf.reshape(cropped, [b, oh, size, ow, size, c]), [0, 1, 3, 5, 2, 4]), [b, oh, ow, c, size * size]);
        // oneHot in int32, then cast: tfjs-wasm 4.22's float32 oneHot writes the int bit pattern (1 → 1.4e-45).
        const routed = tf.mul(tf.cast(tf.oneHot(tf.argMax(windows, 4), size * size), 'float32'), tf.expandDims(dy as tf.Tensor, 4));
        const back = tf.reshape(tf.transpose(tf.reshape(routed, [b, oh, ow, c, size, size]), [0, 1, 4, 2, 5, 3]), [b, oh * size, ow * size, c]);
        return back.shape[1] === h && back.shape[2] === w ? back : tf.pad(back, [[0, 0], [0, h - oh * size], [0, w - ow * size], [0, 0]]);
      },
    };
  }) as (x: tf.Tensor4D) => tf.Tensor4D;
}
