/**
 * `npx tsx bench/sampling-share.ts [--runs 3]` — the share of a CD-1 epoch (W4: 784×500 RBM,
 * batch 100, 10,000 samples) spent on Bernoulli sampling through the JS `Rng`: the uniform draws
 * (`Rng.uniformArray`, seedrandom's alea, two generator steps per float) and the whole
 * `Rng.bernoulliTensor` (draws, upload to the backend, `less`, `cast`). Both are wrapped with
 * timers here, in this script only; the library is untouched and its bits do not change.
 * Also times 1e6 `Rng.next()` (one alea double each), the floor of the draws' cost. Prints one JSON line.
 * Timing only; never run by tests.
 */
import { performance } from 'node:perf_hooks';
import { Rng, initBackend } from '@gradlab/core';
import { w4 } from './w4-rbm-cd1.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: 'wasm' });
  const runs = Number(option('--runs', '3'));
  const inst = w4.setup('full');
  inst.run(); // warm-up
  const proto = Rng.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const spent = { uniformArray: 0, bernoulliTensor: 0 };
  const calls = { uniformArray: 0, bernoulliTensor: 0 };
  let draws = 0;
  for (const name of ['uniformArray', 'bernoulliTensor'] as const) {
    const original = proto[name]!;
    proto[name] = function (this: unknown, ...a: unknown[]) {
      const t0 = performance.now();
      const out = original.apply(this, a);
      spent[name] += performance.now() - t0;
      calls[name]++;
      if (name === 'uniformArray') draws += a[0] as number;
      return out;
    };
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < runs; r++) inst.run();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  inst.dispose();
  const prng = new Rng('floor'); // Rng.next() is one alea double
  const n = 1_000_000;
  let sink = 0;
  const f0 = performance.now();
  for (let i = 0; i < n; i++) sink += prng.next();
  const nsPerDouble = ((performance.now() - f0) * 1e6) / n;
  const pct = (ms: number) => Number(((100 * ms) / wall).toFixed(1));
  process.stdout.write(
    `${JSON.stringify({
      id: 'cd1-sampling-share',
      workload: 'W4',
      backend: info.name,
      runs,
      wall_ms_per_run: Math.round(wall / runs),
      cpu_ms_per_run: Math.round((c.user + c.system) / 1000 / runs),
      draws_per_run: draws / runs,
      uniform_draws_ms_per_run: Math.round(spent.uniformArray / runs),
      uniform_draws_pct: pct(spent.uniformArray),
      bernoulli_tensor_calls_per_run: calls.bernoulliTensor / runs,
      bernoulli_tensor_ms_per_run: Math.round(spent.bernoulliTensor / runs),
      bernoulli_tensor_pct: pct(spent.bernoulliTensor),
      rng_next_ns: Number(nsPerDouble.toFixed(1)),
      sink: sink > 0,
    })}\n`,
  );
}

void main();
