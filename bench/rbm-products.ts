/**
 * `npx tsx bench/rbm-products.ts [--reps 20]` — the three products of a CD-1 update's Gibbs
 * chain on a 784×500 RBM (batch 100) with W freshly assigned before each update, as training
 * does, in three forms, alternated round by round so that load on a shared machine hits each
 * alike:
 *
 * - `plain`: v·W, h·Wᵀ (Wᵀ a transposed copy, made once per update), v·W — what
 *   `BernoulliRBM` does. XNNPACK packs its right operand once per tensor, so a fresh W and a
 *   fresh Wᵀ are each repacked (V·H floats) on first use.
 * - `visible-transposed`: h·Wᵀ as (W·hᵀ)ᵀ, so neither a transposed copy of W nor its packing
 *   is needed; only hᵀ [H, batch] is packed.
 * - `both-transposed`: also v·W as (Wᵀ·vᵀ)ᵀ.
 *
 * Prints one JSON line per form: median wall and process CPU ms per update, and whether its
 * outputs are bit-identical to `plain`'s. Timing only; never run by tests.
 */
import { performance } from 'node:perf_hooks';
import { initBackend, tf } from '@gradlab/core';

const [V, H, B] = [784, 500, 100];
const FORMS = ['plain', 'visible-transposed', 'both-transposed'] as const;
type Form = (typeof FORMS)[number];

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** v·W, h·Wᵀ, v'·W in one form; returns the three products. */
function chain(form: Form, W: tf.Tensor2D, v: tf.Tensor2D, h: tf.Tensor2D, v1: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    const wt = form === 'plain' || form === 'both-transposed' ? (tf.transpose(W) as tf.Tensor2D) : undefined;
    const hidden = (x: tf.Tensor2D) => (form === 'both-transposed' ? (tf.transpose(tf.matMul(wt!, tf.transpose(x))) as tf.Tensor2D) : tf.matMul(x, W));
    const visible = form === 'plain' ? tf.matMul(h, wt!) : (tf.transpose(tf.matMul(W, tf.transpose(h))) as tf.Tensor2D);
    return [hidden(v), visible, hidden(v1)];
  });
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: 'wasm' });
  const reps = Number(option('--reps', '20'));
  const W = tf.variable(tf.randomNormal([V, H], 0, 0.01, 'float32', 1) as tf.Tensor2D);
  const v = tf.cast(tf.less(tf.randomUniform([B, V], 0, 1, 'float32', 2), 0.3), 'float32') as tf.Tensor2D;
  const h = tf.cast(tf.less(tf.randomUniform([B, H], 0, 1, 'float32', 3), 0.5), 'float32') as tf.Tensor2D;
  const v1 = tf.randomUniform([B, V], 0, 1, 'float32', 4) as tf.Tensor2D;
  const step = tf.randomNormal([V, H], 0, 1e-4, 'float32', 5);
  const wall: Record<Form, number[]> = { plain: [], 'visible-transposed': [], 'both-transposed': [] };
  const cpu: Record<Form, number[]> = { plain: [], 'visible-transposed': [], 'both-transposed': [] };
  const same: Record<Form, boolean> = { plain: true, 'visible-transposed': true, 'both-transposed': true };
  for (let r = 0; r < reps + 2; r++) {
    for (const form of FORMS) {
      W.assign(tf.tidy(() => tf.add(W, step))); // a fresh W, as after every training update
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const out = chain(form, W, v, h, v1);
      for (const t of out) t.dataSync();
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      tf.dispose(out);
      if (r >= 2) {
        // the first two rounds warm up
        wall[form].push(ms);
        cpu[form].push((c.user + c.system) / 1000);
      }
    }
  }
  // Bit-identity on one fixed W (the timing loop above keeps W moving).
  const base = chain('plain', W, v, h, v1).map((t) => {
    const d = t.dataSync().slice();
    t.dispose();
    return d;
  });
  for (const form of FORMS) {
    const out = chain(form, W, v, h, v1);
    same[form] = out.every((t, i) => {
      const d = t.dataSync() as Float32Array;
      const a = new Uint32Array(d.buffer, d.byteOffset, d.length);
      const b = new Uint32Array(base[i]!.buffer, base[i]!.byteOffset, base[i]!.length);
      return a.length === b.length && a.every((x, j) => x === b[j]);
    });
    tf.dispose(out);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const form of FORMS) {
    process.stdout.write(
      `${JSON.stringify({ id: 'rbm-products', form, shape: `${B}x${V}x${H}`, backend: info.name, reps, median_ms: Number(median(wall[form]).toFixed(2)), median_cpu_ms: Number(median(cpu[form]).toFixed(2)), bit_identical_to_plain: same[form] })}\n`,
    );
  }
  tf.dispose([W, v, h, v1, step]);
}

void main();
