/**
 * 2-D convolution over NHWC images (tfjs's layout): y = x ⋆ W + b with symmetric zero padding,
 * exactly PyTorch's `nn.Conv2d(in, out, k, stride, padding)` (cross-correlation, no kernel flip)
 * apart from the layouts. gradlab keeps kernels as [kh, kw, in, out] so that `fans` reads
 * fan_in = kh·kw·in and fan_out = kh·kw·out, PyTorch's fans for a [out, in, kh, kw] weight;
 * `conv-net-torch-weights.ts` transposes to PyTorch's layout.
 *
 * Padding is applied by `tf.pad` and the convolution run 'valid', because tfjs's 'same' pads
 * asymmetrically when the stride exceeds 1 and PyTorch never does.
 *
 * The backward pass is written here (`tf.customGrad`) because tfjs-wasm 4.22 registers no
 * `Conv2DBackpropFilter` kernel: ∂L/∂x is a forward convolution of the dilated, padded ∂L/∂y
 * with the flipped kernel, and ∂L/∂W a sum over every batch element and output position, the
 * sum that makes a shared weight's gradient (LeCun et al. 1998).
 */
import { tf } from '../backend/tf.js';
import { ShapeError } from '../errors/gradlab-error.js';

/** Stride and zero padding of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step between applications of the kernel, both axes; a positive integer (default 1). */
  stride?: number;
  /** Zeros added on every side of both spatial axes; a non-negative integer (default 0). */
  padding?: number;
}

/** Output side of a convolution or pooling: ⌊(n + 2·padding − k)/stride⌋ + 1 (≤ 0: nothing fits). */
export function convOutputSize(n: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((n + 2 * padding - kernel) / stride) + 1;
}

/**
 * x [batch, h, w, in] ⋆ W [kh, kw, in, out] + b [out] → [batch, h', w', out],
 * h' = ⌊(h + 2·padding − kh)/stride⌋ + 1 (likewise w').
 * @throws ShapeError when the ranks or channel counts disagree or the kernel does not fit
 */
export function conv2d(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor, options: Conv2dOptions = {}): tf.Tensor4D {
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 0;
  if (x.rank !== 4 || weight.rank !== 4 || x.shape[3] !== weight.shape[2]) {
    throw new ShapeError(`conv2d: expected input [batch, height, width, ${weight.shape[2]}] and kernel [kh, kw, in, out], got [${x.shape}] and [${weight.shape}]`);
  }
  const [, h, w] = x.shape as number[];
  const [kh, kw] = weight.shape as number[];
  if (convOutputSize(h!, kh!, stride, padding) < 1 || convOutputSize(w!, kw!, stride, padding) < 1) {
    throw new ShapeError(`conv2d: expected a kernel ${kh}×${kw} to fit the ${h}×${w} input padded by ${padding}, got no output position`);
  }
  return tf.tidy(() => {
    const padded = padding > 0 ? tf.pad(x as tf.Tensor4D, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : (x as tf.Tensor4D);
    const y = validConv(stride)(padded, weight as tf.Tensor4D);
    return (bias === undefined ? y : tf.add(y, bias)) as tf.Tensor4D;
  });
}

/**
 * ∂L/∂x of a 'valid' convolution: the full correlation of ∂L/∂y, dilated by the stride, with the
 * kernel flipped and its in/out axes swapped, a forward `conv2d` (tfjs-wasm's own transposed
 * convolution runs ~15× slower at the sizes here). `r` extra zero rows / columns at the end give
 * back the input rows the strided kernel never reached.
 */
function inputGradient(dy: tf.Tensor4D, w: tf.Tensor4D, inShape: readonly number[], stride: number): tf.Tensor4D {
  const [b, oh, ow, out] = dy.shape;
  const [kh, kw] = w.shape;
  let g: tf.Tensor4D = dy;
  if (stride > 1) {
    const spread = tf.pad(tf.reshape(dy, [b, oh, 1, ow, 1, out]), [[0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0]]);
    g = tf.slice(tf.reshape(spread, [b, oh * stride, ow * stride, out]), [0, 0, 0, 0], [b, (oh - 1) * stride + 1, (ow - 1) * stride + 1, out]) as tf.Tensor4D;
  }
  const rh = inShape[1]! - ((oh - 1) * stride + kh);
  const rw = inShape[2]! - ((ow - 1) * stride + kw);
  const padded = tf.pad(g, [[0, 0], [kh - 1, kh - 1 + rh], [kw - 1, kw - 1 + rw], [0, 0]]);
  const flipped = tf.reverse(tf.transpose(w, [0, 1, 3, 2]), [0, 1]) as tf.Tensor4D;
  return tf.conv2d(padded, flipped, 1, 'valid');
}

/**
 * ∂L/∂W [kh, kw, in, out]: for each kernel offset (i, j), the input values it met (one strided
 * slice of x, [N = batch·h'·w', in]) times ∂L/∂y [N, out], summed over the N positions: the sum
 * that makes a shared weight's gradient. The product has a transposed first operand, slow on
 * wasm per flop but small (in·out·N); concatenating all patches first (im2col) costs more.
 */
function kernelGradient(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, stride: number): tf.Tensor4D {
  const [b, oh, ow, out] = dy.shape;
  const c = x.shape[3];
  const n = b * oh * ow;
  const g = tf.reshape(dy, [n, out]) as tf.Tensor2D;
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const seen =
        stride === 1
          ? tf.slice(x, [0, i, j, 0], [b, oh, ow, c])
          : tf.stridedSlice(x, [0, i, j, 0], [b, i + stride * (oh - 1) + 1, j + stride * (ow - 1) + 1, c], [1, stride, stride, 1]);
      parts.push(tf.matMul(tf.reshape(seen, [n, c]) as tf.Tensor2D, g, true, false));
    }
  }
  return tf.reshape(tf.stack(parts), [kh, kw, c, out]);
}

/** The 'valid' convolution x [b, h, w, in] ⋆ W [kh, kw, in, out] with its gradient written out. */
function validConv(stride: number): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad((x, w, save) => {
    const xs = x as tf.Tensor4D;
    const ws = w as tf.Tensor4D;
    (save as tf.GradSaveFunc)([xs, ws]);
    return {
      value: tf.conv2d(xs, ws, stride, 'valid'),
      gradFunc: (dy, saved) => {
        const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g = dy as tf.Tensor4D;
        return [inputGradient(g, sw, sx.shape, stride), kernelGradient(sx, g, sw.shape[0], sw.shape[1], stride)];
      },
    };
  }) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
}
