/**
 * RBM weights as safetensors files under scikit-learn's attribute names, so a model trained
 * here loads into `sklearn.neural_network.BernoulliRBM` and back:
 *
 *   components_         [hidden, visible]   = Wᵀ
 *   intercept_hidden_   [hidden]            = c
 *   intercept_visible_  [visible]           = b
 *
 * The `__metadata__` map records `gradlab_model` (`BernoulliRBM` or `GaussianBernoulliRBM`;
 * scikit-learn has no Gaussian RBM, so a file without the key is read as a BernoulliRBM) and
 * the sizes. Tensors are written as float32; float64 files (scikit-learn's default dtype) are
 * read and converted. A file holding NaN or ±Infinity (a diverged model), or float64 values
 * beyond the float32 range, is refused with the tensor's name and the index of the first one.
 *
 * To load into scikit-learn (see `packages/rbm/scripts/sklearn_crosscheck.py`):
 *   rbm = BernoulliRBM(n_components=H); rbm.components_ = f['components_'];
 *   rbm.intercept_hidden_ = f['intercept_hidden_']; rbm.intercept_visible_ = f['intercept_visible_']
 *
 * References: scikit-learn `sklearn/neural_network/_rbm.py`; the safetensors format,
 * https://github.com/huggingface/safetensors.
 */
import { readFile } from 'node:fs/promises';
import {
  FileFormatError,
  ValidationError,
  decodeSafetensors,
  describeValue,
  encodeSafetensors,
  firstNonFinite,
  tf,
  unravelIndex,
  writeFileAtomic,
  type SafetensorsArray,
} from '@gradlab/core';
import { BernoulliRBM } from './bernoulli-rbm.js';
import { BernoulliGaussianRBM } from './bernoulli-gaussian-rbm.js';
import { GaussianBernoulliRBM } from './gaussian-bernoulli-rbm.js';
import { RBM } from './rbm.js';

/** scikit-learn's attribute names, by role. */
export const SKLEARN_RBM_NAMES = Object.freeze({
  components: 'components_',
  interceptHidden: 'intercept_hidden_',
  interceptVisible: 'intercept_visible_',
});

/** Metadata key naming the model class. */
export const RBM_MODEL_METADATA_KEY = 'gradlab_model';

/** The tensors of a safetensors file for `rbm`, as plain float32 arrays under scikit-learn's names. */
export function rbmToArrays(rbm: RBM): Record<string, SafetensorsArray> {
  if (!(rbm instanceof RBM)) throw new ValidationError(`rbmToArrays: expected an RBM, got ${typeof rbm}`);
  const wt = rbm.transposedWeight();
  return {
    [SKLEARN_RBM_NAMES.components]: { dtype: 'F32', shape: [rbm.numHidden, rbm.numVisible], data: Float32Array.from(wt.dataSync()) },
    [SKLEARN_RBM_NAMES.interceptHidden]: { dtype: 'F32', shape: [rbm.numHidden], data: Float32Array.from(rbm.hiddenBias.dataSync()) },
    [SKLEARN_RBM_NAMES.interceptVisible]: { dtype: 'F32', shape: [rbm.numVisible], data: Float32Array.from(rbm.visibleBias.dataSync()) },
  };
}

/** The metadata written with an RBM (model class and sizes), merged with `extra`. */
export function rbmMetadata(rbm: RBM, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...extra,
    [RBM_MODEL_METADATA_KEY]: rbm.visibleType === 'gaussian' ? 'GaussianBernoulliRBM' : rbm.hiddenType === 'gaussian' ? 'BernoulliGaussianRBM' : 'BernoulliRBM',
    n_components: String(rbm.numHidden),
    n_features_in: String(rbm.numVisible),
  };
}

/**
 * The bytes of a safetensors file holding `rbm` (deterministic: equal models give equal bytes).
 * @param metadata extra string entries for `__metadata__`
 * @example await writeFile('rbm.safetensors', encodeRBM(rbm))
 */
export function encodeRBM(rbm: RBM, metadata: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(rbmToArrays(rbm), rbmMetadata(rbm, metadata));
}

/**
 * Writes `rbm` to a safetensors file, atomically.
 * @param path destination (parent folders are created)
 * @param metadata extra string entries for `__metadata__`
 * @example await saveRBM('results/rbm-likelihood/pcd.safetensors', rbm)
 */
export async function saveRBM(path: string, rbm: RBM, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeRBM(rbm, metadata));
}

function floatArray(name: string, source: string, t: { dtype: string; shape: number[]; data: ArrayLike<number> | ArrayLike<bigint> }): Float32Array {
  if (t.dtype !== 'F32' && t.dtype !== 'F64') {
    throw new FileFormatError(`${source}: expected tensor "${name}" to have dtype F32 or F64, got ${t.dtype}`);
  }
  const out = Float32Array.from(t.data as ArrayLike<number>);
  // decodeSafetensors already refused NaN / ±Infinity; an F64 value can still overflow float32.
  const i = firstNonFinite(out);
  if (i >= 0) {
    throw new FileFormatError(
      `${source}: tensor "${name}" holds ${(t.data as ArrayLike<number>)[i]} at index [${unravelIndex(i, t.shape).join(', ')}] ` +
        `(flat index ${i}), beyond the float32 range; expected finite values (a diverged model?)`,
    );
  }
  return out;
}

/** A size recorded in the metadata that disagrees with the tensors is a sign of a mixed-up file. */
function checkMetadataSize(metadata: Record<string, string>, key: string, actual: number, source: string): void {
  const recorded = metadata[key];
  if (recorded !== undefined && recorded !== String(actual)) {
    throw new FileFormatError(`${source}: metadata ${key} is ${JSON.stringify(recorded)} but "components_" says ${actual}; expected them to agree`);
  }
}

/**
 * An RBM from the bytes of a safetensors file with scikit-learn's names.
 * @param bytes the file's contents
 * @param source the file name, for messages
 * @returns a BernoulliRBM, or the class the metadata names (GaussianBernoulliRBM,
 *   BernoulliGaussianRBM); the caller disposes it
 * @throws FileFormatError for a malformed file, a missing tensor, a non-float dtype, shapes
 *   that do not fit together (naming the tensor and both shapes), an empty layer, metadata
 *   sizes that disagree with the shapes, or a NaN / ±Infinity value (naming the tensor and index)
 */
export function decodeRBM(bytes: Uint8Array, source: string): RBM {
  if (!(bytes instanceof Uint8Array)) throw new ValidationError(`decodeRBM: expected bytes to be a Uint8Array, got ${describeValue(bytes)}`);
  const plain = Buffer.isBuffer(bytes) ? new Uint8Array(bytes) : bytes;
  const { tensors, metadata } = decodeSafetensors(plain, source, { nonFinite: 'reject' });
  for (const name of Object.values(SKLEARN_RBM_NAMES)) {
    if (tensors[name] === undefined) {
      throw new FileFormatError(
        `${source}: expected a tensor named "${name}" (scikit-learn BernoulliRBM names: ${Object.values(SKLEARN_RBM_NAMES).join(', ')}), got tensors ${Object.keys(tensors).map((n) => JSON.stringify(n)).join(', ') || '(none)'}`,
      );
    }
  }
  const comp = tensors[SKLEARN_RBM_NAMES.components]!;
  const ih = tensors[SKLEARN_RBM_NAMES.interceptHidden]!;
  const iv = tensors[SKLEARN_RBM_NAMES.interceptVisible]!;
  if (comp.shape.length !== 2) throw new FileFormatError(`${source}: expected "components_" of shape [hidden, visible], got [${comp.shape}]`);
  const [H, V] = comp.shape as [number, number];
  if (H === 0 || V === 0) throw new FileFormatError(`${source}: expected "components_" of shape [hidden, visible] with both sizes ≥ 1, got [${comp.shape}]`);
  if (ih.shape.length !== 1 || ih.shape[0] !== H) {
    throw new FileFormatError(`${source}: expected "intercept_hidden_" of shape [${H}] (components_ is [${comp.shape}]), got [${ih.shape}]`);
  }
  if (iv.shape.length !== 1 || iv.shape[0] !== V) {
    throw new FileFormatError(`${source}: expected "intercept_visible_" of shape [${V}] (components_ is [${comp.shape}]), got [${iv.shape}]`);
  }
  checkMetadataSize(metadata, 'n_components', H, source);
  checkMetadataSize(metadata, 'n_features_in', V, source);
  const kind = metadata[RBM_MODEL_METADATA_KEY] ?? 'BernoulliRBM';
  if (kind !== 'BernoulliRBM' && kind !== 'GaussianBernoulliRBM' && kind !== 'BernoulliGaussianRBM') {
    throw new FileFormatError(
      `${source}: expected metadata ${RBM_MODEL_METADATA_KEY} to be "BernoulliRBM", "GaussianBernoulliRBM" or "BernoulliGaussianRBM", got ${JSON.stringify(kind)}`,
    );
  }
  const params = tf.tidy(() => ({
    weight: tf.transpose(tf.tensor2d(floatArray('components_', source, comp), [H, V])),
    visibleBias: tf.tensor1d(floatArray('intercept_visible_', source, iv)),
    hiddenBias: tf.tensor1d(floatArray('intercept_hidden_', source, ih)),
  }));
  try {
    if (kind === 'GaussianBernoulliRBM') return GaussianBernoulliRBM.fromParams(params);
    if (kind === 'BernoulliGaussianRBM') return BernoulliGaussianRBM.fromParams(params);
    return BernoulliRBM.fromParams(params);
  } finally {
    tf.dispose(Object.values(params));
  }
}

/**
 * Reads an RBM from a safetensors file with scikit-learn's names (written by {@link saveRBM} or
 * by `packages/rbm/scripts/sklearn_crosscheck.py` from a fitted scikit-learn model).
 * @returns the model; the caller disposes it
 * @throws FileFormatError as {@link decodeRBM}; the `fs` error when the file cannot be read
 * @example const rbm = await loadRBM('sklearn-rbm.safetensors'); rbm.meanHidden(x) // = sklearn's transform(x)
 */
export async function loadRBM(path: string): Promise<RBM> {
  // A plain copy: a Node Buffer's slice() shares memory, which the decoder does not expect.
  const file = new Uint8Array(await readFile(path));
  return decodeRBM(file, path);
}
