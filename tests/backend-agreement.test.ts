/**
 * Backends agree (issue 6, part 5). TensorFlow.js users have seen the wasm backend train an LSTM
 * to a very different loss than cpu (tensorflow/tfjs#4326); gradlab's numbers must not depend on
 * the backend. Every model family's forward pass, explicit gradients and one training step run on
 * each available backend in this one process (switched with `initBackend`, which calls
 * `tf.setBackend` and registers the explicit-transpose matMul gradient) and are compared with
 * cpu, the pure-JS reference; so is a 200-step SGD run of an LSTM on the adding problem.
 *
 * The largest relative difference of every case and group is printed after the run (the table in
 * docs/backends.md comes from it).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendError, initBackend, tf, type BackendName } from '@gradlab/core';
import { z, defineExperiment, runExperiment } from '@gradlab/lab';
import { compareOutputs } from './backend-agreement/compare.js';
import type { CaseOutputs, GroupRule } from './backend-agreement/compare.js';
import type { AgreementCase } from './backend-agreement/agreement-case.js';
import { MLP_CASES } from './backend-agreement/mlp-cases.js';
import { ADDING_RUN, RNN_CASES, addingRunOutputs } from './backend-agreement/rnn-cases.js';
import { RBM_CASES } from './backend-agreement/rbm-cases.js';

// ---- Tolerances -----------------------------------------------------------------------------
// Everything is float32 (ε = 2⁻²³ ≈ 1.2e-7). The backends differ only in the order of summation
// inside reductions and matMul, and in the elementwise kernels (exp, tanh, sigmoid, log1p: cpu
// evaluates them in float64 JS and rounds, wasm in float32 C++). Relative difference =
// max|a − b| / max(max|a|, tiny) per output, a being cpu (see compare.ts). The largest seen here
// is 5–60× below each tolerance (docs/backends.md lists them); the runs are deterministic, so
// the margin guards against code changes, not against noise.

/** Forward values, losses, free energies, gate means: a few ε per op over a short chain of ops. */
export const FORWARD_RTOL = 1e-5;
/** Explicit gradients (autodiff, or BPTT through 15 steps), CD-1 statistics: round-off grows along the backward chain. */
export const GRADIENT_RTOL = 1e-5;
/**
 * ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ per step, element by element (they are plotted on a log scale
 * against the lag, so each must agree relative to itself, not only to the largest).
 */
export const PER_STEP_RTOL = 1e-5;
/**
 * Parameter change θ′ − θ after one step (three chunk steps for TBPTT, four CD-1 steps per layer
 * for the DBN), computed from float32 θ′ and θ: rounding θ′ alone costs ½ ulp(θ) ≈ 6e-8·|θ|,
 * about 1e-5 of a step of 1e-2·|θ|, so this is ten times looser than the gradient tolerance.
 */
export const STEP_RTOL = 1e-4;
/**
 * 200 SGD steps (momentum 0.9, clipping) of an LSTM on the adding problem, compared on the test
 * MSE curve, the training losses and the final weights: round-off of each step feeds the next,
 * so differences can grow over training (to ~1e-5 with a 10× larger learning rate, where the
 * loss oscillates); they must stay far below the loss scale (tfjs#4326 reported losses
 * differing by a factor of 10⁴).
 */
export const TRAINING_RTOL = 1e-4;

const GROUPS: Record<string, GroupRule> = {
  fwd: { rtol: FORWARD_RTOL, measure: 'max' },
  grad: { rtol: GRADIENT_RTOL, measure: 'max' },
  perstep: { rtol: PER_STEP_RTOL, measure: 'elementwise' },
  step: { rtol: STEP_RTOL, measure: 'max' },
  train: { rtol: TRAINING_RTOL, measure: 'max' },
  // Zero in exact arithmetic (a bias before batch norm): round-off, on the scale of the real ones.
  'roundoff-grad': { rtol: GRADIENT_RTOL, measure: 'max', scaleOf: 'grad' },
  'roundoff-step': { rtol: STEP_RTOL, measure: 'max', scaleOf: 'step' },
};

// ---- Backends in the matrix ------------------------------------------------------------------

/** Why the native backend is not in the matrix, or undefined when it is. */
const tensorflowMissing: string | undefined = await initBackend({ backend: 'tensorflow' }).then(
  () => undefined,
  (e: unknown) => (e instanceof BackendError ? e.message : String(e)),
);
/** Backends compared with cpu, the pure-JS reference. */
const OTHERS: BackendName[] = ['wasm', 'tensorflow'];
if (tensorflowMissing !== undefined) console.log(`backend agreement: tensorflow skipped: ${tensorflowMissing}`);

/** Largest differences seen, for the summary printed after the run. */
const seen: { family: string; name: string; backend: string; group: string; label: string; rel: number; rtol: number }[] = [];

/** cpu outputs per case, computed once and compared with every other backend. */
const reference = new Map<string, CaseOutputs>();

/** Runs a case on one backend; checks that it leaves no tensor behind. */
async function runOn(backend: BackendName, run: () => CaseOutputs): Promise<CaseOutputs> {
  await initBackend({ backend });
  expect(tf.getBackend()).toBe(backend);
  const before = tf.memory().numTensors;
  const out = run();
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
  return out;
}

/** Compares a case on `backend` with cpu, records the differences and checks them. */
async function agree(backend: BackendName, c: AgreementCase): Promise<void> {
  const key = `${c.family} | ${c.name}`;
  if (!reference.has(key)) reference.set(key, await runOn('cpu', c.run));
  const diffs = compareOutputs(reference.get(key)!, await runOn(backend, c.run), GROUPS);
  for (const d of diffs) seen.push({ family: c.family, name: c.name, backend, group: d.group, label: d.label, rel: d.rel, rtol: GROUPS[d.group]!.rtol });
  for (const d of diffs) expect(d.rel, `${backend} vs cpu: ${d.group}:${d.label}`).toBeLessThanOrEqual(GROUPS[d.group]!.rtol);
}

afterAll(async () => {
  // One line per case, backend and group: the largest relative difference and the output it came from.
  const worst = new Map<string, (typeof seen)[number]>();
  for (const s of seen) {
    const key = `${s.family} | ${s.name} | ${s.backend} | ${s.group}`;
    const w = worst.get(key);
    if (w === undefined || s.rel > w.rel) worst.set(key, s);
  }
  const lines = [...worst.entries()].map(([k, s]) => `${k} | ${s.rel.toExponential(2)} (${s.label}) | rtol ${s.rtol.toExponential(0)}`);
  console.log(`backend agreement, largest relative differences vs cpu:\n${lines.join('\n')}`);
  await initBackend();
});

const CASES: AgreementCase[] = [
  ...MLP_CASES,
  ...RNN_CASES,
  ...RBM_CASES,
  { family: 'rnn LSTM', name: `adding problem T=${ADDING_RUN.steps}, ${ADDING_RUN.iterations} SGD steps (tfjs#4326 scenario)`, run: addingRunOutputs },
];

describe.each(OTHERS)('%s vs cpu', (backend) => {
  const missing = backend === 'tensorflow' ? tensorflowMissing : undefined;
  // tfjs-node is an optional dependency whose install downloads libtensorflow; offline it cannot load.
  describe.skipIf(missing !== undefined)(missing === undefined ? 'available' : 'skipped: tfjs-node (libtensorflow) cannot load here', () => {
    test.each(CASES.map((c) => [`${c.family}: ${c.name}`, c] as const))('%s', async (_title, c) => {
      await agree(backend, c);
    });
  });
});

describe('the comparison itself', () => {
  test('flags a difference just above a tolerance, measured as stated, and a round-off-only group on its parent scale', () => {
    const a = { 'grad:w': [2, -4, 1], 'roundoff-grad:b': [1e-9, -2e-9], 'perstep:g': [1, 1e-6] };
    const b = { 'grad:w': [2, -4 + 4 * 2 * GRADIENT_RTOL, 1], 'roundoff-grad:b': [-1e-9, 1e-9], 'perstep:g': [1, 1e-6 * (1 + 2 * PER_STEP_RTOL)] };
    const d = Object.fromEntries(compareOutputs(a, b, GROUPS).map((x) => [`${x.group}:${x.label}`, x.rel]));
    expect(d['grad:w']).toBeCloseTo(2 * GRADIENT_RTOL, 12); // 8e-5 / max|a| = 4
    expect(d['grad:w']).toBeGreaterThan(GRADIENT_RTOL);
    expect(d['roundoff-grad:b']).toBeCloseTo(3e-9 / 4, 15); // on the scale of grad:w
    expect(d['perstep:g']).toBeCloseTo(2 * PER_STEP_RTOL, 9); // relative to the small entry itself
    expect(() => compareOutputs(a, { ...b, 'grad:w': [2, NaN, 1] }, GROUPS)).toThrow(/grad:w\[1\] is not finite/);
  });
});

describe('the manifest records the backend', () => {
  const toy = defineExperiment({
    name: 'backend-toy',
    description: 'Which backend computed this?',
    configSchema: z.object({ seeds: z.array(z.number().int()) }),
    sizes: { quick: { seeds: [1] }, full: { seeds: [1] } },
    grid: () => [{ cell: 'only' }],
    columns: ['cell', 'seed', 'value'],
    run: (_cell, _config, ctx) => {
      const t = ctx.rng.normalTensor([4]);
      const value = tf.tidy(() => tf.sum(tf.square(t)).dataSync()[0]!);
      t.dispose();
      return [{ value }];
    },
  });

  test.each(['cpu', 'wasm'] as const)('a run on %s writes backend.name = %s into manifest.json', async (backend) => {
    const info = await initBackend({ backend });
    const out = mkdtempSync(join(tmpdir(), `gradlab-backend-${backend}-`));
    await runExperiment(toy, { size: 'quick', outDir: out });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { backend: { name: string; version: string } };
    expect(manifest.backend.name).toBe(backend);
    expect(manifest.backend).toEqual(JSON.parse(JSON.stringify(info)));
  });
});
