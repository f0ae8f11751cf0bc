/**
 * time-gradients — how does the gradient ‖∂L_T/∂h_t‖ decay (or grow) with the lag T − t, for a
 * simple RNN across recurrent scales and nonlinearities, against the LSTM and the GRU?
 *
 * Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks",
 * sect. 3.1: for h_t = σ(W h_{t−1} + W_in u_t) every step Jacobian is diag(σ'(z_t))·W, so
 * ‖∂h_T/∂h_t‖ ≤ η^{T−t} with η = ‖W‖·γ, γ = sup|σ'| (1 for tanh and linear, 1/4 for the
 * sigmoid): η < 1 is sufficient for vanishing gradients; for linear units η = ‖W‖ exactly
 * describes the growth. Here W = s·Q with Q a random orthogonal matrix (‖W‖₂ = ρ(W) = s),
 * s ∈ {0.25, 0.5, 0.9, 1, 1.1, 1.5, 4}; inputs u_t ~ N(0, 1); no biases; the loss is the MSE
 * of a linear readout of h_T against N(0, 1) targets. Beside them: LSTMs with forget bias 0 and
 * 1 (Hochreiter & Schmidhuber 1997; Gers et al. 2000) and a GRU (Cho et al. 2014) with PyTorch's
 * initialisation.
 *
 * One row per (model, s, forget bias, seed, step t): ‖∂L/∂h_t‖ by explicit BPTT (float32, so it
 * underflows to 0 past ~1e−38), ‖∂h_T/∂h_t‖₂ (batch mean and max, by explicit Jacobian products
 * with a float64 log-scale: no underflow), ‖∂L/∂c_t‖ for the LSTM, and for the RNN γ, η and the
 * bound η^{lag}. The test suite checks that the bound is never violated where η < 1.
 */
import { Rng, oneOf, positiveInt, positiveNumber, tf } from '@gradlab/core';
import { z, defineExperiment, lineChart, type Row } from '@gradlab/lab';
import { GRU, LSTM, RNN, bptt, jacobianNorms } from '@gradlab/rnn';
import type { RecurrentNet } from '@gradlab/rnn';
import { timeGradientsFinding } from './findings/time-gradients.js';

/** Simple-RNN nonlinearities compared, with γ = sup|σ'|. */
export const TIME_ACTIVATIONS = { linear: 1, tanh: 1, sigmoid: 0.25 } as const;

const configSchema = z.strictObject({
  /** Seeds: each draws its own weights (Q), inputs and targets. */
  seeds: z.array(z.number().int()).min(1),
  /** Hidden units H (Pascanu et al. used 50). */
  hidden: positiveInt(),
  /** Sequence length T; lags run 0 … T−1. */
  steps: positiveInt(),
  /** Sequences per batch (norms are over the batch; the Jacobian norm is averaged over it). */
  batch: positiveInt(),
  /** Input features per step. */
  inputSize: positiveInt(),
  /** Recurrent scales s (W = s·Q). */
  scales: z.array(positiveNumber()).min(1),
  /** Simple-RNN nonlinearities. */
  activations: z.array(oneOf(['linear', 'tanh', 'sigmoid'] as const)),
  /** LSTM forget-gate biases (empty: no LSTM). */
  forgetBiases: z.array(z.number().finite()),
  /** Include a GRU. */
  gru: z.boolean(),
});

/** Configuration of time-gradients. */
export type TimeGradientsConfig = z.output<typeof configSchema>;

/** Columns of time-gradients.csv. */
export const TIME_GRADIENT_COLUMNS = [
  'model',
  'rho',
  'forget_bias',
  'seed',
  't',
  'lag',
  'grad_l2',
  'jac_l2',
  'jac_max',
  'grad_c_l2',
  'gamma',
  'eta',
  'bound',
] as const;

type Cell = { model: string; rho: number | ''; forget_bias: number | '' };

function build(cell: Cell, config: TimeGradientsConfig, rng: Rng): RecurrentNet {
  const base = { inputSize: config.inputSize, hiddenSize: config.hidden, outputSize: 1 };
  if (cell.model === 'lstm') return new LSTM({ ...base, forgetBias: cell.forget_bias as number }, rng);
  if (cell.model === 'gru') return new GRU(base, rng);
  const nonlinearity = cell.model.slice(4) as keyof typeof TIME_ACTIVATIONS;
  return new RNN({ ...base, nonlinearity, recurrentInit: 'orthogonal', recurrentGain: cell.rho as number, biasInit: 'zeros' }, rng);
}

/** Runs one cell: returns a row per step t. */
export function timeGradientRows(cell: Cell & { seed: number }, config: TimeGradientsConfig, rng: Rng): Row[] {
  const T = config.steps;
  const B = config.batch;
  // Inputs and targets depend on the seed only, so every model of a seed sees the same data.
  const data = new Rng(cell.seed).fork('time-gradients/data');
  const x = data.fork('x').normalTensor([T, B, config.inputSize]);
  const y = data.fork('y').normalTensor([B, 1]);
  const net = build(cell, config, rng.fork('init'));
  try {
    const g = bptt(net, x, y, { loss: 'mse', at: 'last' });
    g.dispose();
    const jac = jacobianNorms(net, x);
    const isRnn = cell.model.startsWith('rnn-');
    const gamma = isRnn ? TIME_ACTIVATIONS[cell.model.slice(4) as keyof typeof TIME_ACTIVATIONS] : NaN;
    const eta = isRnn ? (cell.rho as number) * gamma : NaN;
    const rows: Row[] = [];
    for (let t = 0; t < T; t++) {
      const lag = T - 1 - t;
      rows.push({
        t,
        lag,
        grad_l2: g.gradH[t]!,
        jac_l2: jac.mean[t]!,
        jac_max: jac.max[t]!,
        grad_c_l2: g.gradC.length > 0 ? g.gradC[t]! : '',
        gamma: isRnn ? gamma : '',
        eta: isRnn ? eta : '',
        bound: isRnn ? eta ** lag : '',
      });
    }
    return rows;
  } finally {
    tf.dispose([x, y]);
    net.dispose();
  }
}

/** File name of the one-panel plot comparing the tanh RNN with the LSTM and the GRU. */
export const GRAD_VS_LAG_RNN_VS_LSTM = 'grad-vs-lag-rnn-vs-lstm.svg';

/** Legend label of a gated model's row. */
function gatedLabel(r: Row): string {
  return r['model'] === 'lstm' ? `LSTM, forget bias ${r['forget_bias']}` : String(r['model']).toUpperCase();
}

/**
 * The recurrent scales the RNN-vs-LSTM plot shows: the largest below 1, 1 itself, and the
 * smallest above 1, among those run (the edge of the vanishing regime and both sides of it).
 */
export function comparedScales(scales: readonly number[]): number[] {
  const below = scales.filter((s) => s < 1);
  const above = scales.filter((s) => s > 1);
  const picked = [below.length > 0 ? Math.max(...below) : undefined, scales.includes(1) ? 1 : undefined, above.length > 0 ? Math.min(...above) : undefined];
  return picked.filter((s): s is number => s !== undefined);
}

/** The time-gradients experiment. */
export const timeGradients = defineExperiment<TimeGradientsConfig, Cell>({
  finding: timeGradientsFinding,
  name: 'time-gradients',
  description:
    'How does ‖∂L/∂h_t‖ decay with the lag T − t for a simple RNN with W = s·Q across s and nonlinearities (Pascanu et al. 2013: vanishing when s·γ < 1), against the LSTM and the GRU?',
  configSchema,
  sizes: {
    quick: { seeds: [1], hidden: 32, steps: 100, batch: 4, inputSize: 4, scales: [0.25, 0.5, 0.9, 1, 1.1, 1.5, 4], activations: ['linear', 'tanh', 'sigmoid'], forgetBiases: [0, 1], gru: true },
    full: { seeds: [1, 2, 3], hidden: 50, steps: 200, batch: 16, inputSize: 4, scales: [0.25, 0.5, 0.9, 1, 1.1, 1.5, 4], activations: ['linear', 'tanh', 'sigmoid'], forgetBiases: [0, 1], gru: true },
  },
  grid: (c) => [
    ...c.activations.flatMap((a) => c.scales.map((s): Cell => ({ model: `rnn-${a}`, rho: s, forget_bias: '' }))),
    ...c.forgetBiases.map((fb): Cell => ({ model: 'lstm', rho: '', forget_bias: fb })),
    ...(c.gru ? [{ model: 'gru', rho: '', forget_bias: '' } as Cell] : []),
  ],
  columns: TIME_GRADIENT_COLUMNS,
  run: (cell, config, ctx) => timeGradientRows(cell, config, ctx.rng),
  summary: { by: ['model', 'rho', 'forget_bias', 't', 'lag'], values: ['grad_l2', 'jac_l2', 'jac_max', 'grad_c_l2'] },
  plots: (rows, config) => {
    const seeds = config.seeds.length;
    // Several seeds: each line is the seed mean, the shaded band spans the seeds (log axes: min–max).
    const band = seeds > 1 ? ('minmax' as const) : ('none' as const);
    const over = seeds > 1 ? `; mean over ${seeds} seeds, band min–max` : '';
    const rnnRows = rows.filter((r) => String(r['model']).startsWith('rnn-'));
    const gated = rows
      .filter((r) => !String(r['model']).startsWith('rnn-'))
      .map((r) => ({ lag: r['lag']!, grad_l2: r['grad_l2']!, variant: gatedLabel(r) }));
    const rnnChart = (y: 'grad_l2' | 'jac_l2', title: string, yTitle: string) =>
      lineChart({
        data: rnnRows.map((r) => ({ lag: r['lag']!, [y]: r[y]!, s: `s = ${r['rho']}`, activation: String(r['model']).slice(4) })),
        x: 'lag',
        y,
        color: 's',
        facetColumn: 'activation',
        logY: true,
        band,
        points: false,
        title,
        subtitle: `W_hh = s·Q (Q orthogonal), H = ${config.hidden}, T = ${config.steps}; vanishing guaranteed when s·γ < 1 (γ = 1/4 for sigmoid)${over}`,
        xTitle: 'lag T − t',
        yTitle,
      });
    const shown = comparedScales(config.scales);
    const versus = rows
      .filter((r) => !String(r['model']).startsWith('rnn-') || (r['model'] === 'rnn-tanh' && shown.includes(r['rho'] as number)))
      .map((r) => ({ lag: r['lag']!, grad_l2: r['grad_l2']!, model: r['model'] === 'rnn-tanh' ? `tanh RNN, s = ${r['rho']}` : gatedLabel(r) }));
    return [
      { file: 'grad-vs-lag-rnn.svg', spec: rnnChart('grad_l2', 'Simple RNN: ‖∂L/∂h_t‖ against lag (float32; 0 where it underflowed)', '‖∂L/∂h_t‖ (log scale)') },
      { file: 'jacobian-vs-lag-rnn.svg', spec: rnnChart('jac_l2', 'Simple RNN: ‖∂h_T/∂h_t‖₂ against lag', '‖∂h_T/∂h_t‖₂, batch mean (log scale)') },
      {
        file: 'grad-vs-lag-gated.svg',
        spec: lineChart({
          data: gated,
          x: 'lag',
          y: 'grad_l2',
          color: 'variant',
          logY: true,
          band,
          points: false,
          title: 'LSTM and GRU: ‖∂L/∂h_t‖ against lag',
          ...(over === '' ? {} : { subtitle: over.slice(2) }),
          xTitle: 'lag T − t',
          yTitle: '‖∂L/∂h_t‖ (log scale)',
        }),
      },
      {
        file: GRAD_VS_LAG_RNN_VS_LSTM,
        spec: lineChart({
          data: versus,
          x: 'lag',
          y: 'grad_l2',
          color: 'model',
          logY: true,
          band,
          points: false,
          width: 420,
          height: 260,
          title: 'Gradient ‖∂L/∂h_t‖ against lag at initialisation: tanh RNN vs LSTM vs GRU',
          subtitle: `H = ${config.hidden}, T = ${config.steps}, loss at the last step; tanh RNN with W_hh = s·Q${over}`,
          xTitle: 'lag T − t (steps back from the loss)',
          yTitle: '‖∂L/∂h_t‖ (log scale)',
          colorTitle: 'model',
        }),
      },
    ];
  },
});
