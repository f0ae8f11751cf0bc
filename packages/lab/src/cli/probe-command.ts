/**
 * `gradlab probe`: the gradient flow of a saved PyTorch-format model — through time for a
 * recurrent one, through depth for a feed-forward one.
 *
 *   gradlab probe --arch rnn-tanh|rnn-relu|lstm|gru --weights W.safetensors --input X.safetensors
 *                 [--loss last-mse] --out DIR [--backend tensorflow|wasm|cpu] [--no-jacobian] [--prefix P.]
 *   gradlab probe --arch mlp --weights W.safetensors --input X.safetensors [--activation NAME]
 *                 [--residual] [--mode train|eval] [--loss mse|softmax-cross-entropy] --out DIR [--prefix P.]
 *
 * W holds an `nn.RNN` / `nn.LSTM` / `nn.GRU` state_dict (`weight_ih_l0`, `weight_hh_l0`,
 * `bias_ih_l0`, `bias_hh_l0`, `_l1` … for stacked layers) and an `nn.Linear` readout
 * (`head.weight` [O, H], `head.bias` [O]); X holds `x` [T, B, D] (time-major, as PyTorch's
 * default) and `y` [B, O]. Writes `DIR/time-gradients.csv` (t, lag, grad_h_l2 = ‖∂L/∂h_t‖ over
 * batch × hidden of the top layer, grad_c_l2 for the LSTM, jac_l2 = mean ‖∂h_{T−1}/∂h_t‖₂, gate
 * means), `DIR/grads.safetensors` (∂L/∂θ under the weights' names) and `DIR/probe.json` (the
 * loss and the model's sizes). Bad input: a `GradlabError` (the CLI prints one line, exit 2).
 *
 * `--arch mlp`: W holds a `torch.nn.Sequential(Linear, [BatchNorm1d,] activation, …, Linear)`
 * state_dict (`0.weight` [out, in], …; batch norm is inferred from the names, see core's
 * `mlp-torch-weights.ts`). A state_dict does not record activations, so `--activation` is
 * required unless W was written by gradlab (metadata `gradlab_activation`); `--residual` adds
 * gradlab's identity skips (metadata `gradlab_residual`); `--mode train` (default, what an
 * optimiser step sees: batch statistics) or `eval` (running statistics). X holds `x` [B, D] and
 * `y` [B, O] (mse) or integer class indices [B] (softmax-cross-entropy, as `nn.CrossEntropyLoss`).
 * Writes `DIR/layer-gradients.csv` (per Linear l: its weight's name, in/out features,
 * grad_w_l2 = ‖∂L/∂W_l‖ and grad_h_l2 = ‖∂L/∂h_l‖ over batch × width of the block's output
 * h_l — after the activation and skip, the logits for the last layer), `grads.safetensors` and
 * `probe.json`. Norms are summed in float64, so a finite gradient never reports Infinity.
 *
 * `--prefix P.` reads a wrapped model's state_dict (`rnn.weight_ih_l0`, `net.0.weight`): P is
 * stripped from every name that has it and the others are kept, as PyTorch's
 * `consume_prefix_in_state_dict_if_present` does (so a wrapper holding `rnn` and `head` works with
 * `--prefix rnn.`); the gradients are written back under the file's own names. When the expected
 * first name is missing but some name ends with it, the error says which prefix to pass.
 *
 * Cross-check against PyTorch autograd: `tests/torch/rnn_probe_reference.py` and (MLP)
 * `tests/torch/sequential_weights_reference.py`.
 */
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BACKEND_NAMES,
  ACTIVATION_NAMES,
  FileFormatError,
  GradlabError,
  ShapeError,
  ValidationError,
  loadSafetensors,
  describeValue,
  globalNorm,
  initBackend,
  lossByName,
  mlpFromStateDict,
  mlpToStateDict,
  parseOptions,
  saveSafetensors,
  tf,
  writeFileAtomic,
  type BackendName,
} from '@gradlab/core';
import type { ActivationName, BackendInfo } from '@gradlab/core';
import { z } from 'zod';
import { writeCsv, type CsvRow } from '../io/csv.js';
import { PROBE_LOSSES, TORCH_ARCHS, netFromStateDict, probeGradientFlow } from '@gradlab/rnn';
import type { ProbeLoss, RecurrentArch } from '@gradlab/rnn';

/** Architectures `gradlab probe` reads. */
export const PROBE_ARCHS = [...TORCH_ARCHS, 'mlp'] as const;
/** Losses of `gradlab probe --arch mlp` (core's names; softmax-cross-entropy takes class indices as nn.CrossEntropyLoss). */
export const MLP_PROBE_LOSSES = ['mse', 'softmax-cross-entropy'] as const;
/** Columns of layer-gradients.csv. */
export const MLP_PROBE_COLUMNS = ['layer', 'weight', 'in_features', 'out_features', 'grad_w_l2', 'grad_h_l2'] as const;

/** Help text of `gradlab probe`. */
export const PROBE_HELP = `gradlab probe — gradient flow of a saved PyTorch-format model (through time: recurrent; through depth: mlp)

usage: gradlab probe --arch ARCH --weights W.safetensors --input X.safetensors --out DIR [options]

  --arch ARCH         ${TORCH_ARCHS.join(' | ')} (nn.RNN tanh/relu, nn.LSTM, nn.GRU) | mlp (nn.Sequential of Linear, [BatchNorm1d,] activation)
  --weights FILE      safetensors with the state_dict: weight_ih_l0, … and head.weight, head.bias; for mlp 0.weight, 0.bias, …
  --input FILE        safetensors with x [T, B, D] (time-major) and y [B, O]; for mlp x [B, D] and y [B, O] or class indices [B]
  --loss LOSS         ${PROBE_LOSSES.join(' | ')} (default last-mse: MSE of head(h_T) against y); for mlp ${MLP_PROBE_LOSSES.join(' | ')} (default mse)
  --prefix P.         read names under P. (a wrapped model: rnn.weight_ih_l0, net.0.weight); names without it are kept
  --out DIR           writes DIR/time-gradients.csv (mlp: DIR/layer-gradients.csv), DIR/grads.safetensors, DIR/probe.json
  --backend NAME      ${BACKEND_NAMES.join(' | ')} (default: GRADLAB_BACKEND or the fastest that loads)
  --no-jacobian       skip jac_l2 = ‖∂h_{T−1}/∂h_t‖₂ (it costs T backward steps at batch H·B)
  mlp only:
  --activation NAME   ${ACTIVATION_NAMES.join(' | ')} (required unless the file's metadata names it)
  --residual          identity skips around hidden blocks whose Linear is square (gradlab's residual MLP)
  --mode MODE         train (default: batch norm from batch statistics) | eval (running statistics)
  -h, --help          this text
`;

/** Files `gradlab probe` writes into --out for a recurrent model. */
export const PROBE_OUTPUTS = ['time-gradients.csv', 'grads.safetensors', 'probe.json'] as const;

const OPTIONS = {
  arch: { type: 'string' },
  weights: { type: 'string' },
  input: { type: 'string' },
  loss: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  'no-jacobian': { type: 'boolean' },
  prefix: { type: 'string' },
  activation: { type: 'string' },
  residual: { type: 'boolean' },
  mode: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where `runProbeCommand` writes its summary. */
export interface ProbeIo {
  stdout: { write(text: string): unknown };
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const name = /'(-[^' ]+)/.exec(e.message)?.[1] ?? '';
    const valid = Object.keys(OPTIONS).map((o) => `--${o}`).join(', ');
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new ValidationError(`probe: unknown option ${name}; valid options: ${valid}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new ValidationError(/argument missing/.test(e.message) ? `probe: option ${name} needs a value (e.g. ${name} VALUE)` : `probe: option ${name} takes no value`);
    }
    throw new ValidationError(`probe: ${e.message}`);
  }
}

/** The values of the options that name a choice, as zod enums with the phrase used in messages. */
const choice = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `one of ${values.join(', ')}` });
const choicesSchema = z.object({
  '--arch': choice(PROBE_ARCHS),
  '--backend': choice(BACKEND_NAMES as unknown as readonly [BackendName, ...BackendName[]]).optional(),
  '--activation': choice(ACTIVATION_NAMES).optional(),
  '--mode': choice(['train', 'eval'] as const),
});
const recurrentLossSchema = z.object({ '--loss': choice(PROBE_LOSSES as unknown as readonly [ProbeLoss, ...ProbeLoss[]]) });
const mlpLossSchema = z.object({ '--loss': choice(MLP_PROBE_LOSSES) });

function required(value: string | undefined, option: string, example: string): string {
  if (value === undefined || value.trim() === '') throw new ValidationError(`probe: expected --${option} ${example} (it is required; see gradlab probe --help)`);
  return value;
}

/**
 * Loads a safetensors file (floats become float32; NaN / ±Infinity refused, naming the tensor
 * and index), mapping an unreadable path (missing, a directory, no permission) to a one-line error.
 */
async function load(path: string, option: string): Promise<{ tensors: Record<string, tf.Tensor>; metadata: Record<string, string> }> {
  const unreadable = (err: unknown): GradlabError => {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory, expected a .safetensors file' : String(e.message).split('\n')[0];
    return new GradlabError('E_IO', `probe: cannot read --${option} ${JSON.stringify(path)}: ${why}`);
  };
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    throw unreadable(err);
  }
  try {
    return await loadSafetensors(path, { nonFinite: 'reject' });
  } catch (err) {
    if (err instanceof GradlabError) throw err;
    throw unreadable(err);
  }
}

/**
 * The state_dict with `prefix` stripped from every name that has it (names without it are kept,
 * as PyTorch's `consume_prefix_in_state_dict_if_present`), and a map back to the file's names.
 * When `first` (the name every model of the arch has) is missing but some name ends with it,
 * the error names the prefix to pass.
 */
function unwrap(
  tensors: Record<string, tf.Tensor>,
  prefix: string,
  first: string,
  source: string,
): { tensors: Record<string, tf.Tensor>; original: Record<string, string> } {
  const out: Record<string, tf.Tensor> = {};
  const original: Record<string, string> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const key = prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name;
    if (Object.hasOwn(out, key)) {
      throw new FileFormatError(`${source}: expected one tensor per name after stripping --prefix ${prefix}, got both "${key}" and "${prefix}${key}"`);
    }
    out[key] = t;
    original[key] = name;
  }
  if (out[first] === undefined) {
    const wrapped = Object.keys(tensors)
      .sort()
      .find((n) => n.endsWith(`.${first}`));
    if (wrapped !== undefined) {
      throw new FileFormatError(`${source}: no tensor "${first}"; found "${wrapped}" — pass --prefix ${wrapped.slice(0, -first.length)}`);
    }
  }
  return { tensors: out, original };
}

/** Says, in a model builder's message, that the names it quotes are read under --prefix. */
function underPrefix(err: unknown, prefix: string): unknown {
  if (prefix !== '' && err instanceof GradlabError) err.message += ` (names read under --prefix ${prefix})`;
  return err;
}

/** Tensors renamed back to the file's names (keys missing from the map are kept). */
function rename(tensors: Record<string, tf.Tensor>, original: Record<string, string>, prefix: string): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [original[k] ?? `${prefix}${k}`, t]));
}

/** ‖t‖₂ summed in float64: finite whenever every entry is (float32 squares would overflow past 1.8e19). */
function l2(t: tf.Tensor): number {
  const v = t.dataSync();
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Where `runProbeCommand` writes, and what it read. */
interface ProbeRun {
  weightsPath: string;
  inputPath: string;
  outDir: string;
  prefix: string;
  backend: BackendInfo;
  io: ProbeIo;
}

/**
 * Runs `gradlab probe` (argv after the word `probe`).
 * @param argv options, e.g. ['--arch', 'lstm', '--weights', 'w.safetensors', '--input', 'x.safetensors', '--out', 'probe/']
 * @param io where the one-paragraph summary goes
 * @throws GradlabError (one line, the CLI exits 2) for a missing or unknown option, an unknown
 *   arch or loss, an option of the other kind of arch, an unreadable or malformed file, a
 *   missing / extra / misshapen tensor (with the prefix to pass when the names are wrapped)
 */
export async function runProbeCommand(argv: readonly string[], io: ProbeIo): Promise<void> {
  const { values, positionals } = parse(argv);
  if (values.help === true) {
    io.stdout.write(PROBE_HELP);
    return;
  }
  if (positionals.length > 0) throw new ValidationError(`probe: unexpected argument ${JSON.stringify(positionals[0])}; every input is an option (see gradlab probe --help)`);
  const archValue = required(values.arch, 'arch', `${PROBE_ARCHS.join('|')}`);
  const weightsPath = required(values.weights, 'weights', 'W.safetensors');
  const inputPath = required(values.input, 'input', 'X.safetensors');
  const outDir = required(values.out, 'out', 'DIR');
  const choices = parseOptions('probe', choicesSchema, {
    '--arch': archValue,
    '--backend': values.backend,
    '--activation': values.activation,
    '--mode': values.mode ?? 'train',
  });
  const arch = choices['--arch'];
  const isMlp = arch === 'mlp';
  const misplaced = isMlp
    ? (['no-jacobian'] as const).filter((o) => values[o] !== undefined)
    : (['activation', 'residual', 'mode'] as const).filter((o) => values[o] !== undefined);
  if (misplaced.length > 0) {
    throw new ValidationError(`probe: expected no --${misplaced[0]} with --arch ${arch} (it applies to ${isMlp ? 'recurrent archs' : '--arch mlp'} only)`);
  }
  const prefix = values.prefix ?? '';
  if (values.prefix !== undefined && (prefix.length < 2 || !prefix.endsWith('.'))) {
    throw new ValidationError(
      `probe: expected --prefix to be a state_dict prefix ending with "." (e.g. net.), got ${JSON.stringify(prefix)}` + (/^[^.].*[^.]$|^[^.]$/.test(prefix) ? `; pass --prefix ${prefix}.` : ''),
    );
  }
  const loss = parseOptions('probe', isMlp ? mlpLossSchema : recurrentLossSchema, { '--loss': values.loss ?? (isMlp ? 'mse' : 'last-mse') })['--loss'];
  const backend = await initBackend({ backend: choices['--backend'] });
  const run: ProbeRun = { weightsPath, inputPath, outDir, prefix, backend, io };
  if (isMlp) {
    await probeMLP(run, loss as (typeof MLP_PROBE_LOSSES)[number], {
      activation: choices['--activation'],
      residual: values.residual === true ? true : undefined,
      mode: choices['--mode'],
    });
  } else {
    await probeRecurrent(run, arch as RecurrentArch, loss as ProbeLoss, values['no-jacobian'] !== true);
  }
}

async function probeRecurrent(run: ProbeRun, arch: RecurrentArch, loss: ProbeLoss, jacobian: boolean): Promise<void> {
  const { weightsPath, inputPath, outDir, prefix, backend, io } = run;
  const weights = await load(weightsPath, 'weights');
  let net;
  let original: Record<string, string>;
  try {
    const unwrapped = unwrap(weights.tensors, prefix, 'weight_ih_l0', weightsPath);
    original = unwrapped.original;
    try {
      net = netFromStateDict(arch, unwrapped.tensors, weightsPath);
    } catch (err) {
      throw underPrefix(err, prefix);
    }
  } finally {
    tf.dispose(Object.values(weights.tensors));
  }
  let inputs: Record<string, tf.Tensor> = {};
  try {
    inputs = (await load(inputPath, 'input')).tensors;
    const { x, y } = inputs;
    const D = net.spec.inputSize;
    const O = net.spec.outputSize;
    if (x === undefined) throw new FileFormatError(`${inputPath}: expected a tensor named "x" [T, B, ${D}], found none (tensors: ${Object.keys(inputs).sort().join(', ') || 'none'})`);
    if (y === undefined) throw new FileFormatError(`${inputPath}: expected a tensor named "y" [B, ${O}], found none (tensors: ${Object.keys(inputs).sort().join(', ') || 'none'})`);
    for (const [name, t] of [['x', x], ['y', y]] as const) {
      if (t.dtype !== 'float32') throw new FileFormatError(`${inputPath}: expected "${name}" to hold floating-point values, got dtype ${t.dtype}`);
    }
    if (x.rank !== 3 || x.shape[2] !== D || x.shape[0] === 0 || x.shape[1] === 0) {
      throw new ShapeError(`${inputPath}: expected "x" to have shape [T, B, ${D}] (time-major; D = ${D} from weight_ih_l0), got ${describeValue(x.shape)}`);
    }
    if (y.rank !== 2 || y.shape[0] !== x.shape[1] || y.shape[1] !== O) {
      throw new ShapeError(`${inputPath}: expected "y" to have shape [${x.shape[1]}, ${O}] (batch of x × outputs of head.weight), got ${describeValue(y.shape)}`);
    }
    const probe = probeGradientFlow(net, x, y, { loss, jacobian });
    try {
      const csv = join(outDir, 'time-gradients.csv');
      const gradsFile = join(outDir, 'grads.safetensors');
      const json = join(outDir, 'probe.json');
      await writeCsv(csv, probe.rows, probe.columns);
      await saveSafetensors(gradsFile, rename(probe.grads, original, prefix), { format: 'pt', gradlab_content: 'gradients', gradlab_loss: loss });
      const gradNorm = globalNorm(probe.grads);
      const summary = {
        arch,
        loss_name: loss,
        loss: probe.loss,
        grad_norm: gradNorm,
        steps: x.shape[0],
        batch: x.shape[1],
        input_size: D,
        hidden_size: net.spec.hiddenSize,
        num_layers: net.spec.numLayers,
        output_size: O,
        backend: backend.name,
        weights: weightsPath,
        input: inputPath,
        ...(prefix === '' ? {} : { prefix }),
      };
      await writeFileAtomic(json, `${JSON.stringify(summary, jsonNumber, 2)}\n`);
      const first = probe.rows[0]!['grad_h_l2'] as number;
      const last = probe.rows[probe.rows.length - 1]!['grad_h_l2'] as number;
      io.stdout.write(
        `probe: ${arch}, T = ${x.shape[0]}, B = ${x.shape[1]}: loss ${fmt(probe.loss)}, ‖∂L/∂θ‖ ${fmt(gradNorm)}, ` +
          `‖∂L/∂h_t‖ ${fmt(first)} at t = 0 … ${fmt(last)} at t = ${x.shape[0]! - 1}\n` +
          `  wrote ${csv}, ${gradsFile}, ${json}\n`,
      );
    } finally {
      probe.dispose();
    }
  } finally {
    tf.dispose(Object.values(inputs));
    net.dispose();
  }
}

async function probeMLP(
  run: ProbeRun,
  loss: (typeof MLP_PROBE_LOSSES)[number],
  options: { activation: ActivationName | undefined; residual: true | undefined; mode: 'train' | 'eval' },
): Promise<void> {
  const { weightsPath, inputPath, outDir, prefix, backend, io } = run;
  const weights = await load(weightsPath, 'weights');
  let net;
  let original: Record<string, string>;
  try {
    if (options.activation === undefined && weights.metadata['gradlab_activation'] === undefined) {
      throw new ValidationError(
        `probe: expected --activation ${ACTIVATION_NAMES.join('|')} for --arch mlp (a state_dict does not record the activation modules, and ${weightsPath} has no gradlab_activation metadata)`,
      );
    }
    const unwrapped = unwrap(weights.tensors, prefix, '0.weight', weightsPath);
    original = unwrapped.original;
    try {
      net = mlpFromStateDict(unwrapped.tensors, weightsPath, { activation: options.activation, residual: options.residual, metadata: weights.metadata });
    } catch (err) {
      throw underPrefix(err, prefix);
    }
  } finally {
    tf.dispose(Object.values(weights.tensors));
  }
  const sizes = net.spec.layerSizes;
  const batchNorm = net.spec.norm === 'batch';
  const weightName = (l: number) => original[`${l * (batchNorm ? 3 : 2)}.weight`]!;
  let inputs: Record<string, tf.Tensor> = {};
  try {
    inputs = (await load(inputPath, 'input')).tensors;
    const { x, y } = inputs;
    const D = sizes[0]!;
    const O = sizes[sizes.length - 1]!;
    const names = `tensors: ${Object.keys(inputs).sort().join(', ') || 'none'}`;
    const yWant = loss === 'mse' ? `[B, ${O}]` : '[B] (class indices)';
    if (x === undefined) throw new FileFormatError(`${inputPath}: expected a tensor named "x" [B, ${D}], found none (${names})`);
    if (y === undefined) throw new FileFormatError(`${inputPath}: expected a tensor named "y" ${yWant}, found none (${names})`);
    if (x.dtype !== 'float32') throw new FileFormatError(`${inputPath}: expected "x" to hold floating-point values, got dtype ${x.dtype}`);
    if (x.rank !== 2 || x.shape[1] !== D || x.shape[0] === 0) {
      throw new ShapeError(`${inputPath}: expected "x" to have shape [B, ${D}] (D = in_features of "${weightName(0)}"), got ${describeValue(x.shape)}`);
    }
    const B = x.shape[0]!;
    const last = weightName(sizes.length - 2);
    if (loss === 'mse') {
      if (y.dtype !== 'float32') throw new FileFormatError(`${inputPath}: expected "y" to hold floating-point values (mse targets), got dtype ${y.dtype}`);
      if (y.rank !== 2 || y.shape[0] !== B || y.shape[1] !== O) {
        throw new ShapeError(`${inputPath}: expected "y" to have shape [${B}, ${O}] (batch of x × out_features of "${last}"), got ${describeValue(y.shape)}`);
      }
    } else {
      if (y.dtype !== 'int32') throw new FileFormatError(`${inputPath}: expected "y" to hold integer class indices (softmax-cross-entropy), got dtype ${y.dtype}`);
      if (y.rank !== 1 || y.shape[0] !== B) throw new ShapeError(`${inputPath}: expected "y" to have shape [${B}] (one class index per row of x), got ${describeValue(y.shape)}`);
      const labels = y.dataSync();
      const bad = labels.findIndex((v) => v < 0 || v >= O);
      if (bad >= 0) throw new FileFormatError(`${inputPath}: expected "y" to hold class indices in [0, ${O}) (out_features of "${last}"), got ${labels[bad]} at index [${bad}]`);
    }
    const training = options.mode === 'train';
    if (batchNorm && training && B < 2) {
      throw new ShapeError(`${inputPath}: expected at least 2 rows in "x" for batch norm in train mode (PyTorch refuses one), got ${describeValue(x.shape)}; pass --mode eval`);
    }
    const g = net.gradients(x, y, loss, { training });
    const dLogits = tf.tidy(() => tf.grad((o: tf.Tensor) => lossByName(loss, o, y))(net.forward(x, { training })));
    const sd = mlpToStateDict(net, g.grads);
    try {
      const outputGrads = [...g.activationGrads, dLogits];
      const rows: CsvRow[] = sizes.slice(0, -1).map((inFeatures, l) => ({
        layer: l,
        weight: weightName(l),
        in_features: inFeatures,
        out_features: sizes[l + 1]!,
        grad_w_l2: l2(g.grads[`layer${l}.weight`]!),
        grad_h_l2: l2(outputGrads[l]!),
      }));
      const csv = join(outDir, 'layer-gradients.csv');
      const gradsFile = join(outDir, 'grads.safetensors');
      const json = join(outDir, 'probe.json');
      await writeCsv(csv, rows, MLP_PROBE_COLUMNS);
      await saveSafetensors(gradsFile, rename(sd, original, prefix), { format: 'pt', gradlab_content: 'gradients', gradlab_loss: loss });
      const gradNorm = Math.sqrt(Object.values(g.grads).reduce((s, t) => s + l2(t) ** 2, 0));
      const summary = {
        arch: 'mlp',
        loss_name: loss,
        loss: g.loss,
        grad_norm: gradNorm,
        batch: B,
        layer_sizes: sizes,
        activation: net.spec.activation,
        norm: net.spec.norm,
        residual: net.spec.residual,
        mode: options.mode,
        backend: backend.name,
        weights: weightsPath,
        input: inputPath,
        ...(prefix === '' ? {} : { prefix }),
      };
      await writeFileAtomic(json, `${JSON.stringify(summary, jsonNumber, 2)}\n`);
      const first = rows[0]!['grad_w_l2'] as number;
      const top = rows[rows.length - 1]!['grad_w_l2'] as number;
      io.stdout.write(
        `probe: mlp [${sizes.join(', ')}] (${net.spec.activation}${batchNorm ? `, batch norm in ${options.mode} mode` : ''}${net.spec.residual ? ', residual' : ''}), B = ${B}: ` +
          `loss ${fmt(g.loss)}, ‖∂L/∂θ‖ ${fmt(gradNorm)}, ‖∂L/∂W_l‖ ${fmt(first)} at layer 0 … ${fmt(top)} at layer ${rows.length - 1}\n` +
          `  wrote ${csv}, ${gradsFile}, ${json}\n`,
      );
    } finally {
      g.dispose();
      tf.dispose([dLogits, ...Object.values(sd)]);
    }
  } finally {
    tf.dispose(Object.values(inputs));
    net.dispose();
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(4) : String(v);
}

/** JSON has no NaN / Infinity: write them as strings. */
function jsonNumber(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}
