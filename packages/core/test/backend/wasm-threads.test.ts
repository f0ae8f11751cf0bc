import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { BackendError, MLP, Rng, SGD, ValidationError, initBackend, tf } from '@gradlab/core';
import { THREADED_WASM_TFJS_VERSION, checkThreadedWasmVersion, threadedWasmWorkers } from '../../src/backend/wasm-threads.js';

// Sizes are large enough that XNNPACK splits each product and element-wise op into several
// tiles (it parallelises over output tiles of 4–8 rows), so a 2-thread run really shares the
// work; tiny shapes would run on the calling thread alone and prove nothing.

/** 5 SGD steps (momentum 0.9) of a 64-128-128-10 tanh MLP on a batch of 64: final weights and losses. */
function trainMlp(): { bytes: Buffer; losses: number[] } {
  const rng = new Rng(11);
  const net = new MLP({ layerSizes: [64, 128, 128, 10], activation: 'tanh' }, rng.fork('net'));
  const x = rng.fork('x').normalTensor([64, 64]);
  const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => (i * 7) % 10), 'int32');
  const opt = new SGD({ learningRate: 0.1, momentum: 0.9 });
  const losses: number[] = [];
  for (let step = 0; step < 5; step++) {
    const g = net.gradients(x, y, 'softmax-cross-entropy');
    losses.push(g.loss);
    opt.step(net.params, g.grads);
    g.dispose();
  }
  const bytes = Buffer.concat(Object.keys(net.params).sort().map((k) => Buffer.from((net.params[k]!.dataSync() as Float32Array).buffer)));
  opt.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return { bytes, losses };
}

/** ∂L/∂(W, U, b) of a tanh RNN (H=96, B=32, T=12, input 48) by full BPTT (tfjs autodiff). */
function rnnGradient(): Buffer {
  const rng = new Rng(5);
  const [I, H, B, T] = [48, 96, 32, 12];
  const W = rng.fork('W').normalTensor([I, H], 0, 1 / Math.sqrt(I));
  const U = rng.fork('U').normalTensor([H, H], 0, 1 / Math.sqrt(H));
  const b = rng.fork('b').normalTensor([H], 0, 0.1);
  const xs = rng.fork('x').normalTensor([T, B, I]);
  const target = rng.fork('y').normalTensor([B, H]);
  const loss = (w: tf.Tensor, u: tf.Tensor, bias: tf.Tensor): tf.Scalar => {
    let h = tf.zeros([B, H]);
    for (const x of tf.unstack(xs)) h = tf.tanh(tf.add(tf.add(tf.matMul(x, w), tf.matMul(h, u)), bias));
    return tf.mean(tf.square(tf.sub(h, target)));
  };
  const grads = tf.tidy(() => tf.grads((w, u, bias) => loss(w, u, bias))([W, U, b]));
  const bytes = Buffer.concat(grads.map((g) => Buffer.from((g.dataSync() as Float32Array).buffer)));
  tf.dispose([...grads, W, U, b, xs, target]);
  return bytes;
}

describe('wasm threads', () => {
  afterAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1 });
  });

  test('threads: 2 runs XNNPACK on 2 threads, one of them an Emscripten pthread worker', async () => {
    const info = await initBackend({ backend: 'wasm', threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', simd: true, threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
    // pthreadpool counts the calling thread: 2 threads = the main thread + 1 worker.
    expect(threadedWasmWorkers()).toEqual({ running: 1, idle: 7 });
    expect(await initBackend({ threads: 2 })).toBe(info); // same settings: no reload
  });

  test('results are byte-identical to 1 thread: MLP training and RNN BPTT gradients', async () => {
    expect((await initBackend({ backend: 'wasm', threads: 1 })).threads).toBe(1);
    const mlp1 = trainMlp();
    const rnn1 = rnnGradient();
    expect((await initBackend({ backend: 'wasm', threads: 2 })).threads).toBe(2);
    const mlp2 = trainMlp();
    const rnn2 = rnnGradient();
    expect(mlp2.losses).toEqual(mlp1.losses);
    expect(mlp1.losses[4]).toBeLessThan(mlp1.losses[0]!); // it trained
    expect(mlp2.bytes.equals(mlp1.bytes)).toBe(true);
    expect(rnn2.equals(rnn1)).toBe(true);
    expect(rnn1.length).toBe(4 * (48 * 96 + 96 * 96 + 96));
  });

  test('nothing leaks: no tensor after repeated runs, no worker after going back to 1 thread', async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    rnnGradient();
    const before = tf.memory().numTensors;
    rnnGradient();
    trainMlp();
    expect(tf.memory().numTensors).toBe(before);
    expect(threadedWasmWorkers().running).toBe(1);
    const one = await initBackend({ backend: 'wasm' });
    expect(one.threads).toBe(1);
    expect(threadedWasmWorkers()).toEqual({ running: 0, idle: 0 }); // pool destroyed, workers terminated
  });

  test('a process on 2 threads exits without disposing the backend', async () => {
    const script = fileURLToPath(new URL('./fixtures/threads-exit.ts', import.meta.url));
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      // A hang detector, not a timing: a live pthread worker would keep the process forever.
      const kill = setTimeout(() => child.kill('SIGKILL'), 100_000);
      child.on('error', reject);
      child.on('exit', (c) => {
        clearTimeout(kill);
        resolve({ code: c, out });
      });
    });
    expect(out).toContain(`threads 2 sum ${256 * 256 * 256}`);
    expect(code).toBe(0);
  });

  test('bad thread counts and impossible combinations are refused with a clear message', async () => {
    for (const bad of [0, 9, 1.5, -2]) {
      await expect(initBackend({ threads: bad })).rejects.toThrow(
        new RegExp(`^initBackend: threads: expected an integer from 1 to 8, got ${String(bad).replace('.', '\\.')}$`),
      );
    }
    await expect(initBackend({ threads: 3 as number })).resolves.toMatchObject({ threads: 3 });
    await expect(initBackend({ threads: 0 })).rejects.toBeInstanceOf(ValidationError);
    const saved = process.env['GRADLAB_WASM_THREADS'];
    try {
      process.env['GRADLAB_WASM_THREADS'] = 'two';
      await expect(initBackend()).rejects.toThrow(/^GRADLAB_WASM_THREADS: expected an integer from 1 to 8, got "two"$/);
      process.env['GRADLAB_WASM_THREADS'] = '2';
      expect((await initBackend()).threads).toBe(2);
    } finally {
      if (saved === undefined) delete process.env['GRADLAB_WASM_THREADS'];
      else process.env['GRADLAB_WASM_THREADS'] = saved;
    }
    await expect(initBackend({ backend: 'cpu', threads: 2 })).rejects.toThrow(
      /^threads: 2 threads need the wasm backend, and backend "cpu" was requested; use threads 1 with it$/,
    );
    const held = tf.ones([3]);
    try {
      const err = await initBackend({ backend: 'wasm', threads: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toMatch(/^threads: cannot change the wasm backend from 2 to 1 threads while 1 tensors live on it; dispose them first/);
      expect(tf.getBackend()).toBe('wasm'); // the refused change left the 2-thread backend in place
    } finally {
      held.dispose();
    }
  });

  test('the loader refuses a tfjs-backend-wasm version it was not written for', () => {
    expect(() => checkThreadedWasmVersion(THREADED_WASM_TFJS_VERSION)).not.toThrow();
    expect(() => checkThreadedWasmVersion('4.23.0')).toThrow(
      /^threaded wasm: the loader in packages\/core\/src\/backend\/wasm-threads\.ts is written for @tensorflow\/tfjs-backend-wasm 4\.22\.0, and 4\.23\.0 is installed; use 1 thread/,
    );
  });
});
