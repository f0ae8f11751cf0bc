/**
 * Per-layer gradient statistics of a {@link ConvNet}: ‖∂L/∂W_l‖, the rms gradient per shared
 * kernel weight ‖∂L/∂W_l‖/√|W_l|, ‖∂L/∂h_l‖, and the number of positions each kernel weight is
 * applied at per example (h_l·w_l). A kernel weight's gradient is a sum over those positions
 * (and the batch), which is what weight sharing changes; the factor carried back from layer to
 * layer, ∂h_l/∂h_{l−1}, is still one Jacobian per layer (Glorot & Bengio 2010, sect. 4.2).
 * All statistics come from one readback.
 */
import { tensorStatsMany } from '../probe/tensor-stats.js';
import type { ConvNet, ConvNetGradients } from './conv-net.js';

/** One convolution layer's gradient statistics. */
export interface ConvLayerGradient {
  /** Layer index l (0 = nearest the input). */
  layer: number;
  /** ‖∂L/∂W_l‖ (kernel only, not the bias). */
  gradL2: number;
  /** ‖∂L/∂W_l‖ / √(number of kernel weights): the rms gradient per shared weight. */
  gradRmsPerParam: number;
  /** ‖∂L/∂h_l‖ over the batch. */
  gradActL2: number;
  /** Kernel weights kh·kw·in·out. */
  params: number;
  /** Output positions h_l·w_l each kernel weight is applied at, per example. */
  positions: number;
}

/**
 * The per-layer statistics of one {@link ConvNet.gradients} result, layer 0 first.
 * @param net the model the gradients belong to
 * @param g its gradients (not disposed)
 */
export function convNetLayerGradients(net: ConvNet, g: ConvNetGradients): ConvLayerGradient[] {
  const layers = net.spec.layers;
  const weights = layers.map((_, l) => g.grads[`conv${l}.weight`]!);
  const stats = tensorStatsMany([...weights, ...g.activationGrads]);
  return layers.map((shape, l) => ({
    layer: l,
    gradL2: stats[l]!.l2,
    gradRmsPerParam: stats[l]!.rms,
    gradActL2: stats[layers.length + l]!.l2,
    params: weights[l]!.size,
    positions: shape.outSize[0] * shape.outSize[1],
  }));
}
