import { describe, expect, test } from 'vitest';
import { Rng, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, jacobianNorms } from '../src/index.js';

/** Largest singular value of a small dense matrix (power iteration on MᵀM, float64). */
function spectral(m: number[][]): number {
  const n = m.length;
  let v = Array.from({ length: n }, (_, i) => 1 + i / n);
  let lambda = 0;
  for (let it = 0; it < 2000; it++) {
    const mv = m.map((row) => row.reduce((s, a, j) => s + a * v[j]!, 0));
    const w = v.map((_, j) => m.reduce((s, row, i) => s + row[j]! * mv[i]!, 0));
    const norm = Math.hypot(...w);
    lambda = norm / Math.hypot(...v);
    v = w.map((a) => a / norm);
  }
  return Math.sqrt(lambda);
}

describe('jacobianNorms', () => {
  test('tanh RNN: equals the explicit product Π diag(1 − h_s²) W_hh', () => {
    const H = 5;
    const T = 6;
    const B = 2;
    const net = new RNN({ inputSize: 3, hiddenSize: H, recurrentGain: 1.3 }, new Rng(1));
    const x = new Rng(2).normalTensor([T, B, 3]);
    const j = jacobianNorms(net, x);
    const out = net.forward(x);
    const h = out.hidden.arraySync() as number[][][];
    const W = net.params['weight_hh_l0']!.arraySync() as number[][];
    for (let b = 0; b < B; b++) {
      let M: number[][] = Array.from({ length: H }, (_, i) => Array.from({ length: H }, (_, k) => (i === k ? 1 : 0)));
      for (let t = T - 1; t >= 0; t--) {
        expect(j.norms[t * B + b]).toBeCloseTo(spectral(M), 4);
        // M ← M · diag(1 − h_t²) · W  (∂h_t/∂h_{t−1} = diag(f'(z_t)) W)
        const d = h[t]![b]!.map((v) => 1 - v * v);
        M = M.map((row) => Array.from({ length: H }, (_, k) => row.reduce((s, a, i) => s + a * d[i]! * W[i]![k]!, 0)));
      }
    }
    tf.dispose([x, out.output, out.hidden, out.state.h]);
    net.dispose();
  });

  test('linear RNN with W = s·Q: ‖∂h_T/∂h_t‖ = s^(T−1−t), without underflow', () => {
    const T = 120;
    const net = new RNN({ inputSize: 1, hiddenSize: 8, nonlinearity: 'linear', recurrentInit: 'orthogonal', recurrentGain: 0.25 }, new Rng(3));
    const x = new Rng(4).normalTensor([T, 3, 1]);
    const j = jacobianNorms(net, x);
    for (const t of [T - 1, T - 10, 50, 0]) {
      const expected = 0.25 ** (T - 1 - t);
      expect(Math.abs(j.mean[t]! / expected - 1)).toBeLessThan(1e-3);
    }
    expect(j.mean[0]).toBeLessThan(1e-70);
    x.dispose();
    net.dispose();
  });

  test.each([
    ['lstm', () => new LSTM({ inputSize: 2, hiddenSize: 6 }, new Rng(5))],
    ['gru', () => new GRU({ inputSize: 2, hiddenSize: 6 }, new Rng(6))],
  ])('%s: finite, 1 at lag 0, and leak-free', (_n, make) => {
    const net = make();
    const x = new Rng(7).normalTensor([10, 2, 2]);
    jacobianNorms(net, x);
    const before = tf.memory().numTensors;
    const j = jacobianNorms(net, x);
    expect(tf.memory().numTensors).toBe(before);
    expect(j.mean[9]).toBeCloseTo(1, 5);
    for (const v of j.norms) expect(Number.isFinite(v) && v >= 0).toBe(true);
    x.dispose();
    net.dispose();
  });

  test('lstm with a tiny W_hh: ‖∂h_T/∂h_t‖ ≈ 1e−30 is measured, not squared to 0', () => {
    // With W_hh = α·W₀ and α ≪ 1 every path from h_t to h_T enters through W_hh once at leading
    // order, so the norms scale with α: α = 2^−100 against α = 2^−20 gives the ratio 2^−80 at
    // every lag ≥ 1 (to O(2^−20)). The products are tiny next to ∂h_T/∂c_t, which is O(1).
    const norms = (alpha: number) => {
      const net = new LSTM({ inputSize: 2, hiddenSize: 6 }, new Rng(8));
      net.params['weight_hh_l0']!.assign(tf.mul(net.params['weight_hh_l0']!, alpha));
      const x = new Rng(9).normalTensor([8, 2, 2]);
      const j = jacobianNorms(net, x);
      x.dispose();
      net.dispose();
      return j.norms;
    };
    const tiny = norms(2 ** -100);
    const small = norms(2 ** -20);
    for (let i = 0; i < 7 * 2; i++) {
      expect(tiny[i]!).toBeGreaterThan(0);
      expect(Math.abs(tiny[i]! / (small[i]! * 2 ** -80) - 1)).toBeLessThan(1e-3);
    }
  });
});
