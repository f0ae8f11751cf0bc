/**
 * Weight penalties added to the gradient inside an optimiser step (after clipping, as
 * `torch.optim` adds `weight_decay`):
 *
 *   d = g + λ₁·sign(θ) + λ₂·θ
 *
 * λ₂·θ is the gradient of (λ₂/2)·‖θ‖² (coupled L2 weight decay, PyTorch's `weight_decay`);
 * λ₁·sign(θ) is a subgradient of λ₁·‖θ‖₁ (L1, "lasso"), with sign(0) = 0 as `torch.sign` and the
 * backward of `torch.abs` give it, so it is what a PyTorch user gets by adding
 * `l1 * sum(p.abs())` to the loss. The L1 subgradient step does not make weights exactly zero
 * (that needs a proximal step); it pulls every weight towards zero by the same amount.
 *
 * References: Tibshirani (1996), "Regression shrinkage and selection via the lasso"; Goodfellow,
 * Bengio & Courville (2016), "Deep Learning", sect. 7.1.
 */
import { tf } from '../backend/tf.js';

/**
 * The penalised gradient g + λ₁·sign(θ) + λ₂·θ (L1 term first, as autograd has it before the
 * optimiser adds its weight decay). Returns `grad` itself when both strengths are 0. Call
 * inside `tf.tidy`.
 * @param grad ∂L/∂θ (after clipping)
 * @param param θ, the same shape
 * @param l1 λ₁ ≥ 0
 * @param l2 λ₂ ≥ 0
 */
export function penalisedGradient(grad: tf.Tensor, param: tf.Tensor, l1: number, l2: number): tf.Tensor {
  let d = grad;
  if (l1 !== 0) d = tf.add(d, tf.mul(tf.sign(param), l1));
  if (l2 !== 0) d = tf.add(d, tf.mul(param, l2));
  return d;
}
