/**
 * Weight initialisers. Each is a factory returning `(shape, rng) => tf.Tensor`, so the same
 * scheme can be applied to many layers, each with its own `rng.fork(...)`. Kernels are
 * [fanIn, fanOut].
 *
 * References: Glorot & Bengio 2010 ("standard" U[±1/√fanIn] and normalised init); He et al.
 * 2015 (Kaiming); LeCun et al. 1998; Saxe, McClelland & Ganguli 2014 (orthogonal); Le, Jaitly &
 * Hinton 2015 (identity, IRNN).
 */
import { Matrix, QrDecomposition } from 'ml-matrix';
import { tf } from '../backend/tf.js';
import type { Rng } from '../random/rng.js';
import { invalidArgument } from '../errors/gradlab-error.js';
import { fans } from './fans.js';
import { checkScale } from './float32-range.js';

/** The largest |z| `Rng.normal` can return: Box–Muller with u ≥ 2⁻⁵³ gives √(−2 ln u) ≤ 8.57. */
const NORMAL_MAX_Z = Math.sqrt(-2 * Math.log(2 ** -53));

/** Fills a tensor of `shape` using `rng`. */
export type Initializer = (shape: number[], rng: Rng) => tf.Tensor;

/** All zeros. */
export function zeros(): Initializer {
  return (shape) => tf.zeros(shape);
}

/** Every entry `value`. */
export function constant(value: number): Initializer {
  checkScale('constant', 'value', value, 1);
  return (shape) => tf.fill(shape, value);
}

/** N(mean, std²). */
export function normal(std: number, mean = 0): Initializer {
  if (!(std >= 0) || !Number.isFinite(std)) throw invalidArgument('normal', 'std', std, 'a finite number >= 0');
  checkScale('normal', 'std', std, NORMAL_MAX_Z);
  return (shape, rng) => rng.normalTensor(shape, mean, std);
}

/** U[−limit, limit]. */
export function uniform(limit: number): Initializer {
  if (!(limit >= 0) || !Number.isFinite(limit)) throw invalidArgument('uniform', 'limit', limit, 'a finite number >= 0');
  checkScale('uniform', 'limit', limit, 1);
  return (shape, rng) => rng.uniformTensor(shape, -limit, limit);
}

/** Glorot & Bengio's "standard" heuristic U[−1/√fanIn, 1/√fanIn]. */
export function standardUniform(): Initializer {
  return (shape, rng) => rng.uniformTensor(shape, ...sym(1 / Math.sqrt(fans(shape, 'standardUniform').fanIn)));
}

/** Glorot (Xavier) uniform: U[±gain·√(6/(fanIn+fanOut))]. */
export function glorotUniform(gain = 1): Initializer {
  checkScale('glorotUniform', 'gain', gain, 0);
  return (shape, rng) => {
    const { fanIn, fanOut } = fans(shape, 'glorotUniform');
    checkScale('glorotUniform', 'gain', gain, Math.sqrt(6 / (fanIn + fanOut)));
    return rng.uniformTensor(shape, ...sym(gain * Math.sqrt(6 / (fanIn + fanOut))));
  };
}

/** Glorot (Xavier) normal: N(0, gain²·2/(fanIn+fanOut)). */
export function glorotNormal(gain = 1): Initializer {
  checkScale('glorotNormal', 'gain', gain, 0);
  return (shape, rng) => {
    const { fanIn, fanOut } = fans(shape, 'glorotNormal');
    checkScale('glorotNormal', 'gain', gain, NORMAL_MAX_Z * Math.sqrt(2 / (fanIn + fanOut)));
    return rng.normalTensor(shape, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
  };
}

/** He (Kaiming) normal, fan-in mode: N(0, gain²/fanIn), gain √2 for ReLU. */
export function heNormal(gain = Math.SQRT2): Initializer {
  checkScale('heNormal', 'gain', gain, 0);
  return (shape, rng) => {
    const { fanIn } = fans(shape, 'heNormal');
    checkScale('heNormal', 'gain', gain, NORMAL_MAX_Z / Math.sqrt(fanIn));
    return rng.normalTensor(shape, 0, gain / Math.sqrt(fanIn));
  };
}

/** He (Kaiming) uniform, fan-in mode: U[±gain·√(3/fanIn)]. */
export function heUniform(gain = Math.SQRT2): Initializer {
  checkScale('heUniform', 'gain', gain, 0);
  return (shape, rng) => {
    const { fanIn } = fans(shape, 'heUniform');
    checkScale('heUniform', 'gain', gain, Math.sqrt(3 / fanIn));
    return rng.uniformTensor(shape, ...sym(gain * Math.sqrt(3 / fanIn)));
  };
}

/** LeCun normal: N(0, 1/fanIn). */
export function lecunNormal(): Initializer {
  return heNormal(1);
}

/** LeCun uniform: U[±√(3/fanIn)]. */
export function lecunUniform(): Initializer {
  return heUniform(1);
}

/**
 * A (semi-)orthogonal matrix times `gain`: the Q of the QR decomposition of a Gaussian matrix,
 * with signs fixed by diag(R) so Q is Haar-distributed (as torch.nn.init.orthogonal_).
 * For [m, n] with m ≥ n the columns are orthonormal (WᵀW = I); with m < n the rows are.
 */
export function orthogonal(gain = 1): Initializer {
  // Entries of an orthonormal Q are at most 1 in magnitude.
  checkScale('orthogonal', 'gain', gain, 1);
  return (shape, rng) => {
    if (shape.length !== 2) throw invalidArgument('orthogonal', 'shape', shape, 'a 2-D shape [rows, cols]');
    const [rows, cols] = shape as [number, number];
    fans(shape, 'orthogonal');
    const tall = rows >= cols;
    const m = tall ? rows : cols;
    const n = tall ? cols : rows;
    const g = new Matrix(m, n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) g.set(i, j, rng.normal());
    const qr = new QrDecomposition(g);
    const q = qr.orthogonalMatrix; // [m, m]; first n columns span g
    const r = qr.upperTriangularMatrix;
    const out = new Float32Array(rows * cols);
    for (let j = 0; j < n; j++) {
      const sign = r.get(j, j) < 0 ? -1 : 1;
      for (let i = 0; i < m; i++) {
        const v = gain * sign * q.get(i, j);
        if (tall) out[i * cols + j] = v;
        else out[j * cols + i] = v;
      }
    }
    return tf.tensor(out, shape, 'float32');
  };
}

/** `scale` times the identity (IRNN: Le, Jaitly & Hinton 2015). Square shapes only. */
export function identity(scale = 1): Initializer {
  checkScale('identity', 'scale', scale, 1);
  return (shape) => {
    if (shape.length !== 2 || shape[0] !== shape[1]) throw invalidArgument('identity', 'shape', shape, 'a square 2-D shape [n, n]');
    return tf.tidy(() => tf.mul(tf.eye(shape[0]!), scale));
  };
}

function sym(limit: number): [number, number] {
  return [-limit, limit];
}

/** Initialiser names usable in configs. */
export const INIT_NAMES = [
  'zeros',
  'standard',
  'glorot-uniform',
  'glorot-normal',
  'he-normal',
  'he-uniform',
  'lecun-normal',
  'lecun-uniform',
  'orthogonal',
  'identity',
  'normal-0.01',
  'glorot-uniform-x4',
] as const;
/** An initialiser name. */
export type InitName = (typeof INIT_NAMES)[number];

/**
 * Looks up an initialiser by name (`'normal-0.01'` is N(0, 0.01²), Hinton's RBM default and
 * Glorot & Bengio's small-random baseline; `'glorot-uniform-x4'` is Glorot uniform with gain 4,
 * 16 times its variance: large initial weights, under which deep nets' gradients explode).
 * @throws ValidationError for an unknown name
 */
export function initializer(name: InitName): Initializer {
  switch (name) {
    case 'zeros':
      return zeros();
    case 'standard':
      return standardUniform();
    case 'glorot-uniform':
      return glorotUniform();
    case 'glorot-normal':
      return glorotNormal();
    case 'he-normal':
      return heNormal();
    case 'he-uniform':
      return heUniform();
    case 'lecun-normal':
      return lecunNormal();
    case 'lecun-uniform':
      return lecunUniform();
    case 'orthogonal':
      return orthogonal();
    case 'identity':
      return identity();
    case 'normal-0.01':
      return normal(0.01);
    case 'glorot-uniform-x4':
      return glorotUniform(4);
    default:
      throw invalidArgument('initializer', 'name', name, `one of ${INIT_NAMES.join(', ')}`);
  }
}
