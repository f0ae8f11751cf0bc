/**
 * PyTorch interoperability of {@link ConvNet}: its tensors under the state_dict names and
 * layouts of this module (the reference is `GradlabConvNet` in
 * packages/core/test/nn/fixtures/make_convnet_fixture.py):
 *
 * ```
 * convs = nn.ModuleList(nn.Conv2d(in_l, out_l, k, stride, padding) for each layer)
 * norms = nn.ModuleList(nn.BatchNorm2d(out_l) for each layer)          # norm 'batch' only
 * head  = nn.Linear(features, outputs)
 *
 * convs.{l}.weight [out, in, kh, kw] = conv{l}.weight [kh, kw, in, out] permuted (3, 2, 0, 1)
 * convs.{l}.bias, norms.{l}.weight (= gamma), norms.{l}.bias (= beta), norms.{l}.running_mean,
 * norms.{l}.running_var, norms.{l}.num_batches_tracked (int64 on disk)
 * head.weight [outputs, features] = head.weightᵀ; with head 'flatten' the features are also
 * reordered from gradlab's (h, w, c) to PyTorch's (c, h, w) flattening of an NCHW map
 * ```
 *
 * PyTorch's forward takes NCHW images: x.permute(0, 3, 1, 2) of gradlab's NHWC batch. Files
 * written here carry the ConvNet configuration as JSON in `__metadata__.gradlab_config`, so
 * they load back without restating it.
 */
import { tf } from '../backend/tf.js';
import { FileFormatError, ShapeError, ValidationError, describeValue } from '../errors/gradlab-error.js';
import { Rng } from '../random/rng.js';
import { ConvNet } from './conv-net.js';
import type { ConvNetConfig, ConvNetSpec } from './conv-net.js';
import { readStateDict, toStateDict, writeStateDict } from './torch-state-dict.js';

const META_CONFIG = 'gradlab_config';

/** One gradlab name's state_dict name and the maps between the two layouts. */
interface Mapping {
  torch: string;
  toTorch: (t: tf.Tensor) => tf.Tensor;
  fromTorch: (t: tf.Tensor) => tf.Tensor;
}

const copy = (t: tf.Tensor) => tf.clone(t);

function mappingOf(name: string, spec: ConvNetSpec): Mapping | undefined {
  if (name === 'head.bias') return { torch: name, toTorch: copy, fromTorch: copy };
  if (name === 'head.weight') {
    if (spec.head === 'global-avg') return { torch: name, toTorch: (t) => tf.transpose(t), fromTorch: (t) => tf.transpose(t) };
    const last = spec.layers[spec.layers.length - 1]!;
    const [h, w] = last.pooledSize;
    const c = last.outChannels;
    const out = spec.outputs;
    return {
      torch: name,
      toTorch: (t) => tf.reshape(tf.transpose(tf.reshape(t, [h, w, c, out]), [3, 2, 0, 1]), [out, c * h * w]),
      fromTorch: (t) => tf.reshape(tf.transpose(tf.reshape(t, [out, c, h, w]), [2, 3, 1, 0]), [h * w * c, out]),
    };
  }
  const m = /^conv(\d+)\.(weight|bias|gamma|beta|running_mean|running_var|num_batches_tracked)$/.exec(name);
  if (m === null) return undefined;
  const l = m[1];
  switch (m[2]) {
    case 'weight':
      return { torch: `convs.${l}.weight`, toTorch: (t) => tf.transpose(t, [3, 2, 0, 1]), fromTorch: (t) => tf.transpose(t, [2, 3, 1, 0]) };
    case 'bias':
      return { torch: `convs.${l}.bias`, toTorch: copy, fromTorch: copy };
    case 'gamma':
      return { torch: `norms.${l}.weight`, toTorch: copy, fromTorch: copy };
    case 'beta':
      return { torch: `norms.${l}.bias`, toTorch: copy, fromTorch: copy };
    default:
      return { torch: `norms.${l}.${m[2]}`, toTorch: copy, fromTorch: copy };
  }
}

/**
 * A ConvNet's tensors under PyTorch state_dict names and layouts (see the file comment).
 * @param net the model (its spec decides the layouts)
 * @param values tensors under the ConvNet's names (default: its parameters and buffers), e.g.
 *   the `grads` of {@link ConvNet.gradients} to get ∂L/∂θ as PyTorch lays it out
 * @returns new tensors by state_dict name; the caller disposes them
 * @throws ValidationError for a name the ConvNet does not have
 */
export function convNetToStateDict(net: ConvNet, values?: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  if (!(net instanceof ConvNet)) throw new ValidationError(`convNetToStateDict: expected net to be a ConvNet, got ${describeValue(net)}`);
  return toStateDict('convNetToStateDict', 'ConvNet', net, values, (name, t) => {
    const m = mappingOf(name, net.spec)!;
    return { torch: m.torch, tensor: m.toTorch(t) };
  });
}

/**
 * A ConvNet built from `config` holding the tensors of a PyTorch state_dict (see the file
 * comment); every name must be present, none extra, each of the expected shape.
 * @param stateDict tensors by state_dict name (not disposed)
 * @throws ValidationError for a missing or unknown name; ShapeError for a misshapen tensor
 */
export function convNetFromStateDict(config: ConvNetConfig, stateDict: Record<string, tf.Tensor>): ConvNet {
  const net = new ConvNet(config, new Rng('convNetFromStateDict'));
  try {
    const byTorch = new Map<string, { name: string; m: Mapping; shape: number[] }>();
    for (const [name, t] of Object.entries({ ...net.params, ...net.buffers })) {
      const m = mappingOf(name, net.spec)!;
      const shape = tf.tidy(() => m.toTorch(tf.zeros(t.shape)).shape);
      byTorch.set(m.torch, { name, m, shape });
    }
    for (const name of Object.keys(stateDict)) {
      if (!byTorch.has(name)) throw new ValidationError(`convNetFromStateDict: unexpected tensor ${JSON.stringify(name)}; expected the names ${[...byTorch.keys()].join(', ')}`);
    }
    const values: Record<string, tf.Tensor> = {};
    try {
      for (const [torch, { name, m, shape }] of byTorch) {
        const t = stateDict[torch];
        if (t === undefined) throw new ValidationError(`convNetFromStateDict: missing tensor ${JSON.stringify(torch)} for this configuration`);
        if (t.shape.join(',') !== shape.join(',')) throw new ShapeError(`convNetFromStateDict: expected "${torch}" of shape [${shape}], got [${t.shape}]`);
        values[name] = tf.tidy(() => m.fromTorch(t));
      }
      net.setParams(values);
    } finally {
      tf.dispose(Object.values(values));
    }
    return net;
  } catch (e) {
    net.dispose();
    throw e;
  }
}

/**
 * Saves a ConvNet under PyTorch state_dict names (F32; `num_batches_tracked` as I64) with its
 * configuration in the metadata, loadable with `load_state_dict` into the module of the file
 * comment.
 * @throws GradlabError (E_IO) when the file cannot be written
 */
export async function saveConvNetTorchWeights(net: ConvNet, path: string, config: ConvNetConfig): Promise<void> {
  await writeStateDict(path, convNetToStateDict(net), { format: 'pt', gradlab_model: 'ConvNet', [META_CONFIG]: JSON.stringify(config) });
}

/**
 * Loads a ConvNet from a PyTorch-named safetensors file; the configuration comes from
 * `config` or, when omitted, the file's `gradlab_config` metadata.
 * @throws FileFormatError when neither gives a configuration, or a weight is not finite
 */
export async function loadConvNetTorchWeights(path: string, config?: ConvNetConfig): Promise<ConvNet> {
  return readStateDict(path, (tensors, metadata) => {
    let resolved = config;
    if (resolved === undefined) {
      const text = metadata[META_CONFIG];
      if (text === undefined) throw new FileFormatError(`${path}: expected metadata ${META_CONFIG} (or a config argument), got none`);
      try {
        resolved = JSON.parse(text) as ConvNetConfig;
      } catch {
        throw new FileFormatError(`${path}: expected metadata ${META_CONFIG} to be JSON, got ${JSON.stringify(text.slice(0, 40))}`);
      }
    }
    return convNetFromStateDict(resolved, tensors);
  });
}
