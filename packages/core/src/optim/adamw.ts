/**
 * AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", ICLR, Algorithm 2):
 * Adam whose weight decay shrinks the parameters directly instead of entering the gradient, so
 * the decay is not rescaled by the adaptive denominator. Exactly `torch.optim.AdamW` (amsgrad
 * off; PyTorch's schedule multiplier η_t is the learning rate itself):
 *
 *   θ = θ·(1 − η·λ)
 *   m = β₁·m + (1 − β₁)·d,      v = β₂·v + (1 − β₂)·d²,      d = g + λ₁·sign(θ_old)
 *   θ = θ − (η / (1 − β₁ᵗ)) · m / (sqrt(v) / sqrt(1 − β₂ᵗ) + ε)
 *
 * λ defaults to 0.01 as in PyTorch; the optional L1 penalty λ₁ stays in the gradient (what a
 * PyTorch user gets by adding λ₁·Σ|θ| to the loss), taken at the parameters before the decay.
 */
import { tf } from '../backend/tf.js';
import { Adam, ADAM_DEFAULTS } from './adam.js';
import type { AdamConfig } from './adam.js';
import { penalisedGradient } from './penalties.js';
import type { UpdateContext } from './optimizer.js';

/** Defaults of AdamW's options, as in `torch.optim.AdamW` (weight decay 0.01). */
export const ADAMW_DEFAULTS = Object.freeze({ ...ADAM_DEFAULTS, weightDecay: 1e-2 });

/**
 * Adam with decoupled weight decay; matches `torch.optim.AdamW` step for step (checked against
 * PyTorch fixtures in the tests). Options as {@link Adam} ({@link AdamConfig}); `weightDecay`
 * is the decoupled λ, default 0.01; λ = 0 is Adam without weight decay.
 *
 * Cost per step: Adam's ~13 elementwise ops per parameter plus 1 for the decay.
 * @example
 * const opt = new AdamW({ learningRate: 1e-3, weightDecay: 0.05 });
 * opt.step(net.params, grads);
 */
export class AdamW extends Adam {
  protected static override readonly optimizerName: string = 'AdamW';
  protected static override readonly defaults = ADAMW_DEFAULTS;

  /**
   * @param config see {@link AdamConfig}; every field optional
   * @throws ValidationError naming the bad field, e.g.
   *   `AdamW: expected weightDecay to be a finite number >= 0, got -1`
   */
  constructor(config: AdamConfig = {}) {
    super(config);
  }

  protected override penalise(param: tf.Variable, grad: tf.Tensor, ctx: UpdateContext): tf.Tensor {
    const d = penalisedGradient(grad, param, this.l1, 0);
    if (this.weightDecay !== 0) param.assign(tf.mul(param, 1 - ctx.learningRate * this.weightDecay));
    return d;
  }
}
