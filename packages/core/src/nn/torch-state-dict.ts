/**
 * What the PyTorch interoperability of {@link MLP} and {@link ConvNet} shares: checking the names
 * handed to `…ToStateDict`, writing a state_dict as PyTorch's `safetensors.torch.save_file` does
 * (float tensors F32, batch norm's `num_batches_tracked` I64), and reading one with non-finite
 * weights refused. Each model keeps its own name mapping and its own structural checks.
 */
import { tf } from '../backend/tf.js';
import { ValidationError } from '../errors/gradlab-error.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { encodeSafetensors, loadSafetensors } from '../io/safetensors.js';
import type { SafetensorsArray } from '../io/safetensors.js';

/** A model whose parameters and buffers map one to one onto state_dict tensors. */
interface StateDictModel {
  readonly params: Record<string, tf.Tensor>;
  readonly buffers: Record<string, tf.Tensor>;
}

/**
 * `values` (default: the model's parameters and buffers) renamed and laid out by `map`, after
 * checking that every name is one of the model's.
 * @param caller and `kind` name the function and the model in the error message
 * @param map gradlab name and tensor → state_dict name and a new tensor (runs inside one tidy)
 * @returns new tensors by state_dict name; the caller disposes them
 * @throws ValidationError for a name the model does not have
 */
export function toStateDict(
  caller: string,
  kind: string,
  model: StateDictModel,
  values: Record<string, tf.Tensor> | undefined,
  map: (name: string, t: tf.Tensor) => { torch: string; tensor: tf.Tensor },
): Record<string, tf.Tensor> {
  const source = values ?? { ...model.params, ...model.buffers };
  const known = new Set([...Object.keys(model.params), ...Object.keys(model.buffers)]);
  for (const name of Object.keys(source)) {
    if (!known.has(name)) throw new ValidationError(`${caller}: expected values to hold ${kind} names (${[...known].join(', ')}), got ${JSON.stringify(name)}`);
  }
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(source)) {
      const { torch, tensor } = map(name, t);
      out[torch] = tensor;
    }
    return out;
  });
}

/**
 * Writes a state_dict atomically: F32 tensors, and `*.num_batches_tracked` as an I64 scalar
 * (PyTorch's dtype, so `load_state_dict` takes it unchanged). Disposes `stateDict`, also on failure.
 * @throws GradlabError (E_IO) when the file cannot be written
 */
export async function writeStateDict(path: string, stateDict: Record<string, tf.Tensor>, metadata: Record<string, string>): Promise<void> {
  try {
    const arrays: Record<string, SafetensorsArray> = {};
    for (const [name, t] of Object.entries(stateDict)) {
      const data = await t.data();
      arrays[name] = name.endsWith('.num_batches_tracked')
        ? { dtype: 'I64', shape: [], data: BigInt64Array.from(data as Int32Array, (v) => BigInt(v)) }
        : { dtype: 'F32', shape: t.shape.slice(), data: data as Float32Array };
    }
    await writeFileAtomic(path, encodeSafetensors(arrays, metadata));
  } finally {
    tf.dispose(Object.values(stateDict));
  }
}

/**
 * Reads a state_dict file (NaN, ±Infinity and F64 values beyond float32 refused, naming the
 * tensor and index) and builds from it; the file's tensors are disposed once `build` returns or throws.
 * @throws as {@link loadSafetensors} with `nonFinite: 'reject'`, and whatever `build` throws
 */
export async function readStateDict<T>(path: string, build: (tensors: Record<string, tf.Tensor>, metadata: Record<string, string>) => T): Promise<T> {
  const { tensors, metadata } = await loadSafetensors(path, { nonFinite: 'reject' });
  try {
    return build(tensors, metadata);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
