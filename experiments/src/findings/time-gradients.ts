/**
 * time-gradients against Bengio, Simard & Frasconi (1994) and Pascanu, Mikolov & Bengio
 * (2013): for h_t = σ(W h_{t−1} + …) with η = ‖W‖·γ < 1 the Jacobian product obeys
 * ‖∂h_T/∂h_t‖ ≤ η^{T−t} (geometric vanishing); for linear units with W = s·Q (Q orthogonal)
 * it is exactly s^{T−t}.
 */
import type { Row } from '@gradlab/lab';
import type { Finding, FindingFn, Verdict } from '@gradlab/lab';
import { distinct, fmt, mean, num, perSeed, select, seedsText } from './stats.js';

/** Relative slack of the bound check (float rounding of the CSV's 7 digits). */
export const BOUND_SLACK = 1e-3;
/** Largest relative error between the linear RNN's measured per-step rate and s. */
export const LINEAR_RATE_TOLERANCE = 0.02;
/** The lag at which the table reports ‖∂h_T/∂h_t‖ (or the longest lag when shorter). */
export const REPORT_LAG = 50;

/** Per-step rate of ‖∂h_T/∂h_t‖ over the whole sequence: (jac(L) / jac(0))^{1/L}. */
function rate(rs: readonly Row[]): number {
  const maxLag = Math.max(...rs.map((r) => num(r, 'lag')));
  const j0 = num(rs.find((r) => r['lag'] === 0), 'jac_l2');
  const jL = num(rs.find((r) => r['lag'] === maxLag), 'jac_l2');
  return maxLag > 0 && j0 > 0 ? (jL / j0) ** (1 / maxLag) : NaN;
}

/** True when jac_max ≤ η^lag at every lag (within the slack). */
function boundHolds(rs: readonly Row[]): boolean {
  return rs.every((r) => num(r, 'jac_max') <= num(r, 'bound') * (1 + BOUND_SLACK) + 1e-300);
}

function label(r: Row): string {
  if (String(r['model']).startsWith('rnn-')) return `${String(r['model']).slice(4)} RNN, s = ${r['rho']}`;
  return r['model'] === 'lstm' ? `LSTM, forget bias ${r['forget_bias']}` : String(r['model']).toUpperCase();
}

export const timeGradientsFinding: FindingFn = (rows, config): Finding => {
  const steps = config['steps'] as number;
  const lag = Math.min(REPORT_LAG, steps - 1);
  const cells = distinct(rows.map((r) => ({ ...r, cell: `${r['model']}|${r['rho']}|${r['forget_bias']}` })), 'cell').map(String);
  const table: string[][] = [];
  const vanishingCells: { name: string; holds: boolean }[] = [];
  const linear: { s: number; rate: number }[] = [];
  for (const cell of cells) {
    const [model, rho, fb] = cell.split('|');
    const rs = rows.filter((r) => r['model'] === model && String(r['rho']) === rho && String(r['forget_bias']) === fb);
    const first = rs[0]!;
    const eta = num(first, 'eta');
    const rates = perSeed(rs, rate);
    const atLag = mean(perSeed(select(rs, { lag }), (x) => num(x[0], 'jac_l2')));
    const holds = perSeed(rs, boundHolds).every(Boolean);
    if (eta < 1) vanishingCells.push({ name: label(first), holds });
    if (model === 'rnn-linear') linear.push({ s: Number(rho), rate: mean(rates) });
    table.push([
      label(first),
      Number.isNaN(eta) ? '—' : fmt(eta),
      fmt(mean(rates)),
      fmt(atLag),
      Number.isNaN(eta) ? '—' : fmt(eta ** lag),
      Number.isNaN(eta) ? '—' : eta < 1 ? (holds ? 'yes' : 'NO') : 'n/a (η ≥ 1)',
    ]);
  }
  const boundOk = vanishingCells.length > 0 && vanishingCells.every((c) => c.holds);
  const linearOk = linear.length > 0 && linear.every((l) => Math.abs(l.rate / l.s - 1) <= LINEAR_RATE_TOLERANCE);
  const verdict: Verdict = boundOk && (linearOk || linear.length === 0) ? (linear.length === 0 ? 'partly' : 'reproduced') : boundOk || linearOk ? 'partly' : 'not';
  const broken = vanishingCells.filter((c) => !c.holds).map((c) => c.name);
  const lstm1 = rows.filter((r) => r['model'] === 'lstm' && r['forget_bias'] === 1);
  const tanh1 = rows.filter((r) => r['model'] === 'rnn-tanh' && r['rho'] === 1);
  const seeds = (config['seeds'] as number[]).length;
  return {
    setup:
      `simple RNNs (${(config['activations'] as string[]).join('/')}) with W_hh = s·Q, s ∈ {${(config['scales'] as number[]).join(', ')}}, ` +
      `LSTMs with forget bias ${(config['forgetBiases'] as number[]).join('/')}${config['gru'] === true ? ', a GRU' : ''}; H = ${config['hidden']}, T = ${steps}, ` +
      `batch ${config['batch']}, loss at the last step, at initialisation, ${seedsText(seeds)}.`,
    keyNumbers: {
      columns: ['model', 'η = s·γ', 'per-step rate of ‖∂h_T/∂h_t‖', `‖∂h_T/∂h_t‖ at lag ${lag}`, `bound η^${lag}`, 'bound holds at every lag, every seed'],
      rows: table,
    },
    published: {
      paper:
        'Bengio, Simard & Frasconi (1994), "Learning long-term dependencies with gradient descent is difficult", IEEE TNN; Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks", ICML, Sect. 3.1',
      setup: 'h_t = σ(W h_{t−1} + W_in u_t), γ = sup|σ′| (1 for tanh, 1/4 for the sigmoid)',
      figure: 'η = ‖W‖·γ < 1 is sufficient for ‖∂h_T/∂h_t‖ ≤ η^{T−t} → 0 geometrically (vanishing); η > 1 is necessary for exploding; for linear units the rate is exactly ‖W‖',
    },
    ours:
      `the bound held in ${vanishingCells.filter((c) => c.holds).length} of ${vanishingCells.length} RNN settings with η < 1; ` +
      (linear.length > 0 ? `linear RNN per-step rates ${linear.map((l) => `${fmt(l.rate)} (s = ${l.s})`).join(', ')}; ` : '') +
      `per-step rate at initialisation: LSTM (forget bias 1) ${fmt(mean(perSeed(lstm1, rate)))}, tanh RNN s = 1 ${fmt(mean(perSeed(tanh1, rate)))}`,
    rule:
      `reproduced when ‖∂h_T/∂h_t‖ (batch max) ≤ η^{T−t} at every lag and seed for every RNN with η < 1, and the linear RNN's measured per-step rate ` +
      `equals s within ${LINEAR_RATE_TOLERANCE * 100}% for every s; partly when only one of the two holds (or no linear RNN was run); not otherwise.`,
    verdict,
    why:
      (boundOk ? 'the vanishing bound is never violated' : `the bound is violated for ${broken.join(', ') || 'no RNN with η < 1 run'}`) +
      (linear.length === 0 ? '; no linear RNN was run to check the exact rate.' : linearOk ? ' and the linear RNN decays or grows exactly as s^{lag}.' : '; the linear RNN does not follow s^{lag}.') +
      ' At initialisation the gated models are not immune: their per-step rate is set by the forget/update gates (σ(bias) < 1), and the LSTM\'s advantage comes from learning to hold its forget gate near 1.',
  };
};
