// Float64 brute-force reference computations for tiny two-hidden-layer DBMs, written directly
// from the definitions by enumerating every joint state (v, h1, h2) — no tfjs, no closed forms.
import type { DBM } from '../src/index.js';
import { logSumExp, sigmoid, states } from './brute-force.js';

export interface DBM64 {
  W1: number[][]; // [V][H1]
  W2: number[][]; // [H1][H2]
  b: number[];
  c1: number[];
  c2: number[];
  V: number;
  H1: number;
  H2: number;
}

export function dbm64(dbm: DBM): DBM64 {
  const [V, H1, H2] = dbm.layerSizes;
  return {
    W1: dbm.weight1.arraySync() as number[][],
    W2: dbm.weight2.arraySync() as number[][],
    b: dbm.visibleBias.arraySync() as number[],
    c1: dbm.hiddenBias1.arraySync() as number[],
    c2: dbm.hiddenBias2.arraySync() as number[],
    V,
    H1,
    H2,
  };
}

/** E(v, h1, h2). */
export function dbmEnergy(p: DBM64, v: number[], h1: number[], h2: number[]): number {
  let e = 0;
  for (let i = 0; i < p.V; i++) e -= p.b[i]! * v[i]!;
  for (let j = 0; j < p.H1; j++) e -= p.c1[j]! * h1[j]!;
  for (let m = 0; m < p.H2; m++) e -= p.c2[m]! * h2[m]!;
  for (let i = 0; i < p.V; i++) for (let j = 0; j < p.H1; j++) e -= v[i]! * p.W1[i]![j]! * h1[j]!;
  for (let j = 0; j < p.H1; j++) for (let m = 0; m < p.H2; m++) e -= h1[j]! * p.W2[j]![m]! * h2[m]!;
  return e;
}

/** Every joint state with its −E. */
function joint(p: DBM64, vs: number[][] = states(p.V)): { v: number[]; h1: number[]; h2: number[]; logw: number }[] {
  const out = [];
  for (const v of vs) for (const h1 of states(p.H1)) for (const h2 of states(p.H2)) out.push({ v, h1, h2, logw: -dbmEnergy(p, v, h1, h2) });
  return out;
}

export function bruteLogZ(p: DBM64): number {
  return logSumExp(joint(p).map((s) => s.logw));
}

/** log P(v) by summing exp(−E) over h1 and h2. */
export function bruteLogProb(p: DBM64, v: number[], logZ: number): number {
  return logSumExp(joint(p, [v]).map((s) => s.logw)) - logZ;
}

export interface Moments {
  vh1: number[][]; // [V][H1]
  h1h2: number[][]; // [H1][H2]
  v: number[];
  h1: number[];
  h2: number[];
}

function moments(p: DBM64, all: { v: number[]; h1: number[]; h2: number[]; logw: number }[]): Moments {
  const lz = logSumExp(all.map((s) => s.logw));
  const m: Moments = {
    vh1: Array.from({ length: p.V }, () => new Array(p.H1).fill(0)),
    h1h2: Array.from({ length: p.H1 }, () => new Array(p.H2).fill(0)),
    v: new Array(p.V).fill(0),
    h1: new Array(p.H1).fill(0),
    h2: new Array(p.H2).fill(0),
  };
  for (const s of all) {
    const w = Math.exp(s.logw - lz);
    for (let i = 0; i < p.V; i++) {
      m.v[i] += w * s.v[i]!;
      for (let j = 0; j < p.H1; j++) m.vh1[i]![j] += w * s.v[i]! * s.h1[j]!;
    }
    for (let j = 0; j < p.H1; j++) {
      m.h1[j] += w * s.h1[j]!;
      for (let k = 0; k < p.H2; k++) m.h1h2[j]![k] += w * s.h1[j]! * s.h2[k]!;
    }
    for (let k = 0; k < p.H2; k++) m.h2[k] += w * s.h2[k]!;
  }
  return m;
}

/** The model's expectations E_P[v·h1ᵀ], E_P[h1·h2ᵀ], E_P[v], E_P[h1], E_P[h2]. */
export function modelMoments(p: DBM64): Moments {
  return moments(p, joint(p));
}

/** The exact posterior's expectations given one visible vector. */
export function posteriorMoments(p: DBM64, v: number[]): Moments {
  return moments(p, joint(p, [v]));
}

/** Mean field written out in float64: bottom-up pass with 2·W1, then `iterations` damped sweeps. */
export function meanField64(p: DBM64, v: number[], iterations: number, damping = 0): { mu1: number[]; mu2: number[] } {
  const bottomUp = Array.from({ length: p.H1 }, (_, j) => v.reduce((s, vi, i) => s + vi * p.W1[i]![j]!, 0));
  const up2 = (mu1: number[]) => Array.from({ length: p.H2 }, (_, k) => sigmoid(p.c2[k]! + mu1.reduce((s, x, j) => s + x * p.W2[j]![k]!, 0)));
  let mu1 = bottomUp.map((x, j) => sigmoid(2 * x + p.c1[j]!));
  let mu2 = up2(mu1);
  for (let t = 0; t < iterations; t++) {
    const n1 = bottomUp.map((x, j) => sigmoid(x + p.c1[j]! + mu2.reduce((s, y, k) => s + y * p.W2[j]![k]!, 0)));
    mu1 = mu1.map((o, j) => damping * o + (1 - damping) * n1[j]!);
    const n2 = up2(mu1);
    mu2 = mu2.map((o, k) => damping * o + (1 - damping) * n2[k]!);
  }
  return { mu1, mu2 };
}
