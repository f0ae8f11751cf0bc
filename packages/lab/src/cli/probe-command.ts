/**
 * `gradlab probe`: the gradient flow through time of a saved PyTorch-format recurrent model.
 *
 *   gradlab probe --arch rnn-tanh|rnn-relu|lstm|gru --weights W.safetensors --input X.safetensors
 *                 [--loss last-mse] --out DIR [--backend tensorflow|wasm|cpu] [--no-jacobian]
 *
 * W holds an `nn.RNN` / `nn.LSTM` / `nn.GRU` state_dict (`weight_ih_l0`, `weight_hh_l0`,
 * `bias_ih_l0`, `bias_hh_l0`, `_l1` … for stacked layers) and an `nn.Linear` readout
 * (`head.weight` [O, H], `head.bias` [O]); X holds `x` [T, B, D] (time-major, as PyTorch's
 * default) and `y` [B, O]. Writes `DIR/time-gradients.csv` (t, lag, grad_h_l2 = ‖∂L/∂h_t‖ over
 * batch × hidden of the top layer, grad_c_l2 for the LSTM, jac_l2 = mean ‖∂h_{T−1}/∂h_t‖₂, gate
 * means), `DIR/grads.safetensors` (∂L/∂θ under the weights' names) and `DIR/probe.json` (the
 * loss and the model's sizes). Bad input: a `GradlabError` (the CLI prints one line, exit 2).
 *
 * Cross-check against PyTorch autograd: `tests/torch/rnn_probe_reference.py`.
 */
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BACKEND_NAMES,
  FileFormatError,
  GradlabError,
  ShapeError,
  ValidationError,
  loadSafetensors,
  describeValue,
  globalNorm,
  initBackend,
  parseOptions,
  saveSafetensors,
  tf,
  writeFileAtomic,
  type BackendName,
} from '@gradlab/core';
import { z } from 'zod';
import { writeCsv } from '../io/csv.js';
import { PROBE_LOSSES, TORCH_ARCHS, netFromStateDict, probeGradientFlow } from '@gradlab/rnn';
import type { ProbeLoss, RecurrentArch } from '@gradlab/rnn';

/** Help text of `gradlab probe`. */
export const PROBE_HELP = `gradlab probe — gradient flow through time of a saved PyTorch-format recurrent model

usage: gradlab probe --arch ARCH --weights W.safetensors --input X.safetensors --out DIR [options]

  --arch ARCH         ${TORCH_ARCHS.join(' | ')} (nn.RNN tanh/relu, nn.LSTM, nn.GRU)
  --weights FILE      safetensors with the state_dict (weight_ih_l0, …) and head.weight, head.bias
  --input FILE        safetensors with x [T, B, D] (time-major) and y [B, O]
  --loss LOSS         ${PROBE_LOSSES.join(' | ')} (default last-mse: MSE of head(h_T) against y)
  --out DIR           writes DIR/time-gradients.csv, DIR/grads.safetensors, DIR/probe.json
  --backend NAME      ${BACKEND_NAMES.join(' | ')} (default: GRADLAB_BACKEND or the fastest that loads)
  --no-jacobian       skip jac_l2 = ‖∂h_{T−1}/∂h_t‖₂ (it costs T backward steps at batch H·B)
  -h, --help          this text
`;

/** Files `gradlab probe` writes into --out. */
export const PROBE_OUTPUTS = ['time-gradients.csv', 'grads.safetensors', 'probe.json'] as const;

const OPTIONS = {
  arch: { type: 'string' },
  weights: { type: 'string' },
  input: { type: 'string' },
  loss: { type: 'string' },
  out: { type: 'string' },
  backend: { type: 'string' },
  'no-jacobian': { type: 'boolean' },
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
  '--arch': choice(TORCH_ARCHS),
  '--loss': choice(PROBE_LOSSES as unknown as readonly [ProbeLoss, ...ProbeLoss[]]),
  '--backend': choice(BACKEND_NAMES as unknown as readonly [BackendName, ...BackendName[]]).optional(),
});

function required(value: string | undefined, option: string, example: string): string {
  if (value === undefined || value.trim() === '') throw new ValidationError(`probe: expected --${option} ${example} (it is required; see gradlab probe --help)`);
  return value;
}

/**
 * Loads a safetensors file (floats become float32; NaN / ±Infinity refused, naming the tensor
 * and index), mapping an unreadable path (missing, a directory, no permission) to a one-line error.
 */
async function load(path: string, option: string): Promise<Record<string, tf.Tensor>> {
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
    return (await loadSafetensors(path, { nonFinite: 'reject' })).tensors;
  } catch (err) {
    if (err instanceof GradlabError) throw err;
    throw unreadable(err);
  }
}

/**
 * Runs `gradlab probe` (argv after the word `probe`).
 * @param argv options, e.g. ['--arch', 'lstm', '--weights', 'w.safetensors', '--input', 'x.safetensors', '--out', 'probe/']
 * @param io where the one-paragraph summary goes
 * @throws GradlabError (one line, the CLI exits 2) for a missing or unknown option, an unknown
 *   arch or loss, an unreadable or malformed file, a missing / extra / misshapen tensor
 */
export async function runProbeCommand(argv: readonly string[], io: ProbeIo): Promise<void> {
  const { values, positionals } = parse(argv);
  if (values.help === true) {
    io.stdout.write(PROBE_HELP);
    return;
  }
  if (positionals.length > 0) throw new ValidationError(`probe: unexpected argument ${JSON.stringify(positionals[0])}; every input is an option (see gradlab probe --help)`);
  const archValue = required(values.arch, 'arch', `${TORCH_ARCHS.join('|')}`);
  const weightsPath = required(values.weights, 'weights', 'W.safetensors');
  const inputPath = required(values.input, 'input', 'X.safetensors');
  const outDir = required(values.out, 'out', 'DIR');
  const choices = parseOptions('probe', choicesSchema, { '--arch': archValue, '--loss': values.loss ?? 'last-mse', '--backend': values.backend });
  const arch = choices['--arch'];
  const loss = choices['--loss'];
  const backend = await initBackend({ backend: choices['--backend'] });

  const weights = await load(weightsPath, 'weights');
  let net;
  try {
    net = netFromStateDict(arch as RecurrentArch, weights, weightsPath);
  } finally {
    tf.dispose(Object.values(weights));
  }
  let inputs: Record<string, tf.Tensor> = {};
  try {
    inputs = await load(inputPath, 'input');
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
    const probe = probeGradientFlow(net, x, y, { loss, jacobian: values['no-jacobian'] !== true });
    try {
      const csv = join(outDir, 'time-gradients.csv');
      const gradsFile = join(outDir, 'grads.safetensors');
      const json = join(outDir, 'probe.json');
      await writeCsv(csv, probe.rows, probe.columns);
      await saveSafetensors(gradsFile, probe.grads, { format: 'pt', gradlab_content: 'gradients', gradlab_loss: loss });
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

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(4) : String(v);
}

/** JSON has no NaN / Infinity: write them as strings. */
function jsonNumber(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}
