/**
 * A one-hidden-layer autoencoder with tied weights, optionally denoising (Vincent et al. 2008)
 * and optionally contractive (Rifai et al. 2011):
 *
 *   x̃ = x ⊙ m,  m_i ~ Bernoulli(1 − noise)            (masking noise; x̃ = x when noise = 0)
 *   h = σ(x̃·W + c),   y = f(h·Wᵀ + b)                 f = σ (default) or identity
 *   loss = −Σ_i [x_i log y_i + (1 − x_i) log(1 − y_i)]  (cross-entropy, logistic output)
 *        or Σ_i (y_i − x_i)²                             (squared error, linear output)
 *        + λ‖J_f(x̃)‖²_F = λ Σ_j (h_j(1 − h_j))² Σ_i W_ij²  (contractive penalty, λ = `contraction`)
 *
 * per example, averaged over the batch. The contractive autoencoder is this model with λ > 0
 * rather than a class of its own: it has the same parameters, encoder, decoder, stacking and
 * PyTorch layout, and differs only by a term in the loss and its gradient
 * (contractive-penalty.ts); λ = 0 skips the term, so it is bit-identical to the plain model.
 * The building block of {@link StackedAutoencoder}.
 * Gradients are written out (W receives both the encoder and the decoder terms,
 * ∂/∂W = x̃ᵀ·δ_h + δ_yᵀ·h) and checked in the tests against autodiff and finite differences.
 *
 * Complexity: O(batch·V·H) per pass, 5 matrix products per training step.
 *
 * References: P. Vincent, H. Larochelle, Y. Bengio & P.-A. Manzagol (2008), "Extracting and
 * composing robust features with denoising autoencoders", ICML; P. Vincent et al. (2010),
 * "Stacked denoising autoencoders", JMLR 11; Y. Bengio et al. (2007), "Greedy layer-wise
 * training of deep networks", NIPS.
 */
import {
  ShapeError,
  ValidationError,
  initializer,
  nonNegativeNumber,
  INIT_NAMES,
  oneOf,
  parseOptions,
  positiveInt,
  tf,
  type InitName,
  type Rng,
} from '@gradlab/core';
import { z } from 'zod';
import { AutoencoderBase, gradientsResult } from './autoencoder-base.js';
import { trainByBackprop } from './backprop-training.js';
import type { BackpropConfig, BackpropEpochStats, BackpropResult } from './backprop-training.js';
import { CONTRACTIVE_ENCODERS, contractivePenalty, jacobianFrobeniusSquared } from './contractive-penalty.js';
import { AUTOENCODER_ACTIVATIONS } from './deep-autoencoder.js';
import type { AutoencoderActivation, AutoencoderGradients } from './deep-autoencoder.js';
import { ownVariable } from './rbm.js';
import { ALONE } from './watched-step.js';
import type { WatchPlacement } from './watched-step.js';

/** Options of {@link Autoencoder}. */
export interface AutoencoderConfig {
  /** Input width V, a positive integer. */
  numVisible: number;
  /** Hidden width H, a positive integer. */
  numHidden: number;
  /** Output activation: 'sigmoid' (default; data in [0, 1], cross-entropy) or 'linear' (squared error). */
  outputActivation?: AutoencoderActivation;
  /** Initialiser of W (default 'glorot-uniform'); biases start at 0. */
  init?: InitName;
  /**
   * Contraction strength λ ≥ 0 of the penalty λ‖J_f(x)‖²_F (default 0: no penalty); a finite
   * number. Choose it by validation, as Rifai et al. did (on 4×4 bars and stripes with H = 16,
   * λ = 0.1 cuts the mean ‖J_f‖_F about 5× and still reconstructs every pattern: see the tests).
   */
  contraction?: number;
}

const configSchema = z.strictObject({
  numVisible: positiveInt(),
  numHidden: positiveInt(),
  outputActivation: oneOf(AUTOENCODER_ACTIVATIONS).optional(),
  init: oneOf(INIT_NAMES).optional(),
  contraction: nonNegativeNumber().optional(),
});

/** The encoder is logistic: its derivatives for the contractive penalty. */
const ENCODER = CONTRACTIVE_ENCODERS.sigmoid;

/**
 * A tied-weight (denoising, contractive) autoencoder.
 *
 * Parameters: `numVisible` V, `numHidden` H, `outputActivation` ('sigmoid'), `init` ('glorot-uniform'),
 * `contraction` λ (0).
 * Shapes: input [batch, V], code [batch, H]; W [V, H], c [H] (`hiddenBias`), b [V] (`visibleBias`).
 * @example
 * const ae = new Autoencoder({ numVisible: 784, numHidden: 500 }, rng.fork('init'));
 * trainAutoencoder(ae, x, { epochs: 10, noise: 0.25, learningRate: 0.1 }, rng.fork('train'));
 * const h = ae.encode(x);
 * const cae = new Autoencoder({ numVisible: 784, numHidden: 500, contraction: 0.1 }, rng.fork('cae'));
 * cae.meanJacobianNorm(x); // mean ‖J_f(x)‖_F over the rows
 */
export class Autoencoder extends AutoencoderBase {
  /** Input width. */
  readonly numVisible: number;
  /** Hidden width. */
  readonly numHidden: number;
  /** Output activation. */
  readonly outputActivation: AutoencoderActivation;
  /** Contraction strength λ (0: a plain or denoising autoencoder). */
  readonly contraction: number;
  /** `weight` [V, H], `hiddenBias` [H], `visibleBias` [V]. */
  override readonly params: { weight: tf.Variable; hiddenBias: tf.Variable; visibleBias: tf.Variable };

  /**
   * @param config sizes, output activation, initialiser, contraction
   * @param rng W from `rng.fork('weight')`
   * @throws ValidationError naming a bad field
   */
  constructor(config: AutoencoderConfig, rng: Rng) {
    super('Autoencoder');
    const c = parseOptions('Autoencoder', configSchema, config);
    this.numVisible = c.numVisible;
    this.numHidden = c.numHidden;
    this.outputActivation = c.outputActivation ?? 'sigmoid';
    this.contraction = c.contraction ?? 0;
    const init = initializer(c.init ?? 'glorot-uniform');
    this.params = {
      weight: ownVariable(init([c.numVisible, c.numHidden], rng.fork('weight'))),
      hiddenBias: ownVariable(tf.zeros([c.numHidden])),
      visibleBias: ownVariable(tf.zeros([c.numVisible])),
    };
  }

  /** h = σ(x·W + c) [batch, hidden]. */
  encode(x: tf.Tensor): tf.Tensor2D {
    this.checkInput(x, 'encode');
    return tf.tidy(() => tf.sigmoid(tf.add(tf.matMul(x as tf.Tensor2D, this.params.weight as tf.Tensor2D), this.params.hiddenBias)) as tf.Tensor2D);
  }

  /** y = f(h·Wᵀ + b) [batch, visible]. */
  decode(h: tf.Tensor): tf.Tensor2D {
    this.checkLive();
    if (h.rank !== 2 || h.shape[1] !== this.numHidden) throw new ShapeError(`Autoencoder.decode: expected codes of shape [batch, ${this.numHidden}], got [${h.shape}]`);
    return tf.tidy(() => {
      const zv = tf.add(tf.matMul(h as tf.Tensor2D, tf.transpose(this.params.weight)), this.params.visibleBias);
      return (this.outputActivation === 'sigmoid' ? tf.sigmoid(zv) : zv) as tf.Tensor2D;
    });
  }

  /** decode(encode(x)) [batch, visible] (no noise). */
  reconstruct(x: tf.Tensor): tf.Tensor2D {
    const h = this.encode(x);
    const y = this.decode(h);
    h.dispose();
    return y;
  }

  /**
   * The mean over the rows of the encoder Jacobian's Frobenius norm ‖J_f(x)‖_F = ‖∂h/∂x‖_F
   * (not squared), by the closed form; one readback.
   * @param x [n, visible]
   */
  meanJacobianNorm(x: tf.Tensor): number {
    this.checkInput(x, 'meanJacobianNorm');
    const m = tf.tidy(() => {
      const h = tf.sigmoid(tf.add(tf.matMul(x as tf.Tensor2D, this.params.weight as tf.Tensor2D), this.params.hiddenBias)) as tf.Tensor2D;
      return tf.mean(tf.sqrt(jacobianFrobeniusSquared(h, this.params.weight as tf.Tensor2D, ENCODER)));
    });
    const value = m.dataSync()[0]!;
    m.dispose();
    return value;
  }

  /**
   * Loss and gradients for one batch, by explicit backpropagation (the contractive term at x).
   * @param x the (possibly corrupted) input [batch, visible]
   * @param target the clean target [batch, visible] (default x)
   */
  gradients(x: tf.Tensor, target: tf.Tensor = x): AutoencoderGradients {
    this.checkInput(x, 'gradients');
    if (target.shape.join(',') !== x.shape.join(',')) throw new ShapeError(`Autoencoder.gradients: expected target of shape [${x.shape}], got [${target.shape}]`);
    const { weight, hiddenBias, visibleBias } = this.params;
    const { grads, stats } = tf.tidy(() => {
      const batch = x.shape[0]!;
      const wt = tf.transpose(weight) as tf.Tensor2D;
      const h = tf.sigmoid(tf.add(tf.matMul(x as tf.Tensor2D, weight as tf.Tensor2D), hiddenBias)) as tf.Tensor2D;
      const zv = tf.add(tf.matMul(h, wt), visibleBias);
      const y = this.outputActivation === 'sigmoid' ? tf.sigmoid(zv) : zv;
      const diff = tf.sub(y, target);
      const reconSum = tf.sum(tf.square(diff));
      let lossSum: tf.Tensor;
      let dy: tf.Tensor2D;
      if (this.outputActivation === 'sigmoid') {
        const logP = tf.maximum(tf.log(y), -100);
        const log1mP = tf.maximum(tf.log(tf.sub(1, y)), -100);
        lossSum = tf.neg(tf.sum(tf.add(tf.mul(target, logP), tf.mul(tf.sub(1, target), log1mP))));
        dy = tf.div(diff, batch) as tf.Tensor2D;
      } else {
        lossSum = reconSum;
        dy = tf.mul(diff, 2 / batch) as tf.Tensor2D;
      }
      let dh = tf.mul(tf.matMul(dy, weight as tf.Tensor2D), tf.mul(h, tf.sub(1, h))) as tf.Tensor2D;
      let gW = tf.matMul(tf.transpose(dy), h);
      if (this.contraction > 0) {
        const penalty = contractivePenalty(h, weight as tf.Tensor2D, this.contraction, ENCODER);
        lossSum = tf.add(lossSum, tf.mul(penalty.value, batch));
        if (penalty.dz !== null) dh = tf.add(dh, penalty.dz) as tf.Tensor2D;
        gW = tf.add(gW, penalty.dWeight) as tf.Tensor2D;
      }
      gW = tf.add(tf.matMul(tf.transpose(x), dh), gW) as tf.Tensor2D;
      return {
        grads: { weight: gW, hiddenBias: tf.sum(dh, 0), visibleBias: tf.sum(dy, 0) } as Record<string, tf.Tensor>,
        stats: tf.stack([tf.div(lossSum, batch), tf.div(reconSum, batch)]),
      };
    });
    return gradientsResult(grads, stats);
  }

  private checkInput(x: tf.Tensor, method: string): void {
    this.checkLive();
    if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.shape[1] !== this.numVisible) {
      throw new ShapeError(`Autoencoder.${method}: expected input of shape [batch, ${this.numVisible}], got ${x instanceof tf.Tensor ? `[${x.shape}]` : typeof x}`);
    }
  }
}

/**
 * Trains a (denoising) autoencoder by minibatch backpropagation.
 * @param ae the model (updated in place)
 * @param x training data [n, visible], not changed
 * @param config `{ epochs, batchSize = 100, noise = 0 (masking fraction, e.g. 0.25), optimizer = 'sgd', learningRate = 0.1, momentum = 0.9, weightDecay = 0, onEpoch, onStep, watch }`
 * @param rng shuffles from `rng.fork('shuffle/<epoch>')`, masks from `rng.fork('noise')`
 * @returns per-epoch mean loss and reconstruction error
 * @throws ValidationError naming a bad option; ShapeError for data of the wrong shape
 * @example trainAutoencoder(ae, x, { epochs: 15, noise: 0.25 }, rng.fork('train'))
 */
export function trainAutoencoder(ae: Autoencoder, x: tf.Tensor, config: BackpropConfig, rng: Rng): BackpropEpochStats[] {
  if (!(ae instanceof Autoencoder)) throw new ValidationError(`trainAutoencoder: expected ae to be an Autoencoder, got ${typeof ae}`);
  return trainAutoencoderPlaced(ae, x, config, rng, ALONE).history;
}

/** {@link trainAutoencoder} as one layer of a stack: its watch rows named and counted by `placement`. */
export function trainAutoencoderPlaced(ae: Autoencoder, x: tf.Tensor, config: BackpropConfig, rng: Rng, placement: WatchPlacement): BackpropResult {
  // The watched code h = σ(x̃·W + c) is logistic: f' = h(1 − h), γ = 1/4.
  const codes = (input: tf.Tensor) => ({ hidden: { value: ae.encode(input), derivative: (h: tf.Tensor) => tf.mul(h, tf.sub(1, h)), gamma: 0.25 } });
  return trainByBackprop('trainAutoencoder', ae, ae.numVisible, x, config, rng, placement, codes);
}
