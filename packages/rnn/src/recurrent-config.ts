/**
 * Configuration of the recurrent networks: cell type, sizes, nonlinearity, initialisation of
 * the input, recurrent and bias parameters, and the LSTM forget-gate bias.
 *
 * Defaults follow PyTorch (`nn.RNN`, `nn.LSTM`, `nn.GRU`: every weight and bias drawn from
 * U(−1/√H, 1/√H)) except the LSTM forget-gate bias, which defaults to 1 as recommended by
 * Gers, Schmidhuber & Cummins (2000) and Jozefowicz, Zaremba & Sutskever (2015). The recurrent
 * matrix can instead be orthogonal (Saxe et al. 2014), the identity (IRNN: Le, Jaitly & Hinton
 * 2015), scaled by a gain (W = s·Q, Pascanu, Mikolov & Bengio 2013) or rescaled to a spectral
 * radius (Jaeger 2001).
 */

import { INIT_NAMES, dropoutRate, finiteNumber, invalidArgument, nonNegativeNumber, oneOf, parseOptions, positiveInt, type InitName } from '@gradlab/core';
import { z } from 'zod';

/** The recurrent cell types. */
export const CELL_TYPES = ['rnn', 'lstm', 'gru'] as const;
/** A recurrent cell type. */
export type CellType = (typeof CELL_TYPES)[number];

/**
 * Nonlinearities of the simple RNN. PyTorch's `nn.RNN` has 'tanh' and 'relu'; 'sigmoid' and
 * 'linear' are gradlab extensions for the vanishing-gradient study (they cannot be saved in a
 * form `nn.RNN` loads).
 */
export const RNN_NONLINEARITIES = ['tanh', 'relu', 'sigmoid', 'linear'] as const;
/** A simple-RNN nonlinearity. */
export type RNNNonlinearity = (typeof RNN_NONLINEARITIES)[number];

/** Initialisation schemes: PyTorch's default U(±1/√H), or any core initialiser. */
export const RECURRENT_INIT_NAMES = ['pytorch', ...INIT_NAMES] as const;
/** An initialisation scheme name. */
export type RecurrentInitName = 'pytorch' | InitName;

/** Options shared by {@link RNN}, {@link LSTM} and {@link GRU}. */
export interface RecurrentConfig {
  /** Features per time step D (a positive integer). */
  inputSize: number;
  /** Hidden units per layer H (a positive integer; typical 16–512). */
  hiddenSize: number;
  /** Outputs of the linear readout O (`head.weight` [O, H]); default 1. */
  outputSize?: number;
  /** Stacked recurrent layers; default 1. */
  numLayers?: number;
  /** Initialisation of `weight_ih_l*`; default 'pytorch' (U(±1/√H)). */
  inputInit?: RecurrentInitName;
  /**
   * Initialisation of each gate block [H, H] of `weight_hh_l*`; default 'pytorch'. 'orthogonal'
   * gives W = gain·Q; 'identity' gives gain·I (IRNN with nonlinearity 'relu').
   */
  recurrentInit?: RecurrentInitName;
  /** Multiplies every recurrent gate block after initialisation (the s of W = s·Q); default 1. */
  recurrentGain?: number;
  /**
   * If set, each recurrent gate block is rescaled to this spectral radius ρ(W) after the gain
   * (Jaeger 2001); typical 0.5–1.5. Default: not rescaled.
   */
  spectralRadius?: number;
  /** Initialisation of the biases: 'pytorch' (U(±1/√H)) or 'zeros'; default 'pytorch'. */
  biasInit?: 'pytorch' | 'zeros';
  /** Initialisation of `head.weight`; default 'pytorch' (U(±1/√H), as `nn.Linear`). */
  headInit?: RecurrentInitName;
  /**
   * Inverted-dropout rate p in [0, 1) on the outputs of every recurrent layer except the last,
   * in training mode only: the `dropout` argument of `nn.RNN` / `nn.LSTM` / `nn.GRU` (a fresh
   * mask per step, batch row and unit). Default 0; must be 0 when numLayers is 1.
   */
  dropout?: number;
}

/** Defaults of {@link RecurrentConfig}. */
export const RECURRENT_DEFAULTS = Object.freeze({
  outputSize: 1,
  numLayers: 1,
  inputInit: 'pytorch',
  recurrentInit: 'pytorch',
  recurrentGain: 1,
  biasInit: 'pytorch',
  headInit: 'pytorch',
  dropout: 0,
} as const);

/** Default nonlinearity of {@link RNN} (as `nn.RNN`). */
export const DEFAULT_RNN_NONLINEARITY: RNNNonlinearity = 'tanh';
/** Default LSTM forget-gate bias (Gers et al. 2000; Jozefowicz et al. 2015). */
export const DEFAULT_FORGET_BIAS = 1;

const initName = () => oneOf(RECURRENT_INIT_NAMES as unknown as readonly [string, ...string[]]);

/** Zod schema of the shared options. */
export const recurrentConfigShape = {
  inputSize: positiveInt(),
  hiddenSize: positiveInt(),
  outputSize: positiveInt().default(RECURRENT_DEFAULTS.outputSize),
  numLayers: positiveInt().default(RECURRENT_DEFAULTS.numLayers),
  inputInit: initName().default(RECURRENT_DEFAULTS.inputInit),
  recurrentInit: initName().default(RECURRENT_DEFAULTS.recurrentInit),
  recurrentGain: finiteNumber().default(RECURRENT_DEFAULTS.recurrentGain),
  spectralRadius: nonNegativeNumber().optional(),
  biasInit: oneOf(['pytorch', 'zeros'] as const).default(RECURRENT_DEFAULTS.biasInit),
  headInit: initName().default(RECURRENT_DEFAULTS.headInit),
  dropout: dropoutRate().default(RECURRENT_DEFAULTS.dropout),
};

/** A validated configuration with defaults filled in, plus the cell-specific fields. */
export interface RecurrentSpec {
  cell: CellType;
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  numLayers: number;
  inputInit: RecurrentInitName;
  recurrentInit: RecurrentInitName;
  recurrentGain: number;
  spectralRadius: number | undefined;
  biasInit: 'pytorch' | 'zeros';
  headInit: RecurrentInitName;
  /** Dropout rate between stacked layers (training only). */
  dropout: number;
  /** Simple RNN only. */
  nonlinearity: RNNNonlinearity;
  /** LSTM only: the forget-gate bias (bias_ih f-block; bias_hh f-block is 0). */
  forgetBias: number;
}

/** Options of {@link RNN}. */
export interface RNNConfig extends RecurrentConfig {
  /** 'tanh' (default), 'relu', 'sigmoid' or 'linear'. */
  nonlinearity?: RNNNonlinearity;
}

/** Options of {@link LSTM}. */
export interface LSTMConfig extends RecurrentConfig {
  /** Forget-gate bias b_f (finite; default 1; 0 is PyTorch-like up to the random init). */
  forgetBias?: number;
}

/** Options of {@link GRU}. */
export type GRUConfig = RecurrentConfig;

const rnnSchema = z.strictObject({ ...recurrentConfigShape, nonlinearity: oneOf(RNN_NONLINEARITIES).default(DEFAULT_RNN_NONLINEARITY) });
const lstmSchema = z.strictObject({ ...recurrentConfigShape, forgetBias: finiteNumber().default(DEFAULT_FORGET_BIAS) });
const gruSchema = z.strictObject(recurrentConfigShape);

/**
 * Validates a configuration for `cell` and fills in defaults.
 * @throws ValidationError naming the bad field, e.g. `LSTM: expected hiddenSize to be a positive integer, got 12.5`
 */
export function parseRecurrentConfig(cell: CellType, config: unknown): RecurrentSpec {
  const spec = parseByCell(cell, config);
  if (spec.dropout > 0 && spec.numLayers === 1) {
    // PyTorch only warns here; a rate that can never act is more likely a mistake than intended.
    throw invalidArgument(cell === 'rnn' ? 'RNN' : cell.toUpperCase(), 'dropout', spec.dropout, '0 when numLayers is 1 (dropout acts between stacked layers)');
  }
  return spec;
}

function parseByCell(cell: CellType, config: unknown): RecurrentSpec {
  if (cell === 'rnn') {
    const c = parseOptions('RNN', rnnSchema, config);
    return { ...c, cell, spectralRadius: c.spectralRadius, forgetBias: 0 } as RecurrentSpec;
  }
  if (cell === 'lstm') {
    const c = parseOptions('LSTM', lstmSchema, config);
    return { ...c, cell, spectralRadius: c.spectralRadius, nonlinearity: 'tanh' } as RecurrentSpec;
  }
  const c = parseOptions('GRU', gruSchema, config);
  return { ...c, cell, spectralRadius: c.spectralRadius, nonlinearity: 'tanh', forgetBias: 0 } as RecurrentSpec;
}

/** Number of gate blocks of a cell type: 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n). */
export function gateCount(cell: CellType): number {
  return cell === 'rnn' ? 1 : cell === 'lstm' ? 4 : 3;
}
