/**
 * Stacked (denoising, contractive) autoencoders (Bengio et al. 2007; Vincent et al. 2008, 2010;
 * Rifai et al. 2011): the greedy
 * layer-wise pretraining of a DBN with autoencoders in place of RBMs. Autoencoder l is trained to
 * reconstruct the clean codes of layer l − 1 from (optionally masked) copies; the stack of
 * encoders is then unrolled into a logistic MLP with a new output layer (`toMLP`) and fine-tuned
 * by backpropagation. With `contraction` λ_l > 0 autoencoder l is contractive: its loss adds
 * λ_l‖J_f(x)‖²_F, Rifai et al.'s penalty, whose stack they pretrain the same greedy way.
 *
 * PyTorch: saved as the unrolled deep autoencoder, one `nn.Sequential(Linear(V, H_1), Sigmoid(), …,
 * Linear(H_{L−1}, H_L), Sigmoid(), Linear(H_L, H_{L−1}), Sigmoid(), …, Linear(H_1, V), <output act>)`:
 * encoder l (module 2l) holds W_lᵀ and c_l, decoder module 2(2L−1−l) holds W_l and b_l (tied
 * weights). `saveAutoencoderTorchWeights` / `loadStackedAutoencoderTorchWeights`, which checks the tie
 * (λ is a training setting, not a weight: a loaded stack has λ = 0).
 *
 * Complexity: pretraining costs the sum of the layers' training; one up-pass O(n · Σ_l V_l·H_l).
 *
 * References: S. Rifai, P. Vincent, X. Muller, X. Glorot & Y. Bengio (2011), "Contractive
 * auto-encoders: explicit invariance during feature extraction", ICML; Y. Bengio, P. Lamblin, D. Popovici & H. Larochelle (2007), "Greedy layer-wise
 * training of deep networks", NIPS; P. Vincent, H. Larochelle, I. Lajoie, Y. Bengio &
 * P.-A. Manzagol (2010), "Stacked denoising autoencoders: learning useful representations in a
 * deep network with a local denoising criterion", JMLR 11.
 */
import {
  ValidationError,
  INIT_NAMES,
  nonNegativeNumber,
  oneOf,
  parseOptions,
  positiveInt,
  tf,
  type InitName,
  type MLP,
  type Rng,
} from '@gradlab/core';
import { z } from 'zod';
import { Autoencoder, trainAutoencoderPlaced } from './autoencoder.js';
import { AutoencoderStack } from './autoencoder-stack.js';
import type { StackLayerHistory } from './autoencoder-stack.js';
import type { AutoencoderConfig } from './autoencoder.js';
import type { BackpropConfig, BackpropEpochStats } from './backprop-training.js';
import { AUTOENCODER_ACTIVATIONS } from './deep-autoencoder.js';
import type { AutoencoderActivation } from './deep-autoencoder.js';
import { mapRows } from './row-chunks.js';
import { unrollToMLP } from './unroll-mlp.js';
import type { ToMLPOptions } from './unroll-mlp.js';

/** Options of {@link StackedAutoencoder}. */
export interface StackedAutoencoderConfig {
  /** [visible, hidden_1, …, hidden_L]: at least 2 positive integers. */
  layerSizes: number[];
  /** Output activation of the first autoencoder: 'sigmoid' (default; data in [0, 1]) or 'linear' (real data). Upper layers reconstruct logistic codes with 'sigmoid'. */
  outputActivation?: AutoencoderActivation;
  /** Initialiser of every W (default 'glorot-uniform'). */
  init?: InitName;
  /** Contraction strength λ ≥ 0 of every autoencoder, or one per autoencoder (default 0: not contractive). See {@link AutoencoderConfig.contraction}. */
  contraction?: number | number[];
}

const schema = z.strictObject({
  layerSizes: z.array(positiveInt(), { error: 'an array of at least 2 positive integers' }).min(2, { error: 'an array of at least 2 positive integers' }),
  outputActivation: oneOf(AUTOENCODER_ACTIVATIONS).optional(),
  init: oneOf(INIT_NAMES).optional(),
  contraction: z.union([nonNegativeNumber(), z.array(nonNegativeNumber())], { error: 'a finite number >= 0 or an array of them, one per autoencoder' }).optional(),
});

/**
 * Options of {@link StackedAutoencoder.pretrain} (and `StackedConvAutoencoder.pretrain`): `trainAutoencoder`'s,
 * shared by all layers, with per-layer overrides. With `watch`, one watcher records every layer:
 * autoencoder l's rows are named `layer{l}.weight`, `layer{l}.hiddenBias`, `layer{l}.visibleBias`,
 * `layer{l}.hidden` (l 0-based, as `onEpoch`'s `layer`), and `step` counts the steps of the whole
 * pretraining, so layer l's first step comes right after layer l − 1's last.
 */
export interface StackedPretrainConfig extends Omit<BackpropConfig, 'onEpoch'> {
  /** Per-layer overrides, e.g. `[{ noise: 0.1 }, { noise: 0.25 }]`. */
  layers?: Partial<Omit<BackpropConfig, 'onEpoch'>>[];
  /** Called after every epoch of every layer; return 'stop' to end that layer early. */
  onEpoch?: (stats: BackpropEpochStats & { layer: number }) => void | 'stop';
}

/**
 * A stack of tied-weight (denoising) autoencoders.
 *
 * Parameters: `layerSizes` [V, H_1, …, H_L], `outputActivation` ('sigmoid'), `init` ('glorot-uniform'),
 * `contraction` (0, or one λ per autoencoder).
 * Shapes: input [n, V], codes [n, H_L].
 * @example
 * const sae = new StackedAutoencoder({ layerSizes: [784, 500, 500] }, rng.fork('sae'));
 * sae.pretrain(x, { epochs: 10, noise: 0.25, learningRate: 0.1 }, rng.fork('pretrain'));
 * const mlp = sae.toMLP(10, rng.fork('head'));
 * const cae = new StackedAutoencoder({ layerSizes: [784, 500, 500], contraction: [0.1, 0.05] }, rng.fork('cae'));
 */
export class StackedAutoencoder extends AutoencoderStack<Autoencoder> {
  /** [V, H_1, …, H_L]. */
  readonly layerSizes: readonly number[];
  /** The autoencoders, bottom first. */
  override readonly layers: readonly Autoencoder[];

  /**
   * @param config sizes, first-layer output activation, initialiser, contraction
   * @param rng autoencoder l from `rng.fork('layer{l}')`
   * @throws ValidationError naming a bad field
   */
  constructor(config: StackedAutoencoderConfig, rng: Rng) {
    super('StackedAutoencoder');
    const c = parseOptions('StackedAutoencoder', schema, config);
    const depth = c.layerSizes.length - 1;
    if (Array.isArray(c.contraction) && c.contraction.length !== depth) {
      throw new ValidationError(`StackedAutoencoder: expected contraction to have one entry per autoencoder (${depth}), got ${c.contraction.length} entries`);
    }
    this.layerSizes = Object.freeze([...c.layerSizes]);
    const layers: Autoencoder[] = [];
    for (let l = 0; l < depth; l++) {
      const layerConfig: AutoencoderConfig = {
        numVisible: c.layerSizes[l]!,
        numHidden: c.layerSizes[l + 1]!,
        outputActivation: l === 0 ? (c.outputActivation ?? 'sigmoid') : 'sigmoid',
        init: c.init ?? 'glorot-uniform',
      };
      const lambda = Array.isArray(c.contraction) ? c.contraction[l]! : c.contraction;
      // Left out when absent, so a plain stack builds its autoencoders from the very same config.
      if (lambda !== undefined) layerConfig.contraction = lambda;
      layers.push(new Autoencoder(layerConfig, rng.fork(`layer${l}`)));
    }
    this.layers = Object.freeze(layers);
  }

  /**
   * Greedy layer-wise training: autoencoder l learns to reconstruct the clean codes of layer l − 1.
   * @param x training data [n, V] (not changed)
   * @param config `trainAutoencoder` options for every layer, `layers` overrides, `onEpoch`
   * @param rng layer l trains with `rng.fork('layer{l}')`
   * @returns each layer's epoch history
   */
  pretrain(x: tf.Tensor, config: StackedPretrainConfig, rng: Rng): StackLayerHistory[] {
    return this.pretrainLayers(x, config, rng, trainAutoencoderPlaced, (l, input) => mapRows(input, (rows) => this.layers[l]!.encode(rows)));
  }

  /**
   * The top codes of x (the encoders applied in turn, without noise).
   * @param x [n, V]
   * @returns [n, H_L]
   */
  encode(x: tf.Tensor): tf.Tensor2D {
    this.checkLive();
    let a: tf.Tensor = x;
    for (const ae of this.layers) {
      const next = mapRows(a, (rows) => ae.encode(rows));
      if (a !== x) a.dispose();
      a = next;
    }
    return a as tf.Tensor2D;
  }

  /**
   * A logistic MLP [V, H_1, …, H_L, numOutputs] with the encoders' weights and a new output layer.
   * @param numOutputs output width (e.g. 10 classes)
   * @param rng the output layer's initialisation
   */
  toMLP(numOutputs: number, rng: Rng, options: ToMLPOptions = {}): MLP {
    this.checkLive();
    return unrollToMLP('StackedAutoencoder.toMLP', this.layers.map((ae) => ({ weight: ae.params.weight, bias: ae.params.hiddenBias })), numOutputs, rng, options);
  }
}
