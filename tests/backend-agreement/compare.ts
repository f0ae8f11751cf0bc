/**
 * What a backend-agreement case returns and how two backends' outputs are compared.
 *
 * A case computes named outputs on whichever backend is active. Each name is `group:label`; the
 * group says what kind of number it is (a forward value, a gradient, a parameter change, …)
 * and so which tolerance and which measure apply (see `GROUPS` in the test file).
 *
 * Measures, for the reference a (cpu) and the other backend's b, both read back as float32:
 * - `max`: max_i |a_i − b_i| / max(max_i |a_i|, TINY): the difference relative to the output's
 *   own scale. A group with `scaleOf` set holds quantities that are zero in exact arithmetic
 *   (the gradient of a bias followed by batch norm): only round-off is left of them, so they are
 *   judged against the largest |a| of the named group instead of their own.
 * - `elementwise`: max_i |a_i − b_i| / max(|a_i|, TINY), for series read on a log scale (the
 *   per-step gradient norms ‖∂L/∂h_t‖ that decay with lag).
 */
import { tf } from '@gradlab/core';

/** Named outputs of one case on one backend: `group:label` → values. */
export type CaseOutputs = Record<string, ArrayLike<number>>;

/** Smallest scale a difference is divided by (keeps 0/0 out). */
export const TINY = 1e-30;

/** How the differences of a group are reduced to one number. */
export type Measure = 'max' | 'elementwise';

/** The comparison settings of an output group. */
export interface GroupRule {
  /** Largest relative difference allowed. */
  rtol: number;
  /** How the relative difference is measured. */
  measure: Measure;
  /** For `max`: divide by the largest |value| of this other group of the case (zero-in-exact-arithmetic outputs). */
  scaleOf?: string;
}

/** One output's comparison. */
export interface Difference {
  group: string;
  label: string;
  /** The relative difference, by the group's measure. */
  rel: number;
  /** The largest absolute difference. */
  abs: number;
}

/** The group of an output name (`grad:layer0.weight` → `grad`). */
export function groupOf(name: string): string {
  const i = name.indexOf(':');
  if (i < 0) throw new Error(`backend-agreement: output name ${JSON.stringify(name)} has no "group:" prefix`);
  return name.slice(0, i);
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/**
 * Compares every output of `b` with the reference `a`.
 * @throws Error when the two sets of names or lengths differ, or a value is non-finite
 */
export function compareOutputs(a: CaseOutputs, b: CaseOutputs, rules: Record<string, GroupRule>): Difference[] {
  const names = Object.keys(a).sort();
  expectSame(names, Object.keys(b).sort());
  const groupScale = new Map<string, number>();
  for (const n of names) {
    const g = groupOf(n);
    groupScale.set(g, Math.max(groupScale.get(g) ?? 0, maxAbs(a[n]!)));
  }
  return names.map((name) => {
    const group = groupOf(name);
    const rule = rules[group];
    if (rule === undefined) throw new Error(`backend-agreement: no rule for group ${JSON.stringify(group)}`);
    const x = a[name]!;
    const y = b[name]!;
    if (x.length !== y.length) throw new Error(`backend-agreement: ${name} has ${x.length} values on the reference, ${y.length} on the other`);
    let abs = 0;
    let rel = 0;
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) throw new Error(`backend-agreement: ${name}[${i}] is not finite (${x[i]} vs ${y[i]})`);
      const d = Math.abs(x[i]! - y[i]!);
      abs = Math.max(abs, d);
      if (rule.measure === 'elementwise') rel = Math.max(rel, d / Math.max(Math.abs(x[i]!), TINY));
    }
    if (rule.measure === 'max') rel = abs / Math.max(maxAbs(x), rule.scaleOf === undefined ? 0 : (groupScale.get(rule.scaleOf) ?? 0), TINY);
    return { group, label: name.slice(group.length + 1), rel, abs };
  });
}

function expectSame(a: string[], b: string[]): void {
  if (a.join('\n') !== b.join('\n')) throw new Error(`backend-agreement: outputs differ: [${a}] vs [${b}]`);
}

/** The values of a tensor as a plain float32 array, and the tensor disposed. */
export function take(t: tf.Tensor): Float32Array {
  const v = Float32Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Copies of every variable's values, by name. */
export function snapshot(params: Record<string, tf.Tensor>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(params)) out[k] = Float32Array.from(v.dataSync());
  return out;
}

/** θ_after − θ_before for every parameter, as `step:<name>` outputs (computed in float64). */
export function parameterChange(before: Record<string, Float32Array>, params: Record<string, tf.Tensor>, prefix = ''): CaseOutputs {
  const out: CaseOutputs = {};
  for (const [k, v] of Object.entries(params)) {
    const now = v.dataSync();
    const was = before[k]!;
    out[`step:${prefix}${k}`] = Float64Array.from(now, (x, i) => x - was[i]!);
  }
  return out;
}
