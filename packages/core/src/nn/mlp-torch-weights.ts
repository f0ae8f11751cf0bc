/**
 * PyTorch interoperability of {@link MLP}: its weights as the state_dict of a `torch.nn.Sequential`
 * in safetensors files (the format of Hugging Face's `safetensors.torch.save_file`).
 *
 * Layout. Module indices count as `nn.Sequential` counts them; activations hold no tensors but
 * take an index:
 *
 * ```
 * norm 'none':   Sequential(Linear, Act, Linear, Act, …, Linear)               hidden layer l: Linear at 2l;   output Linear at 2·depth
 * norm 'batch':  Sequential(Linear, BatchNorm1d, Act, …, Linear)              hidden layer l: Linear at 3l, BatchNorm1d at 3l+1; output at 3·depth
 *
 * N.weight [out, in] = layer{l}.weightᵀ      N.bias [out] = layer{l}.bias          (nn.Linear N)
 * N.weight [out] = layer{l}.gamma            N.bias [out] = layer{l}.beta          (nn.BatchNorm1d N)
 * N.running_mean, N.running_var [out]        N.num_batches_tracked []  (int64 on disk, as PyTorch)
 * ```
 *
 * Activations map to `nn.Sigmoid()`, `nn.Tanh()`, `nn.ReLU()`, `nn.LeakyReLU(0.01)`,
 * `nn.ELU(1.0)`, `nn.Softsign()` and `nn.Identity()` ('linear'). A state_dict does not record them,
 * so files written here carry `gradlab_activation` (and `gradlab_residual`) in `__metadata__`, and
 * a file written by PyTorch needs the activation stated when loading.
 *
 * Batch norm needs no conversion: gradlab uses `nn.BatchNorm1d`'s defaults (eps 1e-5, momentum
 * 0.1 with `running = 0.9·running + 0.1·batch`, the biased batch variance to normalise and the
 * unbiased one in `running_var`), and counts training-mode batches in `num_batches_tracked` as
 * PyTorch does (with momentum 0.1 the count does not enter the maths). A model built in PyTorch
 * with another eps or momentum (or `momentum=None`, the cumulative average that reads the count)
 * loads, but runs with gradlab's. One difference: for a batch of one, PyTorch refuses to train
 * batch norm, gradlab normalises to β and keeps the biased variance.
 *
 * Residual MLPs (`residual: true`, a_l = a_{l−1} + f(BN(W_l·a_{l−1} + b_l)) where in = out) use the
 * same names: a plain Sequential cannot add a skip, but a subclass with its own `forward` keeps the
 * state_dict names, so the weights load with `load_state_dict` into
 *
 * ```python
 * class ResidualSequential(nn.Sequential):  # blocks of `block` modules: Linear, [BatchNorm1d,] activation
 *     def __init__(self, *modules, block):
 *         super().__init__(*modules); self.block = block
 *     def forward(self, x):
 *         m = list(self)
 *         for i in range(0, len(m) - 1, self.block):
 *             h = x
 *             for layer in m[i:i + self.block]: h = layer(h)
 *             x = x + h if m[i].in_features == m[i].out_features else h
 *         return m[-1](x)
 * ```
 *
 * (tests/torch/sequential_weights_reference.py checks it). This beats refusing: depth-gradients'
 * residual nets are the ones most worth inspecting, and the names stay the standard ones. The
 * metadata says `gradlab_residual: "true"` so that such a file is not mistaken for a plain one.
 *
 * Every missing, extra, misshapen or non-float tensor is refused naming it, and so is a weight
 * holding NaN or ±Infinity (with the index of its first non-finite value) and a negative running
 * variance.
 */
import { z } from 'zod';
import { tf } from '../backend/tf.js';
import { ACTIVATION_NAMES } from '../activations/activations.js';
import type { ActivationName } from '../activations/activations.js';
import { FileFormatError, ShapeError, ValidationError, describeValue } from '../errors/gradlab-error.js';
import { oneOf, parseOptions } from '../errors/schema.js';
import { Rng } from '../random/rng.js';
import { firstNonFinite, unravelIndex } from '../io/non-finite.js';
import { MLP } from './mlp.js';
import { readStateDict, toStateDict, writeStateDict } from './torch-state-dict.js';

/** Options of {@link mlpFromStateDict} and {@link loadMLPTorchWeights}. */
export interface MLPTorchOptions {
  /**
   * Hidden activation (the modules between the Linear layers). Required unless `metadata` names
   * it (files written by {@link saveMLPTorchWeights} do); when both are given they must agree.
   */
  activation?: ActivationName;
  /**
   * Identity skips around the hidden blocks whose Linear is square (see the file comment).
   * Default: the metadata's `gradlab_residual`, else false; when both are given they must agree.
   */
  residual?: boolean;
  /** The file's `__metadata__` ({@link loadSafetensors} returns it): supplies activation and residual. */
  metadata?: Record<string, string>;
}

/** Metadata keys written by {@link saveMLPTorchWeights}. */
const META = { model: 'gradlab_model', activation: 'gradlab_activation', residual: 'gradlab_residual' } as const;

const optionsSchema = z.strictObject({
  activation: oneOf(ACTIVATION_NAMES).optional(),
  residual: z.boolean({ error: 'a boolean' }).optional(),
  metadata: z.record(z.string(), z.string(), { error: 'an object of strings (the file metadata)' }).optional(),
});

const NAME = /^(0|[1-9]\d*)\.(weight|bias|running_mean|running_var|num_batches_tracked)$/;

/** Sequential module index of hidden layer l's Linear (or the output Linear, l = depth). */
function linearIndex(l: number, batchNorm: boolean): number {
  return l * (batchNorm ? 3 : 2);
}

/** The layout's one-line description for messages. */
function layoutName(batchNorm: boolean): string {
  return batchNorm ? 'nn.Sequential(Linear, BatchNorm1d, Activation, …, Linear)' : 'nn.Sequential(Linear, Activation, …, Linear)';
}

/** gradlab parameter / buffer name → state_dict name, for an MLP with or without batch norm. */
function torchNameOf(name: string, batchNorm: boolean): { torch: string; transpose: boolean } | undefined {
  const m = /^layer(\d+)\.(weight|bias|gamma|beta|running_mean|running_var|num_batches_tracked)$/.exec(name);
  if (m === null) return undefined;
  const at = linearIndex(Number(m[1]), batchNorm);
  switch (m[2]) {
    case 'weight':
      return { torch: `${at}.weight`, transpose: true };
    case 'bias':
      return { torch: `${at}.bias`, transpose: false };
    case 'gamma':
      return { torch: `${at + 1}.weight`, transpose: false };
    case 'beta':
      return { torch: `${at + 1}.bias`, transpose: false };
    default:
      return { torch: `${at + 1}.${m[2]}`, transpose: false };
  }
}

/**
 * An MLP's tensors under `torch.nn.Sequential` state_dict names (see the file comment): the
 * weights transposed to [out, in], everything else copied.
 * @param mlp the model (its spec decides the module indices)
 * @param values tensors under the MLP's names (default: its parameters and buffers); e.g. the
 *   `grads` of {@link MLP.gradients} to get ∂L/∂θ under PyTorch's names
 * @returns new tensors by state_dict name; the caller disposes them
 * @throws ValidationError for a name the MLP does not have
 * @example const sd = mlpToStateDict(net, g.grads); // { '0.weight': [out, in], … }
 */
export function mlpToStateDict(mlp: MLP, values?: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  if (!(mlp instanceof MLP)) throw new ValidationError(`mlpToStateDict: expected mlp to be an MLP, got ${describeValue(mlp)}`);
  const batchNorm = mlp.spec.norm === 'batch';
  return toStateDict('mlpToStateDict', 'MLP', mlp, values, (name, t) => {
    const m = torchNameOf(name, batchNorm)!;
    return { torch: m.torch, tensor: m.transpose ? tf.transpose(t) : tf.clone(t) };
  });
}

/**
 * Saves an MLP under `torch.nn.Sequential` state_dict names, loadable with
 * `safetensors.torch.load_file` and `load_state_dict` (see the file comment for the module
 * list). Float tensors are written as F32, `num_batches_tracked` as I64 (PyTorch's dtype). The
 * metadata records `format: "pt"`, `gradlab_model: "MLP"`, the activation and `gradlab_residual`.
 * @param mlp the model (not changed)
 * @param path destination (parent folders are created; written atomically)
 * @param metadata extra string entries for `__metadata__`
 * @throws ValidationError for a bad argument or a residual MLP with residualScale ≠ 1; GradlabError (E_IO) when the file cannot be written
 * @example await saveMLPTorchWeights(net, 'mlp.safetensors'); // torch: model.load_state_dict(load_file('mlp.safetensors'))
 */
export async function saveMLPTorchWeights(mlp: MLP, path: string, metadata: Record<string, string> = {}): Promise<void> {
  // The file would load as an unscaled residual net: refuse rather than lose the scale.
  if (mlp instanceof MLP && mlp.spec.residual && mlp.spec.residualScale !== 1) {
    throw new ValidationError(`saveMLPTorchWeights: expected residualScale 1 (the file cannot record a branch scale), got ${mlp.spec.residualScale}`);
  }
  const meta = {
    ...metadata,
    format: 'pt',
    [META.model]: 'MLP',
    [META.activation]: mlp.spec.activation,
    [META.residual]: String(mlp.spec.residual),
  };
  await writeStateDict(path, mlpToStateDict(mlp), meta);
}

/** activation and residual from the options and the metadata, which must agree. */
function resolveOptions(source: string, options: MLPTorchOptions): { activation: ActivationName; residual: boolean } {
  const o = parseOptions(source, optionsSchema, options);
  const meta = o.metadata ?? {};
  const metaActivation = meta[META.activation];
  if (metaActivation !== undefined && !(ACTIVATION_NAMES as readonly string[]).includes(metaActivation)) {
    throw new FileFormatError(`${source}: expected metadata ${META.activation} to be one of ${ACTIVATION_NAMES.join(', ')}, got ${JSON.stringify(metaActivation)}`);
  }
  const metaResidual = meta[META.residual];
  if (metaResidual !== undefined && metaResidual !== 'true' && metaResidual !== 'false') {
    throw new FileFormatError(`${source}: expected metadata ${META.residual} to be "true" or "false", got ${JSON.stringify(metaResidual)}`);
  }
  if (o.activation !== undefined && metaActivation !== undefined && o.activation !== metaActivation) {
    throw new ValidationError(`${source}: expected activation ${JSON.stringify(o.activation)} to agree with the file's metadata ${META.activation} ${JSON.stringify(metaActivation)}`);
  }
  if (o.residual !== undefined && metaResidual !== undefined && String(o.residual) !== metaResidual) {
    throw new ValidationError(`${source}: expected residual ${o.residual} to agree with the file's metadata ${META.residual} "${metaResidual}"`);
  }
  const activation = o.activation ?? (metaActivation as ActivationName | undefined);
  if (activation === undefined) {
    throw new ValidationError(
      `${source}: expected activation to be one of ${ACTIVATION_NAMES.join(', ')} (a state_dict does not record the activation modules, and the file has no ${META.activation} metadata), got undefined`,
    );
  }
  return { activation, residual: o.residual ?? metaResidual === 'true' };
}

function tensorList(tensors: Record<string, tf.Tensor>): string {
  return Object.keys(tensors).sort().join(', ') || 'none';
}

/**
 * Builds an MLP from a `torch.nn.Sequential` state_dict (sizes and batch norm inferred from the
 * names and shapes; see the file comment) and copies the weights in. The tensors are not disposed.
 * @param tensors by name, as {@link loadSafetensors} returns them (`num_batches_tracked` may be
 *   any integer dtype and may be absent, read as 0)
 * @param source name used in error messages (the file)
 * @param options activation (required unless the metadata names it), residual, the file's metadata
 * @returns a new MLP (the caller disposes it)
 * @throws ValidationError for bad options or tensors; FileFormatError for a missing, extra or
 *   non-float tensor, non-finite values (naming the tensor and index), a negative running
 *   variance or bad metadata; ShapeError for shapes that do not chain
 * @example const net = mlpFromStateDict(loaded.tensors, 'w.safetensors', { activation: 'relu' });
 */
export function mlpFromStateDict(tensors: Record<string, tf.Tensor>, source: string, options: MLPTorchOptions = {}): MLP {
  return buildMLP(tensors, source, options, true);
}

/** {@link mlpFromStateDict}; `checkFinite` false when the reader already refused non-finite values. */
function buildMLP(tensors: Record<string, tf.Tensor>, source: string, options: MLPTorchOptions, checkFinite: boolean): MLP {
  if (typeof source !== 'string') throw new ValidationError(`mlpFromStateDict: expected source to be a string (the file name), got ${describeValue(source)}`);
  if (tensors === null || typeof tensors !== 'object') throw new ValidationError(`${source}: expected tensors to be an object of tf.Tensors by name, got ${describeValue(tensors)}`);
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof tf.Tensor)) throw new ValidationError(`${source}: expected tensors[${JSON.stringify(name)}] to be a tf.Tensor, got ${describeValue(t)}`);
    if (t.isDisposed) throw new ValidationError(`${source}: expected tensors[${JSON.stringify(name)}] to be a live tensor, got a disposed one`);
  }
  const { activation, residual } = resolveOptions(source, options);

  const first = tensors['0.weight'];
  if (first === undefined) {
    const wrapped = Object.keys(tensors).sort().find((n) => n.endsWith('.0.weight'));
    throw new FileFormatError(
      `${source}: expected a tensor named "0.weight" (the first nn.Linear of an nn.Sequential), found none (tensors: ${tensorList(tensors)})` +
        (wrapped === undefined ? '' : `; found "${wrapped}": strip the prefix "${wrapped.slice(0, -'0.weight'.length)}"`),
    );
  }
  const batchNorm = Object.keys(tensors).some((n) => n.startsWith('1.'));
  const stride = batchNorm ? 3 : 2;
  let numLinear = 0;
  for (const name of Object.keys(tensors)) {
    const m = NAME.exec(name);
    if (m !== null && Number(m[1]) % stride === 0) numLinear = Math.max(numLinear, Number(m[1]) / stride + 1);
  }
  const depth = numLinear - 1;
  const layout = layoutName(batchNorm);

  const float = (name: string, what: string): tf.Tensor => {
    const t = tensors[name];
    if (t === undefined) throw new FileFormatError(`${source}: expected a tensor named "${name}" (${what}), found none (tensors: ${tensorList(tensors)})`);
    if (t.dtype !== 'float32') throw new FileFormatError(`${source}: expected "${name}" to hold floating-point values, got dtype ${t.dtype}`);
    return t;
  };
  const vector = (name: string, size: number, what: string, meaning: string): void => {
    const t = float(name, what);
    if (t.rank !== 1 || t.shape[0] !== size) throw new ShapeError(`${source}: expected "${name}" to have shape [${size}] (${meaning}), got ${describeValue(t.shape)}`);
  };

  const sizes: number[] = [];
  const expected: string[] = [];
  for (let l = 0; l <= depth; l++) {
    const at = linearIndex(l, batchNorm);
    const w = float(`${at}.weight`, `nn.Linear ${l + 1} of ${numLinear} in ${layout}`);
    if (w.rank !== 2) throw new ShapeError(`${source}: expected "${at}.weight" to have rank 2 ([out_features, in_features] of an nn.Linear), got shape ${describeValue(w.shape)}`);
    const [out, inp] = w.shape as [number, number];
    if (l === 0) {
      if (inp === 0) throw new ShapeError(`${source}: expected "0.weight" to have at least one column (in_features ≥ 1), got shape ${describeValue(w.shape)}`);
      sizes.push(inp);
    } else if (inp !== sizes[l]) {
      const prev = linearIndex(l - 1, batchNorm);
      throw new ShapeError(`${source}: expected "${at}.weight" to have ${sizes[l]} columns (in_features = out_features of "${prev}.weight"), got shape ${describeValue(w.shape)}`);
    }
    if (out === 0) throw new ShapeError(`${source}: expected "${at}.weight" to have at least one row (out_features ≥ 1), got shape ${describeValue(w.shape)}`);
    sizes.push(out);
    vector(`${at}.bias`, out, `the bias of nn.Linear ${at}`, `out_features of "${at}.weight"`);
    expected.push(`${at}.weight`, `${at}.bias`);
    if (batchNorm && l < depth) {
      const bn = at + 1;
      const what = `nn.BatchNorm1d ${bn} after nn.Linear ${at}`;
      const meaning = `num_features = out_features of "${at}.weight"`;
      for (const p of ['weight', 'bias', 'running_mean', 'running_var']) vector(`${bn}.${p}`, out, what, meaning);
      expected.push(`${bn}.weight`, `${bn}.bias`, `${bn}.running_mean`, `${bn}.running_var`, `${bn}.num_batches_tracked`);
      const count = tensors[`${bn}.num_batches_tracked`];
      if (count !== undefined) {
        if (count.rank !== 0) throw new ShapeError(`${source}: expected "${bn}.num_batches_tracked" to have shape [] (a count), got ${describeValue(count.shape)}`);
        const v = count.dataSync()[0]!;
        if (!Number.isSafeInteger(v) || v < 0) throw new FileFormatError(`${source}: expected "${bn}.num_batches_tracked" to be a non-negative integer (a count of batches), got ${v}`);
      }
    }
  }
  const known = new Set(expected);
  const extra = Object.keys(tensors).filter((n) => !known.has(n));
  if (extra.length > 0) {
    throw new FileFormatError(
      `${source}: unexpected tensor ${JSON.stringify(extra[0])} for ${layout} with ${numLinear} nn.Linear layer(s); expected only ${expected.join(', ')}`,
    );
  }
  if (checkFinite) {
    for (const name of expected) {
      const t = tensors[name];
      if (t === undefined || t.dtype !== 'float32') continue;
      const values = t.dataSync();
      const i = firstNonFinite(values);
      if (i >= 0) {
        throw new FileFormatError(
          `${source}: tensor "${name}" holds ${values[i]} at index [${unravelIndex(i, t.shape).join(', ')}] (flat index ${i}); expected finite weights (a diverged checkpoint?)`,
        );
      }
    }
  }
  if (batchNorm) {
    for (let l = 0; l < depth; l++) {
      const name = `${linearIndex(l, true) + 1}.running_var`;
      const values = tensors[name]!.dataSync();
      const i = values.findIndex((v) => v < 0);
      if (i >= 0) throw new FileFormatError(`${source}: expected "${name}" to hold values ≥ 0 (a variance), got ${values[i]} at index [${i}]`);
    }
  }

  const mlp = new MLP({ layerSizes: sizes, activation, init: 'zeros', norm: batchNorm ? 'batch' : 'none', residual }, new Rng('mlp-torch-weights/zeros'));
  try {
    tf.tidy(() => {
      const values: Record<string, tf.Tensor> = {};
      for (const name of [...Object.keys(mlp.params), ...Object.keys(mlp.buffers)]) {
        const m = torchNameOf(name, batchNorm)!;
        const t = tensors[m.torch];
        if (t !== undefined) values[name] = m.transpose ? tf.transpose(t) : t;
      }
      mlp.setParams(values);
    });
  } catch (err) {
    mlp.dispose();
    throw err;
  }
  return mlp;
}

/**
 * Loads an MLP from a safetensors file with `torch.nn.Sequential` state_dict names (written by
 * {@link saveMLPTorchWeights}, or by `safetensors.torch.save_file(model.state_dict(), path)`).
 * @param path the file
 * @param options activation (required for a file without gradlab metadata) and residual
 * @returns the model; the caller disposes it
 * @throws as {@link mlpFromStateDict} and {@link loadSafetensors} (with `nonFinite: 'reject'`:
 *   NaN, ±Infinity or F64 values beyond float32 are refused naming the tensor and index)
 * @example const net = await loadMLPTorchWeights('torch-mlp.safetensors', { activation: 'relu' });
 */
export async function loadMLPTorchWeights(path: string, options: Omit<MLPTorchOptions, 'metadata'> = {}): Promise<MLP> {
  return readStateDict(path, (tensors, metadata) => buildMLP(tensors, path, { ...options, metadata }, false));
}
