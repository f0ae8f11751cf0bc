/**
 * Stochastic gradient descent with momentum, Nesterov momentum, dampening and L2 weight decay,
 * with exactly the semantics of `torch.optim.SGD`:
 *
 *   d = g + λ₁·sign(θ) + λ·θ                      (L1 penalty, then weight decay, coupled L2)
 *   b = d                    on the first step with μ ≠ 0
 *   b = μ·b + (1 − τ)·d      afterwards           (τ = dampening)
 *   d = d + μ·b (Nesterov)   or   d = b
 *   θ = θ − η·d
 *
 * The momentum μ may follow a schedule, e.g. Hinton's 0.5 for the first epochs then 0.9
 * ("A Practical Guide to Training Restricted Boltzmann Machines", 2010, sect. 9); changing μ
 * between steps behaves as setting `param_groups[0]['momentum']` in PyTorch. PyTorch has no L1
 * option: λ₁·sign(θ) is what adding `λ₁·Σ|θ|` to the loss gives (see `penalties.ts`).
 *
 * References: Polyak (1964); Sutskever, Martens, Dahl & Hinton (2013), "On the importance of
 * initialization and momentum in deep learning"; PyTorch `torch/optim/sgd.py`.
 */
import { z } from 'zod';
import { tf } from '../backend/tf.js';
import { invalidArgument } from '../errors/gradlab-error.js';
import { nonNegativeNumber, parseOptions, probability } from '../errors/schema.js';
import { clipConfigSchema } from './clipping.js';
import { penalisedGradient } from './penalties.js';
import type { ClipConfig } from './clipping.js';
import { Optimizer } from './optimizer.js';
import type { UpdateContext } from './optimizer.js';

/** Momentum as a function of the step index (0 on the first step), e.g. `(t) => (t < 500 ? 0.5 : 0.9)`. */
export type MomentumSchedule = (stepIndex: number) => number;

/** Options of {@link SGD}. */
export interface SGDConfig {
  /** Learning rate η; finite, ≥ 0. Typical 1e-3–1. Required (as in PyTorch). */
  learningRate: number;
  /** Momentum μ ≥ 0 (default 0; typical 0.5–0.99), or a schedule `(stepIndex) => μ`. */
  momentum?: number | MomentumSchedule;
  /** Nesterov momentum (default false); needs μ > 0 and dampening 0. */
  nesterov?: boolean;
  /** Dampening τ in [0, 1] (default 0): the new gradient enters the buffer with weight 1 − τ. */
  dampening?: number;
  /** L2 weight decay λ ≥ 0 (default 0), added to the gradient after clipping: d = g + λθ. */
  weightDecay?: number;
  /**
   * L1 penalty λ₁ ≥ 0 (default 0): the subgradient λ₁·sign(θ) of λ₁‖θ‖₁ (sign(0) = 0) is added
   * to the gradient after clipping, before the weight decay. Typical 1e-5–1e-3.
   */
  l1?: number;
  /** Gradient clipping applied to the raw gradients before weight decay (default none). */
  clip?: ClipConfig;
}

/** Defaults of {@link SGDConfig}, as in `torch.optim.SGD`. */
export const SGD_DEFAULTS = Object.freeze({ momentum: 0, nesterov: false, dampening: 0, weightDecay: 0, l1: 0 });

const momentumSchema = z.custom<number | MomentumSchedule>(
  (v) => typeof v === 'function' || (typeof v === 'number' && Number.isFinite(v) && v >= 0),
  { error: 'a finite number >= 0 or a function (stepIndex) => number' },
);

const sgdSchema = z.strictObject({
  learningRate: nonNegativeNumber(),
  momentum: momentumSchema.optional(),
  nesterov: z.boolean({ error: 'a boolean' }).optional(),
  dampening: probability().optional(),
  weightDecay: nonNegativeNumber().optional(),
  l1: nonNegativeNumber().optional(),
  clip: clipConfigSchema.optional(),
});

/**
 * SGD with optional (Nesterov) momentum, dampening, weight decay, L1 penalty and clipping;
 * matches `torch.optim.SGD` step for step (L1: as the loss term λ₁·Σ|θ| would) (checked against PyTorch fixtures in the tests).
 *
 * Cost per step: O(#parameters) elementwise work, ~3–8 tensor ops per parameter, one readback.
 * State: one momentum buffer per parameter when μ ≠ 0.
 * @example
 * const opt = new SGD({ learningRate: 0.1, momentum: (t) => (t < 5 ? 0.5 : 0.9), clip: { mode: 'global-norm', max: 1 } });
 * const report = opt.step(net.params, grads); // { gradNormPreClip, gradNormPostClip, clipped, nonFinite }
 * opt.dispose();
 */
export class SGD extends Optimizer {
  /** Momentum μ (a number) or its schedule. */
  readonly momentum: number | MomentumSchedule;
  /** Whether Nesterov momentum is used. */
  readonly nesterov: boolean;
  /** Dampening τ. */
  readonly dampening: number;
  /** L2 weight decay λ. */
  readonly weightDecay: number;
  /** L1 penalty λ₁. */
  readonly l1: number;
  private currentMomentum = 0;

  /**
   * @param config see {@link SGDConfig}
   * @throws ValidationError naming the bad field, e.g.
   *   `SGD: expected learningRate to be a finite number >= 0, got -1`; also for Nesterov without
   *   momentum or with dampening
   */
  constructor(config: SGDConfig) {
    const c = parseOptions('SGD', sgdSchema, config);
    super('SGD', c.learningRate, c.clip);
    this.momentum = c.momentum ?? SGD_DEFAULTS.momentum;
    this.nesterov = c.nesterov ?? SGD_DEFAULTS.nesterov;
    this.dampening = c.dampening ?? SGD_DEFAULTS.dampening;
    this.weightDecay = c.weightDecay ?? SGD_DEFAULTS.weightDecay;
    this.l1 = c.l1 ?? SGD_DEFAULTS.l1;
    if (this.nesterov && typeof this.momentum === 'number' && this.momentum <= 0) {
      throw invalidArgument('SGD', 'momentum', this.momentum, 'a number > 0 when nesterov is true');
    }
    if (this.nesterov && this.dampening !== 0) {
      throw invalidArgument('SGD', 'dampening', this.dampening, '0 when nesterov is true');
    }
  }

  /** The momentum μ used at step `stepIndex` (0-based). */
  momentumAt(stepIndex: number): number {
    return typeof this.momentum === 'number' ? this.momentum : this.momentum(stepIndex);
  }

  protected override beforeStep(stepIndex: number): void {
    const mu = this.momentumAt(stepIndex);
    if (typeof mu !== 'number' || !Number.isFinite(mu) || mu < 0) {
      throw invalidArgument('SGD', `momentum(${stepIndex})`, mu, 'a finite number >= 0');
    }
    if (this.nesterov && mu <= 0) {
      throw invalidArgument('SGD', `momentum(${stepIndex})`, mu, 'a number > 0 when nesterov is true');
    }
    this.currentMomentum = mu;
  }

  protected update(name: string, param: tf.Variable, grad: tf.Tensor, ctx: UpdateContext): void {
    let d = penalisedGradient(grad, param, this.l1, this.weightDecay);
    const mu = this.currentMomentum;
    if (mu !== 0) {
      const buf = this.getSlot('momentum', name, param.shape);
      let b: tf.Tensor;
      if (buf === undefined) {
        b = this.setSlot('momentum', name, d);
      } else {
        const fresh = this.dampening === 0 ? d : tf.mul(d, 1 - this.dampening);
        b = this.setSlot('momentum', name, tf.add(tf.mul(buf, mu), fresh));
      }
      d = this.nesterov ? tf.add(d, tf.mul(b, mu)) : b;
    }
    param.assign(tf.sub(param, tf.mul(d, ctx.learningRate)));
  }
}
