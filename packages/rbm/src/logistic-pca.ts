/**
 * Logistic PCA: exponential-family PCA with a Bernoulli likelihood (Collins, Dasgupta &
 * Schapire 2001), the non-linear baseline of Hinton & Salakhutdinov (2006, Fig. 2B).
 *
 * The natural parameters of every row are constrained to a k-dimensional affine subspace,
 * Θ = A V + 1 bᵀ, with coefficients A [n, k], basis V [k, d] and bias b [d]; the pixel
 * intensities x ∈ [0, 1] are the targets of the Bernoulli (cross-entropy) loss
 *   L(A, V, b) = (1/n) Σ_ij −[x_ij log σ(θ_ij) + (1 − x_ij) log(1 − σ(θ_ij))],
 * and the reconstruction is x̂ = σ(Θ). We fit A, V and b jointly by full-batch Adam (Collins et
 * al. alternate exact minimisations instead; both descend the same loss) from A = 0,
 * V ~ N(0, initStd²), b = logit of the clipped mean pixel. New rows are encoded by the same
 * descent on their own A with V and b fixed, a convex problem, started from A = 0 (so encoding
 * needs no random numbers). Gradients are written out, G = (σ(Θ) − X)/n: ∂L/∂A = G Vᵀ,
 * ∂L/∂V = Aᵀ G, ∂L/∂b = Σ_rows G (checked against tfjs autodiff in the tests).
 *
 * Cost per iteration: three n×k×d matMuls. Memory: the rows are cut into chunks once.
 *
 * References: M. Collins, S. Dasgupta & R. E. Schapire (2001), "A generalization of principal
 * component analysis to the exponential family", NIPS 14; A. I. Schein, L. K. Saul & L. H.
 * Ungar (2003), "A generalized linear model for principal component analysis of binary data".
 */
import { Adam, ValidationError, tf, type Rng } from '@gradlab/core';
import { splitRows } from './row-chunks.js';

/** Rows per chunk of the loss and gradient computations. */
const CHUNK_ROWS = 5000;
/** Default Adam learning rate of fitting and encoding. */
export const LOGISTIC_PCA_LEARNING_RATE = 0.05;
/** Default standard deviation of the initial basis. */
export const LOGISTIC_PCA_INIT_STD = 0.01;

/** Options of {@link fitLogisticPCA}. */
export interface LogisticPCAConfig {
  /** k, the dimension of the subspace of natural parameters; an integer in [1, d]. */
  numComponents: number;
  /** Full-batch Adam steps for fitting, and for encoding new rows; a positive integer (a few hundred). */
  iterations: number;
  /** Adam learning rate > 0 (default {@link LOGISTIC_PCA_LEARNING_RATE}). */
  learningRate?: number;
  /** Standard deviation of the initial basis V (default {@link LOGISTIC_PCA_INIT_STD}). */
  initStd?: number;
}

/** Loss and gradients of the Bernoulli loss for rows x [m, d] at coefficients a [m, k]; G is divided by `n` (all rows). */
export function logisticPcaGradients(
  x: tf.Tensor2D,
  a: tf.Tensor2D,
  basis: tf.Tensor2D,
  bias: tf.Tensor1D,
  n: number,
): { loss: tf.Scalar; dA: tf.Tensor2D; dV: tf.Tensor2D; db: tf.Tensor1D } {
  return tf.tidy(() => {
    const theta = tf.add(tf.matMul(a, basis), bias);
    // −[x log σ(θ) + (1 − x) log(1 − σ(θ))] = softplus(θ) − x θ, stable for any θ.
    const loss = tf.div(tf.sum(tf.sub(tf.softplus(theta), tf.mul(x, theta))), n) as tf.Scalar;
    const g = tf.div(tf.sub(tf.sigmoid(theta), x), n);
    return {
      loss,
      dA: tf.matMul(g, tf.transpose(basis)),
      dV: tf.matMul(tf.transpose(a), g),
      db: tf.sum(g, 0) as tf.Tensor1D,
    };
  });
}

/** A fitted logistic PCA (basis and bias). Call `dispose()` when done. */
export class LogisticPCA {
  /** Basis V [k, d] of the natural-parameter subspace. */
  readonly basis: tf.Tensor2D;
  /** Bias b [d]. */
  readonly bias: tf.Tensor1D;
  /** Adam steps used to encode new rows. */
  readonly iterations: number;
  /** Adam learning rate used to encode new rows. */
  readonly learningRate: number;
  /** Training loss (mean cross-entropy per row) after each fitting step. */
  readonly losses: number[];

  /** @internal use {@link fitLogisticPCA} */
  constructor(basis: tf.Tensor2D, bias: tf.Tensor1D, iterations: number, learningRate: number, losses: number[]) {
    this.basis = basis;
    this.bias = bias;
    this.iterations = iterations;
    this.learningRate = learningRate;
    this.losses = losses;
  }

  /**
   * Coefficients A of new rows: Adam on the Bernoulli loss with the basis and bias fixed, from A = 0.
   * @param x [n, d] intensities in [0, 1]
   * @returns [n, k]
   */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    checkRows(x, this.bias.shape[0], 'LogisticPCA.encode');
    const basis = tf.variable(this.basis, false);
    const bias = tf.variable(this.bias, false);
    const fit = descend(x, basis, bias, false, this.basis.shape[0], this.iterations, this.learningRate);
    const a = tf.concat(fit.coefficients, 0);
    tf.dispose([basis, bias, ...fit.coefficients]);
    return a;
  }

  /**
   * σ(A V + b) for the coefficients A that {@link encode} finds.
   * @param x [n, d]
   * @returns [n, d]
   */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    const a = this.encode(x);
    const y = tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(a, this.basis), this.bias)) as tf.Tensor2D);
    a.dispose();
    return y;
  }

  /**
   * Mean over rows of Σ_j (x̂_j − x_j)², x̂ = {@link reconstruct}(x).
   * @param x [n, d], n ≥ 1
   */
  reconstructionError(x: tf.Tensor2D): number {
    const y = this.reconstruct(x);
    const e = tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(y, x)), x.shape[0]));
    const v = e.dataSync()[0]!;
    tf.dispose([y, e]);
    return v;
  }

  /** Frees the basis and the bias. */
  dispose(): void {
    tf.dispose([this.basis, this.bias]);
  }
}

/**
 * Fits a logistic PCA to the rows of x by full-batch Adam on A, V and b.
 * @param x [n, d] intensities in [0, 1] (not changed)
 * @param config see {@link LogisticPCAConfig}
 * @param rng draws the initial basis
 * @throws ValidationError naming a bad option or a bad x
 * @example const lpca = fitLogisticPCA(train, { numComponents: 30, iterations: 300 }, rng.fork('lpca'));
 */
export function fitLogisticPCA(x: tf.Tensor2D, config: LogisticPCAConfig, rng: Rng): LogisticPCA {
  const d = x.shape[1];
  checkRows(x, d, 'fitLogisticPCA');
  const { numComponents: k, iterations } = config;
  const learningRate = config.learningRate ?? LOGISTIC_PCA_LEARNING_RATE;
  const initStd = config.initStd ?? LOGISTIC_PCA_INIT_STD;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new ValidationError(`fitLogisticPCA: expected numComponents to be an integer in [1, ${d}], got ${k}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new ValidationError(`fitLogisticPCA: expected iterations to be a positive integer, got ${iterations}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new ValidationError(`fitLogisticPCA: expected learningRate to be a finite number > 0, got ${learningRate}`);
  if (!(initStd >= 0 && Number.isFinite(initStd))) throw new ValidationError(`fitLogisticPCA: expected initStd to be a finite number ≥ 0, got ${initStd}`);
  const basis = keepAsVariable(tf.tidy(() => rng.normalTensor([k, d], 0, initStd)) as tf.Tensor2D);
  // The bias starts at the logit of the mean pixel (clipped away from 0 and 1), where A = 0 is best.
  const bias = keepAsVariable(
    tf.tidy(() => {
      const p = tf.clipByValue(tf.mean(x, 0), 1e-3, 1 - 1e-3);
      return tf.log(tf.div(p, tf.sub(1, p)));
    }) as tf.Tensor1D,
  );
  const fit = descend(x, basis, bias, true, k, iterations, learningRate);
  tf.dispose(fit.coefficients);
  const out = new LogisticPCA(tf.clone(basis), tf.clone(bias), iterations, learningRate, fit.losses);
  tf.dispose([basis, bias]);
  return out;
}

/** Full-batch Adam on the coefficients (one variable per chunk of rows) and, when `trainBasis`, on V and b. */
function descend(
  x: tf.Tensor2D,
  basis: tf.Variable<tf.Rank.R2>,
  bias: tf.Variable<tf.Rank.R1>,
  trainBasis: boolean,
  k: number,
  iterations: number,
  learningRate: number,
): { coefficients: tf.Variable<tf.Rank.R2>[]; losses: number[] } {
  const n = x.shape[0];
  const chunks = splitRows(x, CHUNK_ROWS);
  const coefficients = chunks.map((c) => keepAsVariable(tf.zeros([c.shape[0], k]) as tf.Tensor2D));
  const params: Record<string, tf.Variable> = Object.fromEntries(coefficients.map((a, i) => [`coef/${i}`, a]));
  if (trainBasis) Object.assign(params, { basis, bias });
  const adam = new Adam({ learningRate });
  const losses: number[] = [];
  try {
    for (let it = 0; it < iterations; it++) {
      const grads: Record<string, tf.Tensor> = {};
      const lossParts: tf.Scalar[] = [];
      let dV: tf.Tensor2D | undefined;
      let db: tf.Tensor1D | undefined;
      chunks.forEach((c, i) => {
        const g = logisticPcaGradients(c, coefficients[i]!, basis, bias, n);
        grads[`coef/${i}`] = g.dA;
        lossParts.push(g.loss);
        if (trainBasis) {
          const [v0, b0] = [dV, db];
          dV = v0 === undefined ? g.dV : tf.tidy(() => tf.add(v0, g.dV) as tf.Tensor2D);
          db = b0 === undefined ? g.db : tf.tidy(() => tf.add(b0, g.db) as tf.Tensor1D);
          if (v0 !== undefined) tf.dispose([v0, b0!, g.dV, g.db]);
        } else {
          tf.dispose([g.dV, g.db]);
        }
      });
      if (trainBasis) Object.assign(grads, { basis: dV!, bias: db! });
      const loss = tf.tidy(() => tf.addN(lossParts));
      if (trainBasis) losses.push(loss.dataSync()[0]!);
      tf.dispose([loss, ...lossParts]);
      adam.step(params, grads);
      tf.dispose(Object.values(grads));
    }
  } finally {
    adam.dispose();
    tf.dispose(chunks);
  }
  return { coefficients, losses };
}

/** A trainable variable holding t's values; t itself is disposed. */
function keepAsVariable<R extends tf.Rank>(t: tf.Tensor<R>): tf.Variable<R> {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

function checkRows(x: tf.Tensor2D, d: number, where: string): void {
  if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.shape[0] < 1 || x.shape[1] !== d) {
    throw new ValidationError(`${where}: expected x to be a tensor of shape [n ≥ 1, ${d}], got ${x instanceof tf.Tensor ? `[${x.shape.join(', ')}]` : String(x)}`);
  }
}
