// Float64 brute-force reference computations for tiny RBMs, written directly from the
// definitions (no tfjs), used to check the library's tensors.
import { tf } from '@gradlab/core';
import type { RBM } from '../src/index.js';

export interface Params64 {
  W: number[][]; // [V][H]
  b: number[]; // [V]
  c: number[]; // [H]
  V: number;
  H: number;
}

export function params64(rbm: RBM): Params64 {
  const W = rbm.weight.arraySync() as number[][];
  return { W, b: rbm.visibleBias.arraySync() as number[], c: rbm.hiddenBias.arraySync() as number[], V: rbm.numVisible, H: rbm.numHidden };
}

export function states(n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < 2 ** n; i++) out.push(Array.from({ length: n }, (_, j) => (i >> j) & 1));
  return out;
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
export const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

export function logSumExp(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** E(v, h) of a binary RBM. */
export function energy(p: Params64, v: number[], h: number[]): number {
  let e = 0;
  for (let i = 0; i < p.V; i++) e -= p.b[i]! * v[i]!;
  for (let j = 0; j < p.H; j++) e -= p.c[j]! * h[j]!;
  for (let i = 0; i < p.V; i++) for (let j = 0; j < p.H; j++) e -= v[i]! * p.W[i]![j]! * h[j]!;
  return e;
}

/** Hidden input x_j = v·W_j + c_j. */
export function hiddenInput(p: Params64, v: number[]): number[] {
  return Array.from({ length: p.H }, (_, j) => p.c[j]! + v.reduce((s, vi, i) => s + vi * p.W[i]![j]!, 0));
}

/** Visible input W_i·h + b_i. */
export function visibleInput(p: Params64, h: number[]): number[] {
  return Array.from({ length: p.V }, (_, i) => p.b[i]! + h.reduce((s, hj, j) => s + hj * p.W[i]![j]!, 0));
}

/** Product of Bernoulli probabilities of `x` under means `m`. */
export function bernoulliProb(x: number[], m: number[]): number {
  return x.reduce((s, xi, i) => s * (xi === 1 ? m[i]! : 1 - m[i]!), 1);
}

/** Exact P(v) over all 2^V states of a binary RBM, by summing over both layers. */
export function exactVisibleDistribution(p: Params64): number[] {
  const vs = states(p.V);
  const hs = states(p.H);
  const logs = vs.map((v) => logSumExp(hs.map((h) => -energy(p, v, h))));
  const logZ = logSumExp(logs);
  return logs.map((l) => Math.exp(l - logZ));
}

/** Creates a tensor from nested arrays. */
export function t2(rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows);
}
