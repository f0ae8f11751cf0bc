/**
 * PyTorch interoperability of the deep and stacked autoencoders: their weights as the state_dict
 * of one `torch.nn.Sequential` — the encoder, then the decoder — in safetensors files.
 *
 * For encoder sizes [V, H_1, …, H_{L−1}, C] (L weight layers each way):
 *
 * ```
 * nn.Sequential(
 *   Linear(V, H_1), Sigmoid(), …, Linear(H_{L−1}, C), <code act>,        modules 0 … 2L−1   (encoder)
 *   Linear(C, H_{L−1}), Sigmoid(), …, Linear(H_1, V), <output act>)      modules 2L … 4L−1  (decoder)
 * ```
 *
 * `<code act>` and `<output act>` are `nn.Sigmoid()` or `nn.Identity()` ('linear'): every
 * activation keeps its index, so Linear k sits at module 2k and the code is the output of module
 * 2L−1 (`model[:2L](x)` in PyTorch). `2k.weight` [out, in] is the transposed gradlab weight.
 *
 * - `DeepAutoencoder`: encoder l = (`encoder{l}.weight`ᵀ, `encoder{l}.bias`) at module 2l,
 *   decoder l = (`decoder{l}.weight`ᵀ, `decoder{l}.bias`) at module 2(L + l).
 * - `StackedAutoencoder` (tied weights): encoder l = (W_lᵀ, c_l) of autoencoder l; decoder l is
 *   autoencoder L−1−l's decoder, (W_{L−1−l}, b_{L−1−l}) — the transpose of encoder L−1−l's
 *   weight, as tied weights are. The code activation is a sigmoid. Loading one checks the tie.
 *
 * A DBN's fine-tuning net (`DBN.toMLP`) is a core MLP: save it with core's `saveMLPTorchWeights`;
 * `DBN.toAutoencoder()` is a DeepAutoencoder. The metadata records `gradlab_model`,
 * `gradlab_code_activation` and `gradlab_output_activation`, which the loaders read when the
 * caller does not say (a PyTorch-written file without them gets the DeepAutoencoder defaults:
 * linear code, logistic output).
 */
import { FileFormatError, Rng, ShapeError, ValidationError, loadSafetensors, mlpFromStateDict, oneOf, parseOptions, saveSafetensors, tf } from '@gradlab/core';
import { z } from 'zod';
import type { MLP } from '@gradlab/core';
import { AUTOENCODER_ACTIVATIONS, DEEP_AUTOENCODER_DEFAULTS, DeepAutoencoder } from './deep-autoencoder.js';
import type { AutoencoderActivation } from './deep-autoencoder.js';
import { StackedAutoencoder } from './stacked-autoencoder.js';

/** Options of {@link loadDeepAutoencoderTorchWeights}. */
export interface AutoencoderTorchOptions {
  /** Module 2L−1: 'linear' (nn.Identity) or 'sigmoid'. Default: the file's metadata, else 'linear'. */
  codeActivation?: AutoencoderActivation;
  /** The last module: 'sigmoid' or 'linear' (nn.Identity). Default: the file's metadata, else 'sigmoid'. */
  outputActivation?: AutoencoderActivation;
}

const META = { model: 'gradlab_model', code: 'gradlab_code_activation', output: 'gradlab_output_activation' } as const;

/** A stream never drawn from (zero initialisation before the weights are copied in). */
const UNUSED_RNG = new Rng('autoencoder-torch-weights/zeros');

const optionsSchema = z.strictObject({
  codeActivation: oneOf(AUTOENCODER_ACTIVATIONS).optional(),
  outputActivation: oneOf(AUTOENCODER_ACTIVATIONS).optional(),
});

/**
 * Saves a deep or stacked autoencoder as one `torch.nn.Sequential` state_dict (layout in the
 * file comment), loadable with `safetensors.torch.load_file` and `load_state_dict`.
 * @param model a DeepAutoencoder or StackedAutoencoder (not changed)
 * @param path destination (parent folders are created; written atomically)
 * @param metadata extra string entries for `__metadata__`
 * @throws ValidationError for another model or a disposed one; GradlabError (E_IO) when the file cannot be written
 * @example await saveAutoencoderTorchWeights(dbn.toAutoencoder(), 'ae.safetensors');
 */
export async function saveAutoencoderTorchWeights(model: DeepAutoencoder | StackedAutoencoder, path: string, metadata: Record<string, string> = {}): Promise<void> {
  let tensors: Record<string, tf.Tensor>;
  let meta: Record<string, string>;
  const live = model instanceof DeepAutoencoder ? Object.values(model.params) : model instanceof StackedAutoencoder ? model.layers.map((ae) => ae.params.weight) : [];
  if (live.some((t) => t.isDisposed)) throw new ValidationError(`saveAutoencoderTorchWeights: expected a live model, got a disposed ${model.constructor.name}`);
  if (model instanceof DeepAutoencoder) {
    const L = model.depth;
    tensors = tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      for (let l = 0; l < L; l++) {
        out[`${2 * l}.weight`] = tf.transpose(model.params[`encoder${l}.weight`]!);
        out[`${2 * l}.bias`] = tf.clone(model.params[`encoder${l}.bias`]!);
        out[`${2 * (L + l)}.weight`] = tf.transpose(model.params[`decoder${l}.weight`]!);
        out[`${2 * (L + l)}.bias`] = tf.clone(model.params[`decoder${l}.bias`]!);
      }
      return out;
    });
    meta = { [META.model]: 'DeepAutoencoder', [META.code]: model.codeActivation, [META.output]: model.outputActivation };
  } else if (model instanceof StackedAutoencoder) {
    const L = model.depth;
    tensors = tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      model.layers.forEach((ae, l) => {
        out[`${2 * l}.weight`] = tf.transpose(ae.params.weight);
        out[`${2 * l}.bias`] = tf.clone(ae.params.hiddenBias);
        out[`${2 * (2 * L - 1 - l)}.weight`] = tf.clone(ae.params.weight);
        out[`${2 * (2 * L - 1 - l)}.bias`] = tf.clone(ae.params.visibleBias);
      });
      return out;
    });
    meta = { [META.model]: 'StackedAutoencoder', [META.code]: 'sigmoid', [META.output]: model.layers[0]!.outputActivation };
  } else {
    throw new ValidationError(`saveAutoencoderTorchWeights: expected model to be a DeepAutoencoder or StackedAutoencoder, got ${typeof model}`);
  }
  try {
    await saveSafetensors(path, tensors, { ...metadata, format: 'pt', ...meta });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** One activation: the option, else the metadata (which must agree and be valid), else the default. */
function pick(source: string, option: AutoencoderActivation | undefined, metadata: Record<string, string>, key: string, field: string, fallback: AutoencoderActivation): AutoencoderActivation {
  const recorded = metadata[key];
  if (recorded !== undefined && !(AUTOENCODER_ACTIVATIONS as readonly string[]).includes(recorded)) {
    throw new FileFormatError(`${source}: expected metadata ${key} to be one of ${AUTOENCODER_ACTIVATIONS.join(', ')}, got ${JSON.stringify(recorded)}`);
  }
  if (option !== undefined && recorded !== undefined && option !== recorded) {
    throw new ValidationError(`${source}: expected ${field} "${option}" to agree with the file's metadata ${key} "${recorded}"`);
  }
  return option ?? (recorded as AutoencoderActivation | undefined) ?? fallback;
}

/** The state_dict read as a Sequential of Linear layers, checked to be an encoder and its mirror. */
function readLayers(tensors: Record<string, tf.Tensor>, source: string): { sizes: number[]; mlp: MLP } {
  // core's Sequential reader checks names, shapes, dtypes and non-finite values; the activation does not matter here.
  const mlp = mlpFromStateDict(tensors, source, { activation: 'sigmoid' });
  try {
    if (mlp.spec.norm !== 'none') {
      throw new FileFormatError(`${source}: expected an autoencoder nn.Sequential(Linear, activation, …) without BatchNorm1d, got tensors at module 1 (${Object.keys(tensors).filter((n) => n.startsWith('1.')).sort().join(', ')})`);
    }
    const sizes = mlp.spec.layerSizes;
    const numLinear = sizes.length - 1;
    if (numLinear % 2 !== 0) {
      throw new FileFormatError(
        `${source}: expected an even number of nn.Linear layers (an encoder and its mirrored decoder), got ${numLinear} (modules ${Array.from({ length: numLinear }, (_, k) => 2 * k).join(', ')})`,
      );
    }
    const L = numLinear / 2;
    for (let l = 0; l < L; l++) {
      const dec = L + l;
      const enc = L - 1 - l;
      if (sizes[dec + 1] !== sizes[enc]) {
        throw new ShapeError(
          `${source}: expected "${2 * dec}.weight" to have shape [${sizes[enc]}, ${sizes[dec]}] (the decoder mirrors encoder "${2 * enc}.weight" [${sizes[enc + 1]}, ${sizes[enc]}]), got [${sizes[dec + 1]}, ${sizes[dec]}]`,
        );
      }
    }
    return { sizes: sizes.slice(0, L + 1), mlp };
  } catch (err) {
    mlp.dispose();
    throw err;
  }
}

/**
 * Loads a DeepAutoencoder from a safetensors file with the `nn.Sequential` names of the file
 * comment (written by {@link saveAutoencoderTorchWeights} or by PyTorch).
 * @param path the file
 * @param options code and output activations (default: the metadata's, else linear code and logistic output)
 * @returns the model; the caller disposes it
 * @throws FileFormatError / ShapeError naming the tensor for a missing, extra, misshapen or
 *   non-finite tensor, an odd number of Linear layers or a decoder that does not mirror the
 *   encoder; ValidationError for bad options or options that contradict the metadata
 * @example const ae = await loadDeepAutoencoderTorchWeights('ae.safetensors'); ae.encode(x)
 */
export async function loadDeepAutoencoderTorchWeights(path: string, options: AutoencoderTorchOptions = {}): Promise<DeepAutoencoder> {
  const o = parseOptions(path, optionsSchema, options);
  const { tensors, metadata } = await loadSafetensors(path, { nonFinite: 'reject' });
  try {
    const codeActivation = pick(path, o.codeActivation, metadata, META.code, 'codeActivation', DEEP_AUTOENCODER_DEFAULTS.codeActivation);
    const outputActivation = pick(path, o.outputActivation, metadata, META.output, 'outputActivation', DEEP_AUTOENCODER_DEFAULTS.outputActivation);
    const { sizes, mlp } = readLayers(tensors, path);
    try {
      const L = sizes.length - 1;
      const params: Record<string, tf.Tensor> = {};
      for (let l = 0; l < L; l++) {
        params[`encoder${l}.weight`] = mlp.params[`layer${l}.weight`]!;
        params[`encoder${l}.bias`] = mlp.params[`layer${l}.bias`]!;
        params[`decoder${l}.weight`] = mlp.params[`layer${L + l}.weight`]!;
        params[`decoder${l}.bias`] = mlp.params[`layer${L + l}.bias`]!;
      }
      return DeepAutoencoder.fromParams({ layerSizes: sizes, codeActivation, outputActivation }, params);
    } finally {
      mlp.dispose();
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Loads a StackedAutoencoder from a safetensors file with the `nn.Sequential` names of the file
 * comment: autoencoder l gets W_l and c_l from encoder module 2l and b_l from decoder module
 * 2(2L−1−l), whose weight must be exactly W_l (tied weights).
 * @param path the file
 * @param options `outputActivation` of the bottom autoencoder (default: the metadata's, else 'sigmoid')
 * @returns the stack; the caller disposes it
 * @throws as {@link loadDeepAutoencoderTorchWeights}, and FileFormatError when a decoder weight is
 *   not the transposed encoder weight (naming both and the first difference) or the metadata
 *   gives a linear code
 * @example const sae = await loadStackedAutoencoderTorchWeights('sae.safetensors'); sae.toMLP(10, rng)
 */
export async function loadStackedAutoencoderTorchWeights(path: string, options: Pick<AutoencoderTorchOptions, 'outputActivation'> = {}): Promise<StackedAutoencoder> {
  const o = parseOptions(path, optionsSchema.omit({ codeActivation: true }), options);
  const { tensors, metadata } = await loadSafetensors(path, { nonFinite: 'reject' });
  try {
    const outputActivation = pick(path, o.outputActivation, metadata, META.output, 'outputActivation', 'sigmoid');
    const code = metadata[META.code];
    if (code !== undefined && code !== 'sigmoid') {
      throw new FileFormatError(`${path}: expected metadata ${META.code} to be "sigmoid" (a stack of logistic autoencoders), got ${JSON.stringify(code)}; load it with loadDeepAutoencoderTorchWeights`);
    }
    const { sizes, mlp } = readLayers(tensors, path);
    try {
      const L = sizes.length - 1;
      for (let l = 0; l < L; l++) {
        const enc = tensors[`${2 * l}.weight`]!.dataSync(); // [out, in] = W_lᵀ
        const dec = tensors[`${2 * (2 * L - 1 - l)}.weight`]!.dataSync(); // [in, out] = W_l when tied
        const [rows, cols] = [sizes[l + 1]!, sizes[l]!];
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            const a = enc[i * cols + j]!;
            const b = dec[j * rows + i]!;
            if (a !== b) {
              throw new FileFormatError(
                `${path}: expected "${2 * (2 * L - 1 - l)}.weight" to be the transpose of "${2 * l}.weight" (a stacked autoencoder's decoder is tied to its encoder), ` +
                  `got ${b} at [${j}, ${i}] against ${a} at [${i}, ${j}]; load an untied one with loadDeepAutoencoderTorchWeights`,
              );
            }
          }
        }
      }
      const sae = new StackedAutoencoder({ layerSizes: sizes, outputActivation, init: 'zeros' }, UNUSED_RNG);
      sae.layers.forEach((ae, l) => {
        ae.params.weight.assign(mlp.params[`layer${l}.weight`]!);
        ae.params.hiddenBias.assign(mlp.params[`layer${l}.bias`]!);
        ae.params.visibleBias.assign(mlp.params[`layer${2 * L - 1 - l}.bias`]!);
      });
      return sae;
    } finally {
      mlp.dispose();
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
