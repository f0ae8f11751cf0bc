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
 * `Conv2DBackpropFilter` kernel: ∂L/∂x is the transposed convolution (`Conv2DBackpropInput`,
 * which wasm has), and ∂L/∂W is one plain matMul of the input patches (im2col, the kh·kw
 * strided slices of x side by side) transposed with ∂L/∂y: the sum over every batch element and
 * output position that makes a shared weight's gradient (LeCun et al. 1998).
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

/** Input patches [batch·h'·w', kh·kw·in] in (i, j, c) order, the flattening of a [kh, kw, in, out] kernel. */
function patches(x: tf.Tensor4D, kh: number, kw: number, stride: number, oh: number, ow: number): tf.Tensor2D {
  const [b, , , c] = x.shape;
  const cols: tf.Tensor4D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      cols.push(tf.stridedSlice(x, [0, i, j, 0], [b, i + stride * (oh - 1) + 1, j + stride * (ow - 1) + 1, c], [1, stride, stride, 1]) as tf.Tensor4D);
    }
  }
  return tf.reshape(cols.length === 1 ? cols[0]! : tf.concat(cols, 3), [b * oh * ow, kh * kw * c]);
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
        const [b, oh, ow, out] = g.shape;
        const [kh, kw, cin] = sw.shape;
        const dx = tf.conv2dTranspose(g, sw, sx.shape, stride, 'valid');
        // Explicit transpose, then a plain matMul: tfjs-wasm multiplies transposed operands ~10× slower.
        const dw = tf.matMul(tf.transpose(patches(sx, kh, kw, stride, oh, ow)), tf.reshape(g, [b * oh * ow, out]));
        return [dx, tf.reshape(dw, [kh, kw, cin, out])];
      },
    };
  }) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
}
