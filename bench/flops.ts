/**
 * FLOP counts of the workloads. Only matrix products are counted, 2·m·k·n per product
 * [m, k]×[k, n] (one multiply and one add per term), the products that the algorithm as
 * written needs (forward and backward); elementwise work (activations, gate products,
 * sampling, optimiser updates) is left out: it is O(size) against O(size·width) and is what a
 * FLOP count conventionally omits. The same formulas are used for gradlab and for the peer, so
 * the effective GFLOP/s of both are comparable.
 */

/** 2·m·k·n. */
export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}

/** Sizes of a one-layer recurrent net with a linear readout. */
export interface RecurrentFlopSizes {
  /** Gate blocks G: 1 (RNN), 4 (LSTM), 3 (GRU). */
  gates: number;
  steps: number;
  batch: number;
  input: number;
  hidden: number;
  output: number;
  /** Steps that carry a loss (readout forward and backward at each). */
  lossSteps: number;
}

/**
 * Forward and full backward pass of a one-layer recurrent net over T steps:
 * forward x·W_ihᵀ and h·W_hhᵀ per step; backward δz·W_hh per step (∂L/∂h_{t−1}), δZᵀ·X and
 * δZᵀ·H_prev over all steps (weight gradients); readout y = h·W_headᵀ, its two backward
 * products, at each loss step.
 */
export function recurrentFlops(s: RecurrentFlopSizes): number {
  const rows = s.steps * s.batch;
  const GH = s.gates * s.hidden;
  const forward = matmulFlops(rows, s.input, GH) + matmulFlops(rows, s.hidden, GH);
  const backward = matmulFlops(rows, GH, s.hidden) + matmulFlops(GH, rows, s.input) + matmulFlops(GH, rows, s.hidden);
  const readout = 3 * matmulFlops(s.lossSteps * s.batch, s.hidden, s.output);
  return forward + backward + readout;
}

/**
 * One CD-1 update of an RBM V×H on a batch: P(h|v0), P(v|h0), P(h|v1) and the two statistics
 * v0ᵀ·h0, v1ᵀ·h1: five products of B·V·H.
 */
export function cd1Flops(batch: number, visible: number, hidden: number): number {
  return 5 * matmulFlops(batch, visible, hidden);
}

/** Forward and backward pass of an MLP with layer sizes [in, h1, …, out] on a batch (no ∂L/∂x). */
export function mlpFlops(batch: number, sizes: readonly number[]): number {
  let total = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const f = matmulFlops(batch, sizes[l]!, sizes[l + 1]!);
    total += f /* forward */ + f /* ∂L/∂W */ + (l > 0 ? f : 0) /* ∂L/∂a_{l−1} */;
  }
  return total;
}
