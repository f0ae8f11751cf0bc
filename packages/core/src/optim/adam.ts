/**
 * Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1) with
 * coupled L2 weight decay, with exactly the semantics of `torch.optim.Adam` (amsgrad off), and
 * an optional L1 penalty (the subgradient λ₁·sign(θ), as adding λ₁·Σ|θ| to the loss gives):
 *
 *   d = g + λ₁·sign(θ) + λ·θ
 *   m = β₁·m + (1 − β₁)·d,      v = β₂·v + (1 − β₂)·d²        (m, v start at 0)
 *   θ = θ − (η / (1 − β₁ᵗ)) · m / (sqrt(v) / sqrt(1 − β₂ᵗ) + ε)
 *
 * t counts the steps each parameter has taken (per parameter, as PyTorch's `state['step']`).
 * For decoupled weight decay use {@link AdamW} (`adamw.ts`), which overrides {@link Adam.penalise}.
 */
import { z } from 'zod';
import { tf } from '../backend/tf.js';
import { nonNegativeNumber, parseOptions } from '../errors/schema.js';
import { clipConfigSchema } from './clipping.js';
import { penalisedGradient } from './penalties.js';
import type { ClipConfig } from './clipping.js';
import { Optimizer } from './optimizer.js';
import type { UpdateContext } from './optimizer.js';

/** Options of {@link Adam}. */
export interface AdamConfig {
  /** Learning rate η; finite, ≥ 0 (default 1e-3; typical 1e-4–1e-2). */
  learningRate?: number;
  /** Decay of the first-moment estimate β₁ in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment estimate β₂ in [0, 1) (default 0.999). */
  beta2?: number;
  /** ε ≥ 0 added to the denominator (default 1e-8). */
  epsilon?: number;
  /**
   * Weight decay λ ≥ 0. Adam: coupled L2 (default 0), added to the gradient after clipping,
   * d = g + λθ. AdamW: decoupled (default 0.01), θ ← θ·(1 − ηλ) before the Adam step.
   */
  weightDecay?: number;
  /**
   * L1 penalty λ₁ ≥ 0 (default 0): the subgradient λ₁·sign(θ) of λ₁‖θ‖₁ (sign(0) = 0) is added
   * to the gradient after clipping, before the weight decay; the moments see it.
   */
  l1?: number;
  /** Gradient clipping applied to the raw gradients before weight decay (default none). */
  clip?: ClipConfig;
}

/** Defaults of {@link AdamConfig}, as in `torch.optim.Adam`. */
export const ADAM_DEFAULTS = Object.freeze({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, l1: 0 });

const beta = () =>
  z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' });

const adamSchema = z.strictObject({
  learningRate: nonNegativeNumber().optional(),
  beta1: beta().optional(),
  beta2: beta().optional(),
  epsilon: nonNegativeNumber().optional(),
  weightDecay: nonNegativeNumber().optional(),
  l1: nonNegativeNumber().optional(),
  clip: clipConfigSchema.optional(),
});

/**
 * Adam with coupled L2 weight decay, optional L1 penalty and clipping; matches
 * `torch.optim.Adam` step for step (L1: as the loss term λ₁·Σ|θ| would; checked against PyTorch
 * fixtures in the tests).
 *
 * Cost per step: ~13 elementwise tensor ops per parameter, one readback. State: two moment
 * tensors per parameter (the size of the parameter each) and a step count.
 * @example
 * const opt = new Adam({ learningRate: 1e-3, clip: { mode: 'global-norm', max: 5 } });
 * const { gradNormPreClip } = opt.step(params, grads);
 * opt.dispose();
 */
export class Adam extends Optimizer {
  /** The name in error messages; a subclass sets its own. */
  protected static readonly optimizerName: string = 'Adam';
  /** Defaults of the options; a subclass sets its own. */
  protected static readonly defaults: Readonly<Required<Omit<AdamConfig, 'clip'>>> = ADAM_DEFAULTS;
  /** β₁. */
  readonly beta1: number;
  /** β₂. */
  readonly beta2: number;
  /** ε. */
  readonly epsilon: number;
  /** Weight decay λ (coupled L2 in Adam, decoupled in AdamW). */
  readonly weightDecay: number;
  /** L1 penalty λ₁. */
  readonly l1: number;
  private readonly paramSteps = new Map<string, number>();

  /**
   * @param config see {@link AdamConfig}; every field optional
   * @throws ValidationError naming the bad field, e.g.
   *   `Adam: expected beta2 to be a number in [0, 1), got 1`
   */
  constructor(config: AdamConfig = {}) {
    const { optimizerName: where, defaults } = new.target;
    const c = parseOptions(where, adamSchema, config);
    super(where, c.learningRate ?? defaults.learningRate, c.clip);
    this.beta1 = c.beta1 ?? defaults.beta1;
    this.beta2 = c.beta2 ?? defaults.beta2;
    this.epsilon = c.epsilon ?? defaults.epsilon;
    this.weightDecay = c.weightDecay ?? defaults.weightDecay;
    this.l1 = c.l1 ?? defaults.l1;
  }

  /**
   * The gradient the moment estimates see, from the clipped gradient: here g + λ₁·sign(θ) + λ·θ.
   * AdamW decays θ here instead. Runs inside the step's `tf.tidy`.
   */
  protected penalise(param: tf.Variable, grad: tf.Tensor, _ctx: UpdateContext): tf.Tensor {
    return penalisedGradient(grad, param, this.l1, this.weightDecay);
  }

  protected override onReset(): void {
    this.paramSteps.clear();
  }

  protected update(name: string, param: tf.Variable, grad: tf.Tensor, ctx: UpdateContext): void {
    const { beta1, beta2 } = this;
    const t = (this.paramSteps.get(name) ?? 0) + 1;
    this.paramSteps.set(name, t);
    const d = this.penalise(param, grad, ctx);
    const m0 = this.getSlot('exp_avg', name, param.shape) ?? tf.zerosLike(param);
    const v0 = this.getSlot('exp_avg_sq', name, param.shape) ?? tf.zerosLike(param);
    const m = this.setSlot('exp_avg', name, tf.add(tf.mul(m0, beta1), tf.mul(d, 1 - beta1)));
    const v = this.setSlot('exp_avg_sq', name, tf.add(tf.mul(v0, beta2), tf.mul(tf.mul(d, 1 - beta2), d)));
    const stepSize = ctx.learningRate / (1 - beta1 ** t);
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - beta2 ** t)), this.epsilon);
    param.assign(tf.sub(param, tf.mul(tf.div(m, denom), stepSize)));
  }
}
