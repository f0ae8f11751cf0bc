/**
 * PyTorch interoperability: a recurrent network's parameters as a `torch.nn.RNN` / `nn.LSTM` /
 * `nn.GRU` state_dict plus an `nn.Linear` readout named `head` — `weight_ih_l{k}` [G·H, D_k],
 * `weight_hh_l{k}` [G·H, H], `bias_ih_l{k}` [G·H], `bias_hh_l{k}` [G·H] for k = 0 … L−1, and
 * `head.weight` [O, H], `head.bias` [O] — in safetensors files (the format of Hugging Face's
 * `safetensors.torch.save_file`). Sizes are inferred from the shapes; every missing, extra,
 * misshapen or non-float tensor is rejected with a message naming it, and so is a weight holding
 * NaN or ±Infinity (a diverged checkpoint), with the index of its first non-finite value.
 *
 * In PyTorch: `torch.nn.LSTM(D, H, num_layers=L)` and `torch.nn.Linear(H, O)`, then
 * `sd = {**lstm.state_dict(), **{'head.' + k: v for k, v in head.state_dict().items()}}`.
 */
import {
  FileFormatError,
  Rng,
  ShapeError,
  ValidationError,
  describeValue,
  firstNonFinite,
  loadSafetensors,
  parseOptions,
  saveSafetensors,
  tf,
  unravelIndex,
} from '@gradlab/core';
import { z } from 'zod';
import { GRU } from './gru.js';
import { LSTM } from './lstm.js';
import { gateCount } from './recurrent-config.js';
import type { CellType, RNNNonlinearity } from './recurrent-config.js';
import type { RecurrentNet } from './recurrent-net.js';
import { RNN } from './rnn.js';

/** Architectures with a PyTorch counterpart: `nn.RNN(nonlinearity='tanh'|'relu')`, `nn.LSTM`, `nn.GRU`. */
export const TORCH_ARCHS = ['rnn-tanh', 'rnn-relu', 'lstm', 'gru'] as const;
/** An architecture name; 'rnn-sigmoid' and 'rnn-linear' are gradlab-only. */
export type RecurrentArch = (typeof TORCH_ARCHS)[number] | 'rnn-sigmoid' | 'rnn-linear';
/** Every architecture name gradlab can build from a state_dict. */
export const RECURRENT_ARCHS: readonly RecurrentArch[] = [...TORCH_ARCHS, 'rnn-sigmoid', 'rnn-linear'];

/** The architecture name of a network ('rnn-tanh', 'lstm', …). */
export function archOf(net: RecurrentNet): RecurrentArch {
  return net.cell === 'rnn' ? (`rnn-${net.spec.nonlinearity}` as RecurrentArch) : (net.cell as RecurrentArch);
}

const argsSchema = z.strictObject({
  arch: z.enum(RECURRENT_ARCHS as unknown as readonly [RecurrentArch, ...RecurrentArch[]], { error: `one of ${RECURRENT_ARCHS.join(', ')}` }),
  tensors: z.record(z.string(), z.instanceof(tf.Tensor, { error: 'a tf.Tensor' }), { error: 'an object of tf.Tensors by name' }),
  source: z.string({ error: 'a string (the file name)' }),
});

function parseArch(arch: RecurrentArch): { cell: CellType; nonlinearity?: RNNNonlinearity } {
  if (arch.startsWith('rnn-')) return { cell: 'rnn', nonlinearity: arch.slice(4) as RNNNonlinearity };
  return { cell: arch as CellType };
}

/** Refuses a weight holding NaN / ±Infinity, naming it and the index of its first bad value. */
function expectFinite(tensors: Record<string, tf.Tensor>, name: string, source: string): void {
  const t = tensors[name]!;
  const values = t.dataSync();
  const i = firstNonFinite(values);
  if (i < 0) return;
  throw new FileFormatError(
    `${source}: tensor "${name}" holds ${values[i]} at index [${unravelIndex(i, t.shape).join(', ')}] (flat index ${i}); ` +
      'expected finite weights (a diverged checkpoint?)',
  );
}

function shapeOf(tensors: Record<string, tf.Tensor>, name: string, source: string, rank: number): number[] {
  const t = tensors[name];
  if (t === undefined) {
    throw new FileFormatError(`${source}: expected a tensor named "${name}", found none (tensors: ${Object.keys(tensors).sort().join(', ') || 'none'})`);
  }
  if (t.dtype !== 'float32') throw new FileFormatError(`${source}: expected "${name}" to hold floating-point values, got dtype ${t.dtype}`);
  if (t.rank !== rank) throw new ShapeError(`${source}: expected "${name}" to have rank ${rank}, got shape ${describeValue(t.shape)}`);
  return t.shape;
}

function expectShape(tensors: Record<string, tf.Tensor>, name: string, source: string, shape: number[], meaning: string): void {
  const got = shapeOf(tensors, name, source, shape.length);
  if (got.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${source}: expected "${name}" to have shape ${describeValue(shape)} (${meaning}), got ${describeValue(got)}`);
  }
}

/**
 * Builds a network from a PyTorch-style state_dict (sizes inferred from the shapes) and copies
 * the weights in. The tensors are not disposed.
 * @param arch 'rnn-tanh', 'rnn-relu', 'lstm', 'gru' (or gradlab's 'rnn-sigmoid', 'rnn-linear')
 * @param tensors by name, as {@link loadSafetensors} returns them
 * @param source name used in error messages (the file)
 * @returns a new network (the caller disposes it)
 * @throws ValidationError for an unknown arch, `tensors` not an object of live tf.Tensors;
 *   FileFormatError for a missing, extra or non-float tensor, or one holding NaN / ±Infinity
 *   (naming it and the index of the first such value); ShapeError for inconsistent or empty
 *   shapes (e.g. `weight_ih_l0` rows not a multiple of 4 for an LSTM)
 * @example const net = netFromStateDict('lstm', (await loadSafetensors('w.safetensors')).tensors, 'w.safetensors');
 */
export function netFromStateDict(arch: RecurrentArch, tensors: Record<string, tf.Tensor>, source: string): RecurrentNet {
  return buildNet(arch, tensors, source, true);
}

/** `netFromStateDict`; `checkFinite` false when the reader already refused non-finite values. */
function buildNet(arch: RecurrentArch, tensors: Record<string, tf.Tensor>, source: string, checkFinite: boolean): RecurrentNet {
  parseOptions(typeof source === 'string' ? source : 'netFromStateDict', argsSchema, { arch, tensors, source });
  for (const [name, t] of Object.entries(tensors)) {
    if (t.isDisposed) throw new ValidationError(`${source}: expected tensors[${JSON.stringify(name)}] to be a live tensor, got a disposed one`);
  }
  const { cell, nonlinearity } = parseArch(arch);
  const G = gateCount(cell);
  const [rows, D] = shapeOf(tensors, 'weight_ih_l0', source, 2) as [number, number];
  if (D === 0) throw new ShapeError(`${source}: expected "weight_ih_l0" to have at least one column (input size D ≥ 1), got shape ${describeValue([rows, D])}`);
  if (rows % G !== 0 || rows === 0) {
    throw new ShapeError(
      `${source}: expected "weight_ih_l0" to have ${G === 1 ? 'H' : `${G}·H`} rows for arch "${arch}" (gates ${G}), got shape ${describeValue([rows, D])}`,
    );
  }
  const H = rows / G;
  let L = 0;
  while (tensors[`weight_ih_l${L}`] !== undefined) L++;
  for (let l = 0; l < L; l++) {
    const Dl = l === 0 ? D : H;
    expectShape(tensors, `weight_ih_l${l}`, source, [G * H, Dl], `${G === 1 ? '' : `${G}·`}hidden ${H} × input ${Dl}`);
    expectShape(tensors, `weight_hh_l${l}`, source, [G * H, H], `${G === 1 ? '' : `${G}·`}hidden ${H} × hidden ${H}`);
    expectShape(tensors, `bias_ih_l${l}`, source, [G * H], `${G === 1 ? '' : `${G}·`}hidden ${H}`);
    expectShape(tensors, `bias_hh_l${l}`, source, [G * H], `${G === 1 ? '' : `${G}·`}hidden ${H}`);
  }
  const [O] = shapeOf(tensors, 'head.weight', source, 2) as [number, number];
  expectShape(tensors, 'head.weight', source, [O, H], `outputs × hidden ${H}`);
  if (O === 0) throw new ShapeError(`${source}: expected "head.weight" to have at least one row (outputs O ≥ 1), got shape ${describeValue([O, H])}`);
  expectShape(tensors, 'head.bias', source, [O], 'outputs');
  const known = new Set(['head.weight', 'head.bias']);
  for (let l = 0; l < L; l++) for (const p of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) known.add(`${p}_l${l}`);
  const extra = Object.keys(tensors).filter((n) => !known.has(n));
  if (extra.length > 0) {
    throw new FileFormatError(
      `${source}: unexpected tensor ${describeValue(extra[0])} for arch "${arch}" with ${L} layer(s); expected only ${[...known].join(', ')}` +
        (extra[0]!.includes('reverse') ? ' (bidirectional models are not supported)' : ''),
    );
  }
  if (checkFinite) for (const name of known) expectFinite(tensors, name, source);
  const config = { inputSize: D, hiddenSize: H, outputSize: O, numLayers: L, biasInit: 'zeros' as const };
  const rng = new Rng(0);
  const net = cell === 'rnn' ? new RNN({ ...config, nonlinearity }, rng) : cell === 'lstm' ? new LSTM(config, rng) : new GRU(config, rng);
  net.setParams(tensors);
  return net;
}

/**
 * Loads a network from a safetensors file with PyTorch state_dict names.
 * @throws as {@link netFromStateDict} and {@link loadSafetensors} (with `nonFinite: 'reject'`:
 *   NaN, ±Infinity or F64 values beyond float32 are refused naming the tensor and index)
 */
export async function loadTorchWeights(arch: RecurrentArch, path: string): Promise<RecurrentNet> {
  const { tensors } = await loadSafetensors(path, { nonFinite: 'reject' });
  try {
    return buildNet(arch, tensors, path, false);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Saves a network's parameters under PyTorch state_dict names (loadable with
 * `safetensors.torch.load_file` and `load_state_dict` of `nn.LSTM` etc. plus `nn.Linear` as `head`).
 * The metadata records the architecture (`gradlab_arch`).
 */
export async function saveTorchWeights(net: RecurrentNet, path: string): Promise<void> {
  await saveSafetensors(path, net.params, { format: 'pt', gradlab_arch: archOf(net) });
}
