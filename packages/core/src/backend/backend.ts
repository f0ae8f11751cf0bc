/**
 * Backend resolution: native TensorFlow (`@tensorflow/tfjs-node`, an optional dependency that
 * only installs where libtensorflow can be downloaded), then WebAssembly
 * (`@tensorflow/tfjs-backend-wasm`, shipped inside the npm package, SIMD), then pure-JS `cpu`.
 *
 * `GRADLAB_BACKEND=tensorflow|wasm|cpu` (or `initBackend({ backend })`) forces one; a forced
 * backend that cannot load is a `BackendError`, never a silent fallback.
 *
 * `GRADLAB_WASM_THREADS=N` (or `initBackend({ threads })`) runs the wasm backend on N threads
 * through the loader in `wasm-threads.ts`; the default, 1, is tfjs's own single-threaded loader.
 */
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { tf } from './tf.js';
import { BackendError, ValidationError } from '../errors/gradlab-error.js';
import { registerFastMatMulGradient } from './matmul-gradient.js';
import { registerWasmSliceKernels } from './wasm-slice.js';
import { MAX_WASM_THREADS, useWasmThreads, wasmThreadsInUse, wasmThreadsRequested } from './wasm-threads.js';

/** The backends gradlab knows, fastest first. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
/** A backend name. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What is computing, written into every manifest. */
export interface BackendInfo {
  /** Backend in use. */
  name: BackendName;
  /** Version of the tfjs package providing it. */
  version: string;
  /** Whether WebAssembly SIMD is in use (wasm only). */
  simd: boolean;
  /** Threads the backend computes with. */
  threads: number;
}

const require = createRequire(import.meta.url);
let current: BackendInfo | undefined;

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function load(name: BackendName, threads: number): Promise<BackendInfo> {
  if (name === 'tensorflow') {
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend("tensorflow") returned false');
    return { name, version: packageVersion(spec), simd: false, threads: cpus().length };
  }
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    await useWasmThreads(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
    registerWasmSliceKernels();
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threaded = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    const version = packageVersion('@tensorflow/tfjs-backend-wasm');
    if (threads > 1) return { name, version, simd, threads: await wasmThreadsInUse() };
    return { name, version, simd, threads: threaded ? cpus().length : 1 };
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") returned false');
  return { name, version: packageVersion('@tensorflow/tfjs-core'), simd: false, threads: 1 };
}

/** Options of `initBackend`. */
export interface BackendConfig {
  /** Force a backend. Default: `GRADLAB_BACKEND`, else the first of tensorflow, wasm, cpu that loads. */
  backend?: BackendName | undefined;
  /**
   * Threads of the wasm backend, 1 to 8. Default: `GRADLAB_WASM_THREADS`, else 1. More than 1
   * selects the wasm backend (forcing another one is an error) and loads tfjs's threaded-SIMD
   * binary; results are byte-identical to 1 thread (docs/backends.md). Changing the count
   * re-creates the wasm backend, so no tensor may live on it at that moment.
   */
  threads?: number | undefined;
}

function parseThreads(config: BackendConfig): number {
  const env = process.env['GRADLAB_WASM_THREADS'];
  const [value, source] =
    config.threads !== undefined
      ? [config.threads, 'initBackend: threads']
      : env !== undefined && env !== ''
        ? [/^\d+$/.test(env) ? Number(env) : env, 'GRADLAB_WASM_THREADS']
        : [1, ''];
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_WASM_THREADS) return value;
  throw new ValidationError(`${source}: expected an integer from 1 to ${MAX_WASM_THREADS}, got ${JSON.stringify(value)}`);
}

/** Whether the active backend is `name` as configured (for wasm: with `threads` threads). */
function isActive(name: BackendName, threads: number): boolean {
  return current?.name === name && tf.getBackend() === name && (name !== 'wasm' || wasmThreadsRequested() === threads);
}

function parseName(value: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new BackendError(`${source}: expected one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(value)}`);
}

/**
 * Resolves and activates the tensor backend. Safe to call again: switching to another backend
 * is allowed (tensors move lazily); asking for the active one is a no-op.
 * @returns the backend in use
 * @throws BackendError when a forced backend cannot load, or its name is unknown
 */
export async function initBackend(config: BackendConfig = {}): Promise<BackendInfo> {
  // PROD silences tfjs's console hints (e.g. "install tfjs-node"): library code never prints.
  // Set here rather than at import, so importing gradlab has no side effects.
  tf.env().set('PROD', true);
  registerFastMatMulGradient();
  const env = process.env['GRADLAB_BACKEND'];
  const named =
    config.backend !== undefined
      ? parseName(config.backend, 'initBackend: backend')
      : env !== undefined && env !== ''
        ? parseName(env, 'GRADLAB_BACKEND')
        : undefined;
  const threads = parseThreads(config);
  if (threads > 1 && named !== undefined && named !== 'wasm') {
    throw new BackendError(`threads: ${threads} threads need the wasm backend, and backend "${named}" was requested; use threads 1 with it`);
  }
  // Threads are a wasm setting: asking for more than one selects wasm, with no fallback.
  const forced = threads > 1 ? 'wasm' : named;
  if (forced !== undefined) {
    if (current !== undefined && isActive(forced, threads)) return current;
    try {
      current = await load(forced, threads);
    } catch (err) {
      if (err instanceof BackendError) throw err;
      throw new BackendError(`backend "${forced}" was requested but cannot load: ${(err as Error).message.split('\n')[0]}`, {
        hint: forced === 'tensorflow' ? 'install @tensorflow/tfjs-node where libtensorflow can be downloaded, or use wasm' : undefined,
        cause: err,
      } as { hint?: string; cause?: unknown });
    }
    return current;
  }
  if (current !== undefined && isActive(current.name, threads)) return current;
  const failures: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      current = await load(name, threads);
      return current;
    } catch (err) {
      if (err instanceof BackendError) throw err; // a wasm thread-count change refused, not a missing backend
      failures.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new BackendError(`no tensor backend could load (${failures.join('; ')})`);
}

/**
 * The backend in use.
 * @throws BackendError if `initBackend` has not run
 */
export function backendInfo(): BackendInfo {
  if (current === undefined || tf.getBackend() !== current.name) {
    throw new BackendError('backendInfo: no backend initialised through initBackend(); call await initBackend() first');
  }
  return current;
}
